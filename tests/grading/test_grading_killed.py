"""Grading killed mid-run (SIGKILL, not a polite stop) and restarted loses nothing.

The gradebook passes SQLite's integrity check after the kill, the restarted run grades every
submission with the same scores as an undisturbed one, and no submitted file is modified.
Issue 31: the run's parent alone killed (the OOM killer) leaves no worker or kernel behind
and no lock that says "being graded already"; a lock still held by processes a killed run
left behind is taken over with a message; a forced run killed midway leaves the same marks
and hand-grade state as an uninterrupted one; an autograded notebook cut short is graded
again, and feedback says what to do about it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.classroom.submissions import unfinished_regrades
from course.demo.class_demo import build_demo
from course.storage.database import integrity_problem
from tests.nbgrader_harness import tool_env

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "00-orientation"
COPIES = 8
HAND_SCORE = 1.0


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> tuple[Path, str]:
    """A graded one-trainee demo class with COPIES more submissions of the same notebook."""
    demo = build_demo(tmp_path_factory.mktemp("demo") / "class", 1, seed=5,
                      assignments=[ASSIGNMENT], workers=1, with_report=False)
    root, original = demo.root, demo.trainees[0].student_id
    for number in range(COPIES):
        shutil.copytree(root / "submitted" / original / ASSIGNMENT,
                        root / "submitted" / f"copy{number}" / ASSIGNMENT)
    return root, original


@pytest.fixture
def course(class_folder, tmp_path) -> tuple[Path, str]:
    root, original = class_folder
    shutil.copytree(root, tmp_path / "class", symlinks=True)
    return tmp_path / "class", original


def _url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def _auto_scores(root: Path, student: str) -> dict[str, float]:
    with Gradebook(_url(root)) as gradebook:
        nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


def _grade_state(root: Path) -> dict[tuple[str, str], tuple]:
    """Every grade of the assignment: (auto score, hand score, still to grade by hand)."""
    with Gradebook(_url(root)) as gradebook:
        return {(sub.student_id, grade.name): (grade.auto_score, grade.manual_score,
                                               grade.needs_manual_grade)
                for sub in gradebook.find_assignment(ASSIGNMENT).submissions
                for nb in sub.notebooks for grade in nb.grades}


def _grade_by_hand(root: Path) -> None:
    """What a grader does in the Formgrader: a hand score for every written answer."""
    with Gradebook(_url(root)) as gradebook:
        for sub in gradebook.find_assignment(ASSIGNMENT).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.needs_manual_grade:
                        grade.manual_score, grade.needs_manual_grade = HAND_SCORE, False
        gradebook.db.commit()


def _cli(root: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "cryocourse"), "--course", str(root), *args]


def _grade_command(root: Path, *extra: str) -> list[str]:
    return _cli(root, "grade", ASSIGNMENT, "--workers", "2", *extra)


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=tool_env(), capture_output=True, text=True, timeout=600)


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=tool_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(condition, run: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None and not condition():
        time.sleep(0.05)
    assert run.poll() is None, f"grading finished before {what}"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pids: list[int]) -> bool:
    """Whether every process in ``pids`` has ended (waits a bounded while for them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return not any(_alive(pid) for pid in pids)


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _assert_class_graded_like(root: Path, original: str) -> None:
    assert integrity_problem(_url(root)) is None
    reference = _auto_scores(root, original)
    for number in range(COPIES):
        assert _auto_scores(root, f"copy{number}") == reference, f"copy{number}"


def _copy_graded(root: Path) -> bool:
    return any((root / "autograded" / f"copy{n}").exists() for n in range(COPIES))


def test_grading_killed_mid_run_then_restarted_loses_nothing(course):
    root, original = course
    submitted = {path: path.read_bytes() for path in (root / "submitted").rglob("*.ipynb")}

    run = _start(_grade_command(root))
    _wait_for(lambda: _copy_graded(root), run, "it could be interrupted")
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert integrity_problem(_url(root)) is None

    again = _run(_grade_command(root))
    assert again.returncode == 0, again.stdout + again.stderr
    _assert_class_graded_like(root, original)
    for path, content in submitted.items():
        assert path.read_bytes() == content, f"{path} was modified"


def test_a_run_whose_parent_alone_is_killed_leaves_no_worker_and_no_lock(course):
    """Issue 31: kill -9 of the parent (the OOM killer) left its workers and their kernels
    alive, holding the grading lock: every later run said "being graded already"."""
    root, original = course
    run = _start(_grade_command(root))
    _wait_for(lambda: _copy_graded(root), run, "it could be interrupted")
    workers = _children(run.pid)
    assert workers
    kernels = [kernel for worker in workers for kernel in _children(worker)]
    try:
        os.kill(run.pid, signal.SIGKILL)  # the parent only, not its process group
        run.wait(timeout=30)
        assert _gone(workers + kernels), "workers or kernels outlived their run"
    finally:
        _kill_all(workers + kernels)

    again = _run(_grade_command(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "being graded already" not in again.stdout + again.stderr
    assert "Traceback" not in again.stdout + again.stderr
    _assert_class_graded_like(root, original)


HOLDER = """
import os, subprocess, sys, time
from pathlib import Path
from course.storage.database import grading_lock
root = Path(sys.argv[1])
with grading_lock("sqlite:///" + str(root / "gradebook.db"), "c", sys.argv[2],
                  lock_dir=root / ".cryocourse"):
    lock = next(int(fd.name) for fd in Path("/proc/self/fd").iterdir()
                if os.readlink(fd).endswith("grading-" + sys.argv[2] + ".lock"))
    # a process left behind with the lock open (as workers without the fix were)
    left = subprocess.Popen(["sleep", "600"], pass_fds=[lock], start_new_session=True)
    print(left.pid, flush=True)
    time.sleep(600)
"""


def test_a_lock_left_by_a_killed_run_is_taken_over_with_a_message(course):
    root, original = course
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root), ASSIGNMENT],
                              env=tool_env(), stdout=subprocess.PIPE, text=True)
    leftover = int(holder.stdout.readline())
    try:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        assert _alive(leftover)  # the lock is still held, by a process of a run that ended
        again = _run(_grade_command(root))
        output = again.stdout + again.stderr
        assert again.returncode == 0, output
        assert "being graded already" not in output
        assert f"pid {holder.pid}" in output and "taken over" in output
        assert str(leftover) in output and _gone([leftover])
    finally:
        _kill_all([leftover, holder.pid])
    _assert_class_graded_like(root, original)


