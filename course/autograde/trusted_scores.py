"""Trusted marking: score every grade cell from the notebook's *source text*.

Runs in the autograde pipeline after the student's notebook has been executed (in the
sandbox) and before nbgrader saves the grades. It never looks at objects the student's
code made: it reads ``name = value`` lines from the answer cells with ``ast`` (plain
values only), marks them with the item declared in ``course.exercises``, and overwrites
the grade cell's output with the points (partial credit) or a plain-language error.
So a patched helper, an input transformer, an ``==`` that always says True or a kernel
that died cannot change a score.
"""

from __future__ import annotations

from collections.abc import Iterable

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked

from course.answers import Item, Score, answers_in_source
from course.exercises import all_items


def answer_cells(nb: NotebookNode) -> Iterable[NotebookNode]:
    """Code cells the trainee could have answered in (everything but the course's cells)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_grade(cell) and not is_locked(cell):
            yield cell


def typed_answers(nb: NotebookNode, names: Iterable[str]) -> dict[str, object]:
    """The last plain value typed for each name, in notebook order (cells that fail to parse
    are skipped, as the kernel would fail them too)."""
    wanted = list(names)
    found: dict[str, object] = {}
    for cell in answer_cells(nb):
        try:
            found.update(answers_in_source(cell.source, wanted))
        except SyntaxError:
            continue
    return found


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
    name = "NotAnswered" if score.status == "not attempted" else "Incorrect"
    return new_output("error", ename=name, evalue=reason, traceback=[reason])


class TrustedScores(NbGraderPreprocessor):
    """Overwrite every grade cell's output with the trusted mark of its item."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        items = all_items()
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            item = items.get(cell.metadata["nbgrader"].get("grade_id", ""))
            if item is None:
                continue
            max_points = float(cell.metadata["nbgrader"].get("points", 0))
            cell.outputs = [graded_output(score_notebook_item(nb, item), max_points)]
        return nb, resources
