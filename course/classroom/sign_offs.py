"""Practical competence, recorded by the people who saw it (``cryocourse competence``):
who may sign off, a criterion observed, a logged session attested, a certificate seen, an
entry countersigned, the record checked, and each trainee's progress.

Each action is one function that returns what to tell the instructor; a refusal of the
record (``RecordError``: no role, an unknown criterion, an altered record) comes back as a
``CourseError`` sentence.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from course.classroom import competence
from course.facts.competencies import competency_map
from course.foundation.accounts import running_account
from course.storage.competence_record import Record, RecordError
from course.storage.course_folder import CourseError, make_api

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _said_plainly(action: Callable[_P, _R]) -> Callable[_P, _R]:
    """The record's refusals as CourseError sentences."""
    @functools.wraps(action)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return action(*args, **kwargs)
        except RecordError as problem:
            raise CourseError(str(problem)) from problem
    return run


def parse_day(text: str) -> datetime.date:
    """A date written like 2028-05-31 (CourseError otherwise)."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CourseError(f"{text!r}: write the date like 2028-05-31.") from error


@_said_plainly
def grant(root: Path, account: str, role: str) -> str:
    """Let ``account`` act as ``role`` (assessor or verifier) for this course."""
    Record(root).grant(account, role)
    return f"{account} may now act as {role} for this course."


@_said_plainly
def sign(root: Path, trainee: str, unit: str, criterion: str, outcome: str, *,
         comment: str = "", session: int | None = None) -> str:
    """Record a criterion observed (``met`` or ``not-yet``), signed by this account."""
    observed = competence.logged_session(root, trainee, session) if session else None
    entry = Record(root).sign_off(competency_map(), trainee=trainee, unit=unit,
                                  criterion=criterion, outcome=outcome.replace("-", " "),
                                  comment=comment, assessor=running_account(),
                                  session=observed)
    return (f"Signed off as entry {entry['entry']}: {trainee}, {unit}, {criterion}: "
            f"{entry['outcome']} ({entry['at']}).")


@_said_plainly
def attest(root: Path, trainee: str, number: int, *, accept: bool = False,
           comment: str = "") -> str:
    """Attest session ``number`` of a trainee's handed-in log."""
    session = competence.logged_session(root, trainee, number)
    entry = Record(root).attest_session(trainee=trainee, session=session,
                                        assessor=running_account(), accept=accept,
                                        comment=comment)
    return (f"Session {number} of {trainee} ({session.client_code}, {session.day}) attested "
            f"as entry {entry['entry']}" + (", its differences accepted." if accept else "."))


@_said_plainly
def certificate(root: Path, trainee: str, name: str, valid_until: str) -> str:
    """Record a certificate seen, valid until the date printed on it."""
    entry = Record(root).record_certificate(
        competency_map(), trainee=trainee, certificate=name,
        valid_until=parse_day(valid_until), assessor=running_account())
    return (f"Certificate {name} of {trainee}, valid until {valid_until}, recorded as entry "
            f"{entry['entry']}.")


@_said_plainly
def countersign(root: Path, number: int) -> str:
    """The internal verifier countersigns entry ``number``."""
    entry = Record(root).countersign(number, running_account())
    return f"Entry {number} countersigned (entry {entry['entry']})."


@_said_plainly
def check(root: Path) -> str:
    """Check that the record was not altered."""
    return f"The competence record is intact: {Record(root).check()} entries."


@_said_plainly
def progress(root: Path, trainee: str | None = None, export: str | None = None) -> list[str]:
    """Each trainee's progress (or one's), and the cohort table as CSV if ``export``."""
    from nbgrader.api import Gradebook

    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        trainees = [trainee] if trainee else [s.id for s in gradebook.students]
        results = competence.cohort(root, gradebook, trainees)
    lines = ["\n".join(competence.progress_lines(result, log)) for result, log in results]
    if export:
        rows = competence.export_cohort(results, Path(export))
        lines.append(f"{rows} rows written to {export}")
    return lines
