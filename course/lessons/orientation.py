"""Lesson 00, orientation: what its setup cell imports.

The setup cell is one line, ``from course.lessons.orientation import *``;
the notebook in source/00-orientation/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.views.scope import everyday_rules, scope_of_practice_table

__all__ = [
    "check",
    "grade",
    "hint",
    "everyday_rules",
    "scope_of_practice_table",
]
