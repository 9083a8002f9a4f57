"""Lesson 04 and assessment 05: views, widgets, questions and notebooks (no nbgrader run)."""

from __future__ import annotations

import re
from html import unescape

import nbformat
import pytest

from course.checks import check
from course.exercises import all_items
from course.exercises import contraindications as lesson
from course.exercises import screening_cases as assessment
from course.facts.knowledge import TREATMENTS, load, source_label
from course.models.cases import cases, score_screening
from course.models.screening import finding_names, screen
from course.models.variants import (
    ASSESSMENT,
    SELF_STUDY_KEY,
    blueprint,
    draw,
    marking_as,
    practice_client,
)
from course.nbgrader_plugins.autograde.trusted_scores import score_notebook_item
from course.questions.kinds import Choice, Names
from course.views.screening import (
    PracticeWidget,
    ScreeningWidget,
    case_card,
    categories_table,
    conflict_cards,
    decision_card,
    decision_summary,
    finding_list,
    intake_card,
    matrix,
    matrix_summary,
    outcome_words,
    rule_card,
)
from course.views.style import CATEGORY_COLOURS
from tests.nbgrader_harness import REPO, variant_key_with

LESSON_NB = REPO / "source" / "04-contraindications" / "04-contraindications.ipynb"
CASES_NB = REPO / "source" / "05-screening-cases" / "05-screening-cases.ipynb"

# Item ids are grade ids in the gradebook: they must never change silently.
STABLE_CASE_IDS = tuple(f"cases_client{number:02d}" for number in range(1, 15))


def lesson_items():
    return [item for item in all_items().values() if item.id.startswith("contra_")]


def case_items():
    return list(assessment.assessment_items())


# --------------------------------------------------------------------------- pure views


def test_decision_card_shows_reasons_conflict_and_sources():
    decision = screen({"conditions": ["rosacea"]}, "ln2_cryomassage")
    card = unescape(decision_card(decision))
    rosacea = load().conditions["rosacea"]
    assert rosacea.name in card and "clearance" in card
    assert "1. Treatment today" in card and "2. Referral" in card
    # a clearance names who gives the written OK: the referral is never "none" beside it
    assert decision.referral == "dermatologist" and "no referral" not in card
    assert "Sources disagree" in card and load().conflicts["rosacea"].rule in card
    for code in rosacea.sources:
        assert source_label(code) in card
    for precaution in decision.precautions:
        assert precaution in card
    assert decision_card(decision)._repr_html_() == str(decision_card(decision))


def test_decision_summary_is_one_plain_sentence():
    decision = screen({"conditions": ["Raynaud's"]}, "cryosauna")
    assert decision_summary(decision).endswith("Raynaud's phenomenon (refuse).")
    assert "refuse today; no referral" in decision_summary(decision)
    assert "proceed" in decision_summary(screen({}, "cryo_facial"))
    wart = screen({"request": "remove my wart"}, "cryo_facial")
    assert "refer to Dermatologist" in decision_summary(wart)


def test_categories_table_lists_every_category_with_its_colour_and_conditions():
    table = categories_table()
    for category in TREATMENTS[:-1]:
        assert CATEGORY_COLOURS[category] in table
    assert "Cold urticaria (cold allergy)" in table and "Under 40 kg for the chamber" in table


def test_conflict_cards_show_both_sides_and_the_course_rule():
    cards = unescape(conflict_cards(["migraine", "rosacea"]))
    for code in ("migraine", "rosacea"):
        conflict = load().conflicts[code]
        assert conflict.rule in cards
        assert all(position.text in cards for position in conflict.positions)


def test_matrix_and_its_summary_agree_with_the_data():
    kb = load()
    sentence = matrix_summary()
    counts = [int(n) for n in re.findall(r"(\d+) (?:refuse|clearance|defer|modify|proceed)",
                                         sentence)]
    assert sum(counts) == len(kb.conditions) * len(kb.modalities)
    assert matrix().count("<tr>") == len(kb.conditions) + 1


def test_word_lists_cover_every_outcome_and_finding():
    words = outcome_words()
    assert all(f'"{outcome}"' in words for outcome in TREATMENTS)
    assert all(f'"{referral}"' in words for referral in load().referrals)
    listed = finding_list()
    assert all(f'"{code}"' in listed for code in finding_names())


def test_rule_card_reads_the_limit_and_note_from_the_data():
    card = unescape(rule_card("bp_above_limit"))
    rule = load().rules["bp_above_limit"]
    assert rule.name in card and rule.note in card and "defer" in card and "GP" in card


