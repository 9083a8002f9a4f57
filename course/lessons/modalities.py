"""Lesson 02, the modalities: what its setup cell imports.

The setup cell is one line, ``from course.lessons.modalities import *``;
the notebook in source/02-modalities/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.views.knowledge import modality_table_html
from course.views.modalities import (
    ModalityExplorer,
    modality_card_html,
    modality_chart,
    modality_chart_summary,
)
from course.views.scope import Html, scope_of_practice_table

__all__ = [
    "check",
    "grade",
    "hint",
    "modality_table_html",
    "ModalityExplorer",
    "modality_card_html",
    "modality_chart",
    "modality_chart_summary",
    "Html",
    "scope_of_practice_table",
]
