"""Screening engine: screen(intake, modality) -> Decision, driven entirely by the knowledge base.

Public API (stable; other modules and issue-19 variants build on it):

* ``screen(intake, modality) -> Decision``. ``intake`` is a mapping (see `Intake`) or an
  `Intake`; ``modality`` a modality code, name or alias.
* `Decision` has two parts: ``treatment`` (treatment today for the booked treatment, one of
  ``knowledge.TREATMENTS``: the most restrictive finding decides) and ``referral`` (``"none"``
  or who the client should see: ``referrals`` lists every one named by a finding, in the
  priority order of decisions.toml, and ``referral`` is the first). ``findings`` gives the
  reasons; each `Finding` says which part it ``drives`` ("treatment", "referral", both, or
  neither: a precaution such as darker skin, reported so the trainee sees it).
  ``required_codes`` are the findings a trainee must name (those that drive a part).
* ``read_request(text) -> intent code``: a client's request (an intent code or name, or free
  text read with the phrase table in requests.toml).
* ``finding_names()``, ``find_finding(name)``: the finding vocabulary.

Where a condition is matters: a local condition (conditions.toml ``scope = "local"``) is a
finding only if it is at the treated site. The intake says where with ``conditions`` given
as a mapping ``{"cold sore": "lips", "open wound": ["legs"]}``; otherwise the condition's
usual sites are used, and a local condition with none is assumed to be at the treated site.
No condition, threshold or phrase is written here: conditions come from conditions.toml, the
number/fact rules (age, weight, blood pressure, wet skin, sun, lesions, requests, scope) from
rules.toml, the request phrases from requests.toml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from course.facts.knowledge import (
    NO_REFERRAL,
    Condition,
    Knowledge,
    Modality,
    Rule,
    Trigger,
    UnknownNameError,
    find,
    load,
    most_restrictive,
    normalise_name,
    sites_overlap,
)
from course.foundation.names import did_you_mean

LESION_KINDS: tuple[str, ...] = ("none", "benign_wart", "changing_or_pigmented")
PARTS: tuple[str, ...] = ("treatment", "referral")


class IntakeError(ValueError):
    """An intake form that cannot be read; the message says what to fix in plain words."""


@dataclass(frozen=True)
class Intake:
    """A client's intake form. Build it with `Intake.from_mapping`.

    ``conditions``: a list of condition names, or a mapping name -> where it is (a site or a
    list of sites, None if not said); a name may also say where ("cold sore on the lip").
    ``request``: what the client asks for, as an intent code or name ("remove_lesion",
    "Remove a lesion") or in the client's own words.
    Defaults for missing fields: no conditions; age, weight and blood pressure unknown (None,
    so no number rule fires); not pregnant; bp_controlled unknown (None); site = the modality's
    usual site; skin dry; no sun planned; empty request; lesion "none".
    """

    conditions: tuple[str, ...] = ()
    age: float | None = None
    weight_kg: float | None = None
    pregnant: bool = False
    systolic_bp: float | None = None
    diastolic_bp: float | None = None
    bp_controlled: bool | None = None
    site: str | None = None
    skin_wet: bool = False
    sun_exposure_planned: bool = False
    request: str = ""
    lesion: str = "none"
    where: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Intake:
        """Check and convert a plain mapping; condition names become condition codes."""
        if isinstance(data, Intake):
            return data
        if not isinstance(data, Mapping):
            raise IntakeError("The intake must be a dictionary such as {'conditions': [...]}.")
        allowed = [f.name for f in fields(cls) if f.name != "where"]
        for key in data:
            if key not in allowed:
                close = did_you_mean(str(key), allowed)
                raise UnknownNameError("intake field", str(key), close or allowed)
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "conditions":
                values["conditions"], values["where"] = _conditions(value)
            else:
                values[key] = _convert(key, value)
        return cls(**values)

    @property
    def intent(self) -> str:
        """What the client asks for, as an intent code ("" when nothing was asked)."""
        return read_request(self.request) if self.request.strip() else ""


def _conditions(value: Any) -> tuple[tuple[str, ...], Mapping[str, tuple[str, ...]]]:
    """Condition codes, and where each one is when the intake says so."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        pairs = [(name, None) for name in value]
    else:
        raise IntakeError("'conditions' must be a list of names, e.g. ['migraine'], or a "
                          "dictionary of names and where they are, e.g. {'cold sore': 'lips'}.")
    codes: list[str] = []
    where: dict[str, tuple[str, ...]] = {}
    for name, place in pairs:
        code, said = _condition_and_place(name)
        place = place if place is not None else said
        if code not in codes:
            codes.append(code)
        if place is not None:
            places = [place] if isinstance(place, str) else place
            if not isinstance(places, list | tuple):
                raise IntakeError(f"Where {name!r} is must be a site or a list of sites.")
            where[code] = tuple(dict.fromkeys((*where.get(code, ()), *map(site_named, places))))
    return tuple(codes), MappingProxyType(where)


