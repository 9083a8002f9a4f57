"""Lesson 04, contraindications and screening: what its setup cell imports.

The setup cell is one line, ``from course.lessons.contraindications import *``;
the notebook in source/04-contraindications/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.exercises.contraindications import BP_CLIENT, MIGRAINE_SUN_CLIENT
from course.views.screening import (
    PracticeWidget,
    ScreeningWidget,
    categories_table,
    conflict_cards,
    finding_list,
    intake_card,
    matrix,
    matrix_summary,
    outcome_words,
    rule_card,
    screen_card,
)

__all__ = [
    "check",
    "grade",
    "hint",
    "BP_CLIENT",
    "MIGRAINE_SUN_CLIENT",
    "PracticeWidget",
    "ScreeningWidget",
    "categories_table",
    "conflict_cards",
    "finding_list",
    "intake_card",
    "matrix",
    "matrix_summary",
    "outcome_words",
    "rule_card",
    "screen_card",
]
