"""Due dates, extensions, accommodations and the late policy of each assignment.

Where each lives:

* the **due date** of an assignment: the gradebook (nbgrader's ``Assignment.duedate``, what the
  Formgrader shows and edits);
* the **extension** of one trainee for one assignment and a trainee's standing
  **accommodation** (extra time on every assignment): ``.cryocourse/deadlines.json`` (the course
  account's own, mode 0600), and their sum is written to the gradebook as nbgrader's
  ``SubmittedAssignment.extension`` when that trainee's hand-in is collected, so nbgrader's
  ``total_seconds_late`` and the Formgrader agree with the course;
* the **late policy** of an assignment (``accept``, ``flag``, ``penalise``, ``refuse``): the
  same file;
* the **supervised window** of an assignment taken under supervision (its start, length,
  trainees; ``course.storage.supervision``): the same file, so a trainee's extension and
  accommodation lengthen their window too.

The time of a hand-in is the server's (``course.nbgrader_plugins.exchange.handins``), never
the trainee's.
All times are stored in UTC; a time typed without a zone is the server's local time.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from course.foundation.whole_files import write_whole
from course.storage.course_folder import STATE_DIR, CourseError

T = TypeVar("T")

DEADLINES_FILE = "deadlines.json"
RULES = ("accept", "flag", "penalise", "refuse")
RULE_WORDS = {
    "accept": "late hand-ins are accepted without remark",
    "flag": "late hand-ins are graded and marked as late",
    "penalise": "late hand-ins lose points",
    "refuse": "late hand-ins are not collected (the last one before the due date counts)",
}


@dataclass(frozen=True)
class LatePolicy:
    """What happens to a hand-in after its due date (plus the trainee's extension)."""

    rule: str = "flag"
    percent_per_day: float = 0.0  # penalise: points lost per started day late, in %
    max_percent: float = 100.0  # penalise: at most this share of the score

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise CourseError(f"Unknown late policy {self.rule!r}: use one of "
                              f"{', '.join(RULES)}.")
        if not 0 <= self.percent_per_day <= 100 or not 0 <= self.max_percent <= 100:
            raise CourseError("Late penalties are percentages between 0 and 100.")

    def describe(self) -> str:
        if self.rule == "penalise":
            return (f"late hand-ins lose {self.percent_per_day:g}% of their score per started "
                    f"day late, at most {self.max_percent:g}%")
        return RULE_WORDS[self.rule]

    def penalty(self, score: float, seconds_late: float) -> float:
        """Points taken from ``score`` for a hand-in ``seconds_late`` after its due date."""
        if self.rule != "penalise" or seconds_late <= 0:
            return 0.0
        days = math.ceil(seconds_late / 86400)
        return score * min(self.max_percent, self.percent_per_day * days) / 100


@dataclass
class DeadlineBook:
    """Extensions, accommodations and late policies of a course (minutes, per trainee)."""

    policies: dict[str, dict] = field(default_factory=dict)
    extensions: dict[str, dict[str, int]] = field(default_factory=dict)
    accommodations: dict[str, int] = field(default_factory=dict)
    # Supervised windows per assignment (course.storage.supervision): mode, start, minutes,
    # trainees, early closes, attempts.
    supervision: dict[str, dict] = field(default_factory=dict)

    def policy(self, assignment: str) -> LatePolicy:
        return LatePolicy(**self.policies.get(assignment, {}))

    def extension(self, assignment: str, student: str) -> datetime.timedelta:
        """The trainee's extra time on this assignment: its extension plus accommodation."""
        minutes = (self.extensions.get(assignment, {}).get(student, 0)
                   + self.accommodations.get(student, 0))
        return datetime.timedelta(minutes=minutes)


def grant(book: DeadlineBook, assignment: str | None, student: str,
          minutes: int | None) -> None:
    """Give ``student`` ``minutes`` of extra time on ``assignment`` (None: on every
    assignment, an accommodation); ``minutes`` None takes it back."""
    table = book.accommodations if assignment is None else (
        book.extensions.setdefault(assignment, {}))
    if minutes is None:
        table.pop(student, None)
    else:
        table[student] = minutes


def deadlines_path(root: Path) -> Path:
    return Path(root) / STATE_DIR / DEADLINES_FILE


def _damaged(path: Path, problem: object) -> CourseError:
    return CourseError(
        f"{path} cannot be read ({problem}): nothing was changed. Put it back from your "
        f"backup of the course folder ({STATE_DIR}/{DEADLINES_FILE}), or remove it to start "
        "again without extensions, accommodations, late policies and supervised windows "
        "(due dates stay in the gradebook).")


def load(root: Path) -> DeadlineBook:
    """The course's deadline book (empty if none was written yet; a clear CourseError
    naming the file and how to restore it if it is damaged)."""
    path = deadlines_path(root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DeadlineBook()
    except (OSError, ValueError) as problem:
        raise _damaged(path, problem) from None
    try:
        if not isinstance(data, dict):
            raise TypeError("not a table")
        book = DeadlineBook(
            policies={a: dict(p) for a, p in data.get("policies", {}).items()},
            extensions={a: {s: int(m) for s, m in dict(g).items()}
                        for a, g in data.get("extensions", {}).items()},
            accommodations={s: int(m) for s, m in data.get("accommodations", {}).items()},
            supervision={a: dict(w) for a, w in data.get("supervision", {}).items()})
    except (AttributeError, TypeError, ValueError) as problem:
        raise _damaged(path, f"its content is not a deadline book: {problem}") from None
    return book


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[Path]:
    """The book's lock (one writer at a time, across processes); the book's path."""
    path = deadlines_path(root)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path.with_name(DEADLINES_FILE + ".lock"),
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(descriptor)


def _write(path: Path, book: DeadlineBook) -> None:
    """The book, whole and flushed to disk, readable by the course account only."""
    write_whole(path, json.dumps(asdict(book), indent=1, sort_keys=True))


def save(root: Path, book: DeadlineBook) -> None:
    """Write the book whole (under its lock), readable by the course account only. To
    change what is there, use ``update``: it reads and writes under one lock."""
    with _locked(root) as path:
        _write(path, book)


def update(root: Path, change: Callable[[DeadlineBook], T]) -> tuple[DeadlineBook, T]:
    """Read the book, ``change`` it and write it back under one lock, so two commands at
    once (``supervise`` and ``extension``) each keep the other's change; the changed book
    and what ``change`` returned. Nothing is written if ``change`` raises."""
    with _locked(root) as path:
        book = load(root)
        result = change(book)
        _write(path, book)
    return book, result


def parse_time(text: str) -> datetime.datetime:
    """A typed date and time as naive UTC (nbgrader's form); no zone: the server's local."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise CourseError(f"{text!r} is not a date and time: write it as 2026-12-10 17:00 "
                          "(the server's local time) or 2026-12-10 17:00+01:00.") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def show_time(moment: datetime.datetime | None) -> str:
    """A naive-UTC time as the server's local time, for people."""
    if moment is None:
        return "none"
    local = moment.replace(tzinfo=datetime.UTC).astimezone()
    return local.strftime("%Y-%m-%d %H:%M %Z")


def show_span(span: datetime.timedelta) -> str:
    """A length of time in days, hours and minutes ("1 day 2 h 5 min")."""
    minutes = round(span.total_seconds() / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


def due_date(gradebook, assignment: str) -> datetime.datetime | None:
    """The assignment's due date in the gradebook (naive UTC), or None."""
    from nbgrader.api import MissingEntry

    try:
        return gradebook.find_assignment(assignment).duedate
    except MissingEntry:
        return None


def set_due_date(gradebook, assignment: str, moment: datetime.datetime | None) -> None:
    from nbgrader.api import MissingEntry

    try:
        found = gradebook.find_assignment(assignment)
    except MissingEntry:
        gradebook.update_or_create_assignment(assignment, duedate=moment)
        return
    found.duedate = moment
    gradebook.db.commit()


def allowance(book: DeadlineBook, assignment: str, student: str) -> datetime.timedelta:
    """The extra time after the assignment's due date that the trainee's hand-in may take:
    their extension and accommodation, or, in a supervised assignment, up to the end of their
    own window (a later sitting or attempt). The one rule: collect, ``extension`` and
    ``supervise`` all write it to the gradebook (``write_extension``)."""
    from course.storage.supervision import window_reach  # its windows are kept in this book

    return max(book.extension(assignment, student), window_reach(book, assignment, student))


def write_extension(gradebook, book: DeadlineBook, assignment: str, student: str,
                    create: bool = False) -> None:
    """Put the trainee's ``allowance`` into the gradebook's submission row (nbgrader's
    ``SubmittedAssignment.extension``; the row is made if ``create``)."""
    from nbgrader.api import MissingEntry

    extension = allowance(book, assignment, student) or None
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        if not create or extension is None:
            return
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(assignment, student, extension=extension)
        return
    if submission.extension != extension:
        submission.extension = extension
        gradebook.db.commit()


def seconds_late(received: datetime.datetime, due: datetime.datetime | None,
                 extension: datetime.timedelta) -> float:
    """How late a hand-in received at ``received`` (naive UTC) is; 0 when on time."""
    if due is None:
        return 0.0
    return max(0.0, (received - (due + extension)).total_seconds())