_PLACED = re.compile(r"^(?P<name>.+?)\s+(?:on|at|in|over)\s+(?:the|her|his|my|their)?\s*"
                     r"(?P<place>[^,]+)$", re.IGNORECASE)


def _condition_and_place(name: Any) -> tuple[str, str | None]:
    """A condition code, and the site when the name says where ("cold sore on the lip")."""
    conditions = load().conditions
    try:
        return find(conditions, name, "condition").code, None
    except UnknownNameError:
        placed = _PLACED.match(name) if isinstance(name, str) else None
        if placed is None:
            raise
        try:
            return (find(conditions, placed["name"], "condition").code,
                    site_named(placed["place"]))
        except UnknownNameError:
            pass
        raise


def _convert(key: str, value: Any) -> Any:
    """Convert one intake value, raising IntakeError with a plain message."""
    if key in ("age", "weight_kg", "systolic_bp", "diastolic_bp"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise IntakeError(f"'{key}' must be a number (or None if unknown), not {value!r}.")
        return float(value)
    if key in ("pregnant", "skin_wet", "sun_exposure_planned", "bp_controlled"):
        if value is None and key == "bp_controlled":
            return None
        if not isinstance(value, bool):
            raise IntakeError(f"'{key}' must be True or False, not {value!r}.")
        return value
    if key == "request":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise IntakeError(f"'request' must be text, not {value!r}.")
        return value
    if key == "lesion":
        return _choose("lesion", value, LESION_KINDS)
    if key == "site":
        return None if value is None else site_named(value)
    raise IntakeError(f"Unknown intake field {key!r}.")  # pragma: no cover - checked before


def _choose(kind: str, value: Any, allowed: tuple[str, ...]) -> str:
    """Match `value` to one of `allowed` (normalised); suggest close words if it fails."""
    if isinstance(value, str):
        key = normalise_name(value)
        for option in allowed:
            if normalise_name(option) == key:
                return option
    suggestions = did_you_mean(str(value), allowed) or list(allowed)
    raise UnknownNameError(kind, str(value), suggestions)


def site_named(value: Any) -> str:
    """A body site from a site code or a common word for it ("leg", "cheek", "belly")."""
    kb = load()
    if isinstance(value, str) and normalise_name(value) in kb.site_aliases:
        return kb.site_aliases[normalise_name(value)]
    return _choose("site", value, kb.sites)


def read_request(text: str) -> str:
    """The intent of a request: an intent code or name as given, else the first intent (in
    requests.toml order) with a phrase in the text, else the "something else" intent."""
    kb = load()
    key = normalise_name(str(text))
    for intent in kb.intents.values():
        if key in (normalise_name(intent.code), normalise_name(intent.name)):
            return intent.code
    padded = f" {key} "
    for intent in kb.intents.values():
        if any(f" {phrase} " in padded for phrase in intent.phrases):
            return intent.code
    return kb.unmatched_intent


@dataclass(frozen=True)
class Finding:
    """One reason for the decision, in words a trainee could say to the client.

    ``treatment``: what this finding alone does to the booked treatment ("proceed" if
    nothing); ``referral``: who it sends the client to ("none" if nobody); ``action``: what to
    change, until when, or whose written OK.
    """

    code: str
    name: str
    treatment: str
    referral: str
    action: str
    explanation: str
    sources: tuple[str, ...]
    referral_reason: str = ""
    conflict_note: str = ""

    @property
    def drives(self) -> tuple[str, ...]:
        """The parts of the decision this finding decides or shares ("treatment", "referral")."""
        return tuple(part for part, active in zip(
            PARTS, (self.treatment != "proceed", self.referral != NO_REFERRAL), strict=True)
            if active)


@dataclass(frozen=True)
class Decision:
    """The two-part screening result: treatment today and referral, with the findings."""

    modality: str
    treatment: str
    referrals: tuple[str, ...]
    findings: tuple[Finding, ...]
    precautions: tuple[str, ...]

    @property
    def referral(self) -> str:
        """Who the client should see first ("none" when nobody)."""
        return self.referrals[0] if self.referrals else NO_REFERRAL

    @property
    def finding_codes(self) -> tuple[str, ...]:
        """The codes of every finding, in order (precautions included)."""
        return tuple(finding.code for finding in self.findings)

    @property
    def required_codes(self) -> tuple[str, ...]:
        """The findings that drive a part of the decision (a trainee must name these)."""
        return tuple(finding.code for finding in self.findings if finding.drives)


def _conflict_note(kb: Knowledge, conflict: str, note: str) -> str:
    if conflict:
        resolved = kb.conflicts[conflict]
        return f"Sources disagree ({resolved.title}) Course rule: {resolved.rule}"
    return note


def _condition_finding(kb: Knowledge, condition: Condition, modality: str) -> Finding:
    treatment = condition.treatment_for(modality)
    return Finding(
        code=condition.code,
        name=condition.name,
        treatment=treatment,
        referral=condition.referral,
        action=condition.action_for(treatment),
        explanation=condition.rationale,
        sources=condition.sources,
        referral_reason=condition.referral_reason,
        conflict_note=_conflict_note(kb, condition.conflict, condition.note),
    )


def _rule_finding(kb: Knowledge, rule: Rule, modality: str) -> Finding:
    treatment = rule.treatment_for(modality)
    return Finding(
        code=rule.code,
        name=rule.name,
        treatment=treatment,
        referral=rule.referral_for(modality),
        action=rule.action_for(treatment),
        explanation=rule.rationale,
        sources=rule.sources,
        referral_reason=rule.referral_reason,
        conflict_note=_conflict_note(kb, rule.conflict, rule.note),
    )


def _test(trigger: Trigger, intake: Intake, modality: Modality) -> bool:
    """Whether one `when` test of a rule is true for this intake and modality."""
    if trigger.field == "performer":
        value: Any = modality.performer
    else:
        value = getattr(intake, trigger.field)
    if value is None:
        return False
    if trigger.operator == "below":
        return value < trigger.value
    if trigger.operator == "above":
        return value > trigger.value
    if trigger.operator == "equals":
        return value == trigger.value
    text = f" {normalise_name(str(value))} "
    return any(f" {word} " in text for word in trigger.value)


def is_at_site(condition: Condition, intake: Intake, site: str, kb: Knowledge | None = None
               ) -> bool:
    """Whether `condition` matters for a treatment of `site`: always for a systemic one; for a
    local one, where the intake says it is (or its usual sites; else assumed at the site)."""
    if not condition.local:
        return True
    places = intake.where.get(condition.code) or condition.sites
    return not places or any(sites_overlap(place, site, kb) for place in places)


def screen(intake: Intake | Mapping[str, Any], modality: str) -> Decision:
    """Screen a client for a modality (code, name or alias) and return the two-part Decision.

    Findings come from the client's conditions (per modality, at the treated site) and from
    the rules table. A finding that changes neither part is kept only when its data gives an
    action worth saying (a precaution such as darker skin); otherwise it is left out.
    """
    kb = load()
    chosen = find(kb.modalities, modality, "modality")
    form = Intake.from_mapping(intake)
    site = form.site or chosen.sites[0]
    if site not in chosen.sites:
        raise IntakeError(f"{chosen.name} is not done on the {site.replace('_', ' ')}: choose "
                          f"one of {', '.join(chosen.sites)}.")
    condition_codes = list(form.conditions)
    rule_findings: list[Finding] = []
    for rule in kb.rules.values():
        if any(code in condition_codes for code in rule.unless_conditions):
            continue
        if not any(_test(trigger, form, chosen) for trigger in rule.when):
            continue
        if rule.as_condition:
            if rule.as_condition not in condition_codes:
                condition_codes.append(rule.as_condition)
            continue
        finding = _rule_finding(kb, rule, chosen.code)
        if finding.drives:
            rule_findings.append(finding)
    findings: list[Finding] = []
    for code in condition_codes:
        condition = kb.conditions[code]
        if is_at_site(condition, form, site, kb) and (
                condition.treatment_for(chosen.code) != "proceed"
                or condition.referral != NO_REFERRAL or _is_precaution(condition, chosen)):
            findings.append(_condition_finding(kb, condition, chosen.code))
    findings.extend(rule_findings)
    order = list(kb.referrals)
    referrals = sorted({f.referral for f in findings if f.referral != NO_REFERRAL},
                       key=order.index)
    return Decision(
        modality=chosen.code,
        treatment=most_restrictive(finding.treatment for finding in findings),
        referrals=tuple(referrals),
        findings=tuple(findings),
        precautions=chosen.precautions,
    )


def _is_precaution(condition: Condition, modality: Modality) -> bool:
    """A "proceed" condition worth reporting: its proceed is the condition's own default, so
    the action text is about this modality (not an override that says "not concerned")."""
    return modality.code not in condition.overrides and not modality.whole_body


def finding_names() -> dict[str, str]:
    """Every finding code a screening can produce (conditions and rules) with its plain name."""
    kb = load()
    names = {code: condition.name for code, condition in kb.conditions.items()}
    names.update({code: rule.name for code, rule in kb.rules.items() if not rule.as_condition})
    return names


def find_finding(name: str) -> str:
    """The finding code for a condition or rule given by code, name or alias."""
    kb = load()
    try:
        return find(kb.conditions, name, "finding").code
    except UnknownNameError as condition_error:
        rules = {code: rule for code, rule in kb.rules.items() if not rule.as_condition}
        try:
            return find(rules, name, "finding").code
        except UnknownNameError as rule_error:
            suggestions = (*condition_error.suggestions, *rule_error.suggestions)
            raise UnknownNameError("finding", name, suggestions[:4]) from None
