"""Practice or supervised: each assignment's mode and each trainee's supervised window.

Every assignment is in **practice** mode (open-book: the trainee's own server, the course
package, lesson 04's form, the practice widgets) unless the instructor opens a **supervised**
window for it (``cryocourse supervise open``). The window lives in the course's deadline book
(``.cryocourse/deadlines.json``, ``course.storage.deadlines``) so one trainee's extra time
is one number: their extension on the assignment plus their standing accommodation
lengthens their window exactly as it moves their due date.

A trainee's window: from ``start`` for ``minutes`` plus their extra time, or until the
instructor closes it early (for everyone or for that trainee). While it is open the class
server starts that trainee's server in its supervised form (deploy/hub: no course package,
no home, no exchange; the cards and the form checks only). At its end the hub's supervisor
hands the work in, as the trainee's own account at the server's time; only hand-ins made
inside the window count (``handin_problem``), so nothing made in practice mode before or
after it can replace the supervised work. Marks and feedback wait until every trainee's
window has closed (``feedback_problem``).

All times are naive UTC, as in nbgrader's gradebook.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from course.storage import deadlines
from course.storage.course_folder import CourseError

PRACTICE, SUPERVISED = "practice", "supervised"
# How long after a window's end its automatic hand-in still counts as made in the window
# (the supervisor looks every few seconds; JupyterHub stops a server in a few more).
HANDIN_GRACE = datetime.timedelta(minutes=2)
BEFORE, OPEN, CLOSED = "not started", "open", "closed"


@dataclass(frozen=True)
class Window:
    """One trainee's supervised window of one assignment."""

    assignment: str
    trainee: str
    start: datetime.datetime
    end: datetime.datetime
    extra: datetime.timedelta  # extension + accommodation (deadlines)
    closed_early: bool
    attempt: int = 1  # a second or later attempt has a window of its own
    sitting: int = 1  # which opening of the assignment the trainee sits (day 1, day 2, ...)

    def state(self, now: datetime.datetime) -> str:
        if now < self.start:
            return BEFORE
        return OPEN if now < self.end else CLOSED

    def left(self, now: datetime.datetime) -> datetime.timedelta:
        """Time left (zero once closed; the whole window before it starts)."""
        if now < self.start:
            return self.end - self.start
        return max(datetime.timedelta(0), self.end - now)


def now_utc() -> datetime.datetime:
    """The server's clock, naive UTC."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _stored(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _read(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def mode(book: deadlines.DeadlineBook, assignment: str) -> str:
    """``supervised`` once a window was opened for the assignment, else ``practice``."""
    return SUPERVISED if book.supervision.get(assignment) else PRACTICE


def open_window(book: deadlines.DeadlineBook, assignment: str, start: datetime.datetime,
                minutes: float, trainees: list[str]) -> list[str]:
    """Open a sitting of the supervised window of ``assignment`` for ``trainees``: each gets
    a window of their own from ``start`` for ``minutes``; who was planned now.

    A trainee already planned keeps their window as it is (a later sitting, day 2 for
    others, never moves it); another attempt is ``allow_again``, more time an extension.
    """
    if not minutes > 0:
        raise CourseError("A supervised window lasts some minutes (--minutes 60).")
    if not trainees:
        raise CourseError("Name the trainees who sit the supervised assessment (--trainee), "
                          "or add them to the gradebook first.")
    plan = book.supervision.setdefault(assignment, {})
    planned = set(plan.get("trainees", []))
    new = sorted(set(trainees) - planned)
    if not new:
        raise CourseError(f"{', '.join(sorted(set(trainees)))} already have a supervised "
                          f"window of {assignment}: their window stays as it is. More time: "
                          "`cryocourse supervise extend`; another attempt after it: "
                          "`cryocourse supervise open --again --trainee NAME`.")
    # The first sitting's start and length: the assignment's due date (``due_date``).
    plan.setdefault("start", _stored(start))
    plan.setdefault("minutes", float(minutes))
    plan["mode"] = SUPERVISED
    plan["sittings"] = sitting = plan.get("sittings", 1 if planned else 0) + 1
    own = plan.setdefault("windows", {})
    for trainee in new:
        own[trainee] = {"start": _stored(start), "minutes": float(minutes), "sitting": sitting}
    plan["trainees"] = sorted(planned | set(new))
    plan.setdefault("closed", {})
    return new


def due_date(book: deadlines.DeadlineBook, assignment: str) -> datetime.datetime:
    """The assignment's due date: the first sitting's end plus the hand-in's grace (each
    trainee's later sitting, attempt or extra time is their own allowance after it)."""
    plan = _plan(book, assignment)
    return _first_end(plan) + HANDIN_GRACE


