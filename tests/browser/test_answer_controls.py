"""The course's JupyterLab extension (answer-controls/): answer cells as buttons, lists and
boxes. Picking writes the plain Python line into the cell and runs it; typing in the cell
moves the control; everything works from the keyboard and has a name for screen readers."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from tests.browser.conftest import Notebook, Scenario, expect
from tests.nbgrader_harness import REPO

pytestmark = pytest.mark.browser

ORIENTATION = "release/00-orientation/00-orientation.ipynb"
CONTRAINDICATIONS = "release/04-contraindications/04-contraindications.ipynb"
CASES = "release/05-screening-cases/05-screening-cases.ipynb"
NUMBER_CASES = json.loads((REPO / "answer-controls/number_cases.json").read_text())["cases"]


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
    # the buttons and the status line show the data's plain names, not the codes
    expect(controls.locator(".cryo-status")).to_contain_text("treatment: Defer")
    controls.get_by_role("radio", name="No referral", exact=True).check()
    expect(cell.locator(".cm-content")).to_have_text(re.compile('referral = "none"'))
    notebook.wait_for_idle_kernel()
    scenario.screenshot("decision")

    cell, controls = _controls(notebook, "more_minutes")
    box = controls.get_by_role("textbox", name=re.compile("more minutes in minutes"))
    box.fill("15 min")
    box.press("Enter")
    expect(cell.locator(".cm-content")).to_have_text("more_minutes = 15")
    expect(controls.locator(".cryo-number-note")).to_have_text("Read as 15 minutes.")

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
    notebook.wait_for_idle_kernel()
    runs = cell.locator(".jp-InputArea-prompt").inner_text()
    # (review finding 13) arrow keys pass over options without writing or running each one
    for _ in range(3):
        scenario.page.keyboard.press("ArrowRight")
    expect(controls.get_by_role("radio", name="modify")).to_be_focused()
    expect(controls.get_by_role("radio", name="modify")).to_be_checked()
    scenario.page.wait_for_timeout(500)  # nothing is written while the keys move
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "refuse"'))
    expect(cell.locator(".jp-InputArea-prompt")).to_have_text(runs)
    scenario.page.keyboard.press("Enter")  # the option it stopped on, written once
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "modify"'))
    notebook.wait_for_idle_kernel()
    expect(cell.locator(".jp-InputArea-prompt")).not_to_have_text(runs)
    # leaving the group writes the option reached, too
    scenario.page.keyboard.press("ArrowLeft")
    scenario.page.keyboard.press("Tab")
    expect(cell.locator(".cm-content")).to_have_text(re.compile('treatment = "defer"'))


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
    controls.get_by_role("checkbox", name="Epilepsy", exact=True).check()
    expect(cell.locator(".cm-content")).to_have_text(
        re.compile(r'case01_findings = \["epilepsy"\]'))
    expect(controls.get_by_role("checkbox", name=re.compile("^none"))).not_to_be_checked()
    scenario.screenshot("case")


def _hostile_notebook(root) -> str:
    """A notebook as a trainee could pass it on: one answer cell from lesson 00 as released,
    and answer cells whose metadata asks the controls to write code, to show markup as a
    label, or to draw a kind that does not exist."""
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
    # a choice's plain name is shown as plain text only (as a checklist's names are)
    label_not_value = hostile("q2_answer", {"schema_version": 1, "item": "q2", "answers": [
        {"name": "q2", "kind": "choice",
         "options": [["refuse", "<img src=x onerror=alert(1)>"], "defer"]}]},
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
def _number_boxes(scenario: Scenario, units: list[str]) -> str:
    """A notebook in the served folder with one number answer cell per unit (the metadata the
    course writes at generate time), so every row of the table meets a box of its unit."""
    cells = [nbformat.v4.new_code_cell(f"{unit}_box = ...", metadata={
        "nbgrader": {"solution": True, "grade": False, "locked": False,
                     "grade_id": f"{unit}_box", "schema_version": 3},
        "cryocourse": {"schema_version": 1, "item": f"{unit}_box", "answers": [
            {"name": f"{unit}_box", "kind": "number", "unit": unit, "min": -1000,
             "max": 100000, "whole": False}]}}) for unit in units]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = scenario.server.root_dir / "number-boxes.ipynb"
    nbformat.write(notebook, path)
    return path.name


def test_number_boxes_read_the_shared_table_and_never_change_a_number_silently(
        scenario: Scenario, open_notebook) -> None:
    """Every row of answer-controls/number_cases.json typed into a real box: a decimal comma
    or the question's unit word is read and said ("Read as 0.5 seconds."); anything else is
    named plainly and nothing is written."""
    units = sorted({case["unit"] for case in NUMBER_CASES})
    notebook: Notebook = open_notebook(_number_boxes(scenario, units))
    for case in NUMBER_CASES:
        cell = notebook.code_cell(f"{case['unit']}_box = ")
        controls = cell.locator(".cryo-answers")
        before = _source(cell)
        box = controls.get_by_role("textbox")
        box.fill(case["typed"])
        box.press("Enter")
        note = controls.locator(".cryo-number-note")
        if "problem" in case:
            expect(note).to_contain_text(case["problem"])
            expect(note).to_contain_text("Not written in the cell")
            expect(box).to_have_attribute("aria-invalid", "true")
            expect(box).to_have_value(case["typed"])  # what she typed stays for her to fix
            assert _source(cell) == before, case
        else:
            value = case["value"]
            written = "..." if value is None else (f"{value:g}" if value % 1 else str(int(value)))
            expect(cell.locator(".cm-content")).to_have_text(f"{case['unit']}_box = {written}")
            expect(note).to_have_text(case["note"])
            expect(box).not_to_have_attribute("aria-invalid", "true")
        notebook.wait_for_idle_kernel()
    scenario.screenshot("number-boxes")


def test_the_check_follows_every_change_to_the_answer_by_click_or_by_typing(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 00, practice 1: a pick runs the answer and its check (no cell run by hand); a
    new pick replaces the old verdict; typing updates the status line at once and marks the
    old verdict out of date until the answer cell is run (Shift+Enter runs the check too)."""
    notebook: Notebook = open_notebook(ORIENTATION)
    notebook.run_all()
    cell, controls = _controls(notebook, "is_medical_advice")
    check = notebook.output_of(notebook.code_cell(
        'check("orientation_practice_not_medical_advice")'))
    status = controls.locator(".cryo-status")
    controls.get_by_role("radio", name="Yes (True)").check()
    expect(check).to_contain_text("Not correct")
    expect(status).to_have_text("Your answer now: Yes")
    controls.get_by_role("radio", name="No (False)").check()
    expect(check).to_contain_text("Correct")
    expect(check).not_to_contain_text("Not correct")
    expect(status).to_have_text("Your answer now: No")
    notebook.wait_for_idle_kernel()
    stale = notebook.panel.locator(".cryo-stale-note")
    notebook.type_into(cell, "is_medical_advice = True")
    expect(status).to_have_text("Your answer now: Yes")
    expect(stale).to_contain_text("Your answer has changed since this check ran")
    scenario.screenshot("check-out-of-date")
    notebook.run_cell_and_advance()
    expect(check).to_contain_text("Not correct")
    expect(stale).to_have_count(0)
    # a list typed in the cell: the status names what is there now, in plain words
    cell, controls = _controls(notebook, "physician_only")
    notebook.type_into(cell, 'physician_only = ["cryodestruction", "cryoelectrophoresis"]')
    expect(controls.locator(".cryo-status")).to_contain_text("Cryodestruction")
    expect(controls.locator(".cryo-status")).to_contain_text("Cryoelectrophoresis")
