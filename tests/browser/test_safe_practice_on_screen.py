"""Lesson 07 on screen: the oxygen simulator renders and responds; an ordered-steps answer
gets a plain message."""

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
    expect(widget).to_contain_text(re.compile(r"lowest \d+\.\d % oxygen"))
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


def test_step_picker_writes_the_line_and_a_misspelt_step_gets_did_you_mean(
        scenario: Scenario, open_notebook) -> None:
    """Clicking steps writes the answer line; a typed typo gets a plain "did you mean"."""
    notebook: Notebook = open_notebook(SAFE_PRACTICE)
    notebook.run_all()
    picker = notebook.output_of(notebook.code_cell('StepPicker(ALARM_CHOICES, "alarm_steps")'))
    picker.locator("button", has_text="stop the treatment").click()
    picker.locator("button", has_text="help the client out of the cabin").click()
    expect(picker).to_contain_text('alarm_steps = ["stop_session", "client_out"]')
    scenario.screenshot("step-picker")
    answer = notebook.code_cell("alarm_steps = ...")
    notebook.type_into(answer, 'alarm_steps = ["stop_sesion", "client_out"]')
    notebook.run_cell_and_advance()
    notebook.run_cell_and_advance()
    check_output = notebook.output_of(notebook.code_cell('check("safety_oxygen_alarm_steps")'))
    expect(check_output).to_contain_text("did you mean 'stop_session'?")
    expect(check_output).not_to_contain_text("Traceback")
    scenario.screenshot("did-you-mean-step")
