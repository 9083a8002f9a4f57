"""Lesson 07, safe practice: infection control, nitrogen and oxygen, emergencies, consent, records.

The spill, the session story, the client and the record below are made-up practice scenarios
(not facts); every expected answer is read from the knowledge base (``safety.toml``) or worked
out by the oxygen model from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from course.exercises.reasons import cited, first_sentence, names_of
from course.facts.knowledge import spellings
from course.facts.safe_practice import (
    find_emergency,
    find_rule,
    oxygen_effect,
    record_fields,
    rules_about,
    safe_practice,
    step_spellings,
)
from course.models.oxygen import Release, Room, simulate_room
from course.models.session_record import SessionRecord, missing_fields
from course.models.timing import LogEvent
from course.questions.kinds import (
    AcceptedAnswer,
    Answers,
    Item,
    Names,
    Number,
    Score,
    Scorer,
    Steps,
    Wrong,
    YesNo,
    offered_options,
    ordered_steps,
    partial_list,
    plain_labels,
)


@dataclass(frozen=True)
class Listed(Names):
    """A list of names (Names), described with an example that fits the question; its
    checklist offers only the question's own choices (``offered``: their codes)."""

    example: tuple[str, ...] = ()
    offered: Callable[[], Iterable[str]] | None = None

    def describe(self) -> str:
        shown = ", ".join(f'"{word}"' for word in self.example)
        return f"a list of {self.label} words in quotes, like [{shown}]"

    def spec(self) -> dict[str, object]:
        return {**super().spec(), "options": offered_options(self.labels(), self.offered)}


# --- the spill (question 4) ------------------------------------------------------------------

SPILL_ROOM = Room(volume_m3=30.0, air_changes_per_hour=0.0)
SPILL = (Release(litres=10.0, start_min=0.0, duration_min=5.0),)
"""A 10-litre flask tips over in a closed 30 m³ treatment room; all of it evaporates."""
# 0.65 either side: the hand calculations by displacement (16.0-16.1 %) and by dilution
# (17.0 %) are fair answers too
SPILL_PERCENT = Number("percent", 0, 100, tolerance=0.65)


def spill_lowest_percent() -> float:
    """The lowest oxygen the model gives for SPILL in SPILL_ROOM, to one decimal."""
    oxygen = safe_practice().oxygen
    curve = simulate_room(SPILL_ROOM, SPILL, expansion_ratio=oxygen.expansion_ratio,
                          fresh_percent=oxygen.fresh_percent, minutes=30.0)
    return round(curve.lowest_percent, 1)


# --- the session story (question 6): each fault is a rule the operator broke -----------------

SESSION_STORY = (
    "Mia opens the salon at 9:00 and switches on the ventilation. The oxygen monitor's "
    "display has been blank since last week; she means to call the service company.",
    "Her first client, Ana, had a cryomassage last week, so Mia does not ask her to fill in "
    "the health questionnaire today: 'nothing will have changed'.",
    "Wearing safety glasses and loose insulated gloves, Mia pours liquid nitrogen from the big "
    "flask into a clean cup for Ana, and takes a new swab from the packet.",
    "Halfway through the massage the cup runs low, so she dips Ana's swab straight into the big "
    "flask to top it up.",
    "After Ana leaves, Mia throws away the swab and what is left in the cup, and wipes the "
    "couch and the trolley with disinfectant. To stop the big flask splashing on the trolley, "
    "she tapes its cap down tight.",
    "She writes up Ana's session, with those of the rest of the week, on Friday evening.",
)
STORY_FAULTS = ("oxygen_monitor", "questionnaire_every_visit", "face_shield", "never_redip",
                "never_seal", "session_record")
"""The rules Mia breaks, one per fault in the story."""
FAULT_CHOICES = ("oxygen_monitor", "ventilation", "questionnaire_every_visit", "face_shield",
                 "decant_per_client", "new_applicator_per_client", "never_redip", "never_seal",
                 "clean_between_clients", "session_record")
"""The rules the question lists to choose from (the faults and some rules Mia keeps)."""


def rule_spellings() -> dict[str, str]:
    """Every spelling (code, name) of every safe-practice rule -> its code."""
    return spellings(safe_practice().rules)


# --- the client (question 7): what is still to do before her first cabin session -------------

LOCAL_COLD_ONLY = ("sensation_test",)
"""Checklist rules for local cold only: Lena (question 6) books the cabin, so they are not
offered."""
CHECKLIST = tuple(rule.code for topic in ("consent", "preparation") for rule in rules_about(topic)
                  if rule.code not in LOCAL_COLD_ONLY)
