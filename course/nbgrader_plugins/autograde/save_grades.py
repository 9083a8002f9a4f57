"""``SaveAutoGradesAtOnce``: nbgrader's ``SaveAutoGrades``, one gradebook commit per notebook.

nbgrader commits after every graded and every answer cell (about 30 commits, each waiting
for the disk, per assessment notebook). Here the same rows are written by nbgrader's own
code and committed together at the end of the notebook: all of a notebook's marks or none.

In the same transaction, hand marks are settled against the answers they were given for
(``hand_marks``: kept for an unchanged answer, set aside for a changed one), and a trainee
the gradebook has no name for gets the name from the notebook's name cell, however the
grading was started (the Formgrader's button included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades

from course.foundation.names import first_and_last
from course.nbgrader_plugins.autograde.hand_marks import (
    answer_digests,
    read_record,
    record_path,
    settle_hand_marks,
    write_record,
)
from course.questions.reader import name_in_cells


class _FlushOnCommit:
    """A gradebook session whose ``commit()`` only sends the changes (committed later)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class SaveAutoGradesAtOnce(SaveAutoGrades):
    """Save the autograder's scores and comments like nbgrader, in one transaction."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        record = record_path(Path(CourseDirectory(config=self.config).root),
                             self.assignment_id, self.student_id, self.notebook_id)
        digests = answer_digests(nb)
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            self.gradebook.db = _FlushOnCommit(session)
            try:  # nbgrader's cell loop, which calls SaveAutoGrades.preprocess_cell
                nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
                settle_hand_marks(self.gradebook, nb, info, read_record(record), digests)
                _name_from_notebook(self.gradebook, self.student_id, nb)
                session.commit()
                write_record(record, digests)  # what the grader reads when marking
            except BaseException:
                session.rollback()
                raise
            finally:
                self.gradebook.db = session
        return nb, resources


def _name_from_notebook(gradebook: Gradebook, student_id: str, nb: NotebookNode) -> None:
    """Give a trainee with no name in the gradebook the name typed in the name cell; a name
    an instructor entered is never changed."""
    try:
        student = gradebook.find_student(student_id)
    except MissingEntry:
        return
    if student.first_name or student.last_name:
        return
    typed = name_in_cells(cell.source for cell in nb.cells if cell.cell_type == "code")
    if typed:
        student.first_name, student.last_name = first_and_last(typed)
