"""The course's single source of facts: TOML files in course/data/, loaded and validated.

Every entry names its sources. `load()` reads the packaged data once (cached);
`load_directory(path)` reads another directory (used by tests to check validation).

The screening decision has two parts, both defined in ``decisions.toml``:

* **treatment today** for the booked treatment, one of ``TREATMENTS`` (most restrictive
  first): ``refuse`` (the cold is dangerous for this client for this treatment while the
  condition lasts, or the treatment is not a cosmetologist's to give), ``clearance`` (not
  until a doctor's written OK), ``defer`` (not today: until when), ``modify`` (go ahead with a
  change: what to change), ``proceed``;
* **referral**: ``"none"`` or who the client should see and why (``knowledge.referrals``:
  ``gp``, ``dermatologist``, ``specialist``, ``physician``), independent of the treatment.

A `Condition` or `Rule` gives each part for each modality: ``treatment_for(modality)``,
``referral`` and ``action_for(treatment)`` (what to change, until when, whose OK). A local
condition (``scope = "local"``) matters only where it is on the body: ``knowledge.site_covers``
says which body areas a treated site covers, and `sites_overlap` compares two sites.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from course.facts import schemas
from course.facts.reader import (
    Document,
    Entry,
    KnowledgeError,
    code_table,
    named,
    read,
    read_toml,
)
from course.facts.schemas import (
    EVIDENCE_LEVELS,
    LIMIT_KINDS,
    MAX_BASIS_KINDS,
    PERFORMERS,
    SCOPES,
    SIDE_EFFECT_KINDS,
    SOURCE_KINDS,
    TREATMENTS,
    TRIGGER_OPERATORS,
)
from course.foundation.names import did_you_mean, normalise_name

NO_REFERRAL = "none"
"""The referral part when the client need not see anyone."""

# What each kind and level means, in a trainee's words (care.toml and claims.toml say the same)
SIDE_EFFECT_KIND_MEANINGS: dict[str, str] = {
    "normal": "expected, tell the client and record it",
    "stop_and_report": "stop, record, refer",
}
EVIDENCE_LEVEL_MEANINGS: dict[str, str] = {
    "supported": "published studies back it (within stated limits)",
    "weak": "only small, uncontrolled or indirect studies",
    "unsupported": "no published source supports it",
    "marketing": "a slogan that the sources contradict",
}

DATA_FILES: tuple[str, ...] = (
    "sources.toml",
    "modalities.toml",
    "conditions.toml",
    "care.toml",
    "claims.toml",
    "conflicts.toml",
    "rules.toml",
    "decisions.toml",
    "requests.toml",
)
"""The files this module reads (the schemas of all data files: course.facts.schemas)."""

# The reader's names as this module had them before course.facts.reader (kept for old imports).
_Entry = Entry
_read = read_toml
_by_code = code_table
_named = named


class UnknownNameError(LookupError):
    """A name that matches no entry; `.suggestions` lists the closest valid names."""

    def __init__(self, kind: str, name: str, suggestions: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        message = f"Unknown {kind} {name!r}."
        if self.suggestions:
            message += " Did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            message += f" No {kind} has a similar name."
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


def most_restrictive(treatments: Iterable[str]) -> str:
    """Return the most restrictive of `treatments` ("proceed" when there are none)."""
    ranks = [TREATMENTS.index(treatment) for treatment in treatments]
    return TREATMENTS[min(ranks)] if ranks else "proceed"


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Source:
    """A seed article, a published source or vendor practice."""

    code: str
    title: str
    kind: str
    short: str = ""
    authors: str = ""
    year: int | None = None
    where: str = ""
    checked_in_full: bool = False


@dataclass(frozen=True)
class Limit:
    """A per-spot or per-area time limit inside a modality (``sites``: the areas a per-area
    limit is for; empty: every area)."""

    scope: str  # in words, for the trainee: "per spot", "at or below -135 °C"
    max_s: float
    text: str
    basis_kind: str
    sources: tuple[str, ...]
    sites: tuple[str, ...] = ()
    kind: str = "other"  # what it counts (schemas.LIMIT_KINDS)
    at_or_below_c: float | None = None  # a "cold_chamber" limit: applies at or below this


@dataclass(frozen=True)
class Modality:
    """A way of delivering cold, with its limits and who may perform it."""

    code: str
    name: str
    aliases: tuple[str, ...]
    delivery: str
    agent: str
    agent_temp_c: tuple[float, float] | None
    session_s: tuple[float, float] | None
    session_text: str
    max_exposure_s: float | None
    max_scope: str  # what the headline maximum counts, in words: "per session", "per freeze"
    max_basis: str
    max_basis_kind: str
    limits: tuple[Limit, ...]
    sessions: tuple[int, int] | None
    sessions_text: str
    interval_days: int | None
    interval_basis: str
    performer: str
    performer_basis: str
    precautions: tuple[str, ...]
    expected_result: str
    evidence_level: str
    observation_minutes: int
    sites: tuple[str, ...]
    whole_body: bool
    sources: tuple[str, ...]
    max_kind: str = "session"  # what the headline maximum counts (schemas.LIMIT_KINDS)


@dataclass(frozen=True)
class Condition:
    """A contraindication or screening condition: both parts of the decision it drives.

    ``treatment`` applies to every modality unless ``overrides`` names another for a modality.
    ``scope`` "local": it matters only where it is (``sites``: where it usually is, used when
    the intake does not say; empty: wherever the client says, assumed at the treated site).
    ``referral`` (a referral code, or "none") and its ``referral_reason`` drive the referral.
    """

    code: str
    name: str
    aliases: tuple[str, ...]
    treatment: str
    overrides: Mapping[str, str]
    rationale: str
    action: str
    sources: tuple[str, ...]
    scope: str = "systemic"
    sites: tuple[str, ...] = ()
    referral: str = NO_REFERRAL
    referral_reason: str = ""
    actions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    note: str = ""
    conflict: str = ""
    clearance_by: tuple[str, ...] = ()
    site_treatments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    forms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    wait_days: int | None = None

    def treatment_for(self, modality: str, site: str | None = None) -> str:
        """The treatment-today decision this condition gives for `modality` (a code) at the
        treated `site`: a modality override first, then the most restrictive of the
        ``site_treatments`` whose site overlaps the treated site, else the default."""
        if modality in self.overrides:
            return self.overrides[modality]
        if site is not None and self.site_treatments:
            hits = [treatment for place, treatment in self.site_treatments.items()
                    if sites_overlap(place, site)]
            if hits:
                return most_restrictive(hits)
        return self.treatment

    def referrals_for(self, treatment: str) -> tuple[str, ...]:
        """Who the client is sent to when the condition gives `treatment`: its referral, and
        for a clearance the doctor(s) who give the written OK (never "none" beside one)."""
        named = [] if self.referral == NO_REFERRAL else [self.referral]
        if treatment == "clearance":
            named += [who for who in self.clearance_by if who not in named]
        return tuple(named)

    def action_for(self, treatment: str) -> str:
        """What to do when the condition gives `treatment` (what to change, until when...)."""
        return self.actions.get(treatment, self.action)

    @property
    def local(self) -> bool:
        """Whether the condition matters only where it is on the body."""
        return self.scope == "local"

    @property
    def treatments(self) -> tuple[str, ...]:
        """Every treatment the condition can give (default, per modality, per site)."""
        return tuple(dict.fromkeys((self.treatment, *self.overrides.values(),
                                    *self.site_treatments.values())))


@dataclass(frozen=True)
class Trigger:
    """One test on an intake field: `field` `operator` `value`."""

    field: str
    operator: str
    value: Any


@dataclass(frozen=True)
class Rule:
    """A screening rule that reads intake numbers or facts rather than a condition name.

    It fires when any of its ``when`` tests is true (and none of ``unless_conditions`` is on the
    intake, and none of its ``unless`` tests is true). With ``as_condition`` it reports that
    condition; otherwise it gives ``treatment`` (for the modalities in ``modalities``, all if
    empty; ``overrides`` per modality) and its ``referral`` (none while a condition in
    ``no_referral_with`` is on the form).
    """

    code: str
    name: str
    when: tuple[Trigger, ...]
    treatment: str = "proceed"
    overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    modalities: tuple[str, ...] = ()
    as_condition: str = ""
    unless_conditions: tuple[str, ...] = ()
    unless: tuple[Trigger, ...] = ()
    rationale: str = ""
    action: str = ""
    actions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    referral: str = NO_REFERRAL
    referral_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    referral_reason: str = ""
    note: str = ""
    conflict: str = ""
    sources: tuple[str, ...] = ()
    no_referral_with: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # the client's everyday words for the finding ("wart")

    def treatment_for(self, modality: str) -> str:
        """The treatment for `modality`; "proceed" when the rule does not apply to it."""
        if self.modalities and modality not in self.modalities:
            return "proceed"
        return self.overrides.get(modality, self.treatment)

    def referral_for(self, modality: str) -> str:
        """The referral for `modality`; "none" when the rule does not apply to it."""
        if self.modalities and modality not in self.modalities:
            return NO_REFERRAL
        return self.referral_overrides.get(modality, self.referral)

    def action_for(self, treatment: str) -> str:
        """What to do when the rule gives `treatment`."""
        return self.actions.get(treatment, self.action)


@dataclass(frozen=True)
class Word:
    """One word of the decision vocabulary (a treatment or a referral) and its meaning."""

    code: str
    name: str
    meaning: str
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    """What a client asks for, read from the form's choice or from free text."""

    code: str
    name: str
    phrases: tuple[str, ...]
    explanation: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AftercareItem:
    """An aftercare instruction."""

    code: str
    name: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SideEffect:
    """A side effect: normal (record, reassure) or stop_and_report."""

    code: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    action: str
    sources: tuple[str, ...]
    refer_to: str = ""


