"""Statuses are a type, points live on the item, authoring errors are not answer errors."""

from __future__ import annotations

import nbformat
import pytest

from course.exercises import UnknownItemError, item
from course.nbgrader_plugins.autograde.faults import faults_of
from course.nbgrader_plugins.autograde.trusted_scores import ItemPoints, TrustedScores
from course.questions.kinds import AnswerFormatError, AuthoringError, Score, Status

PEAK = "timing_max_minutes_cryomassage"  # one number: scratch arithmetic is possible


def test_a_status_is_a_member_of_the_enum_and_a_typo_is_an_authoring_error() -> None:
    assert Score(1.0, "correct").status is Status.CORRECT
    assert Score(0.5, Status.PARTLY_CORRECT).status == "partly correct"
    with pytest.raises(AuthoringError):
        Score(1.0, "corect")


def test_an_unknown_question_is_an_authoring_error_not_an_answer_error() -> None:
    with pytest.raises(UnknownItemError) as raised:
        item("physiology_no_such_question")
    assert isinstance(raised.value, AuthoringError)
    assert not isinstance(raised.value, AnswerFormatError)


def _grade_cell(grade_id: str, points: float) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(f'grade("{grade_id}")')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points, "schema_version": 3}
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "99"},
                                           execution_count=1)]
    return cell


def test_a_grade_cell_without_a_question_scores_zero_with_a_fault() -> None:
    nb = nbformat.v4.new_notebook(cells=[_grade_cell("not_a_question", 5)])
    nb, _ = TrustedScores().preprocess(nb, {})
    assert [o.output_type for o in nb.cells[0].outputs] == ["error"]  # not the kernel's 99
    assert [f["kind"] for f in faults_of(nb)] == ["unknown_item"]


def test_points_come_from_the_item() -> None:
    expected = item(PEAK).expected()["max_minutes"]
    answer = nbformat.v4.new_code_cell(f"max_minutes = {expected}")
    nb = nbformat.v4.new_notebook(cells=[answer, _grade_cell(PEAK, 7)])
    generated, _ = ItemPoints().preprocess(nbformat.from_dict(nb), {})
    assert generated.cells[1].metadata["nbgrader"]["points"] == item(PEAK).points
    marked, _ = TrustedScores().preprocess(nb, {})
    assert marked.cells[1].metadata["nbgrader"]["points"] == item(PEAK).points
    assert marked.cells[1].outputs[0]["data"]["text/plain"] == f"{item(PEAK).points:g}"
    assert [f["kind"] for f in faults_of(marked)] == ["points_restored"]


def test_a_grade_cell_left_to_the_marker_is_worth_nothing_until_it_is_marked() -> None:
    from nbgrader.utils import determine_grade

    from course.nbgrader_plugins.autograde.execute import SandboxedExecute

    cell = _grade_cell(PEAK, 1)
    executor = SandboxedExecute(grade_cells_marked_from_text=True)
    assert executor._left_to_the_marker(cell)
    assert determine_grade(cell)[0] == 0  # the kernel's output is gone, and nothing replaces it
    assert not SandboxedExecute()._left_to_the_marker(_grade_cell(PEAK, 1))
