"""Grading killed mid-run (SIGKILL, not a polite stop) and restarted loses nothing.

The gradebook passes SQLite's integrity check after the kill, the restarted run grades every
submission with the same scores as an undisturbed one, and no submitted file is modified.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.demo.class_demo import build_demo
from course.storage.database import integrity_problem
from tests.nbgrader_harness import tool_env

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "00-orientation"
COPIES = 8


def _auto_scores(root: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


def _grade_command(root: Path) -> list[str]:
    cli = Path(sys.executable).parent / "cryocourse"
    return [str(cli), "--course", str(root), "grade", ASSIGNMENT, "--workers", "2"]


def test_grading_killed_mid_run_then_restarted_loses_nothing(tmp_path):
    demo = build_demo(tmp_path / "class", 1, seed=5, assignments=[ASSIGNMENT], workers=1,
                      with_report=False)
    root, original = demo.root, demo.trainees[0].student_id
    for number in range(COPIES):
        shutil.copytree(root / "submitted" / original / ASSIGNMENT,
                        root / "submitted" / f"copy{number}" / ASSIGNMENT)
    submitted = {path: path.read_bytes() for path in (root / "submitted").rglob("*.ipynb")}

    run = subprocess.Popen(_grade_command(root), env=tool_env(), start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    graded = root / "autograded"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if any((graded / f"copy{n}").exists() for n in range(COPIES)):
            break
        time.sleep(0.05)
    assert run.poll() is None, "grading finished before it could be interrupted"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert integrity_problem(f"sqlite:///{root / 'gradebook.db'}") is None

    again = subprocess.run(_grade_command(root), env=tool_env(), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert integrity_problem(f"sqlite:///{root / 'gradebook.db'}") is None
    reference = _auto_scores(root, original)
    for number in range(COPIES):
        assert _auto_scores(root, f"copy{number}") == reference, f"copy{number}"
    for path, content in submitted.items():
        assert path.read_bytes() == content, f"{path} was modified"
