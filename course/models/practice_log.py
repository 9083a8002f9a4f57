"""A trainee's log of supervised real sessions, and what the course's own models say of each.

An entry records one session: a pseudonymous client code (never a name or any other personal
data), the intake as recorded, the trainee's two-part screening decision and findings, the
session log, the aftercare given and the reactions seen, and the trainee's declaration that
the record is their own, the supervising assessor's account, and the range values of the
session (skin type group, client group; never personal data), and, for a chamber, the room
oxygen monitor's readings. ``review`` compares the decision with the screening engine's and
checks the log against the modality's limits (``course.models.timing.check_log``) and, where
the competency map asks for them (``oxygen_readings``), that the oxygen readings are there and
none is below the first alarm level (``safety.toml`` [oxygen]):

* less strict than the course's rules (a laxer treatment, no referral where one is due),
  outside the timing limits, or a treated chamber session without its oxygen readings or
  with one below the alarm level: a safety flag; the session never counts;
* different in the other direction (stricter, another referral, findings not named, an
  intake the course cannot read): flagged for the assessor's review; it counts only when
  the assessor, attesting it, accepts it;
* nothing attested: a log the trainee keeps alone never counts. A session counts only with
  the supervising assessor's attestation in the course's record (``Attestation``), made for
  this entry's exact content (its fingerprint).

A session where nothing was treated (refuse, clearance, defer) is screening evidence only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from course.facts.competencies import OXYGEN_TIMES, competency_map
from course.facts.knowledge import NO_REFERRAL, TREATMENTS, KnowledgeError, UnknownNameError, load
from course.facts.safe_practice import safe_practice
from course.models.screening import IntakeError, screen
from course.models.timing import LogEvent, TimingError, check_log

# Letters and digits only, a dash in the middle: "CL-0042". Nothing that can hold a name,
# a birth date, a phone number or an e-mail address.
CLIENT_CODE = re.compile(r"[A-Z]{1,4}-[0-9]{1,6}")
MAX_EVENTS = 200
MAX_READINGS = 20
MAX_MINUTES = 240
STRICTNESS = {treatment: rank for rank, treatment in enumerate(TREATMENTS)}  # refuse = 0
NOTHING_TREATED: tuple[str, ...] = ("refuse", "clearance", "defer")
# An account name, as the class server or the machine spells it: the supervisor's login.
ACCOUNT = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


class PracticeLogError(ValueError):
    """An entry that cannot be kept; the message says what to change, in plain words."""


@dataclass(frozen=True)
class OxygenReading:
    """What the room's oxygen monitor showed (percent), and when: before, during or after."""

    when: str
    percent: float


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
    supervisor: str = ""  # the supervising assessor's account
    skin_type: str = ""  # a range value (competencies.toml [[range]]), never personal data
    client_group: str = ""
    oxygen: tuple[OxygenReading, ...] = ()  # the room's oxygen monitor, as read
    fingerprint: str = ""  # of the entry as stored: an attestation is for exactly this
    number: int = 0  # its place in the log file (1 = the first), 0 when not from a file

    @property
    def treated(self) -> bool:
        """Whether the client was treated (proceed or modify), not only screened."""
        return self.treatment not in NOTHING_TREATED

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
        supervisor = data.get("supervisor", "")
        if not isinstance(supervisor, str) or (supervisor and not ACCOUNT.fullmatch(supervisor)):
            raise PracticeLogError("The supervisor is your assessor's account name on the "
                                   "course's server (lower-case letters, digits, . _ -).")
        return cls(client_code=code, day=day, modality=modality, intake=dict(intake),
                   treatment=treatment, referral=referral, findings=_texts(data, "findings"),
                   log=log, minutes=float(minutes), aftercare=_texts(data, "aftercare"),
                   reactions=_texts(data, "reactions"),
                   declared_own_work=data.get("declared_own_work") is True,
                   chamber_temp_c=float(temp) if isinstance(temp, int | float)
                   and not isinstance(temp, bool) else None,
                   supervisor=supervisor, skin_type=_range_value(data, "skin_type"),
                   client_group=_range_value(data, "client_group"),
                   oxygen=_oxygen(data), fingerprint=fingerprint(data))