def test_a_forced_run_killed_midway_leaves_hand_grades_as_an_uninterrupted_run(course):
    """Issue 31: a forced run killed midway left hand grades flagged "to grade by hand"
    again, and the next run took them as up to date."""
    root, original = course
    first = _run(_grade_command(root))
    assert first.returncode == 0, first.stdout + first.stderr
    _grade_by_hand(root)
    graded_by_hand = _grade_state(root)
    assert any(manual == HAND_SCORE for _, manual, _ in graded_by_hand.values())

    ledgers = root / ".cryocourse" / "graded" / ASSIGNMENT
    stamps = {path: path.stat().st_mtime_ns for path in ledgers.glob("*.json")}

    def one_finished() -> bool:
        return any(path.exists() and path.stat().st_mtime_ns != stamp
                   for path, stamp in stamps.items())

    run = _start(_grade_command(root, "--force"))
    _wait_for(one_finished, run, "one submission was regraded")
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert unfinished_regrades(root, ASSIGNMENT), "the kill came after the run's end"

    again = _run(_grade_command(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "did not finish" in again.stdout
    assert _grade_state(root) == graded_by_hand
    assert not unfinished_regrades(root, ASSIGNMENT)

    uninterrupted = _run(_grade_command(root, "--force"))
    assert uninterrupted.returncode == 0, uninterrupted.stdout + uninterrupted.stderr
    assert _grade_state(root) == graded_by_hand
    _assert_class_graded_like(root, original)


def test_an_autograded_notebook_cut_short_is_graded_again_and_feedback_says_so(course):
    """Issue 31: a notebook cut short by a killed write counted as up to date, and feedback
    then failed with no next step."""
    root, original = course
    first = _run(_grade_command(root))
    assert first.returncode == 0, first.stdout + first.stderr
    _grade_by_hand(root)
    graded_by_hand = _grade_state(root)
    notebook = root / "autograded" / "copy3" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook.write_bytes(notebook.read_bytes()[: notebook.stat().st_size // 2])

    feedback = _run(_cli(root, "feedback", ASSIGNMENT))
    output = feedback.stdout + feedback.stderr
    assert feedback.returncode != 0 and "Traceback" not in output
    assert "copy3" in output and "cut short" in output
    assert f"cryocourse grade {ASSIGNMENT} --student copy3" in output
    assert (root / "feedback" / "copy2" / ASSIGNMENT).is_dir()  # the others have theirs

    again = _run(_grade_command(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith(f"{ASSIGNMENT}: 1 graded"), again.stdout
    assert _grade_state(root) == graded_by_hand
    feedback = _run(_cli(root, "feedback", ASSIGNMENT))
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    _assert_class_graded_like(root, original)


def test_a_cut_short_hand_in_that_is_gone_or_can_no_longer_be_graded_holds_up_nothing(course):
    """Review of the regrade journal: a killed run was grading two hand-ins; one has since
    been taken out of the class, the other's notebook is missing. The next run puts their
    hand grades back and closes both journals, so feedback for the class is not refused."""
    from course.classroom.submissions import Regrade, Submission, start_regrade

    root, _original = course
    first = _run(_grade_command(root))
    assert first.returncode == 0, first.stdout + first.stderr
    for student in ("copy3", "copy4"):
        folder = root / "submitted" / student / ASSIGNMENT
        start_regrade(root, Submission(student, ASSIGNMENT, folder),
                      Regrade(student, "an older fingerprint", {}, False))
    shutil.rmtree(root / "submitted" / "copy3")
    (root / "submitted" / "copy4" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").unlink()
    assert set(unfinished_regrades(root, ASSIGNMENT)) == {"copy3", "copy4"}

    again = _run(_grade_command(root))
    assert "Traceback" not in again.stdout + again.stderr
    assert "copy4" in again.stdout  # not graded, and says why
    assert not unfinished_regrades(root, ASSIGNMENT)
