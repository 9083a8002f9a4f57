"""Hand marks over a regrade: kept for an unchanged answer, set aside for a changed one.

nbgrader keeps a hand mark (``Grade.manual_score``) when a submission is graded again but
asks for it again (``needs_manual_grade``), and the Formgrader only clears that when the
number in the box changes: typing the same mark again does nothing. Here each autograde
(``cryocourse grade``, the Formgrader's *Autograde* button, ``nbgrader autograde``) records a
digest of the answer text every grade cell marks, beside the course
(``.cryocourse/marked-answers/``), and settles the hand marks against the record of the
previous grading (the text the grader read when marking):

* the same answer: the mark and the comment stand and nothing waits in the Formgrader;
* a different answer: the mark no longer fits it, so it is taken out of the box and shown as
  the earlier one (the comment box's grey text, ``Comment.auto_comment``: "Earlier mark for
  a different answer: 1.5 ..."), and the answer waits to be marked again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from nbformat.notebooknode import NotebookNode

from course.foundation.whole_files import write_whole

RECORD_DIR = Path(".cryocourse") / "marked-answers"
EARLIER_MARK = "Earlier mark for a different answer: "
EARLIER_MARK_UNRECORDED = "Earlier mark, given before answers were recorded: "


@dataclass(frozen=True)
class SetAside:
    """A hand mark taken out because its answer changed (or was not on record)."""

    grade_id: str
    score: float
    recorded: bool  # False: graded before answers were recorded, so it could not be compared


def answers_marked(nb: NotebookNode) -> dict[str, list[NotebookNode]]:
    """Grade id -> the answer cells its mark is for: a written answer is its own cell; a
    test cell marks the answer cells between the previous graded cell and itself."""
    marked: dict[str, list[NotebookNode]] = {}
    pending: list[NotebookNode] = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            pending.append(cell)
        if (meta.get("grade") or meta.get("task")) and meta.get("grade_id"):
            marked[meta["grade_id"]] = [cell] if meta.get("solution") else pending
            pending = []
    return marked


def digest(cells: list[NotebookNode]) -> str:
    """A digest of the answers' text (cells in order, told apart)."""
    text = "\x00".join(str(cell.source) for cell in cells)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def record_path(root: Path, assignment: str, student: str, notebook: str) -> Path:
    return root / RECORD_DIR / assignment / student / f"{notebook}.json"


def read_record(path: Path) -> dict[str, str]:
    """Grade id -> digest of the answer as last graded (empty if none or unreadable)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in record.items() if isinstance(v, str)} if isinstance(
        record, dict) else {}


def write_record(path: Path, digests: dict[str, str]) -> None:
    """Write the record atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, json.dumps(digests, indent=1, sort_keys=True))


def earlier_mark_note(score: float, comment: str | None, recorded: bool = True) -> str:
    """What the comment box shows (grey) for a mark set aside."""
    start = EARLIER_MARK if recorded else EARLIER_MARK_UNRECORDED
    note = f"{start}{score:g}."
    if comment and comment.strip():
        note += f" Earlier comment: {comment.strip()}"
    return note


def is_set_aside(auto_comment: str | None) -> bool:
    """Whether a comment's grey text says a mark was set aside for re-marking."""
    return auto_comment is not None and auto_comment.startswith(
        (EARLIER_MARK, EARLIER_MARK_UNRECORDED))


def earlier_score(note: str) -> str:
    """The earlier mark a set-aside note names ("1.5"), or "" if it names none."""
    found = re.search(r":\s*(-?\d+(?:\.\d+)?)\.", note)
    return found.group(1) if found else ""


def settle_hand_marks(gradebook, nb: NotebookNode, info: dict, earlier: dict[str, str],
                      now: dict[str, str]) -> list[SetAside]:
    """Keep each hand mark whose answer is as it was graded; set the others aside.

    Runs after nbgrader's ``SaveAutoGrades`` wrote the notebook's rows, in its session
    (nothing is committed here). ``earlier`` and ``now``: grade id -> answer digest.
    """
    marked = answers_marked(nb)
    submitted = gradebook.find_submission_notebook(info["notebook"], info["assignment"],
                                                   info["student"])
    comments = {comment.name: comment for comment in submitted.comments}
    set_aside = []
    for grade in submitted.grades:
        if grade.manual_score is None:
            continue  # nbgrader's own state is right: marked by the autograder or waiting
        if grade.name in now and earlier.get(grade.name) == now[grade.name]:
            grade.needs_manual_grade = False  # the answer the mark was given for
            continue
        recorded = grade.name in earlier
        answer_ids = [c.metadata["nbgrader"]["grade_id"] for c in marked.get(grade.name, [])]
        comment = next((comments[i] for i in answer_ids if i in comments), None)
        if comment is not None:
            comment.auto_comment = earlier_mark_note(grade.manual_score,
                                                     comment.manual_comment, recorded)
            comment.manual_comment = None
        set_aside.append(SetAside(grade.name, float(grade.manual_score), recorded))
        grade.manual_score = None
        grade.needs_manual_grade = True
    return set_aside


def answer_digests(nb: NotebookNode) -> dict[str, str]:
    """Grade id -> digest of the answer text its mark is for."""
    return {grade_id: digest(cells) for grade_id, cells in answers_marked(nb).items()}
