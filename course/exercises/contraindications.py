"""Lesson 04, contraindications: categories, conflicts between sources, screening a client."""

from __future__ import annotations

import functools

from course.answers import Answers, Item, Names, Score, Scorer, Wrong
from course.cases import Case
from course.exercises.screening_cases import DECISIONS, case_from_intake, screening_item
from course.knowledge import find_condition, load, spellings

CHAMBER = "cryosauna"
CRYOMASSAGE = "ln2_cryomassage"

# The shortlist printed in question 3 (codes; the notebook renders their names from the data).
CHAMBER_SHORTLIST = ("epilepsy", "migraine", "raynauds", "rosacea", "claustrophobia", "acne",
                     "heart_disease", "pregnancy")

# The clients of the screening questions (intake forms, answered by the screening engine).
BP_CLIENT = {"age": 57, "weight_kg": 80, "systolic_bp": 160, "diastolic_bp": 90}
MIGRAINE_SUN_CLIENT = {"age": 36, "conditions": ["migraine"], "sun_exposure_planned": True}


def condition_spellings() -> dict[str, str]:
    """Every spelling of every condition (code, name, aliases) -> its code."""
    return spellings(load().conditions)


def refused_in_chamber() -> list[str]:
    """The shortlisted conditions whose outcome for the chamber is refuse."""
    return [code for code in CHAMBER_SHORTLIST
            if find_condition(code).outcome_for(CHAMBER) == "refuse"]


def partial_names(variable: str) -> Scorer:
    """Scorer for one list of names: (right - wrong) / expected, never below 0."""

    def scorer(given: Answers, expected: Answers) -> Score:
        chosen, wanted = set(given[variable]), set(expected[variable])
        right, wrong = len(chosen & wanted), len(chosen - wanted)
        fraction = max(0.0, (right - wrong) / len(wanted)) if wanted else float(not chosen)
        if fraction == 1:
            return Score(1.0, "correct")
        notes = (f"{right} of {len(wanted)} right, {wrong} that should not be there.",)
        return Score(fraction, "partly correct" if fraction > 0 else "incorrect", notes)

    return scorer


@functools.cache
def bp_client() -> Case:
    return case_from_intake("contra_bp", BP_CLIENT, CHAMBER)


@functools.cache
def migraine_sun_client() -> Case:
    return case_from_intake("contra_migraine_sun", MIGRAINE_SUN_CLIENT, "cryo_facial")


ITEMS = (
    Item(
        id="contra_practice_cold_urticaria",
        answers={"cold_urticaria_decision": DECISIONS},
        expected=lambda: {"cold_urticaria_decision": find_condition("cold_urticaria").category},
        points=0,
        graded=False,
        hints=("Find cold urticaria in the categories table or the matrix.",
               "It is the same for every modality: the skin reacts to the cold itself."),
        explanation="Cold urticaria is an allergy to cold: any cold treatment can set off "
        "hives or a severe reaction, so it is refused for every modality.",
    ),
    Item(
        id="contra_practice_wet_skin",
        answers={"wet_face_cryomassage": DECISIONS, "wet_body_chamber": DECISIONS},
        expected=lambda: {
            "wet_face_cryomassage": load().rules["wet_skin"].outcome_for(CRYOMASSAGE),
            "wet_body_chamber": load().rules["wet_skin"].outcome_for(CHAMBER),
        },
        points=0,
        graded=False,
        hints=("Try it in the screening form: tick 'Skin wet or damp' and change the treatment.",),
        explanation="For local work you dry the skin first (modify); nobody enters the chamber "
        "wet, because the cold gas sticks to damp skin all over the body (refuse).",
    ),
    Item(
        id="contra_migraine_cryomassage",
        answers={"migraine_decision": DECISIONS},
        expected=lambda: {"migraine_decision": find_condition("migraine").outcome_for(CRYOMASSAGE)},
        points=1,
        wrong=(Wrong({"migraine_decision": "proceed"}), Wrong({"migraine_decision": "modify"})),
    ),
    Item(
        id="contra_rosacea_flare_cryomassage",
        answers={"rosacea_flare_decision": DECISIONS},
        expected=lambda: {
            "rosacea_flare_decision": find_condition("rosacea_flare").outcome_for(CRYOMASSAGE)
        },
        points=1,
        wrong=(Wrong({"rosacea_flare_decision": "proceed"}),
               Wrong({"rosacea_flare_decision": "clearance"})),
    ),
    Item(
        id="contra_refuse_list_chamber",
        answers={"refuse_in_chamber": Names(condition_spellings, "condition")},
        expected=lambda: {"refuse_in_chamber": refused_in_chamber()},
        points=2,
        scorer=partial_names("refuse_in_chamber"),
        wrong=(
            # a typical slip: forgetting claustrophobia (4 of 5 right)
            Wrong({"refuse_in_chamber": ["epilepsy", "raynauds", "heart_disease", "pregnancy"]},
                  0.8),
            # following the salon claims: migraine and rosacea "helped" by cold, no heart
            Wrong({"refuse_in_chamber": ["epilepsy", "raynauds", "migraine", "rosacea"]}, 0.0),
        ),
    ),
    screening_item(
        "contra_screen_high_bp_chamber", bp_client, "bp_client", 2,
        wrong=(Wrong({"bp_client_outcome": "refuse", "bp_client_findings": []}, 0.0),
               Wrong({"bp_client_outcome": "clearance",
                      "bp_client_findings": ["bp_above_limit"]}, 0.5)),
    ),
    screening_item(
        "contra_screen_migraine_sun_facial", migraine_sun_client, "facial_client", 2,
        wrong=(Wrong({"facial_client_outcome": "clearance",
                      "facial_client_findings": ["migraine"]}, 0.75),
               Wrong({"facial_client_outcome": "proceed", "facial_client_findings": []}, 0.0)),
    ),
)
