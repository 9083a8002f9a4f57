"""A trainee's progress against the competency map: pure, from evidence already gathered.

Evidence comes in three kinds: knowledge (the fraction earned on each course item, from the
gradebook), observation (assessors' sign-offs, the latest per criterion counts) and practice
(reviewed log entries: sessions that count, and minutes per modality). A criterion is met when
every kind of evidence it asks for is there; a unit is achieved when all its criteria are met
and enough sessions count. Nothing here reads files or the gradebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
class CriterionProgress:
    """One criterion of one unit: what is there and what is missing, in plain words."""

    code: str
    text: str
    knowledge_items: tuple[str, ...]
    knowledge_missing: tuple[str, ...]  # linked items without full marks
    observed_needed: bool
    sign_off: SignOff | None

    @property
    def knowledge_met(self) -> bool:
        return not self.knowledge_missing

    @property
    def observed_met(self) -> bool:
        return not self.observed_needed or (self.sign_off is not None
                                            and self.sign_off.outcome == MET)

    @property
    def met(self) -> bool:
        return self.knowledge_met and self.observed_met

    def missing(self) -> tuple[str, ...]:
        """What this criterion still lacks, as sentences."""
        gaps = []
        if self.knowledge_missing:
            gaps.append("full marks on " + ", ".join(self.knowledge_missing))
        if not self.observed_met:
            gaps.append("an assessor's sign-off as met" if self.sign_off is None else
                        f"a new observation (last: {self.sign_off.outcome}, "
                        f"{self.sign_off.at:%Y-%m-%d})")
        return tuple(gaps)


@dataclass(frozen=True)
class UnitProgress:
    """One unit: its criteria, the sessions that count, the minutes logged."""

    unit: Unit
    criteria: tuple[CriterionProgress, ...]
    sessions_counted: int
    sessions_flagged: int
    minutes: float

    @property
    def achieved(self) -> bool:
        return (all(c.met for c in self.criteria)
                and self.sessions_counted >= self.unit.min_sessions)

    def missing(self) -> tuple[str, ...]:
        gaps = [f"{c.code}: {gap}" for c in self.criteria for gap in c.missing()]
        if self.sessions_counted < self.unit.min_sessions:
            gaps.append(f"sessions: {self.sessions_counted} of {self.unit.min_sessions} "
                        "supervised sessions counted")
        return tuple(gaps)


@dataclass(frozen=True)
class TraineeProgress:
    """A trainee's progress over every unit of the map."""

    trainee: str
    units: tuple[UnitProgress, ...]

    @property
    def complete(self) -> bool:
        return all(unit.achieved for unit in self.units)

    def unit(self, code: str) -> UnitProgress:
        return next(u for u in self.units if u.unit.code == code)


def latest_sign_offs(sign_offs: Iterable[SignOff]) -> dict[tuple[str, str], SignOff]:
    """The sign-off in force per (unit, criterion): the latest entry."""
    latest: dict[tuple[str, str], SignOff] = {}
    for sign_off in sorted(sign_offs, key=lambda s: s.entry):
        latest[(sign_off.unit, sign_off.criterion)] = sign_off
    return latest


def progress(competencies: CompetencyMap, trainee: str, knowledge: Mapping[str, float],
             sign_offs: Iterable[SignOff], sessions: Sequence[EntryReview]) -> TraineeProgress:
    """A trainee's progress. ``knowledge``: item id -> fraction earned (missing: not earned)."""
    in_force = latest_sign_offs(s for s in sign_offs if s.trainee == trainee)
    units = []
    for unit in competencies.units.values():
        criteria = []
        for code in unit.criteria:
            criterion = competencies.criteria[code]
            items = unit.items_for(code)
            criteria.append(CriterionProgress(
                code=code, text=criterion.text, knowledge_items=items,
                knowledge_missing=tuple(i for i in items if knowledge.get(i, 0.0) < 1.0),
                observed_needed=criterion.observed, sign_off=in_force.get((unit.code, code))))
        mine = [s for s in sessions if s.entry.modality == unit.modality]
        units.append(UnitProgress(
            unit=unit, criteria=tuple(criteria),
            sessions_counted=sum(s.counts for s in mine),
            sessions_flagged=sum(s.safety_flag for s in mine),
            minutes=sum(s.entry.minutes for s in mine if s.entry.declared_own_work)))
    return TraineeProgress(trainee=trainee, units=tuple(units))