def _first_end(plan: dict) -> datetime.datetime:
    return _read(plan["start"]) + datetime.timedelta(minutes=plan["minutes"])


def close_window(book: deadlines.DeadlineBook, assignment: str, now: datetime.datetime,
                 trainees: list[str] | None = None) -> list[str]:
    """End the window now for ``trainees`` (None: everyone still in it); who was closed."""
    plan = _plan(book, assignment)
    chosen = trainees or plan["trainees"]
    unknown = sorted(set(chosen) - set(plan["trainees"]))
    if unknown:
        raise CourseError(f"Not in the supervised window of {assignment}: "
                          f"{', '.join(unknown)}.")
    closed = []
    for trainee in chosen:
        if window(book, assignment, trainee).state(now) != CLOSED:
            plan["closed"][trainee] = _stored(now)
            closed.append(trainee)
    return closed


def _plan(book: deadlines.DeadlineBook, assignment: str) -> dict:
    plan = book.supervision.get(assignment)
    if not plan:
        raise CourseError(f"{assignment} has no supervised window (it is in practice mode): "
                          f"open one with `cryocourse supervise open {assignment} ...`.")
    return plan


def window(book: deadlines.DeadlineBook, assignment: str, trainee: str) -> Window:
    """``trainee``'s window of ``assignment`` (CourseError if they have none)."""
    plan = _plan(book, assignment)
    if trainee not in plan["trainees"]:
        raise CourseError(f"{trainee} is not in the supervised window of {assignment}.")
    # A book written before windows were kept per trainee: everyone sat the one sitting.
    own = plan.get("windows", {}).get(trainee) or {
        "start": plan["start"], "minutes": plan["minutes"], "sitting": 1}
    again = plan.get("again", {}).get(trainee)
    start = _read(again["start"] if again else own["start"])
    extra = book.extension(assignment, trainee)
    end = start + datetime.timedelta(minutes=own["minutes"]) + extra
    closed = plan.get("closed", {}).get(trainee)
    if closed is not None:
        end = max(start, min(end, _read(closed)))
    return Window(assignment, trainee, start, end, extra, closed is not None,
                  again["attempt"] if again else 1, own.get("sitting", 1))


def allow_again(book: deadlines.DeadlineBook, assignment: str, trainee: str,
                start: datetime.datetime, now: datetime.datetime) -> Window:
    """Another attempt for ``trainee``: a window of their own from ``start`` (the length of
    their sitting, same extra time). Only once their current window has closed; its hand-in stays
    recorded, and the new attempt starts from the released notebook again."""
    current = window(book, assignment, trainee)
    if current.state(now) != CLOSED:
        raise CourseError(f"{trainee}'s window of {assignment} has not closed yet: another "
                          "attempt is given after it.")
    plan = _plan(book, assignment)
    plan.setdefault("again", {})[trainee] = {"start": _stored(start),
                                             "attempt": current.attempt + 1}
    plan.get("closed", {}).pop(trainee, None)
    return window(book, assignment, trainee)


