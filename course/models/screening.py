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
from dataclasses import dataclass, field, fields, replace
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
from course.facts.schemas import DECISION_PARTS
from course.foundation.names import did_you_mean
from course.models.intake_reading import (
    Reading,
    combine,
    lesion_words,
    read_line,
    read_modality,
)

LESION_KINDS: tuple[str, ...] = ("none", "benign_wart", "changing_or_pigmented")
PARTS: tuple[str, ...] = DECISION_PARTS


class IntakeError(ValueError):
    """An intake form that cannot be read; the message says what to fix in plain words."""


UNCLEAR = "unclear_item"
"""The condition reported for an intake item the engine did not understand."""
SITE_NOT_OFFERED = "site_not_offered"
"""The condition reported when the booked treatment is not done on the site asked for."""
YES = ("yes", "y", "true", "1", "ticked", "pregnant", "wet", "damp")
NO = ("no", "n", "false", "0", "none", "not", "dry", "")
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Intake:
    """A client's intake form. Build it with `Intake.from_mapping`.

    ``conditions``: a list of lines as a person writes them ("treated hypothyroidism",
    "cold sore on the chin since yesterday", "earrings and a necklace"), or a mapping
    line -> where it is (a site or a list of sites, None if not said). Each line is read by
    `course.intake_reading.read_line`; ``readings`` keeps how. ``request``: what the client
    asks for, as an intent code or name or in the client's own words.
    Anything the reader does not understand is kept in ``unclear`` (field and text): the
    screening then reports it and stays conservative. Nothing a person could write raises.
    Defaults for missing fields: no conditions; age, weight and blood pressure unknown (None,
    so no number rule fires); not pregnant; bp_controlled unknown (None); no guardian's
    consent on file; site = the modality's usual site; skin dry; no sun planned; empty
    request; lesion "none" (``lesion_where``: where the lesion is, if said).
    """

    conditions: tuple[str, ...] = ()
    age: float | None = None
    weight_kg: float | None = None
    pregnant: bool = False
    systolic_bp: float | None = None
    diastolic_bp: float | None = None
    bp_controlled: bool | None = None
    guardian_consent: bool = False
    site: str | None = None
    skin_wet: bool = False
    sun_exposure_planned: bool = False
    request: str = ""
    lesion: str = "none"
    where: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    lesion_where: tuple[str, ...] = ()
    readings: tuple[Reading, ...] = ()
    unclear: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Intake | Mapping[str, Any] | None) -> Intake:
        """Check and convert a plain mapping; condition lines become condition codes."""
        if isinstance(data, Intake):
            return data
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise IntakeError("The intake must be a dictionary such as {'conditions': [...]}.")
        derived = ("where", "lesion_where", "readings", "unclear")
        allowed = [f.name for f in fields(cls) if f.name not in derived]
        for key in data:
            if key not in allowed:
                close = did_you_mean(str(key), allowed)
                raise UnknownNameError("intake field", str(key), close or allowed)
        values: dict[str, Any] = {}
        unclear: list[str] = []
        for key, value in data.items():
            if key == "conditions":
                values["conditions"], values["where"], values["readings"], lines = (
                    _conditions(value))
                unclear += lines
            elif key == "lesion":
                values["lesion"], values["lesion_where"], problem = _lesion(value)
                unclear += problem
            else:
                values[key], problem = _convert(key, value)
                unclear += problem
        return cls(**values, unclear=tuple(dict.fromkeys(unclear)))

    @property
    def intent(self) -> str:
        """What the client asks for, as an intent code ("" when nothing was asked)."""
        return read_request(self.request) if self.request.strip() else ""