def test_case_card_shows_the_vignette_but_never_the_answer():
    for item in cases():
        card = case_card(item.id, 3)
        assert "Client 3." in card and load().modalities[item.modality].name in card
        assert not any(f"<code>{code}" in card for code in item.findings)


def test_intake_card_lists_the_filled_fields():
    card = intake_card(lesson.BP_CLIENT, "cryosauna")
    assert "160/90 mmHg" in card and "Conditions on the form: none" in card
    card = intake_card(lesson.MIGRAINE_SUN_CLIENT, "cryo facial")
    assert "Migraine" in card and "Sun or a holiday" in card


# --------------------------------------------------------------------------- widgets


def test_screening_widget_follows_the_engine_as_values_change():
    form = ScreeningWidget()
    assert form.decision.treatment == "proceed"
    form.conditions.value = ("migraine",)
    form.sun_exposure_planned.value = True
    assert form.decision == screen(form.intake, "ln2_cryomassage")
    assert form.decision.finding_codes == ("migraine", "summer_sun_planned")
    form.modality.value = "cryosauna"
    sites = load().modalities["cryosauna"].sites
    assert tuple(code for _, code in form.site.options) == sites
    # the list shows plain names, never a code (whole_body is "whole body")
    assert [label for label, _ in form.site.options] == [load().site_name(s) for s in sites]
    assert not any("_" in label for label, _ in form.site.options)
    form.weight_kg.value = 38
    form.skin_wet.value = True
    assert form.decision.treatment == "refuse"
    assert {"underweight_chamber", "wet_skin"} <= set(form.decision.finding_codes)
    assert "Under 40 kg" in form.card and "Under 40 kg" in form.summary.value


def test_screening_widget_reads_blood_pressure_requests_and_lesions():
    form = ScreeningWidget("Cryosauna (whole- or partial-body chamber)")
    assert form.modality.value == "cryosauna"
    form.systolic_bp.value = 165
    assert "bp_above_limit" in form.decision.finding_codes
    form.bp_controlled.value = "no"
    assert form.intake["bp_controlled"] is False
    assert "uncontrolled_hypertension" in form.decision.finding_codes
    form.modality.value = "ln2_cryomassage"
    form.systolic_bp.value = 120
    form.bp_controlled.value = "unknown"
    form.request.value = "please remove my wart"
    form.lesion.value = "changing_or_pigmented"
    assert (form.decision.treatment, form.decision.referral) == ("modify", "dermatologist")
    assert {"lesion_removal_request", "changing_pigmented_lesion"} <= set(
        form.decision.finding_codes)
    assert "2. Referral" in form.card and "Dermatologist" in form.card


def test_screening_widget_offers_intents_and_says_where_local_conditions_are():
    form = ScreeningWidget("cold_air_local")
    form.site.value = "legs"
    form.intent.value = "treat_illness"
    assert form.decision.referral == "gp" and form.intake["request"] == "treat_illness"
    form.request.value = "just a glow"  # the client's words win over the choice
    assert form.decision.referral == "none"
    form.conditions.value = ("herpes", "open_wound", "cold_urticaria")
    assert form.decision.treatment == "refuse"  # an allergy to cold is systemic
    form.conditions.value = ("herpes", "open_wound")
    assert form.decision.treatment == "defer"  # the wound, assumed at the site
    form.where.value = "arms"
    assert form.intake["conditions"] == {"herpes": "arms", "open_wound": "arms"}
    assert form.decision.treatment == "proceed"


def test_practice_widget_same_seed_same_client_and_checks_answers():
    first, again = PracticeWidget(seed=42), PracticeWidget(seed=42)
    assert first.client == again.client == practice_client(42)
    assert first.vignette.value == again.vignette.value
    first.check.click()
    assert first.score is None and "treatment today first" in first.feedback.value
    first.treatment.value = first.client.treatment
    first.referral.value = first.client.referral
    first.findings.value = first.client.findings
    first.check.click()
    assert first.score.fraction == 1 and "✔" in first.feedback.value


def test_practice_widget_explains_a_wrong_answer_with_sources():
    widget = PracticeWidget(seed=0)
    seed = next(s for s in range(200) if practice_client(s).must_not_miss)
    widget.seed.value = seed
    assert widget.client == practice_client(seed)
    widget.treatment.value = "proceed"
    widget.check.click()
    assert widget.score.fraction == 0 and "✘" in widget.feedback.value
    assert "Sources:" in widget.feedback.value
    reasons = screen(widget.client.intake, widget.client.modality).findings
    assert all(finding.name in unescape(widget.feedback.value) for finding in reasons)


