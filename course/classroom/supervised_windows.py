"""Supervised windows, run by the instructor (``cryocourse supervise``): open one for the
class (or another attempt for one trainee), give a trainee extra minutes, close it early,
and show where each trainee stands.

The rules (who is in a window, which hand-ins count) are ``course.storage.supervision``;
this module changes the book, the gradebook and the trainees' kits together.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from course.classroom.due_dates import publish_deadlines
from course.storage import deadlines, supervision
from course.storage.course_folder import CourseError, make_api, require_assignment

ACTIONS = ("open", "extend", "close", "status")


def supervise(root: Path, action: str, assignment: str, *, start: str | None = None,
              minutes: float | None = None, again: bool = False,
              trainees: list[str] | None = None) -> list[str]:
    """Do ``action`` (one of ``ACTIONS``) on the supervised window of ``assignment``; what
    to tell the instructor, ending with the table of windows."""
    from nbgrader.api import Gradebook

    from course.classroom.supervised_kit import build_kit, require_supervised_form

    assignment = require_assignment(root, assignment)
    now = supervision.now_utc()
    api = make_api(root)
    lines: list[str] = []
    planned: list[str] = list(trainees or [])

    def change(book: deadlines.DeadlineBook) -> None:  # under the book's lock (update)
        if action == "open":
            require_supervised_form(assignment)
            if not minutes and not again:
                raise CourseError("Give the length of the window: --minutes 60.")
            everyone = trainees or [s.id for s in gradebook.students]
            begins = deadlines.parse_time(start) if start else now
            if again:  # another attempt: a window of their own, same length
                if not trainees:
                    raise CourseError("Name who may try again: --again --trainee ana.")
                for trainee in trainees:
                    supervision.allow_again(book, assignment, trainee, begins, now)
            else:
                assert minutes is not None  # refused above when neither is given
                planned[:] = supervision.open_window(book, assignment, begins, minutes,
                                                     everyone)
                # The due date is the first sitting's end (plus the automatic hand-in's
                # grace); a later sitting, extension or accommodation is each trainee's own.
                deadlines.set_due_date(gradebook, assignment,
                                       supervision.due_date(book, assignment))
        elif action == "extend":
            if not trainees or not minutes:
                raise CourseError("Name the trainee and the extra time: cryocourse supervise "
                                  f"extend {assignment} --trainee ana --minutes 15")
            granted = book.extensions.setdefault(assignment, {})
            for trainee in trainees:
                supervision.window(book, assignment, trainee)  # in the window, or a clear error
                granted[trainee] = round(granted.get(trainee, 0) + minutes)
        elif action == "close":
            closed = supervision.close_window(book, assignment, now, trainees)
            lines.append(f"Closed now for {', '.join(closed) or 'nobody (all closed already)'}"
                         "; the class server hands their work in within a few seconds.")

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        if action == "status":
            book = deadlines.load(root)
        else:
            book, _ = deadlines.update(root, change)
            for found in supervision.windows(book, assignment):
                deadlines.write_extension(gradebook, book, assignment, found.trainee)
        if action in ("open", "extend"):
            for found in supervision.windows(book, assignment):
                if found.trainee in planned:
                    build_kit(root, assignment, found.trainee, found)
            publish_deadlines(root, api, gradebook, book)
    return lines + window_lines(book, assignment, now)


def window_lines(book: deadlines.DeadlineBook, assignment: str,
                 now: datetime.datetime) -> list[str]:
    """The table of an assignment's windows (or that it is in practice mode)."""
    if supervision.mode(book, assignment) == supervision.PRACTICE:
        return [f"{assignment}: practice mode (open-book; no supervised window)."]
    lines = [f"{assignment}: supervised. {'trainee':<20}{'window (server time)':<42}"
             f"{'extra time':<14}state"]
    for found in supervision.windows(book, assignment):
        span = f"{deadlines.show_time(found.start)} to {deadlines.show_time(found.end)}"
        state = found.state(now)
        if state == supervision.OPEN:
            state += f", {deadlines.show_span(found.left(now))} left"
        lines.append(f"  {found.trainee:<20}{span:<42}{deadlines.show_span(found.extra):<14}"
                     f"{state}{' (closed early)' if found.closed_early else ''}"
                     f"{f', attempt {found.attempt}' if found.attempt > 1 else ''}")
    return lines
