"""The fourth clinical review's serious misreadings (docs/reviews/clinical-review-34ca7e8.md,
section 2, items 1-4): a checklist's answer binds only its own name, a relative named in a
client's own sentence does not make the condition the relative's, and a hedge is doubt, never
a "no". Each line is screened in the chamber as the reviewer screened it."""

from __future__ import annotations

import pytest

from course.models.intake_reading import read_line
from course.models.screening import screen

pytestmark = pytest.mark.unit


def _chamber(text: str):
    return screen({"conditions": [text], "age": 30, "weight_kg": 60}, "cryosauna")


@pytest.mark.parametrize("text", ["Pregnant: Yes. Epilepsy: No",
                                  "Pregnant: yes 8 wks. Anything else: no",
                                  "Pregnant: I think not", "Pregnant: probably not",
                                  "Pregnant: hope not!", "not pregnant as far as I know",
                                  "my mum says I'm pregnant lol, test Friday"])
def test_a_pregnancy_said_or_possible_is_refused_in_the_chamber(text):
    decision = _chamber(text)
    assert decision.treatment == "refuse", decision
    assert "pregnancy" in decision.finding_codes


@pytest.mark.parametrize("text", ["I have Raynaud's which runs in the family",
                                  "Raynaud's (family history too)"])
def test_the_clients_own_condition_stays_theirs_when_the_family_has_it_too(text):
    assert [(r.code, r.negated) for r in read_line(text)] == [("raynauds", False)]
    assert _chamber(text).treatment == "refuse"


def test_a_relatives_condition_given_to_the_client_as_well_is_the_clients():
    readings = read_line("mum has epilepsy, so do I")
    assert ("epilepsy", False) in [(r.code, r.negated) for r in readings]
    assert _chamber("mum has epilepsy, so do I").treatment == "refuse"


@pytest.mark.parametrize("text", ["partner says I had a seizure in my sleep last week",
                                  "husband noticed I faint when I stand up quickly",
                                  "son born 5 weeks ago by c-section"])
def test_a_sentence_that_opens_with_a_relative_is_never_read_as_nothing(text):
    decision = _chamber(text)
    assert decision.treatment != "proceed", decision
    assert not any(r.negated for r in read_line(text))


def test_an_answer_binds_only_its_own_name():
    readings = read_line("Pregnant: No. Breastfeeding: Yes")
    assert [(r.code, r.negated) for r in readings] == [("pregnancy", True),
                                                       ("breastfeeding", False)]


@pytest.mark.parametrize(("text", "code"), [("nan had a stroke", "stroke"),
                                            ("mum has epilepsy", "epilepsy"),
                                            ("family history of heart disease",
                                             "heart_disease"),
                                            ("Epilepsy: none known", "epilepsy")])
def test_a_relatives_condition_or_none_known_is_not_the_clients(text, code):
    assert [(r.code, r.negated) for r in read_line(text)] == [(code, True)]
