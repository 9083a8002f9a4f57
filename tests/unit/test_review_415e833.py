"""The second clinical review (docs/reviews/clinical-review-415e833.md, issue 24): each intake
phrasing it names, in its own words, with the reading it must give and the two-part decision
(treatment today, referral) per modality and site where the review states it; and the data
points of the review (claims, sources, the epilepsy mechanism, the unclear item's wording).
"""

from __future__ import annotations

import pytest

from course.facts.knowledge import load
from course.models.intake_reading import read_line
from course.models.screening import screen

# (line as written, the condition codes it must be read as, in order)
READINGS = [
    ("on warfarin for AF", ("bleeding_disorder", "heart_disease")),
    ("blood thinners for a heart valve", ("bleeding_disorder", "heart_disease")),
    ("aspirin because of a stent", ("bleeding_disorder", "heart_disease")),
    ("AF", ("heart_disease",)),
    ("atrial fibrillation", ("heart_disease",)),
    ("irregular heartbeat", ("heart_disease",)),
    ("heart valve replacement", ("heart_disease",)),
    ("stent fitted last year", ("heart_disease",)),
    ("chilblains every winter", ("chilblains",)),
    ("pernio", ("chilblains",)),
    ("gets hives in the cold", ("cold_urticaria",)),
    ("hives", ("urticaria",)),
    ("white fingers in the cold", ("raynauds",)),
    ("fingers go white in the cold", ("raynauds",)),
    ("fingers go blue in the cold", ("raynauds",)),
    ("her fingers go white in the cold", ("raynauds",)),
    ("my hands hurt in the cold", ("cold_reaction",)),
    ("skin goes blotchy and itchy in the winter", ("cold_reaction",)),
    ("allergic to cold", ("cold_urticaria",)),
    ("nut allergy, carries epipen", ("allergy_not_cold", "allergy_not_cold")),
    ("hay fever", ("allergy_not_cold",)),
    ("diabetic with numb toes", ("diabetes", "leg_foot_neuropathy")),
    ("numb cheek after dental work", ("temporary_numbness",)),
    ("sickle cell trait", ("sickle_cell_trait",)),
    ("thalassaemia minor", ("sickle_cell_trait",)),
    ("sickle cell disease", ("haemoglobinopathy",)),
    ("lupus", ("connective_tissue_disease",)),
    ("scleroderma", ("connective_tissue_disease",)),
    ("systemic sclerosis", ("connective_tissue_disease",)),
    ("MCTD", ("connective_tissue_disease",)),
    ("cryofibrinogenaemia", ("cryofibrinogenaemia",)),
    ("trigeminal neuralgia", ("trigeminal_neuralgia",)),
    ("Bell's palsy", ("bells_palsy",)),
    ("multiple sclerosis", ("multiple_sclerosis",)),
    ("had a stroke", ("stroke",)),
    ("epilepsy, seizure-free six years", ("epilepsy_controlled",)),
    ("eczema as a child", ("eczema_history",)),
    ("breast cancer treated 2015, all clear", ("cancer",)),
    ("had chemo finished last year", ("cancer",)),
    ("HIV, undetectable", ("hiv",)),
    ("low blood pressure", ("low_blood_pressure",)),
    ("numb fingers in the cold", ("cold_reaction",)),
    ("hives after swimming", ("cold_urticaria",)),
    ("keloid scars", ("keloid",)),
    ("vitiligo on the hands", ("vitiligo",)),
    ("melasma", ("melasma",)),
    ("IVF", ("ivf",)),
    ("recent covid", ("acute_inflammation_infection",)),
]

