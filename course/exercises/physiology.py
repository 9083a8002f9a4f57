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

from collections.abc import Mapping
from dataclasses import replace
from functools import cache

from course.exercises.reasons import first_sentence
from course.facts.knowledge import (
    EVIDENCE_LEVEL_MEANINGS,
    EVIDENCE_LEVELS,
    SIDE_EFFECT_KIND_MEANINGS,
    SIDE_EFFECT_KINDS,
    find_claim,
    find_modality,
    find_side_effect,
    sources_text,
)
from course.facts.physiology_data import Measurement, load_physiology
from course.models.physiology import FREEZING_C, PHASE_MEANINGS, Response, preset, simulate
from course.models.timing import LogEvent, check_log
from course.questions.kinds import (
    AcceptedAnswer,
    Answers,
    Choice,
    Item,
    Kind,
    Number,
    Score,
    Scorer,
    Wrong,
    YesNo,
    all_or_nothing,
)

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
SWAB_THAW_ROW = "erdmann_wokes2023_swab_thaw"  # the simulator's swab against that measurement
LOOKED_AFTER_S = 45  # question 4 b: seconds after the swab was lifted
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
    return _middle(load_physiology().measurements[THAW_MEASUREMENT])


def _middle(row: Measurement) -> float:
    """The middle of a measurement's published range."""
    return 0.5 * (row.low + (row.high if row.high is not None else row.low))


def flow_after_brief_cold() -> str:
    """"above resting" or "below resting": blood flow at its peak after the chamber run."""
    return "above resting" if _peak_flow() > 1 else "below resting"


def chamber_minutes_within_limit(seconds: float) -> bool:
    """Whether a session of ``seconds`` in the rebound preset's chamber keeps to the course's
    limit (modalities.toml, at the preset's temperature)."""
    chamber = preset(REBOUND_PRESET)
    event = LogEvent("session", "whole_body", 0, float(seconds))
    return not check_log(chamber.modality or "", [event],
                         chamber_temp_c=chamber.exposure.agent_temp_c)


def colder_after_longer_chamber() -> bool:
    """Whether the calibrated chamber run leaves the skin colder after LONGER_CHAMBER_S."""
    longer = simulate(replace(preset(REBOUND_PRESET).exposure,
                              duration_s=float(LONGER_CHAMBER_S)))
    short = preset_run(REBOUND_PRESET)
    return (longer.surface_at(longer.end_of_cold_s)
            < short.surface_at(short.end_of_cold_s))


def moving_curve_is_evidence() -> bool:
    """Whether the moving swab's curve rests on a measurement (it does not: illustrative)."""
    return not preset(MOVING_PRESET).illustrative


def thawed_after(seconds: float) -> bool:
    """Whether a spot held 5 s under liquid nitrogen is thawed ``seconds`` after, by the
    measurement (its shortest published time), not by the simulator's illustrative swab."""
    return seconds >= load_physiology().measurements[THAW_MEASUREMENT].low


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
                if limit.kind == "spot")


def _hold_options_words() -> str:
    """How the longest-hold question lists the hold times on offer (HOLD_OPTIONS_S)."""
    options = ", ".join(str(s) for s in HOLD_OPTIONS_S[:-1])
    return f"{options} or {HOLD_OPTIONS_S[-1]} seconds"


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
    longer = simulate(replace(short, duration_s=float(LONGER_CHAMBER_S)))
    short_run = preset_run(REBOUND_PRESET)
    limit = ("keeps to" if chamber_minutes_within_limit(LONGER_CHAMBER_S) else "breaks")
    peak_short = short_run.peak_hyperaemia or 0
    peak_long = longer.peak_hyperaemia or 0
    return (f"{_minutes(LONGER_CHAMBER_S)} minutes {limit} the course's limit for the chamber "
            f"({_minutes(short.duration_s)} minutes at {short.agent_temp_c:g} °C). In the "
            f"simulator, whose chamber is calibrated (fitted to a published measurement), the "
            f"thigh skin ends at about {longer.surface_at(longer.end_of_cold_s):.0f} °C after "
            f"{_minutes(LONGER_CHAMBER_S)} minutes against "
            f"{short_run.surface_at(short_run.end_of_cold_s):.0f} °C after "
            f"{_minutes(short.duration_s)}, and real skin can get colder than the chart shows "
            "(women's thighs, Cuttell 2017). The glow would not grow either: after long cold the "
            "vessels stay narrow (Khoshnevis 2016), and the simulator, with illustrative "
            f"blood-flow values, peaks at about {peak_long:.1f} times resting against "
            f"{peak_short:.1f}. More minutes only add the risk of a cold injury.")


def _applicator_reason() -> str:
    row = load_physiology().measurements[THAW_MEASUREMENT]
    thaw = measured_thaw_seconds()
    chart = preset_run(STILL_PRESET).seconds_to_thaw or 0.0
    return ("The moving curve is a teaching picture: the swab's values are illustrative and no "
            "study has measured skin under a moving swab, so it does not show that a moving "
            "swab cannot freeze skin; the course's per-spot rule keeps skin safe. On pig skin, "
            f"5 seconds of liquid nitrogen left the spot below 0 °C for about {thaw:g} s, "
            f"{frozen_for(thaw)} ({sources_text(row.sources)}), where the simulator's swab "
            f"thaws after about {chart:.0f} s: the simulator is known to show freezing shorter "
            f"than it is. {LOOKED_AFTER_S} s after the swab came off, the spot may still be "
            "frozen: watch it, and record and report the hold.")


