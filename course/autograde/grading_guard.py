"""nbgrader's Autograde (the Formgrader's button) waits its turn behind ``cryocourse grade``.

The first sanitizing step of every autograde: when a ``cryocourse grade`` run holds the
assignment's grading lock (``course.classroom.database.grading_lock``), an autograde started
elsewhere (the Formgrader's *Autograde* button, a plain ``nbgrader autograde``) stops with a
plain message naming who is grading, instead of writing the same files and gradebook rows at
the same time. The run's own workers carry ``CRYOCOURSE_GRADING_RUN`` and pass.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from course.classroom.course_folder import STATE_DIR
from course.classroom.database import GRADING_RUN_ENV, GradingBusy, grading_lock


class RefuseWhileGrading(NbGraderPreprocessor):
    """Stop this autograde while a ``cryocourse grade`` run grades the same assignment."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        assignment = info.get("assignment", "")
        if not assignment or os.environ.get(GRADING_RUN_ENV) == assignment:
            return nb, resources
        course = self.config.CourseDirectory
        root = Path(course.get("root", os.getcwd()))
        try:
            with grading_lock(info.get("db_url") or course.get("db_url", ""),
                              course.get("course_id", ""), assignment,
                              lock_dir=root / STATE_DIR):
                pass
        except GradingBusy as busy:
            raise RuntimeError(f"Not graded now: {busy}") from None
        return nb, resources
