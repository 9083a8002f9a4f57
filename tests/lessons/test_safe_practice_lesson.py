"""Lesson 07: the ordered-steps answer kind, the questions, the views and the oxygen widget."""

from __future__ import annotations

from html import escape

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from course.exercises import item, lesson_items
from course.exercises.safe_practice import (
    ALARM_CHOICES,
    CHECKLIST,
    COLD_BURN_CHOICES,
    FAULT_CHOICES,
    INCOMPLETE_RECORD,
    STORY_FAULTS,
    intake_still_to_do,
    spill_lowest_percent,
)
from course.facts.safe_practice import find_emergency, safe_practice, step_spellings
from course.models.oxygen import closed_room_percent
from course.nbgrader_plugins.autograde.trusted_scores import score_notebook_item
from course.questions.kinds import AnswerFormatError, Steps
from course.views.safe_practice import (
    CABIN,
    OxygenRoomWidget,
    emergencies_table,
    never_table,
    oxygen_facts,
    oxygen_figure,
    oxygen_plot,
    oxygen_summary,
    record_table,
    references,
    room_curve,
    rules_table,
    seed_claim_note,
)
from course.views.style import OKABE_ITO
from course.views.timing import log_table

PALETTE = {colour.lower() for colour in OKABE_ITO.values()}
ALARM = list(find_emergency("oxygen_alarm").steps)
STEPS = Steps(step_spellings, "step")


class AlwaysEqual(list):
    def __eq__(self, other):
        return True


# --------------------------------------------------------------------------- the Steps kind


def test_steps_keep_the_order_and_accept_codes_words_and_aliases():
    assert STEPS.normalise("s", ["Stop", "out of the cabin", "leave_room"]) == (
        "stop_session", "client_out", "leave_room")
    assert STEPS.normalise("s", ("leave room", "stop session")) == ("leave_room",
                                                                     "stop_session")


@pytest.mark.parametrize(("value", "message"), [
    ("stop, leave", "square brackets"),
    (["stop", "stop_session"], "twice"),
    (["stp_session"], "did you mean"),
    ([], "at least one"),
    ([3], "in quotes"),
    (AlwaysEqual(["stop"]), "square brackets"),
])
def test_steps_reject_what_is_not_a_plain_ordered_list(value, message):
    with pytest.raises(AnswerFormatError, match=message):
        STEPS.normalise("alarm_steps", value)


def _alarm(steps):
    return item("safety_oxygen_alarm_steps").score({"alarm_steps": steps})


def test_ordered_steps_reward_the_right_steps_and_the_critical_order():
    assert _alarm(ALARM).fraction == 1
    # only the four critical steps, in order: half of the naming credit lost (4 of 7)
    critical = list(find_emergency("oxygen_alarm").critical)
    assert _alarm(critical).fraction == pytest.approx((4 / 7 + 1) / 2)
    # every step, critical order reversed: naming earned, no critical pair in order
    reordered = [s for s in ALARM if s not in critical] + critical[::-1]
    assert _alarm(reordered).fraction == pytest.approx(0.5)
    # non-critical steps in any order: full marks
    shuffled = ALARM[:3] + ["ventilate_from_outside", "check_client", "call_for_help"] + [
        "record_incident"]
    assert _alarm(shuffled).fraction == 1
    # a step that does not belong costs like a missing one, in the naming and the order
    padded = _alarm([*ALARM[:-1], "jewellery_off", ALARM[-1]])
    assert padded.fraction == pytest.approx((6 / 7 + 6 / 7) / 2)
    assert "cost order credit too" in padded.message


SAFE_STEPS = sorted(code for code, step in safe_practice().steps.items() if not step.never)


@pytest.mark.parametrize("emergency", sorted(safe_practice().emergencies))
@pytest.mark.parametrize("order", ["alphabetical", "reversed", "by plain name"])
def test_listing_every_step_the_course_knows_earns_nothing(emergency, order):
    """Issue 31: every known step in alphabetical order earned a quarter of the points (the
    critical pairs that happened to come in order), with no knowledge of the emergency."""
    listed = {"alphabetical": SAFE_STEPS, "reversed": SAFE_STEPS[::-1],
              "by plain name": sorted(SAFE_STEPS, key=lambda c: safe_practice().steps[c].name)}
    scorer = item("safety_oxygen_alarm_steps").scorer
    also = set(find_emergency("oxygen_alarm").also_right)  # this scorer neither counts them
    expected = {"alarm_steps": [s for s in find_emergency(emergency).steps if s not in also]}
    assert scorer({"alarm_steps": tuple(listed[order])}, expected).fraction == 0
    assert scorer({"alarm_steps": tuple(expected["alarm_steps"])}, expected).fraction == 1


