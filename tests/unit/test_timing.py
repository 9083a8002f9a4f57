"""The timing model: limits read from the knowledge base, session plans, logs, courses."""

from __future__ import annotations

from datetime import date

import pytest

from course.facts.knowledge import UnknownNameError, load
from course.models.timing import (
    AREA,
    COLD_CHAMBER,
    SESSION,
    SPOT,
    LogEvent,
    TimingError,
    check_course,
    check_log,
    duration_text,
    headline_limit,
    min_interval_days,
    plan_course,
    plan_session,
    remaining_seconds,
    source_label,
    time_limits,
    violating_labels,
)


def _modality(code):
    return load().modalities[code]


# --------------------------------------------------------------------------- limits


def test_every_limit_comes_from_the_data_with_its_sources():
    for modality in load().modalities.values():
        limits = time_limits(modality.code)
        if modality.max_exposure_s is None:
            assert limits == () and headline_limit(modality.code) is None
            continue
        assert limits[0].max_s == modality.max_exposure_s
        data_limits = {(lim.max_s, lim.text) for lim in modality.limits}
        for limit in limits[1:]:
            assert (limit.max_s, limit.text) in data_limits
        for limit in limits:
            assert limit.sources and all(code in load().sources for code in limit.sources)


def test_headline_scope_is_per_session_or_per_area_as_the_data_says():
    assert headline_limit("ln2_cryomassage").kind == SESSION
    assert headline_limit("cryosauna").kind == SESSION
    for local in ("nitrogen_vapour_local", "cold_air_local", "cryo_facial"):
        limit = headline_limit(local)
        assert limit.kind == AREA and limit.basis_kind == "model"  # the course's own figure
        # the per-area entry is not counted twice; vapour and cold air add the face-and-bone one
        assert [lim.scope for lim in time_limits(local)][1:] in (
            [], ["per area on the face or over bone"])


def test_face_and_bony_areas_get_less_and_the_device_time_wins_when_shorter():
    """Round 3 (clinical review E1): the IFU's time per area bounds the course's figure; the
    face and areas with bone under thin skin get less than a large soft area."""
    for local in ("nitrogen_vapour_local", "cold_air_local"):
        large = remaining_seconds(local, 0, area="back")
        face = remaining_seconds(local, 0, area="face")
        hands = remaining_seconds(local, 0, area="hands")
        assert face < large and hands == face
        assert remaining_seconds(local, 0) == face  # area not given: the stricter limit
        assert remaining_seconds(local, 30, area="back", device_limit_s=large - 60) \
            == large - 90
        assert remaining_seconds(local, 30, area="back", device_limit_s=large + 60) \
            == large - 30
        plan = plan_session(local, {"face": face + 5, "back": face + 5})
        assert [v.label for v in plan.violations] == ["face"]
    assert remaining_seconds("cryo_facial", 0) <= remaining_seconds("cold_air_local", 0,
                                                                    area="face")


def test_spot_and_colder_cabin_limits_are_recognised():
    spot = [lim for lim in time_limits("ln2_cryomassage") if lim.kind == SPOT]
    assert [lim.max_s for lim in spot] == [lim.max_s for lim in _modality("ln2_cryomassage").limits]
    cold = [lim for lim in time_limits("cryosauna") if lim.kind == COLD_CHAMBER]
    assert len(cold) == 1 and cold[0].colder_than_c is not None
    assert cold[0].applies_at(None)  # unknown temperature: the stricter limit applies
    assert cold[0].applies_at(cold[0].colder_than_c - 10)
    assert not cold[0].applies_at(cold[0].colder_than_c + 10)


def test_the_stricter_cryomassage_time_is_taught():
    """S1 says 2-5 min, S2 5-7 min: the course limit is the shorter upper bound."""
    s1_upper, s2_upper = 5 * 60, 7 * 60
    assert headline_limit("cryomassage").max_s == min(s1_upper, s2_upper)


# --------------------------------------------------------------------------- sessions


def test_plan_within_the_limit_has_no_violation_and_reminds_to_observe():
    limit = headline_limit("ln2_cryomassage").max_s
    plan = plan_session("cryomassage", [("face", limit / 3), ("neck", limit / 3)])
    assert plan.ok
    assert plan.total_s == pytest.approx(2 * limit / 3)
    assert plan.area_totals == {"face": limit / 3, "neck": limit / 3}
    assert any(str(plan.observation_minutes) in note for note in plan.notes)
    assert not any(segment.over for segment in plan.segments)


