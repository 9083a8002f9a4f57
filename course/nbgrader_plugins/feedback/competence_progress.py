"""The practice log's feedback page shows the trainee their progress against the competency
map: each unit, the criteria met by knowledge and by observation, the sessions that count
and the hours logged, and what is still missing. It is computed course-side at
``generate_feedback`` time (the gradebook, the assessors' record and the handed-in log), so
the trainee sees it when they fetch their feedback, and never another trainee's.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from course.storage.competence_evidence import PRACTICE_LOG, trainee_progress
from course.storage.variant_keys import course_root
from course.views.competence import log_html, progress_html


class CompetenceProgress(NbGraderPreprocessor):
    """Append the trainee's progress to the feedback of the practice log (only)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        about = resources.get("nbgrader", {})
        if about.get("assignment") != PRACTICE_LOG or not about.get("student"):
            return nb, resources
        root = course_root(self.config)
        with Gradebook(about["db_url"]) as gradebook:
            result, log = trainee_progress(root, gradebook, about["student"])
        done = sum(unit.achieved for unit in result.units)
        nb.cells.append(new_markdown_cell(
            "## Your progress towards the units\n\n"
            f"{done} of {len(result.units)} units achieved. A unit is achieved when every "
            "criterion has its evidence (full marks on the course's questions it names, and an "
            "assessor's sign-off where it is observed) and enough supervised sessions count.\n\n"
            + progress_html(result) + "\n\n" + log_html(log.sessions, log.unreadable)))
        return nb, resources
