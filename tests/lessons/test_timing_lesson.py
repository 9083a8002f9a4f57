"""Lesson 03: the timing views, the two planner widgets and the declared questions."""

from __future__ import annotations

from datetime import date

import pytest
from matplotlib.figure import Figure

from course.exercises import all_items
from course.exercises.timing import (
    CHAMBER_SESSIONS,
    CRYOMASSAGE_LOG,
    ITEMS,
    PROPOSED_SCHEDULE,
    chamber_violations,
    picked_lines,
)
from course.facts.knowledge import load
from course.models.timing import headline_limit, plan_course, plan_session, source_label
from course.questions.kinds import Score
from course.views.style import OKABE_ITO
from course.views.timing import (
    CoursePlannerWidget,
    Plot,
    SessionPlannerWidget,
    chamber_sessions_table,
    conflict_note,
    course_figure,
    course_from_dates,
    course_plot,
    course_summary,
    held_still_vs_moving,
    limits_table,
    log_table,
    observation_note,
    schedule_table,
    session_figure,
    session_plot,
    session_summary,
    spacing_table,
    violations_html,
)

PALETTE = {colour.lower() for colour in OKABE_ITO.values()}


# --------------------------------------------------------------------------- tables


def test_limits_table_has_every_modality_its_basis_and_sources():
    html = limits_table()
    for modality in load().modalities.values():
        assert modality.name.replace("'", "&#x27;") in html
        assert modality.max_basis_kind in html
    assert "no teachable limit" in html
    assert "S1 (001_6f82df9865416c89.txt)" in html
    assert source_label("radecka2021") in html


def test_conflict_note_shows_both_sides_and_the_course_rule():
    conflict = load().conflicts["cryomassage_protocol"]
    html = conflict_note("cryomassage_protocol")
    for position in conflict.positions:
        assert position.text in html
    assert conflict.rule in html and "S2 (002_d3e0ea1042f40b8d.txt)" in html


def test_spacing_and_observation_come_from_the_data():
    html = spacing_table()
    for modality in load().modalities.values():
        if modality.interval_days is not None:
            assert f"<b>{modality.interval_days}</b>" in html
    assert "not a safety limit" in html
    minutes = load().modalities["ln2_cryomassage"].observation_minutes
    assert f"{minutes} minutes" in observation_note()


def test_held_still_vs_moving_uses_the_simulator():
    html = held_still_vs_moving()
    assert "held still" in html and "moving" in html and "°C" in html


def test_log_tables_do_not_reveal_the_answers():
    html = log_table(CRYOMASSAGE_LOG)
    assert all(f"<b>{event.label}</b>" in html for event in CRYOMASSAGE_LOG)
    assert "⚠" not in html and "over the limit" not in html
    assert all(f"<b>{label}</b>" in chamber_sessions_table(CHAMBER_SESSIONS)
               for label in CHAMBER_SESSIONS)
    assert "October 2025" in schedule_table(PROPOSED_SCHEDULE)


def test_violations_html():
    plan = plan_session("cryomassage", [("face", 400)])
    assert "1 problem" in violations_html(plan.violations, plan.notes)
    assert "Within every limit" in violations_html(())


# --------------------------------------------------------------------------- plots


def test_session_timeline_axes_colours_and_limit_line():
    plan = plan_session("cryomassage", [("face", 60), ("neck", 30)], passes=4)
    figure = session_figure(plan)
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    assert "(min)" in ax.get_xlabel() and ax.get_ylabel() == "area"
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["neck", "face"]
    [limit_line] = ax.get_lines()
    assert limit_line.get_xdata()[0] == headline_limit("cryomassage").max_s / 60
    assert len(ax.collections) == 4  # within / past the limit, for each area
    for collection in ax.collections:
        for rgba in collection.get_facecolor():
            hex_colour = "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in rgba[:3]))
            assert hex_colour in PALETTE


def test_session_summary_and_plot():
    plan = plan_session("cold air", {"legs": 200})
    text = session_summary(plan)
    assert "legs 3 min 20 s" in text and "per area" in text and "1 problem" in text
    shown = session_plot(plan)
    assert isinstance(shown, Plot)
    html = shown._repr_html_()
    assert html.startswith("<figure><img src=\"data:image/png;base64,") and text in html