def fingerprint(data: Mapping[str, Any]) -> str:
    """The entry as stored, hashed: changing any field afterwards changes it."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _range_value(data: Mapping[str, Any], key: str) -> str:
    """A range value the session records (the values: competencies.toml [[range]])."""
    allowed = competency_map().ranges[key].values
    value = data.get(key, "") or ""
    if value not in ("", *allowed):
        raise PracticeLogError(f"{key.replace('_', ' ').capitalize()} is one of: "
                               + ", ".join(allowed) + ".")
    return str(value)


def _oxygen(data: Mapping[str, Any]) -> tuple[OxygenReading, ...]:
    """The oxygen monitor's readings: [{"when": "before", "percent": 20.9}, ...]."""
    raw = data.get("oxygen", [])
    problem = PracticeLogError(
        f"Each oxygen reading needs when it was read ({', '.join(OXYGEN_TIMES)} the session) "
        f"and what the monitor showed, a percentage like 20.9; at most {MAX_READINGS} readings.")
    if not isinstance(raw, list) or len(raw) > MAX_READINGS:
        raise problem
    readings = []
    for reading in raw:
        percent = reading.get("percent") if isinstance(reading, Mapping) else None
        if not isinstance(reading, Mapping) or reading.get("when") not in OXYGEN_TIMES or \
                not isinstance(percent, int | float) or isinstance(percent, bool) or \
                not 0 <= percent <= 100:
            raise problem
        readings.append(OxygenReading(when=str(reading["when"]), percent=float(percent)))
    return tuple(readings)


def oxygen_flags(entry: PracticeEntry) -> list[str]:
    """What the session's oxygen readings lack (the competency map says which a modality's
    log needs), or a reading below the monitor's first alarm level (safety.toml): each one a
    safety flag. A client not treated (nothing run) needs no reading."""
    wanted = competency_map().oxygen_readings_for(entry.modality)
    if not wanted or not entry.treated:
        return []
    levels = safe_practice().oxygen
    flags = []
    missing = [when for when in wanted if not any(r.when == when for r in entry.oxygen)]
    if missing:
        flags.append(f"Oxygen: no reading of the room's oxygen monitor recorded "
                     f"{' and '.join(missing)} the session. A chamber session counts only with "
                     "its oxygen check (the monitor read and its alarm levels known before the "
                     "client goes in, and watched during the session). This session does not "
                     "count.")
    for reading in entry.oxygen:
        if reading.percent < levels.deficiency_percent:
            evacuate = (f", and below {levels.evacuate_percent:g} %, the usual second alarm "
                        "(everyone leaves at once)" if reading.percent < levels.evacuate_percent
                        else "")
            flags.append(f"Oxygen: the monitor read {reading.percent:g} % {reading.when} the "
                         f"session, below the first alarm level ({levels.deficiency_percent:g} "
                         f"%: oxygen-deficient air){evacuate}. The session stops, the client "
                         "comes out and you both leave the room (the oxygen alarm steps); "
                         "write an incident record. This session does not count.")
    return flags


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
class Attestation:
    """The supervising assessor's attestation of one logged session, in the course's record.
    ``accepted``: the assessor accepts a decision that differs from the course's rules in the
    stricter direction (a safety flag is never accepted)."""

    entry: int  # its number in the record
    trainee: str
    session: str  # the entry's fingerprint
    assessor: str
    at: datetime
    accepted: bool = False
    comment: str = ""


@dataclass(frozen=True)
class EntryReview:
    """What the course's models say of one entry. ``flags``: plain sentences for the trainee;
    ``safety_flag``: less strict than the rules, or outside the limits (never counts);
    ``for_review``: differences the assessor must accept before it counts."""

    entry: PracticeEntry
    course_treatment: str | None
    course_referrals: tuple[str, ...]
    missed_findings: tuple[str, ...]
    flags: tuple[str, ...] = field(default=())
    safety_flag: bool = False
    for_review: tuple[str, ...] = ()
    attestation: Attestation | None = None

    @property
    def counts(self) -> bool:
        """Whether the session is evidence: declared, attested by its supervisor, no safety
        flag, and any difference accepted by the assessor."""
        return (self.entry.declared_own_work and self.attestation is not None
                and not self.safety_flag and (not self.for_review or self.attestation.accepted))

    @property
    def counts_as_treatment(self) -> bool:
        """Whether it counts towards a unit's sessions: the client was also treated."""
        return self.counts and self.entry.treated

    @property
    def awaiting(self) -> str:
        """What the session waits for, in plain words ("" when nothing)."""
        if self.safety_flag or not self.entry.declared_own_work:
            return ""
        if not self.entry.supervisor:
            return "a supervisor named in the entry"
        if self.attestation is None:
            return f"{self.entry.supervisor}'s attestation in the course's record"
        if self.for_review and not self.attestation.accepted:
            return "the assessor's acceptance of the differences flagged"
        return ""


