"""Lesson 01, the physiology of cold on skin: what its setup cell imports.

The setup cell is one line, ``from course.lessons.physiology import *``;
the notebook in source/01-physiology/ uses exactly ``__all__``
(tests/unit/test_lesson_facades.py checks it).
"""

from course.checks import check, grade, hint
from course.views.physiology_lesson import (
    claims_table,
    model_status_table,
    preset_table,
    run_card,
    safety_band_table,
    skin_signs_table,
    still_vs_moving_card,
    time_limits_table,
    validation_table,
)
from course.views.simulator import SimulatorWidget

__all__ = [
    "check",
    "grade",
    "hint",
    "claims_table",
    "model_status_table",
    "preset_table",
    "run_card",
    "safety_band_table",
    "skin_signs_table",
    "still_vs_moving_card",
    "time_limits_table",
    "validation_table",
    "SimulatorWidget",
]
