"""The course's JupyterLab extension (answer-controls/): answer cells as buttons, lists and
boxes. Picking writes the plain Python line into the cell and runs it; typing in the cell
moves the control; everything works from the keyboard and has a name for screen readers."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Notebook, Scenario, expect

pytestmark = pytest.mark.browser

ORIENTATION = "release/00-orientation/00-orientation.ipynb"
CONTRAINDICATIONS = "release/04-contraindications/04-contraindications.ipynb"
CASES = "release/05-screening-cases/05-screening-cases.ipynb"


def _controls(notebook: Notebook, variable: str):
    """The answer cell that sets ``variable`` and its control group."""
    cell = notebook.code_cell(f"{variable} = ")
    return cell, cell.locator(".cryo-answers")


def _source(cell) -> str:
    return cell.locator(".cm-content").inner_text()


def test_orientation_answers_picked_with_buttons_boxes_and_a_checklist(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 00: a decision by button, a number with its unit, a checklist of modalities,
    Yes/No, and a written answer in a text box; each writes the plain line into the cell."""
    notebook: Notebook = open_notebook(ORIENTATION)
    page = scenario.page
    notebook.run_all()  # the set-up cell loads check(); the controls need nothing
    cell, controls = _controls(notebook, "treatment")
    expect(controls).to_have_attribute("aria-label", "Your answer")
    controls.get_by_role("radio", name="defer").check()
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "defer"'))
    expect(controls.locator(".cryo-status")).to_contain_text('treatment = "defer"')
    controls.get_by_role("radio", name="none", exact=True).check()
    expect(cell.locator(".cm-content")).to_have_text(re.compile('referral = "none"'))
    notebook.wait_for_idle_kernel()
    scenario.screenshot("decision")

    cell, controls = _controls(notebook, "more_minutes")
    box = controls.get_by_role("spinbutton", name=re.compile("more minutes in minutes"))
    box.fill("15")
    box.press("Enter")
    expect(cell.locator(".cm-content")).to_have_text("more_minutes = 15")

    cell, controls = _controls(notebook, "physician_only")
    search = controls.get_by_role("searchbox", name=re.compile("Find a modality"))
    search.fill("destr")
    controls.get_by_role("checkbox", name=re.compile("Cryodestruction")).check()
    search.fill("")
    controls.get_by_role("checkbox", name=re.compile("^Cryoelectrophoresis")).check()
    expect(cell.locator(".cm-content")).to_have_text(
        'physician_only = ["cryodestruction", "cryoelectrophoresis"]')

    cell, controls = _controls(notebook, "is_medical_advice")
    controls.get_by_role("radio", name="No (False)").check()
    expect(cell.locator(".cm-content")).to_have_text("is_medical_advice = False")

    # typing in the cell moves the control
    cell, controls = _controls(notebook, "who_may_remove_wart")
    notebook.type_into(cell, 'who_may_remove_wart = "physician"')
    expect(controls.get_by_role("radio", name="physician")).to_be_checked()

    written = page.get_by_role("textbox", name=re.compile("Your written answer"))
    written.click()
    page.keyboard.type("I will not freeze it. A changing mole needs a doctor first.")
    expect(written).to_have_value(re.compile("needs a doctor first"))
    scenario.screenshot("answered")

    notebook.wait_for_idle_kernel()
    check = notebook.code_cell('check("orientation_decision_herpes")')
    check.click()
    notebook.run_cell_and_advance()
    expect(notebook.output_of(check)).to_contain_text("right form")


def test_a_choice_is_made_with_the_keyboard_alone(scenario: Scenario, open_notebook) -> None:
    """Tab to the buttons, arrow keys to move, the pick is written (no mouse)."""
    notebook: Notebook = open_notebook(ORIENTATION)
    cell, controls = _controls(notebook, "treatment")
    first = controls.get_by_role("radio", name="refuse")
    first.focus()
    scenario.page.keyboard.press("Space")
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "refuse"'))
    scenario.page.keyboard.press("ArrowRight")
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "clearance"'))
    expect(controls.get_by_role("radio", name="clearance")).to_be_focused()


def test_contraindications_checklist_answer(scenario: Scenario, open_notebook) -> None:
    """Lesson 04: a list of conditions ticked in a searchable checklist."""
    notebook: Notebook = open_notebook(CONTRAINDICATIONS)
    cell, controls = _controls(notebook, "refuse_in_chamber")
    controls.get_by_role("searchbox").fill("rayn")
    controls.get_by_role("checkbox", name=re.compile("Raynaud")).check()
    expect(cell.locator(".cm-content")).to_have_text(re.compile(
        r'refuse_in_chamber = \["raynauds"\]'))
    scenario.screenshot("checklist")