def _hold_reason() -> str:
    limit = next(limit for limit in find_modality("ln2_cryomassage").limits
                 if limit.kind == "spot")
    depth = load_physiology().measurements["erdmann_wokes2023_depth"]
    return (f"Holding the swab still for {S1_HOLD_S} seconds breaks the course's rule: "
            f"{first_sentence(limit.text)} Measured on pig skin, 5 seconds of liquid nitrogen "
            f"took the surface to about {_middle(depth):g} °C "
            f"({sources_text(depth.sources)}), colder than the simulator's swab, whose values "
            f"are illustrative. Any shorter time per spot, such as 0.5 second, also keeps to "
            f"the rule of at most {per_spot_seconds():g} second, and earns the credit.")


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
REACTION = Choice(SIDE_EFFECT_KINDS, meanings=SIDE_EFFECT_KIND_MEANINGS,
                  aliases={"stop": "stop_and_report", "expected": "normal"})
FLOW = Choice(("above resting", "below resting"),
              aliases={"above": "above resting", "higher": "above resting",
                       "below": "below resting", "lower": "below resting"})
STOP_BY = Choice(("the clock", "how it feels"),
                 aliases={"clock": "the clock", "time": "the clock", "time limit": "the clock",
                          "the time limit": "the clock", "feeling": "how it feels",
                          "the client": "how it feels"})
SECONDS_PER_SPOT = Number("seconds", 0, 60)


def at_most(name: str, kinds: Mapping[str, Kind]) -> Scorer:
    """Each answer an equal share, where ``name`` earns its share for any value above 0 and at
    most the expected one (a stricter time per spot is right too)."""
    parts = all_or_nothing(kinds)

    def scorer(given: Answers, expected: Answers) -> Score:
        value = given[name]
        if 0 < value <= expected[name]:  # type: ignore[operator]
            expected = {**expected, name: value}
        return parts(given, expected)

    return scorer


ITEMS = (
    Item(
        id="physiology_practice_phase_chamber",
        premises=(f"{PRACTICE_PHASE_MINUTES} minutes",),
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
    Item(  # the grade_id is kept from the rebound question it replaced (stable ids)
        id="physiology_phase_ice_pack",
        premises=(f"{LONGER_CHAMBER_S // 60} minutes",),
        answers={"ten_minutes_within_limit": YesNo(), "colder_after_ten_minutes": YesNo()},
        expected=lambda: {
            "ten_minutes_within_limit": chamber_minutes_within_limit(LONGER_CHAMBER_S),
            "colder_after_ten_minutes": colder_after_longer_chamber(),
        },
        points=1,
        explanation=_longer_cold_reason,
        wrong=(Wrong({"ten_minutes_within_limit": True, "colder_after_ten_minutes": True}, 0.5),
               Wrong({"ten_minutes_within_limit": False, "colder_after_ten_minutes": False},
                     0.5),
               Wrong({"ten_minutes_within_limit": True, "colder_after_ten_minutes": False})),
    ),
    Item(
        id="physiology_still_vs_moving",
        premises=(f"**{LOOKED_AFTER_S} seconds**",),
        answers={"moving_curve_proves_no_freezing": YesNo(),
                 "thawed_after_45_s": YesNo()},
        expected=lambda: {
            "moving_curve_proves_no_freezing": moving_curve_is_evidence(),
            "thawed_after_45_s": thawed_after(LOOKED_AFTER_S),
        },
        points=2,
        explanation=_applicator_reason,
        wrong=(
            Wrong({"moving_curve_proves_no_freezing": False, "thawed_after_45_s": True}, 0.5),
            Wrong({"moving_curve_proves_no_freezing": True, "thawed_after_45_s": False}, 0.5),
            Wrong({"moving_curve_proves_no_freezing": True, "thawed_after_45_s": True}, 0.0),
        ),
    ),
    Item(
        id="physiology_longest_hold_above_zero",
        premises=(_hold_options_words(), f"**{S1_HOLD_S} seconds**"),
        answers={"s1_hold_is_safe": YesNo(), "seconds_per_spot": SECONDS_PER_SPOT},
        expected=lambda: {"s1_hold_is_safe": per_spot_seconds() >= S1_HOLD_S,
                          "seconds_per_spot": per_spot_seconds()},
        points=2,
        explanation=_hold_reason,
        scorer=at_most("seconds_per_spot", {"s1_hold_is_safe": YesNo(),
                                            "seconds_per_spot": SECONDS_PER_SPOT}),
        wrong=(Wrong({"s1_hold_is_safe": True, "seconds_per_spot": 5}, 0.0),
               Wrong({"s1_hold_is_safe": False, "seconds_per_spot": 3}, 0.5),
               Wrong({"s1_hold_is_safe": True, "seconds_per_spot": 0.5}, 0.5),
               Wrong({"s1_hold_is_safe": False, "seconds_per_spot": 0}, 0.5)),
        accepted=(AcceptedAnswer({"s1_hold_is_safe": False, "seconds_per_spot": 0.5}, 1.0,
                                 "Stricter than the rule, and right: at most 1 second per "
                                 "spot."),),
    ),
    Item(
        id="physiology_practice_collagen_claim",
        answers={"collagen_evidence": Choice(EVIDENCE_LEVELS, meanings=EVIDENCE_LEVEL_MEANINGS)},
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
