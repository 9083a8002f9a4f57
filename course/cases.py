"""Case bank (course/data/cases.toml), practice clients and the screening scorer."""

from __future__ import annotations

import functools
import random
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from course.knowledge import OUTCOMES, KnowledgeError, UnknownNameError, load, normalise_name
from course.screening import find_finding, finding_names, screen
from course.text import did_you_mean


@dataclass(frozen=True)
class Case:
    """One client to screen, with the reference answer."""

    id: str
    vignette: str
    modality: str
    intake: Mapping[str, Any]
    outcome: str
    findings: tuple[str, ...]
    must_not_miss: tuple[str, ...] = ()
    assessment: bool = False
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningScore:
    """The score of one screening answer (see `score_screening` for the rule)."""

    fraction: float
    outcome_correct: bool
    correct_findings: tuple[str, ...]
    wrong_findings: tuple[str, ...]
    missed: tuple[str, ...]
    missed_must_not_miss: tuple[str, ...]
    explanation: str


@functools.cache
def _data() -> dict[str, Any]:
    with (resources.files("course") / "data" / "cases.toml").open("rb") as handle:
        return tomllib.load(handle)


def _case(raw: Mapping[str, Any]) -> Case:
    label = f"cases.toml: case {raw.get('id', '?')!r}"
    try:
        case = Case(
            id=raw["id"],
            vignette=raw["vignette"],
            modality=raw["modality"],
            intake=MappingProxyType(dict(raw.get("intake", {}))),
            outcome=raw["outcome"],
            findings=tuple(raw.get("findings", ())),
            must_not_miss=tuple(raw.get("must_not_miss", ())),
            assessment=bool(raw.get("assessment", False)),
            conflicts=tuple(raw.get("conflicts", ())),
        )
    except KeyError as error:
        raise KnowledgeError(f"{label}: missing field {error.args[0]!r}") from None
    if case.outcome not in OUTCOMES:
        raise KnowledgeError(f"{label}: unknown outcome {case.outcome!r}")
    if not set(case.must_not_miss) <= set(case.findings):
        raise KnowledgeError(f"{label}: must_not_miss must be among the findings")
    unknown = [code for code in case.conflicts if code not in load().conflicts]
    if unknown:
        raise KnowledgeError(f"{label}: unknown conflict {unknown[0]!r}")
    return case


@functools.cache
def cases() -> tuple[Case, ...]:
    """All authored cases, in file order."""
    loaded = tuple(_case(raw) for raw in _data()["case"])
    ids = [case.id for case in loaded]
    duplicates = {case_id for case_id in ids if ids.count(case_id) > 1}
    if duplicates:
        raise KnowledgeError(f"cases.toml: duplicate case id {sorted(duplicates)[0]!r}")
    return loaded


def case(case_id: str) -> Case:
    """One authored case by id ("c01" ...; "c1" and "C01" are accepted too)."""
    by_id = {item.id: item for item in cases()}
    text = str(case_id).strip().lower()
    if text[1:].isdigit():
        text = f"c{int(text[1:]):02d}"
    if text in by_id:
        return by_id[text]
    raise UnknownNameError("case", case_id, did_you_mean(str(case_id), by_id))


def case_conflicts(item: Case) -> tuple[str, ...]:
    """Conflict codes the case touches: from its findings' data and its own list."""
    kb = load()
    codes = list(item.conflicts)
    for code in item.findings:
        source = kb.conditions.get(code) or kb.rules.get(code)
        if source is not None and source.conflict and source.conflict not in codes:
            codes.append(source.conflict)
    return tuple(codes)


# --------------------------------------------------------------------------- practice


def _bounded_normal(rng: random.Random, spec: Mapping[str, float]) -> int:
    value = rng.gauss(spec["mean"], spec["sd"])
    return round(min(spec["high"], max(spec["low"], value)))


def _vignette(name: str, intake: Mapping[str, Any], modality: str) -> str:
    """A plain-language description generated from the intake."""
    kb = load()
    chosen = kb.modalities[modality]
    area = str(intake["site"]).replace("_", " ").replace("decollete", "décolleté")
    parts = [f"{name}, {intake['age']}, asks for {chosen.name[0].lower()}{chosen.name[1:]}; "
             f"area: {area}."]
    names = [kb.conditions[code].name for code in intake["conditions"]]
    parts.append("The form lists: " + "; ".join(names) + "." if names
                 else "The form lists no health problems.")
    if intake.get("pregnant"):
        parts.append("She is pregnant.")
    parts.append(f"Weight {intake['weight_kg']} kg; blood pressure today "
                 f"{intake['systolic_bp']}/{intake['diastolic_bp']}.")
    if intake.get("bp_controlled") is False:
        parts.append("The client says the blood pressure is not controlled.")
    if intake.get("skin_wet"):
        parts.append("The skin is still damp.")
    if intake.get("sun_exposure_planned"):
        parts.append("A sunny holiday is planned soon.")
    lesion = intake.get("lesion", "none")
    if lesion == "benign_wart":
        parts.append("There is a small wart in the area.")
    elif lesion == "changing_or_pigmented":
        parts.append("There is a dark mole in the area that has changed recently.")
    if intake.get("request"):
        parts.append(f"The client says: '{intake['request']}'.")
    return " ".join(parts)


