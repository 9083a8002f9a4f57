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

from course.classroom.submission_checks import check_submission_file
from course.foundation.regular_files import (
    Refusal,
    folder,
    plain_entries,
    read_plain_file,
    record_refusals,
    recorded_refusals,
    screen_folder,
)
from course.foundation.whole_files import write_whole
from course.storage.course_folder import STATE_DIR, release_notebooks


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


def graded_from(root: Path, submission: Submission) -> str | None:
    """The fingerprint of the files the submission was last graded from (None: not graded)."""
    try:
        recorded = json.loads(ledger_file(root, submission).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded.get("fingerprint") if isinstance(recorded, dict) else None


def is_up_to_date(root: Path, submission: Submission, fingerprint: str) -> bool:
    """Graded before from exactly these files, and the autograded notebooks are there whole
    (a notebook cut short by a killed write, or otherwise unreadable, is graded again)."""
    if graded_from(root, submission) != fingerprint:
        return False
    autograded = autograded_folder(root, submission)
    return all(autograded_problem(autograded / path.name) is None
               for path in submission.folder.glob("*.ipynb"))


def autograded_folder(root: Path, submission: Submission) -> Path:
    return root / "autograded" / submission.student / submission.assignment


def autograded_problem(path: Path) -> str | None:
    """Why an autograded notebook cannot be used (None: it is whole)."""
    try:
        content = json.loads(path.read_bytes())
    except FileNotFoundError:
        return "it is missing"
    except OSError as problem:
        return f"it cannot be read ({problem.strerror or problem})"
    except ValueError:
        return "it is cut short or damaged (not a whole notebook)"
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return "it is not a notebook"
    return None


def forget_graded(root: Path, submission: Submission) -> None:
    """The submission is being graded again: until that ends, it is not up to date."""
    ledger_file(root, submission).unlink(missing_ok=True)


def record_graded(root: Path, submission: Submission, fingerprint: str) -> None:
    ledger = ledger_file(root, submission)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    write_whole(ledger, json.dumps({"fingerprint": fingerprint, "graded_at": time.time()}))


# --- regrading journal: what a grading run must put back if it is killed midway ---------

@dataclass(frozen=True)
class Regrade:
    """One submission being graded: its hand grades before, and whether its files are those
    its hand grades were given for (then they still stand after the regrade)."""

    student: str
    fingerprint: str
    manual: dict[tuple[str, str], float]  # (notebook, grade cell) -> hand score
    unchanged: bool


def _regrade_file(root: Path, assignment: str, student: str) -> Path:
    return root / STATE_DIR / "regrading" / assignment / f"{student}.json"


def start_regrade(root: Path, submission: Submission, regrade: Regrade) -> None:
    """Note the regrade (whole) before it starts, then drop the submission's ledger entry:
    a run killed from here on leaves it to be graded again and its hand grades restored."""
    journal = _regrade_file(root, submission.assignment, submission.student)
    journal.parent.mkdir(parents=True, exist_ok=True)
    write_whole(journal, json.dumps({
        "fingerprint": regrade.fingerprint, "unchanged": regrade.unchanged,
        "manual": [[notebook, cell, score] for (notebook, cell), score in
                   regrade.manual.items()]}))
    forget_graded(root, submission)


def end_regrade(root: Path, submission: Submission) -> None:
    """The submission's grading ended and its hand grades are back."""
    drop_regrade(root, submission.assignment, submission.student)


def drop_regrade(root: Path, assignment: str, student: str) -> None:
    """Close ``student``'s journal once their hand grades are back (also when the hand-in
    is gone or can no longer be graded, so the journal does not hold up feedback for ever)."""
    _regrade_file(root, assignment, student).unlink(missing_ok=True)


def unfinished_regrades(root: Path, assignment: str) -> dict[str, Regrade]:
    """Submissions whose grading a killed run left unfinished (journal still there)."""
    found: dict[str, Regrade] = {}
    for journal in sorted((root / STATE_DIR / "regrading" / assignment).glob("*.json")):
        try:
            recorded = json.loads(journal.read_text(encoding="utf-8"))
            manual = {(str(nb), str(cell)): float(score)
                      for nb, cell, score in recorded.get("manual", [])}
            found[journal.stem] = Regrade(journal.stem, str(recorded.get("fingerprint", "")),
                                          manual, bool(recorded.get("unchanged")))
        except (OSError, ValueError, TypeError):
            continue  # written whole, so only a hand-edited file is unreadable: skip it
    return found


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
