"""Lesson 01, physiology: what cold does to skin, read from the cold-response simulator.

Every expected answer is computed by running the model (``course.physiology``) or read from
the knowledge base, never typed in here. The question settings below (which preset, which
time, which hold times are offered) are repeated in the notebook's question text; the lesson
tests check that the two agree.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from course.answers import Choice, Item, Number, Wrong, YesNo
from course.knowledge import EVIDENCE_LEVELS, find_claim
from course.physiology import FREEZING_C, PHASE_MEANINGS, Response, preset, simulate

# --- question settings (also written in the notebook's question text) ----------------------

REBOUND_PRESET = "whole_body_chamber"  # brief cold: the rebound
LONG_COLD_PRESET = "ice_pack"  # long cold: vessels stay narrow
STILL_PRESET = "ln2_applicator_static"
MOVING_PRESET = "ln2_applicator_moving"
PRACTICE_PHASE_MINUTES = 5  # in the rebound preset's run
PHASE_QUESTION_MINUTES = 12  # in the long-cold preset's run
HOLD_OPTIONS_S = (1, 2, 3, 5, 10)  # hold times offered for the held-still applicator
NUMBNESS_TOLERANCE_S = 5
FLOW_TOLERANCE = 0.1 + 1e-9  # one decimal place, plus a hair for binary rounding


# --- the model runs the answers come from -------------------------------------------------


@cache
def preset_run(name: str) -> Response:
    """The preset's run as the lesson shows it (simulate's default 10 min of observation)."""
    return simulate(preset(name).exposure)


@cache
def held_still(seconds: float) -> Response:
    """The held-still applicator preset, held for ``seconds`` (only the cold is simulated)."""
    exposure = replace(preset(STILL_PRESET).exposure, duration_s=float(seconds))
    return simulate(exposure, observe_s=0.0)


def freezes(response: Response) -> bool:
    """True when the skin surface goes below 0 °C at any time."""
    return response.min_surface_c < FREEZING_C


def longest_hold_above_zero() -> int:
    """The longest offered hold time that keeps the surface at or above 0 °C."""
    safe = [seconds for seconds in HOLD_OPTIONS_S if not freezes(held_still(seconds))]
    if not safe:
        raise ValueError("Every offered hold time freezes the skin: change HOLD_OPTIONS_S.")
    return max(safe)


def applicator_that_freezes() -> str:
    """"still" or "moving": the one applicator preset that takes the skin below 0 °C."""
    frozen = [label for label, name in (("still", STILL_PRESET), ("moving", MOVING_PRESET))
              if freezes(preset_run(name))]
    if len(frozen) != 1:
        raise ValueError(f"Expected exactly one applicator to freeze the skin, got {frozen}.")
    return frozen[0]


def _numbness_seconds() -> int:
    seconds = preset_run(LONG_COLD_PRESET).seconds_to_numbness
    if seconds is None:
        raise ValueError(f"The {LONG_COLD_PRESET} run never makes the skin numb.")
    return round(seconds)


def _peak_flow() -> float:
    peak = preset_run(REBOUND_PRESET).peak_hyperaemia
    if peak is None:
        raise ValueError(f"The {REBOUND_PRESET} run has no time after the cold.")
    return round(peak, 1)


# --- answer kinds ------------------------------------------------------------------------

PHASES = Choice(
    tuple(PHASE_MEANINGS),
    aliases={
        "cold": "cooling",
        "cooling phase": "cooling",
        "reactive hyperaemia": "rebound",
        "reactive hyperemia": "rebound",
        "hyperaemia": "rebound",
        "hyperemia": "rebound",
        "rebound phase": "rebound",
        "recovering": "recovery",
        "recovery phase": "recovery",
    },
)
APPLICATORS = Choice(
    ("still", "moving"),
    aliases={"held still": "still", "static": "still", "kept moving": "moving",
             "move": "moving", "moved": "moving"},
)

ITEMS = (
    Item(
        id="physiology_practice_phase_chamber",
        answers={"phase_at_5_min": PHASES},
        expected=lambda: {
            "phase_at_5_min": preset_run(REBOUND_PRESET).phase_at(PRACTICE_PHASE_MINUTES * 60)
        },
        points=0,
        graded=False,
        hints=(
            "Find 5 on the time axis of the chart and look at the word printed above the "
            "blood-flow curve there.",
            "The shaded band is the cold. After it, is the blood-flow curve above or below the "
            "dashed 'resting flow' line?",
        ),
        explanation="The cold lasted 3 minutes. At 5 minutes it is over and blood flow is above "
        "resting: the vessels have opened wider than before. That is the rebound (reactive "
        "hyperaemia), and it is why the skin looks pink afterwards.",
    ),
    Item(
        id="physiology_peak_flow_chamber",
        answers={"peak_flow": Number("times resting flow", 0, 10, tolerance=FLOW_TOLERANCE)},
        expected=lambda: {"peak_flow": _peak_flow()},
        points=1,
        wrong=(Wrong({"peak_flow": 1.0}), Wrong({"peak_flow": 0.4})),
    ),
    Item(
        id="physiology_numbness_seconds_ice_pack",
        answers={"numb_after_seconds": Number(
            "seconds", 0, 3600, whole=True, tolerance=NUMBNESS_TOLERANCE_S)},
        expected=lambda: {"numb_after_seconds": _numbness_seconds()},
        points=1,
        wrong=(Wrong({"numb_after_seconds": 600}), Wrong({"numb_after_seconds": 6})),
    ),
    Item(
        id="physiology_phase_ice_pack",
        answers={"phase_at_12_min": PHASES},
        expected=lambda: {
            "phase_at_12_min": preset_run(LONG_COLD_PRESET).phase_at(PHASE_QUESTION_MINUTES * 60)
        },
        points=1,
        wrong=(Wrong({"phase_at_12_min": "rebound"}), Wrong({"phase_at_12_min": "cooling"})),
    ),
    Item(
        id="physiology_still_vs_moving",
        answers={"freezes_the_skin": APPLICATORS, "moving_goes_below_zero": YesNo()},
        expected=lambda: {
            "freezes_the_skin": applicator_that_freezes(),
            "moving_goes_below_zero": freezes(preset_run(MOVING_PRESET)),
        },
        points=2,
        wrong=(
            Wrong({"freezes_the_skin": "moving", "moving_goes_below_zero": False}, 0.5),
            Wrong({"freezes_the_skin": "moving", "moving_goes_below_zero": True}, 0.0),
        ),
    ),
    Item(
        id="physiology_longest_hold_above_zero",
        answers={"longest_hold_seconds": Number("seconds", 0, 60, whole=True)},
        expected=lambda: {"longest_hold_seconds": longest_hold_above_zero()},
        points=2,
        wrong=(Wrong({"longest_hold_seconds": 5}), Wrong({"longest_hold_seconds": 2})),
    ),
    Item(
        id="physiology_practice_collagen_claim",
        answers={"collagen_evidence": Choice(EVIDENCE_LEVELS)},
        expected=lambda: {
            "collagen_evidence": find_claim("collagen_stimulation").evidence_level
        },
        points=0,
        graded=False,
        hints=(
            "Find the row about collagen in the claims table above.",
            "Read its 'evidence level' column and copy the word.",
        ),
        explanation="No published source supports it: the rebound is real, but that it "
        "'stimulates collagen' is a salon claim. Never promise it to a client.",
    ),
)
