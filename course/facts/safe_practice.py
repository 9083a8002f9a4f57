"""Facts of safe practice (lesson 07), read from ``course/data/safety.toml`` and validated.

Infection control with liquid nitrogen, nitrogen and oxygen, the flask, emergencies (steps in
order), consent, intake, preparation and records. Every entry names its sources (checked
against ``sources.toml``) and says what it rests on: law in many places, published evidence or
advice, a named standard, or vendor practice only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from course.facts import schemas
from course.facts.knowledge import (
    KnowledgeError,
    find,
    load,
    packaged_data_directory,
    spellings,
)
from course.facts.reader import Document, Entry, code_table, named, read
from course.facts.schemas import RECORDS, STATUSES, TOPICS

FILE = "safety.toml"
STATUS_LABELS = MappingProxyType({
    "law": "law in many places (local rules decide the details)",
    "published": "published evidence or official health advice",
    "standard": "a named standard or code of practice (good practice; law where adopted)",
    "course": "the course's own rule, as good practice (local law decides what is required)",
    "vendor": "vendor practice only (no published study or standard found)",
})


@dataclass(frozen=True)
class Fact:
    """One number or statement with what it rests on."""

    text: str
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class OxygenFacts:
    """The numbers the oxygen model and the lesson use."""

    fresh_percent: float
    deficiency_percent: float
    evacuate_percent: float
    expansion_ratio: float
    deficiency: Fact
    evacuate: Fact
    expansion: Fact
    fresh_sources: tuple[str, ...]


@dataclass(frozen=True)
class OxygenLevel:
    """What a person feels between two oxygen levels (percent)."""

    below_percent: float
    down_to_percent: float
    effect: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SeedClaim:
    """A claim from a seed article that the course teaches as wrong, and why."""

    code: str
    quote: str
    seed: str
    verdict: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PracticeRule:
    """A rule of safe practice, with its topic, status and sources."""

    code: str
    topic: str
    name: str
    text: str
    status: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RecordField:
    """One field of a session record or an incident record."""

    code: str
    record: str
    name: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One action in an emergency; ``never`` marks an action that must never be done."""

    code: str
    name: str
    aliases: tuple[str, ...]
    never: bool = False
    why_never: str = ""


@dataclass(frozen=True)
class Emergency:
    """An emergency: its steps in order, the ones whose order is critical, when to call; the
    steps a fair examiner also accepts (``also_right``: they neither earn nor cost) and why."""

    code: str
    name: str
    steps: tuple[str, ...]
    critical: tuple[str, ...]
    call_emergency_when: str
    status: str
    sources: tuple[str, ...]
    also_right: tuple[str, ...] = ()
    also_right_why: str = ""


@dataclass(frozen=True)
class SafePractice:
    """Everything in safety.toml, as read-only mappings by code."""

    oxygen: OxygenFacts
    oxygen_levels: tuple[OxygenLevel, ...]
    seed_claims: Mapping[str, SeedClaim]
    rules: Mapping[str, PracticeRule]
    record_fields: Mapping[str, RecordField]
    steps: Mapping[str, Step]
    emergencies: Mapping[str, Emergency]


# --------------------------------------------------------------------------- reading


def _fact(entry: Entry, prefix: str) -> Fact:
    return Fact(entry.text(f"{prefix}_text"), entry.choice(f"{prefix}_status", STATUSES),
                _nonempty(entry, f"{prefix}_sources"))


def _nonempty(entry: Entry, key: str) -> tuple[str, ...]:
    codes = entry.texts(key)
    if not codes:
        raise entry.fail(f"{key} names no source")
    return codes


def _oxygen(document: Document) -> OxygenFacts:
    entry = document.table("oxygen", "the [oxygen] table is missing")
    facts = OxygenFacts(
        fresh_percent=entry.number("fresh_percent"),
        deficiency_percent=entry.number("deficiency_percent"),
        evacuate_percent=entry.number("evacuate_percent"),
        expansion_ratio=entry.number("expansion_ratio"),
        deficiency=_fact(entry, "deficiency"),
        evacuate=_fact(entry, "evacuate"),
        expansion=_fact(entry, "expansion"),
        fresh_sources=_nonempty(entry, "fresh_sources"),
    )
    if not 0 < facts.evacuate_percent < facts.deficiency_percent < facts.fresh_percent <= 100:
        raise entry.fail("need 0 < evacuate_percent < deficiency_percent < fresh_percent")
    return facts


def _level(entry: Entry) -> OxygenLevel:
    level = OxygenLevel(entry.number("below_percent"), entry.number("down_to_percent"),
                        entry.text("effect"), entry.sources())
    if not level.down_to_percent < level.below_percent:
        raise entry.fail("down_to_percent must be below below_percent")
    return level


def _seed_claim(entry: Entry) -> SeedClaim:
    return SeedClaim(entry.text("code"), entry.text("quote"), entry.text("seed"),
                     entry.text("verdict"), entry.sources())


def _rule(entry: Entry) -> PracticeRule:
    return PracticeRule(entry.text("code"), entry.choice("topic", TOPICS), entry.text("name"),
                        entry.text("text"), entry.choice("status", STATUSES), entry.sources())


