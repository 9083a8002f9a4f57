"""One view of a class's state, whoever graded: ``cryocourse status`` and the class report.

A collected submission counts as graded when the gradebook holds a graded submission for
it: nbgrader's ``SubmittedAssignment`` row with the same hand-in time as the collected copy
(``timestamp.txt``), and the autograded notebooks no older than the collected ones. That is
what every way of grading leaves behind (``cryocourse grade``, the Formgrader's *Autograde*
button, ``nbgrader autograde``), so they all count the same. A newer hand-in collected
after the grading counts as "to grade".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from course.classroom.gradebook import awaiting_manual
from course.classroom.submissions import Submission, find_submissions
from course.storage.course_folder import known_assignments


@dataclass(frozen=True)
class AssignmentState:
    """Where one assignment stands."""

    assignment: str
    released: bool
    to_collect: int  # trainees whose hand-in in the exchange is newer than the collected one
    submitted: int
    graded: int
    manual: int  # submissions with written answers waiting for a hand mark
    ungraded: tuple[str, ...] = ()  # collected, not graded in their collected form

    @property
    def to_grade(self) -> int:
        return self.submitted - self.graded


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def collected_time(submission: Submission) -> datetime | None:
    """The hand-in time of a collected copy (its ``timestamp.txt``), None if it has none."""
    from nbgrader.utils import parse_utc

    stamp = submission.folder / "timestamp.txt"
    try:
        return _naive_utc(parse_utc(stamp.read_text(encoding="utf-8").strip()))
    except (OSError, ValueError, TypeError, OverflowError):
        return None


def _autograded_is_current(root: Path, submission: Submission) -> bool:
    """Each collected notebook has an autograded notebook written after it."""
    graded = root / "autograded" / submission.student / submission.assignment
    notebooks = sorted(submission.folder.glob("*.ipynb"))
    if not notebooks:
        return False
    for notebook in notebooks:
        result = graded / notebook.name
        try:
            if result.stat().st_mtime_ns < notebook.stat().st_mtime_ns:
                return False
        except OSError:
            return False
    return True


def graded_students(gradebook, root: Path, assignment: str,
                    submissions: list[Submission]) -> set[str]:
    """The trainees whose collected submission of ``assignment`` is graded as collected."""
    from nbgrader.api import MissingEntry

    try:
        rows = {s.student_id: s for s in gradebook.find_assignment(assignment).submissions}
    except MissingEntry:
        return set()
    graded = set()
    for submission in submissions:
        row = rows.get(submission.student)
        if row is None or _naive_utc(row.timestamp) != collected_time(submission):
            continue
        if _autograded_is_current(root, submission):
            graded.add(submission.student)
    return graded


def assignment_state(gradebook, root: Path, assignment: str, exchange: Path,
                     course_id: str) -> AssignmentState:
    """The state of one assignment, from the exchange, submitted/ and the gradebook."""
    released = (exchange / course_id / "outbound" / assignment).is_dir()
    submissions = find_submissions(root, assignment)
    graded = graded_students(gradebook, root, assignment, submissions)
    manual = len(awaiting_manual(gradebook, assignment))
    waiting = waiting_to_collect(exchange / course_id / "inbound", assignment, submissions)
    ungraded = tuple(sorted({s.student for s in submissions} - graded))
    return AssignmentState(assignment, released, waiting, len(submissions), len(graded),
                           manual, ungraded)


def class_state(root: Path, api) -> list[AssignmentState]:
    """Every assignment's state (``api``: the course's ``NbGraderAPI``)."""
    from nbgrader.api import Gradebook

    exchange = Path(api.config.Exchange.root)
    course_id = api.coursedir.course_id
    with Gradebook(api.coursedir.db_url, course_id) as gradebook:
        return [assignment_state(gradebook, root, assignment, exchange, course_id)
                for assignment in known_assignments(root)]


def waiting_to_collect(inbound: Path, assignment: str, collected: list[Submission]) -> int:
    """Trainees with a submission in the exchange newer than the one collected (if any)."""
    from nbgrader.utils import parse_utc

    latest: dict[str, str] = {}
    for folder in inbound.glob(f"*+{assignment}+*"):  # student+assignment+timestamp[+random]
        student, _, stamp, *_ = folder.name.split("+")
        latest[student] = max(latest.get(student, ""), stamp)
    have = {s.student: collected_time(s) for s in collected}
    count = 0
    for student, stamp in latest.items():
        if student not in have:
            count += 1
            continue
        collected_at = have[student]
        if collected_at is None:  # the collected copy has no time: the hand-in is newer
            count += 1
            continue
        try:
            handed_in = _naive_utc(parse_utc(stamp))
            count += handed_in is not None and handed_in > collected_at
        except (ValueError, TypeError, OverflowError):
            continue
    return count


def status_lines(root: Path) -> list[str]:
    """``cryocourse status``: the course, its exchange and gradebook, and a table of where
    each assignment stands."""
    from course.storage import database
    from course.storage.course_folder import make_api

    api = make_api(root)
    if not known_assignments(root):
        return ["No assignments yet: add a folder with a notebook under source/."]
    lines = [f"Course {api.coursedir.course_id} in {root}",
             f"Exchange: {api.config.Exchange.root}",
             f"Gradebook: {database.describe(api.coursedir.db_url)}",
             f"{'assignment':<26}{'released':<10}{'to collect':>11}{'submitted':>10}"
             f"{'graded':>8}{'to grade':>10}{'manual':>8}"]
    for state in class_state(root, api):
        lines.append(f"{state.assignment:<26}{'yes' if state.released else 'no':<10}"
                     f"{state.to_collect:>11}{state.submitted:>10}{state.graded:>8}"
                     f"{state.to_grade:>10}{state.manual:>8}")
    lines.append("'to collect': trainees who submitted since the last collect; 'graded': as "
                 "the gradebook holds them, however they were graded; 'manual': submissions "
                 "with written answers waiting in the Formgrader.")
    return lines