INTAKE_STORY = (
    "Lena is 16 and has come for her first cryosauna session; her mother is in the waiting "
    "room.",
    "At reception Lena filled in and signed the health questionnaire, and signed the consent "
    "form herself.",
    "She takes medicine for an underactive thyroid; her doctor's letter saying she may use the "
    "chamber is in her bag.",
    "She came straight from the gym: showered, then put on body lotion.",
    "She is wearing a small stud earring, and brought dry socks and slippers but no gloves.",
)
INTAKE_DONE = ("questionnaire_every_visit",)
INTAKE_EITHER = ("written_consent",)
"""Her own signature: a fair examiner accepts the item either way (the guardian's consent is
what is missing), so naming it neither earns nor costs."""


def intake_still_to_do() -> list[str]:
    """The checklist items Lena still needs before her session (all but what is done)."""
    return [code for code in CHECKLIST if code not in INTAKE_DONE + INTAKE_EITHER]


def ignoring(name: str, codes: Iterable[str], scorer: Scorer) -> Scorer:
    """A scorer that first drops ``codes`` (answers that neither earn nor cost) from ``name``."""
    dropped = set(codes)

    def score(given: Answers, expected: Answers) -> Score:
        answer = given[name]
        if not isinstance(answer, tuple | list):  # not a list of codes: the scorer says so
            return scorer(given, expected)
        kept = dict(given)
        kept[name] = tuple(code for code in answer if code not in dropped)
        return scorer(kept, expected)

    return score


# --- the record (question 8) ------------------------------------------------------------------

INCOMPLETE_RECORD = SessionRecord(
    client="client 0412 (Ana)",
    date_time="2025-10-06 09:30",
    treatment="liquid-nitrogen cryomassage: face and neck",
    settings="cotton swab on a wooden stick, nitrogen decanted into a cup",
    times=(LogEvent("A", "face", 0, 120), LogEvent("B", "neck", 120, 60)),
)
"""A cryomassage record with some fields left empty."""


def session_fields() -> tuple[str, ...]:
    """The codes of a session record's fields (what question 7 offers)."""
    return tuple(field.code for field in record_fields("session"))


def record_spellings() -> dict[str, str]:
    """Every spelling (code, name) of every record field -> its code."""
    return spellings(safe_practice().record_fields)


# --- emergencies -------------------------------------------------------------------------------


def _never_steps() -> dict[str, str]:
    return {code: f"'{code.replace('_', ' ')}' must never be done: {step.why_never}"
            for code, step in safe_practice().steps.items() if step.never}


def steps_reason(emergency: str, offered: Iterable[str] = ()) -> str:
    """The steps of an emergency in order, the steps also accepted and why, and why each
    dangerous step ``offered`` by the question must never be done."""
    steps = safe_practice().steps
    found = find_emergency(emergency)
    order = "; then ".join(steps[code].name for code in found.steps)
    named = " and ".join(f"'{code}'" for code in found.also_right)
    also = f" Also right, at any point: {named}; {found.also_right_why}" if found.also_right else ""
    never = "".join(f" Never {steps[code].name}: {first_sentence(steps[code].why_never)}"
                    for code in offered if steps[code].never)
    return f"In order: {order}.{also}{never}"


def steps_item(item_id: str, emergency: str, name: str, points: float,
               wrong: tuple[Wrong, ...] = (), offered: tuple[str, ...] = (),
               **practice: object) -> Item:
    """A question: put the steps of one emergency from the knowledge base in order, choosing
    from the steps ``offered`` (its reason: the steps in order, and why the dangerous ones
    offered are never done). The emergency's ``also_right`` steps neither earn nor cost."""
    kind = Steps(step_spellings, "step", offered=lambda: offered)
    scorer = ordered_steps(name, lambda: find_emergency(emergency).critical, _never_steps,
                           kind.labels)
    return Item(
        id=item_id,
        answers={name: kind},
        expected=lambda: {name: list(find_emergency(emergency).steps)},
        points=points,
        scorer=lambda given, expected: ignoring(
            name, find_emergency(emergency).also_right, scorer)(given, expected),
        wrong=wrong,
        explanation=lambda: steps_reason(emergency, offered),
        **practice,  # type: ignore[arg-type]
    )


