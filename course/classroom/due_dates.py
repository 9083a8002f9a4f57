"""Due dates, late policies and extra time, set by the instructor (``cryocourse deadline``,
``cryocourse extension``) and published where trainees' servers read them.

The rules (what is late, by how much, what a policy costs) are ``course.storage.deadlines``;
this module changes the book and the gradebook together and says what it did.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from course.storage import deadlines
from course.storage.course_folder import (
    CourseError,
    known_assignments,
    make_api,
    require_assignment,
)


def publish_deadlines(root: Path, api: Any, gradebook: Any, book: deadlines.DeadlineBook,
                      also: tuple[str, ...] = ()) -> None:
    """Due dates and each trainee's own extra time, where trainees' servers read them."""
    from course.nbgrader_plugins.exchange.due_notes import publish

    exchange_course = Path(api.config.Exchange.root) / api.coursedir.course_id
    if exchange_course.is_dir():
        publish(root, exchange_course, gradebook, book, also)


def deadline(root: Path, action: str, assignment: str | None = None, when: str | None = None,
             *, late: str = "flag", penalty_per_day: float | None = None,
             penalty_max: float | None = None) -> list[str]:
    """``set`` or ``clear`` an assignment's due date and late policy, or ``list`` them all
    (with every extension and accommodation); what to tell the instructor."""
    from nbgrader.api import Gradebook

    api = make_api(root)
    book = deadlines.load(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        if action in ("set", "clear"):
            if not assignment:
                raise CourseError(f"Name the assignment: cryocourse deadline {action} "
                                  "05-screening-cases" + (' "2026-12-10 17:00"'
                                                          if action == "set" else ""))
            assignment = require_assignment(root, assignment)
            if action == "set":
                if not when:
                    raise CourseError('Give the due date: cryocourse deadline set '
                                      f'{assignment} "2026-12-10 17:00"')
                due = deadlines.parse_time(when)
                policy = deadlines.LatePolicy(late, penalty_per_day or 0.0,
                                              100.0 if penalty_max is None else penalty_max)
                deadlines.set_due_date(gradebook, assignment, due)
                chosen = {"rule": policy.rule, "percent_per_day": policy.percent_per_day,
                          "max_percent": policy.max_percent}
                book, _ = deadlines.update(
                    root, lambda book: book.policies.__setitem__(assignment, chosen))
                said = f"{assignment} is due {deadlines.show_time(due)}; {policy.describe()}."
            else:
                deadlines.set_due_date(gradebook, assignment, None)
                book, _ = deadlines.update(
                    root, lambda book: book.policies.pop(assignment, None))
                said = f"{assignment} has no due date now."
            publish_deadlines(root, api, gradebook, book)
            return [said]
        lines = [f"{'assignment':<26}{'due (server time)':<24}late policy"]
        for name in known_assignments(root):
            due_at = deadlines.due_date(gradebook, name)
            lines.append(f"{name:<26}{deadlines.show_time(due_at):<24}"
                         f"{book.policy(name).describe() if due_at else '-'}")
    return lines + extension_lines(book)


def extension_lines(book: deadlines.DeadlineBook) -> list[str]:
    """Every extension and accommodation in the book, by trainee."""
    rows = [(student, "every assignment", minutes)
            for student, minutes in book.accommodations.items()]
    rows += [(student, assignment, minutes) for assignment, granted in book.extensions.items()
             for student, minutes in granted.items()]
    if not rows:
        return ["No extensions or accommodations."]
    return ["Extensions and accommodations (extra time after the due date):",
            *(f"  {student}: {deadlines.show_span(timedelta(minutes=minutes))} on {where}"
              for student, where, minutes in sorted(rows))]


def extension(root: Path, trainee: str, assignment: str | None = None, *,
              every_assignment: bool = False, days: float | None = None,
              hours: float | None = None, minutes: float | None = None,
              clear: bool = False) -> str:
    """Give one trainee extra time on an assignment, or on every assignment (an
    accommodation), or take it away (``clear``); what to tell the instructor."""
    from nbgrader.api import Gradebook

    from course.nbgrader_plugins.exchange.regular_file_exchange import is_plain_id

    if not is_plain_id(trainee):
        raise CourseError(f"{trainee!r} is not a trainee id (their hub user name).")
    student = trainee
    extra = round(((days or 0) * 1440) + ((hours or 0) * 60) + (minutes or 0))
    if extra < 0 or (extra == 0 and not clear):
        raise CourseError("Give the extra time, e.g. --hours 24 or --days 2 (or --clear).")
    if every_assignment:
        if assignment:
            raise CourseError("Either an assignment or --every-assignment, not both.")
        where, assignments = "every assignment (accommodation)", known_assignments(root)
        granted: str | None = None
    else:
        if not assignment:
            raise CourseError("Name the assignment (cryocourse extension ana "
                              "05-screening-cases --hours 24), or give --every-assignment "
                              "for an accommodation.")
        assignment = require_assignment(root, assignment)
        where, assignments = assignment, [assignment]
        granted = assignment
    book, _ = deadlines.update(root, lambda book: deadlines.grant(
        book, granted, student, None if clear else extra))
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        for name in assignments:
            deadlines.write_extension(gradebook, book, name, student)
        publish_deadlines(root, api, gradebook, book, also=(student,))
    if clear:
        return f"{student}: no extra time on {where} now."
    return (f"{student}: {deadlines.show_span(timedelta(minutes=extra))} "
            f"extra time on {where}. Hand-ins already graded are judged again by "
            "`cryocourse grade ASSIGNMENT --force`.")