# (line, modality, site or None, treatment today, referrals that must be named)
DECISIONS = [
    ("on warfarin for AF", "cryosauna", None, "refuse", {"specialist"}),
    ("on warfarin for AF", "cold_air_local", "legs", "clearance", {"specialist", "gp"}),
    ("blood thinners for a heart valve", "cryosauna", None, "refuse", {"specialist"}),
    ("aspirin because of a stent", "cryosauna", None, "refuse", {"specialist"}),
    ("AF", "cryosauna", None, "refuse", {"specialist"}),
    ("atrial fibrillation", "cryosauna", None, "refuse", {"specialist"}),
    ("irregular heartbeat", "cryosauna", None, "refuse", {"specialist"}),
    ("heart valve replacement", "cryosauna", None, "refuse", {"specialist"}),
    ("stent fitted last year", "cryosauna", None, "refuse", {"specialist"}),
    ("chilblains every winter", "cold_air_local", "legs", "refuse", {"gp"}),
    ("chilblains every winter", "cold_air_local", "hands", "refuse", {"gp"}),
    ("chilblains every winter", "cryosauna", None, "refuse", {"gp"}),
    ("chilblains every winter", "cryo_facial", None, "clearance", {"gp"}),
    ("gets hives in the cold", "cold_air_local", None, "refuse", {"gp"}),
    ("gets hives in the cold", "cryo_facial", None, "refuse", {"gp"}),
    ("white fingers in the cold", "cryo_facial", None, "refuse", set()),
    ("fingers go white in the cold", "cold_air_local", "legs", "refuse", set()),
    ("my hands hurt in the cold", "cryo_facial", None, "refuse", {"gp"}),
    ("nut allergy, carries epipen", "cryo_facial", None, "proceed", set()),
    ("hay fever", "cryo_facial", None, "proceed", set()),
    ("diabetic with numb toes", "cold_air_local", "legs", "refuse", set()),
    ("diabetic with numb toes", "cryosauna", None, "refuse", set()),
    ("diabetic with numb toes", "cold_air_local", "arms", "proceed", set()),
    ("numb cheek after dental work", "cryo_facial", None, "defer", set()),
    ("numb cheek after dental work", "cold_air_local", "legs", "proceed", set()),
    ("sickle cell trait", "cryosauna", None, "proceed", set()),
    ("sickle cell trait", "cryo_facial", None, "proceed", set()),
    ("sickle cell disease", "cryosauna", None, "refuse", {"specialist"}),
    ("lupus", "cryo_facial", None, "clearance", {"specialist"}),
    ("lupus", "cold_air_local", "hands", "refuse", {"specialist"}),
    ("lupus", "cold_air_local", "feet", "refuse", {"specialist"}),
    ("lupus", "cryosauna", None, "refuse", {"specialist"}),
    ("scleroderma", "cryo_facial", None, "clearance", {"specialist"}),
    ("scleroderma", "cold_air_local", "hands", "refuse", {"specialist"}),
    ("MCTD", "nitrogen_vapour_local", "feet", "refuse", {"specialist"}),
    ("cryofibrinogenaemia", "cold_air_local", "legs", "refuse", set()),
    ("trigeminal neuralgia", "cryo_facial", None, "refuse", set()),
    ("trigeminal neuralgia", "ln2_cryomassage", None, "refuse", set()),
    ("trigeminal neuralgia", "cold_air_local", "legs", "proceed", set()),
    ("Bell's palsy", "cryo_facial", None, "clearance", {"gp"}),
    ("Bell's palsy", "cold_air_local", "legs", "proceed", set()),
    ("multiple sclerosis", "cryosauna", None, "clearance", {"specialist"}),
    ("multiple sclerosis", "cold_air_local", "legs", "modify", set()),
    ("had a stroke", "cryo_facial", None, "clearance", {"gp", "specialist"}),
    ("had a stroke", "cryosauna", None, "refuse", {"gp"}),
    ("epilepsy, seizure-free six years", "cryo_facial", None, "clearance", {"specialist"}),
    ("epilepsy, seizure-free six years", "cold_air_local", "face", "clearance", {"specialist"}),
    ("epilepsy, seizure-free six years", "cryosauna", None, "refuse", set()),
    ("eczema as a child", "cryo_facial", None, "proceed", set()),
    ("breast cancer treated 2015, all clear", "cryo_facial", None, "modify", set()),
    ("had chemo finished last year", "cryo_facial", None, "modify", set()),
    ("HIV, undetectable", "cryo_facial", None, "proceed", set()),
    ("hay fever", "cryosauna", None, "proceed", set()),
    ("numb fingers in the cold", "cold_air_local", "legs", "refuse", {"gp"}),
    ("hives after swimming", "cryo_facial", None, "refuse", {"gp"}),
    ("keloid scars", "cold_air_local", "arms", "modify", set()),
    ("vitiligo on the hands", "cold_air_local", "hands", "modify", set()),
    ("melasma", "cryo_facial", None, "modify", set()),
    ("melasma", "cryosauna", None, "proceed", set()),
    ("IVF", "cryosauna", None, "refuse", set()),
    ("IVF", "cryo_facial", None, "clearance", {"specialist"}),
    ("recent covid", "cryo_facial", None, "defer", set()),
    ("low blood pressure", "cryosauna", None, "modify", set()),
]


@pytest.mark.parametrize(("age", "treatment"), [(88, "modify"), (75, "modify"), (74, "proceed")])
def test_an_older_client_is_checked_before_the_chamber(age: int, treatment: str) -> None:
    decision = screen({"age": age, "weight_kg": 60}, "cryosauna")
    assert decision.treatment == treatment
    assert ("older_adult_chamber" in decision.finding_codes) == (treatment == "modify")
    assert screen({"age": age}, "cryo_facial").treatment == "proceed"


def _codes(text: str) -> tuple[str, ...]:
    return tuple(r.code for r in read_line(text) if r.code and not r.negated and not r.past)


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_each_review_phrasing_reads_as_the_review_asks(text: str, expected: tuple) -> None:
    assert _codes(text) == expected


@pytest.mark.parametrize(("text", "modality", "site", "treatment", "referrals"), DECISIONS)
def test_each_review_phrasing_gets_the_two_part_decision(text: str, modality: str, site: str,
                                                         treatment: str, referrals: set) -> None:
    intake = {"conditions": [text], "age": 40, "weight_kg": 70}
    if site:
        intake["site"] = site
    decision = screen(intake, modality)
    assert decision.treatment == treatment, decision.finding_codes
    assert referrals <= set(decision.referrals), decision.referrals
    if not referrals:
        assert decision.treatment != "clearance" or decision.referrals
    assert "unclear_item" not in decision.finding_codes


