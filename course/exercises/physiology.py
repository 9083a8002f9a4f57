"""Lesson 01, physiology: what cold does to skin, judged with the cold-response simulator.

Every expected answer is computed by running the model (``course.models.physiology``), read from the
table of published measurements (``course.facts.physiology_data``) or from the knowledge base, never
typed in here (one exception: question 2's "stop by the clock" is the course's rule that a time
limit, not the client's feeling, ends a treatment). The model is calibrated and illustrative,
not validated (docs/physiology-model.md): a marked answer comes from a row the model matches, a
published measurement or the course's rules, never from an illustrative value (the swab's heat
transfer, the blood-flow control) or a known limit (how long a spot stays frozen).
The question settings below are repeated in the notebook's question text; the lesson tests
check that the two agree.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from course.exercises.reasons import first_sentence
from course.facts.knowledge import (
    EVIDENCE_LEVELS,
    SIDE_EFFECT_KINDS,
    find_claim,
    find_modality,
    find_side_effect,
    sources_text,
)
from course.facts.physiology_data import load_physiology
from course.models.physiology import FREEZING_C, PHASE_MEANINGS, Response, preset, simulate
from course.questions.kinds import Choice, Item, Number, Wrong, YesNo

# --- question settings (also written in the notebook's question text) ----------------------

REBOUND_PRESET = "whole_body_chamber"  # brief cold: the rebound
LONG_COLD_PRESET = "ice_massage"  # long cold: vessels stay narrow
STILL_PRESET = "ln2_applicator_static"
MOVING_PRESET = "ln2_applicator_moving"
PRACTICE_PHASE_MINUTES = 5  # in the rebound preset's run
LONGER_CHAMBER_S = 600  # question 3: the chamber run made longer (10 minutes)
HOLD_OPTIONS_S = (1, 2, 3, 5, 10)  # hold times offered for the held-still applicator
S1_HOLD_S = 2  # question 5: S1's "briefly holding it on problem areas", taken as 2 seconds
THAW_MEASUREMENT = "erdmann_wokes2023_thaw"  # question 4: how long a held spot stays frozen
FROZEN_FOR = ("a few seconds", "about a minute", "about five minutes")


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


def frozen_for(seconds: float) -> str:
    """A time below 0 °C in the words question 4 offers."""
    if seconds < 20:
        return FROZEN_FOR[0]
    return FROZEN_FOR[1] if seconds < 180 else FROZEN_FOR[2]


def measured_thaw_seconds() -> float:
    """How long the spot stayed frozen after 5 s of liquid nitrogen (the measurement's middle)."""
    row = load_physiology().measurements[THAW_MEASUREMENT]
    return 0.5 * (row.low + (row.high if row.high is not None else row.low))


def flow_after_brief_cold() -> str:
    """"above resting" or "below resting": blood flow at its peak after the chamber run."""
    return "above resting" if _peak_flow() > 1 else "below resting"


def longer_cold_bigger_rebound() -> bool:
    """Whether the chamber run made LONGER_CHAMBER_S long gives a bigger rebound."""
    longer = replace(preset(REBOUND_PRESET).exposure, duration_s=float(LONGER_CHAMBER_S))
    return (simulate(longer).peak_hyperaemia or 0) > (preset_run(REBOUND_PRESET)
                                                      .peak_hyperaemia or 0)


def feels_cold_until_the_end() -> bool:
    """Whether the ice-pack client still feels the cold when the pack comes off."""
    run = preset_run(LONG_COLD_PRESET)
    return run.seconds_to_numbness is None or (
        run.seconds_to_numbness >= preset(LONG_COLD_PRESET).exposure.duration_s)


def per_spot_seconds() -> float:
    """The course's per-spot rule for the liquid-nitrogen swab (modalities.toml)."""
    return next(limit.max_s for limit in find_modality("ln2_cryomassage").limits
                if limit.scope == "per spot")


# --- the reasons, in plain words, with the model's own numbers ----------------------------


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


def _phase_reason() -> str:
    cold = preset(REBOUND_PRESET).exposure.duration_s
    phase = preset_run(REBOUND_PRESET).phase_at(PRACTICE_PHASE_MINUTES * 60)
    return (f"The cold lasted {_minutes(cold)} minutes. At {PRACTICE_PHASE_MINUTES} minutes it "
            f"is over and the skin is in the {phase} phase, when "
            f"{PHASE_MEANINGS[phase].split(': ', 1)[-1]}. That is why the skin looks pink "
            "afterwards.")


def _rebound_reason() -> str:
    redness = find_side_effect("redness")
    return (f"After a brief cold the small vessels open wider than before: in the chamber run "
            f"blood flow climbs to about {_peak_flow():g} times resting ({flow_after_brief_cold()}"
            f"), the rebound that makes the skin pink and warm. That pink is "
            f"'{redness.kind}': {first_sentence(redness.action)}")


def _numbness_reason() -> str:
    run = preset_run(LONG_COLD_PRESET)
    held = preset(LONG_COLD_PRESET).exposure.duration_s
    numb = ("goes numb after about "
            f"{_minutes(round(run.seconds_to_numbness / 60) * 60)} minutes, before the ice "
            f"comes off at {_minutes(held)}" if run.seconds_to_numbness is not None
            else "never goes numb in this run")
    after = run.numb_after_cold_s
    lasting = (f", and stays numb for about {_minutes(round(after / 60) * 60)} minutes after "
               "(Bugaj 1975)" if after else "")
    return (f"In the ice-massage run the skin {numb}{lasting}. From then on the client feels "
            "nothing while the cold goes on. Feeling nothing is not a sign that all is well, "
            "so a treatment ends by the clock (its time limit), never by how it feels.")


def _longer_cold_reason() -> str:
    short = preset(REBOUND_PRESET).exposure
    longer = replace(short, duration_s=float(LONGER_CHAMBER_S))
    peak_short = preset_run(REBOUND_PRESET).peak_hyperaemia or 0
    peak_long = simulate(longer).peak_hyperaemia or 0
    answer = "Yes" if longer_cold_bigger_rebound() else "No"
    return (f"{answer}: a longer cold keeps the vessels narrow for longer, and the rebound after "
            f"it is no stronger (in the simulator, with illustrative values, the flow peaks at "
            f"about {peak_long:.1f} times resting after {_minutes(LONGER_CHAMBER_S)} minutes, "
            f"{peak_short:.1f} after {_minutes(short.duration_s)}; Khoshnevis 2016 found the "
            "vessels stay narrow after long cooling). More minutes only add risk of a cold "
            "injury.")


def _applicator_reason() -> str:
    still = preset_run(STILL_PRESET)
    row = load_physiology().measurements[THAW_MEASUREMENT]
    thaw = measured_thaw_seconds()
    return (f"Held still, nitrogen keeps drawing heat from one spot: in the simulator the skin "
            f"surface falls to about {still.min_surface_c:.0f} °C and freezes. On pig skin, "
            f"5 seconds of liquid nitrogen left the spot below 0 °C for about {thaw:g} s, "
            f"{frozen_for(thaw)} ({sources_text(row.sources)}): longer than the simulator's "
            "swab shows, whose heat transfer is only a teaching value. No study has measured "
            "skin under a moving swab, so the course's per-spot rule, not the moving curve, "
            "keeps skin safe.")


def _hold_reason() -> str:
    limit = next(limit for limit in find_modality("ln2_cryomassage").limits
                 if limit.scope == "per spot")
    held = held_still(S1_HOLD_S)
    verdict = "freezes" if freezes(held) else "stays above 0 °C"
    return (f"Held still for {S1_HOLD_S} seconds the skin surface drops to about "
            f"{held.min_surface_c:.0f} °C: it {verdict}, so S1's 'briefly holding it on problem "
            "areas' is not safe (measured liquid nitrogen cools skin even faster than the "
            f"simulator's swab). The course's rule: {first_sentence(limit.text)}")


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
REACTION = Choice(SIDE_EFFECT_KINDS, aliases={"stop": "stop_and_report", "expected": "normal"})
FLOW = Choice(("above resting", "below resting"),
              aliases={"above": "above resting", "higher": "above resting",
                       "below": "below resting", "lower": "below resting"})
STOP_BY = Choice(("the clock", "how it feels"),
                 aliases={"clock": "the clock", "time": "the clock", "time limit": "the clock",
                          "the time limit": "the clock", "feeling": "how it feels",
                          "the client": "how it feels"})
FROZEN = Choice(FROZEN_FOR, aliases={"seconds": "a few seconds", "a minute": "about a minute",
                                     "minute": "about a minute", "1 minute": "about a minute",
                                     "five minutes": "about five minutes",
                                     "5 minutes": "about five minutes"})
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
        explanation=_phase_reason,
    ),
    Item(
        id="physiology_peak_flow_chamber",
        answers={"flow_after_cold": FLOW, "pink_skin_after_chamber": REACTION},
        expected=lambda: {"flow_after_cold": flow_after_brief_cold(),
                          "pink_skin_after_chamber": find_side_effect("redness").kind},
        points=1,
        explanation=_rebound_reason,
        wrong=(Wrong({"flow_after_cold": "above resting",
                      "pink_skin_after_chamber": "stop_and_report"}, 0.5),
               Wrong({"flow_after_cold": "below resting",
                      "pink_skin_after_chamber": "stop_and_report"}, 0.0)),
    ),
    Item(
        id="physiology_numbness_seconds_ice_pack",
        answers={"still_feels_cold_at_the_end": YesNo(), "stop_by": STOP_BY},
        expected=lambda: {"still_feels_cold_at_the_end": feels_cold_until_the_end(),
                          "stop_by": "the clock"},
        points=1,
        explanation=_numbness_reason,
        wrong=(Wrong({"still_feels_cold_at_the_end": True, "stop_by": "how it feels"}, 0.0),
               Wrong({"still_feels_cold_at_the_end": False, "stop_by": "how it feels"}, 0.5)),
    ),
    Item(
        id="physiology_phase_ice_pack",
        answers={"longer_cold_bigger_rebound": YesNo()},
        expected=lambda: {"longer_cold_bigger_rebound": longer_cold_bigger_rebound()},
        points=1,
        explanation=_longer_cold_reason,
        wrong=(Wrong({"longer_cold_bigger_rebound": True}),),
    ),
    Item(
        id="physiology_still_vs_moving",
        answers={"freezes_the_skin": APPLICATORS, "spot_stays_frozen": FROZEN},
        expected=lambda: {
            "freezes_the_skin": applicator_that_freezes(),
            "spot_stays_frozen": frozen_for(measured_thaw_seconds()),
        },
        points=2,
        explanation=_applicator_reason,
        wrong=(
            Wrong({"freezes_the_skin": "still", "spot_stays_frozen": "a few seconds"}, 0.5),
            Wrong({"freezes_the_skin": "moving", "spot_stays_frozen": "about a minute"}, 0.5),
            Wrong({"freezes_the_skin": "moving", "spot_stays_frozen": "a few seconds"}, 0.0),
        ),
    ),
    Item(
        id="physiology_longest_hold_above_zero",
        answers={"s1_hold_is_safe": YesNo(),
                 "seconds_per_spot": Number("seconds", 0, 60, tolerance=0.0)},
        expected=lambda: {"s1_hold_is_safe": not freezes(held_still(S1_HOLD_S)),
                          "seconds_per_spot": per_spot_seconds()},
        points=2,
        explanation=_hold_reason,
        wrong=(Wrong({"s1_hold_is_safe": True, "seconds_per_spot": 5}, 0.0),
               Wrong({"s1_hold_is_safe": False, "seconds_per_spot": 3}, 0.5)),
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
