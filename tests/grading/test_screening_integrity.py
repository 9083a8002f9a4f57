"""Cheating submissions earn nothing they did not deserve, with real nbgrader.

Assessment 05 and lesson 00 are generated in a temporary copy of the course and graded by
``nbgrader autograde`` with the repository's configuration (sandboxed kernel, then the trusted
marker that re-marks every item from the answer cells' text). Every attacking student answers
the first question honestly (those points are deserved) and attacks everything after it:

(a) ``str`` / ``list`` subclasses whose ``==`` always says True;
(b) an object whose ``==`` always says True;
(c) replacing ``grade`` and ``course.models.cases.score_screening`` with full-marks functions;
(d) an IPython input transformer that turns every later cell (the grade cells) into ``pass``;
(e) ``builtins.isinstance`` patched to always say True, with malformed answers.

One autograde run per assignment grades all its students.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from course.demo.synthetic_trainees import known_wrong
from course.exercises.screening_cases import variant_reference
from course.models.variants import draw, has_variants, marking_as
from course.questions.kinds import Item, Names
from course.sandbox.provisioner import sandbox_status
from course.storage.variant_keys import key_for
from tests.nbgrader_harness import Course, items_in, literal_answers, reference_submission

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

CASES = ("05-screening-cases", "05-screening-cases.ipynb")
ORIENTATION = ("00-orientation", "00-orientation.ipynb")

ALWAYS_EQUAL_TYPES = '''
class AlwaysEqualText(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__

class AlwaysEqualList(list):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
'''

ANYTHING_TYPE = '''
class Anything:
    def __eq__(self, other):
        return True
    def __hash__(self):
        return 0
    def __iter__(self):
        return iter(())
'''

FULL_MARKS_PATCH = '''
import course.models.cases
import course.checks
from course.models.cases import ScreeningScore

def full_marks(*args, **kwargs):
    return 4.0

def perfect_screening(*args, **kwargs):
    return ScreeningScore(1.0, 1.0, 1.0, 1.0, (), (), (), (), "perfect")

course.checks.grade = full_marks
grade = full_marks
course.models.cases.score_screening = perfect_screening
import course.exercises.screening_cases as screening_cases
screening_cases.score_screening = perfect_screening
'''

PASS_EVERYTHING = '''
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
'''

PATCH_ISINSTANCE = '''
import builtins
builtins.isinstance = lambda *args: True
builtins.issubclass = lambda *args: True
'''


def _answer_cell(nb: nbformat.NotebookNode, item: Item) -> nbformat.NotebookNode:
    return next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"{item.id}_answer")


def _names(item: Item) -> tuple[str, ...]:
    return tuple(item.answers)


def _wrong_plain(item: Item) -> dict[str, object]:
    """A plain, well-formed answer that earns nothing (checked with the item's own scorer)."""
    zero = [dict(w.answers) for w in known_wrong(item) if w.fraction == 0]
    if zero:
        return zero[0]
    # a screening item: a wrong treatment, a wrong referral and a wrong finding
    treatment, referral, findings = item.answers
    expected = item.expected()
    answers = {treatment: "refuse" if expected[treatment] == "proceed" else "proceed",
               referral: "gp" if expected[referral] == "none" else "none",
               findings: ["cold_agglutinin_disease"]}
    assert item.score(answers).fraction == 0
    return answers


def attack_notebook(course: Course, assignment: str, name: str, attack: str
                    ) -> nbformat.NotebookNode:
    """The release notebook: first item answered honestly, the rest attacked (an assessment
    with per-trainee variants: on the attacker's own clients)."""
    if not has_variants(assignment):
        return _attack_notebook(course, assignment, name, attack)
    key = key_for(course.root, attack)
    with marking_as(key):
        nb = _attack_notebook(course, assignment, name, attack)
    first = items_in(nb)[0]
    honest = variant_reference(draw(assignment, key))[first.id]
    _answer_cell(nb, first).source = literal_answers(honest)
    return nb


def _attack_notebook(course: Course, assignment: str, name: str, attack: str
                     ) -> nbformat.NotebookNode:
    release = course.release_notebook(assignment, name)
    reference = reference_submission(course, assignment, name)
    nb = copy.deepcopy(release)
    first, *rest = items_in(release)
    _answer_cell(nb, first).source = _answer_cell(reference, first).source
    for index, item in enumerate(rest):
        names = _names(item)
        if attack == "subclass":
            lines = [ALWAYS_EQUAL_TYPES if index == 0 else ""]
            for variable, kind in item.answers.items():
                wrapper = "AlwaysEqualList" if isinstance(kind, Names) else "AlwaysEqualText"
                argument = "" if wrapper == "AlwaysEqualList" else '"proceed"'
                lines.append(f"{variable} = {wrapper}({argument})")
            source = "\n".join(lines)
        elif attack == "anything":
            source = (ANYTHING_TYPE if index == 0 else "") + "\n".join(
                f"{variable} = Anything()" for variable in names)
        elif attack == "patch_helpers":
            source = (FULL_MARKS_PATCH if index == 0 else "") + literal_answers(_wrong_plain(item))
        elif attack == "pass_everything":
            source = literal_answers(_wrong_plain(item)) + (PASS_EVERYTHING if index == 0 else "")
        elif attack == "patch_isinstance":
            source = (PATCH_ISINSTANCE if index == 0 else "") + "\n".join(
                f"{variable} = 42" for variable in names)
        else:  # pragma: no cover - a typo in the test itself
            raise ValueError(attack)
        _answer_cell(nb, item).source = source
    return nb


ATTACKS_05 = ("subclass", "anything", "patch_helpers", "pass_everything", "patch_isinstance")
ATTACKS_00 = ("patch_helpers", "pass_everything")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("integrity"))
    for (assignment, name), attacks in ((CASES, ATTACKS_05), (ORIENTATION, ATTACKS_00)):
        course.generate(assignment)
        course.submit("blank", assignment, name, course.release_notebook(assignment, name))
        for attack in attacks:
            course.submit(attack, assignment, name,
                          attack_notebook(course, assignment, name, attack))
        course.autograde(assignment)
    return course


