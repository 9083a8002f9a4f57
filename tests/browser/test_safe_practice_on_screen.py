"""Lesson 07 on screen: the oxygen simulator renders and responds; ordered steps and
checklists are answered in the answer controls, with nothing to copy."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import Notebook, Scenario, expect

pytestmark = pytest.mark.browser

SAFE_PRACTICE = "release/07-safe-practice/07-safe-practice.ipynb"


def test_oxygen_simulator_renders_and_the_cabin_day_redraws_it(
        scenario: Scenario, open_notebook) -> None:
    """Run all; the simulator draws its plot; switching to a cabin's day redraws it."""
    notebook: Notebook = open_notebook(SAFE_PRACTICE)
    notebook.run_all()
    expect(notebook.panel).not_to_contain_text("Error displaying widget")
    expect(notebook.panel).not_to_contain_text("Traceback")
    widget = notebook.output_of(notebook.code_cell("OxygenRoomWidget()"))
    image = widget.locator("img").first
    expect(image).to_be_visible()
    expect(widget).to_contain_text(re.compile(r"lowest \d+\.\d+ % oxygen"))
    summary = widget.locator(".widget-html-content", has_text=re.compile(r"^lowest"))
    overflow = summary.evaluate("node => node.scrollWidth - node.clientWidth")
    assert overflow <= 0, f"the result sentence runs {overflow} px past its box"
    before = notebook.image_digest(image)
    scenario.screenshot("spill")
    widget.locator("button", has_text="A cabin's working day").click()
    expect(widget).to_contain_text("illustrative")
    deadline = time.monotonic() + 30
    while notebook.image_digest(image) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert notebook.image_digest(image) != before, "the plot was not redrawn"
    box = widget.bounding_box()
    assert box is not None and box["width"] <= 1400
    scenario.screenshot("cabin-day")


def test_ordered_steps_are_picked_reordered_and_taken_out_in_the_answer_control(
        scenario: Scenario, open_notebook) -> None:
    """Question 5's answer control: steps added by click, moved by keyboard (Enter on the
    arrow buttons, Alt+Arrow), dragged by mouse, taken out; each change writes the line in
    the cell itself (nothing to copy). A typed typo still gets a plain "did you mean"."""
    notebook: Notebook = open_notebook(SAFE_PRACTICE)
    notebook.run_all()
    expect(notebook.panel).not_to_contain_text("Copy this line")
    cell = notebook.code_cell("alarm_steps = ")
    control = cell.locator(".cryo-answers")
    expect(control.locator(".cryo-answer")).to_have_count(1)
    add = lambda words: control.get_by_role("button", name=re.compile(f"^Add: {words}"))  # noqa: E731
    add("stop the treatment").click()
    add("leave the room").click()
    add("help the client out").click()
    expect(cell.locator(".cm-content")).to_have_text(
        'alarm_steps = ["stop_session", "leave_room", "client_out"]')
    expect(add("stop the treatment")).to_be_disabled()
    # keyboard: focus "Move up" of the third step and press Enter
    up = control.get_by_role("button", name=re.compile("^Move up: help the client out"))
    up.focus()
    scenario.page.keyboard.press("Enter")
    expect(cell.locator(".cm-content")).to_have_text(
        'alarm_steps = ["stop_session", "client_out", "leave_room"]')
    expect(control.get_by_role("button", name=re.compile("^Move up: help the client out"))
           ).to_be_focused()
    scenario.page.keyboard.press("Alt+ArrowDown")
    expect(cell.locator(".cm-content")).to_have_text(
        'alarm_steps = ["stop_session", "leave_room", "client_out"]')
    # mouse: drag the last step onto the second
    steps = control.locator(".cryo-step")
    steps.nth(2).drag_to(steps.nth(1))
    expect(cell.locator(".cm-content")).to_have_text(
        'alarm_steps = ["stop_session", "client_out", "leave_room"]')
    scenario.screenshot("ordered-steps")
    control.get_by_role("button", name=re.compile("^Take out: leave the room")).click()
    expect(cell.locator(".cm-content")).to_have_text(
        'alarm_steps = ["stop_session", "client_out"]')
    expect(add("leave the room")).to_be_enabled()
    notebook.wait_for_idle_kernel()
    # typing in the cell moves the control
    notebook.type_into(cell, 'alarm_steps = ["client_out", "stop_sesion"]')
    expect(steps).to_have_count(1)
    notebook.run_cell_and_advance()
    notebook.run_cell_and_advance()
    check_output = notebook.output_of(notebook.code_cell('check("safety_oxygen_alarm_steps")'))
    expect(check_output).to_contain_text("did you mean")
    expect(check_output).not_to_contain_text("Traceback")
    scenario.screenshot("did-you-mean-step")


def test_checklist_questions_have_one_checklist_each(scenario: Scenario, open_notebook) -> None:
    """Questions 6 to 8: the answer control is the only checklist, with the question's own
    items (no second tick list to copy from)."""
    notebook: Notebook = open_notebook(SAFE_PRACTICE)
    notebook.run_all()
    for variable, count in (("still_to_do", 9), ("missing", 8), ("faults", 10)):
        cell = notebook.code_cell(f"{variable} = ")
        expect(cell.locator(".cryo-check:not(.cryo-check-none)")).to_have_count(count)
    expect(notebook.panel.locator(".widget-checkbox")).to_have_count(0)