def review(entry: PracticeEntry, attestation: Attestation | None = None) -> EntryReview:
    """The entry checked against the screening engine and the modality's timing limits."""
    flags: list[str] = []
    unsafe = False
    differs: list[str] = []
    course_treatment: str | None = None
    referrals: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    try:
        decision = screen(entry.intake, entry.modality)
    except (IntakeError, UnknownNameError, KnowledgeError) as error:
        differs.append(f"The course could not read this intake ({error}), so your decision "
                       "could not be compared: your assessor checks it.")
    else:
        course_treatment, referrals = decision.treatment, decision.referrals
        if STRICTNESS[entry.treatment] > STRICTNESS[decision.treatment]:
            unsafe = True
            flags.append(f"Treatment today: you recorded {entry.treatment!r}; the course's "
                         f"rules give {decision.treatment!r}, which is stricter. This session "
                         "does not count.")
        elif entry.treatment != decision.treatment:
            differs.append(f"Treatment today: you recorded {entry.treatment!r}, stricter than "
                           f"the course's rules ({decision.treatment!r}).")
        wanted = referrals or (NO_REFERRAL,)
        if entry.referral not in wanted:
            if entry.referral == NO_REFERRAL:
                unsafe = True
                flags.append(f"Referral: you recorded none; the course's rules send the client "
                             f"to {', '.join(wanted)}. This session does not count.")
            else:
                differs.append(f"Referral: you recorded {entry.referral!r}; the course's rules "
                               f"give {', '.join(wanted)}.")
        named = set(entry.findings)
        missed = tuple(code for code in decision.required_codes if code not in named)
        if missed:
            differs.append("Findings the course's rules name that the record does not: "
                           + ", ".join(missed) + ".")
    if not entry.treated and entry.log:
        unsafe = True
        flags.append(f"You recorded {entry.treatment!r} but the session log has treatment "
                     "lines: a client who is not treated today gets no cold.")
    try:
        violations = check_log(entry.modality, entry.log, chamber_temp_c=entry.chamber_temp_c)
    except TimingError as error:
        violations = ()
        flags.append(f"The session log could not be checked ({error}).")
        unsafe = True
    for violation in violations:
        unsafe = True
        flags.append(f"Timing: {violation.message}")
    oxygen = oxygen_flags(entry)
    unsafe = unsafe or bool(oxygen)
    flags += oxygen
    if differs:
        flags += [*differs, "These differences are for your assessor's review: the session "
                  "counts only if they accept them."]
    if not entry.declared_own_work:
        flags.append("The record is not yet declared your own work, so it does not count.")
    if not entry.supervisor:
        flags.append("No supervisor is named: a session counts only when its supervisor "
                     "attests it.")
    if not entry.treated:
        flags.append("Nothing was treated: this session is screening evidence; it does not "
                     "count towards the unit's treatment sessions.")
    if attestation is not None and (attestation.session != entry.fingerprint
                                    or attestation.assessor != entry.supervisor):
        attestation = None
    return EntryReview(entry=entry, course_treatment=course_treatment,
                       course_referrals=referrals, missed_findings=missed, flags=tuple(flags),
                       safety_flag=unsafe, for_review=tuple(differs), attestation=attestation)


def reviews(entries: Iterable[PracticeEntry],
            attestations: Mapping[str, Attestation] | None = None) -> tuple[EntryReview, ...]:
    """Every entry reviewed, in the order logged, with its attestation if there is one
    (``attestations``: entry fingerprint -> the latest attestation of it)."""
    found = attestations or {}
    return tuple(review(entry, found.get(entry.fingerprint)) for entry in entries)
