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

import datetime
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.storage.course_folder import STATE_DIR, CourseError

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


def deadlines_path(root: Path) -> Path:
    return Path(root) / STATE_DIR / DEADLINES_FILE


def load(root: Path) -> DeadlineBook:
    """The course's deadline book (empty if none was written yet)."""
    try:
        data = json.loads(deadlines_path(root).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DeadlineBook()
    except (OSError, ValueError) as problem:
        raise CourseError(f"{deadlines_path(root)} cannot be read ({problem}): restore it "
                          "from a backup or remove it (extensions and policies are then "
                          "lost; due dates stay in the gradebook).") from None
    return DeadlineBook(policies=dict(data.get("policies", {})),
                        extensions={a: dict(s) for a, s in data.get("extensions", {}).items()},
                        accommodations=dict(data.get("accommodations", {})),
                        supervision={a: dict(w) for a, w in data.get("supervision", {}).items()})


def save(root: Path, book: DeadlineBook) -> None:
    """Write the book atomically, readable by the course account only."""
    path = deadlines_path(root)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                         0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(book), handle, indent=1, sort_keys=True)
    temporary.replace(path)


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


def write_extension(gradebook, book: DeadlineBook, assignment: str, student: str,
                    create: bool = False, extension: datetime.timedelta | None = None) -> None:
    """Put the trainee's extra time (``extension``, else the book's) into the gradebook's
    submission row (made if ``create``)."""
    from nbgrader.api import MissingEntry

    extension = (book.extension(assignment, student) if extension is None else extension) or None
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        if not create or extension is None:
            return
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(assignment, student, extension=extension)
        return
    submission.extension = extension
    gradebook.db.commit()


def seconds_late(received: datetime.datetime, due: datetime.datetime | None,
                 extension: datetime.timedelta) -> float:
    """How late a hand-in received at ``received`` (naive UTC) is; 0 when on time."""
    if due is None:
        return 0.0
    return max(0.0, (received - (due + extension)).total_seconds())
