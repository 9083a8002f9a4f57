"""Trusted marking: score every grade cell from the notebook's *source text*.

Runs in the autograde pipeline after the student's notebook has been executed (in the
sandbox) and before nbgrader saves the grades. It never looks at objects the student's
code made: it reads the answers with ``course.notebook_text`` (the same reader as the
kernel's ``check()``), marks them with the item declared in ``course.exercises``, and
overwrites the grade cell's output with the points (partial credit) or a plain-language
error. So a patched helper, an input transformer, an ``==`` that always says True or a
kernel that died cannot change a score.

Points come from the item alone: ``ItemPoints`` writes them into the grade cells when an
assignment is generated, and the marker puts them back (with a fault) if a cell disagrees.
A grade cell whose id names no item scores 0 with a fault, never the kernel's output.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

from course.answers import Item, Score, Status
from course.autograde.faults import error_output, record_fault
from course.exercises import all_items
from course.notebook_text import typed_answers


def score_notebook_item(nb: NotebookNode, item: Item) -> Score:
    """Mark one item of a notebook from its source text."""
    return item.score(typed_answers(nb, item.answers))


def graded_output(score: Score, max_points: float) -> NotebookNode:
    """The cell output nbgrader reads: a number (partial credit) or an error (zero)."""
    if score.fraction > 0:
        points = round(min(1.0, score.fraction) * max_points, 4)
        data = {"text/plain": f"{points:g}"}
        return new_output("execute_result", data=data, execution_count=None)
    reason = score.message or "This answer is not correct."
    name = "NotAnswered" if score.status == Status.NOT_ATTEMPTED else "Incorrect"
    return new_output("error", ename=name, evalue=reason, traceback=[reason])


def points_value(points: float) -> float | int:
    """Points as written in a notebook: 4, not 4.0 (so generated files do not change)."""
    return int(points) if float(points).is_integer() else float(points)


def item_points_differ(cell: NotebookNode, item: Item) -> bool:
    """Whether a grade cell's metadata disagrees with its item's points."""
    try:
        return float(cell.metadata["nbgrader"].get("points", -1)) != float(item.points)
    except (TypeError, ValueError):
        return True


class ItemPoints(NbGraderPreprocessor):
    """When an assignment is generated: every grade cell is worth what its item says."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        items = all_items()
        for cell in nb.cells:
            item = items.get(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
            if cell.cell_type == "code" and is_grade(cell) and item is not None and (
                    item_points_differ(cell, item)):
                cell.metadata["nbgrader"]["points"] = points_value(item.points)
        return nb, resources


class TrustedScores(NbGraderPreprocessor):
    """Overwrite every grade cell's output with the trusted mark of its item."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        items = all_items()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            grade_id = cell.metadata["nbgrader"].get("grade_id", "")
            item = items.get(grade_id)
            if item is None:
                message = (f"Grade cell '{grade_id}' is not a question declared in "
                           "course/exercises, so it cannot be marked: it scores 0.")
                cell.outputs = [error_output("NotMarked", message)]
                record_fault(nb, "unknown_item", message, index)
                continue
            if item_points_differ(cell, item):
                record_fault(nb, "points_restored",
                             f"Grade cell '{grade_id}' was worth "
                             f"{cell.metadata['nbgrader'].get('points')} points; the question "
                             f"is worth {item.points:g}.", index)
                cell.metadata["nbgrader"]["points"] = points_value(item.points)
            cell.outputs = [graded_output(score_notebook_item(nb, item), float(item.points))]
        return nb, resources