def test_passes_add_up_and_the_timeline_splits_at_the_limit():
    limit = headline_limit("ln2_cryomassage").max_s
    plan = plan_session("ln2_cryomassage", [("face", 60), ("neck", 30)], passes=4)
    assert plan.total_s == 360 and plan.area_totals == {"face": 240, "neck": 120}
    [violation] = plan.violations
    assert violation.kind == SESSION and violation.allowed == limit and violation.actual > limit
    assert violation.sources and "S1" in violation.message
    over_start = min(segment.start_s for segment in plan.segments if segment.over)
    assert over_start == limit
    assert plan.segments[-1].end_s == plan.total_s
    assert plan.session_limit_s == limit


def test_area_limit_for_local_cold_air():
    limit = headline_limit("cold_air_local").max_s
    plan = plan_session("cold air", {"legs": limit + 20, "back": limit - 20, "abdomen": 30})
    assert [v.label for v in plan.violations] == ["legs"]
    assert plan.violations[0].kind == AREA
    assert plan.area_limit_s == limit and plan.session_limit_s is None


def test_chamber_limit_depends_on_cabin_temperature():
    cold = next(lim for lim in time_limits("cryosauna") if lim.kind == COLD_CHAMBER)
    session = headline_limit("cryosauna")
    between = (cold.max_s + session.max_s) / 2
    warm = cold.colder_than_c + 25
    assert plan_session("cryosauna", [("whole_body", between)], chamber_temp_c=warm).ok
    colder = plan_session("cryosauna", [("whole_body", between)],
                          chamber_temp_c=cold.colder_than_c - 15)
    assert [v.kind for v in colder.violations] == [COLD_CHAMBER]
    unknown = plan_session("cryosauna", [("whole_body", between)])
    assert [v.kind for v in unknown.violations] == [COLD_CHAMBER]
    assert any("stricter" in note for note in unknown.notes)


def test_physician_modalities_are_refused_not_timed():
    for code in ("cryolipolysis", "cryodestruction", "cryoelectrophoresis"):
        plan = plan_session(code, [(_modality(code).sites[0], 10)])
        assert [v.kind for v in plan.violations] == ["scope"]
        assert "refer" in plan.violations[0].message
        with pytest.raises(TimingError, match="physician"):
            remaining_seconds(code, 0)


def test_area_not_used_for_the_modality_is_flagged():
    plan = plan_session("cryomassage", [("feet", 10)])
    assert [v.kind for v in plan.violations] == ["site"]


@pytest.mark.parametrize("areas, message", [
    ([("cheek", 10)], "Unknown area"),
    ([("fase", 10)], "Did you mean 'face'"),
    ([("face", -5)], "between 0 and"),
    ([("face", "60")], "number of seconds"),
    (["face"], "name and seconds"),
])
def test_bad_session_input_gets_a_plain_message(areas, message):
    with pytest.raises(TimingError, match=message):
        plan_session("cryomassage", areas)


def test_unknown_modality_suggests_close_names():
    with pytest.raises(UnknownNameError, match="Did you mean"):
        plan_session("cryomasage", [("face", 10)])


def test_bad_passes_and_cabin_temperature_are_refused():
    with pytest.raises(TimingError, match="passes"):
        plan_session("cryomassage", [("face", 10)], passes=0)
    with pytest.raises(TimingError, match="temperature"):
        plan_session("cryosauna", [("whole_body", 10)], chamber_temp_c="cold")


def test_remaining_seconds():
    limit = headline_limit("cold_air_local").max_s
    assert remaining_seconds("cold_air_local", limit - 45, area="back") == 45
    assert remaining_seconds("cold_air_local", limit + 100, area="back") == 0
    cold = next(lim for lim in time_limits("cryosauna") if lim.kind == COLD_CHAMBER)
    assert remaining_seconds("cryosauna", 30, chamber_temp_c=cold.colder_than_c - 5) \
        == cold.max_s - 30
    assert remaining_seconds("cryosauna", 30, chamber_temp_c=cold.colder_than_c + 25) \
        == headline_limit("cryosauna").max_s - 30


# --------------------------------------------------------------------------- logs


def test_log_finds_a_held_spot_and_a_session_over_its_limit():
    limit = headline_limit("ln2_cryomassage").max_s
    spot = next(lim for lim in time_limits("ln2_cryomassage") if lim.kind == SPOT).max_s
    log = [
        LogEvent("A", "face", 0, limit / 2),
        LogEvent("B", "face", limit / 2, spot * 4, spot="chin"),
        LogEvent("C", "neck", limit / 2 + spot * 4, spot / 2, spot="left jaw"),
        LogEvent("D", "neck", limit / 2 + 10, limit / 2),
    ]
    violations = check_log("cryomassage", log)
    assert violating_labels(violations) == ("B", "D")
    assert [v.kind for v in violations] == [SPOT, SESSION]
    assert all(v.sources and v.basis_kind for v in violations)


