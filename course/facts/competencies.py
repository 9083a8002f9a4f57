"""The competency map (``course/data/competencies.toml``): units, criteria and their evidence.

One unit per modality the course covers. Each criterion is met by knowledge (full marks on
every course item the unit links to it) and, where ``observed``, by an assessor's sign-off of
a real session. The criteria are the course's own; ``policy.modelled_on`` names the sources
whose way of assessing practical competence they follow (checked against ``sources.toml``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from course.facts import schemas
from course.facts.knowledge import KnowledgeError, load, packaged_data_directory
from course.facts.reader import Entry, code_table, read
from course.facts.schemas import CATEGORIES

FILE = "competencies.toml"
RECOGNISE_AND_REFER = "recognise_and_refer"
REFER_TITLE = "Recognise and refer: "
OXYGEN_TIMES: tuple[str, ...] = ("before", "during", "after")  # when a reading was taken


@dataclass(frozen=True)
class Criterion:
    """What a trainee must show; ``observed``: an assessor must see it (in a real session, or
    a simulated emergency); ``occasions``: on how many different days it must be signed met;
    ``emergency``: the course's emergency (safety.toml) whose steps it observes;
    ``in_session``: signed met only on a logged session that counts (a client treated, its
    supervisor's attestation, no safety flag); ``oxygen_readings``: the oxygen monitor's
    readings that session's log must record; ``rules``, ``basis``, ``sources``: the rules of
    safe practice it observes, what it rests on (safety.toml's statuses; "course": the
    course's own) and its sources."""

    code: str
    category: str
    text: str
    observed: bool
    occasions: int = 1
    emergency: str = ""
    in_session: bool = False
    oxygen_readings: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    basis: str = ""
    basis_note: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class RangeDimension:
    """A range the counted sessions must cover (the course's own): areas from the session
    log (``from_log``), or one of ``values`` the trainee records for the session."""

    code: str
    text: str
    values: tuple[str, ...]
    from_log: bool


@dataclass(frozen=True)
class Certificate:
    """A certificate the assessor checks and records, with the sources that ask for it."""

    code: str
    text: str
    sources: tuple[str, ...]
    not_required_note: str


@dataclass(frozen=True)
class Unit:
    """One modality's unit: its criteria, the items evidencing each, the sessions it needs."""

    code: str
    modality: str
    criteria: tuple[str, ...]
    items: Mapping[str, tuple[str, ...]]
    min_sessions: int
    title: str = ""  # what the trainee, the assessor and a statement read
    range: Mapping[str, int] = field(default_factory=dict)  # dimension -> values needed
    certificates: tuple[str, ...] = ()

    @property
    def recognise_and_refer(self) -> bool:
        """A physician's procedure: the unit certifies recognising and referring, never doing."""
        return self.criteria == (RECOGNISE_AND_REFER,)

    def items_for(self, criterion: str) -> tuple[str, ...]:
        """The course items whose full marks evidence this criterion's knowledge."""
        return self.items.get(criterion, ())


@dataclass(frozen=True)
class CompetencyMap:
    """Every unit and criterion, and what the map rests on."""

    criteria: Mapping[str, Criterion]
    units: Mapping[str, Unit]
    basis: str
    modelled_on: tuple[str, ...]
    min_sessions_note: str
    ranges: Mapping[str, RangeDimension] = field(default_factory=dict)
    certificates: Mapping[str, Certificate] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)  # occasions, range, expiry

    def unit_for(self, modality: str) -> Unit:
        """The unit of a modality (KnowledgeError if the course has none)."""
        for unit in self.units.values():
            if unit.modality == modality:
                return unit
        raise KnowledgeError(f"{FILE}: no unit for the modality {modality!r}")

    def oxygen_readings_for(self, modality: str) -> tuple[str, ...]:
        """When a logged session of ``modality`` must record the room's oxygen (none: the
        log asks for no reading)."""
        unit = next((u for u in self.units.values() if u.modality == modality), None)
        wanted = {when for code in (unit.criteria if unit else ())
                  for when in self.criteria[code].oxygen_readings}
        return tuple(when for when in OXYGEN_TIMES if when in wanted)

    def linked_items(self) -> frozenset[str]:
        """Every course item the map links to (a test checks each exists)."""
        return frozenset(item for unit in self.units.values()
                         for items in unit.items.values() for item in items)


def _criterion(entry: Entry, occasions: int) -> Criterion:
    observed = entry.get("observed", bool)
    times = entry.get("occasions", int, occasions if observed else 1)
    if times < 1:
        raise entry.fail("occasions must be 1 or more")
    emergency = entry.text("emergency", "")
    in_session = entry.get("in_session", bool, False)
    readings = entry.texts("oxygen_readings", ())
    if in_session and (not observed or emergency):
        raise entry.fail("in_session is for a criterion observed in a real session, not an "
                         "emergency")
    if readings and (not in_session or any(r not in OXYGEN_TIMES for r in readings)):
        raise entry.fail(f"oxygen_readings (of {', '.join(OXYGEN_TIMES)}) are read in a real "
                         "session: the criterion needs in_session = true")
    sources = entry.texts("sources", ())
    basis = entry.text("basis", "")
    if bool(basis) != bool(sources):
        raise entry.fail("a criterion that names its basis names its sources, and back")
    return Criterion(code=entry.text("code"), category=entry.choice("category", CATEGORIES),
                     text=entry.text("text"), observed=observed, occasions=times,
                     emergency=emergency, in_session=in_session, oxygen_readings=readings,
                     rules=entry.texts("rules", ()), basis=basis,
                     basis_note=entry.text("basis_note", ""), sources=sources)


def _range(entry: Entry) -> RangeDimension:
    from_log = entry.get("from_log", bool, False)
    values = entry.texts("values", ())
    if from_log == bool(values):
        raise entry.fail("a range is read from the log or lists its values, one of the two")
    return RangeDimension(code=entry.text("code"), text=entry.text("text"), values=values,
                          from_log=from_log)


def _certificate(entry: Entry) -> Certificate:
    return Certificate(code=entry.text("code"), text=entry.text("text"),
                       sources=entry.texts("sources") + entry.texts("not_required_sources", ()),
                       not_required_note=entry.text("not_required_note", ""))


def _unit(entry: Entry, criteria: Mapping[str, Criterion],
          ranges: Mapping[str, RangeDimension], certificates: Mapping[str, Certificate]
          ) -> Unit:
    listed = entry.texts("criteria")
    unknown = [code for code in listed if code not in criteria]
    if unknown:
        raise entry.fail(f"unknown criteria {unknown}")
    raw_items = entry.get("items", dict, {})
    items: dict[str, tuple[str, ...]] = {}
    for criterion, codes in raw_items.items():
        if criterion not in listed:
            raise entry.fail(f"items given for {criterion!r}, which the unit does not list")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise entry.fail(f"items of {criterion!r} must be a list of item ids")
        items[criterion] = tuple(codes)
    for code in listed:
        if not criteria[code].observed and not items.get(code):
            raise entry.fail(f"criterion {code!r} is evidenced by knowledge only, so it needs "
                             "at least one course item")
    sessions = entry.get("min_sessions", int)
    if sessions < 0:
        raise entry.fail("min_sessions must be 0 or more")
    if sessions == 0 and any(criteria[code].observed for code in listed):
        raise entry.fail("a unit with observed criteria needs at least one session")
    wanted = entry.get("range", dict, {})
    for dimension, number in wanted.items():
        if dimension not in ranges:
            raise entry.fail(f"unknown range {dimension!r}")
        if not isinstance(number, int) or isinstance(number, bool) or not number >= 1:
            raise entry.fail(f"range {dimension!r} needs a number of 1 or more")
        if ranges[dimension].values and number > len(ranges[dimension].values):
            raise entry.fail(f"range {dimension!r} asks for more values than it has")
    needed = entry.texts("certificates", ())
    unknown = [code for code in needed if code not in certificates]
    if unknown:
        raise entry.fail(f"unknown certificates {unknown}")
    return Unit(code=entry.text("code"), modality=entry.text("modality"), criteria=listed,
                items=MappingProxyType(items), min_sessions=sessions,
                title=entry.text("code").replace("_", " "),
                range=MappingProxyType(dict(wanted)), certificates=needed)


def unit_title(modality_name: str, criteria: tuple[str, ...]) -> str:
    """A unit's title: the modality's name, or "Recognise and refer: ..." for a physician's
    procedure, so that no one reads competence to perform it."""
    refer = criteria == (RECOGNISE_AND_REFER,)
    return (REFER_TITLE + modality_name) if refer else modality_name


def load_directory(directory: Path) -> CompetencyMap:
    """Read and check the competency map in ``directory`` (with the knowledge base there)."""
    knowledge = load() if directory == packaged_data_directory() else None
    document = read(directory / FILE, schemas.COMPETENCIES,
                    None if knowledge is None else knowledge.sources)
    policy = document.table("policy")
    occasions = policy.get("occasions", int, 1)
    criteria = code_table(document.entries("criterion"),
                          lambda entry: _criterion(entry, occasions))
    ranges = code_table(document.entries("range"), _range)
    certificates = code_table(document.entries("certificate"), _certificate)
    units = dict(code_table(document.entries("unit"),
                            lambda entry: _unit(entry, criteria, ranges, certificates)))
    modelled_on = policy.texts("modelled_on")
    if knowledge is not None:
        from course.facts.safe_practice import STATUSES, safe_practice

        practice = safe_practice()
        for criterion in criteria.values():
            problems = [f"unknown rule {r!r}" for r in criterion.rules
                        if r not in practice.rules]
            if criterion.emergency and criterion.emergency not in practice.emergencies:
                problems.append(f"unknown emergency {criterion.emergency!r}")
            problems += [f"unknown source {s!r}" for s in criterion.sources
                         if s not in knowledge.sources]
            if criterion.basis and criterion.basis not in STATUSES:
                problems.append(f"basis {criterion.basis!r} is not one of {', '.join(STATUSES)}")
            if problems:
                raise KnowledgeError(f"{FILE}: criterion {criterion.code!r}: "
                                     + "; ".join(problems))
        for unit in list(units.values()):
            if unit.modality not in knowledge.modalities:
                raise KnowledgeError(f"{FILE}: unit {unit.code!r}: unknown modality "
                                     f"{unit.modality!r}")
            practised = any(criteria[code].observed for code in unit.criteria)
            cosmetic = knowledge.modalities[unit.modality].performer == "cosmetologist"
            if practised != cosmetic:
                raise KnowledgeError(
                    f"{FILE}: unit {unit.code!r}: {unit.modality} is performed by "
                    f"{knowledge.modalities[unit.modality].performer} in this course, so its "
                    "unit " + ("needs observed practice" if cosmetic else
                               "is recognise-and-refer only (no practice is observed)"))
            units[unit.code] = dataclasses.replace(unit, title=unit_title(
                knowledge.modalities[unit.modality].name, unit.criteria))
    return CompetencyMap(criteria=MappingProxyType(criteria), units=MappingProxyType(units),
                         basis=policy.choice("basis", ("course",)), modelled_on=modelled_on,
                         min_sessions_note=policy.text("min_sessions_note"),
                         ranges=MappingProxyType(ranges),
                         certificates=MappingProxyType(certificates),
                         notes=MappingProxyType({key: policy.text(f"{key}_note", "") for key in
                                                 ("occasions", "range", "expiry")}))


@functools.cache
def competency_map() -> CompetencyMap:
    """The course's competency map (read once)."""
    return load_directory(packaged_data_directory())