def test_new_client_button_draws_another_client_and_clears_the_answer():
    widget = PracticeWidget(seed=7)
    widget.treatment.value = "refuse"
    widget.referral.value = "gp"
    widget.new_client.click()
    assert widget.client == practice_client(widget.seed.value)
    assert widget.treatment.value is None and widget.findings.value == ()
    assert widget.referral.value == "none"


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize("item", lesson_items() + case_items(), ids=lambda item: item.id)
def test_reference_earns_everything_and_each_wrong_example_its_fraction(item):
    assert item.score(item.expected()).fraction == 1
    blank = item.score({})
    assert (blank.fraction, blank.status) == (0, "not attempted")
    if item.graded:
        assert item.wrong, "every graded item needs known-wrong examples"
    for wrong in item.wrong:
        assert item.score(wrong.answers).fraction == pytest.approx(wrong.fraction), wrong
    for accepted in item.accepted:
        assert item.score(accepted.answers).fraction == pytest.approx(accepted.fraction)


def test_lesson_has_enough_graded_and_practice_questions():
    graded = [item for item in lesson_items() if item.graded]
    practice_items = [item for item in lesson_items() if not item.graded]
    assert len(graded) >= 4 and len(practice_items) >= 2
    assert all(item.hints and item.reason() and item.points == 0 for item in practice_items)


def test_every_assessment_case_is_in_the_blueprint_and_ids_are_stable():
    bank = {item.id for item in cases() if item.assessment}
    pooled = {t for slot in blueprint().slots for t in slot.templates}
    assert bank <= pooled and len(blueprint().slots) >= 12
    assert tuple(item.id for item in case_items()) == STABLE_CASE_IDS
    for number, item in enumerate(case_items(), start=1):
        prefix = f"case{number:02d}"
        assert list(item.answers) == [f"{prefix}_treatment", f"{prefix}_referral",
                                      f"{prefix}_findings"]
        assert isinstance(item.answers[f"{prefix}_treatment"], Choice)
        assert isinstance(item.answers[f"{prefix}_referral"], Choice)
        assert isinstance(item.answers[f"case{number:02d}_findings"], Names)
        assert item.points == assessment.CASE_POINTS and not item.accepted


def test_case_scores_are_exactly_score_screening():
    key, number = variant_key_with("c06")
    item = all_items()[f"cases_client{number:02d}"]
    bank_case = next(c for c in cases() if c.id == "c06")
    p = f"case{number:02d}"
    with marking_as(key):
        for treatment in TREATMENTS:
            for referral in ("none", "gp", "dermatologist"):
                for findings in ([], ["hypertension"], ["bp_above_limit"],
                                 ["bp_above_limit", "acne"],
                                 ["hypertension", "bp_above_limit", "migraine"]):
                    answers = {f"{p}_treatment": treatment, f"{p}_referral": referral,
                               f"{p}_findings": findings}
                    expected = score_screening(bank_case, treatment, referral, findings).fraction
                    assert item.score(answers).fraction == pytest.approx(expected)


def test_aliases_and_capitals_are_accepted_and_typos_get_a_suggestion():
    key, number = variant_key_with("c02")
    item = all_items()[f"cases_client{number:02d}"]
    p = f"case{number:02d}"
    with marking_as(key):
        for spelling in ("raynauds", "RAYNAUD'S", "Raynaud's phenomenon", "raynaud syndrome"):
            answers = {f"{p}_treatment": "Refuse", f"{p}_referral": "No referral",
                       f"{p}_findings": [spelling]}
            assert item.score(answers).fraction == 1, spelling
        typo = item.score({f"{p}_treatment": "refuse", f"{p}_referral": "none",
                           f"{p}_findings": ["raynods"]})
        assert typo.status == "malformed" and "did you mean" in typo.message
        rule_name = item.score({f"{p}_treatment": "refuse", f"{p}_referral": "none",
                                f"{p}_findings": ["raynauds", "Wet or damp skin"]})
        assert rule_name.fraction == 0.6  # the rule's plain name is understood (wrong here)
    key, number = variant_key_with("c06")
    p = f"case{number:02d}"
    with marking_as(key):
        words = all_items()[f"cases_client{number:02d}"].score(
            {f"{p}_treatment": "not today", f"{p}_referral": "family doctor",
             f"{p}_findings": ["hypertension", "bp_above_limit"]})
    assert words.fraction == 1


