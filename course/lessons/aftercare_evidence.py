"""Lesson 06, aftercare, side effects and evidence: what its setup cell imports.

The setup cell is one line, ``from course.lessons.aftercare_evidence import *``;
the notebook in source/06-aftercare-evidence/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.views.evidence import (
    ClaimSorter,
    aftercare_table,
    claims_table,
    conflict_card,
    conflicts_table,
    evidence_chart,
    evidence_chart_summary,
    evidence_levels_table,
    side_effect_table,
)

__all__ = [
    "check",
    "grade",
    "hint",
    "ClaimSorter",
    "aftercare_table",
    "claims_table",
    "conflict_card",
    "conflicts_table",
    "evidence_chart",
    "evidence_chart_summary",
    "evidence_levels_table",
    "side_effect_table",
]
