"""Lesson 01 (physiology): its questions, its views and its notebook, with the real model."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from matplotlib.figure import Figure

from course.checks import check
from course.exercises import physiology as lesson
from course.facts.knowledge import find_claim, find_modality
from course.models.physiology import FREEZING_C, PRESETS
from course.questions.kinds import answers_in_source
from course.views import physiology_lesson as views
from course.views.simulator import SimulatorWidget
from course.views.style import OKABE_ITO

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "source" / "01-physiology" / "01-physiology.ipynb"
ITEMS = {item.id: item for item in lesson.ITEMS}
GRADED = [item for item in lesson.ITEMS if item.graded]
PRACTICE = [item for item in lesson.ITEMS if not item.graded]


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _cells_by_grade_id(nb) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if "nbgrader" in c.metadata}


def _reference(nb, item) -> dict[str, object]:
    source = _cells_by_grade_id(nb)[f"{item.id}_answer"].source
    return answers_in_source(source, item.answers)


def _question_text(nb, item) -> str:
    """The markdown cell just before the item's answer cell."""
    index = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == f"{item.id}_answer")
    return nb.cells[index - 1].source


# --------------------------------------------------------------------------- the questions


def test_lesson_has_enough_questions_of_each_kind(notebook):
    assert len(GRADED) >= 4 and 1 <= len(PRACTICE) <= 2
    manual = [c for c in notebook.cells if c.cell_type == "markdown"
              and c.metadata.get("nbgrader", {}).get("grade")]
    assert len(manual) == 1 and "**Mark scheme (3 points).**" in manual[0].source


@pytest.mark.parametrize("item", lesson.ITEMS, ids=lambda item: item.id)
def test_reference_answer_in_the_notebook_is_right(notebook, item):
    assert item.score(_reference(notebook, item)).status == "correct"


@pytest.mark.parametrize("item", GRADED, ids=lambda item: item.id)
def test_known_wrong_answers_earn_their_declared_fraction(item):
    assert item.wrong, "every graded item has a typical mistake"
    for wrong in item.wrong:
        assert item.score(wrong.answers).fraction == pytest.approx(wrong.fraction)


def test_expected_answers_come_from_the_model():
    ice = views.run(lesson.LONG_COLD_PRESET)
    chamber = views.run(lesson.REBOUND_PRESET)
    assert ITEMS["physiology_peak_flow_chamber"].expected()["flow_after_cold"] == (
        "above resting" if chamber.peak_hyperaemia > 1 else "below resting")
    # the ice pack numbs the skin before it comes off: feeling cannot be the guide
    assert ice.seconds_to_numbness < 600
    assert ITEMS["physiology_numbness_seconds_ice_pack"].expected() == {
        "still_feels_cold_at_the_end": False, "stop_by": "the clock"}
    # long cold: no rebound, so the phase after the cold is recovery; brief cold: rebound
    assert ice.peak_hyperaemia < 1.05
    assert lesson.preset_run(lesson.LONG_COLD_PRESET).phase_at(12 * 60) == "recovery"
    assert chamber.phase_at(5 * 60) == "rebound"
    assert lesson.longer_cold_bigger_rebound() is False


def test_questions_ask_for_a_judgement_not_a_number_read_off_the_simulator():
    for item_id in ("physiology_peak_flow_chamber", "physiology_numbness_seconds_ice_pack",
                    "physiology_phase_ice_pack", "physiology_still_vs_moving"):
        assert not any(type(kind).__name__ == "Number" for kind in ITEMS[item_id].answers.values())
    hold = ITEMS["physiology_longest_hold_above_zero"].expected()
    assert hold == {"s1_hold_is_safe": False, "seconds_per_spot": lesson.per_spot_seconds()}


