"""Tests of the screening engine against the knowledge base."""

from __future__ import annotations

import pytest

from course.knowledge import UnknownNameError, load
from course.screening import Intake, IntakeError, find_finding, screen


def codes(intake: dict, modality: str) -> dict[str, str]:
    return {f.code: f.outcome for f in screen(intake, modality).findings}


def test_clean_client_proceeds_with_precautions() -> None:
    decision = screen({}, "cryomassage")
    assert decision.outcome == "proceed" and decision.findings == ()
    assert any("eyes closed" in p for p in decision.precautions)


@pytest.mark.parametrize(("intake", "code"), [
    ({"weight_kg": 39.5}, "underweight_chamber"),
    ({"skin_wet": True}, "wet_skin"),
    ({"conditions": ["heart disease"]}, "heart_disease"),
    ({"systolic_bp": 151}, "bp_above_limit"),
    ({"diastolic_bp": 101}, "bp_above_limit"),
    ({"conditions": ["cold-induced asthma"]}, "cold_induced_asthma"),
    ({"pregnant": True}, "pregnancy"),
    ({"conditions": ["Raynaud's"]}, "raynauds"),
    ({"bp_controlled": False}, "uncontrolled_hypertension"),
])
def test_chamber_refusals(intake: dict, code: str) -> None:
    decision = screen(intake, "cryosauna")
    assert decision.outcome == "refuse"
    assert code in decision.finding_codes


def test_bp_threshold_is_the_stricter_150() -> None:
    assert screen({"systolic_bp": 150}, "cryosauna").outcome == "proceed"
    finding = screen({"systolic_bp": 160}, "cryosauna").findings[0]
    assert "150" in finding.conflict_note and "180/100" in finding.conflict_note
    assert screen({"weight_kg": 40}, "cryosauna").outcome == "proceed"


def test_wet_skin_refuses_chamber_but_modifies_cryomassage() -> None:
    assert codes({"skin_wet": True}, "ln2_cryomassage") == {"wet_skin": "modify"}


def test_cryomassage_defers_herpes_pustules_and_summer_sun() -> None:
    assert screen({"conditions": ["cold sore"]}, "ln2_cryomassage").outcome == "defer"
    assert screen({"conditions": ["pustular acne"]}, "ln2_cryomassage").outcome == "defer"
    decision = screen({"sun_exposure_planned": True}, "ln2_cryomassage")
    assert decision.outcome == "defer"
    assert "Summer sun" in decision.findings[0].conflict_note
    assert screen({"sun_exposure_planned": True}, "cold_air_local").outcome == "modify"


def test_lesions_are_referred_never_treated() -> None:
    assert codes({"request": "Please remove a wart"}, "ln2_cryomassage") == {
        "lesion_removal_request": "refer"}
    decision = screen({"lesion": "changing_or_pigmented"}, "cryo_facial")
    assert decision.outcome == "refer"
    assert decision.finding_codes == ("changing_pigmented_lesion",)


@pytest.mark.parametrize("modality", ["cryoelectrophoresis", "cryodestruction"])
def test_physician_modalities_are_outside_scope(modality: str) -> None:
    decision = screen({}, modality)
    assert decision.outcome == "refer" and decision.finding_codes == ("outside_scope",)


@pytest.mark.parametrize(("condition", "conflict"), [
    ("rosacea", "rosacea"), ("migraine", "migraine"), ("acne", "acne"),
    ("mental disorders", "mental_health"), ("heart disease", "cardiovascular"),
])
def test_conflicts_resolve_conservatively_and_say_so(condition: str, conflict: str) -> None:
    finding = screen({"conditions": [condition]}, "ln2_cryomassage").findings[0]
    assert finding.outcome != "proceed"
    assert load().conflicts[conflict].rule in finding.conflict_note


def test_site_specific_condition() -> None:
    intake = {"conditions": ["diabetic neuropathy"]}
    assert screen({**intake, "site": "legs"}, "cold_air_local").outcome == "refuse"
    assert screen({**intake, "site": "face"}, "cold_air_local").outcome == "proceed"
    assert screen(intake, "cryosauna").outcome == "refuse"


def test_most_restrictive_finding_decides() -> None:
    decision = screen({"conditions": ["migraine", "acne", "epilepsy"]}, "ln2_cryomassage")
    assert decision.outcome == "refuse"
    assert len(decision.findings) == 3


def test_every_finding_has_sources_and_an_explanation() -> None:
    intake = {"conditions": list(load().conditions), "weight_kg": 30, "systolic_bp": 200,
              "skin_wet": True, "request": "remove my mole", "lesion": "benign_wart"}
    for modality in load().modalities:
        site = "legs" if modality in ("cold_air_local", "cryolipolysis") else None
        for finding in screen({**intake, "site": site}, modality).findings:
            assert finding.sources and finding.explanation


def test_unknown_names_give_suggestions() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean: Raynaud's phenomenon"):
        screen({"conditions": ["raynods"]}, "cryosauna")
    with pytest.raises(UnknownNameError, match="conditions"):
        screen({"condition": ["migraine"]}, "cryosauna")
    with pytest.raises(UnknownNameError, match="cryosauna"):
        screen({}, "cryosana")
    with pytest.raises(UnknownNameError, match="changing_or_pigmented"):
        screen({"lesion": "changing"}, "cryo_facial")


def test_bad_values_give_plain_messages() -> None:
    with pytest.raises(IntakeError, match="must be a number"):
        Intake.from_mapping({"weight_kg": "sixty"})
    with pytest.raises(IntakeError, match="True or False"):
        Intake.from_mapping({"pregnant": "yes"})
    with pytest.raises(IntakeError, match="not done on the legs"):
        screen({"site": "legs"}, "ln2_cryomassage")


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
    from course.knowledge import most_restrictive
    from course.views.knowledge import matrix_cell

    def found(condition: str, modality: str, site: str) -> str:
        findings = screen({"conditions": [condition], "site": site}, modality).findings
        return next((f.outcome for f in findings if f.code == condition), "proceed")

    kb = load()
    for condition in kb.conditions.values():
        for modality in kb.modalities.values():
            decided = most_restrictive(found(condition.code, modality.code, site)
                                       for site in modality.sites)
            assert matrix_cell(condition, modality)[0] == decided, (condition.code,
                                                                     modality.code)
