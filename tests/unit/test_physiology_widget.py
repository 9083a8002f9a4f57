"""Tests for the cold-response figure, verdicts and widget, without a browser."""

from __future__ import annotations

import dataclasses
from html import escape

import numpy as np
import pytest
from matplotlib.figure import Figure

from course.models.physiology import PRESETS, Exposure, Touches, simulate
from course.views.simulator import (
    OKABE_ITO,
    SimulatorWidget,
    band_legend,
    basis_note,
    figure_png,
    make_axes,
    plot_response,
    summary,
    verdict,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chamber():
    return simulate(PRESETS["whole_body_chamber"].exposure)


def test_plot_response_labels_units_bands_and_phases(chamber):
    figure, ax_temp, ax_flow = make_axes()
    drawn = plot_response(ax_temp, ax_flow, chamber)
    assert "(°C)" in ax_temp.get_ylabel()
    assert "(× resting)" in ax_flow.get_ylabel()
    assert "(min)" in ax_flow.get_xlabel()
    texts = " | ".join(text.get_text() for text in ax_temp.texts)
    for band in ("13.6 °C numbness", "10 °C nerve slowing", "below 0 °C", "−20 °C"):
        assert band in texts
    palette = {colour.lower() for colour in OKABE_ITO.values()}
    assert drawn.temperature.get_color().lower() in palette
    assert drawn.flow.get_color().lower() in palette
    np.testing.assert_allclose(drawn.temperature.get_xdata(), chamber.t_s / 60.0)
    np.testing.assert_allclose(drawn.flow.get_ydata(), chamber.perfusion_rel)
    visible = {name for name, label in drawn.phase_labels.items() if label.get_visible()}
    assert visible == {"cooling", "rebound"}
    assert figure_png(figure).startswith(PNG_SIGNATURE)


def test_update_moves_existing_artists(chamber):
    _, ax_temp, ax_flow = make_axes(Figure())
    drawn = plot_response(ax_temp, ax_flow, chamber)
    lines_before = list(ax_temp.lines) + list(ax_flow.lines)
    ice = simulate(PRESETS["ice_massage"].exposure)
    drawn.update(ice)
    assert list(ax_temp.lines) + list(ax_flow.lines) == lines_before
    np.testing.assert_allclose(drawn.temperature.get_ydata(), ice.surface_c)
    assert drawn.cold_periods[0].get_width() == pytest.approx(10.0)
    assert not drawn.phase_labels["rebound"].get_visible()


def test_verdicts_in_plain_words():
    static = PRESETS["ln2_applicator_static"].exposure
    text = verdict(simulate(static), static)
    assert text.startswith(
        "Freezing: this is cryodestruction, a physician's procedure, never a cosmetic one."
    )
    moving = PRESETS["ln2_applicator_moving"].exposure
    text = verdict(simulate(moving), moving)
    assert text.startswith("Never numb") and "while the applicator keeps moving" in text
    assert "stays above 0 °C" in text and "rebounds to" in text
    ice = PRESETS["ice_massage"].exposure
    assert "still numb 3 min after the cold ends" in verdict(simulate(ice), ice)
    brief = Exposure(-30.0, 10.0, 30.0)
    assert verdict(simulate(brief), brief).startswith("Never numb (lowest ")
    pad = PRESETS["cooling_pad_60min"].exposure
    assert "stays below baseline" in verdict(simulate(pad), pad)
    one_second = Exposure(-196.0, 160.0, 1.0)  # too short to rebound, flow ends near 1x
    one_second_text = verdict(simulate(one_second), one_second)
    # the surface touches 2.5 °C, but the nerves just under it never get that cold
    assert one_second_text.startswith("Never numb (lowest 2.5 °C)")
    assert "back to baseline" in one_second_text and "below baseline" not in one_second_text
    nearly = Exposure(-196.0, 160.0, 300.0, contact=Touches(0.3, 6.0))
    nearly_text = verdict(simulate(nearly), nearly)
    assert nearly_text.startswith(("Freezing possible", "Freezing:"))


def test_the_verdict_judges_freezing_at_the_coldest_spot_under_the_nozzle():
    vapour = PRESETS["nitrogen_vapour"].exposure
    text = verdict(simulate(vapour), vapour)
    assert "the average surface stays above 0 °C" in text
    assert "the coldest spot under the nozzle reaches 0.9 °C" in text
    longer = dataclasses.replace(vapour, duration_s=300.0)
    assert verdict(simulate(longer), longer).startswith("Freezing possible at the coldest spot")
    assert "dashed curve, the coldest spot" in summary(simulate(vapour))


def test_every_preset_names_its_basis_and_what_the_chart_cannot_show():
    for item in PRESETS.values():
        note = basis_note(item, own_settings=False)
        assert note.startswith(f"Basis: {item.basis}") and item.caveat in note
        assert basis_note(item, own_settings=True).startswith("Basis: illustrative.")
    chamber = basis_note(PRESETS["whole_body_chamber"], own_settings=False)
    assert "Hohenauer" in chamber and "Costello et al. 2014" in chamber  # contested rewarming
    for jargon in ("W/m", "Q10", "ω", "latent"):
        assert all(jargon not in basis_note(item, False) for item in PRESETS.values())


def test_summary_is_one_line(chamber):
    text = summary(chamber)
    assert "\n" not in text
    assert text.startswith("Chart: skin surface temperature")
    assert "1.8x resting" in text


def test_band_legend_names_sources():
    legend = band_legend()
    assert any("Bugaj" in line for line in legend)
    assert any("Andrews" in line for line in legend)


@pytest.fixture
def simulator():
    return SimulatorWidget("whole_body_chamber", observe_s=300.0)


def test_widget_starts_from_the_preset(simulator):
    assert simulator.agent_temp.value == -110.0
    assert simulator.exposure_time.value == 180.0
    assert simulator.movement.disabled  # a chamber cannot be "moved"
    assert bytes(simulator.image.value).startswith(PNG_SIGNATURE)
    assert "Never numb" in simulator.verdict.value
    assert "Basis: calibrated" in simulator.basis.value
    assert "one area of dry thigh skin" in simulator.basis.value
    assert simulator.summary.value.startswith("<small>Chart:")
    for control in (simulator.agent_temp, simulator.exposure_time):
        assert control.continuous_update is False
    assert len(simulator.controls.children) == 5


def test_the_preset_is_named_as_changed_once_a_control_moves(simulator):
    assert "Your own settings" not in simulator.verdict.value
    simulator.exposure_time.value = 3.0
    assert "Your own settings, changed from the preset" in simulator.verdict.value
    assert "Basis: illustrative. These are your own settings" in simulator.basis.value
    simulator.preset.value = "ln2_applicator_static"
    assert "Your own settings" not in simulator.verdict.value


def test_changing_a_slider_updates_model_figure_and_verdict(simulator):
    before_response = simulator.response
    before_curve = simulator.artists.temperature.get_ydata().copy()
    before_png = bytes(simulator.image.value)
    before_verdict = simulator.verdict.value
    line = simulator.artists.temperature
    simulator.agent_temp.value = -196.0
    simulator.exposure_time.value = 600.0
    assert simulator.response is not before_response
    assert simulator.response.exposure.agent_temp_c == -196.0
    assert simulator.response.min_surface_c < before_response.min_surface_c
    assert simulator.artists.temperature is line  # same artist, new data
    assert not np.array_equal(line.get_ydata(), before_curve)
    assert simulator.figure.axes[0].lines.count(line) == 1
    assert bytes(simulator.image.value) != before_png
    assert simulator.verdict.value != before_verdict


def test_preset_and_toggles_change_the_exposure(simulator):
    simulator.preset.value = "ln2_applicator_static"
    assert not simulator.movement.disabled
    assert simulator.movement.value == "still"
    assert "Freezing" in simulator.verdict.value
    assert "Illustrative parameters" in simulator.verdict.value
    frozen_verdict = simulator.verdict.value
    simulator.movement.value = "moving"
    assert simulator.response.exposure.contact == PRESETS["ln2_applicator_moving"].moving_contact
    assert simulator.verdict.value != frozen_verdict
    simulator.preset.value = "ice_massage"
    simulator.site.value = "face"
    assert simulator.response.exposure.civd is True
    simulator.site.value = "body"
    assert simulator.response.exposure.civd is False


def test_every_preset_runs_in_the_widget(simulator):
    for name in PRESETS:
        simulator.preset.value = name
        shown = dataclasses.replace(simulator.response.exposure, civd=False)  # face: widget's own
        assert shown == dataclasses.replace(PRESETS[name].exposure, civd=False)  # whose skin
        assert "Cannot simulate" not in simulator.verdict.value


def test_every_verdict_says_which_way_the_model_is_known_to_be_wrong(simulator):
    """Review of a742ee2, E7: the direction of each known error stands in the verdict lines."""
    from course.models.physiology_validation import OWN_SETTINGS_ERRORS, check_row
    from course.views.simulator import errors_line

    for name, chosen in PRESETS.items():
        simulator.preset.value = name
        line = errors_line(chosen, False)
        assert escape(line) in simulator.verdict.value, name
        for code in chosen.checked_against:
            error = check_row(code).error
            if error is not None:
                assert error.words in line, (name, code)
        if not chosen.checked_against:
            assert chosen.illustrative and "No measurement checks this situation" in line
    simulator.preset.value = "ln2_applicator_static"
    assert "got colder and stayed frozen longer" in simulator.verdict.value
    simulator.exposure_time.value = 3.0
    assert escape(OWN_SETTINGS_ERRORS) in simulator.verdict.value


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_threshold_labels_never_touch(preset):
    figure, ax_temp, ax_flow = make_axes()
    drawn = plot_response(ax_temp, ax_flow, simulate(PRESETS["ice_massage"].exposure))
    drawn.update(simulate(PRESETS[preset].exposure))  # as the widget does: limits follow
    figure_png(figure)  # lays the figure out
    renderer = figure.canvas.get_renderer()
    phase_labels = set(drawn.phase_labels.values())
    margin = 2.0  # pixels of clear space around each label
    boxes = [(text.get_text(), text.get_window_extent(renderer).padded(margin))
             for text in ax_temp.texts if text.get_visible() and text not in phase_labels]
    assert len(boxes) == 4
    for index, (label, box) in enumerate(boxes):
        for other_label, other in boxes[index + 1:]:
            assert not box.overlaps(other), f"{label!r} overlaps {other_label!r} ({preset})"


def _overlaps(texts) -> list[tuple[str, str]]:
    """Pairs of visible texts whose drawn boxes overlap."""
    shown = [t for t in texts if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent() for t in shown]
    return [(shown[i].get_text(), shown[j].get_text())
            for i in range(len(shown)) for j in range(i + 1, len(shown))
            if boxes[i].overlaps(boxes[j])]


@pytest.mark.parametrize("hold_s", [1, 2, 3, 5, 10])
def test_short_holds_of_question_5_draw_no_label_over_another(hold_s):
    """Lesson 01 question 5: a still applicator held 1-10 s on a 10-minute axis. The phase
    words and the band labels never print over each other (issue 17, point 8)."""
    simulator = SimulatorWidget("ln2_applicator_static")
    simulator.exposure_time.value = hold_s
    simulator.figure.canvas.draw()
    assert _overlaps(simulator.artists.phase_labels.values()) == []
    assert _overlaps(simulator.artists.ax_temp.texts) == []
    assert simulator.image.layout.width == "620px"  # shown at its own size, not stretched
    # the 10 minutes watched fill the time axis (not a 15-minute axis a third empty)
    assert simulator.artists.ax_temp.get_xlim()[1] == 11.0


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_no_preset_draws_a_label_over_another(name):
    simulator = SimulatorWidget(name)
    simulator.figure.canvas.draw()
    assert _overlaps(simulator.artists.ax_temp.texts) == []
    assert _overlaps(simulator.artists.phase_labels.values()) == []


def test_every_title_and_axis_label_is_inside_the_figure():
    """The chart's titles and axis labels are drawn whole (a title cut at the top edge was
    seen in Chromium at 1400x900)."""
    figure, ax_temp, ax_flow = make_axes()
    plot_response(ax_temp, ax_flow, simulate(PRESETS["ice_massage"].exposure))
    figure_png(figure)
    renderer = figure.canvas.get_renderer()
    page = figure.bbox
    for ax in (ax_temp, ax_flow):
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            if text.get_text():
                box = text.get_window_extent(renderer)
                assert (box.x0 >= page.x0 and box.x1 <= page.x1 and box.y0 >= page.y0
                        and box.y1 <= page.y1), (text.get_text(), box, page)