def test_log_reports_each_limit_once_and_in_time_order():
    limit = headline_limit("ln2_cryomassage").max_s
    log = [LogEvent("Z", "face", limit, 60), LogEvent("Y", "face", 0, limit)]
    assert violating_labels(check_log("cryomassage", log)) == ("Z",)


def test_log_over_several_days_checks_the_gap():
    gap = min_interval_days("ln2_cryomassage")
    log = [LogEvent("A", "face", 0, 60, day=1), LogEvent("B", "face", 0, 60, day=1 + gap),
           LogEvent("C", "face", 0, 60, day=gap + gap)]
    violations = check_log("cryomassage", log)
    assert [(v.kind, v.label, v.unit) for v in violations] == [("interval", "C", "days")]
    assert violations[0].allowed == gap


def test_chamber_log():
    cold = next(lim for lim in time_limits("cryosauna") if lim.kind == COLD_CHAMBER)
    event = LogEvent("A", "whole_body", 0, cold.max_s + 1)
    assert check_log("cryosauna", [event], chamber_temp_c=cold.colder_than_c - 1)
    assert not check_log("cryosauna", [event], chamber_temp_c=cold.colder_than_c + 1)


def test_bad_logs_get_plain_messages():
    with pytest.raises(TimingError, match="own label"):
        check_log("cryomassage", [LogEvent("A", "face", 0, 1), LogEvent("A", "neck", 1, 1)])
    with pytest.raises(TimingError, match="LogEvent"):
        check_log("cryomassage", [("A", "face", 0, 1)])
    with pytest.raises(TimingError, match="day"):
        check_log("cryomassage", [LogEvent("A", "face", 0, 1, day=0)])
    assert check_log("cryomassage", []) == ()


# --------------------------------------------------------------------------- courses


def test_plan_course_dates_and_spacing():
    gap = min_interval_days("cryomassage")
    course = plan_course("cryomassage", date(2025, 10, 6), sessions=4, interval_days=gap)
    assert course.ok and course.gaps_days == (gap, gap, gap)
    assert course.dates[0] == date(2025, 10, 6)
    too_close = plan_course("cryomassage", "2025-10-06", sessions=3, interval_days=gap - 1)
    assert [v.label for v in too_close.violations] == [d.isoformat() for d in too_close.dates[1:]]


def test_session_counts_are_notes_never_violations():
    low, high = _modality("ln2_cryomassage").sessions
    gap = min_interval_days("cryomassage")
    course = plan_course("cryomassage", "2025-01-06", sessions=high + 5, interval_days=gap)
    assert course.ok
    assert any("efficacy claim" in note for note in course.notes)


def test_course_for_a_modality_without_spacing_invents_none():
    course = plan_course("cold air", "2025-01-06", sessions=3, interval_days=1)
    assert course.ok and course.min_interval_days is None
    assert any("does not invent" in note for note in course.notes)


def test_check_course_sorts_dates_and_finds_the_early_one():
    dates = ["2025-10-20", "2025-10-06", "2025-10-13", "2025-10-24"]
    [violation] = check_course("cryomassage", dates)
    assert violation.label == "2025-10-24" and violation.actual == 4


@pytest.mark.parametrize("kwargs, message", [
    ({"start": "6 October", "sessions": 3, "interval_days": 7}, "year-month-day"),
    ({"start": "2025-10-06", "sessions": 0, "interval_days": 7}, "number of sessions"),
    ({"start": "2025-10-06", "sessions": 3, "interval_days": 7.5}, "days between"),
])
def test_bad_course_input_gets_a_plain_message(kwargs, message):
    with pytest.raises(TimingError, match=message):
        plan_course("cryomassage", **kwargs)


# --------------------------------------------------------------------------- words


def test_duration_and_source_labels():
    assert duration_text(45) == "45 s"
    assert duration_text(180) == "3 min"
    assert duration_text(324) == "5 min 24 s"
    assert duration_text(3600) == "1 h"
    assert source_label("001_6f82df9865416c89.txt") == "S1"
    assert "2014" in source_label("selfe2014")
    assert source_label("not-a-source") == "not-a-source"


def test_every_simulator_preset_of_a_course_modality_keeps_the_course_time_limit():
    """The simulator never demonstrates, as routine, a session the course forbids."""
    from course.models.physiology import PRESETS
    from course.models.timing import TimingError, remaining_seconds

    for name, preset in PRESETS.items():
        if preset.modality is None:
            continue  # reference exposures (ice pack, cooling pad), not course modalities
        chamber = preset.exposure.agent_temp_c if preset.modality == "cryosauna" else None
        try:
            area = preset.exposure.site if preset.exposure.site in load().sites else ""
            left = remaining_seconds(preset.modality, 0, chamber_temp_c=chamber, area=area)
        except TimingError:
            continue  # physician-only modality: never timed by a cosmetologist
        assert preset.exposure.duration_s <= left, name