def _auto(course: Course, assignment: str, student: str, name: str) -> dict[str, float]:
    """Autograded points of the declared items (manually graded answers left out)."""
    items = {item.id for item in items_in(course.release_notebook(assignment, name))}
    earned = course.auto_scores(assignment, student, name)
    return {item_id: points for item_id, points in earned.items() if item_id in items}


def _deserved(course: Course, assignment: str, name: str) -> dict[str, float]:
    """Full points for the first (honestly answered) item, 0 for every other one."""
    items = items_in(course.release_notebook(assignment, name))
    return {item.id: (float(item.points) if index == 0 else 0.0)
            for index, item in enumerate(items)}


@pytest.mark.parametrize("attack", ATTACKS_05)
def test_assessment_05_attacks_earn_only_the_honest_answer(graded: Course, attack: str) -> None:
    earned = _auto(graded, CASES[0], attack, CASES[1])
    assert earned == _deserved(graded, *CASES)


@pytest.mark.parametrize("attack", ATTACKS_00)
def test_lesson_00_attacks_earn_only_the_honest_answer(graded: Course, attack: str) -> None:
    earned = _auto(graded, ORIENTATION[0], attack, ORIENTATION[1])
    assert earned == _deserved(graded, *ORIENTATION)


@pytest.mark.parametrize(("assignment", "name"), [CASES, ORIENTATION])
def test_blank_scores_zero_and_attacks_do_not_beat_it(graded: Course, assignment: str,
                                                      name: str) -> None:
    blank = _auto(graded, assignment, "blank", name)
    assert blank and sum(blank.values()) == 0
    first = next(iter(_deserved(graded, assignment, name)))
    attacks = ATTACKS_05 if assignment == CASES[0] else ATTACKS_00
    for attack in attacks:
        earned = _auto(graded, assignment, attack, name)
        assert {k: v for k, v in earned.items() if k != first} == {
            k: v for k, v in blank.items() if k != first}


def test_the_attacks_really_ran_in_the_kernel(graded: Course) -> None:
    """The input transformer silenced the grade cells: nothing but the trusted marker spoke."""
    path = graded.root / "autograded" / "pass_everything" / CASES[0] / CASES[1]
    nb = nbformat.read(path, as_version=4)
    checks = [c for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_check")]
    assert checks[-1].outputs == []  # `check(...)` became `pass`: no output at all
    grades = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
              and c.cell_type == "code"]
    assert all(c.outputs for c in grades)  # every grade cell carries the trusted mark
