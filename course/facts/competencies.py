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
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from course.facts.knowledge import (
    KnowledgeError,
    _entries,
    _Entry,
    _read,
    load,
    packaged_data_directory,
)

FILE = "competencies.toml"
RECOGNISE_AND_REFER = "recognise_and_refer"
REFER_TITLE = "Recognise and refer: "
CATEGORIES: tuple[str, ...] = ("knowledge", "screening", "preparation", "treatment",
                               "aftercare", "safety", "records")


@dataclass(frozen=True)
class Criterion:
    """What a trainee must show; ``observed``: an assessor must see it in a real session."""

    code: str
    category: str
    text: str
    observed: bool


@dataclass(frozen=True)
class Unit:
    """One modality's unit: its criteria, the items evidencing each, the sessions it needs."""

    code: str
    modality: str
    criteria: tuple[str, ...]
    items: Mapping[str, tuple[str, ...]]
    min_sessions: int
    title: str = ""  # what the trainee, the assessor and a statement read

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

    def unit_for(self, modality: str) -> Unit:
        """The unit of a modality (KnowledgeError if the course has none)."""
        for unit in self.units.values():
            if unit.modality == modality:
                return unit
        raise KnowledgeError(f"{FILE}: no unit for the modality {modality!r}")

    def linked_items(self) -> frozenset[str]:
        """Every course item the map links to (a test checks each exists)."""
        return frozenset(item for unit in self.units.values()
                         for items in unit.items.values() for item in items)


def _criterion(entry: _Entry) -> Criterion:
    return Criterion(code=entry.text("code"), category=entry.choice("category", CATEGORIES),
                     text=entry.text("text"), observed=entry.get("observed", bool))


def _unit(entry: _Entry, criteria: Mapping[str, Criterion]) -> Unit:
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
    return Unit(code=entry.text("code"), modality=entry.text("modality"), criteria=listed,
                items=MappingProxyType(items), min_sessions=sessions,
                title=entry.text("code").replace("_", " "))


def unit_title(modality_name: str, criteria: tuple[str, ...]) -> str:
    """A unit's title: the modality's name, or "Recognise and refer: ..." for a physician's
    procedure, so that no one reads competence to perform it."""
    refer = criteria == (RECOGNISE_AND_REFER,)
    return (REFER_TITLE + modality_name) if refer else modality_name


def load_directory(directory: Path) -> CompetencyMap:
    """Read and check the competency map in ``directory`` (with the knowledge base there)."""
    criteria = {c.code: c for c in map(_criterion, _entries(directory, FILE, "criterion"))}
    units: dict[str, Unit] = {}
    for entry in _entries(directory, FILE, "unit"):
        unit = _unit(entry, criteria)
        if unit.code in units:
            raise entry.fail("duplicate unit")
        units[unit.code] = unit
    policy = _Entry(FILE, "policy", _read(directory, FILE).get("policy", {}), 0)
    knowledge = load() if directory == packaged_data_directory() else None
    modelled_on = policy.texts("modelled_on")
    if knowledge is not None:
        for code in modelled_on:
            if code not in knowledge.sources:
                raise policy.fail(f"unknown source {code!r}")
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
                         min_sessions_note=policy.text("min_sessions_note"))


@functools.cache
def competency_map() -> CompetencyMap:
    """The course's competency map (read once)."""
    return load_directory(packaged_data_directory())
