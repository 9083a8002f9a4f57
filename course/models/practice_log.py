"""A trainee's log of supervised real sessions, and what the course's own models say of each.

An entry records one session: a pseudonymous client code (never a name or any other personal
data), the intake as recorded, the trainee's two-part screening decision and findings, the
session log, the aftercare given and the reactions seen, and the trainee's declaration that
the record is their own. ``review`` compares the decision with the screening engine's and
checks the log against the modality's limits (``course.models.timing.check_log``): a session
with a safety flag is kept in the log but does not count towards a unit's sessions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from course.facts.knowledge import NO_REFERRAL, TREATMENTS, KnowledgeError, UnknownNameError, load
from course.models.screening import IntakeError, screen
from course.models.timing import LogEvent, TimingError, check_log

# Letters and digits only, a dash in the middle: "CL-0042". Nothing that can hold a name,
# a birth date, a phone number or an e-mail address.
CLIENT_CODE = re.compile(r"[A-Z]{1,4}-[0-9]{1,6}")
MAX_EVENTS = 200
MAX_MINUTES = 240
STRICTNESS = {treatment: rank for rank, treatment in enumerate(TREATMENTS)}  # refuse = 0


class PracticeLogError(ValueError):
    """An entry that cannot be kept; the message says what to change, in plain words."""


@dataclass(frozen=True)
class PracticeEntry:
    """One supervised real session, as the trainee recorded it."""

    client_code: str
    day: date
    modality: str
    intake: Mapping[str, Any]
    treatment: str
    referral: str
    findings: tuple[str, ...]
    log: tuple[LogEvent, ...]
    minutes: float
    aftercare: tuple[str, ...] = ()
    reactions: tuple[str, ...] = ()
    declared_own_work: bool = False
    chamber_temp_c: float | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PracticeEntry:
        """Check a stored entry (a JSON object); raises PracticeLogError naming the field."""
        if not isinstance(data, Mapping):
            raise PracticeLogError("An entry must be a record of fields.")
        code = data.get("client_code")
        if not isinstance(code, str) or not CLIENT_CODE.fullmatch(code):
            raise PracticeLogError(
                "The client code must be the salon's code for the client, like CL-0042 "
                "(capital letters, a dash, digits): never a name, a birth date or a phone "
                "number.")
        try:
            day = date.fromisoformat(str(data.get("day")))
        except ValueError as error:
            raise PracticeLogError("The date must be written like 2026-12-07.") from error
        knowledge = load()
        modality = data.get("modality")
        if not isinstance(modality, str) or modality not in knowledge.modalities:
            raise PracticeLogError(f"Unknown treatment {modality!r}.")
        treatment = data.get("treatment")
        if treatment not in TREATMENTS:
            raise PracticeLogError("Treatment today must be one of: " + ", ".join(TREATMENTS))
        referral = data.get("referral", NO_REFERRAL)
        if not isinstance(referral, str) or not referral:
            raise PracticeLogError("Referral must name who the client sees, or none.")
        minutes = data.get("minutes")
        if not isinstance(minutes, int | float) or isinstance(minutes, bool) or \
                not 0 < minutes <= MAX_MINUTES:
            raise PracticeLogError(f"The session's minutes must be a number from 1 to "
                                   f"{MAX_MINUTES}.")
        raw_log = data.get("log", [])
        if not isinstance(raw_log, list) or len(raw_log) > MAX_EVENTS:
            raise PracticeLogError(f"The session log must be a list of at most {MAX_EVENTS} "
                                   "lines.")
        try:
            log = tuple(_event(line) for line in raw_log)
        except (TypeError, ValueError) as error:
            raise PracticeLogError("Each line of the session log needs what was treated, "
                                   "where, when it started and how long it lasted, in seconds."
                                   ) from error
        intake = data.get("intake", {})
        if not isinstance(intake, Mapping):
            raise PracticeLogError("The intake must be the form's fields.")
        temp = data.get("chamber_temp_c")
        return cls(client_code=code, day=day, modality=modality, intake=dict(intake),
                   treatment=treatment, referral=referral, findings=_texts(data, "findings"),
                   log=log, minutes=float(minutes), aftercare=_texts(data, "aftercare"),
                   reactions=_texts(data, "reactions"),
                   declared_own_work=data.get("declared_own_work") is True,
                   chamber_temp_c=float(temp) if isinstance(temp, int | float)
                   and not isinstance(temp, bool) else None)


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PracticeLogError(f"{key.capitalize()} must be a list of names.")
    return tuple(values)


def _event(line: Any) -> LogEvent:
    if not isinstance(line, Mapping):
        raise TypeError("a log line is a record")
    start, duration = line.get("start_s"), line.get("duration_s")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, duration)):
        raise TypeError("times are numbers of seconds")
    assert isinstance(start, int | float) and isinstance(duration, int | float)
    return LogEvent(label=str(line.get("label", "")), area=str(line.get("area", "")),
                    start_s=float(start), duration_s=float(duration),
                    spot=str(line.get("spot", "")))


@dataclass(frozen=True)
class EntryReview:
    """What the course's models say of one entry. ``flags``: plain sentences for the trainee."""

    entry: PracticeEntry
    course_treatment: str | None
    course_referrals: tuple[str, ...]
    missed_findings: tuple[str, ...]
    flags: tuple[str, ...] = field(default=())
    safety_flag: bool = False

    @property
    def counts(self) -> bool:
        """Whether the session counts towards its unit: declared own work, no safety flag."""
        return self.entry.declared_own_work and not self.safety_flag