def test_question_3_marks_the_limit_and_the_calibrated_chamber_not_the_rebound():
    """Review of a742ee2, section 4: the rebound's size rests on illustrative blood flow, so
    question 3 marks the safety point: the time limit, and the calibrated chamber's colder skin."""
    from course.models.physiology_validation import check_row

    chamber = PRESETS[lesson.REBOUND_PRESET]
    assert chamber.basis == "calibrated"
    assert all(check_row(code).measurement.role != "calibration" or check_row(code).within
               for code in chamber.checked_against)
    assert ITEMS["physiology_phase_ice_pack"].expected() == {
        "ten_minutes_within_limit": False, "colder_after_ten_minutes": True}
    assert lesson.chamber_minutes_within_limit(chamber.exposure.duration_s)  # 3 min is allowed
    assert "longer_cold_bigger_rebound" not in ITEMS["physiology_phase_ice_pack"].answers


def test_question_4_rests_on_the_basis_and_the_measurement_not_the_illustrative_swab():
    """Review of a742ee2, section 4: 4 b no longer copies the text above; it applies the
    measurement where the simulator's swab is known to thaw too soon (a known limit)."""
    from course.models.physiology_validation import check_row

    moving = PRESETS[lesson.MOVING_PRESET]
    assert moving.illustrative
    row = check_row(lesson.SWAB_THAW_ROW)
    assert not row.within and row.error.words == "stayed frozen longer"
    chart_thaw = views.run(lesson.STILL_PRESET).seconds_to_thaw
    measured = row.measurement.low
    assert chart_thaw < lesson.LOOKED_AFTER_S < measured  # the chart says thawed; it is not
    item = ITEMS["physiology_still_vs_moving"]
    assert item.expected() == {"moving_curve_proves_no_freezing": False,
                               "thawed_after_45_s": False}
    assert f"**{lesson.LOOKED_AFTER_S} seconds**" in _question_text(
        nbformat.read(NOTEBOOK, as_version=4), item)


@pytest.mark.parametrize(("seconds", "fraction"), [
    (1, 1.0), (0.5, 1.0), (0.3, 1.0), (1.0, 1.0), (0, 0.5), (1.5, 0.5), (2, 0.5), (60, 0.5)])
def test_a_stricter_time_per_spot_earns_the_credit(seconds, fraction):
    """Review of a742ee2, section 4: 0.5 s per spot is stricter than the rule and right."""
    item = ITEMS["physiology_longest_hold_above_zero"]
    score = item.score({"s1_hold_is_safe": False, "seconds_per_spot": seconds})
    assert score.fraction == fraction


def test_question_5_a_rests_on_the_rule_not_the_illustrative_swab():
    assert ITEMS["physiology_longest_hold_above_zero"].expected()["s1_hold_is_safe"] is (
        lesson.per_spot_seconds() >= lesson.S1_HOLD_S)
    assert PRESETS[lesson.STILL_PRESET].illustrative


def test_numbness_question_rests_on_a_validated_row():
    from course.models.physiology_validation import validation

    bugaj = next(c for c in validation() if c.measurement.code == "bugaj1975_numb_after")
    assert bugaj.within
    assert lesson.preset_run(lesson.LONG_COLD_PRESET).exposure == PRESETS["ice_massage"].exposure


def test_the_notebook_shows_the_validation_table_and_the_limits(notebook):
    sources = "\n".join(c.source for c in notebook.cells)
    assert "validation_table()" in sources and "limits of the simulator" in sources
    assert "no study has measured skin under a moving swab" in sources.lower()


def test_only_the_still_applicator_freezes_the_skin():
    still, moving = (views.run(name) for name in views.STILL_VS_MOVING)
    assert still.min_surface_c < FREEZING_C < moving.min_surface_c
    assert lesson.applicator_that_freezes() == "still"


def test_longest_hold_is_the_boundary_between_safe_and_frozen():
    answer = lesson.longest_hold_above_zero()
    for seconds in lesson.HOLD_OPTIONS_S:
        assert lesson.freezes(lesson.held_still(seconds)) == (seconds > answer), seconds
    assert min(lesson.HOLD_OPTIONS_S) <= answer < max(lesson.HOLD_OPTIONS_S)


