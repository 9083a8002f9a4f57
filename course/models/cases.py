"""Case bank (course/data/cases.toml), practice clients and the screening scorer.

Public API (stable; per-trainee variants build on it):

* `Case`: a client to screen with the reference answer in two parts (``treatment``,
  ``referral``), the ``findings`` a trainee must name, ``optional_findings`` that may be named
  without penalty (precautions the engine reports, and those the case declares: a condition
  away from the site, a finding another one decides), ``finding_alternatives`` (another name
  that earns a required finding's share: "rosacea" for a rosacea flare), ``must_not_miss``
  findings and declared ``alternatives`` (another answer for one part, with its credit and
  the reason).
* ``cases()``, ``case(id)``: the authored bank; ``practice(seed)``: a generated client;
  ``case_from_intake(id, intake, modality, alternatives=())``: a case whose reference is the
  engine's decision.
* ``score_screening(case, treatment, referral, findings) -> ScreeningScore``; the weights of
  the three parts and the credit for naming another doctor are in cases.toml ``[scoring]``.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from course.facts.knowledge import (
    NO_REFERRAL,
    TREATMENTS,
    KnowledgeError,
    UnknownNameError,
    find_referral,
    find_treatment,
    load,
    packaged_file,
)
from course.foundation.names import did_you_mean
from course.models.screening import PARTS, find_finding, finding_names, screen


@dataclass(frozen=True)
class Alternative:
    """Another answer for one part of a case ("treatment" or "referral") that a fair
    examiner accepts, with the credit it earns for that part (0-1] and why."""

    part: str
    answer: str
    credit: float
    reason: str


@dataclass(frozen=True)
class Case:
    """One client to screen, with the two-part reference answer."""

    id: str
    vignette: str
    modality: str
    intake: Mapping[str, Any]
    treatment: str
    referral: str
    findings: tuple[str, ...]
    must_not_miss: tuple[str, ...] = ()
    assessment: bool = False
    conflicts: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    optional_findings: tuple[str, ...] = ()
    finding_alternatives: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))

    def credit(self, part: str, answer: str) -> float:
        """The credit `answer` earns for `part`: 1 for the reference, a declared alternative's
        credit, else 0 (the scorer adds the other-doctor credit for referrals)."""
        if answer == getattr(self, part):
            return 1.0
        return max((alt.credit for alt in self.alternatives
                    if alt.part == part and alt.answer == answer), default=0.0)


@dataclass(frozen=True)
class ScreeningScore:
    """The score of one screening answer (see `score_screening` for the rule)."""

    fraction: float
    treatment_credit: float
    referral_credit: float
    findings_credit: float
    correct_findings: tuple[str, ...]
    wrong_findings: tuple[str, ...]
    missed: tuple[str, ...]
    missed_must_not_miss: tuple[str, ...]
    explanation: str

    @property
    def treatment_correct(self) -> bool:
        """Whether the treatment part earned full credit."""
        return self.treatment_credit == 1


def _data() -> Mapping[str, Any]:
    return packaged_file("cases.toml")


@functools.cache
def scoring_weights() -> dict[str, float]:
    """The share of a case for each part, and the credit for naming another doctor."""
    settings = dict(_data()["scoring"])
    if abs(sum(settings[part] for part in (*PARTS, "findings")) - 1) > 1e-9:
        raise KnowledgeError("cases.toml: [scoring] treatment + referral + findings must be 1")
    return settings


def _alternative(label: str, raw: Mapping[str, Any]) -> Alternative:
    part, answer = raw["part"], raw["answer"]  # the schema (course/facts/schemas.py) has
    alternative = Alternative(part, answer, float(raw["credit"]), raw["reason"])  # checked them
    valid = TREATMENTS if part == "treatment" else tuple(load().referrals)
    if part not in PARTS or answer not in valid:
        raise KnowledgeError(f"{label}: alternative {part!r} = {answer!r} is not a valid answer")
    if not 0 < alternative.credit <= 1:
        raise KnowledgeError(f"{label}: an alternative's credit must be in (0, 1]")
    return alternative


def _case(raw: Mapping[str, Any]) -> Case:
    label = f"cases.toml: case {raw.get('id', '?')!r}"
    case = Case(  # every field's presence and kind checked by the schema
        id=raw["id"],
        vignette=raw["vignette"],
        modality=raw["modality"],
        intake=MappingProxyType(dict(raw.get("intake", {}))),
        treatment=raw["treatment"],
        referral=raw.get("referral", NO_REFERRAL),
        findings=tuple(raw.get("findings", ())),
        must_not_miss=tuple(raw.get("must_not_miss", ())),
        assessment=bool(raw.get("assessment", False)),
        conflicts=tuple(raw.get("conflicts", ())),
        alternatives=tuple(_alternative(label, alt) for alt in raw.get("alternatives", ())),
        optional_findings=tuple(raw.get("optional_findings", ())),
        finding_alternatives=MappingProxyType(
            {code: tuple(others)
             for code, others in raw.get("finding_alternatives", {}).items()}),
    )
    if case.referral not in load().referrals:
        raise KnowledgeError(f"{label}: unknown referral {case.referral!r}")
    if not set(case.must_not_miss) <= set(case.findings):
        raise KnowledgeError(f"{label}: must_not_miss must be among the findings")
    unknown = [code for code in case.conflicts if code not in load().conflicts]
    if unknown:
        raise KnowledgeError(f"{label}: unknown conflict {unknown[0]!r}")
    named = finding_names()
    declared = (*case.optional_findings, *case.finding_alternatives,
                *(c for others in case.finding_alternatives.values() for c in others))
    unknown = [code for code in declared if code not in named]
    if unknown:
        raise KnowledgeError(f"{label}: unknown finding {unknown[0]!r}")
    if not set(case.finding_alternatives) <= set(case.findings):
        raise KnowledgeError(f"{label}: finding_alternatives must be for required findings")
    decision = screen(case.intake, case.modality)
    optional = tuple(dict.fromkeys(
        (*case.optional_findings,
         *(c for c in decision.finding_codes if c not in case.findings))))
    return Case(**{**case.__dict__, "optional_findings": optional})


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


def case_from_intake(case_id: str, intake: Mapping[str, Any], modality: str,
                     alternatives: Iterable[Alternative] = (), vignette: str = "") -> Case:
    """A case whose reference answer is the screening engine's decision for ``intake``.

    Must-not-miss findings are the refuse-level ones; every other referral the decision names
    is an alternative worth full credit for the referral part.
    """
    decision = screen(intake, modality)
    others = tuple(Alternative("referral", who, 1.0, "The decision also sends the client there.")
                   for who in decision.referrals[1:])
    return Case(id=case_id, vignette=vignette, modality=decision.modality,
                intake=MappingProxyType(dict(intake)), treatment=decision.treatment,
                referral=decision.referral, findings=decision.required_codes,
                must_not_miss=tuple(f.code for f in decision.findings if f.treatment == "refuse"),
                alternatives=(*others, *alternatives),
                optional_findings=tuple(c for c in decision.finding_codes
                                        if c not in decision.required_codes))


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


def _place(site: str) -> str:
    return site.replace("_", " ").replace("decollete", "décolleté")


def _vignette(name: str, intake: Mapping[str, Any], modality: str) -> str:
    """A plain-language description generated from the intake."""
    kb = load()
    chosen = kb.modalities[modality]
    parts = [f"{name}, {intake['age']}, asks for {chosen.name[0].lower()}{chosen.name[1:]}; "
             f"area: {_place(str(intake['site']))}."]
    conditions = intake["conditions"]
    names = [kb.conditions[code].name + (f" (on the {_place(conditions[code])})"
                                         if conditions[code] else "")
             for code in conditions]
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
    (both parts and the findings) comes from the screening engine; must_not_miss =
    refuse-level findings. A local condition is sometimes placed on another part of the body.
    """
    settings = _data()["practice"]
    rng = random.Random(seed)
    kb = load()
    modality_weights = settings["modalities"]
    modality = rng.choices(list(modality_weights), weights=list(modality_weights.values()))[0]
    chosen = kb.modalities[modality]
    woman = intake_chance(rng, settings["share_women"])
    name = rng.choice(settings["women"] if woman else settings["men"])
    low_age, high_age = settings["age"]
    site = rng.choice(chosen.sites)
    conditions: dict[str, str | None] = {}
    for code, chance in settings["conditions"].items():
        if rng.random() < chance:
            local = kb.conditions[code].local
            conditions[code] = (rng.choice(kb.sites[:-1])
                                if local and intake_chance(rng, settings["elsewhere"]) else None)
    intake: dict[str, Any] = {
        "age": rng.randint(low_age, high_age),
        "site": site,
        "weight_kg": _bounded_normal(rng, settings["weight_kg"]),
        "systolic_bp": _bounded_normal(rng, settings["systolic_bp"]),
        "diastolic_bp": _bounded_normal(rng, settings["diastolic_bp"]),
        "conditions": conditions,
        "pregnant": woman and intake_chance(rng, settings["pregnant"]),
        "skin_wet": intake_chance(rng, settings["skin_wet"]),
        "sun_exposure_planned": intake_chance(rng, settings["sun_exposure_planned"]),
    }
    # Only a client who has high blood pressure (on the form or today) can say it is not
    # controlled; for anyone else the question does not arise.
    has_high_bp = "hypertension" in conditions or intake["systolic_bp"] >= 140
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
    return case_from_intake(f"practice-{seed}", intake, modality,
                            vignette=_vignette(name, intake, modality))


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