def review(entry: PracticeEntry) -> EntryReview:
    """The entry checked against the screening engine and the modality's timing limits."""
    flags: list[str] = []
    safety = False
    course_treatment: str | None = None
    referrals: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    try:
        decision = screen(entry.intake, entry.modality)
    except (IntakeError, UnknownNameError, KnowledgeError) as error:
        flags.append(f"The course could not read this intake ({error}), so your decision "
                     "could not be compared: ask your assessor to check it.")
        safety = True
    else:
        course_treatment, referrals = decision.treatment, decision.referrals
        if STRICTNESS[entry.treatment] > STRICTNESS[decision.treatment]:
            safety = True
            flags.append(f"Treatment today: you recorded {entry.treatment!r}; the course's "
                         f"rules give {decision.treatment!r}, which is stricter.")
        elif entry.treatment != decision.treatment:
            flags.append(f"Treatment today: you recorded {entry.treatment!r}; the course's "
                         f"rules give {decision.treatment!r}.")
        wanted = referrals or (NO_REFERRAL,)
        if entry.referral not in wanted:
            safety = safety or entry.referral == NO_REFERRAL
            flags.append(f"Referral: you recorded {entry.referral!r}; the course's rules send "
                         f"the client to {', '.join(wanted)}.")
        named = set(entry.findings)
        missed = tuple(code for code in decision.required_codes if code not in named)
        if missed:
            flags.append("Findings the course's rules name that the record does not: "
                         + ", ".join(missed) + ".")
    try:
        violations = check_log(entry.modality, entry.log, chamber_temp_c=entry.chamber_temp_c)
    except TimingError as error:
        violations = ()
        flags.append(f"The session log could not be checked ({error}).")
        safety = True
    for violation in violations:
        safety = True
        flags.append(f"Timing: {violation.message}")
    if not entry.declared_own_work:
        flags.append("The record is not yet declared your own work, so it does not count.")
    return EntryReview(entry=entry, course_treatment=course_treatment,
                       course_referrals=referrals, missed_findings=missed, flags=tuple(flags),
                       safety_flag=safety)


def reviews(entries: Iterable[PracticeEntry]) -> tuple[EntryReview, ...]:
    """Every entry reviewed, in the order logged."""
    return tuple(review(entry) for entry in entries)