@dataclass(frozen=True)
class Claim:
    """A claim made in the seeds and what the evidence says."""

    code: str
    name: str
    aliases: tuple[str, ...]
    evidence_level: str
    evidence: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Position:
    """One side of a disagreement."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """A disagreement between sources and the course rule that resolves it."""

    code: str
    number: int
    title: str
    positions: tuple[Position, ...]
    rule: str
    why: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Knowledge:
    """All facts, as read-only mappings by code."""

    sources: Mapping[str, Source]
    modalities: Mapping[str, Modality]
    conditions: Mapping[str, Condition]
    conflicts: Mapping[str, Conflict]
    claims: Mapping[str, Claim]
    aftercare: Mapping[str, AftercareItem]
    side_effects: Mapping[str, SideEffect]
    rules: Mapping[str, Rule]
    sites: tuple[str, ...]
    site_covers: Mapping[str, tuple[str, ...]]
    site_aliases: Mapping[str, str]
    treatments: Mapping[str, Word]
    referrals: Mapping[str, Word]
    intents: Mapping[str, Intent]
    unmatched_intent: str
    # code -> plain name, where it is not the code's words
    site_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def site_name(self, code: str) -> str:
        """A site's plain name as a form shows it ("eye_area" -> "eye area")."""
        return self.site_names.get(code) or code.replace("_", " ")