def _spill_reason() -> str:
    oxygen = safe_practice().oxygen
    litres = sum(release.litres for release in SPILL)
    lowest = spill_lowest_percent()
    low, high = lowest - SPILL_PERCENT.tolerance, lowest + SPILL_PERCENT.tolerance
    return (f"{litres:g} litres of liquid become about {litres * oxygen.expansion_ratio / 1000:.0f}"
            f" m³ of gas in a closed {SPILL_ROOM.volume_m3:g} m³ room: the oxygen falls to about "
            f"{lowest:.1f} % (hand calculations from {low:.1f} to {high:.1f} % are right too). "
            f"That is below the {oxygen.deficiency_percent:g} % alarm level, so nobody stays: "
            f"{oxygen_effect(lowest)}")


def _shared_cup_reason() -> str:
    decant, redip = find_rule("decant_per_client"), find_rule("never_redip")
    return ("Yes: a new swab is not enough. During one client's massage the swab that touches "
            "her skin goes back into the cup, so the cup carries her viruses to the next "
            f"client's swab. {decant.text.rstrip('.')}{cited(decant.sources)}. "
            f"{first_sentence(redip.text)}")


def _rule_names(codes: Iterable[str]) -> str:
    return names_of(plain_labels(rule_spellings()), codes)


def _faults_reason() -> str:
    kept = [code for code in FAULT_CHOICES if code not in STORY_FAULTS]
    return (f"Mia breaks: {_rule_names(STORY_FAULTS)}. She keeps: {_rule_names(kept)}.")


def _intake_reason() -> str:
    return (f"Still to do: {_rule_names(intake_still_to_do())}. Already done: "
            f"{_rule_names(INTAKE_DONE)}. {_rule_names(INTAKE_EITHER)}: right either way, as "
            f"Lena signed it herself but, under 18, also needs "
            f"'{_rule_names(('guardian_consent',))}'.")


def _record_reason() -> str:
    missing = "; ".join(f"{field.name} ({field.text})"
                        for field in missing_fields(INCOMPLETE_RECORD))
    return (f"Empty in this record: {missing}. "
            f"{find_rule('session_record').text}")


ALARM = "oxygen_alarm"
ALARM_CHOICES = ("stop_session", "client_out", "leave_room", "call_for_help", "call_emergency",
                 "check_client", "ventilate_from_outside", "record_incident", "crouch_in_cabin",
                 "go_in_to_help", "lie_down_legs_up")
COLD_BURN_CHOICES = ("stop_session", "jewellery_off", "warm_water", "cover_loosely",
                     "medical_help", "record_incident", "rub_the_skin", "direct_heat")