def _lines(value: Any) -> list[tuple[Any, Any]]:
    """(line, where) pairs from whatever the conditions field holds."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [(value, None)]
    if isinstance(value, Mapping):
        return list(value.items())
    try:
        return [(name, None) for name in value]
    except TypeError:
        return [(value, None)]


def _conditions(value: Any) -> tuple[tuple[str, ...], Mapping[str, tuple[str, ...]],
                                     tuple[Reading, ...], list[str]]:
    """Condition codes, where each one is when said, every reading, and what was unclear."""
    codes: list[str] = []
    where: dict[str, tuple[str, ...]] = {}
    readings: list[Reading] = []
    unclear: list[str] = []
    placed = [(reading, place) for line, place in _lines(value) for reading in read_line(line)]
    combined = combine(tuple(reading for reading, _ in placed))  # across lines too
    for reading, (_, place) in zip(combined, placed, strict=True):
        readings.append(reading)
        if reading.code is None:
            if not reading.negated:
                unclear.append(reading.text + (f" (perhaps: {reading.suggestion}?)"
                                               if reading.suggestion else ""))
            continue
        if reading.negated or reading.past:
            continue
        if reading.code not in codes:
            codes.append(reading.code)
        places, problem = _places(place, reading.site)
        unclear += problem
        if places:
            where[reading.code] = tuple(dict.fromkeys((*where.get(reading.code, ()), *places)))
    return tuple(codes), MappingProxyType(where), tuple(readings), unclear


def _places(place: Any, said: str | None) -> tuple[tuple[str, ...], list[str]]:
    """The sites for a condition: from the mapping's value, else the place in its line."""
    if place is None:
        return ((said,) if said else ()), []
    values = [place] if isinstance(place, str) or not hasattr(place, "__iter__") else place
    sites: list[str] = []
    unclear: list[str] = []
    for value in values:
        site = site_or_none(value)
        if site is None:
            unclear.append(f"where: {value}")
        else:
            sites.append(site)
    return tuple(sites), unclear


def _lesion(value: Any) -> tuple[str, tuple[str, ...], list[str]]:
    """The lesion kind, where it is ("a changing mole on the back"), and what was unclear."""
    if value is None:
        return "none", (), []
    key = normalise_name(str(value))
    for option in LESION_KINDS:
        if normalise_name(option) == key:
            return option, (), []
    site = None
    for reading in read_line(value):
        site = reading.site or site
    for kind, words in lesion_words().items():
        if any(f" {word} " in f" {key} " for word in words):
            return kind, ((site,) if site else ()), []
    return "none", (), [f"lesion: {value}"]


def _convert(key: str, value: Any) -> tuple[Any, list[str]]:
    """Convert one intake value; what cannot be read is reported, never raised."""
    if key in ("age", "weight_kg", "systolic_bp", "diastolic_bp"):
        return _number(key, value)
    if key in ("pregnant", "skin_wet", "sun_exposure_planned", "bp_controlled",
               "guardian_consent"):
        return _yes_no(key, value)
    if key == "request":
        return ("" if value is None else str(value)), []
    if key == "site":
        if value is None or str(value).strip() == "":
            return None, []
        site = site_or_none(value)
        return site, ([] if site else [f"site: {value}"])
    raise IntakeError(f"Unknown intake field {key!r}.")  # pragma: no cover - checked before


def _number(key: str, value: Any) -> tuple[float | None, list[str]]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, []
    number: float | None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        found = NUMBER.search(str(value))
        number = float(found.group().replace(",", ".")) if found else None
    if number is None or number != number or number in (float("inf"), float("-inf")) \
            or number < 0:
        return None, [f"{key.replace('_', ' ')}: {value}"]
    return number, []


def _yes_no(key: str, value: Any) -> tuple[bool | None, list[str]]:
    if isinstance(value, bool):
        return value, []
    if value is None:
        return (None if key == "bp_controlled" else False), []
    text = normalise_name(str(value))
    if text in YES:
        return True, []
    if text in NO:
        return False, []
    return (None if key == "bp_controlled" else False), [f"{key.replace('_', ' ')}: {value}"]


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
    """A body site from a site code or a common word for it ("leg", "cheek", "belly");
    UnknownNameError (with suggestions) when it is not a site."""
    kb = load()
    if isinstance(value, str) and normalise_name(value) in kb.site_aliases:
        return kb.site_aliases[normalise_name(value)]
    return _choose("site", value, kb.sites)


def site_or_none(value: Any) -> str | None:
    """A body site read from everyday words ("left knee", "on the chin"), or None."""
    try:
        return site_named(value)
    except UnknownNameError:
        pass
    for reading in read_line(f"x on {value}"):
        if reading.site:
            return reading.site
    return None


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
    also_referrals: tuple[str, ...] = ()

    @property
    def referrals(self) -> tuple[str, ...]:
        """Everyone this finding sends the client to (the first is `referral`)."""
        if self.referral == NO_REFERRAL:
            return ()
        return (self.referral, *(r for r in self.also_referrals if r != self.referral))

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