def _referral_credit(item: Case, given: str) -> float:
    credit = item.credit("referral", given)
    if credit == 0 and NO_REFERRAL not in (given, item.referral):
        return float(scoring_weights()["other_doctor_credit"])
    return credit


def score_screening(item: Case, treatment: str, referral: str, findings: Iterable[str]
                    ) -> ScreeningScore:
    """Score one screening answer for `item`.

    Rule (weights from cases.toml [scoring]):
    - treatment today: all or nothing, or the credit of a declared alternative;
    - referral: all or nothing, or a declared alternative's credit; naming another doctor when
      the client must see one earns ``other_doctor_credit``;
    - findings, with partial credit: each required finding earns an equal share (1/n), each
      finding that is not in the decision costs one share, never below 0; the decision's
      optional findings (precautions) may be named freely. When no finding is required, the
      share is earned only if no wrong finding is named;
    - missing a must-not-miss finding makes the whole case 0.
    Answers may be codes, names or aliases in any case; an unknown name raises
    UnknownNameError with the closest valid names.
    """
    given = _as_required(item, _resolve_findings(findings))
    chosen_treatment = find_treatment(str(treatment))
    chosen_referral = find_referral(str(referral))
    required = item.findings
    correct = tuple(code for code in given if code in required)
    wrong = tuple(code for code in given
                  if code not in required and code not in item.optional_findings)
    missed = tuple(code for code in required if code not in given)
    missed_critical = tuple(code for code in item.must_not_miss if code not in given)
    treatment_credit = item.credit("treatment", chosen_treatment)
    referral_credit = _referral_credit(item, chosen_referral)
    if required:
        findings_credit = max(0.0, (len(correct) - len(wrong)) / len(required))
    else:
        findings_credit = 0.0 if wrong else 1.0
    weights = scoring_weights()
    fraction = 0.0 if missed_critical else (weights["treatment"] * treatment_credit
                                            + weights["referral"] * referral_credit
                                            + weights["findings"] * findings_credit)
    return ScreeningScore(
        fraction=round(fraction, 6),
        treatment_credit=treatment_credit,
        referral_credit=referral_credit,
        findings_credit=round(findings_credit, 6),
        correct_findings=correct,
        wrong_findings=wrong,
        missed=missed,
        missed_must_not_miss=missed_critical,
        explanation=_explain(item, chosen_treatment, chosen_referral, correct, wrong, missed,
                             missed_critical),
    )