ITEMS = (
    Item(
        id="safety_practice_smell",
        answers={"can_smell_nitrogen": YesNo()},
        expected=lambda: {"can_smell_nitrogen": False},
        points=0,
        graded=False,
        hints=("Read 'Nitrogen and oxygen' again: how would you notice a leak?",),
        explanation="Nitrogen has no smell and no colour, and breathing it gives no warning. "
        "Only an oxygen monitor tells you the air is wrong.",
    ),
    steps_item(
        "safety_practice_cold_burn_steps", "cold_burn", "cold_burn_steps", 0,
        graded=False,
        offered=COLD_BURN_CHOICES,
        hints=("Look at the cold-burn row of the emergencies table.",
               "Stop the cold first; rings come off before the skin swells; then warm gently."),
    ),
    Item(
        id="safety_shared_cup",
        answers={"virus_can_pass": YesNo()},
        expected=lambda: {"virus_can_pass": True},
        points=1,
        explanation=_shared_cup_reason,
        wrong=(Wrong({"virus_can_pass": False}),),
    ),
    Item(
        id="safety_gas_per_litre",
        answers={"litres_of_gas": Number("litres", 1, 5000, tolerance=30)},
        expected=lambda: {"litres_of_gas": safe_practice().oxygen.expansion_ratio},
        points=1,
        explanation=lambda: (safe_practice().oxygen.expansion.text.rstrip(".")
                             + cited(safe_practice().oxygen.expansion.sources)
                             + ": a small spill fills a room with gas that pushes the oxygen out."),
        wrong=(Wrong({"litres_of_gas": 1}), Wrong({"litres_of_gas": 100})),
    ),
    Item(
        id="safety_deficiency_percent",
        answers={"alarm_percent": Number("percent", 0, 100, tolerance=0.05)},
        expected=lambda: {"alarm_percent": safe_practice().oxygen.deficiency_percent},
        points=1,
        explanation=lambda: (safe_practice().oxygen.deficiency.text.rstrip(".")
                             + cited(safe_practice().oxygen.deficiency.sources) + "."),
        wrong=(Wrong({"alarm_percent": 16}), Wrong({"alarm_percent": 20.9})),
    ),
    Item(
        id="safety_spill_closed_room",
        premises=(f"{SPILL[0].litres:g}-litre flask", "**closed**",
                  f"**{SPILL_ROOM.volume_m3:g} m³**"),
        answers={"lowest_percent": SPILL_PERCENT,
                 "safe_to_stay": YesNo()},
        expected=lambda: {"lowest_percent": spill_lowest_percent(), "safe_to_stay": False},
        points=2,
        explanation=_spill_reason,
        wrong=(Wrong({"lowest_percent": 16.6, "safe_to_stay": True}, 0.5),
               Wrong({"lowest_percent": 20.9, "safe_to_stay": True}, 0.0)),
    ),
    steps_item(
        "safety_oxygen_alarm_steps", ALARM, "alarm_steps", 3, offered=ALARM_CHOICES,
        wrong=(
            # every step, but out of the room before the client is out of the cabin:
            # named 1/2 + order (5 of 6 critical pairs) 5/12 = 11/12
            Wrong({"alarm_steps": ["stop_session", "leave_room", "client_out", "call_for_help",
                                   "check_client", "ventilate_from_outside",
                                   "record_incident"]}, 11 / 12),
            # the client told to crouch down and rest: dangerous, nothing earned
            Wrong({"alarm_steps": ["stop_session", "crouch_in_cabin", "client_out",
                                   "leave_room", "record_incident"]}, 0.0),
            # the call in place of warning colleagues: that step missing (named 6/7 of 1/2)
            Wrong({"alarm_steps": ["stop_session", "client_out", "leave_room", "call_emergency",
                                   "check_client", "ventilate_from_outside",
                                   "record_incident"]}, 13 / 14),
        ),
        accepted=(AcceptedAnswer(
            {"alarm_steps": ["stop_session", "client_out", "leave_room", "call_emergency",
                             "call_for_help", "check_client", "ventilate_from_outside",
                             "record_incident"]}, 1.0,
            "Calling the emergency number as well is never wrong: when in doubt, call."),),
    ),
    Item(
        id="safety_spot_faults",
        answers={"faults": Listed(rule_spellings, "rule", example=("never_seal",),
                                  offered=lambda: FAULT_CHOICES)},
        expected=lambda: {"faults": list(STORY_FAULTS)},
        points=2,
        explanation=_faults_reason,
        scorer=partial_list("faults", lambda: plain_labels(rule_spellings()), "rule"),
        wrong=(
            # the two quiet ones missed (no face shield, the record written days later)
            Wrong({"faults": ["oxygen_monitor", "questionnaire_every_visit", "never_redip",
                              "never_seal"]}, 4 / 6),
            # believing S1: no infection fault, and a good practice called a fault
            Wrong({"faults": ["oxygen_monitor", "new_applicator_per_client"]}, 0.0),
        ),
    ),
    Item(
        id="safety_intake_checklist",
        answers={"still_to_do": Listed(rule_spellings, "checklist item",
                                      example=("jewellery_off",), offered=lambda: CHECKLIST)},
        expected=lambda: {"still_to_do": intake_still_to_do()},
        points=2,
        explanation=_intake_reason,
        scorer=ignoring("still_to_do", INTAKE_EITHER,
                        partial_list("still_to_do", lambda: plain_labels(rule_spellings()),
                                     "checklist item")),
        wrong=(
            # the guardian forgotten; her own signature named (neither earns nor costs)
            Wrong({"still_to_do": ["written_consent", "bp_before_chamber", "file_clearance",
                                   "dry_skin_no_lotion", "jewellery_off",
                                   "dry_socks_gloves_mask", "short_first_session"]}, 6 / 7),
            # the questionnaire again, and only the preparation
            Wrong({"still_to_do": ["questionnaire_every_visit", "dry_skin_no_lotion"]}, 0.0),
        ),
    ),
    Item(
        id="safety_record_missing_fields",
        answers={"missing": Listed(record_spellings, "record field", example=("client",),
                                   offered=session_fields)},
        expected=lambda: {"missing": [f.code for f in missing_fields(INCOMPLETE_RECORD)]},
        points=1,
        explanation=_record_reason,
        scorer=partial_list("missing", lambda: plain_labels(record_spellings()),
                            "record field"),
        wrong=(Wrong({"missing": ["operator", "reactions"]}, 2 / 3),
               Wrong({"missing": ["client", "times"]}, 0.0)),
    ),
)
