"""What a released notebook shows a trainee: generate-time touches (nbgrader preprocessor).

Runs in ``nbgrader generate_assignment`` after the hidden tests and mark schemes are removed
and before the final checksums, so nbgrader's own checks see the released cells as they are:

* grade cells (their tests are hidden, so a trainee would see an empty code cell) and long
  set-up cells (import lists) are collapsed: JupyterLab shows a thin bar, Run All still runs
  them;
* answer cells carry their question's answer kinds and choices (``metadata.cryocourse``),
  read by the course's JupyterLab extension (``answer-controls/``) to show buttons, lists and
  boxes instead of Python;
* each grade cell gets one line, ``ready_to_submit("<item>")``, that does nothing in the
  trainee's notebook and, while nbgrader validates (the *Validate* button), fails for a
  marked question that is unanswered or cannot be read, so validation lists every one.
  Autograding never runs it: nbgrader restores grade cells from the gradebook.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

from course.exercises import all_items
from course.questions.control_metadata import ANSWER_SUFFIX, problems, versioned
from course.questions.kinds import AuthoringError, answer_spec

METADATA_KEY = "cryocourse"  # what the course's JupyterLab extension reads (answer-controls/)
SETUP_ID = "setup"  # the grade_id of every lesson's set-up (imports) cell
LONG_SETUP_LINES = 4


def _collapse(cell: NotebookNode) -> None:
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def ready_line(item_id: str) -> str:
    """The validation line added to a released grade cell (the import keeps it self-contained)."""
    return f'from course.checks import ready_to_submit; ready_to_submit("{item_id}")'


class TraineeView(NbGraderPreprocessor):
    """Collapse course plumbing and make validation see unanswered marked questions."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        items = all_items()
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata:
                continue
            self._describe_answer(cell, items)
            if cell.cell_type != "code":
                continue
            if is_grade(cell):
                item_id = cell.metadata["nbgrader"].get("grade_id", "")
                if item_id in items:
                    cell.source = f"{cell.source.rstrip()}\n{ready_line(item_id)}"
                _collapse(cell)
            elif (cell.metadata["nbgrader"].get("grade_id") == SETUP_ID
                  and len(cell.source.strip().splitlines()) >= LONG_SETUP_LINES):
                _collapse(cell)
        return nb, resources

    @staticmethod
    def _describe_answer(cell: NotebookNode, items: dict) -> None:
        """Answer cells say what kind of answer they take (the extension shows the control)."""
        nbgrader = cell.metadata["nbgrader"]
        if not nbgrader.get("solution"):
            return
        grade_id = nbgrader.get("grade_id", "")
        if cell.cell_type == "markdown":
            spec: dict | None = {"kind": "written"}
        else:
            item = items.get(grade_id.removesuffix(ANSWER_SUFFIX))
            spec = answer_spec(item) if item is not None else None
        if spec is None:
            return
        metadata = versioned(spec)
        wrong = problems(metadata, grade_id)
        if wrong:  # the extension would refuse it: the course's mistake, caught at generation
            raise AuthoringError(f"Answer cell {grade_id!r} cannot show its controls: "
                                 + "; ".join(wrong))
        cell.metadata[METADATA_KEY] = metadata
