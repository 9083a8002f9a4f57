"""The instructor workflow with real nbgrader: demo class, resumable grading, manual grades.

One small demo class (4 synthetic trainees, lesson 00) is built through the real exchange
and graded in parallel; the other tests add submissions to that course and grade again.
"""

from __future__ import annotations

import json
import shutil

import pytest
from nbgrader.api import Gradebook

from course.classroom.parallel_grading import grade_assignment
from course.cli import main
from course.demo.class_demo import EXPECTED_FILE, build_demo
from course.storage.database import integrity_problem

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "00-orientation"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo") / "class", 4, seed=3,
                      assignments=[ASSIGNMENT], workers=2)


def auto_scores(root, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


def add_copy(root, of: str, name: str) -> None:
    """A new submission: a copy of an existing trainee's submitted folder."""
    shutil.copytree(root / "submitted" / of / ASSIGNMENT, root / "submitted" / name / ASSIGNMENT)


def test_demo_scores_equal_the_synthetic_trainees_expected_scores(demo):
    expected = json.loads((demo.root / EXPECTED_FILE).read_text())["points"][ASSIGNMENT]
    assert set(expected) == {t.student_id for t in demo.trainees}
    for student, notebooks in expected.items():
        assert auto_scores(demo.root, student) == pytest.approx(notebooks[ASSIGNMENT]), student
    assert all(summary.ok for summary in demo.summaries)
    assert integrity_problem(f"sqlite:///{demo.root / 'gradebook.db'}") is None


def test_demo_went_through_the_exchange_and_made_feedback_and_report(demo):
    inbound = demo.root / "exchange" / "cosmetic-cryotherapy" / "inbound"
    assert len(list(inbound.iterdir())) == len(demo.trainees)
    for trainee in demo.trainees:
        assert (demo.root / "feedback" / trainee.student_id / ASSIGNMENT).is_dir()
    page = demo.reports[ASSIGNMENT].read_text()
    assert "data:image/png;base64," in page and "Awaiting manual grading" in page
    assert (demo.reports[ASSIGNMENT].parent / "scores.png").is_file()


def test_interrupted_grading_resumes_and_keeps_earlier_grades(demo):
    root = demo.root
    for name in ("resume1", "resume2"):
        add_copy(root, demo.trainees[0].student_id, name)
    kept = root / "autograded" / demo.trainees[1].student_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    kept_mtime = kept.stat().st_mtime_ns
    first = grade_assignment(root, ASSIGNMENT, workers=2, limit=1)
    assert len(first.graded) == 1 and len(first.not_started) == 1
    second = grade_assignment(root, ASSIGNMENT, workers=2)
    assert sorted(first.graded + second.graded) == ["resume1", "resume2"]
    assert len(second.skipped) == len(demo.trainees) + 1
    assert kept.stat().st_mtime_ns == kept_mtime
    reference = auto_scores(root, demo.trainees[0].student_id)
    assert auto_scores(root, "resume1") == reference == auto_scores(root, "resume2")


def test_manual_grades_survive_regrading(demo):
    root, student = demo.root, demo.trainees[2].student_id
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        written = gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT, student)
        written.manual_score = 1.5
        override = gradebook.find_grade("orientation_decision_herpes", ASSIGNMENT, ASSIGNMENT,
                                        student)
        override.manual_score = 0.5
        gradebook.db.commit()
    summary = grade_assignment(root, ASSIGNMENT, workers=1, force=True, students=[student])
    assert summary.graded == [student]
    assert summary.restored_manual.put_back == []  # nbgrader kept them; the guard had no work
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                    student).manual_score == 1.5
        assert gradebook.find_grade("orientation_decision_herpes", ASSIGNMENT, ASSIGNMENT,
                                    student).manual_score == 0.5
        # the same files: the hand grade still stands, nothing waits in the Formgrader again
        assert not gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                        student).needs_manual_grade


def test_broken_submission_is_reported_while_the_rest_are_graded(demo, capsys):
    root = demo.root
    add_copy(root, demo.trainees[0].student_id, "broken")
    (root / "submitted" / "broken" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [')
    add_copy(root, demo.trainees[1].student_id, "fine")
    status = main(["--course", str(root), "grade", ASSIGNMENT, "--workers", "2"])
    out = capsys.readouterr()
    assert status == 1
    assert "broken" in out.out and "damaged" in out.out and "Traceback" not in out.err
    assert auto_scores(root, "fine") == auto_scores(root, demo.trainees[1].student_id)


def test_names_come_from_the_name_cell_and_never_replace_the_instructors(demo):
    root = demo.root
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        names = {s.id: (s.first_name, s.last_name) for s in gradebook.students}
        first = demo.trainees[0].student_id
        gradebook.update_or_create_student(first, first_name="Given", last_name="ByInstructor")
    for trainee in demo.trainees:  # e.g. "Ana Demo" -> first name "Ana", last name "Demo"
        assert names[trainee.student_id] == tuple(trainee.display_name.split())
    summary = grade_assignment(root, ASSIGNMENT, workers=2, force=True, students=[first])
    assert summary.ok, summary.text()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        student = gradebook.find_student(first)
        assert (student.first_name, student.last_name) == ("Given", "ByInstructor")


def test_status_counts_submissions_waiting_in_the_exchange(demo, capsys):
    inbound = demo.root / "exchange" / "cosmetic-cryotherapy" / "inbound"
    first = sorted(inbound.glob(f"*+{ASSIGNMENT}+*"))[0]
    student, _, stamp, *_ = first.name.split("+")
    later = stamp.replace(stamp[:4], str(int(stamp[:4]) + 1), 1)  # a year later: resubmitted
    shutil.copytree(first, inbound / f"{student}+{ASSIGNMENT}+{later}+again")
    assert main(["status", "--course", str(demo.root)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith(ASSIGNMENT))
    assert row.split()[2] == "1"  # released, then 1 to collect


def test_the_report_names_collected_submissions_that_are_not_graded(demo):
    from course.classroom.report import build_report

    broken = demo.root / "submitted" / "unreadable" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENT}.ipynb").write_text("{ not json")
    page = build_report(demo.root, ASSIGNMENT).read_text()
    assert "Collected but not graded" in page and "unreadable" in page
