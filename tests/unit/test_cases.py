"""Tests of the case bank, the practice generator and the screening scorer."""

from __future__ import annotations

import pytest

from course.cases import case, case_conflicts, cases, practice, score_screening
from course.knowledge import UnknownNameError, load
from course.screening import screen


@pytest.mark.parametrize("item", cases(), ids=lambda item: item.id)
def test_engine_agrees_with_every_authored_case(item) -> None:
    decision = screen(item.intake, item.modality)
    assert decision.outcome == item.outcome
    assert set(decision.finding_codes) == set(item.findings)
    refuse_level = {f.code for f in decision.findings if f.outcome == "refuse"}
    assert refuse_level <= set(item.must_not_miss)


def test_bank_size_and_assessment_flags() -> None:
    bank = cases()
    assert len(bank) >= 30
    assessment = [item for item in bank if item.assessment]
    assert 12 <= len(assessment) <= 14
    outcomes = {item.outcome for item in assessment}
    assert {"proceed", "modify", "refuse"} <= outcomes
    assert sum(len(item.findings) >= 2 for item in assessment) >= 3


def test_every_refuse_level_condition_is_covered() -> None:
    kb = load()
    refuse_level = {code for code, c in kb.conditions.items()
                    if "refuse" in (c.category, *c.overrides.values())}
    named = {code for item in cases() for code in item.findings}
    assert refuse_level - named == set()


def test_every_conflict_appears() -> None:
    touched = {code for item in cases() for code in case_conflicts(item)}
    assert touched == set(load().conflicts)


def test_practice_is_deterministic_per_seed() -> None:
    assert practice(7) == practice(7)
    drawn = {practice(seed).vignette for seed in range(20)}
    assert len(drawn) > 15


def test_practice_reference_comes_from_the_engine() -> None:
    for seed in range(40):
        item = practice(seed)
        decision = screen(item.intake, item.modality)
        assert item.outcome == decision.outcome and item.findings == decision.finding_codes
        assert item.vignette


def test_full_marks() -> None:
    result = score_screening(case("c11"), "Clearance", ["Migraine", "summer sun planned"])
    assert result.fraction == 1.0 and result.outcome_correct and not result.missed


def test_partial_credit() -> None:
    item = case("c11")
    assert score_screening(item, "clearance", ["migraines"]).fraction == 0.75
    # one correct, one wrong: findings half drops to 0
    result = score_screening(item, "defer", ["migraine", "rosacea"])
    assert result.fraction == 0.0 and result.wrong_findings == ("rosacea",)
    assert score_screening(item, "clearance", ["rosacea", "acne"]).fraction == 0.5


def test_missed_must_not_miss_scores_zero() -> None:
    item = case("c06")  # hypertension + blood pressure above the limit (refuse)
    result = score_screening(item, "refuse", ["high blood pressure"])
    assert result.fraction == 0.0
    assert result.missed_must_not_miss == ("bp_above_limit",)
    assert "absolute contraindication" in result.explanation


def test_proceed_case_with_no_findings() -> None:
    assert score_screening(case("c01"), "proceed", []).fraction == 1.0
    assert score_screening(case("c01"), "proceed", ["migraine"]).fraction == 0.5


def test_unknown_names_raise_helpful_errors() -> None:
    with pytest.raises(UnknownNameError) as caught:
        score_screening(case("c02"), "refuse", ["raynods"])
    assert "raynauds" in str(caught.value)
    with pytest.raises(UnknownNameError, match="refuse"):
        score_screening(case("c02"), "refused", ["raynauds"])
    assert case("C1").id == "c01"
    with pytest.raises(UnknownNameError, match="c01"):
        case("c01x")
