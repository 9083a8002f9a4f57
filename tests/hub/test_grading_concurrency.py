"""Regression tests of two concurrency bugs, on SQLite and on PostgreSQL.

1. A hand grade given in the Formgrader while ``cryocourse grade --force`` ran was put back
   to its old value at the end of the run (2 became 1). Now a newer hand grade is kept and
   reported; only a hand grade the run cleared is put back.
2. Two graders grading the same assignment at once broke each other's run. Now one run at a
   time grades an assignment: the second says who is grading (or waits with ``--wait``).
   The Formgrader's *Autograde* button (its real endpoint, in a real JupyterLab serving the
   course) takes part: it refuses, changing nothing, while a run grades, and it holds the
   lock while it grades, so ``cryocourse grade`` says who is grading or waits, and nothing
   is lost; after a failing autograde the lock is free again in the same server, and a
   server killed in the middle leaves no lock behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.classroom.gradebook import restore_manual_grades
from course.classroom.parallel_grading import grade_assignment
from course.cli import main
from course.storage import database
from course.storage.course_folder import STATE_DIR
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
        from course.storage.database import grading_lock
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
    assert grade_assignment(course.root, ASSIGNMENT, workers=1).ok
    graded = course.root / "autograded" / "ana" / ASSIGNMENT / NOTEBOOK
    before = graded.read_bytes()
    holder = _hold_grading_lock(course)
    try:
        with pytest.raises(database.GradingBusy):
            grade_assignment(course.root, ASSIGNMENT, workers=1, force=True)
        status = main(["--course", str(course.root), "grade", ASSIGNMENT, "--force"])
        err = capsys.readouterr().err
        assert status == 2 and f"pid {holder.pid}" in err and "--wait" in err, err
        assert "Traceback" not in err
        # nbgrader's own autograde (the Formgrader's button) waits its turn too, and stops
        # before a forced autograde would remove the old autograded notebook.
        plain = course.nbgrader("autograde", ASSIGNMENT, "--force", check=False)
        assert plain.returncode == 1
        assert "being graded right now" in plain.stdout + plain.stderr
        assert f"pid {holder.pid}" in plain.stdout + plain.stderr
    finally:
        holder.kill()
        holder.wait()
    assert graded.read_bytes() == before  # nothing lost
    summary = grade_assignment(course.root, ASSIGNMENT, workers=1)
    assert summary.ok and summary.skipped == ["ana"], summary.text()


# --- the Formgrader's Autograde button holds the lock while it grades ----------------------

SLOW_SECONDS = 8


@pytest.fixture
def formgrader(course, tmp_path):
    """A real JupyterLab with nbgrader's Formgrader serving the course (the browser tests'
    server, skipped where they are), stopped after the test."""
    from tests.browser.conftest import start_lab, stop_lab

    server = start_lab(course, tmp_path / "home", course.root)
    try:
        yield server
    finally:
        stop_lab(server)


def _press_autograde(server, student: str) -> Future:
    """Click *Autograde* for ``student``: the Formgrader's own endpoint, answered when done."""
    request = urllib.request.Request(
        server.url(f"/formgrader/api/submission/{ASSIGNMENT}/{student}/autograde"), data=b"",
        method="POST", headers={"Authorization": f"token {server.token}"})

    def press() -> dict:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return json.loads(answer.read())

    return ThreadPoolExecutor(1).submit(press)


def _holder(course: Course) -> str | None:
    return database.grading_lock_holder(_url(course), COURSE_ID, ASSIGNMENT,
                                        lock_dir=course.root / STATE_DIR)


def _lock_is_free(course: Course, wait: float = 0.0) -> bool:
    try:
        with database.grading_lock(_url(course), COURSE_ID, ASSIGNMENT,
                                   lock_dir=course.root / STATE_DIR, wait=wait):
            return True
    except database.GradingBusy:
        return False


def _wait_until_held(course: Course, pressed: Future) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        holder = _holder(course)
        if holder:
            return holder
        assert not pressed.done(), pressed.result()
        time.sleep(0.1)
    raise AssertionError("the button's autograde never took the grading lock")


def _grades_of(course: Course, student: str) -> dict[str, float | None]:
    with Gradebook(_url(course)) as book:
        notebook = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {grade.name: grade.auto_score for grade in notebook.grades}


def test_the_autograde_button_holds_the_lock_and_the_cli_waits_for_it(course, formgrader,
                                                                      capsys):
    reference = reference_submission(course, ASSIGNMENT, NOTEBOOK)
    slow = nbformat.v4.new_code_cell(f"import time\ntime.sleep({SLOW_SECONDS})")
    reference.cells.insert(len(reference.cells) // 2, slow)  # a slow trainee's notebook
    course.submit("ben", ASSIGNMENT, NOTEBOOK, reference)
    broken = course.root / "submitted" / "carl" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / NOTEBOOK).write_text("{ not a notebook")
    server = formgrader.process.pid
    try:
        pressed = _press_autograde(formgrader, "ben")
        holder = _wait_until_held(course, pressed)
        assert f"autograde of ben, pid {server}" in holder, holder
        # A grader's `cryocourse grade` says who is grading and changes nothing ...
        status = main(["--course", str(course.root), "grade", ASSIGNMENT, "--force"])
        err = capsys.readouterr().err
        assert status == 2 and f"autograde of ben, pid {server}" in err, err
        # ... or, with --wait, waits for the button and then grades.
        began = time.monotonic()
        status = main(["--course", str(course.root), "grade", ASSIGNMENT, "--wait",
                       "--student", "ana", "--force", "--workers", "1"])
        waited = time.monotonic() - began
        err = capsys.readouterr().err
        assert status == 0, err
        assert "waiting for that run" in err and f"pid {server}" in err, err
        assert pressed.result(timeout=300)["success"], pressed.result()
        assert waited > 1.0
        # Nothing lost: the button's autograde of ben and the run's of ana are both there.
        for student in ("ben", "ana"):
            assert (course.root / "autograded" / student / ASSIGNMENT / NOTEBOOK).is_file()
            scores = _grades_of(course, student)
            assert any(score is not None for score in scores.values()), (student, scores)
        assert _grades_of(course, "ben") == _grades_of(course, "ana")
        # The lock is free again while the Formgrader runs on ...
        assert _holder(course) is None and _lock_is_free(course)
        # ... and after a failing autograde too.
        failed = _press_autograde(formgrader, "carl").result(timeout=300)
        assert not failed["success"], failed
        assert _holder(course) is None and _lock_is_free(course)
        # A Formgrader killed in the middle of an autograde leaves no lock behind.
        _wait_until_held(course, _press_autograde(formgrader, "ben"))
        os.killpg(os.getpgid(server), signal.SIGKILL)
        formgrader.process.wait(timeout=30)
        assert _lock_is_free(course, wait=30)  # PostgreSQL notices the lost connection
    finally:
        for student in ("ben", "carl"):  # the module's other tests grade ana alone
            for step in ("submitted", "autograded"):
                shutil.rmtree(course.root / step / student, ignore_errors=True)
            (course.root / STATE_DIR / "graded" / ASSIGNMENT / f"{student}.json").unlink(
                missing_ok=True)