@pytest.mark.parametrize("text", ["every", "eczma", "raynods", "nut alergy", "hay fevr"])
def test_no_word_is_spell_matched_into_a_diagnosis(text: str) -> None:
    """An unknown word never becomes a condition; a close name is only suggested."""
    assert _codes(text) == ()
    decision = screen({"conditions": [text]}, "cryo_facial")
    assert decision.finding_codes == ("unclear_item",)
    assert decision.treatment == "clearance" and decision.referral == "gp"


def test_a_misspelling_names_its_suggestion_for_the_operator() -> None:
    (reading,) = read_line("eczma")
    assert reading.code is None and reading.suggestion == "eczema"
    (finding,) = screen({"conditions": ["eczma"]}, "cryo_facial").findings
    assert "eczma" in finding.name and "perhaps: eczema?" in finding.name
    assert screen({"conditions": ["every"]}, "cryo_facial").findings[0].code == "unclear_item"


def test_the_unclear_item_says_a_note_never_overrides_a_refusal_and_cold_reactions_count() -> None:
    unclear = load().conditions["unclear_item"]
    assert "never overrides a refusal" in unclear.action
    assert "reaction to cold" in unclear.action
    assert "reaction to cold" in unclear.rationale


def test_a_combination_across_lines_is_read() -> None:
    decision = screen({"conditions": ["diabetes", "numb toes"], "site": "legs"}, "cold_air_local")
    assert "leg_foot_neuropathy" in decision.finding_codes
    assert decision.treatment == "refuse"
    arms = screen({"conditions": ["diabetes", "numb toes"], "site": "arms"}, "cold_air_local")
    assert arms.treatment == "proceed"


def test_a_reason_that_is_only_a_time_is_not_an_item() -> None:
    assert _codes("no seizures for six years") == ("epilepsy_controlled",)
    assert _codes("sumatriptan for migraines") == ("vasoactive_medicine", "migraine")
    assert _codes("on warfarin for my knee") == ("bleeding_disorder",)
    assert [r.code for r in read_line("on warfarin for my heart")] == ["bleeding_disorder", None]


def test_epilepsy_mechanism_is_the_courses_precaution_not_the_seeds() -> None:
    kb = load()
    for code in ("epilepsy", "epilepsy_controlled"):
        condition = kb.conditions[code]
        assert "course_rule" in condition.sources
        for text in (condition.action, *condition.actions.values()):
            assert "set off a seizure (S1, S2)" not in text
    assert "NOT in the sources" in kb.conditions["epilepsy"].rationale


def test_claims_sources_and_labels_the_review_asked_for() -> None:
    kb = load()
    assert kb.claims["norepinephrine_rise"].evidence_level == "supported"
    assert "leppaluoto2008" in kb.claims["norepinephrine_rise"].sources
    assert kb.claims["norepinephrine_sedative"].evidence_level == "unsupported"
    assert "nhs_sickle_cell" in kb.conditions["haemoglobinopathy"].sources
    pregnancy = kb.conditions["pregnancy"]
    assert "course's own reasoning" in pregnancy.note and "course_rule" in pregnancy.sources
    assert "stroke" not in kb.conditions["heart_disease"].aliases
    for code in ("chilblains", "connective_tissue_disease", "trigeminal_neuralgia",
                 "cryofibrinogenaemia", "bells_palsy", "multiple_sclerosis",
                 "temporary_numbness", "sickle_cell_trait", "stroke"):
        named = [s for s in kb.conditions[code].sources if s != "course_rule"]
        assert any(kb.sources[s].kind == "published" for s in named), code


def test_lesson_04_q5_accepts_the_neurologist_as_case_c11_does() -> None:
    """Graders proven both ways: the reference full marks, the declared neurologist full
    marks, the undeclared 'none' loses the referral part, a blank answer 0."""
    from course.exercises import all_items

    item = all_items()["contra_screen_migraine_sun_facial"]
    reference = item.expected()
    assert item.score(reference).fraction == 1
    neurologist = {**reference, "facial_client_referral": "specialist"}
    assert item.score(neurologist).fraction == 1
    assert any(a.answers == neurologist and a.fraction == 1 for a in item.accepted)
    assert item.score({**reference, "facial_client_referral": "none"}).fraction < 1
    blank = {"facial_client_treatment": "proceed", "facial_client_referral": "none",
             "facial_client_findings": []}
    assert item.score(blank).fraction == 0


def test_each_review_listed_in_the_clinical_rules_has_its_answers() -> None:
    from pathlib import Path

    from course.authoring.clinical_rules_doc import REVIEWED_COMMITS

    docs = Path(__file__).resolve().parents[2] / "docs"
    text = (docs / "clinical-rules.md").read_text(encoding="utf-8")
    for commit in REVIEWED_COMMITS:
        for name in (f"clinical-review-{commit}.md", f"answers-{commit}.md"):
            assert (docs / "reviews" / name).is_file(), name
            assert f"reviews/{name}" in text
