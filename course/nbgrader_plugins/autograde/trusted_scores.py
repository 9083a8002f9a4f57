"""Trusted marking: score every grade cell from the notebook's *source text*.

Runs in the autograde pipeline after the student's notebook has been executed (in the
sandbox) and before nbgrader saves the grades. It never looks at objects the student's
code made: it reads the answers with ``course.questions.reader`` (the same reader as the
kernel's ``check()``), marks them with the item declared in ``course.exercises``, and
overwrites the grade cell's output with the points (partial credit) or a plain-language
error. So a patched helper, an input transformer, an ``==`` that always says True or a
kernel that died cannot change a score.

Points come from the item alone: ``ItemPoints`` writes them into the grade cells when an
assignment is generated, and the marker puts them back (with a fault) if a cell disagrees.
A grade cell whose id names no item scores 0 with a fault, never the kernel's output.
For an assignment with per-trainee variants (course.models.variants), every item is marked
against the submitter's own clients: the key comes from the student id nbgrader grades
(the submission folder's name) and the course's salt, never from the notebook.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

from course.exercises import all_items
from course.models.variants import has_variants, marking_as
from course.nbgrader_plugins.autograde.faults import error_output, record_fault
from course.questions.kinds import Item, Score, Status
from course.questions.reader import typed_answers
from course.storage.variant_keys import assessment_key, course_root


def marking_context(config: Any, resources: dict | None) -> AbstractContextManager[None]:
    """The variant in force while one submission is marked or explained: for an assignment
    with per-trainee variants, the submitter's own (the key comes from the student id
    nbgrader works on and the course's salt, never from the notebook); else none."""
    about = (resources or {}).get("nbgrader", {})
    assignment, student = about.get("assignment", ""), about.get("student", "")
    if has_variants(assignment) and student:
        return marking_as(assessment_key(course_root(config), assignment, student))
    return nullcontext()


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


def graded_outputs(score: Score, max_points: float) -> list[NotebookNode]:
    """The grade cell's outputs: the mark, then (when it earned points) the marking notes,
    (what was right, what was wrong or missing: the Formgrader shows them under the mark).
    nbgrader reads the mark from the first result; printed text never changes it."""
    outputs = [graded_output(score, max_points)]
    if score.fraction > 0 and score.message:
        outputs.append(new_output("stream", name="stdout", text=score.message + "\n"))
    return outputs


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
        # Each client's reference comes from the submitter's own variant.
        with marking_context(self.config, resources):
            return self._mark(nb, resources)

    def _mark(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        items = all_items()
        graded = [(index, cell) for index, cell in enumerate(nb.cells)
                  if cell.cell_type == "code" and is_grade(cell)]
        asked = [items[i] for i in {c.metadata["nbgrader"].get("grade_id", "") for _, c in graded}
                 if i in items]
        typed = typed_answers(nb, {name for item in asked for name in item.answers})
        for index, cell in graded:
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
            score = item.score({name: typed[name] for name in item.answers if name in typed})
            cell.outputs = graded_outputs(score, float(item.points))
        return nb, resources
