"""A trainee's progress against the competency map: pure, from evidence already gathered.

Evidence comes in four kinds: knowledge (the fraction earned on each course item, from the
gradebook), observation (assessors' sign-offs: the latest per criterion is in force, and it
must have been signed met on the criterion's number of different days; a criterion observed
``in_session`` counts only sign-offs naming a logged session of the unit that counts and
treated a client), practice (reviewed
log entries: sessions attested by their supervisor that count, the range they cover, and
minutes per modality) and certificates the assessor recorded (current on the day judged).
A criterion is met when every kind of evidence it asks for is there; a unit is achieved when
all its criteria are met, enough treatment sessions count, their range is covered and its
certificates are current. Nothing here reads files or the gradebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from course.facts.competencies import CompetencyMap, Unit
from course.models.practice_log import EntryReview

MET, NOT_YET = "met", "not yet"
OUTCOMES: tuple[str, ...] = (MET, NOT_YET)


@dataclass(frozen=True)
class SignOff:
    """An assessor's judgement of one criterion of one unit, observed in a real session."""

    entry: int  # its number in the record
    trainee: str
    unit: str
    criterion: str
    outcome: str  # "met" or "not yet"
    comment: str
    assessor: str
    at: datetime
    countersigned_by: str = ""  # the internal verifier who sampled it, if any
    session: str = ""  # the fingerprint of the logged session observed, if one was named

    @property
    def occasion(self) -> str:
        """What makes it a separate occasion: the session observed, else the day signed."""
        return self.session or f"{self.at:%Y-%m-%d}"


@dataclass(frozen=True)
class CertificateRecord:
    """A certificate an assessor saw and recorded (first aid), with its own end date."""

    entry: int
    trainee: str
    certificate: str
    valid_until: date
    assessor: str
    at: datetime


@dataclass(frozen=True)
class CriterionProgress:
    """One criterion of one unit: what is there and what is missing, in plain words."""

    code: str
    text: str
    knowledge_items: tuple[str, ...]
    knowledge_missing: tuple[str, ...]  # linked items without full marks
    observed_needed: bool
    sign_off: SignOff | None
    occasions: int = 1  # different occasions it must be signed met on
    met_days: int = 0  # different occasions (sessions observed, or days) it was signed met
    in_session: bool = False  # only sign-offs on a logged session that counts are evidence

    @property
    def knowledge_met(self) -> bool:
        return not self.knowledge_missing

    @property
    def observed_met(self) -> bool:
        return not self.observed_needed or (self.sign_off is not None
                                            and self.sign_off.outcome == MET
                                            and self.met_days >= self.occasions)

    @property
    def met(self) -> bool:
        return self.knowledge_met and self.observed_met

    def missing(self) -> tuple[str, ...]:
        """What this criterion still lacks, as sentences."""
        gaps = []
        if self.knowledge_missing:
            gaps.append("full marks on " + ", ".join(self.knowledge_missing))
        if not self.observed_met:
            where = (" in an observed real session (a logged treatment session that counts: "
                     "attested, no safety flag)" if self.in_session else "")
            if self.sign_off is None:
                gaps.append("an assessor's sign-off as met" + where + (
                    f" on {self.occasions} occasions" if self.occasions > 1 else ""))
            elif self.sign_off.outcome != MET:
                gaps.append(f"a new observation (last: {self.sign_off.outcome}, "
                            f"{self.sign_off.at:%Y-%m-%d})")
            else:
                gaps.append(f"met on {self.met_days} of the {self.occasions} occasions "
                            f"needed{where}: observe it in another session")
        return tuple(gaps)


@dataclass(frozen=True)
class UnitProgress:
    """One unit: its criteria, the sessions that count, the minutes logged."""

    unit: Unit
    criteria: tuple[CriterionProgress, ...]
    sessions_counted: int  # attested treatment sessions that count
    sessions_flagged: int  # with a safety flag (never count)
    minutes: float
    screenings_counted: int = 0  # attested sessions that count, treated or not
    sessions_awaiting: int = 0  # waiting for an attestation or an acceptance
    range_covered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    range_texts: Mapping[str, str] = field(default_factory=dict)
    certificates: Mapping[str, CertificateRecord | None] = field(default_factory=dict)
    on: date | None = None  # the day certificates are judged on

    def _range_gaps(self) -> list[str]:
        return [f"range: {len(self.range_covered.get(code, ()))} of {number} "
                f"{self.range_texts.get(code, code)}"
                for code, number in self.unit.range.items()
                if len(self.range_covered.get(code, ())) < number]

    def _certificate_gaps(self) -> list[str]:
        gaps = []
        for code in self.unit.certificates:
            held = self.certificates.get(code)
            if held is None:
                gaps.append(f"certificate: {code.replace('_', ' ')} not recorded")
            elif self.on is not None and held.valid_until < self.on:
                gaps.append(f"certificate: {code.replace('_', ' ')} expired on "
                            f"{held.valid_until}")
        return gaps

    @property
    def achieved(self) -> bool:
        return not self.missing()

    def missing(self) -> tuple[str, ...]:
        gaps = [f"{c.code}: {gap}" for c in self.criteria for gap in c.missing()]
        if self.sessions_counted < self.unit.min_sessions:
            gaps.append(f"sessions: {self.sessions_counted} of {self.unit.min_sessions} "
                        "supervised treatment sessions counted")
        return tuple(gaps + self._range_gaps() + self._certificate_gaps())