def window_reach(book: deadlines.DeadlineBook, assignment: str,
                 trainee: str) -> datetime.timedelta:
    """How far the trainee's own window reaches past the first sitting's end (the due date
    less the grace): a later sitting or attempt, or extra time; zero if none, or not
    supervised. Part of ``deadlines.allowance``, the one lateness allowance."""
    plan = book.supervision.get(assignment)
    if not plan or trainee not in plan.get("trainees", []):
        return datetime.timedelta(0)
    return max(datetime.timedelta(0), window(book, assignment, trainee).end - _first_end(plan))


def windows(book: deadlines.DeadlineBook, assignment: str) -> list[Window]:
    """Every trainee's window of ``assignment``, by name (empty in practice mode)."""
    plan = book.supervision.get(assignment) or {}
    return [window(book, assignment, trainee) for trainee in plan.get("trainees", [])]


def open_for(book: deadlines.DeadlineBook, trainee: str,
             now: datetime.datetime) -> Window | None:
    """The supervised window open for ``trainee`` right now, if any (the hub asks this)."""
    for assignment in sorted(book.supervision):
        plan = book.supervision[assignment]
        if trainee in plan.get("trainees", []):
            found = window(book, assignment, trainee)
            if found.state(now) == OPEN:
                return found
    return None


def latest_end(book: deadlines.DeadlineBook, assignment: str) -> datetime.datetime | None:
    """When the last trainee's window closes (None in practice mode)."""
    ends = [w.end for w in windows(book, assignment)]
    return max(ends) if ends else None


def handin_problem(book: deadlines.DeadlineBook, assignment: str, trainee: str,
                   received: datetime.datetime) -> str | None:
    """Why a hand-in received at ``received`` (server time) does not count, or None.

    In a supervised assignment only a hand-in made inside the trainee's own window (plus
    the automatic hand-in's grace) counts: work handed in before it (practice) or after it
    (back in the open-book server) never replaces the supervised work.
    """
    if mode(book, assignment) != SUPERVISED:
        return None
    try:
        own = window(book, assignment, trainee)
    except CourseError:
        return (f"{assignment} is taken under supervision and {trainee} has no supervised "
                "window: a hand-in from outside a window does not count")
    if received < own.start:
        return (f"handed in before {trainee}'s supervised window opened (at "
                f"{deadlines.show_time(received)}, server time): practice work does not count")
    if received > own.end + HANDIN_GRACE:
        return (f"handed in after {trainee}'s supervised window closed (at "
                f"{deadlines.show_time(received)}, server time; the window ended "
                f"{deadlines.show_time(own.end)}): only the work of the window counts")
    return None


def feedback_problem(book: deadlines.DeadlineBook, assignment: str,
                     now: datetime.datetime) -> str | None:
    """Why marks and feedback may not be released yet: a window not closed for everyone."""
    waiting = [w.trainee for w in windows(book, assignment) if w.state(now) != CLOSED]
    if not waiting:
        return None
    last = latest_end(book, assignment)
    return (f"{assignment} is supervised and the window is still open (or not started) for "
            f"{len(waiting)} trainee(s) ({', '.join(waiting[:8])}): marks and feedback are "
            f"released only after it has closed for everyone (the last at "
            f"{deadlines.show_time(last)}), so nobody still sitting it sees an answer.")


def window_record(book: deadlines.DeadlineBook, assignment: str, trainee: str) -> dict:
    """What the gradebook's evidence and the report show of a trainee's sitting."""
    if mode(book, assignment) != SUPERVISED:
        return {"mode": PRACTICE}
    try:
        own = window(book, assignment, trainee)
    except CourseError:
        return {"mode": SUPERVISED, "window": "none"}
    return {"mode": SUPERVISED, "start": deadlines.show_time(own.start),
            "end": deadlines.show_time(own.end), "extra": deadlines.show_span(own.extra),
            "closed_early": own.closed_early, "attempt": own.attempt}

