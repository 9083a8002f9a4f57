"""What a trainee sees on screen: lessons open, answers get plain messages, widgets work."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Notebook, Scenario, expect

pytestmark = pytest.mark.browser

ORIENTATION = "release/00-orientation/00-orientation.ipynb"


def test_orientation_typo_gets_did_you_mean(scenario: Scenario, open_notebook) -> None:
    """A misspelt decision word gets a plain-language "did you mean" message, no traceback."""
    notebook: Notebook = open_notebook(ORIENTATION)
    notebook.run_all()
    answer = notebook.code_cell("decision = ...")
    notebook.type_into(answer, 'decision = "defr"')
    notebook.run_cell_and_advance()
    notebook.run_cell_and_advance()
    check_output = notebook.output_of(notebook.code_cell('check("orientation_decision_herpes")'))
    expect(check_output).to_contain_text("did you mean 'defer'?")
    expect(check_output).not_to_contain_text("Traceback")
    scenario.screenshot("did-you-mean")