def test_model_hold_time_is_no_looser_than_the_course_rule():
    """The per-spot rule the lesson tells trainees to follow is at most what the model allows."""
    per_spot = {limit.scope: limit.max_s for limit in find_modality("ln2_cryomassage").limits}
    assert per_spot["per spot"] <= lesson.longest_hold_above_zero()


def test_widget_agrees_with_the_hold_question():
    """Question 5 is answered with the widget: its runs must match the expected answer."""
    simulator = SimulatorWidget()
    simulator.preset.value = lesson.STILL_PRESET
    assert simulator.movement.value == "still"
    for seconds in lesson.HOLD_OPTIONS_S:
        simulator.exposure_time.value = float(seconds)
        frozen = simulator.response.min_surface_c < FREEZING_C
        assert frozen == lesson.freezes(lesson.held_still(seconds)), seconds
        assert ("Freezing" in simulator.verdict.value) == frozen


def test_collagen_practice_reads_the_knowledge_base():
    expected = ITEMS["physiology_practice_collagen_claim"].expected()["collagen_evidence"]
    assert expected == find_claim("collagen_stimulation").evidence_level == "unsupported"


def test_misspelt_phase_gets_a_did_you_mean():
    result = check("physiology_practice_phase_chamber", phase_at_5_min="rebond")
    assert result.status == "malformed" and "did you mean 'rebound'" in result.message


def test_aliases_are_accepted():
    item = ITEMS["physiology_still_vs_moving"]
    answers = {"moving_curve_proves_no_freezing": "no", "thawed_after_45_s": "No"}
    assert item.score(answers).status == "correct"
    flow = ITEMS["physiology_peak_flow_chamber"]
    assert flow.score({"flow_after_cold": "Above", "pink_skin_after_chamber": "expected"}
                      ).status == "correct"


# --------------------------------------------------------------------------- the notebook


def test_question_text_names_the_settings_the_answers_use(notebook):
    text = _question_text(notebook, ITEMS["physiology_longest_hold_above_zero"])
    options = ", ".join(str(s) for s in lesson.HOLD_OPTIONS_S[:-1])
    assert f"{options} or {lesson.HOLD_OPTIONS_S[-1]} seconds" in text
    assert PRESETS[lesson.STILL_PRESET].label in text
    assert f"{lesson.LONGER_CHAMBER_S // 60} minutes" in _question_text(
        notebook, ITEMS["physiology_phase_ice_pack"])
    assert f"**{lesson.S1_HOLD_S} seconds**" in _question_text(
        notebook, ITEMS["physiology_longest_hold_above_zero"])
    assert f"{lesson.PRACTICE_PHASE_MINUTES} minutes" in _question_text(
        notebook, ITEMS["physiology_practice_phase_chamber"])
    sources = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for name in (lesson.REBOUND_PRESET, lesson.LONG_COLD_PRESET):
        assert f'run_card("{name}")' in sources


def test_every_question_has_its_cells_and_points(notebook):
    cells = _cells_by_grade_id(notebook)
    for item in lesson.ITEMS:
        assert f'check("{item.id}")' == cells[f"{item.id}_check"].source
        heading = _question_text(notebook, item).splitlines()[0]
        if item.graded:
            assert cells[item.id].metadata["nbgrader"]["points"] == item.points
            unit = "point" if item.points == 1 else "points"
            assert heading.startswith("### Question") and f"({item.points:g} {unit})" in heading
        else:
            assert heading == "### Practice question (not marked)"
            assert item.id not in cells and f"{item.id}_hint" in cells
            assert item.hints and item.reason()


def test_question_numbers_run_in_order(notebook):
    numbers = [int(m.group(1)) for c in notebook.cells if c.cell_type == "markdown"
               for m in [re.match(r"### Question (\d+) \(", c.source)] if m]
    assert numbers == list(range(1, len(GRADED) + 2))  # the graded items, then the manual one