# --------------------------------------------------------------------------- reading


def _treatment_map(entry: Entry, key: str) -> Mapping[str, str]:
    value = entry.get(key, dict, {})
    for modality, treatment in value.items():
        if treatment not in TREATMENTS:
            raise entry.fail(f"unknown treatment {treatment!r} for {modality!r} in {key!r}")
    return MappingProxyType(dict(value))


def _action_map(entry: Entry) -> Mapping[str, str]:
    value = entry.get("actions", dict, {})
    for treatment, text in value.items():
        if treatment not in TREATMENTS or not isinstance(text, str):
            raise entry.fail(f"`actions` keys must be treatments, values text ({treatment!r})")
    return MappingProxyType(dict(value))


def _source(entry: Entry) -> Source:
    kind = entry.choice("kind", SOURCE_KINDS)
    return Source(
        code=entry.text("code"),
        title=entry.text("title"),
        kind=kind,
        short=entry.text("short", ""),
        authors=entry.text("authors", "" if kind == "seed" else ...),
        year=entry.get("year", int, None),
        where=entry.text("where", "" if kind == "seed" else ...),
        checked_in_full=entry.get("checked_in_full", bool, kind == "seed"),
    )


def _limit(entry: Entry, raw: Mapping[str, Any]) -> Limit:
    sub = Entry(entry.file, f"{entry.label} limit", raw, 0)
    kind = sub.choice("kind", LIMIT_KINDS)
    colder = sub.get("at_or_below_c", int | float, None)
    if (colder is None) == (kind == "cold_chamber"):
        raise sub.fail("a cold_chamber limit, and only one, gives at_or_below_c")
    return Limit(
        scope=sub.text("scope"),
        max_s=sub.get("max_s", int | float),
        text=sub.text("text"),
        basis_kind=sub.choice("basis_kind", MAX_BASIS_KINDS),
        sources=sub.sources(),
        sites=sub.texts("sites", ()),
        kind=kind,
        at_or_below_c=None if colder is None else float(colder),
    )