def _condition_finding(kb: Knowledge, condition: Condition, modality: str, site: str,
                       at_site: bool = True, item: str = "", past: str = "") -> Finding:
    """A condition's finding for this modality and treated site. Away from the site (a local
    condition elsewhere) or written as past, the treatment goes ahead but the referral stays."""
    treatment = condition.treatment_for(modality, site) if at_site and not past else "proceed"
    referrals = condition.referrals_for(treatment) if not past else ()
    action = condition.action_for(treatment)
    if past:
        action = (f"Written as {past}: look at the area before you start. If it is not fully "
                  f"healed or settled: {condition.action}")
    elif not at_site:
        action = ("Not where you treat today: the treatment goes ahead"
                  + ("; the referral stands." if referrals else "."))
    name = condition.name.format(item=item) if item else condition.name
    return Finding(
        code=condition.code,
        name=name,
        treatment=treatment,
        referral=referrals[0] if referrals else NO_REFERRAL,
        action=action.format(item=item) if item else action,
        explanation=condition.rationale,
        sources=condition.sources,
        referral_reason=condition.referral_reason if referrals else "",
        conflict_note=_conflict_note(kb, condition.conflict, condition.note),
        also_referrals=referrals[1:],
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


def _when(reading: Reading) -> str:
    """How long ago an item was, in words ("3 weeks ago"), for a past finding."""
    if reading.days_ago is None:
        return "in the past"
    days = reading.days_ago
    if days >= 60:
        return f"{days / 30:g} months ago"
    if days >= 14:
        return f"{days / 7:g} weeks ago"
    return f"{days:g} days ago"


def screen(intake: Intake | Mapping[str, Any], modality: str) -> Decision:
    """Screen a client for a modality (code, name, alias or everyday words) and return the
    two-part Decision.

    Findings come from the client's conditions (per modality, at the treated site; a local
    condition elsewhere keeps its referral) and from the rules table. Whatever the intake
    reader did not understand is a finding of its own (no cold until asked; the GP if it is a
    condition). A finding that changes neither part is kept only when its data gives an
    action worth saying (a precaution such as darker skin); otherwise it is left out.
    """
    kb = load()
    chosen = kb.modalities[read_modality(modality)]
    form = Intake.from_mapping(intake)
    site = form.site or chosen.sites[0]
    findings: list[Finding] = []
    if site not in chosen.sites:
        findings.append(_condition_finding(
            kb, kb.conditions[SITE_NOT_OFFERED], chosen.code, site,
            item=f"{chosen.name} on the {site.replace('_', ' ')}"))
        site = chosen.sites[0]
    condition_codes = list(form.conditions)
    lesion_here = not form.lesion_where or any(sites_overlap(place, site, kb)
                                                for place in form.lesion_where)
    where = dict(form.where)
    rule_findings: list[Finding] = []
    for rule in kb.rules.values():
        if any(code in condition_codes for code in rule.unless_conditions):
            continue
        if not any(_test(trigger, form, chosen) for trigger in rule.when):
            continue
        if any(_test(trigger, form, chosen) for trigger in rule.unless):
            continue
        about_lesion = any(trigger.field == "lesion" for trigger in rule.when)
        if rule.as_condition:
            if rule.as_condition not in condition_codes:
                condition_codes.append(rule.as_condition)
            if about_lesion and form.lesion_where:
                where[rule.as_condition] = form.lesion_where
            continue
        if about_lesion and not lesion_here:
            continue
        finding = _rule_finding(kb, rule, chosen.code)
        if any(code in condition_codes for code in rule.no_referral_with):
            finding = replace(finding, referral=NO_REFERRAL, referral_reason="")
        if finding.drives:
            rule_findings.append(finding)
    placed = Intake(where=MappingProxyType(where))
    for code in condition_codes:
        condition = kb.conditions[code]
        at_site = is_at_site(condition, placed, site, kb)
        if at_site and (condition.treatment_for(chosen.code, site) != "proceed"
                        or condition.referral != NO_REFERRAL
                        or _is_precaution(condition, chosen)):
            findings.append(_condition_finding(kb, condition, chosen.code, site))
        elif not at_site and condition.referral != NO_REFERRAL:
            findings.append(_condition_finding(kb, condition, chosen.code, site, at_site=False))
    for reading in form.readings:
        if reading.past and reading.code and reading.code not in condition_codes:
            findings.append(_condition_finding(kb, kb.conditions[reading.code], chosen.code,
                                               site, past=_when(reading)))
    for item in form.unclear:
        findings.append(_condition_finding(kb, kb.conditions[UNCLEAR], chosen.code, site,
                                           item=item))
    findings.extend(rule_findings)
    order = list(kb.referrals)
    referrals = sorted({who for f in findings for who in f.referrals}, key=order.index)
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
