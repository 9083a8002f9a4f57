"""Tests of the screening engine against the knowledge base."""

from __future__ import annotations

import pytest

from course.facts.knowledge import UnknownNameError, load
from course.models.screening import Intake, find_finding, screen


def codes(intake: dict, modality: str) -> dict[str, str]:
    return {f.code: f.treatment for f in screen(intake, modality).findings}


def test_clean_client_proceeds_with_precautions() -> None:
    decision = screen({}, "cryomassage")
    assert decision.treatment == "proceed" and decision.findings == ()
    assert decision.referral == "none" and decision.referrals == ()
    assert any("eye pads or shields" in p for p in decision.precautions)  # round 3, E6


@pytest.mark.parametrize(("intake", "code"), [
    ({"weight_kg": 39.5}, "underweight_chamber"),
    ({"conditions": ["heart disease"]}, "heart_disease"),
    ({"conditions": ["cold-induced asthma"]}, "cold_induced_asthma"),
    ({"conditions": ["pacemaker"]}, "pacemaker"),
    ({"age": 12}, "under_14_chamber"),
    ({"pregnant": True}, "pregnancy"),
    ({"conditions": ["Raynaud's"]}, "raynauds"),
])
def test_chamber_refusals(intake: dict, code: str) -> None:
    decision = screen(intake, "cryosauna")
    assert decision.treatment == "refuse"
    assert code in decision.finding_codes


def test_bp_threshold_is_the_stricter_150_and_one_reading_defers() -> None:
    assert screen({"systolic_bp": 150}, "cryosauna").treatment == "proceed"
    decision = screen({"systolic_bp": 160}, "cryosauna")
    finding = decision.findings[0]
    assert "150" in finding.conflict_note and "180/100" in finding.conflict_note
    assert decision.treatment == "defer" and decision.referral == "gp"
    assert "measure again" in finding.action
    assert screen({"weight_kg": 40}, "cryosauna").treatment == "proceed"


def test_wet_skin_is_dried_not_refused() -> None:
    assert codes({"skin_wet": True}, "ln2_cryomassage") == {"wet_skin": "modify"}
    decision = screen({"skin_wet": True}, "cryosauna")
    assert decision.treatment == "modify" and "Dry" in decision.findings[0].action


def test_cryomassage_defers_herpes_pustules_and_summer_sun() -> None:
    assert screen({"conditions": ["cold sore"]}, "ln2_cryomassage").treatment == "defer"
    assert screen({"conditions": ["pustular acne"]}, "ln2_cryomassage").treatment == "defer"
    decision = screen({"sun_exposure_planned": True}, "ln2_cryomassage")
    assert decision.treatment == "defer"
    assert "Summer sun" in decision.findings[0].conflict_note
    assert screen({"sun_exposure_planned": True}, "cold_air_local").treatment == "modify"


def test_lesions_are_referred_never_treated() -> None:
    decision = screen({"request": "Please remove a wart"}, "ln2_cryomassage")
    assert decision.finding_codes == ("lesion_removal_request",)
    assert decision.treatment == "proceed" and decision.referral == "dermatologist"
    decision = screen({"lesion": "changing_or_pigmented"}, "cryo_facial")
    assert decision.treatment == "modify" and decision.referral == "dermatologist"
    assert decision.finding_codes == ("changing_pigmented_lesion",)
    assert decision.findings[0].drives == ("treatment", "referral")


@pytest.mark.parametrize("modality", ["cryoelectrophoresis", "cryodestruction", "cryolipolysis"])
def test_physician_modalities_are_outside_scope(modality: str) -> None:
    site = "abdomen" if modality == "cryolipolysis" else None
    decision = screen({"site": site}, modality)
    assert decision.treatment == "refuse" and decision.finding_codes == ("outside_scope",)
    assert decision.referral == ("dermatologist" if modality == "cryodestruction"
                                 else "physician")


@pytest.mark.parametrize(("condition", "conflict"), [
    ("rosacea", "rosacea"), ("migraine", "migraine"), ("acne", "acne"),
    ("mental disorders", "mental_health"), ("heart disease", "cardiovascular"),
])
def test_conflicts_resolve_conservatively_and_say_so(condition: str, conflict: str) -> None:
    modality = "cryosauna" if conflict == "mental_health" else "ln2_cryomassage"
    finding = screen({"conditions": [condition], "weight_kg": 60}, modality).findings[0]
    assert finding.treatment != "proceed"
    assert load().conflicts[conflict].rule in finding.conflict_note


def test_site_specific_condition() -> None:
    intake = {"conditions": ["diabetic neuropathy"]}
    assert screen({**intake, "site": "legs"}, "cold_air_local").treatment == "refuse"
    assert screen({**intake, "site": "face"}, "cold_air_local").treatment == "proceed"
    assert screen(intake, "cryosauna").treatment == "refuse"


def test_the_intake_says_where_a_local_condition_is() -> None:
    wound = {"conditions": {"open wound": "legs"}}
    assert screen({**wound, "site": "legs"}, "cold_air_local").treatment == "defer"
    assert screen({**wound, "site": "arms"}, "cold_air_local").treatment == "proceed"
    assert screen({"conditions": ["open wound"], "site": "arms"}, "cold_air_local"
                  ).treatment == "defer"  # not said where: assumed at the treated site
    numb_back = {"conditions": {"numbness": "back"}}
    assert screen(numb_back, "ln2_cryomassage").treatment == "proceed"
    assert screen({**numb_back, "site": "back"}, "nitrogen_vapour_local").treatment == "refuse"
    sore = {"conditions": ["cold sore"]}
    assert screen({**sore, "site": "legs"}, "cold_air_local").treatment == "proceed"
    assert screen(sore, "cryosauna").treatment == "defer"  # walk-in: the face is in the cold
    assert screen({**sore, "site": "body"}, "cryosauna").treatment == "proceed"  # head out