def _record_field(entry: Entry) -> RecordField:
    return RecordField(entry.text("code"), entry.choice("record", RECORDS), entry.text("name"),
                       entry.text("text"), entry.sources())


def _step(entry: Entry) -> Step:
    never = entry.get("never", bool, False)
    why = entry.text("why_never", "")
    if never and not why:
        raise entry.fail("a step that must never be done needs why_never")
    return Step(entry.text("code"), entry.text("name"), entry.texts("aliases", ()), never, why)


def _emergency(entry: Entry) -> Emergency:
    steps, critical = entry.texts("steps"), entry.texts("critical")
    if len(set(steps)) != len(steps) or not steps:
        raise entry.fail("steps must be a non-empty list without repeats")
    if [code for code in steps if code in critical] != list(critical) or len(critical) < 2:
        raise entry.fail("critical must be two or more of the steps, in the same order")
    also = entry.texts("also_right", ())
    why = entry.text("also_right_why", "")
    if set(also) & set(steps) or bool(also) != bool(why):
        raise entry.fail("also_right lists steps that are not among the steps, with also_right_why")
    return Emergency(entry.text("code"), entry.text("name"), steps, critical,
                     entry.text("call_emergency_when"), entry.choice("status", STATUSES),
                     entry.sources(), also, why)


def _check(practice: SafePractice, sources: Mapping[str, object]) -> None:
    """Every seed and step named exists, and no step to do is one never to do (the reader has
    checked the sources)."""

    def need(label: str, codes: tuple[str, ...], valid: Mapping[str, object], kind: str) -> None:
        for code in codes:
            if code not in valid:
                raise KnowledgeError(f"{FILE}: {label}: unknown {kind} {code!r}")

    for claim in practice.seed_claims.values():
        need(claim.code, (claim.seed,), sources, "seed")
    for emergency in practice.emergencies.values():
        need(emergency.code, emergency.steps + emergency.also_right, practice.steps, "step")
        bad = [code for code in emergency.steps + emergency.also_right
               if practice.steps[code].never]
        if bad:
            raise KnowledgeError(f"{FILE}: {emergency.code}: a step that must never be done "
                                 f"is listed as a step to do: {bad}")


def load_directory(directory: str | Path) -> SafePractice:
    """Read and validate safety.toml in ``directory`` (sources from the packaged data)."""
    sources = load().sources
    document = read(Path(directory) / FILE, schemas.SAFETY, sources)
    practice = SafePractice(
        oxygen=_oxygen(document),
        oxygen_levels=tuple(_level(e) for e in document.entries("oxygen_level")),
        seed_claims=code_table(document.entries("seed_claim"), _seed_claim),
        rules=code_table(document.entries("rule"), _rule),
        record_fields=code_table(document.entries("record_field"), _record_field),
        steps=code_table(document.entries("step"), _step, named),
        emergencies=code_table(document.entries("emergency"), _emergency),
    )
    _check(practice, sources)
    return practice


@functools.cache
def safe_practice() -> SafePractice:
    """The course's safe-practice facts (read once, then cached)."""
    return load_directory(packaged_data_directory())


# --------------------------------------------------------------------------- lookups


def find_rule(name: str) -> PracticeRule:
    """A safe-practice rule by code or name."""
    return find(safe_practice().rules, name, "safe-practice rule")


def find_emergency(name: str) -> Emergency:
    """An emergency by code or name."""
    return find(safe_practice().emergencies, name, "emergency")


def step_spellings() -> dict[str, str]:
    """Every spelling of every emergency step (code, words, aliases) -> its code."""
    return spellings(safe_practice().steps)


def rules_about(topic: str) -> tuple[PracticeRule, ...]:
    """The rules of one topic, in the data's order."""
    if topic not in TOPICS:
        raise KnowledgeError(f"Unknown topic {topic!r} (topics: {', '.join(TOPICS)}).")
    return tuple(rule for rule in safe_practice().rules.values() if rule.topic == topic)


def record_fields(record: str) -> tuple[RecordField, ...]:
    """The fields of a session or an incident record."""
    if record not in RECORDS:
        raise KnowledgeError(f"Unknown record {record!r} (records: {', '.join(RECORDS)}).")
    return tuple(f for f in safe_practice().record_fields.values() if f.record == record)


def oxygen_effect(percent: float) -> str:
    """What a person may feel at ``percent`` oxygen (from the oxygen-level table)."""
    for level in safe_practice().oxygen_levels:
        if level.down_to_percent <= percent < level.below_percent:
            return level.effect
    if percent >= safe_practice().oxygen.deficiency_percent:
        return "Normal air for breathing."
    return safe_practice().oxygen_levels[-1].effect


__all__ = [
    "STATUSES", "STATUS_LABELS", "TOPICS", "Emergency", "Fact", "OxygenFacts", "OxygenLevel",
    "PracticeRule", "RecordField", "SafePractice", "SeedClaim", "Step", "find_emergency",
    "find_rule", "load_directory", "oxygen_effect", "record_fields", "rules_about",
    "safe_practice", "step_spellings",
]
