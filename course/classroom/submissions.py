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
from course.plain_files import (
    Refusal,
    folder,
    plain_entries,
    read_plain_file,
    record_refusals,
    recorded_refusals,
    screen_folder,
)
from course.whole_files import write_whole


@dataclass(frozen=True)
class Submission:
    """One trainee's submitted folder for one assignment."""

    student: str
    assignment: str
    folder: Path

    def fingerprint(self) -> str:
        """A hash of every submitted plain file's name and content (links never followed)."""
        digest = hashlib.sha256()
        base = self.folder.parent.parent
        try:
            with folder(base, self.folder.relative_to(base)) as fd:
                names, _ = plain_entries(fd)
        except OSError:
            return ""
        for name in names:
            digest.update(name.encode())
            digest.update(read_plain_file(self.folder / name, base))
        return digest.hexdigest()

    def screen(self, root: Path) -> list[Refusal]:
        """Remove what may not travel from this collected copy; everything refused so far."""
        relative = self.folder.relative_to(root)
        refused = screen_folder(root, relative)
        if refused:
            record_refusals(root, self.assignment, self.student, refused)
        return recorded_refusals(root, self.assignment, self.student)


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
    write_whole(ledger, json.dumps({"fingerprint": fingerprint, "graded_at": time.time()}))


def file_problems(root: Path, submission: Submission) -> list[str]:
    """Reasons the submission cannot be graded at all (damaged files, wrong notebook)."""
    expected = release_notebooks(root, submission.assignment)
    present = [p for p in expected if (submission.folder / p.name).is_file()]
    refused = recorded_refusals(root, submission.assignment, submission.student)
    here = {p.name for p in present}  # a refusal the instructor has since fixed is past
    refused_notebooks = [r for r in refused if r.name not in here and (
        r.name in {p.name for p in expected} or r.name == "." and not present)]
    if refused_notebooks:
        return [f"refused {r.name if r.name != '.' else 'the submission'}: {r.reason}"
                for r in refused_notebooks]
    if expected and not present:
        names = ", ".join(p.name for p in expected)
        found = ", ".join(p.name for p in submission.folder.glob("*.ipynb")) or "no notebook"
        return [f"none of the assignment's notebooks ({names}) is in the submission "
                f"(it holds {found}): was the notebook renamed?"]
    problems: list[str] = []
    for release in present:
        try:
            problems += check_submission_file(submission.folder / release.name, release)
        except Exception as problem:  # noqa: BLE001 - one odd file, never the class's run
            problems.append(f"{release.name} could not be checked "
                            f"({type(problem).__name__}): it is not a notebook Jupyter saved.")
    return problems
