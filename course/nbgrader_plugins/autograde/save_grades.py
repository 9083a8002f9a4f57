"""``SaveAutoGradesAtOnce``: nbgrader's ``SaveAutoGrades``, one gradebook commit per notebook.

nbgrader commits after every graded and every answer cell (about 30 commits, each waiting
for the disk, per assessment notebook). Here the same rows are written by nbgrader's own
code and committed together at the end of the notebook: all of a notebook's marks or none.
"""

from __future__ import annotations

from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades


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
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            self.gradebook.db = _FlushOnCommit(session)
            try:  # nbgrader's cell loop, which calls SaveAutoGrades.preprocess_cell
                nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                self.gradebook.db = session
        return nb, resources
