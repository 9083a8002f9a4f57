"""Assessment 05, screening cases: what its setup cell imports.

The setup cell is one line, ``from course.lessons.screening_cases import *``;
the notebook in source/05-screening-cases/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade
from course.views.screening import PracticeWidget, finding_list, outcome_words
from course.views.variants import client_card, my_clients

__all__ = [
    "check",
    "grade",
    "PracticeWidget",
    "finding_list",
    "outcome_words",
    "client_card",
    "my_clients",
]