def test_notebook_is_short_cells_and_one_setup(notebook):
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(len(c.source.splitlines()) <= 15 for c in code)
    setups = [c for c in code if "import" in c.source]
    assert len(setups) == 1 and setups[0].metadata["nbgrader"]["grade_id"] == "setup"
    assert not any(c.get("outputs") for c in code)


# --------------------------------------------------------------------------- the views


def test_readout_shows_what_the_questions_rest_on():
    ice = views.readout(lesson.LONG_COLD_PRESET)
    seconds = round(views.run(lesson.LONG_COLD_PRESET).seconds_to_numbness)
    assert f"{seconds} s" in ice and "no rebound" in ice
    chamber = views.readout(lesson.REBOUND_PRESET)
    peak = views.run(lesson.REBOUND_PRESET).peak_hyperaemia
    assert f"{peak:.1f} × resting" in chamber and "rebound from" in chamber


def test_phase_starts_agree_with_phase_at():
    for name in PRESETS:
        response = views.run(name)
        for phase, start in views.phase_starts(response):
            assert response.phase_at(start) == phase


def test_seconds_text():
    assert views.seconds_text(362) == "362 s (6 min 2 s)"
    assert views.seconds_text(180) == "180 s (3 min)"
    assert views.seconds_text(45.2) == "45 s"
    assert views.seconds_text(0.38) == "0.4 s"
    assert views.seconds_text(0) == "0 s"


def test_tables_name_their_sources_and_say_what_is_illustrative():
    presets = views.preset_table()
    assert presets.count("illustrative (teaching values)") == sum(
        p.illustrative for p in PRESETS.values())
    assert "Radecka" in presets
    status = views.model_status_table()
    assert "when the water in skin freezes" in status and "illustrative" in status
    assert "Burns 2017" in status and "calibrated" in status
    assert "whose skin" in presets and "what the chart cannot show" in presets
    bands = views.safety_band_table()
    assert "13.6 °C" in bands and "Bugaj" in bands and "-20 °C" in bands
    assert "stimulates collagen" in views.claims_table() and "unsupported" in views.claims_table()
    limits = views.time_limits_table()
    assert "physician" in limits and "stricter" in limits


def test_skin_signs_list_normal_before_stop():
    table = views.skin_signs_table()
    assert table.index("Redness") < table.index("Frostbite")
    assert "stop and report" in table and "S1" in table


def test_run_card_has_chart_with_alt_text_verdict_and_source():
    card = views.run_card("ln2_applicator_static")
    assert "<img src='data:image/png;base64," in card
    assert "alt='Chart: skin surface temperature" in card
    assert "Freezing" in card and "the skin freezes" in card and "Basis: illustrative" in card
    assert "Illustrative parameters" in card


def test_unknown_preset_gives_a_plain_message_not_a_traceback():
    for view in (views.run_card, views.readout):
        html = view("ice masage")
        assert html.startswith("<p>✘") and "Did you mean &#x27;ice_massage&#x27;" in html


def test_still_vs_moving_figure_is_labelled_and_colour_blind_safe():
    figure = views.still_vs_moving_figure()
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    assert "(°C)" in ax.get_ylabel() and "(s)" in ax.get_xlabel()
    palette = {colour.lower() for colour in OKABE_ITO.values()}
    assert all(line.get_color().lower() in palette for line in ax.get_lines())
    assert ax.get_ylim()[0] < views.run("ln2_applicator_static").min_surface_c


def test_still_vs_moving_summary_gives_both_lowest_temperatures():
    text = views.still_vs_moving_summary()
    still, moving = (views.run(name) for name in views.STILL_VS_MOVING)
    assert f"{still.min_surface_c:.0f} °C" in text and f"{moving.min_surface_c:.1f} °C" in text
    assert "<li>" in views.still_vs_moving_card()