def test_course_calendar_marks_the_early_session():
    plan = course_from_dates("cryomassage", PROPOSED_SCHEDULE)
    figure = course_figure(plan)
    [ax] = figure.axes
    assert ax.get_xlabel() == "date"
    markers = [line.get_marker() for line in ax.get_lines()]
    assert markers.count("X") == 1 and markers.count("o") == len(PROPOSED_SCHEDULE) - 1
    gaps = [text.get_text() for text in ax.texts]
    assert "4 d" in gaps
    text = course_summary(plan)
    assert "1 session(s) too soon" in text and "at least 7 days" in text
    assert "too soon" in course_plot(plan)._repr_html_()


def test_even_course_summary():
    plan = plan_course("cryomassage", date(2025, 10, 6), 3, 7)
    assert "no session too soon" in course_summary(plan)


# --------------------------------------------------------------------------- widgets


def test_session_planner_widget_updates_when_values_are_set():
    widget = SessionPlannerWidget()
    assert widget.plan is not None and bytes(widget.image.value).startswith(b"\x89PNG")
    limit = headline_limit("cryomassage").max_s
    for picker, seconds in zip(widget.area_pickers, widget.area_seconds, strict=True):
        picker.value = "(none)"
        seconds.value = 0
    widget.area_pickers[0].value = "face"
    widget.area_seconds[0].value = 60
    widget.passes.value = int(limit // 60)
    assert widget.plan.ok and "✔" in widget.warnings.value
    widget.passes.value = int(limit // 60) + 1
    assert not widget.plan.ok and "⚠" in widget.warnings.value
    assert "Total exposure: 6 min" in widget.total.value
    assert widget.summary.value == session_summary(widget.plan)


def test_session_planner_widget_cryosauna_uses_cabin_temperature():
    widget = SessionPlannerWidget()
    widget.modality.value = "cryosauna"
    assert widget.areas()[0][0] == "whole_body" and len(widget.areas()) == 1
    assert not widget.chamber_temp.disabled
    widget.area_seconds[0].value = 150
    widget.chamber_temp.value = -150
    assert [v.kind for v in widget.plan.violations] == ["cold_chamber"]
    widget.chamber_temp.value = -110
    assert widget.plan.ok


def test_session_planner_widget_refuses_physician_modalities():
    widget = SessionPlannerWidget()
    widget.modality.value = "cryolipolysis"
    assert "refer" in widget.warnings.value


def test_course_planner_widget():
    widget = CoursePlannerWidget()
    assert widget.plan.ok
    widget.interval.value = 4
    assert not widget.plan.ok and "too soon" in widget.summary.value
    widget.start.value = None
    assert "Pick the date" in widget.warnings.value


# --------------------------------------------------------------------------- questions


def test_items_are_registered_with_the_lesson_prefix():
    registered = all_items()
    for item in ITEMS:
        assert item.id.startswith("timing_") and registered[item.id] is item


def test_reference_answers_are_right_and_known_wrong_answers_earn_their_fraction():
    for item in ITEMS:
        assert item.score(item.expected()).status == "correct"
        if item.graded:
            assert item.wrong, f"{item.id} needs a known-wrong answer"
        for wrong in item.wrong:
            assert item.score(wrong.answers).fraction == pytest.approx(wrong.fraction)


def test_expected_answers_come_from_the_model():
    items = {item.id: item for item in ITEMS}
    assert items["timing_max_minutes_cryomassage"].expected()["max_minutes"] == \
        load().modalities["ln2_cryomassage"].max_exposure_s / 60
    assert items["timing_course_min_days_cryomassage"].expected()["min_days"] == \
        load().modalities["ln2_cryomassage"].interval_days
    assert sum(bool(chamber_violations(label)) for label in CHAMBER_SESSIONS) == 1


def test_log_answer_accepts_lower_case_and_suggests_for_typos():
    item = next(item for item in ITEMS if item.id == "timing_log_violations_cryomassage")
    assert item.score({"wrong_lines": ["c", "line F"]}).status == "correct"
    score = item.score({"wrong_lines": ["G"]})
    assert score.status == "malformed" and "not a log line" in score.message
    assert 'like ["A", "B"]' in item.answers["wrong_lines"].describe()


def test_picked_lines_scorer():
    scorer = picked_lines("x")
    assert scorer({"x": ("A", "B")}, {"x": ("A", "B")}) == Score(1.0, "correct")
    assert scorer({"x": ("A",)}, {"x": ("A", "B")}).fraction == 0.5
    assert scorer({"x": ("A", "C")}, {"x": ("A", "B")}).fraction == 0.0
    # the notes name the right and the wrong lines and count the missing ones
    assert scorer({"x": ("A", "C")}, {"x": ("A", "B")}).message == (
        "Right: line A. Should not be there: line C. Missing: 1 more line.")
    assert scorer({"x": ()}, {"x": ()}).fraction == 1.0
