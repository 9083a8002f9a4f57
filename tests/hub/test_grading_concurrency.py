"""Regression tests of two concurrency bugs, on SQLite and on PostgreSQL.

1. A hand grade given in the Formgrader while ``cryocourse grade --force`` ran was put back
   to its old value at the end of the run (2 became 1). Now a newer hand grade is kept and
   reported; only a hand grade the run cleared is put back.
2. Two graders grading the same assignment at once broke each other's run. Now one run at a
   time grades an assignment: the second says who is grading (or waits with ``--wait``),
   and the Formgrader's autograde refuses while a run grades.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from nbgrader.api import Gradebook

from course.classroom import database
from course.classroom.gradebook import restore_manual_grades
from course.classroom.parallel_grading import grade_assignment
from course.cli import main
from tests.nbgrader_harness import Course, reference_submission

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
COURSE_ID = "cosmetic-cryotherapy"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def course(request, tmp_path_factory):
    """A course copy with one collected submission, its gradebook on the given backend."""
    copy = Course.copy_of_repo(tmp_path_factory.mktemp(request.param))
    if request.param == "postgresql":  # the class server's way: the course's private file
        private = copy.root / ".cryocourse"
        private.mkdir()
        (private / "database-url").write_text(
            request.getfixturevalue("postgres").create_database("concurrency"))
        (private / "database-url").chmod(0o600)
    copy.generate(ASSIGNMENT)
    copy.submit("ana", ASSIGNMENT, NOTEBOOK, reference_submission(copy, ASSIGNMENT, NOTEBOOK))
    return copy


def _url(course: Course) -> str:
    private = course.root / ".cryocourse" / "database-url"
    return private.read_text() if private.exists() else f"sqlite:///{course.root / 'gradebook.db'}"


def _hold_grading_lock(course: Course) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from course.classroom.database import grading_lock
        with grading_lock({_url(course)!r}, {COURSE_ID!r}, {ASSIGNMENT!r},
                          lock_dir=Path({str(course.root / '.cryocourse')!r})):
            print("held", flush=True)
            time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_hand_grade_given_during_a_run_is_kept_and_reported(course):
    assert course.root.joinpath("submitted", "ana").is_dir()
    first = grade_assignment(course.root, ASSIGNMENT, workers=1)
    assert first.ok, first.text()
    url = _url(course)
    with Gradebook(url) as book:
        written = next(g for g in book.find_submission_notebook(
            ASSIGNMENT, ASSIGNMENT, "ana").grades if g.auto_score is None)
        cell = written.name
        written.manual_score = 1.0
        book.db.commit()
    key = ("ana", ASSIGNMENT, cell)
    before = {key: 1.0}  # what a run read when it started
    with Gradebook(url) as book:  # a grader changes it in the Formgrader meanwhile
        book.find_grade(cell, ASSIGNMENT, ASSIGNMENT, "ana").manual_score = 2.0
        book.db.commit()
    outcome = restore_manual_grades(url, ASSIGNMENT, before)
    assert outcome.put_back == [] and outcome.kept_newer == [(key, 1.0, 2.0)]
    with Gradebook(url) as book:
        grade = book.find_grade(cell, ASSIGNMENT, ASSIGNMENT, "ana")
        assert grade.manual_score == 2.0
        grade.manual_score = None  # cleared by something during a run: put back
        book.db.commit()
    outcome = restore_manual_grades(url, ASSIGNMENT, {key: 2.0})
    assert outcome.put_back == [key]
    with Gradebook(url) as book:
        assert book.find_grade(cell, ASSIGNMENT, ASSIGNMENT, "ana").manual_score == 2.0


def test_a_second_grading_run_says_who_is_grading(course, capsys):
    holder = _hold_grading_lock(course)
    try:
        with pytest.raises(database.GradingBusy):
            grade_assignment(course.root, ASSIGNMENT, workers=1, force=True)
        status = main(["--course", str(course.root), "grade", ASSIGNMENT, "--force"])
        err = capsys.readouterr().err
        assert status == 2 and f"pid {holder.pid}" in err and "--wait" in err, err
        assert "Traceback" not in err
        # nbgrader's own autograde (the Formgrader's button) waits its turn too.
        plain = course.nbgrader("autograde", ASSIGNMENT, "--force", check=False)
        assert "being graded already" in plain.stdout + plain.stderr
    finally:
        holder.kill()
        holder.wait()
    # nbgrader removes a --force autograde's old output before any step of ours can run; the
    # next run sees the autograded notebook is missing and grades the submission again.
    summary = grade_assignment(course.root, ASSIGNMENT, workers=1)
    assert summary.ok and summary.graded == ["ana"], summary.text()


def test_status_names_the_gradebook(course, capsys):
    assert main(["--course", str(course.root), "status"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("Gradebook: "))
    url = _url(course)
    assert database.backend(url) in line
    if database.backend(url) == "PostgreSQL":
        assert url.split(":")[2].split("@")[0] not in line and "***" in line


def test_backup_command_copies_and_checks(course, tmp_path, capsys):
    target = tmp_path / "gradebook.backup"
    assert main(["--course", str(course.root), "backup", "--to", str(target)]) == 0
    assert target.stat().st_size > 0 and target.stat().st_mode & 0o777 == 0o600
    assert "checked" in capsys.readouterr().out
