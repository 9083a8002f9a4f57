"""Only plain files travel: hostile submissions through the real exchange.

One class of lesson 00 is released, submitted by synthetic trainees with nbgrader's own
submit, and then some trainees swap files in their own inbound folder before the instructor
collects (links to the reference notebook, to ``/proc/self/environ``, to another trainee's
submission, the whole folder as a link, a hard link, a FIFO, a missing submission secret).
Then ``cryocourse collect``, ``grade`` and ``feedback`` run as an instructor would. The honest
trainees are graded, hand grades are kept, the gradebook is intact, and nothing of the
reference, the environment or another trainee reaches anyone's autograded notebook or
feedback.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.cli import main
from course.demo.class_demo import copy_course, submit_through_exchange
from course.demo.synthetic_trainees import expected_points, filled_notebook, make_class
from course.foundation.regular_files import recorded_refusals
from course.sandbox.provisioner import sandbox_status
from course.storage.course_folder import make_api
from tests.nbgrader_harness import REPO, tool_env

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SECRET = "INSTRUCTOR-TOKEN-5c1d9e"
HONEST = ("ana", "ben")
HOSTILE = ("link_reference", "link_environ", "link_other", "folder_link", "hard_link",
           "fifo", "no_secret")


def _inbound(root: Path) -> Path:
    return root / "exchange" / "cosmetic-cryotherapy" / "inbound"


def _inbound_folder(root: Path, student: str) -> Path:
    return next(_inbound(root).glob(f"{student}+{ASSIGNMENT}+*"))


def _swap_after_submit(root: Path) -> None:
    """What each hostile trainee does to their own inbound folder after submitting."""
    reference = root / "source" / ASSIGNMENT / NOTEBOOK
    folder = {s: _inbound_folder(root, s) for s in (*HONEST, *HOSTILE)}
    (folder["link_reference"] / NOTEBOOK).unlink()
    (folder["link_reference"] / NOTEBOOK).symlink_to(reference)
    (folder["link_environ"] / "notes.txt").symlink_to("/proc/self/environ")
    (folder["link_other"] / NOTEBOOK).unlink()
    (folder["link_other"] / NOTEBOOK).symlink_to(folder["ana"] / NOTEBOOK)
    shutil.rmtree(folder["folder_link"])
    folder["folder_link"].symlink_to(root / "source" / ASSIGNMENT)
    (folder["hard_link"] / NOTEBOOK).unlink()
    os.link(reference, folder["hard_link"] / NOTEBOOK)
    os.mkfifo(folder["fifo"] / "pipe")
    (folder["no_secret"] / "submission_secret.txt").unlink()
    bad = _inbound(root) / f"<img src=x onerror=alert(1)>+{ASSIGNMENT}+2026-11-21 10:00:00 UTC"
    shutil.copytree(folder["ana"], bad)


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(REPO, tmp_path_factory.mktemp("hostile") / "class", [ASSIGNMENT])
    previous = os.environ.get("CRYOCOURSE_TEST_TOKEN")
    os.environ["CRYOCOURSE_TEST_TOKEN"] = SECRET  # an instructor secret in the environment
    try:
        api = make_api(root)
        assert api.generate_assignment(ASSIGNMENT, force=True)["success"]
        assert api.release_assignment(ASSIGNMENT)["success"]
        release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
        trainees = make_class(len(HONEST) + len(HOSTILE), seed=5)
        expected = {}
        for name, trainee in zip((*HONEST, *HOSTILE), trainees, strict=True):
            trainee = dataclasses.replace(trainee, student_id=name)
            work = root / "trainees" / name
            (work / ASSIGNMENT).mkdir(parents=True)
            nbformat.write(filled_notebook(release, trainee), work / ASSIGNMENT / NOTEBOOK)
            expected[name] = expected_points(release, trainee)
            submit_through_exchange(api, trainee, ASSIGNMENT, work)
        _swap_after_submit(root)
        collect = main(["--course", str(root), "collect", ASSIGNMENT])
        grade = main(["--course", str(root), "grade", ASSIGNMENT, "--workers", "2"])
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            written = gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                           "ben")
            written.manual_score = 1.5
            gradebook.db.commit()
        regrade = main(["--course", str(root), "grade", ASSIGNMENT, "--force", "--workers", "2"])
        feedback = main(["--course", str(root), "feedback", ASSIGNMENT, "--allow-ungraded"])
    finally:
        if previous is None:
            os.environ.pop("CRYOCOURSE_TEST_TOKEN", None)
        else:
            os.environ["CRYOCOURSE_TEST_TOKEN"] = previous
    return {"root": root, "expected": expected, "collect": collect, "grade": grade,
            "regrade": regrade, "feedback": feedback}


def _auto_scores(root: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


def _everything_written_for(root: Path, student: str,
                            kinds: tuple[str, ...] = ("submitted", "autograded", "feedback"),
                            ) -> str:
    text = []
    for kind in kinds:
        folder = root / kind / student
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                text.append(path.read_text(errors="replace"))
    return "\n".join(text)


def test_collect_goes_on_and_the_honest_trainees_are_graded(term) -> None:
    assert term["collect"] == 0
    root = term["root"]
    for student in HONEST:
        assert _auto_scores(root, student) == pytest.approx(term["expected"][student])


def test_nothing_collected_is_a_link_a_hard_link_or_a_fifo(term) -> None:
    for path in (term["root"] / "submitted").rglob("*"):
        info = path.lstat()
        assert not path.is_symlink() and (path.is_dir() or info.st_nlink == 1), path
        assert path.is_dir() or path.is_file(), path


@pytest.mark.parametrize(("student", "name", "words"), [
    ("link_reference", NOTEBOOK, "symbolic link"),
    ("link_other", NOTEBOOK, "symbolic link"),
    ("link_environ", "notes.txt", "symbolic link"),
    ("hard_link", NOTEBOOK, "hard link"),
    ("fifo", "pipe", "FIFO"),
    ("folder_link", ".", "not a plain folder"),
])
def test_refused_files_are_reported_by_name_with_the_reason(term, student, name, words) -> None:
    refused = recorded_refusals(term["root"], ASSIGNMENT, student)
    assert any(r.name == name and words in r.reason for r in refused), refused


@pytest.mark.parametrize("student", ["link_reference", "link_other", "hard_link",
                                     "folder_link"])
def test_a_refused_notebook_is_not_graded_and_says_why(term, student, capsys) -> None:
    root = term["root"]
    assert not (root / "autograded" / student / ASSIGNMENT / NOTEBOOK).exists()
    assert main(["--course", str(root), "grade", ASSIGNMENT]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if f"not graded: {student}:" in line)
    assert "refused" in line


def test_the_others_are_graded_with_their_own_work(term) -> None:
    root = term["root"]
    for student in ("link_environ", "fifo", "no_secret"):
        assert _auto_scores(root, student) == pytest.approx(
            term["expected"][student]), student


def test_no_reference_environment_or_other_trainee_leaks(term) -> None:
    root = term["root"]
    source = (root / "source" / ASSIGNMENT / NOTEBOOK).read_text()
    hidden = "### BEGIN HIDDEN TESTS"
    assert hidden in source
    ana = (root / "submitted" / "ana" / ASSIGNMENT / NOTEBOOK).read_text()
    for student in HOSTILE:
        written = _everything_written_for(root, student)
        assert "### BEGIN SOLUTION" not in written, student
        assert hidden not in _everything_written_for(root, student, ("submitted", "feedback"))
        assert SECRET not in written and "PATH=" not in written, student
        assert ana not in written, student


def test_hand_grades_are_kept_and_the_gradebook_is_intact(term) -> None:
    root = term["root"]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                    "ben").manual_score == 1.5
        students = {s.id for s in gradebook.students}
    assert not any("<" in s for s in students)
    con = sqlite3.connect(root / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_feedback_release_goes_on_and_names_who_was_skipped(term, capsys) -> None:
    root = term["root"]
    assert term["feedback"] == 1
    released = list((root / "exchange" / "cosmetic-cryotherapy" / "feedback").glob("*.html"))
    graded = [p for p in (root / "autograded").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}")]
    assert len(released) == len(graded) - 1  # everyone graded but no_secret
    assert main(["--course", str(root), "feedback", ASSIGNMENT, "--allow-ungraded"]) == 1
    err = capsys.readouterr().err
    assert "not released: no_secret:" in err and "Traceback" not in err
    page = (root / "feedback" / "ana" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_plain_nbgrader_autograde_with_the_course_config_refuses_links(term) -> None:
    """Stock collect (or a hand copy) left links in submitted/: nbgrader's own autograde
    with the course configuration removes them before copying, and grades the rest."""
    root = term["root"]
    eve = root / "submitted" / "eve" / ASSIGNMENT
    shutil.copytree(root / "submitted" / "ana" / ASSIGNMENT, eve)
    (eve / "secret.txt").symlink_to("/proc/self/environ")
    mallory = root / "submitted" / "mallory" / ASSIGNMENT
    mallory.mkdir(parents=True)
    (mallory / NOTEBOOK).symlink_to(root / "source" / ASSIGNMENT / NOTEBOOK)
    env = {**tool_env(), "CRYOCOURSE_TEST_TOKEN": SECRET}
    for student in ("eve", "mallory"):
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force",
                        "--student", student], cwd=root, env=env, capture_output=True,
                       text=True, timeout=600)
    assert not (root / "autograded" / "eve" / ASSIGNMENT / "secret.txt").exists()
    assert _auto_scores(root, "eve") == _auto_scores(root, "ana")
    assert not (root / "autograded" / "mallory" / ASSIGNMENT / NOTEBOOK).exists()
    assert any("symbolic link" in r.reason
               for r in recorded_refusals(root, ASSIGNMENT, "mallory"))
