"""The class report shows both parts of every screening decision (issue 13)."""

from __future__ import annotations

import nbformat

from course.classroom.report import ClassData, ItemStats, _decision_parts, decision_parts_table
from course.models.variants import marking_as
from tests.nbgrader_harness import variant_key_with

KEY, NUMBER = variant_key_with("c06")
ITEM = f"cases_client{NUMBER:02d}"


def _submission(treatment: str, referral: str) -> nbformat.NotebookNode:
    p = f"case{NUMBER:02d}"
    cell = nbformat.v4.new_code_cell(
        f'{p}_treatment = "{treatment}"\n{p}_referral = "{referral}"\n'
        f'{p}_findings = ["hypertension", "bp_above_limit"]')
    cell.metadata["nbgrader"] = {"grade_id": f"{ITEM}_answer", "solution": True,
                                 "grade": False, "locked": False}
    return nbformat.v4.new_notebook(cells=[cell])


def test_report_counts_treatment_and_referral_separately() -> None:
    data = ClassData("05-screening-cases")
    answers = [("defer", "gp"), ("clearance", "family doctor"), ("refuse", "none"),
               ("refuse", "gp"), ("not today", "none")]
    with marking_as(KEY):
        for treatment, referral in answers:
            _decision_parts(_submission(treatment, referral), [ITEM], data)
    tally = data.decision_parts[ITEM]
    assert tally["treatment"] == {"defer": 2, "clearance": 1, "refuse": 2}
    assert tally["referral"] == {"gp": 3, "none": 2}
    with marking_as(KEY):
        table = decision_parts_table(data)
    assert "treatment today: right" in table and "referral: right" in table
    # defer is the reference (a variant item declares no item-level alternatives: the
    # client's own alternatives are applied by score_screening when marking)
    assert "2 of 5: defer" in table and "refuse (2)" in table
    assert "3 of 5: gp" in table and "none (2)" in table
    assert f"<td>{ITEM}</td>" in table  # no label known: the id
    data.items[ITEM] = ItemStats(ITEM, 4.0, [], label=f"Case {NUMBER}")
    with marking_as(KEY):
        table = decision_parts_table(data)
    assert f"<td>Case {NUMBER}</td>" in table and ITEM not in table  # as trainees see it


def test_questions_that_are_not_screening_decisions_are_left_out() -> None:
    data = ClassData("00-orientation")
    _decision_parts(nbformat.v4.new_notebook(), ["orientation_observation_minutes",
                                                 "no_such_item"], data)
    assert data.decision_parts == {}