def test_padding_costs_in_both_parts_never_more_than_the_steps_were_worth():
    critical = list(find_emergency("oxygen_alarm").critical)
    also = set(find_emergency("oxygen_alarm").also_right)  # accepted: they cost nothing
    extras = [code for code in SAFE_STEPS if code not in ALARM and code not in also]
    fractions = [_alarm([*ALARM, *extras[:count]]).fraction for count in range(len(extras) + 1)]
    assert fractions == sorted(fractions, reverse=True) and fractions[0] == 1
    assert fractions[-1] == 0  # as many steps that do not belong as right ones: nothing
    # the critical steps in order with padding earn less than the critical steps alone
    assert _alarm([*critical, *extras[:2]]).fraction < _alarm(critical).fraction


def test_calling_the_emergency_services_or_laying_a_dizzy_client_down_never_costs():
    """Review of a742ee2, section 4: the call is offered and accepted; lying down with the legs
    up for a dizzy client loses nothing, wherever it is put."""
    also = find_emergency("oxygen_alarm").also_right
    assert set(also) == {"call_emergency", "lie_down_legs_up"} <= set(ALARM_CHOICES)
    assert _alarm([*ALARM[:4], "call_emergency", *ALARM[4:], "lie_down_legs_up"]).fraction == 1
    assert _alarm(["call_emergency", *ALARM]).fraction == 1
    # the call in place of warning colleagues still misses that step
    without_warning = [code for code in ALARM if code != "call_for_help"]
    assert _alarm([*without_warning, "call_emergency"]).fraction == pytest.approx(
        (6 / 7 + 1) / 2)
    assert "emergency services" in item("safety_oxygen_alarm_steps").reason()


@pytest.mark.parametrize("never", ["go_in_to_help", "crouch_in_cabin"])
def test_a_dangerous_step_earns_nothing_and_says_why(never):
    score = _alarm([*ALARM, never])
    assert score.fraction == 0 and "must never be done" in score.message


def test_steps_questions_read_their_answer_and_critical_steps_from_the_data():
    practice = lesson_items("safe_practice")["safety_practice_cold_burn_steps"]
    assert practice.expected() == {"cold_burn_steps": list(find_emergency("cold_burn").steps)}
    assert set(find_emergency("cold_burn").steps) <= set(COLD_BURN_CHOICES)
    assert set(ALARM) <= set(ALARM_CHOICES)
    never = {code for code in ALARM_CHOICES if safe_practice().steps[code].never}
    also = set(find_emergency("oxygen_alarm").also_right)
    assert never and also and set(ALARM_CHOICES) - set(ALARM) == never | also


# --------------------------------------------------------------------------- one reader


ANSWER_TEXTS = {
    "safety_oxygen_alarm_steps": [
        'alarm_steps = ["stop", "out of the cabin", "leave the room", "record"]',
        'alarm_steps = ["stop_session", "leave_room", "client_out", "record_incident"]',
        'alarm_steps = ["stop_session", "go in", "client_out"]',
        'alarm_steps = "stop, leave"',
        'alarm_steps = ["stop_session", "stop"]',
        'alarm_steps = ["stop_sesion", "client_out"]',
        "alarm_steps = list(reversed(['record_incident', 'stop_session']))",
    ],
    "safety_spot_faults": ['faults = ["never seal", "Never re-dip into the stock flask"]',
                           'faults = ["oxygen_monitor", "ventilation"]'],
    "safety_spill_closed_room": ["lowest_percent = 16.0\nsafe_to_stay = False",
                                 "lowest_percent = 17.2\nsafe_to_stay = 'no'"],
}


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    client.execute_interactive("from course.checks import grade", timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _kernel_points(client, text: str, item_id: str) -> float:
    """The points grade() gives in a real kernel after the answer cell ran (0 if it raised)."""
    results: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] == "execute_result":
            results.append(message["content"]["data"]["text/plain"])

    client.execute_interactive(text, timeout=30)
    client.execute_interactive(f"grade({item_id!r})", timeout=30, output_hook=keep)
    return float(results[0]) if results else 0.0


