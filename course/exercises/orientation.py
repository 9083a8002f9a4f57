"""Lesson 00, orientation: how answers work, the disclaimer, scope of practice."""

from __future__ import annotations

from course.exercises import REFERRAL, TREATMENT
from course.exercises.modalities import modality_spellings
from course.exercises.reasons import cited, decision_reason
from course.facts.knowledge import find_condition, load
from course.questions.kinds import Choice, Item, Names, Number, Wrong, YesNo

# Question 3: the client's cryomassage has just ended (she has waited no time yet).
WAITED_MINUTES = 0


def waited_words() -> str:
    """How question 3's text says how long the client has waited (WAITED_MINUTES)."""
    if WAITED_MINUTES == 0:
        return "has just ended"
    return f"ended {WAITED_MINUTES} minutes ago"


def _more_minutes() -> int:
    """How much longer the question's client stays (the observation period, minus the wait)."""
    return max(0, load().modalities["ln2_cryomassage"].observation_minutes - WAITED_MINUTES)


def _physician_only() -> tuple[str, ...]:
    return tuple(m.code for m in load().modalities.values() if m.performer == "physician")


def _physician_only_reason() -> str:
    names = ", ".join(load().modalities[code].name for code in _physician_only())
    return (f"{names}: these destroy tissue on purpose, deliver a drug or need a prescription "
            "device, so they are a physician's work, not a cosmetologist's. The course's rule "
            "is the minimum: local law may be stricter.")


def _wart_reason() -> str:
    removal = load().modalities["cryodestruction"]
    return (f"Freezing off a wart is {removal.name.lower()}: it destroys tissue on purpose, so "
            f"it is a {removal.performer}'s work, never a cosmetologist's. "
            f"{removal.performer_basis} Refer the client; local law may be stricter still.")


def _observation_reason() -> str:
    massage = load().modalities["ln2_cryomassage"]
    rule = load().aftercare["observe_30_min"]
    return (f"After a {massage.name.split(' (')[0].lower()} the client stays "
            f"{massage.observation_minutes} minutes so you can watch for a reaction"
            f"{cited(rule.sources)}, however well she feels: {_more_minutes()} minutes. A "
            "nurse outside or a signature does not let you see a reaction that starts in "
            "the salon (a blister, an allergic reaction, a faint), and the observation is "
            "yours to do.")


ITEMS = (
    Item(
        id="orientation_practice_not_medical_advice",
        answers={"is_medical_advice": YesNo()},
        expected=lambda: {"is_medical_advice": False},
        points=0,
        graded=False,
        hints=("Read the box at the very top of this notebook.",),
        explanation="This course is training material. It does not diagnose or treat anyone; "
        "a client's doctor decides medical questions.",
    ),
    Item(
        id="orientation_practice_physician_only",
        answers={"physician_only": Names(modality_spellings, "modality", allow_empty=False)},
        expected=lambda: {"physician_only": list(_physician_only())},
        points=0,
        graded=False,
        hints=(
            "Look at the 'who may perform it' column of the table above.",
            "Anything that destroys tissue on purpose, delivers a drug or needs a prescription "
            "device is medicine.",
        ),
        explanation=_physician_only_reason,
    ),
    Item(
        id="orientation_decision_herpes",
        answers={"treatment": TREATMENT, "referral": REFERRAL},
        expected=lambda: {
            "treatment": find_condition("herpes").treatment_for("ln2_cryomassage"),
            "referral": find_condition("herpes").referral,
        },
        points=1,
        explanation=lambda: decision_reason(find_condition("herpes"), "ln2_cryomassage",
                                            referral=True),
        wrong=(Wrong({"treatment": "refuse", "referral": "none"}, 0.5),
               Wrong({"treatment": "proceed", "referral": "gp"}, 0.0)),
    ),
    Item(
        id="orientation_scope_wart_removal",
        answers={"who_may_remove_wart": Choice(
            ("cosmetologist", "physician"),
            aliases={"doctor": "physician", "dermatologist": "physician", "me": "cosmetologist"},
        )},
        expected=lambda: {"who_may_remove_wart": load().modalities["cryodestruction"].performer},
        points=1,
        explanation=_wart_reason,
        wrong=(Wrong({"who_may_remove_wart": "cosmetologist"}),),
    ),
    Item(
        id="orientation_observation_minutes",
        premises=(waited_words(),),
        answers={"more_minutes": Number("minutes", 0, 240, whole=True)},
        expected=lambda: {"more_minutes": _more_minutes()},
        points=1,
        explanation=_observation_reason,
        wrong=(Wrong({"more_minutes": 0}), Wrong({"more_minutes": 15})),
    ),
)
