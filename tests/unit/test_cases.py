"""Tests of the case bank, the practice generator and the screening scorer."""

from __future__ import annotations

import pytest

from course.facts.knowledge import UnknownNameError, load
from course.models.cases import (
    Case,
    case,
    case_conflicts,
    cases,
    practice,
    score_screening,
    scoring_weights,
)
from course.models.screening import screen


@pytest.mark.parametrize("item", cases(), ids=lambda item: item.id)
def test_engine_agrees_with_every_authored_case(item: Case) -> None:
    decision = screen(item.intake, item.modality)
    assert decision.treatment == item.treatment
    assert decision.referral == item.referral
    assert set(item.findings) <= set(decision.required_codes)
    assert set(decision.required_codes) <= set(item.findings) | set(item.optional_findings)
    refuse_level = {f.code for f in decision.findings if f.treatment == "refuse"}
    assert refuse_level <= set(item.must_not_miss)


def test_bank_size_and_assessment_flags() -> None:
    bank = cases()
    assert len(bank) >= 30
    assessment = [item for item in bank if item.assessment]
    assert 12 <= len(assessment) <= 14
    treatments = {item.treatment for item in assessment}
    assert {"proceed", "modify", "defer", "clearance", "refuse"} <= treatments
    assert sum(item.referral != "none" for item in assessment) >= 3
    assert sum(len(item.findings) >= 2 for item in assessment) >= 3
    assert sum(bool(item.alternatives) for item in assessment) >= 3


def test_every_refuse_level_condition_is_covered() -> None:
    kb = load()
    refuse_level = {code for code, c in kb.conditions.items()
                    if c.treatment == "refuse" and not c.overrides}
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
    for seed in range(60):
        item = practice(seed)
        decision = screen(item.intake, item.modality)
        assert item.treatment == decision.treatment and item.referral == decision.referral
        assert item.findings == decision.required_codes
        assert item.vignette
        assert score_screening(item, item.treatment, item.referral, item.findings
                               ).fraction == 1


def test_full_marks() -> None:
    result = score_screening(case("c11"), "Clearance", "GP",
                             ["Migraine", "summer sun planned"])
    assert result.fraction == 1.0 and result.treatment_correct and not result.missed


def test_weights_are_data_and_add_up() -> None:
    weights = scoring_weights()
    assert weights["treatment"] + weights["referral"] + weights["findings"] == pytest.approx(1)


def test_partial_credit() -> None:
    item = case("c11")  # clearance (the GP gives the written OK), two findings
    assert score_screening(item, "clearance", "gp", ["migraines"]).fraction == 0.8
    # the neurologist is a declared alternative for the doctor who gives the OK
    assert score_screening(item, "clearance", "specialist", ["migraine", "summer_sun_planned"]
                           ).fraction == 1
    # a clearance with nobody named loses the referral part
    assert score_screening(item, "clearance", "none", ["migraine", "summer_sun_planned"]
                           ).fraction == 0.8
    # one correct, one wrong: findings part drops to 0
    result = score_screening(item, "proceed", "gp", ["migraine", "rosacea"])
    assert result.fraction == pytest.approx(0.2) and result.wrong_findings == ("rosacea",)
    assert score_screening(item, "clearance", "gp", ["rosacea", "acne"]).fraction == 0.6
    # a doctor named where none is needed loses the referral part
    assert score_screening(case("c03"), "defer", "gp", ["herpes"]).fraction == 0.8


def test_declared_alternatives_earn_their_credit() -> None:
    for item in cases():
        for alternative in item.alternatives:
            answer = {"treatment": item.treatment, "referral": item.referral,
                      alternative.part: alternative.answer}
            result = score_screening(item, answer["treatment"], answer["referral"],
                                     item.findings)
            expected = 1 - scoring_weights()[alternative.part] * (1 - alternative.credit)
            assert result.fraction == pytest.approx(expected), (item.id, alternative)
            assert alternative.reason in result.explanation


def test_another_doctor_earns_part_of_the_referral() -> None:
    item = case("c14")  # modify, dermatologist
    findings = list(item.findings)
    assert score_screening(item, "modify", "gp", findings).referral_credit == 0.5
    assert score_screening(item, "modify", "none", findings).referral_credit == 0
    assert score_screening(item, "modify", "Dermatologist", findings).fraction == 1


def test_missed_must_not_miss_scores_zero() -> None:
    item = case("c06")  # treated hypertension + a reading above the limit today
    result = score_screening(item, "defer", "gp", ["high blood pressure"])
    assert result.fraction == 0.0
    assert result.missed_must_not_miss == ("bp_above_limit",)
    assert "must-not-miss" in result.explanation


def test_proceed_case_with_no_findings() -> None:
    assert score_screening(case("c01"), "proceed", "none", []).fraction == 1.0
    assert score_screening(case("c01"), "proceed", "none", ["migraine"]).fraction == 0.6


