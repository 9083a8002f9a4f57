"""What a client writes on a form read as they mean it (code review and the third clinical
review of the intake reader): not knowing is never "does not have it", a condition named with
uncertainty is treated as present until known, a checklist's "No" is a no, a relative's
condition is not the client's, and a negation covers its own item only."""

from __future__ import annotations

import pytest

from course.models.intake_reading import read_line
from course.models.screening import screen

pytestmark = pytest.mark.unit

UNSURE = [("not sure if I have diabetes", "diabetes"), ("no idea if pregnant", "pregnancy"),
          ("never checked for diabetes", "diabetes"), ("might be pregnant", "pregnancy"),
          ("could be pregnant", "pregnancy"), ("possibly pregnant", "pregnancy"),
          ("never been tested for diabetes", "diabetes")]


@pytest.mark.parametrize(("text", "code"), UNSURE)
def test_a_condition_named_with_doubt_is_present_until_known(text, code):
    readings = read_line(text)
    assert [(r.code, r.negated) for r in readings] == [(code, False)], readings
    assert readings[0].how == "uncertain"


@pytest.mark.parametrize("text", ["don't know", "not sure", "waiting for results"])
def test_doubt_about_nothing_named_is_not_understood(text):
    readings = read_line(text)
    assert readings and all(r.code is None and not r.negated for r in readings), readings


@pytest.mark.parametrize("text", ["not sure if pregnant, period late", "might be pregnant",
                                  "no idea if pregnant"])
def test_a_possible_pregnancy_is_refused_in_the_chamber(text):
    decision = screen({"conditions": [text], "age": 30, "weight_kg": 60}, "cryosauna")
    assert decision.treatment == "refuse", decision
    assert "pregnancy" in decision.finding_codes


@pytest.mark.parametrize(("text", "code"), [
    ("Pregnant: No", "pregnancy"), ("Epilepsy: no", "epilepsy"),
    ("blood thinners: no", "bleeding_disorder"), ("Raynaud's: N", "raynauds"),
    ("cold urticaria? no", "cold_urticaria"), ("Diabetes - none", "diabetes"),
    ("definitely not pregnant", "pregnancy"), ("seizures: never", "epilepsy")])
def test_a_checklist_no_is_a_no(text, code):
    assert [(r.code, r.negated) for r in read_line(text)] == [(code, True)]
    decision = screen({"conditions": [text], "age": 30, "weight_kg": 60}, "cryosauna")
    assert decision.treatment == "proceed" and not decision.finding_codes, decision


def test_a_checklist_yes_is_the_condition():
    assert [(r.code, r.negated) for r in read_line("Pregnant: yes")] == [("pregnancy", False)]


@pytest.mark.parametrize(("text", "code"), [
    ("mum has epilepsy", "epilepsy"), ("my father had a stroke", "stroke"),
    ("family history of heart disease", "heart_disease"),
    ("diabetes runs in the family", "diabetes")])
def test_a_relative_s_condition_is_not_the_client_s(text, code):
    assert [(r.code, r.negated) for r in read_line(text)] == [(code, True)]


def test_a_relative_named_after_the_client_s_condition_leaves_it_the_client_s():
    assert [(r.code, r.negated) for r in read_line("epilepsy like my mum")] == [
        ("epilepsy", False)]


@pytest.mark.parametrize("text", ["no pacemaker but epilepsy", "no pacemaker, epilepsy",
                                  "no pacemaker except epilepsy"])
def test_a_negation_covers_its_own_item_only(text):
    readings = {r.code: r.negated for r in read_line(text)}
    assert readings == {"pacemaker": True, "epilepsy": False}, readings


@pytest.mark.parametrize("text", ["no diabetes", "not diabetic", "never had epilepsy"])
def test_a_plain_no_is_still_a_no(text):
    assert all(r.negated for r in read_line(text))