def test_assessment_case_answered_with_decision_and_no_findings(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 05: a case's decision by button and "none" for its findings (an empty list)."""
    notebook: Notebook = open_notebook(CASES)
    cell, controls = _controls(notebook, "case01_treatment")
    controls.get_by_role("radio", name="proceed").check()
    controls.get_by_role("checkbox", name=re.compile("^none")).check()
    expect(cell.locator(".cm-content")).to_have_text(
        re.compile(r'case01_treatment = "proceed"[\s\S]*case01_findings = \[\]'))
    controls.get_by_role("checkbox", name=re.compile("^Epilepsy")).check()
    expect(cell.locator(".cm-content")).to_have_text(
        re.compile(r'case01_findings = \["epilepsy"\]'))
    expect(controls.get_by_role("checkbox", name=re.compile("^none"))).not_to_be_checked()
    scenario.screenshot("case")


def _hostile_notebook(root) -> str:
    """A notebook as a trainee could pass it on: one answer cell from lesson 00 as released,
    and answer cells whose metadata asks the controls to write code, to show a label that is
    not its value, or to draw a kind that does not exist."""
    import json

    released = json.loads((root / ORIENTATION).read_text(encoding="utf-8"))
    good = next(cell for cell in released["cells"]
                if cell["metadata"].get("cryocourse", {}).get("item") ==
                "orientation_decision_herpes")

    def hostile(grade_id: str, spec: dict, source: str) -> dict:
        return {"cell_type": "code", "execution_count": None, "outputs": [], "source": source,
                "metadata": {"nbgrader": {"solution": True, "grade": False, "locked": False,
                                          "grade_id": grade_id, "schema_version": 3},
                             "cryocourse": spec}}

    code = 'x\nimport pathlib; pathlib.Path("ran-from-a-click").write_text("x")\ny'
    unknown_kind = hostile("q3_answer", {"schema_version": 1, "item": "q3", "answers": [
        {"name": "q3", "kind": "script", "options": ["<img src=x onerror=alert(1)>"]}]},
        "q3 = ...\n")
    code_in_name = hostile("q1_answer", {"schema_version": 1, "item": "q1", "answers": [
        {"name": code, "kind": "choice", "options": ["defer", "refuse"]}]}, "x = ...\n")
    label_not_value = hostile("q2_answer", {"schema_version": 1, "item": "q2", "answers": [
        {"name": "q2", "kind": "choice", "options": [["refuse", "proceed"], "defer"]}]},
        "q2 = ...\n")
    # the unknown kind comes first: it once took every later cell's controls with it
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Passed on by a trainee"},
             unknown_kind, code_in_name, good, label_not_value]
    path = "passed-on/passed-on.ipynb"
    (root / "passed-on").mkdir(exist_ok=True)
    (root / path).write_text(json.dumps({**released, "cells": cells}), encoding="utf-8")
    return path


def test_a_hostile_cell_shows_one_sentence_and_the_good_cell_keeps_its_buttons(
        scenario: Scenario, open_notebook) -> None:
    """Issue 31: controls come only from metadata the course's schema and the cell's own
    question allow. A cell asking for anything else shows one plain sentence and writes and
    runs nothing, and the other cells' controls are untouched."""
    root = scenario.server.root_dir
    notebook: Notebook = open_notebook(_hostile_notebook(root))
    refusals = notebook.panel.locator(".cryo-refused")
    expect(refusals).to_have_count(3)
    for index in range(3):
        expect(refusals.nth(index)).to_have_text("This answer cell cannot show its buttons.")
    hostile = [notebook.code_cell(text) for text in ("x = ...", "q2 = ...", "q3 = ...")]
    for cell in hostile:
        expect(cell.locator("input")).to_have_count(0)
        expect(cell.locator("img")).to_have_count(0)
    cell, controls = _controls(notebook, "treatment")
    controls.get_by_role("radio", name="defer").check()
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "defer"'))
    notebook.wait_for_idle_kernel()
    scenario.screenshot("refused")
    for cell, source in zip(hostile, ("x = ...", "q2 = ...", "q3 = ..."), strict=True):
        expect(cell.locator(".cm-content")).to_have_text(source)
        expect(cell.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"^\[ \]:$"))
    assert not (root / "passed-on" / "ran-from-a-click").exists()
    assert not (root / "ran-from-a-click").exists()
