"""The gradebook's own faults answered in a sentence by every command (issue 31).

A real demo class, its gradebook then held by another program (``BEGIN EXCLUSIVE`` in
another process, as a long backup or a database tool does), damaged (garbage bytes over the
whole file, or over pages in the middle) or missing. Each of ``cryocourse status``,
``grade``, ``export``, ``report``, ``feedback`` and ``backup`` runs as a real subprocess:
it exits non-zero with a plain sentence saying what is wrong and what to do, never a
traceback, and leaves the gradebook as it was. ``cryocourse restore`` then puts the backup
back, and the class is graded and gets its feedback.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.classroom.gradebook_faults import WAIT_VARIABLE
from course.demo.class_demo import build_demo
from course.storage.database import integrity_problem
from tests.nbgrader_harness import tool_env

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "00-orientation"
COMMANDS = {
    "status": ["status"],
    "grade": ["grade", ASSIGNMENT, "--workers", "1"],
    "grade --force": ["grade", ASSIGNMENT, "--workers", "1", "--force"],
    "export": ["export", "--to", "grades.csv"],
    "report": ["report", ASSIGNMENT],
    "feedback": ["feedback", ASSIGNMENT, "--allow-ungraded"],
    "backup": ["backup", "--to", "spare-backup.db"],
}
# What each fault's sentence must say (the fault, and what to do).
SAYS = {
    "locked": ("is locked by another program", "python", "run the command again"),
    "damaged": ("is damaged", "cryocourse restore", "backups/gradebook-"),
    "damaged pages": ("is damaged", "cryocourse restore", "backups/gradebook-"),
    "missing": ("is missing", "cryocourse restore", "backups/gradebook-"),
}


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    """A graded demo class of two trainees with one backup of its gradebook."""
    demo = build_demo(tmp_path_factory.mktemp("demo") / "class", 2, seed=3,
                      assignments=[ASSIGNMENT], workers=1, with_report=False)
    done = _cryocourse(demo.root, "backup")
    assert done.returncode == 0, done.stdout + done.stderr
    return demo.root


@pytest.fixture
def course(class_folder, tmp_path) -> Path:
    shutil.copytree(class_folder, tmp_path / "class", symlinks=True)
    return tmp_path / "class"


def _cryocourse(root: Path, *args: str, wait: str = "1") -> subprocess.CompletedProcess:
    env = {**tool_env(), WAIT_VARIABLE: wait}
    return subprocess.run([str(Path(sys.executable).parent / "cryocourse"), "--course",
                           str(root), *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


HOLD = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
"""


def _damage(path: Path, fault: str) -> None:
    content = bytearray(path.read_bytes())
    if fault == "damaged":
        content[:] = bytes(range(256)) * (len(content) // 256 + 1)
        del content[len(content) // 2:]
    else:  # pages in the middle: the header still says "SQLite format 3"
        page = int.from_bytes(content[16:18], "big")
        for start in range(page, len(content) - page, page * 2):
            content[start:start + page] = b"\xa5" * page
    path.write_bytes(bytes(content))


@pytest.mark.parametrize("fault", list(SAYS))
def test_every_command_answers_a_gradebook_fault_in_a_sentence(course, fault):
    gradebook = course / "gradebook.db"
    holder = None
    if fault == "locked":
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(gradebook)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
    elif fault == "missing":
        gradebook.unlink()
    else:
        _damage(gradebook, fault)
    before = gradebook.read_bytes() if gradebook.exists() else None
    try:
        for name, args in COMMANDS.items():
            done = _cryocourse(course, *args)
            output = done.stdout + done.stderr
            assert done.returncode != 0, f"{name}: {output}"
            assert "Traceback" not in output and "sqlalchemy" not in output, f"{name}: {output}"
            for words in SAYS[fault]:
                assert words in output, f"{name} does not say {words!r}: {output}"
    finally:
        if holder is not None:
            holder.communicate("done\n", timeout=30)
    assert (gradebook.read_bytes() if gradebook.exists() else None) == before, "changed"
    assert not (course / "grades.csv").exists() and not (course / "spare-backup.db").exists()
    if fault == "locked":
        assert integrity_problem(f"sqlite:///{gradebook}") is None


def _scores(root: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {s.student_id: s.score for s in gradebook.find_assignment(ASSIGNMENT).submissions}


@pytest.mark.parametrize("fault", ["damaged", "missing"])
def test_restore_puts_the_backup_back_and_the_class_goes_on(course, fault):
    scores = _scores(course)
    backup = next((course / "backups").glob("gradebook-*.db"))
    if fault == "missing":
        (course / "gradebook.db").unlink()
    else:
        _damage(course / "gradebook.db", fault)
    restored = _cryocourse(course, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert _scores(course) == scores
    for name in ("status", "grade", "feedback", "export"):
        done = _cryocourse(course, *COMMANDS[name])
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
    assert _scores(course) == scores


def test_restore_refuses_a_sound_gradebook_without_yes_and_a_bad_backup(course, tmp_path):
    backup = next((course / "backups").glob("gradebook-*.db"))
    refused = _cryocourse(course, "restore", str(backup))
    assert refused.returncode == 2 and "--yes" in refused.stderr
    bad = tmp_path / "not-a-backup.db"
    bad.write_bytes(b"garbage" * 100)
    refused = _cryocourse(course, "restore", str(bad), "--yes")
    assert refused.returncode == 2 and "not a sound gradebook backup" in refused.stderr
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
