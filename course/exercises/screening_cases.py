"""Assessment 05, screening cases: one question per assessment case of the case bank.

Each case is answered with three plain values in one cell: ``caseNN_treatment = "defer"``
(treatment today), ``caseNN_referral = "gp"`` (or ``"none"``) and
``caseNN_findings = ["bp_above_limit"]``, and marked by ``course.cases.score_screening``
(weights in cases.toml ``[scoring]``; a missed must-not-miss finding makes the case 0).
A case's declared alternatives become the item's accepted answers, each proven to earn its
credit. The helpers here (answer kinds, the screening item) are also used by lesson 04.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from course.answers import AcceptedAnswer, Answers, Item, Names, Score, Wrong
from course.cases import Case, case, case_from_intake, score_screening, scoring_weights
from course.exercises import REFERRAL, TREATMENT
from course.knowledge import NO_REFERRAL, TREATMENTS, load, spellings

__all__ = ["CASE_POINTS", "FINDINGS", "REFERRAL", "TREATMENT", "case_from_intake",
           "screening_item"]

CASE_POINTS = 4


@functools.cache
def finding_spellings() -> dict[str, str]:
    """Every accepted spelling of every finding (code, name, aliases) -> its code."""
    kb = load()
    found = spellings(kb.conditions)
    for code, rule in kb.rules.items():
        if not rule.as_condition:
            found.setdefault(code, code)
            found.setdefault(rule.name, code)
    return found


FINDINGS = Names(finding_spellings, "finding")


def answer_names(prefix: str) -> tuple[str, str, str]:
    """The three answer variables of a screening question: treatment, referral, findings."""
    return f"{prefix}_treatment", f"{prefix}_referral", f"{prefix}_findings"


def screening_scorer(reference: Callable[[], Case], prefix: str
                     ) -> Callable[[Answers, Answers], Score]:
    """A scorer that marks normalised answers with ``score_screening`` (partial credit)."""
    treatment, referral, findings = answer_names(prefix)

    def scorer(given: Answers, expected: Answers) -> Score:
        result = score_screening(reference(), given[treatment], given[referral],
                                 given[findings])
        if result.fraction == 1:
            return Score(1.0, "correct", (result.explanation,))
        status = "partly correct" if result.fraction > 0 else "incorrect"
        return Score(result.fraction, status, (result.explanation,))

    return scorer


def reference_answers(item: Case, prefix: str) -> dict[str, object]:
    """The reference answer of a case as the three answer variables."""
    treatment, referral, findings = answer_names(prefix)
    return {treatment: item.treatment, referral: item.referral, findings: list(item.findings)}


def accepted_answers(item: Case, prefix: str) -> tuple[AcceptedAnswer, ...]:
    """Each declared alternative as a full answer (the rest as the reference) and its credit."""
    weights = scoring_weights()
    accepted = []
    for alternative in item.alternatives:
        answers = {**reference_answers(item, prefix),
                   f"{prefix}_{alternative.part}": alternative.answer}
        fraction = round(1 - weights[alternative.part] * (1 - alternative.credit), 6)
        accepted.append(AcceptedAnswer(answers, fraction, alternative.reason))
    return tuple(accepted)


def screening_item(item_id: str, reference: Callable[[], Case], prefix: str, points: float,
                   wrong: tuple[Wrong, ...] = (), **extra: object) -> Item:
    """A question answered by ``<prefix>_treatment``, ``_referral`` and ``_findings``."""
    treatment, referral, findings = answer_names(prefix)
    return Item(
        id=item_id,
        answers={treatment: TREATMENT, referral: REFERRAL, findings: FINDINGS},
        expected=lambda: reference_answers(reference(), prefix),
        points=points,
        scorer=screening_scorer(reference, prefix),
        wrong=wrong,
        accepted=accepted_answers(reference(), prefix),
        **extra,  # type: ignore[arg-type]
    )


# One row per assessment case, in the order of the notebook (the position is the case number
# the trainee sees: case01, case02, ...). Item id: f"cases_{case_id}_{slug}" (stable).
# `distractor`: a finding that is NOT in the case, for the "one extra wrong finding" example;
# `extra_fraction`: what that answer earns (everything else right; findings part
# (right - wrong) / required: 0.6 with one required finding, 0.8 with two).
ASSESSMENT: tuple[tuple[str, str, str, float], ...] = (
    ("c01", "cryomassage", "migraine", 0.6),
    ("c02", "chamber", "epilepsy", 0.6),
    ("c04", "cryomassage", "acne", 0.6),
    ("c06", "chamber", "heart_disease", 0.8),
    ("c08", "cryomassage", "sunburn", 0.6),
    ("c10", "cryomassage", "acne", 0.6),
    ("c11", "cryomassage", "rosacea", 0.8),
    ("c14", "cryomassage", "changing_pigmented_lesion", 0.8),
    ("c18", "fat_freezing", "open_wound", 0.8),
    ("c21", "cold_air", "raynauds", 0.6),
    ("c28", "chamber", "hypertension", 0.6),
    ("c33", "cryomassage", "herpes", 0.6),
    ("c35", "cryomassage", "migraine", 0.8),
    ("c38", "vapour", "wet_skin", 0.6),
)
WRONG_TREATMENT_FRACTION = 0.6  # treatment part (0.4) lost, the rest right
WRONG_REFERRAL_FRACTION = 0.8  # referral part (0.2) lost: "none" for a doctor, or the reverse


def case_item_id(case_id: str) -> str:
    """The item id (and grade_id) of an assessment case."""
    slug = next(row[1] for row in ASSESSMENT if row[0] == case_id)
    return f"cases_{case_id}_{slug}"


def case_prefix(number: int) -> str:
    """The answer-variable prefix of the case at ``number`` (1-based): "case01"."""
    return f"case{number:02d}"


def _declared(item: Case, part: str) -> set[str]:
    return {getattr(item, part)} | {a.answer for a in item.alternatives if a.part == part}


def _other(options: Iterable[str], taken: set[str], first_choice: str) -> str:
    """An answer that is neither the reference nor a declared alternative."""
    return first_choice if first_choice not in taken else next(
        option for option in options if option not in taken)


def wrong_examples(reference: Case, prefix: str, distractor: str, extra_fraction: float
                   ) -> tuple[Wrong, ...]:
    """Typical mistakes with the fraction each earns (a must-not-miss miss comes first)."""
    treatment, referral, findings = answer_names(prefix)
    right = reference_answers(reference, prefix)
    other_treatment = _other(TREATMENTS, _declared(reference, "treatment"),
                             "proceed" if reference.treatment != "proceed" else "refuse")
    wrong_treatment = Wrong({**right, treatment: other_treatment}, WRONG_TREATMENT_FRACTION)
    other_referral = "gp" if reference.referral == NO_REFERRAL else NO_REFERRAL
    referrals = _declared(reference, "referral")
    wrong_referral = (Wrong({**right, referral: other_referral}, WRONG_REFERRAL_FRACTION)
                      if other_referral not in referrals else None)
    extra = Wrong({**right, findings: [*reference.findings, distractor]}, extra_fraction)
    if reference.must_not_miss:
        kept = [code for code in reference.findings if code not in reference.must_not_miss]
        missed = Wrong({**right, findings: kept}, 0.0)
        chosen = (missed, wrong_treatment, wrong_referral, extra)
    else:
        chosen = (extra, wrong_referral, wrong_treatment)
    return tuple(wrong for wrong in chosen if wrong is not None)


def _case_item(number: int, case_id: str, distractor: str, extra_fraction: float) -> Item:
    prefix = case_prefix(number)
    return screening_item(
        case_item_id(case_id), lambda: case(case_id), prefix, CASE_POINTS,
        wrong=wrong_examples(case(case_id), prefix, distractor, extra_fraction),
    )


@functools.cache
def assessment_items() -> tuple[Item, ...]:
    """The items of assessment 05, in notebook order (built on first use, not at import)."""
    return tuple(_case_item(number, case_id, distractor, fraction)
                 for number, (case_id, _, distractor, fraction) in enumerate(ASSESSMENT, 1))


def __getattr__(name: str) -> object:
    """``ITEMS`` is read by course.exercises; building it reads the case bank, so it is lazy."""
    if name == "ITEMS":
        return assessment_items()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