def test_optional_precaution_findings_are_never_wrong() -> None:
    item = case("c37")  # darker skin, cryo facial: proceed with consent
    assert item.findings == () and "darker_phototype" in item.optional_findings
    assert score_screening(item, "proceed", "none", ["darker skin"]).fraction == 1.0
    assert score_screening(item, "proceed", "none", []).fraction == 1.0


def test_unknown_names_raise_helpful_errors() -> None:
    with pytest.raises(UnknownNameError) as caught:
        score_screening(case("c02"), "refuse", "none", ["raynods"])
    assert "raynauds" in str(caught.value)
    with pytest.raises(UnknownNameError, match="refuse"):
        score_screening(case("c02"), "refusse", "none", ["raynauds"])
    with pytest.raises(UnknownNameError, match="referral"):
        score_screening(case("c02"), "refuse", "vet", ["raynauds"])
    assert case("C1").id == "c01"
    with pytest.raises(UnknownNameError, match="c01"):
        case("c01x")


@pytest.mark.parametrize("none", ["n/a", "N/A", "none", "-", "nil", [], ["no findings"], None])
def test_no_findings_written_any_listed_way_earns_the_findings_part(none) -> None:
    """Issue 31: "n/a", listed as a "none" word, was refused."""
    from course.exercises.screening_cases import reference_answers, screening_item

    c01 = case("c01")
    assert not c01.findings
    question = screening_item("t_c01", lambda: c01, "c", 3)
    assert question.score(reference_answers(c01, "c")).fraction == 1
    assert question.score({**reference_answers(c01, "c"), "c_findings": none}).fraction == 1


@pytest.mark.parametrize("shrug", ["?", "", "\u00af\\_(\u30c4)_/\u00af", ["?"], ["\U0001f937"]])
def test_findings_that_name_nothing_are_malformed_not_none(shrug) -> None:
    """Issue 31: "?" or a shrug folded to the empty word and earned the whole findings part."""
    from course.exercises.screening_cases import reference_answers, screening_item

    for name in ("c01", "c02"):  # no finding required, and some
        item = case(name)
        question = screening_item(f"t_{name}", lambda item=item: item, "c", 3)
        score = question.score({**reference_answers(item, "c"), "c_findings": shrug})
        assert score.status == "malformed" and score.fraction == 0
        assert "names no finding" in score.message and "[]" in score.message


# Second clinical review (415e833), section (4): the keys of c06, c21, c22 and c42, proven both
# ways: the reference earns full marks, a blank answer 0, known-wrong answers lose what they
# should, every declared alternative earns exactly its credit.
REVIEWED_KEYS = [
    # (case, treatment, referral, findings, fraction)
    ("c22", "proceed", "none", [], 1.0),
    ("c22", "proceed", "none", ["leg_foot_neuropathy"], 1.0),  # off-site finding named
    ("c22", "refuse", "none", ["leg_foot_neuropathy"], 0.6),
    ("c22", "proceed", "none", ["migraine"], 0.6),
    ("c21", "refuse", "none", ["leg_foot_neuropathy"], 1.0),
    ("c21", "refuse", "gp", ["leg_foot_neuropathy", "diabetes"], 1.0),
    ("c21", "refuse", "gp", ["diabetes"], 0.0),  # the must-not-miss finding missed
    ("c21", "proceed", "none", ["leg_foot_neuropathy"], 0.6),
    ("c42", "defer", "none", ["rosacea_flare"], 1.0),
    ("c42", "defer", "dermatologist", ["rosacea_flare"], 1.0),
    ("c42", "defer", "none", ["rosacea"], 1.0),
    ("c42", "defer", "dermatologist", ["rosacea", "rosacea_flare"], 1.0),
    ("c42", "proceed", "none", ["rosacea"], 0.6),
    ("c42", "defer", "none", ["acne"], 0.6),
    ("c06", "defer", "gp", ["bp_above_limit"], 1.0),
    ("c06", "defer", "gp", ["bp_above_limit", "hypertension"], 1.0),
    ("c06", "clearance", "gp", ["bp_above_limit"], 1.0),
    ("c06", "proceed", "none", ["bp_above_limit"], 0.4),
]


@pytest.mark.parametrize(("case_id", "treatment", "referral", "findings", "fraction"),
                         REVIEWED_KEYS)
def test_the_keys_the_second_review_asked_for(case_id: str, treatment: str, referral: str,
                                              findings: list, fraction: float) -> None:
    result = score_screening(case(case_id), treatment, referral, findings)
    assert result.fraction == pytest.approx(fraction), result.explanation


@pytest.mark.parametrize("case_id", ["c06", "c21", "c22", "c42", "c44", "c45"])
def test_reviewed_cases_reference_full_blank_zero(case_id: str) -> None:
    item = case(case_id)
    assert score_screening(item, item.treatment, item.referral, item.findings).fraction == 1.0
    blank_treatment = "proceed" if item.treatment != "proceed" else "refuse"
    blank_referral = "none" if item.referral != "none" else "gp"
    blank = score_screening(item, blank_treatment, blank_referral, [])
    assert blank.fraction == (0.0 if item.findings else pytest.approx(0.4))
