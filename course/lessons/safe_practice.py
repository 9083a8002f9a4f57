"""Lesson 07, safe practice: what its setup cell imports.

The setup cell is one line, ``from course.lessons.safe_practice import *``;
the notebook in source/07-safe-practice/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.exercises.safe_practice import (
    INCOMPLETE_RECORD,
    INTAKE_STORY,
    SESSION_STORY,
)
from course.views.safe_practice import (
    OxygenRoomWidget,
    emergencies_table,
    never_table,
    numbered,
    oxygen_facts,
    record_fields_table,
    record_table,
    references,
    rules_table,
    seed_claim_note,
    spill_plot,
    status_legend,
)

__all__ = [
    "check",
    "grade",
    "hint",
    "INCOMPLETE_RECORD",
    "INTAKE_STORY",
    "SESSION_STORY",
    "OxygenRoomWidget",
    "emergencies_table",
    "never_table",
    "numbered",
    "oxygen_facts",
    "record_fields_table",
    "record_table",
    "references",
    "rules_table",
    "seed_claim_note",
    "spill_plot",
    "status_legend",
]
