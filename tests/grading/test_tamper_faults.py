"""Tamper faults fire on tampering only, with real nbgrader on lesson 00.

An honest submission, answered as the answer controls write (a plain line such as
``treatment = "defer"``) or by typing, records no fault at all; each kind of tampering
records exactly one, naming what was put back. One ``nbgrader autograde`` run grades all.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from course.exercises import all_items
from course.nbgrader_plugins.autograde.faults import faults_of
from tests.nbgrader_harness import Course, with_answers

pytestmark = pytest.mark.nbgrader


LESSON = "00-orientation"
NOTEBOOK = f"{LESSON}.ipynb"
GRADED = "orientation_decision_herpes"
CHECK = "orientation_scope_wart_removal_check"
WRITTEN = "orientation_explain_mole"
MINUTES = all_items()["orientation_observation_minutes"].expected()["more_minutes"]
CONTROLS = {  # what the answer controls write: one plain line per answer
    "orientation_decision_herpes": {"treatment": "defer", "referral": "none"},
    "orientation_scope_wart_removal": {"who_may_remove_wart": "physician"},
    "orientation_observation_minutes": {"more_minutes": MINUTES},
}
TYPED = {  # what a trainee types: comments, spacing, single quotes
    "orientation_decision_herpes_answer":
        "# a cold sore: not today\ntreatment = 'defer'   \nreferral='none'\n",
    "orientation_scope_wart_removal_answer": 'who_may_remove_wart = "physician"  # only them\n',
    "orientation_observation_minutes_answer": f"more_minutes = {MINUTES}\n\n",
}


def _cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _named_and_written(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("your_name"):
            cell.source = 'your_name = "Ana Lopes"\n'
    _cell(nb, WRITTEN).source = "A changing mole needs a doctor before any cold is used."
    return nb


def _tampered(release, change):
    nb = _named_and_written(with_answers(release, CONTROLS))
    change(nb)
    return nb


def _points(nb):
    _cell(nb, GRADED).metadata["nbgrader"]["points"] = 5


def _grade_id(nb):
    _cell(nb, GRADED).metadata["nbgrader"]["grade_id"] = "free_points"


def _flag(nb):
    _cell(nb, GRADED).metadata["nbgrader"]["grade"] = False


def _deleted(nb):
    nb.cells.remove(_cell(nb, GRADED))


def _grade_source(nb):
    _cell(nb, GRADED).source += "\nprint('full marks')"


def _locked_source(nb):
    _cell(nb, CHECK).source = "print('nothing to check')"


TAMPERING = {"points": (_points, "metadata_restored"),
             "grade_id": (_grade_id, "metadata_restored"),
             "flag": (_flag, "metadata_restored"),
             "deleted": (_deleted, "cell_restored"),
             "grade_source": (_grade_source, "locked_cell_edited"),
             "locked_source": (_locked_source, "locked_cell_edited")}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("tamper"))
    course.generate(LESSON)
    release = course.release_notebook(LESSON, NOTEBOOK)
    course.submit("controls", LESSON, NOTEBOOK,
                  _named_and_written(with_answers(release, CONTROLS)))
    typed = _named_and_written(release)
    for grade_id, text in TYPED.items():
        _cell(typed, grade_id).source = text
    course.submit("typed", LESSON, NOTEBOOK, typed)
    course.submit("blank", LESSON, NOTEBOOK, release)
    for student, (change, _) in TAMPERING.items():
        course.submit(student, LESSON, NOTEBOOK, _tampered(release, change))
    course.autograde(LESSON)
    return course


def _faults(course: Course, student: str) -> list[dict]:
    path = course.root / "autograded" / student / LESSON / NOTEBOOK
    return faults_of(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("student", ["controls", "typed", "blank"])
def test_honest_work_records_no_fault(course, student):
    assert _faults(course, student) == []


def test_honest_work_gets_its_marks(course):
    for student in ("controls", "typed"):
        auto = course.auto_scores(LESSON, student, NOTEBOOK)
        assert auto[GRADED] == 1 and sum(auto.values()) == 3, auto


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_each_kind_of_tampering_records_one_fault(course, student):
    faults = _faults(course, student)
    assert [f["kind"] for f in faults] == [TAMPERING[student][1]], faults
    assert faults[0]["message"]


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_earns_nothing_extra(course, student):
    auto = course.auto_scores(LESSON, student, NOTEBOOK)
    assert sum(auto.values()) <= 3 and auto.get(GRADED, 0) <= 1, auto
