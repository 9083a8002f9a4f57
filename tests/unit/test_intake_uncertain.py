"""A client who does not know is never read as a client who does not have it (code review of
the intake reader: "not sure if I have diabetes" was read as "no diabetes"); a negation covers
only its own item ("no pacemaker but epilepsy")."""

from __future__ import annotations

import pytest

from course.models.intake_reading import read_line
from course.models.screening import screen

pytestmark = pytest.mark.unit

UNSURE = ["not sure if I have diabetes", "no idea if pregnant", "never checked for diabetes",
          "might be pregnant", "don't know", "Unsure about blood pressure",
          "never been tested for diabetes", "waiting for results"]


@pytest.mark.parametrize("text", UNSURE)
def test_not_knowing_is_not_understood_and_never_a_no(text):
    readings = read_line(text)
    assert readings and all(not r.negated and r.code is None for r in readings), readings
    assert all(not r.understood for r in readings)


@pytest.mark.parametrize("text", ["no idea if pregnant", "not sure if I have diabetes"])
@pytest.mark.parametrize("modality", ["cryosauna", "cryo_facial"])
def test_not_knowing_means_no_cold_today(text, modality):
    decision = screen({"conditions": [text], "age": 40, "weight_kg": 70}, modality)
    assert decision.treatment != "proceed", decision
    assert "unclear_item" in decision.finding_codes


def test_the_unsure_item_offers_the_name_to_ask_about():
    (reading,) = read_line("no idea if pregnant")
    assert reading.suggestion == "Pregnancy"


@pytest.mark.parametrize("text", ["no pacemaker but epilepsy", "no pacemaker, epilepsy",
                                  "no pacemaker except epilepsy"])
def test_a_negation_covers_its_own_item_only(text):
    readings = {r.code: r.negated for r in read_line(text)}
    assert readings == {"pacemaker": True, "epilepsy": False}, readings


@pytest.mark.parametrize("text", ["no diabetes", "not diabetic", "never had epilepsy"])
def test_a_plain_no_is_still_a_no(text):
    assert all(r.negated for r in read_line(text))
