"""Lesson 07's knowledge: every safe-practice fact names known sources and what it rests on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.facts.knowledge import KnowledgeError, load, packaged_data_directory
from course.facts.safe_practice import (
    STATUS_LABELS,
    STATUSES,
    TOPICS,
    find_emergency,
    load_directory,
    oxygen_effect,
    record_fields,
    rules_about,
    safe_practice,
    step_spellings,
)
from course.models.session_record import SessionRecord, field_names, header_rows, missing_fields
from course.models.timing import LogEvent

SEEDS = Path("/work/shared/seeds")


def test_every_entry_names_sources_the_course_knows():
    practice = safe_practice()
    sources = load().sources
    entries = [*practice.rules.values(), *practice.emergencies.values(),
               *practice.record_fields.values(), *practice.seed_claims.values(),
               *practice.oxygen_levels]
    for entry in entries:
        assert entry.sources and all(code in sources for code in entry.sources), entry
    for fact in (practice.oxygen.deficiency, practice.oxygen.evacuate, practice.oxygen.expansion):
        assert fact.sources and fact.status in STATUSES


def test_every_topic_is_taught_and_every_status_is_explained():
    for topic in TOPICS:
        if topic != "emergency":  # emergencies have their own table
            assert rules_about(topic), topic
    used = {rule.status for rule in safe_practice().rules.values()}
    assert used == set(STATUSES) and set(STATUS_LABELS) == set(STATUSES)


def test_vendor_practice_is_named_as_such():
    """A rule resting only on vendor practice cites a vendor, not a paper it does not have."""
    for rule in safe_practice().rules.values():
        if rule.status == "vendor":
            assert any("vendor" in load().sources[c].authors.lower()
                       or load().sources[c].kind == "seed" or c in ("fda2016_consumer_update",
                                                                     "operator_death_2015")
                       for c in rule.sources), rule.code


def test_the_s1_claim_is_quoted_exactly_and_answered_with_published_sources():
    claim = safe_practice().seed_claims["s1_no_infection_risk"]
    assert load().sources[claim.seed].short == "S1"
    seed = SEEDS / claim.seed
    if seed.exists():
        assert claim.quote in seed.read_text(encoding="utf-8")
    assert {"jones_darville1989", "hsv_ln2_swabs1986", "tabrizi_garland1996"} <= set(
        claim.sources)
    assert "Wrong" in claim.verdict


def test_oxygen_numbers_and_levels():
    oxygen = safe_practice().oxygen
    assert (oxygen.fresh_percent, oxygen.deficiency_percent) == (20.9, 19.5)
    assert "osha_1910_134" in oxygen.deficiency.sources
    levels = safe_practice().oxygen_levels
    assert levels[0].below_percent == oxygen.deficiency_percent
    assert all(a.down_to_percent == b.below_percent
               for a, b in zip(levels, levels[1:], strict=False))
    assert oxygen_effect(20.9) == "Normal air for breathing."
    assert "death" in oxygen_effect(4.0) and "judgement" in oxygen_effect(13.0)


def test_emergencies_name_known_steps_and_never_list_a_forbidden_one():
    practice = safe_practice()
    for emergency in practice.emergencies.values():
        assert all(code in practice.steps for code in emergency.steps)
        assert not any(practice.steps[code].never for code in emergency.steps)
        assert emergency.critical[-1] == "record_incident" or emergency.code == "eye_splash" \
            or emergency.critical[-1] in emergency.steps
    assert find_emergency("oxygen_alarm").steps[:3] == ("stop_session", "client_out",
                                                         "leave_room")
    assert "go_in_to_help" not in find_emergency("collapse_in_nitrogen_room").steps
    assert step_spellings()["epipen"] == "adrenaline_if_prescribed"


def test_frostbite_first_aid_follows_the_published_advice():
    cold_burn = find_emergency("cold_burn")
    assert cold_burn.sources == ("nhs_frostbite",)
    order = cold_burn.steps
    assert order.index("jewellery_off") < order.index("warm_water")
    never = {code for code, step in safe_practice().steps.items() if step.never}
    assert {"rub_the_skin", "direct_heat"} <= never


def test_session_record_fields_are_the_data_fields():
    assert field_names() == tuple(f.code for f in record_fields("session"))
    assert record_fields("incident")
    empty = SessionRecord()
    assert {f.code for f in missing_fields(empty)} == set(field_names())
    full = SessionRecord("client 0412", "2025-10-06 10:00", "A. Trainee", "cryomassage, face",
                         "swab on a stick", (LogEvent("A", "face", 0, 60),), "questionnaire",
                         "pink, settled in 20 min")
    assert missing_fields(full) == ()
    assert dict(header_rows(SessionRecord(operator="  ")))["Operator"] == "not recorded"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(packaged_data_directory(), folder)
    return folder


@pytest.mark.parametrize(("old", "new", "message"), [
    ('topic = "flask"\n', 'topic = "rumours"\n', "unknown topic"),
    ('sources = ["bcga_cp30"]\n', 'sources = ["nobody2099"]\n', "unknown source"),
    ('critical = ["rinse_eye", "medical_help", "record_incident"]',
     'critical = ["medical_help", "rinse_eye"]', "same order"),
    ('steps = ["rinse_eye", "medical_help", "record_incident"]',
     'steps = ["rinse_eye", "rub_the_skin", "medical_help", "record_incident"]',
     "never be done"),
])
def test_bad_data_gets_a_message_naming_the_entry(tmp_path, old, new, message):
    folder = _copy(tmp_path)
    path = folder / "safety.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        load_directory(folder)


def test_lesson_03_session_log_is_a_complete_record_that_gives_nothing_away():
    from course.exercises.timing import CRYOMASSAGE_LOG, CRYOMASSAGE_RECORD
    from course.views.timing import record_table

    assert CRYOMASSAGE_RECORD.times == CRYOMASSAGE_LOG
    assert missing_fields(CRYOMASSAGE_RECORD) == ()
    html = record_table(CRYOMASSAGE_RECORD)
    assert all(f"<b>{event.label}</b>" in html for event in CRYOMASSAGE_LOG)
    assert "⚠" not in html and "over the limit" not in html and "Operator" in html


def test_anaphylaxis_puts_the_auto_injector_before_the_call_and_warms_the_client():
    """Review of a742ee2, E4 (Anaphylaxis UK, NHS, Resuscitation Council UK)."""
    reaction = find_emergency("cold_urticaria_reaction")
    critical = list(reaction.critical)
    assert critical.index("adrenaline_if_prescribed") < critical.index("call_emergency")
    assert "warm_client" in reaction.steps
    assert {"anaphylaxis_uk_emergency", "resus_council_anaphylaxis"} <= set(reaction.sources)


def test_a_faint_that_is_not_breathing_normally_gets_cpr_and_an_aed():
    """Review of a742ee2, E4 (St John Ambulance, Resuscitation Council UK): no waiting."""
    faint = find_emergency("faint_in_cabin")
    assert faint.critical.index("check_client") < faint.critical.index("cpr_if_not_breathing")
    assert "AED" in safe_practice().steps["cpr_if_not_breathing"].name
    assert "not breathing normally" in faint.call_emergency_when
    assert "minute or two" not in faint.call_emergency_when


def test_every_local_cold_starts_with_a_warm_cold_and_touch_test():
    """Review of a742ee2, section 5 item 5: the test is taught for all local cold, not only
    under diabetes; Lena's cabin checklist (lesson 07 Q6) does not offer it."""
    from course.exercises.safe_practice import CHECKLIST
    from course.facts.safe_practice import find_rule

    rule = find_rule("sensation_test")
    assert rule.topic == "preparation" and "not only for a client with diabetes" in rule.text
    assert "sensation_test" not in CHECKLIST