def test_check_reveals_only_the_form_of_a_graded_case():
    wrong = check("cases_client02", case02_treatment="proceed", case02_referral="gp",
                  case02_findings=[])
    right = check("cases_client02", **assessment.variant_reference(
        draw(ASSESSMENT, SELF_STUDY_KEY))["cases_client02"])
    assert wrong.status == right.status == "well formed"
    assert repr(wrong) == repr(right)
    malformed = check("cases_client02", case02_treatment="refuse", case02_referral="none",
                      case02_findings="raynauds")
    assert malformed.status == "malformed" and "square brackets" in malformed.message


def test_practice_check_in_lesson_reveals_correctness():
    result = check("contra_practice_wet_skin", wet_face_cryomassage="modify",
                   wet_body_chamber="modify")
    assert result.status == "correct"


# --------------------------------------------------------------------------- notebooks


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_source_notebooks_score_full_marks_from_their_text():
    for path in (LESSON_NB, CASES_NB):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if _meta(cell).get("grade") and cell.cell_type == "code":
                item = all_items()[_meta(cell)["grade_id"]]
                assert score_notebook_item(nb, item).fraction == 1, item.id


def test_assessment_notebook_has_one_answer_cell_and_a_grade_cell_per_case():
    cells = _cells(CASES_NB)
    ids = [_meta(cell).get("grade_id", "") for cell in cells]
    for number, item in enumerate(case_items(), start=1):
        answer = cells[ids.index(f"{item.id}_answer")]
        assert answer.source.startswith(f"case{number:02d}_treatment = ...\n"
                                        f"case{number:02d}_referral = ...\n"
                                        f"case{number:02d}_findings = ...\n")
        grade_cell = cells[ids.index(item.id)]
        assert _meta(grade_cell)["points"] == item.points and grade_cell.source.startswith("#")
        card = cells[ids.index(item.id) - 3]
        assert card.source.startswith("client_card(") and _meta(card)["locked"]
        heading = cells[ids.index(item.id) - 4]
        assert heading.source == f"### Case {number} ({item.points:g} points)"
    manual = [cell for cell in cells if cell.cell_type == "markdown" and _meta(cell).get("grade")]
    assert len(manual) >= 2
    assert all("**Mark scheme" in cell.source for cell in manual)


def test_lesson_notebook_has_graded_manual_and_practice_questions():
    cells = _cells(LESSON_NB)
    graded = [c for c in cells if c.cell_type == "code" and _meta(c).get("grade")]
    manual = [c for c in cells if c.cell_type == "markdown" and _meta(c).get("grade")]
    assert len(graded) >= 4 and len(manual) >= 1
    sources = "\n".join(c.source for c in cells)
    assert "ScreeningWidget()" in sources and "PracticeWidget()" in sources
    setup = [c for c in cells if _meta(c).get("grade_id") == "setup"]
    assert len(setup) == 1
    assert all(len(c.source.splitlines()) <= 15 for c in cells if c.cell_type == "code")


def test_an_explanations_model_answer_fits_the_active_variants_own_client():
    """Review of a742ee2, section 4: cases 2, 8 and 13 no longer all show one Raynaud's answer;
    each trainee's marker sees the model answer of that trainee's client."""
    from course.exercises.screening_cases import (
        CLIENT_OPENINGS,
        client_count,
        client_model_answer,
        own_client_scheme,
    )
    from course.models.variants import ASSESSMENT, draw, marking_as, trainee_key

    assert own_client_scheme("cases_client08") is None
    assert own_client_scheme("orientation_explain_mole") is None
    for trainee in ("ana", "ben"):
        key = trainee_key("salt", trainee)
        with marking_as(key):
            scheme = own_client_scheme("cases_client08_explain_to_client")
        case = draw(ASSESSMENT, key).case(8)
        assert scheme and case.vignette in scheme and client_model_answer(case) in scheme
    for number in range(1, client_count() + 1):
        case = draw(ASSESSMENT, trainee_key("salt", "ana")).case(number)
        model = client_model_answer(case)
        opening = CLIENT_OPENINGS[case.treatment].split("{")[0]
        assert model.startswith('"' + opening)
        assert ("don't need to see a doctor" in model) == (case.referral == "none")
