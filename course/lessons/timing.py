"""Lesson 03, timing limits: what its setup cell imports.

The setup cell is one line, ``from course.lessons.timing import *``;
the notebook in source/03-timing/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.exercises.timing import (
    CHAMBER_SESSIONS,
    COLD_AIR_INSTRUCTIONS,
    COLD_AIR_PASSES,
    CRYOMASSAGE_RECORD,
    PROPOSED_SCHEDULE,
)
from course.models.timing import plan_course, plan_session, remaining_seconds
from course.views.timing import (
    CoursePlannerWidget,
    SessionPlannerWidget,
    chamber_sessions_table,
    conflict_note,
    course_plot,
    held_still_vs_moving,
    instructions_card,
    limits_table,
    log_table,
    observation_note,
    record_table,
    schedule_table,
    session_plot,
    spacing_table,
    violations_html,
)

__all__ = [
    "check",
    "grade",
    "hint",
    "CHAMBER_SESSIONS",
    "COLD_AIR_INSTRUCTIONS",
    "COLD_AIR_PASSES",
    "CRYOMASSAGE_RECORD",
    "PROPOSED_SCHEDULE",
    "plan_course",
    "plan_session",
    "remaining_seconds",
    "CoursePlannerWidget",
    "SessionPlannerWidget",
    "chamber_sessions_table",
    "conflict_note",
    "course_plot",
    "held_still_vs_moving",
    "instructions_card",
    "limits_table",
    "log_table",
    "observation_note",
    "record_table",
    "schedule_table",
    "session_plot",
    "spacing_table",
    "violations_html",
]
