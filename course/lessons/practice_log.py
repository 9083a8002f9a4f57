"""Lesson 08, the practice log: what its setup cell imports.

The setup cell is one line, ``from course.lessons.practice_log import *``;
the notebook in source/08-practice-log/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.views.practice_log import PracticeLogWidget

__all__ = [
    "PracticeLogWidget",
]
