"""Graders proven both ways, with real nbgrader, for every assignment in source/.

For each assignment: the reference solution earns full marks, the unchanged release
notebook earns 0 autograded points, each set of known-wrong answers earns exactly the
points it should, every declared alternative answer earns exactly its credit,
`nbgrader validate` says what it found (its exit code is always 0, so its output is read),
and feedback never shows a hidden test.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from course.exercises.screening_cases import variant_examples, variant_reference
from course.models.variants import draw, has_variants
from course.storage.variant_keys import key_for
from tests.nbgrader_harness import (
    MARKED_ASSIGNMENTS,
    REPO,
    Course,
    items_in,
    notebook_names,
    reference_submission,
    with_answers,
)

pytestmark = pytest.mark.nbgrader

WRONG_SETS = 2  # students wrong1, wrong2: each item's first / second known-wrong answer


def _wrong_answers(items, which: int, kind: str = "wrong") -> tuple[dict, dict]:
    """Answers for one wrong (or alternative-answer) student and what each item should earn."""
    answers, fractions = {}, {}
    for item in items:
        examples = getattr(item, kind)
        if len(examples) > which:
            answers[item.id] = dict(examples[which].answers)
            fractions[item.id] = examples[which].fraction
        else:
            fractions[item.id] = 1.0
    return answers, fractions


def _submit_variant_students(course, assignment, name, items) -> dict:
    """Per-trainee variants: each student answers their own clients (the reference, each
    client's first or second known-wrong answer, its alternatives), and one copies."""
    release = course.release_notebook(assignment, name)
    expected = {}
    course.submit("blank", assignment, name, release)
    expected[("blank", name)] = {i.id: 0.0 for i in items}
    kinds = [("reference", None, 0), ("wrong1", "wrong", 0), ("wrong2", "wrong", 1),
             ("alternative1", "accepted", 0)]
    for student, kind, which in kinds:
        variant = draw(assignment, key_for(course.root, student))
        answers = variant_reference(variant)
        points = {i.id: float(i.points) for i in items}
        for item in items:
            wrong, accepted = variant_examples(variant)[item.id]
            examples = {"wrong": wrong, "accepted": accepted}.get(kind, ())
            if len(examples) > which:
                answers[item.id] = dict(examples[which].answers)
                points[item.id] = round(examples[which].fraction * item.points, 4)
        written = reference_submission(course, assignment, name)  # written answers filled in
        course.submit(student, assignment, name, with_answers(written, answers))
        expected[(student, name)] = points
    return expected


@pytest.fixture(scope="module", params=MARKED_ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """One assignment generated, submitted by reference/blank/wrong students, autograded."""
    assignment = request.param
    course = Course.copy_of_repo(tmp_path_factory.mktemp(assignment))
    course.generate(assignment)
    expected: dict[tuple[str, str], dict[str, float]] = {}
    for name in notebook_names(assignment):
        release = course.release_notebook(assignment, name)
        items = items_in(release)
        if has_variants(assignment):
            expected.update(_submit_variant_students(course, assignment, name, items))
            continue
        reference = reference_submission(course, assignment, name)
        course.submit("reference", assignment, name, reference)
        course.submit("blank", assignment, name, release)
        expected[("reference", name)] = {i.id: float(i.points) for i in items}
        expected[("blank", name)] = {i.id: 0.0 for i in items}
        students = [(f"wrong{which + 1}", which, "wrong") for which in range(WRONG_SETS)]
        most = max((len(item.accepted) for item in items), default=0)
        students += [(f"alternative{which + 1}", which, "accepted") for which in range(most)]
        for student, which, kind in students:
            answers, fractions = _wrong_answers(items, which, kind)
            course.submit(student, assignment, name, with_answers(reference, answers))
            expected[(student, name)] = {i.id: round(fractions[i.id] * i.points, 4)
                                         for i in items}
    course.autograde(assignment)
    return course, assignment, expected


def test_every_student_earns_exactly_the_expected_points(graded):
    course, assignment, expected = graded
    for (student, name), points in expected.items():
        earned = course.auto_scores(assignment, student, name)
        assert set(points) <= set(earned), f"{student}: ungraded items in {name}"
        earned = {item_id: earned[item_id] for item_id in points}
        assert earned == pytest.approx(points), f"{student} in {assignment}/{name}"


def test_reference_earns_full_marks_and_blank_earns_zero(graded):
    course, assignment, expected = graded
    for name in notebook_names(assignment):
        reference = course.auto_scores(assignment, "reference", name)
        assert reference and all(reference[k] == v for k, v in
                                 expected[("reference", name)].items())
        assert sum(course.auto_scores(assignment, "blank", name).values()) == 0


def test_manually_graded_answers_wait_for_the_instructor(graded):
    course, assignment, _ = graded
    for name in notebook_names(assignment):
        source = nbformat.read(REPO / "source" / assignment / name, as_version=4)
        manual = [c.metadata["nbgrader"]["grade_id"] for c in source.cells
                  if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
        scores = course.scores(assignment, "reference", name)
        assert all(scores[grade_id] is None for grade_id in manual)


def test_feedback_shows_scores_but_never_hidden_tests(graded):
    course, assignment, _ = graded
    course.nbgrader("generate_feedback", assignment, "--force")
    pages = list((course.root / "feedback").rglob("*.html"))
    assert pages, "no feedback generated"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in html
        assert "grade(&quot;" not in html and 'grade("' not in html
        assert "Your score" in html and re.search(r"[\d.]+ of [\d.]+ points?<", html)


def test_validate_output_is_read_not_its_exit_code(graded):
    """The source (reference) validates; with wrong answers it fails, yet still exits 0."""
    course, assignment, _ = graded
    for name in notebook_names(assignment):
        source = course.root / "source" / assignment / name
        result = course.nbgrader("validate", str(source), check=False)
        assert result.returncode == 0  # always 0: the output is what counts
        assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout
        nb = nbformat.read(source, as_version=4)
        wrong = {item.id: dict(item.wrong[0].answers) for item in items_in(nb) if item.wrong}
        broken = course.root / f"wrong-{name}"
        nbformat.write(with_answers(nb, wrong), broken)
        result = course.nbgrader("validate", str(broken), check=False)
        assert result.returncode == 0
        assert "VALIDATION FAILED" in result.stdout, result.stdout


def _comparable(path) -> list[dict]:
    """Cells with volatile metadata dropped, for comparing generated notebooks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [{"type": c["cell_type"], "source": "".join(c["source"]),
             "nbgrader": c.get("metadata", {}).get("nbgrader", {})} for c in nb["cells"]]


def test_release_folder_is_what_generate_assignment_makes_now(graded):
    course, assignment, _ = graded
    for name in notebook_names(assignment):
        committed = REPO / "release" / assignment / name
        assert committed.exists(), f"release/{assignment}/{name} is missing: run " \
            f"`nbgrader generate_assignment {assignment} --force` and commit release/"
        fresh = course.root / "release" / assignment / name
        assert _comparable(committed) == _comparable(fresh), (
            f"release/{assignment}/{name} is out of date: run "
            f"`nbgrader generate_assignment {assignment} --force` and commit release/")


def test_every_released_notebook_starts_with_the_header(graded):
    course, assignment, _ = graded
    header = [c["source"] for c in _comparable(REPO / "source" / "header.ipynb")]
    for name in notebook_names(assignment):
        cells = [c["source"] for c in _comparable(REPO / "release" / assignment / name)]
        assert cells[: len(header)] == header