def _modality(entry: Entry) -> Modality:
    sessions = entry.pair("sessions")
    max_kind = entry.choice("max_basis_kind", MAX_BASIS_KINDS)
    max_exposure = entry.get("max_exposure_s", int | float, None)
    if (max_exposure is None) != (max_kind == "none"):
        raise entry.fail("give max_exposure_s, or max_basis_kind = 'none' (not both)")
    return Modality(
        code=entry.text("code"),
        name=entry.text("name"),
        aliases=entry.texts("aliases", ()),
        delivery=entry.text("delivery"),
        agent=entry.text("agent"),
        agent_temp_c=entry.pair("agent_temp_c"),
        session_s=entry.pair("session_s"),
        session_text=entry.text("session_text"),
        max_exposure_s=max_exposure,
        max_scope=entry.text("max_scope", "per session"),
        max_basis=entry.text("max_basis"),
        max_basis_kind=max_kind,
        limits=tuple(_limit(entry, raw) for raw in entry.get("limit", list, [])),
        sessions=(int(sessions[0]), int(sessions[1])) if sessions else None,
        sessions_text=entry.text("sessions_text", ""),
        interval_days=entry.get("interval_days", int, None),
        interval_basis=entry.text("interval_basis", ""),
        performer=entry.choice("performer", PERFORMERS),
        performer_basis=entry.text("performer_basis"),
        precautions=entry.texts("precautions"),
        expected_result=entry.text("expected_result"),
        evidence_level=entry.choice("evidence_level", EVIDENCE_LEVELS),
        observation_minutes=entry.get("observation_minutes", int),
        sites=entry.texts("sites"),
        whole_body=entry.get("whole_body", bool, False),
        sources=entry.sources(),
        max_kind=entry.choice("max_kind", LIMIT_KINDS, "session"),
    )


def _condition(entry: Entry) -> Condition:
    return Condition(
        code=entry.text("code"),
        name=entry.text("name"),
        aliases=entry.texts("aliases", ()),
        treatment=entry.choice("treatment", TREATMENTS),
        overrides=_treatment_map(entry, "overrides"),
        rationale=entry.text("rationale"),
        action=entry.text("action"),
        actions=_action_map(entry),
        sources=entry.sources(),
        scope=entry.choice("scope", SCOPES, "systemic"),
        sites=entry.texts("sites", ()),
        referral=entry.text("referral", NO_REFERRAL),
        referral_reason=entry.text("referral_reason", ""),
        note=entry.text("note", ""),
        conflict=entry.text("conflict", ""),
        clearance_by=entry.texts("clearance_by", ()),
        site_treatments=_treatment_map(entry, "site_treatments"),
        forms=MappingProxyType(dict(entry.get("forms", dict, {}))),
        wait_days=entry.get("wait_days", int, None),
    )


def _trigger(entry: Entry, raw: Any) -> Trigger:
    if not isinstance(raw, dict) or "field" not in raw or len(raw) != 2:
        raise entry.fail("each `when` test needs `field` and one operator")
    operator = next(key for key in raw if key != "field")
    if operator not in TRIGGER_OPERATORS:
        raise entry.fail(f"unknown operator {operator!r} (allowed: {', '.join(TRIGGER_OPERATORS)})")
    value = raw[operator]
    if operator == "contains_any":
        value = tuple(normalise_name(word) for word in value)
    return Trigger(field=raw["field"], operator=operator, value=value)


def _rule(entry: Entry) -> Rule:
    as_condition = entry.text("as_condition", "")
    when = tuple(_trigger(entry, raw) for raw in entry.get("when", list))
    unless = entry.texts("unless_conditions", ())
    unless_tests = tuple(_trigger(entry, raw) for raw in entry.get("unless", list, []))
    if as_condition:
        return Rule(code=entry.text("code"), name=entry.text("name"), when=when,
                    as_condition=as_condition, unless_conditions=unless)
    return Rule(
        code=entry.text("code"),
        name=entry.text("name"),
        when=when,
        treatment=entry.choice("treatment", TREATMENTS),
        overrides=_treatment_map(entry, "overrides"),
        modalities=entry.texts("modalities", ()),
        unless_conditions=unless,
        unless=unless_tests,
        rationale=entry.text("rationale"),
        action=entry.text("action"),
        actions=_action_map(entry),
        referral=entry.text("referral", NO_REFERRAL),
        referral_overrides=MappingProxyType(dict(entry.get("referral_overrides", dict, {}))),
        referral_reason=entry.text("referral_reason", ""),
        note=entry.text("note", ""),
        conflict=entry.text("conflict", ""),
        sources=entry.sources(),
        no_referral_with=entry.texts("no_referral_with", ()),
        aliases=entry.texts("aliases", ()),
    )


