"""Lesson 04, contraindications: categories, conflicts between sources, screening a client."""

from __future__ import annotations

import functools

from course.exercises.reasons import decision_reason
from course.exercises.screening_cases import TREATMENT, screening_item
from course.facts.knowledge import find_condition, load, spellings
from course.models.cases import Alternative, Case, case_from_intake
from course.questions.kinds import Item, Names, Wrong, partial_list, plain_labels

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
            if find_condition(code).treatment_for(CHAMBER) == "refuse"]


def _cold_urticaria_reason() -> str:
    allergy = find_condition("cold_urticaria")
    same = "" if allergy.overrides else " The same for every modality."
    return decision_reason(allergy, CRYOMASSAGE) + same


def _refuse_list_reason() -> str:
    refused = refused_in_chamber()
    names = "; ".join(find_condition(code).name for code in refused)
    others = "; ".join(
        f"{find_condition(code).name} ('{find_condition(code).treatment_for(CHAMBER)}')"
        for code in CHAMBER_SHORTLIST if code not in refused)
    return (f"The matrix says refuse for the cryosauna for: {names}. In the chamber the whole "
            f"body is in the cold (and, for claustrophobia, shut in a cabin). The others on the "
            f"list are not refused there: {others}.")


# Fair alternatives for the two screening questions, with their credit for one part.
BP_CLEARANCE = Alternative(
    "treatment", "clearance", 1.0,
    "Asking for the GP's written OK before any chamber session is also safe: the GP reviews "
    "the pressure either way (the same credit as in case c06). The reference is 'not today': "
    "one high reading is a fact about today; rest, measure again, and if it stays high the "
    "GP reviews it.")
NEUROLOGIST_OK = Alternative(
    "referral", "specialist", 1.0,
    "The neurologist who treats her migraine may give the written OK as well as her GP (as in "
    "case c11).")
SUN_DEFER = Alternative(
    "treatment", "defer", 1.0,
    "Both apply: the facial waits until after the sunny holiday, and it needs the doctor's "
    "written OK for the migraines.")


@functools.cache
def bp_client() -> Case:
    return case_from_intake("contra_bp", BP_CLIENT, CHAMBER, (BP_CLEARANCE,))


@functools.cache
def migraine_sun_client() -> Case:
    return case_from_intake("contra_migraine_sun", MIGRAINE_SUN_CLIENT, "cryo_facial",
                            (SUN_DEFER, NEUROLOGIST_OK))


ITEMS = (
    Item(
        id="contra_practice_cold_urticaria",
        answers={"cold_urticaria_decision": TREATMENT},
        expected=lambda: {"cold_urticaria_decision": find_condition("cold_urticaria").treatment},
        points=0,
        graded=False,
        hints=("Find cold urticaria in the categories table or the matrix.",
               "It is the same for every modality: the skin reacts to the cold itself."),
        explanation=_cold_urticaria_reason,
    ),
    Item(
        id="contra_practice_wet_skin",
        answers={"wet_face_cryomassage": TREATMENT, "wet_body_chamber": TREATMENT},
        expected=lambda: {
            "wet_face_cryomassage": load().rules["wet_skin"].treatment_for(CRYOMASSAGE),
            "wet_body_chamber": load().rules["wet_skin"].treatment_for(CHAMBER),
        },
        points=0,
        graded=False,
        hints=("Try it in the screening form: tick 'Skin wet or damp' and change the treatment.",),
        explanation="Damp skin is fixed with a towel: dry it completely first, for local work "
        "and for the chamber alike (modify). Nobody enters the chamber wet, but a dried "
        "client can: refusing would be for something that can be fixed.",
    ),
    Item(
        id="contra_migraine_cryomassage",
        answers={"migraine_decision": TREATMENT},
        expected=lambda: {
            "migraine_decision": find_condition("migraine").treatment_for(CRYOMASSAGE)},
        points=1,
        explanation=lambda: decision_reason(find_condition("migraine"), CRYOMASSAGE,
                                            conflict=True),
        wrong=(Wrong({"migraine_decision": "proceed"}), Wrong({"migraine_decision": "modify"})),
    ),
    Item(
        id="contra_rosacea_flare_cryomassage",
        answers={"rosacea_flare_decision": TREATMENT},
        expected=lambda: {
            "rosacea_flare_decision": find_condition("rosacea_flare").treatment_for(CRYOMASSAGE)
        },
        points=1,
        explanation=lambda: decision_reason(find_condition("rosacea_flare"), CRYOMASSAGE,
                                            conflict=True),
        wrong=(Wrong({"rosacea_flare_decision": "proceed"}),
               Wrong({"rosacea_flare_decision": "clearance"})),
    ),
    Item(
        id="contra_refuse_list_chamber",
        answers={"refuse_in_chamber": Names(condition_spellings, "condition")},
        expected=lambda: {"refuse_in_chamber": refused_in_chamber()},
        points=2,
        explanation=_refuse_list_reason,
        scorer=partial_list("refuse_in_chamber", lambda: plain_labels(condition_spellings()),
                            "condition"),
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
        wrong=(Wrong({"bp_client_treatment": "refuse", "bp_client_referral": "none",
                      "bp_client_findings": []}, 0.0),
               Wrong({"bp_client_treatment": "refuse", "bp_client_referral": "gp",
                      "bp_client_findings": ["bp_above_limit"]}, 0.6)),
    ),
    screening_item(
        "contra_screen_migraine_sun_facial", migraine_sun_client, "facial_client", 2,
        # a clearance with referral "none" misses who gives the written OK (round 3)
        wrong=(Wrong({"facial_client_treatment": "clearance", "facial_client_referral": "none",
                      "facial_client_findings": ["migraine"]}, 0.6),
               Wrong({"facial_client_treatment": "proceed", "facial_client_referral": "none",
                      "facial_client_findings": []}, 0.0)),
    ),
)