@pytest.mark.parametrize(("item_id", "text"), [
    (item_id, text) for item_id, texts in ANSWER_TEXTS.items() for text in texts])
def test_kernel_check_and_trusted_marker_read_the_same_text_the_same_way(kernel, item_id,
                                                                          text):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    declared = item(item_id)
    trusted = round(score_notebook_item(nb, declared).fraction * declared.points, 4)
    assert _kernel_points(kernel, text, item_id) == pytest.approx(trusted)


# --------------------------------------------------------------------------- the questions


def test_expected_answers_come_from_the_model_and_the_data():
    oxygen = safe_practice().oxygen
    assert spill_lowest_percent() == round(
        closed_room_percent(30, 10 * oxygen.expansion_ratio / 1000, oxygen.fresh_percent), 1)
    assert item("safety_deficiency_percent").expected() == {"alarm_percent": 19.5}
    assert set(STORY_FAULTS) <= set(FAULT_CHOICES) and set(FAULT_CHOICES) - set(STORY_FAULTS)
    assert set(intake_still_to_do()) < set(CHECKLIST)
    assert item("safety_record_missing_fields").expected() == {
        "missing": ["operator", "checks", "reactions"]}


@pytest.mark.parametrize(("percent", "earns"), [(16.0, 1), (16.6, 1), (17.0, 1), (15.5, 0),
                                                 (20.9, 0)])
def test_the_spill_accepts_every_fair_hand_calculation(percent, earns):
    score = item("safety_spill_closed_room").score({"lowest_percent": percent,
                                                    "safe_to_stay": False})
    assert score.fraction == pytest.approx(0.5 + 0.5 * earns)


def test_the_written_answer_of_the_intake_checklist_neither_earns_nor_costs():
    checklist = item("safety_intake_checklist")
    expected = intake_still_to_do()
    assert checklist.score({"still_to_do": [*expected, "written_consent"]}).fraction == 1
    assert checklist.score({"still_to_do": [*expected, "questionnaire_every_visit"]}
                           ).fraction == pytest.approx(6 / 7)


def test_lesson_has_at_least_eight_auto_marked_points():
    marked = [i for i in lesson_items("safe_practice").values() if i.graded]
    assert sum(i.points for i in marked) >= 8


# --------------------------------------------------------------------------- views


def test_tables_show_each_rule_with_what_it_rests_on_and_its_sources():
    html = rules_table()
    for rule in safe_practice().rules.values():
        assert escape(rule.name) in html
    assert "vendor practice only" in html and "law in many places" in html
    assert "Jones SK, Darville JM 1989" in html
    assert "S1 (001_6f82df9865416c89.txt)" in seed_claim_note()
    assert "19.5 %" in oxygen_facts() and "osha_1910_134" in references()


def test_emergency_views_mark_critical_steps_and_never_steps():
    html = emergencies_table()
    assert "<b>help the client out of the cabin</b>" in html
    assert "rub the cold skin" in never_table()
    asked = emergencies_table(leave_out=["oxygen_alarm"])
    assert find_emergency("oxygen_alarm").name not in asked
    assert find_emergency("cold_burn").name in asked


def test_hostile_text_in_a_record_is_inert():
    record = INCOMPLETE_RECORD.__class__(operator="<script>alert(1)</script>")
    html = record_table(record)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Times:</b> not recorded" in html
    assert log_table(INCOMPLETE_RECORD.times) in record_table(INCOMPLETE_RECORD)


def test_oxygen_figure_has_units_levels_and_colour_blind_safe_colours():
    curve = room_curve(30, 10, 0)
    figure = oxygen_figure(curve)
    assert isinstance(figure, Figure)
    [ax] = figure.axes
    assert ax.get_xlabel() == "time (min)" and "(%)" in ax.get_ylabel()
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines()[:-1])
    oxygen = safe_practice().oxygen
    assert levels == [oxygen.evacuate_percent, oxygen.deficiency_percent, oxygen.fresh_percent]
    for line in ax.get_lines():
        assert to_hex(line.get_color()) in PALETTE
    width, height = figure.get_size_inches() * 72
    assert width <= 1400 and height <= 900


