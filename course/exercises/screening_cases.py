"""Assessment 05, screening cases: one question per assessment case of the case bank.

Each case is answered with two plain values in one cell, ``caseNN_outcome = "refuse"`` and
``caseNN_findings = ["raynauds"]``, and marked by ``course.cases.score_screening``: the
outcome is worth half, the findings half (partial credit), and a missed must-not-miss
finding makes the case 0. The helpers here (answer kinds, the screening item) are also used
by lesson 04.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from course.answers import Answers, Item, Names, Score, Wrong
from course.cases import Case, case, score_screening
from course.exercises import DECISIONS
from course.knowledge import load, spellings
from course.screening import screen

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


def case_from_intake(case_id: str, intake: dict, modality: str) -> Case:
    """A case whose reference answer is the screening engine's decision for ``intake``.

    Must-not-miss findings are the refuse-level ones, as in ``course.cases.practice``.
    """
    decision = screen(intake, modality)
    return Case(id=case_id, vignette="", modality=decision.modality, intake=intake,
                outcome=decision.outcome, findings=decision.finding_codes,
                must_not_miss=tuple(f.code for f in decision.findings if f.outcome == "refuse"))


def screening_scorer(reference: Callable[[], Case], outcome: str, findings: str
                     ) -> Callable[[Answers, Answers], Score]:
    """A scorer that marks normalised answers with ``score_screening`` (partial credit)."""

    def scorer(given: Answers, expected: Answers) -> Score:
        result = score_screening(reference(), given[outcome], given[findings])
        if result.fraction == 1:
            return Score(1.0, "correct", (result.explanation,))
        status = "partly correct" if result.fraction > 0 else "incorrect"
        return Score(result.fraction, status, (result.explanation,))

    return scorer


def screening_item(item_id: str, reference: Callable[[], Case], prefix: str, points: float,
                   wrong: tuple[Wrong, ...] = (), **extra: object) -> Item:
    """A question answered by ``<prefix>_outcome`` and ``<prefix>_findings``."""
    outcome, findings = f"{prefix}_outcome", f"{prefix}_findings"
    return Item(
        id=item_id,
        answers={outcome: DECISIONS, findings: FINDINGS},
        expected=lambda: {outcome: reference().outcome, findings: list(reference().findings)},
        points=points,
        scorer=screening_scorer(reference, outcome, findings),
        wrong=wrong,
        **extra,  # type: ignore[arg-type]
    )


# One row per assessment case, in the order of the notebook (the position is the case number
# the trainee sees: case01, case02, ...). Item id: f"cases_{case_id}_{slug}" (stable).
# `distractor`: a finding that is NOT in the case, for the "one extra wrong finding" example;
# `extra_fraction`: what that answer earns (outcome right, findings (right - wrong) / required).
ASSESSMENT: tuple[tuple[str, str, str, float], ...] = (
    ("c01", "cryomassage", "migraine", 0.5),
    ("c02", "chamber", "epilepsy", 0.5),
    ("c04", "cryomassage", "acne", 0.5),
    ("c06", "chamber", "heart_disease", 0.75),
    ("c08", "cryomassage", "sunburn", 0.5),
    ("c10", "cryomassage", "acne", 0.5),
    ("c11", "cryomassage", "rosacea", 0.75),
    ("c14", "cryomassage", "changing_pigmented_lesion", 0.75),
    ("c18", "fat_freezing", "open_wound", 0.75),
    ("c21", "cold_air", "raynauds", 0.5),
    ("c28", "chamber", "hypertension", 0.5),
    ("c33", "cryomassage", "herpes", 0.5),
    ("c35", "cryomassage", "migraine", 0.75),
    ("c38", "vapour", "wet_skin", 0.5),
)


def case_item_id(case_id: str) -> str:
    """The item id (and grade_id) of an assessment case."""
    slug = next(row[1] for row in ASSESSMENT if row[0] == case_id)
    return f"cases_{case_id}_{slug}"


def case_prefix(number: int) -> str:
    """The answer-variable prefix of the case at ``number`` (1-based): "case01"."""
    return f"case{number:02d}"


def _wrong_examples(reference: Case, prefix: str, distractor: str, extra_fraction: float
                    ) -> tuple[Wrong, ...]:
    """Typical mistakes with the fraction each earns (a must-not-miss miss comes first)."""
    outcome, findings = f"{prefix}_outcome", f"{prefix}_findings"
    right = list(reference.findings)
    other_outcome = "proceed" if reference.outcome != "proceed" else "refuse"
    wrong_outcome = Wrong({outcome: other_outcome, findings: right}, 0.5)
    extra = Wrong({outcome: reference.outcome, findings: [*right, distractor]}, extra_fraction)
    if reference.must_not_miss:
        kept = [code for code in right if code not in reference.must_not_miss]
        missed = Wrong({outcome: reference.outcome, findings: kept}, 0.0)
        return (missed, wrong_outcome, extra)
    return (extra, wrong_outcome)


def _case_item(number: int, case_id: str, distractor: str, extra_fraction: float) -> Item:
    prefix = case_prefix(number)
    return screening_item(
        case_item_id(case_id), lambda: case(case_id), prefix, CASE_POINTS,
        wrong=_wrong_examples(case(case_id), prefix, distractor, extra_fraction),
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