def _word(entry: Entry) -> Word:
    return Word(code=entry.text("code"), name=entry.text("name"), meaning=entry.text("meaning"),
                aliases=entry.texts("aliases", ()), sources=entry.texts("sources", ()))


def _intent(entry: Entry) -> Intent:
    return Intent(code=entry.text("code"), name=entry.text("name"),
                  phrases=tuple(normalise_name(p) for p in entry.texts("phrases", ())),
                  explanation=entry.text("explanation"), sources=entry.sources())


def _aftercare(entry: Entry) -> AftercareItem:
    return AftercareItem(entry.text("code"), entry.text("name"), entry.text("text"),
                         entry.sources())


def _side_effect(entry: Entry) -> SideEffect:
    return SideEffect(
        code=entry.text("code"),
        name=entry.text("name"),
        aliases=entry.texts("aliases", ()),
        kind=entry.choice("kind", SIDE_EFFECT_KINDS),
        action=entry.text("action"),
        sources=entry.sources(),
        refer_to=entry.text("refer_to", ""),
    )


def _claim(entry: Entry) -> Claim:
    return Claim(
        code=entry.text("code"),
        name=entry.text("name"),
        aliases=entry.texts("aliases", ()),
        evidence_level=entry.choice("evidence_level", EVIDENCE_LEVELS),
        evidence=entry.text("evidence"),
        sources=entry.sources(),
    )


def _conflict(entry: Entry) -> Conflict:
    positions = []
    for raw in entry.get("position", list):
        sub = Entry(entry.file, f"{entry.label} position", raw, 0)
        positions.append(Position(sub.text("text"), sub.sources()))
    if len(positions) < 2:
        raise entry.fail("a conflict needs at least two positions")
    return Conflict(
        code=entry.text("code"),
        number=entry.get("number", int),
        title=entry.text("title"),
        positions=tuple(positions),
        rule=entry.text("rule"),
        why=entry.text("why"),
        sources=entry.sources(),
    )