def _as_required(item: Case, given: tuple[str, ...]) -> tuple[str, ...]:
    """The findings named, a declared other name counted as the required finding it stands
    for ("rosacea" for a rosacea flare), once."""
    out: list[str] = []
    for code in given:
        for required, others in item.finding_alternatives.items():
            if code in others:
                code = required
        if code not in out:
            out.append(code)
    return tuple(out)


def _part_text(item: Case, part: str, given: str, credit: float) -> str:
    """One part of the decision in words: right, accepted, or not right and what the word
    the trainee chose means (decisions.toml), so a lost part is explained, not only named."""
    label = "Treatment today" if part == "treatment" else "Referral"
    if given == getattr(item, part):
        return f"{label}: right."
    kb = load()
    word = (kb.treatments if part == "treatment" else kb.referrals)[given]
    declared = [alt for alt in item.alternatives if alt.part == part and alt.answer == given]
    if declared:
        return (f"{label}: '{word.name}' is accepted ({credit:.0%} of this part): "
                f"{declared[0].reason}")
    if credit:
        return (f"{label}: '{word.name}' is another doctor than the best one ({credit:.0%} of "
                "this part).")
    return (f"{label}: '{word.name}' is not right for this client. It means: "
            f"{word.meaning.rstrip('.')}.")


def _explain(item: Case, treatment: str, referral: str, correct: tuple[str, ...],
             wrong: tuple[str, ...], missed: tuple[str, ...],
             missed_critical: tuple[str, ...]) -> str:
    names = finding_names()
    lines = [_part_text(item, "treatment", treatment, item.credit("treatment", treatment)),
             _part_text(item, "referral", referral, _referral_credit(item, referral))]
    if correct:
        lines.append("Findings right: " + "; ".join(names[c] for c in correct) + ".")
    if wrong:
        lines.append("Not a finding for this client: " + "; ".join(names[c] for c in wrong) + ".")
    if missed:
        lines.append(f"Findings missed: {len(missed)}.")
    if not (correct or wrong or missed):
        lines.append("Findings: right.")
    if missed_critical:
        lines.append("A must-not-miss finding was missed: the case scores 0.")
    return " ".join(lines)