@dataclass(frozen=True)
class TraineeProgress:
    """A trainee's progress over every unit of the map."""

    trainee: str
    units: tuple[UnitProgress, ...]

    @property
    def complete(self) -> bool:
        return all(unit.achieved for unit in self.units)

    @property
    def achieved(self) -> tuple[UnitProgress, ...]:
        """The units achieved (a statement lists exactly these)."""
        return tuple(unit for unit in self.units if unit.achieved)

    def unit(self, code: str) -> UnitProgress:
        return next(u for u in self.units if u.unit.code == code)


def latest_sign_offs(sign_offs: Iterable[SignOff]) -> dict[tuple[str, str], SignOff]:
    """The sign-off in force per (unit, criterion): the latest entry."""
    latest: dict[tuple[str, str], SignOff] = {}
    for sign_off in sorted(sign_offs, key=lambda s: s.entry):
        latest[(sign_off.unit, sign_off.criterion)] = sign_off
    return latest


def met_occasions(sign_offs: Iterable[SignOff]) -> dict[tuple[str, str], int]:
    """(unit, criterion) -> on how many different occasions (sessions observed, or days) it
    was signed met."""
    seen: dict[tuple[str, str], set[str]] = {}
    for sign_off in sign_offs:
        if sign_off.outcome == MET:
            seen.setdefault((sign_off.unit, sign_off.criterion), set()).add(sign_off.occasion)
    return {key: len(found) for key, found in seen.items()}


def in_real_sessions(sign_offs: Iterable[SignOff], criteria: Iterable[str],
                     sessions: Iterable[EntryReview]) -> list[SignOff]:
    """The sign-offs that are evidence of ``criteria`` observed in a real session: a "met"
    only when it names one of ``sessions`` that counts as treatment (a "not yet" always)."""
    wanted = set(criteria)
    real = {s.entry.fingerprint for s in sessions if s.counts_as_treatment}
    return [s for s in sign_offs if s.criterion in wanted
            and (s.outcome != MET or s.session in real)]


def range_covered(competencies: CompetencyMap, unit: Unit,
                  sessions: Iterable[EntryReview]) -> dict[str, tuple[str, ...]]:
    """Range dimension -> the different values the unit's counted treatment sessions cover."""
    covered: dict[str, set[str]] = {code: set() for code in unit.range}
    for session in sessions:
        if not session.counts_as_treatment:
            continue
        for code, values in covered.items():
            if competencies.ranges[code].from_log:
                values.update(line.area for line in session.entry.log if line.area)
            elif getattr(session.entry, code, ""):
                values.add(getattr(session.entry, code))
    return {code: tuple(sorted(values)) for code, values in covered.items()}


def latest_certificates(records: Iterable[CertificateRecord]
                        ) -> dict[str, CertificateRecord]:
    """certificate -> the latest one recorded."""
    return {r.certificate: r for r in sorted(records, key=lambda r: r.entry)}


def progress(competencies: CompetencyMap, trainee: str, knowledge: Mapping[str, float],
             sign_offs: Iterable[SignOff], sessions: Sequence[EntryReview],
             certificates: Iterable[CertificateRecord] = (), on: date | None = None
             ) -> TraineeProgress:
    """A trainee's progress. ``knowledge``: item id -> fraction earned (missing: not earned);
    ``on``: the day certificates must still be valid (None: today)."""
    mine_signed = [s for s in sign_offs if s.trainee == trainee]
    in_force = latest_sign_offs(mine_signed)
    days = met_occasions(mine_signed)
    held = latest_certificates(c for c in certificates if c.trainee == trainee)
    on = on or date.today()
    units = []
    for unit in competencies.units.values():
        mine = [s for s in sessions if s.entry.modality == unit.modality]
        real = [c for c in unit.criteria if competencies.criteria[c].in_session]
        seen = in_real_sessions((s for s in mine_signed if s.unit == unit.code), real, mine)
        in_session, real_days = latest_sign_offs(seen), met_occasions(seen)
        criteria = []
        for code in unit.criteria:
            criterion = competencies.criteria[code]
            items = unit.items_for(code)
            key = (unit.code, code)
            criteria.append(CriterionProgress(
                code=code, text=criterion.text, knowledge_items=items,
                knowledge_missing=tuple(i for i in items if knowledge.get(i, 0.0) < 1.0),
                observed_needed=criterion.observed,
                sign_off=(in_session if criterion.in_session else in_force).get(key),
                occasions=criterion.occasions,
                met_days=(real_days if criterion.in_session else days).get(key, 0),
                in_session=criterion.in_session))
        units.append(UnitProgress(
            unit=unit, criteria=tuple(criteria),
            sessions_counted=sum(s.counts_as_treatment for s in mine),
            sessions_flagged=sum(s.safety_flag for s in mine),
            minutes=sum(s.entry.minutes for s in mine if s.counts),
            screenings_counted=sum(s.counts for s in mine),
            sessions_awaiting=sum(bool(s.awaiting) for s in mine),
            range_covered=range_covered(competencies, unit, mine),
            range_texts={code: competencies.ranges[code].text for code in unit.range},
            certificates={code: held.get(code) for code in unit.certificates}, on=on))
    return TraineeProgress(trainee=trainee, units=tuple(units))