def practice(seed: int | None = None) -> Case:
    """A random but consistent practice client (same seed, same client) with its reference.

    Frequencies are the illustrative teaching weights in cases.toml [practice]. The reference
    outcome and findings come from the screening engine; must_not_miss = refuse-level findings.
    """
    settings = _data()["practice"]
    rng = random.Random(seed)
    modality_weights = settings["modalities"]
    modality = rng.choices(list(modality_weights), weights=list(modality_weights.values()))[0]
    chosen = load().modalities[modality]
    woman = intake_chance(rng, settings["share_women"])
    name = rng.choice(settings["women"] if woman else settings["men"])
    low_age, high_age = settings["age"]
    intake: dict[str, Any] = {
        "age": rng.randint(low_age, high_age),
        "site": rng.choice(chosen.sites),
        "weight_kg": _bounded_normal(rng, settings["weight_kg"]),
        "systolic_bp": _bounded_normal(rng, settings["systolic_bp"]),
        "diastolic_bp": _bounded_normal(rng, settings["diastolic_bp"]),
        "conditions": [code for code, chance in settings["conditions"].items()
                       if rng.random() < chance],
        "pregnant": woman and intake_chance(rng, settings["pregnant"]),
        "skin_wet": intake_chance(rng, settings["skin_wet"]),
        "sun_exposure_planned": intake_chance(rng, settings["sun_exposure_planned"]),
    }
    # Only a client who has high blood pressure (on the form or today) can say it is not
    # controlled; for anyone else the question does not arise.
    has_high_bp = "hypertension" in intake["conditions"] or intake["systolic_bp"] >= 140
    if intake_chance(rng, settings["bp_not_controlled"]) and has_high_bp:
        intake["bp_controlled"] = False
    for lesion, chance in settings["lesion"].items():
        if intake_chance(rng, chance):
            intake["lesion"] = lesion
            break
    for request, chance in settings["requests"].items():
        if intake_chance(rng, chance):
            intake["request"] = request
            break
    decision = screen(intake, modality)
    codes = decision.finding_codes
    return Case(
        id=f"practice-{seed}",
        vignette=_vignette(name, intake, modality),
        modality=modality,
        intake=MappingProxyType(intake),
        outcome=decision.outcome,
        findings=codes,
        must_not_miss=tuple(f.code for f in decision.findings if f.outcome == "refuse"),
    )


def intake_chance(rng: random.Random, chance: float) -> bool:
    """True with probability `chance` (one draw from `rng`)."""
    return rng.random() < chance


# --------------------------------------------------------------------------- scoring


def _resolve_findings(names: Iterable[str]) -> tuple[str, ...]:
    codes: list[str] = []
    for name in names:
        code = find_finding(name)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _resolve_outcome(outcome: str) -> str:
    key = normalise_name(str(outcome))
    if key in OUTCOMES:
        return key
    raise UnknownNameError("outcome", str(outcome), did_you_mean(key, OUTCOMES))


def score_screening(item: Case, outcome: str, findings: Iterable[str]) -> ScreeningScore:
    """Score one screening answer for `item`.

    Rule:
    - the outcome is worth 1/2 (all or nothing);
    - the findings are worth 1/2 with partial credit: each correct finding earns an equal share
      of the required findings (1/n each), each wrong one costs one share, never below 0.
      When no finding is required, the half is earned only if no finding is named;
    - missing a must-not-miss finding (an absolute contraindication) makes the whole case 0.
    Findings may be given as codes, names or aliases in any case; an unknown name raises
    UnknownNameError with the closest valid names.
    """
    given = _resolve_findings(findings)
    chosen_outcome = _resolve_outcome(outcome)
    required = item.findings
    correct = tuple(code for code in given if code in required)
    wrong = tuple(code for code in given if code not in required)
    missed = tuple(code for code in required if code not in given)
    missed_critical = tuple(code for code in item.must_not_miss if code not in given)
    outcome_correct = chosen_outcome == item.outcome
    if required:
        findings_part = max(0.0, (len(correct) - len(wrong)) / len(required))
    else:
        findings_part = 0.0 if wrong else 1.0
    fraction = 0.0 if missed_critical else 0.5 * outcome_correct + 0.5 * findings_part
    return ScreeningScore(
        fraction=round(fraction, 6),
        outcome_correct=outcome_correct,
        correct_findings=correct,
        wrong_findings=wrong,
        missed=missed,
        missed_must_not_miss=missed_critical,
        explanation=_explain(outcome_correct, correct, wrong, missed, missed_critical),
    )


def _explain(outcome_correct: bool, correct: tuple[str, ...],
             wrong: tuple[str, ...], missed: tuple[str, ...],
             missed_critical: tuple[str, ...]) -> str:
    names = finding_names()
    lines = ["Outcome: right." if outcome_correct else "Outcome: not the reference answer."]
    if correct:
        lines.append("Found: " + ", ".join(names[c] for c in correct) + ".")
    if wrong:
        lines.append("Not a finding for this client: " + ", ".join(names[c] for c in wrong) + ".")
    if missed:
        lines.append(f"Missed {len(missed)} finding(s).")
    if missed_critical:
        lines.append("An absolute contraindication was missed: the case scores 0.")
    return " ".join(lines)


