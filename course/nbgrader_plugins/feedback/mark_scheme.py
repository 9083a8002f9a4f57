"""The mark scheme beside each written answer, for the instructor grading by hand.

Runs in the autograde pipeline: after each written answer (a manually graded markdown cell)
it puts a markdown cell holding that question's model answer and mark scheme, read from the
course's source notebook (the gradebook keeps only the released stub of a written answer).
The Formgrader shows it right under the trainee's answer. Feedback shows it too (the
course's answer and its reasons), unless the assignment's reference answers are hidden
(``TeachingFeedback``), which removes it. An explanation of assessment 05, whose clients
differ per trainee, gets the submitter's own client first, with the model answer that fits it
(``own_client_scheme``, in the marker's variant context).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from course.exercises.screening_cases import own_client_scheme
from course.nbgrader_plugins.autograde.trusted_scores import marking_context

MARK_SCHEME_TAG = "cryocourse-mark-scheme"
HEADING = "**Mark scheme** (for the grader; the trainee's answer is above)"


def is_written_answer(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def is_mark_scheme(cell: NotebookNode) -> bool:
    return MARK_SCHEME_TAG in cell.metadata.get("tags", [])


def source_schemes(path: Path) -> dict[str, str]:
    """Grade id -> the full text of each written-answer cell of a source notebook."""
    if not path.is_file():
        return {}
    source = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in source.cells if is_written_answer(cell)}


class MarkSchemeBesideAnswers(NbGraderPreprocessor):
    """Insert the model answer and mark scheme after every written answer."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".",
                                            info.get("assignment", "")))
        schemes = source_schemes(folder / f"{info.get('notebook', '')}.ipynb")
        cells: list[NotebookNode] = []
        for cell in nb.cells:
            if is_mark_scheme(cell):
                continue  # an earlier run's copy: replaced below
            cells.append(cell)
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            scheme = schemes.get(grade_id)
            if is_written_answer(cell) and scheme:
                with marking_context(self.config, resources):
                    own = own_client_scheme(grade_id)
                text = f"{own}\n\n{scheme}" if own else scheme
                added = new_markdown_cell(f"{HEADING}\n\n{text}")
                added.metadata["tags"] = [MARK_SCHEME_TAG]
                cells.append(added)
        nb.cells = cells
        return nb, resources