def test_sites_can_be_written_in_everyday_words() -> None:
    assert screen({"conditions": {"cold sore": "lip"}, "site": "leg"}, "cold air"
                  ).treatment == "proceed"
    assert screen({"conditions": {"open wound": "knee"}, "site": "Knees"}, "cold air"
                  ).treatment == "defer"
    assert Intake.from_mapping({"site": "cheek"}).site == "face"
    placed = Intake.from_mapping({"conditions": ["open wound on the leg", "rosacea"]})
    assert placed.conditions == ("open_wound", "rosacea")
    assert placed.where == {"open_wound": ("legs",)}
    assert screen({"conditions": ["numbness over the back"]}, "cryo facial").treatment == "proceed"
    unclear = Intake.from_mapping({"conditions": ["open sore on the leg"], "site": "elbowz"})
    assert unclear.unclear == ("open sore on the leg", "site: elbowz")


def test_most_restrictive_finding_decides() -> None:
    decision = screen({"conditions": ["migraine", "acne", "epilepsy"]}, "ln2_cryomassage")
    assert decision.treatment == "refuse"
    assert len(decision.findings) == 3


def test_every_finding_has_sources_and_an_explanation() -> None:
    intake = {"conditions": list(load().conditions), "weight_kg": 30, "systolic_bp": 200,
              "skin_wet": True, "request": "remove my mole", "lesion": "benign_wart"}
    for modality in load().modalities:
        site = "legs" if modality in ("cold_air_local", "cryolipolysis") else None
        for finding in screen({**intake, "site": site}, modality).findings:
            assert finding.sources and finding.explanation and finding.action


def test_what_is_not_understood_is_named_and_stays_conservative() -> None:
    """Clinical round 3: an intake is never refused with an error; what the reader does not
    understand is a finding (no cold until asked, the GP if it is medical)."""
    decision = screen({"conditions": ["zorbitol"]}, "cryosauna")
    assert decision.treatment == "clearance" and decision.referral == "gp"
    assert decision.findings[0].code == "unclear_item"
    assert "zorbitol" in decision.findings[0].name and "zorbitol" in decision.findings[0].action
    raynods = screen({"conditions": ["raynods"]}, "cryosauna")  # never spell-matched
    assert raynods.treatment == "clearance" and "perhaps: raynauds?" in raynods.findings[0].name
    assert screen({}, "cryosana").modality == "cryosauna"
    assert screen({}, "cold air on the knee").modality == "cold_air_local"
    lesion = screen({"lesion": "changing"}, "cryo_facial")
    assert lesion.referral == "dermatologist"
    with pytest.raises(UnknownNameError, match="conditions"):
        screen({"condition": ["migraine"]}, "cryosauna")  # a programmer's typo in a key
    with pytest.raises(UnknownNameError, match="modality"):
        screen({}, "sauna with hot stones")


def test_values_as_people_write_them() -> None:
    assert Intake.from_mapping({"weight_kg": "60 kg"}).weight_kg == 60
    assert Intake.from_mapping({"pregnant": "yes"}).pregnant is True
    unclear = Intake.from_mapping({"weight_kg": "sixty", "pregnant": "maybe"})
    assert unclear.unclear == ("weight kg: sixty", "pregnant: maybe")
    assert screen({"weight_kg": "sixty"}, "cryosauna").treatment == "clearance"
    wrong_site = screen({"site": "legs"}, "ln2_cryomassage")
    assert wrong_site.treatment == "defer" and wrong_site.finding_codes == ("site_not_offered",)
    assert "legs" in wrong_site.findings[0].name
    tail = screen({"conditions": {"open wound": "tail"}}, "cold_air_local")
    assert "unclear_item" in tail.finding_codes


def test_intake_defaults_and_name_resolution() -> None:
    intake = Intake.from_mapping({"conditions": ["Raynaud's", "raynauds", "Cold allergy"]})
    assert intake.conditions == ("raynauds", "cold_urticaria")
    assert intake.lesion == "none" and intake.pregnant is False and intake.weight_kg is None


def test_find_finding_accepts_conditions_and_rules() -> None:
    assert find_finding("Wet or damp skin") == "wet_skin"
    assert find_finding("COLD ALLERGY") == "cold_urticaria"
    with pytest.raises(UnknownNameError):
        find_finding("wetskinn at night")


def test_the_contraindication_matrix_says_what_the_engine_decides():
    """Each matrix cell is what the engine finds for that condition alone, at the most
    restrictive site the modality treats (a leg condition: proceed for a facial)."""
    from course.facts.knowledge import most_restrictive
    from course.views.knowledge import matrix_cell

    def found(condition: str, modality: str, site: str) -> str:
        findings = screen({"conditions": [condition], "site": site}, modality).findings
        return next((f.treatment for f in findings if f.code == condition), "proceed")

    kb = load()
    for condition in kb.conditions.values():
        for modality in kb.modalities.values():
            decided = most_restrictive(found(condition.code, modality.code, site)
                                       for site in modality.sites)
            assert matrix_cell(condition, modality)[0] == decided, (condition.code,
                                                                     modality.code)
