"""Steps of a term on a real class server, shared by the hub tests.

The course folder and the exchange as ``setup.sh hub`` makes them, ``cryocourse`` run by the
course account, a trainee answering and handing in through their own server (the Contents
API and the nbgrader lab extension's endpoints), and a grader's hand marks through the
shared Formgrader's API.
"""

from __future__ import annotations

import copy
import datetime
import os
import shutil
import subprocess
import time
from pathlib import Path

import nbformat

from tests.hub.hub_harness import VENV, Hub

REPO = Path(__file__).resolve().parents[2]
COURSE_ID = "cosmetic-cryotherapy"


def make_course(folder: Path, owner, database_url: str) -> Path:
    """The course folder as setup.sh hub makes it: owned by the course account, 0750."""
    course = folder / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "source", course / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    private = course / ".cryocourse"
    private.mkdir()
    (private / "database-url").write_text(database_url)
    (private / "database-url").chmod(0o600)
    subprocess.run(["chown", "-R", f"{owner.pw_uid}:{owner.pw_gid}", str(course)], check=True)
    course.chmod(0o750)
    made = as_account(owner, "import sys; from course.storage.variant_keys import course_salt; "
                             f"course_salt({str(course)!r})")
    assert made.returncode == 0, made.stderr  # the salt, made by the course account (install.sh)
    return course


def make_exchange(folder: Path, owner) -> Path:
    """The exchange as setup.sh hub makes it: root 1777, the course's folder the course's."""
    exchange = folder / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    (exchange / COURSE_ID).mkdir()
    os.chown(exchange / COURSE_ID, owner.pw_uid, owner.pw_gid)
    return exchange


def cryocourse(account, course: Path, exchange: Path, *args: str, background: bool = False,
               output: str = "stdout", env: dict[str, str] | None = None, expect: int = 0):
    """``cryocourse`` as the course account, the way an instructor runs it on the server.

    Fails the test unless it exits with ``expect``; returns its output (``stdout``, or
    ``both``: stderr then stdout), or the running process with ``background``.
    """
    environment = {"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", "HOME": account.pw_dir,
                   "LANG": "C.UTF-8", "CRYOCOURSE_EXCHANGE": str(exchange), **(env or {})}
    command = [str(VENV / "bin" / "cryocourse"), "--course", str(course), *args]
    if background:
        return subprocess.Popen(command, cwd=course, env=environment, user=account.pw_uid,
                                group=account.pw_gid, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    result = subprocess.run(command, cwd=course, env=environment, user=account.pw_uid,
                            group=account.pw_gid, capture_output=True, text=True, timeout=300)
    assert result.returncode == expect, (args, result.returncode, result.stdout, result.stderr)
    return result.stdout if output == "stdout" else result.stderr + result.stdout


def as_account(account, code: str) -> subprocess.CompletedProcess:
    """Run Python code as another account (to test what its files let it read)."""
    return subprocess.run([str(VENV / "bin" / "python"), "-I", "-c", code], user=account.pw_uid,
                          group=account.pw_gid, capture_output=True, text=True, timeout=60,
                          cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": account.pw_dir})


def iso(seconds: float) -> str:
    """A moment as `cryocourse deadline set` takes it."""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()


# --- a trainee's server ----------------------------------------------------------------------

def answered(nb: dict, grade_ids: dict[str, str]) -> dict:
    """The trainee's notebook with these answer cells filled in."""
    result = copy.deepcopy(nb)
    for cell in result["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell["source"] = grade_ids[grade_id]
    return result


def reference_answers(assignment: str) -> dict[str, str]:
    """Every answer cell's text in the source notebook (the reference answers)."""
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def lab_action(hub: Hub, user: str, action: str, assignment: str) -> dict:
    """One button of the Assignments tab: the nbgrader lab extension's endpoint."""
    answer = hub.request("POST", f"/user/{user}/assignments/{action}", hub.token_for(user),
                         form={"assignment_id": assignment, "course_id": COURSE_ID})
    assert answer.status == 200, (action, answer.status, answer.body[:300])
    result = answer.json()
    assert result.get("success"), (action, result)
    return result


def answer_and_submit(hub: Hub, user: str, assignment: str, answers: dict[str, str]) -> dict:
    """The fetched notebook answered on the trainee's server (Contents API), then Submit.
    Returns the notebook as handed in."""
    path = f"/user/{user}/api/contents/{assignment}/{assignment}.ipynb"
    model = hub.request("GET", path, hub.token_for(user)).json()
    notebook = answered(model["content"], answers)
    saved = hub.request("PUT", path, hub.token_for(user),
                        body={"type": "notebook", "format": "json", "content": notebook})
    assert saved.status == 200, saved.body[:300]
    lab_action(hub, user, "submit", assignment)
    return notebook


# --- the shared Formgrader -----------------------------------------------------------------

def formgrader_scores(hub: Hub, grader: str, assignment: str) -> dict[str, float]:
    """Each trainee's score of ``assignment`` in the Formgrader."""
    answer = hub.request("GET", f"/services/{COURSE_ID}/formgrader/api/submissions/{assignment}",
                         hub.token_for(grader))
    assert answer.status == 200, answer.body[:300]
    return {s["student"]: s["score"] for s in answer.json()}


def hand_graded_cells(assignment: str) -> set[str]:
    """The grade ids of the answers a grader marks by hand (graded answer cells)."""
    source = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    marks = [c.metadata.get("nbgrader", {}) for c in source.cells]
    return {m["grade_id"] for m in marks if m.get("grade") and m.get("solution")}


def written_grades(hub: Hub, grader: str, student: str, assignment: str) -> list[dict]:
    """The hand-graded answers of ``student`` (via the Formgrader's API); one left blank
    is among them too (nbgrader scores it 0 without waiting for a hand mark)."""
    base = f"/services/{COURSE_ID}/formgrader/api"
    notebooks = hub.request("GET", f"{base}/submitted_notebooks/{assignment}/{assignment}",
                            hub.token_for(grader)).json()
    mine = next(n for n in notebooks if n["student"] == student)
    grades = hub.request("GET", f"{base}/grades?submission_id={mine['id']}",
                         hub.token_for(grader)).json()
    by_hand = hand_graded_cells(assignment)
    return [g for g in grades if g["name"] in by_hand]


def set_manual(hub: Hub, grader: str, grade: dict, score: float) -> None:
    """A grader's hand mark, saved as the Formgrader saves it."""
    answer = hub.request("PUT", f"/services/{COURSE_ID}/formgrader/api/grade/{grade['id']}",
                         hub.token_for(grader), body={**grade, "manual_score": score})
    assert answer.status == 200, answer.body[:300]


def wait_for(condition, seconds: float = 60, hub: Hub | None = None) -> None:
    """Until ``condition()`` holds, at most ``seconds`` (then fail, with the hub's log)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s\n{hub.log_tail() if hub else ''}")