def _check_references(knowledge: Knowledge) -> None:
    """Every modality, condition, conflict, referral and site named in the data must exist
    (the reader has checked every source against sources.toml)."""

    def need(file: str, label: str, kind: str, code: str, valid: Mapping[str, Any] | tuple) -> None:
        if code not in valid:
            raise KnowledgeError(f"{file}: {label}: unknown {kind} {code!r}")

    for modality in knowledge.modalities.values():
        label = f"modality {modality.code!r}"
        for limit in modality.limits:
            for site in limit.sites:
                need("modalities.toml", f"{label} limit", "site", site, modality.sites)
        for site in modality.sites:
            need("modalities.toml", label, "site", site, knowledge.sites)
    for condition in knowledge.conditions.values():
        label = f"condition {condition.code!r}"
        need("conditions.toml", label, "referral", condition.referral, knowledge.referrals)
        if condition.referral != NO_REFERRAL and not condition.referral_reason:
            raise KnowledgeError(f"conditions.toml: {label}: a referral needs its reason")
        for modality_code in condition.overrides:
            need("conditions.toml", label, "modality", modality_code, knowledge.modalities)
        if condition.conflict:
            need("conditions.toml", label, "conflict", condition.conflict, knowledge.conflicts)
        for who in condition.clearance_by:
            need("conditions.toml", label, "referral", who, knowledge.referrals)
        if "clearance" in condition.treatments and not condition.referrals_for("clearance"):
            raise KnowledgeError(f"conditions.toml: {label}: a clearance must name who gives "
                                 "the written OK (`clearance_by` or `referral`)")
        if condition.clearance_by and not condition.referral_reason:
            raise KnowledgeError(f"conditions.toml: {label}: `clearance_by` needs a "
                                 "`referral_reason`")
        for form in condition.forms.values():
            need("conditions.toml", f"{label} forms", "condition", form, knowledge.conditions)
        for site in condition.site_treatments:
            need("conditions.toml", f"{label} site_treatments", "site", site, knowledge.sites)
        for site in condition.sites:
            need("conditions.toml", label, "site", site, knowledge.sites)
    for rule in knowledge.rules.values():
        label = f"rule {rule.code!r}"
        for modality_code in (*rule.overrides, *rule.modalities):
            need("rules.toml", label, "modality", modality_code, knowledge.modalities)
        for referral in (rule.referral, *rule.referral_overrides.values()):
            need("rules.toml", label, "referral", referral, knowledge.referrals)
        for code in (*rule.unless_conditions, *rule.no_referral_with):
            need("rules.toml", label, "condition", code, knowledge.conditions)
        for trigger in rule.when:
            if trigger.field == "intent":
                need("rules.toml", label, "intent", trigger.value, knowledge.intents)
        if rule.as_condition:
            need("rules.toml", label, "condition", rule.as_condition, knowledge.conditions)
        if rule.conflict:
            need("rules.toml", label, "conflict", rule.conflict, knowledge.conflicts)
    for site, covered in knowledge.site_covers.items():
        need("modalities.toml", "site_covers", "site", site, knowledge.sites)
        for other in covered:
            need("modalities.toml", f"site_covers {site!r}", "site", other, knowledge.sites)
    for alias, site in knowledge.site_aliases.items():
        need("modalities.toml", f"site_aliases {alias!r}", "site", site, knowledge.sites)
    for site in knowledge.site_names:
        need("modalities.toml", "site_names", "site", site, knowledge.sites)
    missing = [site for site in knowledge.sites if site not in knowledge.site_covers]
    if missing:
        raise KnowledgeError(f"modalities.toml: site_covers: no entry for {missing[0]!r}")
    if tuple(knowledge.treatments) != TREATMENTS:
        raise KnowledgeError("decisions.toml: [[treatment]] must be exactly "
                             f"{', '.join(TREATMENTS)}, in that order")
    if NO_REFERRAL not in knowledge.referrals:
        raise KnowledgeError(f"decisions.toml: [[referral]] needs {NO_REFERRAL!r}")
    need("requests.toml", "unmatched", "intent", knowledge.unmatched_intent, knowledge.intents)


def _site_covers(modality_file: Document, sites: tuple[str, ...]
                 ) -> Mapping[str, tuple[str, ...]]:
    raw = modality_file.raw.get("site_covers", {})
    covers = {site: tuple(dict.fromkeys([site, *raw.get(site, [])])) for site in sites}
    covers.update({site: tuple(dict.fromkeys([site, *values]))
                   for site, values in raw.items() if site not in covers})
    return MappingProxyType(covers)


def read_data_file(directory: Path, file: str, sources: Iterable[str] | None = None
                   ) -> Document:
    """One data file in `directory`, checked against its declared schema (and, given the codes
    of sources.toml, every source it names)."""
    return read(directory / file, schemas.SCHEMAS[file],
                None if sources is None else frozenset(sources))


def load_directory(directory: str | Path) -> Knowledge:
    """Read and validate the data files in `directory` (not cached)."""
    directory = Path(directory)
    sources_file = read_data_file(directory, "sources.toml")
    sources = code_table(sources_file.entries("source"), _source)

    def file(name: str) -> Document:
        return read_data_file(directory, name, sources)

    modality_file = file("modalities.toml")
    care, decisions, requests = file("care.toml"), file("decisions.toml"), file("requests.toml")
    sites = tuple(modality_file.raw.get("sites", []))
    knowledge = Knowledge(
        sources=sources,
        modalities=code_table(modality_file.entries("modality"), _modality, named),
        conditions=code_table(file("conditions.toml").entries("condition"), _condition, named),
        conflicts=code_table(file("conflicts.toml").entries("conflict"), _conflict),
        claims=code_table(file("claims.toml").entries("claim"), _claim, named),
        aftercare=code_table(care.entries("aftercare"), _aftercare),
        side_effects=code_table(care.entries("side_effect"), _side_effect, named),
        rules=code_table(file("rules.toml").entries("rule"), _rule),
        sites=sites,
        site_covers=_site_covers(modality_file, sites),
        site_aliases=MappingProxyType({normalise_name(k): v for k, v in
                                       modality_file.raw.get("site_aliases", {}).items()}),
        site_names=MappingProxyType(dict(modality_file.raw.get("site_names", {}))),
        treatments=code_table(decisions.entries("treatment"), _word, named),
        referrals=code_table(decisions.entries("referral"), _word, named),
        intents=code_table(requests.entries("intent"), _intent),
        unmatched_intent=str(requests.raw.get("unmatched", "")),
    )
    _check_references(knowledge)
    return knowledge


