"""One reader of a notebook's text: the kernel's check and the trusted marker agree."""

from __future__ import annotations

import itertools

import nbformat
import pytest
from nbgrader.utils import is_grade, is_locked
from traitlets.config import Config

from course.exercises import item
from course.nbgrader_plugins.autograde.trusted_scores import score_notebook_item
from course.questions.kinds import NotPlainValue
from course.questions.reader import answers_in_cells, is_answer_cell, name_in_notebook

PEAK = "timing_max_minutes_cryomassage"  # one number: scratch arithmetic is possible


def test_the_last_assignment_wins_and_unreadable_cells_are_skipped() -> None:
    cells = ["x = 1", "x = (", "y = 2\nx = 3", "x += 1", "z = x"]
    assert answers_in_cells(cells, ["x", "y"]) == {"x": 3, "y": 2}
    assert isinstance(answers_in_cells(["x = len('ab')"], ["x"])["x"], NotPlainValue)
    assert answers_in_cells(["a = 1"], ["x"]) == {}


def test_answer_cells_are_what_nbgrader_calls_neither_grade_nor_locked() -> None:
    for grade, solution, locked in itertools.product([True, False], repeat=3):
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "locked": locked}
        assert is_answer_cell(cell) == (not is_grade(cell) and not is_locked(cell))
    assert is_answer_cell(nbformat.v4.new_code_cell("x = 1"))
    assert not is_answer_cell(nbformat.v4.new_markdown_cell("x = 1"))


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    yield InteractiveShell.instance(config=config)
    InteractiveShell.clear_instance()


def _kernel_points(item_id: str) -> float:
    from course.checks import AnswerIncorrect, grade

    try:
        return grade(item_id)
    except AnswerIncorrect:
        return 0.0


def test_a_scratch_line_changes_neither_the_check_nor_the_mark(shell) -> None:
    expected = item(PEAK).expected()["max_minutes"]
    cells = [f"max_minutes = {expected}", "max_minutes += 0.5  # trying something"]
    for source in cells:
        shell.run_cell(source, store_history=True)
    assert shell.user_ns["max_minutes"] != expected  # the live value moved
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    marked = score_notebook_item(nb, item(PEAK))
    assert marked.fraction == 1
    assert _kernel_points(PEAK) == marked.fraction * item(PEAK).points


def test_kernel_and_marker_read_a_retyped_answer_alike(shell) -> None:
    cells = ["max_minutes = 5", "max_minutes = 'high'", "max_minutes = 1.0"]
    for source in cells:
        shell.run_cell(source, store_history=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
    marked = score_notebook_item(nb, item(PEAK))
    assert _kernel_points(PEAK) == marked.fraction * item(PEAK).points == 0


def test_the_name_cell_is_read_from_the_text(tmp_path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('your_name = "Ana Lopes"')])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert name_in_notebook(path) == "Ana Lopes"


def test_questions_are_named_as_trainees_see_them():
    """The class report names questions "Case 3" and "Question 4", not grade ids."""
    import nbformat

    from course.questions.reader import question_labels
    from tests.nbgrader_harness import REPO

    cases = question_labels(nbformat.read(
        REPO / "release/05-screening-cases/05-screening-cases.ipynb", as_version=4))
    assert cases["cases_client01"] == "Case 1"
    assert len([label for label in cases.values() if label.split()[-1].isdigit()]) == 14
    assert all(label.startswith("Case ") for label in cases.values())
    lesson = question_labels(nbformat.read(
        REPO / "release/00-orientation/00-orientation.ipynb", as_version=4))
    assert lesson == {"orientation_decision_herpes": "Question 1",
                      "orientation_scope_wart_removal": "Question 2",
                      "orientation_observation_minutes": "Question 3",
                      "orientation_explain_mole": "Question 4"}
