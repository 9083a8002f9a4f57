"""``CourseLatePenalty``: nbgrader's late-penalty plug-in, reading the course's late policy."""

from __future__ import annotations

from pathlib import Path

from nbgrader.plugins import LateSubmissionPlugin

from course.storage.deadlines import load


def course_root_of(plugin) -> Path:
    """The course root of an nbgrader component (its CourseDirectory's root)."""
    from nbgrader.coursedir import CourseDirectory

    return Path(CourseDirectory(config=plugin.config).root)


class CourseLatePenalty(LateSubmissionPlugin):
    """nbgrader's ``AssignLatePenalties.plugin_class``: points lost, from the late policy."""

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        assignment = getattr(self.parent, "assignment_id", "")
        policy = load(course_root_of(self)).policy(assignment)
        return policy.penalty(score, total_seconds_late) if policy.rule == "penalise" else None