def sites_overlap(first: str, second: str, knowledge: Knowledge | None = None) -> bool:
    """Whether two body sites share an area (the face and the lips do; the face and the legs
    do not; the whole body overlaps everything)."""
    covers = (knowledge or load()).site_covers
    return bool(set(covers.get(first, (first,))) & set(covers.get(second, (second,))))


def packaged_data_directory() -> Path:
    """The directory of the packaged data files."""
    return Path(str(resources.files("course") / "data"))


@functools.cache
def load() -> Knowledge:
    """The course's knowledge base (read once, then cached)."""
    return load_directory(packaged_data_directory())


@functools.cache
def packaged_file(file: str) -> Mapping[str, Any]:
    """The tables of a packaged data file that has no typed loader here (cases.toml,
    variants.toml, intake.toml), checked against its declared schema (read once)."""
    return read_data_file(packaged_data_directory(), file, load().sources).raw


# --------------------------------------------------------------------------- lookups


def spellings(items: Mapping[str, Any]) -> dict[str, str]:
    """Every spelling of every item (code, name, aliases), as written -> its code."""
    found: dict[str, str] = {}
    for code, item in items.items():
        for name in (code, getattr(item, "name", ""), *getattr(item, "aliases", ())):
            if name:
                found[name] = code
    return found


def _index(items: Mapping[str, Any]) -> dict[str, str]:
    """Map every normalised code, name and alias to its code."""
    return {normalise_name(name): code for name, code in spellings(items).items()}


def _display(item: Any) -> str:
    name = getattr(item, "name", "")
    return f"{name} ({item.code})" if name and name != item.code else item.code


def find(items: Mapping[str, Any], name: str, kind: str) -> Any:
    """Look `name` up by code, name or alias; raise UnknownNameError with suggestions."""
    if not isinstance(name, str):
        raise UnknownNameError(kind, repr(name), ())
    index = _index(items)
    key = normalise_name(name)
    if key in index:
        return items[index[key]]
    close = did_you_mean(key, index, limit=8)
    suggestions: list[str] = []
    for match in close:
        display = _display(items[index[match]])
        if display not in suggestions:
            suggestions.append(display)
    raise UnknownNameError(kind, name, suggestions[:3])


def find_condition(name: str) -> Condition:
    """A condition by code, plain name or alias (any case, apostrophes and hyphens ignored)."""
    return find(load().conditions, name, "condition")


def find_modality(name: str) -> Modality:
    """A modality by code, name or alias."""
    return find(load().modalities, name, "modality")


def find_side_effect(name: str) -> SideEffect:
    """A side effect by code, name or alias."""
    return find(load().side_effects, name, "side effect")


def find_claim(name: str) -> Claim:
    """A seed claim by code, name or alias."""
    return find(load().claims, name, "claim")


def find_treatment(name: str) -> str:
    """A treatment-today word by code, name or alias ("postpone" -> "defer")."""
    return find(load().treatments, name, "treatment decision").code


def find_referral(name: str) -> str:
    """A referral by code, name or alias ("GP", "family doctor" -> "gp"; "no" -> "none")."""
    return find(load().referrals, name, "referral").code


def find_rule(name: str) -> Rule:
    """A screening rule by code or name."""
    return find(load().rules, name, "screening rule")


def find_source(name: str) -> Source:
    """A source by code (seed file name or published code)."""
    return find(load().sources, name, "source")


def source_label(code: str) -> str:
    """A short label for a source: "S1" for a seed, "Selfe et al. 2014" for a paper."""
    source = load().sources.get(code)
    if source is None:
        return code
    if source.short:
        return source.short
    if source.authors:
        return f"{source.authors} {source.year}" if source.year else source.authors
    return code


def sources_text(codes: Iterable[str]) -> str:
    """Source labels joined with commas, in the order given, without repeats."""
    return ", ".join(dict.fromkeys(source_label(code) for code in codes))
