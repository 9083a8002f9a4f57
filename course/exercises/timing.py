"""Lesson 03, timing limits: maximum exposures, session logs, remaining time, course spacing.

The recorded logs and schedules below are made-up practice scenarios (not facts); every
expected answer is worked out from them by ``course.models.timing`` with the knowledge base's
limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from course.exercises.reasons import cited, first_sentence
from course.facts.knowledge import MAX_BASIS_KINDS, find_modality, find_side_effect
from course.models.session_record import SessionRecord
from course.models.timing import (
    LogEvent,
    Violation,
    check_course,
    check_log,
    headline_limit,
    min_interval_days,
    remaining_seconds,
    violating_labels,
)
from course.questions.kinds import Choice, Item, Names, Number, Scorer, Wrong, YesNo, partial_list

CRYOMASSAGE_LOG: tuple[LogEvent, ...] = (
    LogEvent("A", "face", 0, 90),
    LogEvent("B", "neck", 90, 60),
    LogEvent("C", "face", 150, 4, spot="left cheek"),
    LogEvent("D", "face", 154, 80),
    LogEvent("E", "decollete", 234, 50),
    LogEvent("F", "face", 284, 40),
)
"""A recorded liquid-nitrogen cryomassage: moving passes, and one line where the swab stopped."""

CRYOMASSAGE_RECORD = SessionRecord(
    client="client 0231",
    date_time="2025-10-06 10:15",
    operator="trainee cosmetologist (initials A. K.)",
    treatment="liquid-nitrogen cryomassage: face, neck, décolleté",
    settings="cotton swab on a wooden stick; nitrogen decanted into a clean cup",
    times=CRYOMASSAGE_LOG,
    checks="questionnaire updated and signed, consent on file, skin intact and dry",
    reactions="felt cold and tingling; skin evenly pink after; settled during the 30-minute "
    "observation",
)
"""The same session as a full record (lesson 07's session-record fields; the log is the times)."""

CHAMBER_SESSIONS: Mapping[str, tuple[float, float]] = {
    "A": (-120.0, 170.0),
    "B": (-150.0, 110.0),
    "C": (-160.0, 150.0),
    "D": (-110.0, 175.0),
}
"""One day's cryosauna sessions: line -> (cabin temperature °C, seconds in the cabin)."""

COLD_AIR_AREA = "back"
COLD_AIR_PASSES: tuple[LogEvent, ...] = (
    LogEvent("1", COLD_AIR_AREA, 0, 50),
    LogEvent("2", COLD_AIR_AREA, 50, 40),
)
"""A local cold-air session so far: two passes over the lower back."""

DEVICE_IFU_BACK_S = 120
"""Question 4's device allows this many seconds per area on the back (a practice scenario)."""
COLD_AIR_INSTRUCTIONS: Mapping[str, object] = {
    "device": "the salon's cold-air unit (a made-up practice scenario, not a real device)",
    "area": COLD_AIR_AREA,
    "seconds per area, at most": DEVICE_IFU_BACK_S,
    "nozzle distance": "5-10 cm from the skin, nozzle moving",
    "during treatment": "watch the skin; stop the area at whitening, blanching that stays, "
                        "sharp pain or numbness",
}
"""The practice scenario's instructions for use (question 4)."""

PROPOSED_SCHEDULE: tuple[date, ...] = (
    date(2025, 10, 6), date(2025, 10, 13), date(2025, 10, 20),
    date(2025, 10, 24), date(2025, 10, 31), date(2025, 11, 7),
)
"""A cryomassage course a client asks for (one date falls too soon)."""


STOP_SIGN_ACTIONS = ("stop", "keep_moving", "finish_the_time")
"""What the operator does when the skin shows a stop sign (practice question)."""


def chamber_violations(label: str) -> tuple[str, ...]:
    """The violation messages for one line of CHAMBER_SESSIONS."""
    temp_c, seconds = CHAMBER_SESSIONS[label]
    event = LogEvent(label, "whole_body", 0, seconds)
    return tuple(v.message for v in check_log("cryosauna", [event], chamber_temp_c=temp_c))


def _wrong_chamber_line() -> str:
    wrong = [label for label in CHAMBER_SESSIONS if chamber_violations(label)]
    if len(wrong) != 1:
        raise ValueError(f"The chamber scenario must have exactly one wrong line; found {wrong}.")
    return wrong[0]


@dataclass(frozen=True)
class LogLines(Names):
    """A list of log-line letters (Names, with an example that fits)."""

    def describe(self) -> str:
        return f'a list of {self.label} letters in quotes, like ["A", "B"]'


def _log_labels() -> dict[str, str]:
    """Every accepted spelling of a cryomassage log line -> its label."""
    spellings: dict[str, str] = {}
    for event in CRYOMASSAGE_LOG:
        spellings[event.label] = event.label
        spellings[f"line {event.label}"] = event.label
    return spellings


def picked_lines(name: str) -> Scorer:
    """Partial credit for picking lines: (right picks - wrong picks) / lines to find."""
    return partial_list(name, lambda: {label: f"line {label}" for label in _log_labels().values()},
                        "line")


# --- the reasons, in plain words, from the limits and the checks' own messages -------------


def _violations_reason(violations: Iterable[Violation], what: str) -> str:
    """Each problem's first sentence (what was over which limit), with its line or date."""
    said = " ".join(f"{what} {v.label}: "
                    f"{first_sentence(v.message.removeprefix(f'{v.label}: '))}"
                    for v in violations)
    return said or f"No {what.lower()} breaks a limit."


def _chamber_reason() -> str:
    label = _wrong_chamber_line()
    temp_c, seconds = CHAMBER_SESSIONS[label]
    event = LogEvent(label, "whole_body", 0, seconds)
    said = _violations_reason(check_log("cryosauna", [event], chamber_temp_c=temp_c), "Line")
    return f"{said} The other lines are within the limit for their cabin temperature."


def _cold_air_left() -> float:
    return remaining_seconds("cold_air_local", _used_cold_air_s(), area=COLD_AIR_AREA,
                             device_limit_s=DEVICE_IFU_BACK_S)


def _remaining_reason() -> str:
    limit = headline_limit("cold_air_local")
    if limit is None:
        raise ValueError("cold_air_local has no teachable limit.")
    passes = " + ".join(f"{event.duration_s:g}" for event in COLD_AIR_PASSES)
    return (f"The device's instructions allow {DEVICE_IFU_BACK_S:g} seconds on the back; the "
            f"course's own ceiling for a large area is {limit.max_s:g} seconds"
            f"{cited(limit.sources)}. The shorter one is the limit: {DEVICE_IFU_BACK_S:g} s. The "
            f"{COLD_AIR_AREA} has had {passes} = {_used_cold_air_s():g} seconds, so "
            f"{_cold_air_left():g} seconds are left, and only while the skin shows no stop "
            "sign.")


def _stop_sign_reason() -> str:
    return find_side_effect("stop_sign_during_treatment").action


def _spacing_reason() -> str:
    massage = find_modality("ln2_cryomassage")
    return f"{massage.interval_days} days: {massage.interval_basis}"


def _schedule_reason() -> str:
    massage = find_modality("ln2_cryomassage")
    problems = check_course(massage.code, PROPOSED_SCHEDULE)
    rule = (f"the course plans these sessions at least {massage.interval_days} days apart "
            f"({first_sentence(massage.interval_basis).rstrip('.')})")
    if not problems:
        return f"Yes: {rule}, and every session keeps to it."
    late = "; ".join(f"{date.fromisoformat(v.label):%d %B} comes only {v.actual:g} days after "
                     "the session before" for v in problems)
    return f"No: {late}, and {rule}."


def _headline_minutes(modality: str) -> float:
    limit = headline_limit(modality)
    if limit is None:
        raise ValueError(f"{modality} has no teachable limit.")
    return limit.max_s / 60


def _used_cold_air_s() -> float:
    return sum(event.duration_s for event in COLD_AIR_PASSES)


ITEMS = (
    Item(
        id="timing_practice_basis_cryoelectrophoresis",
        answers={"basis": Choice(MAX_BASIS_KINDS, aliases={"no limit": "none",
                                                           "nothing": "none"})},
        expected=lambda: {"basis": find_modality("cryoelectrophoresis").max_basis_kind},
        points=0,
        graded=False,
        hints=("Find the cryoelectrophoresis row in the table of limits.",
               "Which source describes cryoelectrophoresis at all, and is it peer reviewed?"),
        explanation=lambda: (f"'{find_modality('cryoelectrophoresis').max_basis_kind}': "
                             f"{find_modality('cryoelectrophoresis').max_basis} A cosmetologist "
                             "refers the client."),
    ),
    Item(
        id="timing_practice_session_count_is_safety_limit",
        answers={"is_safety_limit": YesNo()},
        expected=lambda: {"is_safety_limit": False},
        points=0,
        graded=False,
        hints=("Read the 'sessions' column of the course-spacing table again.",),
        explanation=lambda: (f"The session counts "
                             f"({find_modality('ln2_cryomassage').sessions_text}) are what "
                             "salons say you need for a result. The safety rules are the time "
                             "per session and the gap between sessions."),
    ),
    Item(
        id="timing_max_minutes_cryomassage",
        answers={"max_minutes": Number("minutes", 0, 120, whole=True)},
        expected=lambda: {"max_minutes": _headline_minutes("ln2_cryomassage")},
        points=1,
        explanation=lambda: find_modality("ln2_cryomassage").max_basis,
        wrong=(Wrong({"max_minutes": 7}), Wrong({"max_minutes": 2})),
    ),
    Item(
        id="timing_log_violations_cryomassage",
        answers={"wrong_lines": LogLines(_log_labels, "log line")},
        expected=lambda: {
            "wrong_lines": list(violating_labels(check_log("ln2_cryomassage", CRYOMASSAGE_LOG)))
        },
        points=2,
        explanation=lambda: (_violations_reason(check_log("ln2_cryomassage", CRYOMASSAGE_LOG),
                                                "Line")
                             + " The other lines are within the limits."),
        scorer=picked_lines("wrong_lines"),
        wrong=(Wrong({"wrong_lines": ["F"]}, 0.5),
               Wrong({"wrong_lines": ["A", "B", "C", "D", "E", "F"]}, 0.0)),
    ),
    Item(
        id="timing_chamber_wrong_line",
        answers={"wrong_line": Choice(tuple(CHAMBER_SESSIONS),
                                      aliases={f"line {k}": k for k in CHAMBER_SESSIONS})},
        expected=lambda: {"wrong_line": _wrong_chamber_line()},
        points=1,
        explanation=_chamber_reason,
        wrong=(Wrong({"wrong_line": "D"}), Wrong({"wrong_line": "A"})),
    ),
    Item(
        id="timing_remaining_seconds_cold_air",
        premises=(f"the {COLD_AIR_AREA}",),
        # not called remaining_seconds: that name is the course function used above it
        answers={"seconds_left": Number("seconds", 0, 3600, whole=True)},
        expected=lambda: {"seconds_left": _cold_air_left()},
        points=1,
        explanation=_remaining_reason,
        # the course's ceiling instead of the device's; the whole pass time
        wrong=(Wrong({"seconds_left": 90}), Wrong({"seconds_left": 120})),
    ),
    Item(
        id="timing_practice_stop_sign",
        answers={"what_now": Choice(STOP_SIGN_ACTIONS, aliases={
            "stop the area": "stop", "stop now": "stop", "keep going": "keep_moving",
            "continue": "keep_moving", "finish": "finish_the_time"})},
        expected=lambda: {"what_now": "stop"},
        points=0,
        graded=False,
        hints=("Which comes first: the time left, or what the skin shows?",),
        explanation=_stop_sign_reason,
    ),
    Item(
        id="timing_course_min_days_cryomassage",
        answers={"min_days": Number("days", 0, 365, whole=True)},
        expected=lambda: {"min_days": min_interval_days("ln2_cryomassage")},
        points=1,
        explanation=_spacing_reason,
        wrong=(Wrong({"min_days": 30}), Wrong({"min_days": 1})),
    ),
    Item(
        id="timing_course_schedule_compliant",
        answers={"is_compliant": YesNo()},
        expected=lambda: {"is_compliant": not check_course("ln2_cryomassage", PROPOSED_SCHEDULE)},
        points=1,
        explanation=_schedule_reason,
        wrong=(Wrong({"is_compliant": True}),),
    ),
)