def test_oxygen_plot_summary_is_the_alt_text():
    plot = oxygen_plot(room_curve(30, 10, 0))
    assert "16.6 %" in plot.summary and "still below 19.5 %" in plot.summary
    assert "below the 18 % second alarm" in plot.summary
    assert plot.summary in plot._repr_html_()


@pytest.mark.parametrize(("room", "litres", "says", "never"), [
    (50, 5, ["lowest 19.49 %", "below the 19.5 % first alarm"], ["19.5 % oxygen", "second"]),
    (20, 5, ["lowest 17.6 %", "below the 18 % second alarm"], ["19.5 % first alarm:"]),
    (300, 1, ["never falls below the 19.5 % first alarm"], ["still below"]),
])
def test_oxygen_summary_names_the_deepest_alarm_passed_and_never_rounds_onto_a_level(
        room: int, litres: float, says: list[str], never: list[str]) -> None:
    summary = oxygen_summary(room_curve(room, litres, 0))
    for words in says:
        assert words in summary
    for words in never:
        assert words not in summary


def test_oxygen_widget_updates_when_values_are_set():
    widget = OxygenRoomWidget()
    widget.room.value, widget.litres.value, widget.air_changes.value = 30, 10.0, 0.0
    assert widget.curve.lowest_percent == pytest.approx(spill_lowest_percent(), abs=0.05)
    assert "second alarm" in widget.verdict.value
    widget.litres.value = 0.5
    assert "stays above" in widget.verdict.value
    image = widget.image.value
    widget.air_changes.value = 6.0
    assert widget.image.value != image and widget.summary.value.startswith("<p>lowest")


def test_oxygen_widget_cabin_day_uses_sessions_and_illustrative_litres():
    widget = OxygenRoomWidget()
    assert widget.sessions.disabled
    widget.scenario.value = CABIN
    assert not widget.sessions.disabled and "illustrative" in widget.litres.description
    widget.sessions.value = 1
    one = widget.curve.lowest_percent
    widget.sessions.value = 10
    assert widget.curve.lowest_percent < one
    assert len(widget.curve.releases) == 10


# --------------------------------------------------------------------------- answer builders


def test_ordered_steps_control_offers_the_questions_steps_in_plain_words_never_in_order():
    """The answer control of an ordered-steps question lists exactly the steps the question
    offers, by their plain names, and never in the answer's order; picking them in the
    answer's order writes a line the trusted marker gives full marks."""
    import json

    from course.questions.kinds import answer_spec

    for item_id, name, offered in (
            ("safety_oxygen_alarm_steps", "alarm_steps", ALARM_CHOICES),
            ("safety_practice_cold_burn_steps", "cold_burn_steps", COLD_BURN_CHOICES)):
        (spec,) = answer_spec(item(item_id))["answers"]
        assert spec["kind"] == "steps" and spec["name"] == name
        codes = [code for code, _ in spec["options"]]
        assert sorted(codes) == sorted(offered)
        expected = item(item_id).expected()[name]
        assert codes[: len(expected)] != expected  # never in the answer's order
        names = safe_practice().steps
        assert all(label == names[code].name for code, label in spec["options"])
        line = f"{name} = {json.dumps(expected)}"  # what the control writes
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(line)])
        assert score_notebook_item(nb, item(item_id)).fraction == 1


def test_tick_lists_offer_only_the_questions_own_choices():
    """Questions 6-8 have one checklist each (the answer control), listing the question's
    choices only, in plain words."""
    from course.exercises.safe_practice import session_fields
    from course.questions.kinds import answer_spec

    for item_id, offered in (("safety_intake_checklist", CHECKLIST),
                             ("safety_spot_faults", FAULT_CHOICES),
                             ("safety_record_missing_fields", session_fields())):
        (spec,) = answer_spec(item(item_id))["answers"]
        assert spec["kind"] == "names"
        assert sorted(code for code, _ in spec["options"]) == sorted(offered)
        assert all(label != code for code, label in spec["options"])


def test_question_1_asks_to_apply_the_rule_not_to_repeat_the_lessons_verdict():
    """Review of a742ee2, section 4: a new swab with a shared cup still passes viruses on."""
    cup = item("safety_shared_cup")
    assert cup.expected() == {"virus_can_pass": True}
    assert cup.score({"virus_can_pass": False}).fraction == 0
    assert "cup" in cup.reason() and "new swab" in cup.reason()
