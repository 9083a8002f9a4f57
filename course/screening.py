"""Screening engine: screen(intake, modality) -> Decision, driven entirely by the knowledge base.

No condition or threshold is written here: conditions come from conditions.toml and the
number/fact rules (weight, blood pressure, wet skin, sun, lesions, scope) from rules.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from course.knowledge import (
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
)
from course.text import did_you_mean

LESION_KINDS: tuple[str, ...] = ("none", "benign_wart", "changing_or_pigmented")


class IntakeError(ValueError):
    """An intake form that cannot be read; the message says what to fix in plain words."""


@dataclass(frozen=True)
class Intake:
    """A client's intake form. Build it with `Intake.from_mapping`.

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

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Intake:
        """Check and convert a plain mapping; condition names become condition codes."""
        if isinstance(data, Intake):
            return data
        if not isinstance(data, Mapping):
            raise IntakeError("The intake must be a dictionary such as {'conditions': [...]}.")
        allowed = [f.name for f in fields(cls)]
        for key in data:
            if key not in allowed:
                close = did_you_mean(str(key), allowed)
                raise UnknownNameError("intake field", str(key), close or allowed)
        values: dict[str, Any] = {}
        for key, value in data.items():
            values[key] = _convert(key, value)
        return cls(**values)


def _convert(key: str, value: Any) -> Any:
    """Convert one intake value, raising IntakeError with a plain message."""
    kb = load()
    if key == "conditions":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise IntakeError("'conditions' must be a list of names, e.g. ['migraine'].")
        codes: list[str] = []
        for name in value:
            code = find(kb.conditions, name, "condition").code
            if code not in codes:
                codes.append(code)
        return tuple(codes)
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
        if not isinstance(value, str):
            raise IntakeError(f"'request' must be text, not {value!r}.")
        return value
    if key == "lesion":
        return _choose("lesion", value, LESION_KINDS)
    if key == "site":
        return None if value is None else _choose("site", value, kb.sites)
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


@dataclass(frozen=True)
class Finding:
    """One reason for the decision, in words a trainee could say to the client."""

    code: str
    name: str
    outcome: str
    explanation: str
    sources: tuple[str, ...]
    conflict_note: str = ""
    refer_to: str = ""


@dataclass(frozen=True)
class Decision:
    """The screening result: the most restrictive finding decides the outcome."""

    modality: str
    outcome: str
    findings: tuple[Finding, ...]
    precautions: tuple[str, ...]

    @property
    def finding_codes(self) -> tuple[str, ...]:
        """The codes of the findings, in order."""
        return tuple(finding.code for finding in self.findings)


def _conflict_note(kb: Knowledge, conflict: str, note: str) -> str:
    if conflict:
        resolved = kb.conflicts[conflict]
        return f"Sources disagree ({resolved.title}) Course rule: {resolved.rule}"
    return note


def _condition_finding(kb: Knowledge, condition: Condition, outcome: str) -> Finding:
    return Finding(
        code=condition.code,
        name=condition.name,
        outcome=outcome,
        explanation=condition.rationale,
        sources=condition.sources,
        conflict_note=_conflict_note(kb, condition.conflict, condition.note),
        refer_to=condition.refer_to,
    )


def _rule_finding(kb: Knowledge, rule: Rule, outcome: str) -> Finding:
    return Finding(
        code=rule.code,
        name=rule.name,
        outcome=outcome,
        explanation=rule.rationale,
        sources=rule.sources,
        conflict_note=_conflict_note(kb, rule.conflict, rule.note),
        refer_to=rule.refer_to,
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


def screen(intake: Intake | Mapping[str, Any], modality: str) -> Decision:
    """Screen a client for a modality (code, name or alias) and return the Decision.

    Findings come from the client's conditions (with per-modality overrides) and from the
    rules table; findings whose outcome is "proceed" for this modality are left out.
    """
    kb = load()
    chosen = find(kb.modalities, modality, "modality")
    form = Intake.from_mapping(intake)
    site = form.site or chosen.sites[0]
    if site not in chosen.sites:
        raise IntakeError(f"{chosen.name} is not done on the {site}: choose one of "
                          f"{', '.join(chosen.sites)}.")
    condition_codes = list(form.conditions)
    rule_findings: list[Finding] = []
    for rule in kb.rules.values():
        if not any(_test(trigger, form, chosen) for trigger in rule.when):
            continue
        if rule.as_condition:
            if rule.as_condition not in condition_codes:
                condition_codes.append(rule.as_condition)
            continue
        outcome = rule.outcome_for(chosen.code)
        if outcome != "proceed":
            rule_findings.append(_rule_finding(kb, rule, outcome))
    findings: list[Finding] = []
    for code in condition_codes:
        condition = kb.conditions[code]
        outcome = condition.outcome_for(chosen.code)
        if outcome != "proceed" and condition.applies_at(site, chosen):
            findings.append(_condition_finding(kb, condition, outcome))
    findings.extend(rule_findings)
    return Decision(
        modality=chosen.code,
        outcome=most_restrictive(finding.outcome for finding in findings),
        findings=tuple(findings),
        precautions=chosen.precautions,
    )


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
