"""Lesson 02: modality cards, the explorer widget, the dose chart and the exercises."""

from __future__ import annotations

from html import escape

import pytest
from matplotlib.figure import Figure

from course.exercises import item
from course.exercises.modalities import modality_choice
from course.facts.knowledge import UnknownNameError, load, source_label
from course.questions.kinds import AnswerFormatError
from course.views.modalities import (
    PERFORMER_COLOURS,
    ModalityExplorer,
    dose_points,
    duration_text,
    exposure_range_s,
    modality_card,
    modality_card_html,
    modality_chart,
    modality_chart_summary,
)
from course.views.style import OKABE_ITO


def test_every_modality_has_a_card_with_scope_evidence_and_sources():
    for code, modality in load().modalities.items():
        card = modality_card(code)
        assert card.name == modality.name and card.performer == modality.performer
        assert card.within_cosmetology == (modality.performer == "cosmetologist")
        assert card.evidence_level == modality.evidence_level
        assert card.sources and all(label for label in card.sources.split(", "))
        html = modality_card_html(code)
        assert escape(modality.name) in html and "Sources:" in html
        scope = "cosmetologist&#x27;s scope" if card.within_cosmetology else "physician only"
        assert scope in html


def test_card_reads_the_knowledge_base_by_alias():
    card = modality_card("fat freezing")
    assert card.code == "cryolipolysis"
    assert card.temperature == "-11 °C"
    assert card.performer == "physician"
    assert card.maximum == duration_text(load().modalities["cryolipolysis"].max_exposure_s)


def test_card_says_when_the_sources_give_no_number():
    assert modality_card("cryo_facial").temperature == "not stated in the sources"
    assert modality_card("cryoelectrophoresis").maximum == "no teachable limit"
    assert "per spot: 1 s" in modality_card("ln2_cryomassage").maximum


def test_unknown_modality_gives_did_you_mean_not_a_traceback():
    with pytest.raises(UnknownNameError):
        modality_card("cryomasage")
    html = modality_card_html("cryomasage")
    assert "Did you mean" in html and "ln2_cryomassage" in html


def test_source_labels_are_short_and_readable():
    assert source_label("001_6f82df9865416c89.txt") == "S1"
    assert source_label("andrews2004_afp") == "Andrews MD 2004"


def test_duration_text():
    assert duration_text(20) == "20 s"
    assert duration_text(90) == "90 s"
    assert duration_text(180) == "3 min"


def test_explorer_shows_the_chosen_card():
    explorer = ModalityExplorer()
    assert "Liquid-nitrogen cryomassage" in explorer.card.value
    explorer.choice.value = "cryolipolysis"
    assert "Cryolipolysis" in explorer.card.value
    assert "physician only" in explorer.card.value
    explorer.choice.value = "cryosauna"
    assert "Cryosauna" in explorer.card.value and "Cryolipolysis" not in explorer.card.value
    assert set(explorer.choice.options) == {(m.name, m.code) for m in load().modalities.values()}


def test_dose_points_place_only_modalities_with_data():
    placed, missing = dose_points()
    kb = load()
    assert {p.code for p in placed} | {m.code for m in missing} == set(kb.modalities)
    for point in placed:
        assert point.temp_c == kb.modalities[point.code].agent_temp_c
    assert all(m.agent_temp_c is None or exposure_range_s(m) is None for m in missing)
    destruction = next(p for p in placed if p.code == "cryodestruction")
    assert destruction.time_s == (20, 90)  # spray up to 20 s, probe up to 90 s


def test_chart_axes_units_log_scale_and_performer_colours():
    figure = modality_chart()
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    assert "(°C)" in ax.get_ylabel() and "(s, log scale)" in ax.get_xlabel()
    assert ax.get_xscale() == "log"
    labels = {text.get_text() for text in ax.texts}
    placed, missing = dose_points()
    assert {p.code for p in placed} <= labels
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "physician only (refer)" in legend
    colours = {line.get_color() for line in ax.lines}
    assert set(PERFORMER_COLOURS.values()) <= colours <= set(OKABE_ITO.values())


def test_chart_summary_is_one_sentence_naming_every_modality():
    text = modality_chart_summary()
    assert "\n" not in text
    for code in load().modalities:
        assert code in text


def test_modality_answers_accept_names_and_aliases_and_suggest_on_typos():
    choice = modality_choice()
    assert choice.normalise("x", "CoolSculpting") == "cryolipolysis"
    assert choice.normalise("x", "Cryo-facial") == "cryo_facial"
    with pytest.raises(AnswerFormatError, match="did you mean 'cryosauna'"):
        choice.normalise("x", "cryosaun")


def test_scope_item_gives_half_marks_for_one_right():
    scope = item("modalities_scope_requests")
    score = scope.score({"fat_freezing_belly": "doctor", "cryosauna_session": "physician"})
    assert score.fraction == 0.5 and score.status == "partly correct"


def test_a_swab_held_still_is_cryodestruction_whatever_it_is_called():
    """Review of a742ee2, section 4: question 2 no longer copies the card; it asks which
    modality a swab held still on a spot really is."""
    held = item("modalities_match_swab_held_still")
    assert held.expected() == {"swab_held_still": "cryodestruction"}
    assert held.score({"swab_held_still": "ln2_cryomassage"}).fraction == 0
    assert "physician" in held.reason().lower()
