"""Collected submissions, and the ledger of which ones (by content) are graded already.

``.cryocourse/graded/<assignment>/<student>.json`` records the fingerprint of the files each
submission was graded from, so an interrupted run resumes where it stopped and an unchanged
submission is not graded twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from course.classroom.course_folder import STATE_DIR, release_notebooks
from course.classroom.submission_checks import check_submission_file


@dataclass(frozen=True)
class Submission:
    """One trainee's submitted folder for one assignment."""

    student: str
    assignment: str
    folder: Path

    def fingerprint(self) -> str:
        """A hash of every submitted file's name and content."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(self.folder)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()


def find_submissions(root: Path, assignment: str) -> list[Submission]:
    """Every collected submission of ``assignment`` (``submitted/<student>/<assignment>``)."""
    submitted = root / "submitted"
    if not submitted.is_dir():
        return []
    return [Submission(s.name, assignment, s / assignment) for s in sorted(submitted.iterdir())
            if (s / assignment).is_dir() and not s.name.startswith(".")]


def ledger_file(root: Path, submission: Submission) -> Path:
    return root / STATE_DIR / "graded" / submission.assignment / f"{submission.student}.json"


def is_up_to_date(root: Path, submission: Submission, fingerprint: str) -> bool:
    """Graded before from exactly these files, and the autograded notebooks are there."""
    ledger = ledger_file(root, submission)
    try:
        recorded = json.loads(ledger.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    autograded = root / "autograded" / submission.student / submission.assignment
    notebooks = [p.name for p in submission.folder.glob("*.ipynb")]
    return recorded.get("fingerprint") == fingerprint and all(
        (autograded / name).is_file() for name in notebooks)


def record_graded(root: Path, submission: Submission, fingerprint: str) -> None:
    ledger = ledger_file(root, submission)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    temporary = ledger.with_suffix(".tmp")
    temporary.write_text(json.dumps({"fingerprint": fingerprint, "graded_at": time.time()}))
    temporary.replace(ledger)


def file_problems(root: Path, submission: Submission) -> list[str]:
    """Reasons the submission cannot be graded at all (damaged files, wrong notebook)."""
    expected = release_notebooks(root, submission.assignment)
    present = [p for p in expected if (submission.folder / p.name).is_file()]
    if expected and not present:
        names = ", ".join(p.name for p in expected)
        found = ", ".join(p.name for p in submission.folder.glob("*.ipynb")) or "no notebook"
        return [f"none of the assignment's notebooks ({names}) is in the submission "
                f"(it holds {found}): was the notebook renamed?"]
    problems: list[str] = []
    for release in present:
        problems += check_submission_file(submission.folder / release.name, release)
    return problems
