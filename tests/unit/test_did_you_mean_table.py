"""The "did you mean" threshold, proved by a table of real misspellings and near-misses.

Typos a trainee makes must get the right suggestion; different words that happen to share
letters ("wart" and "watch", an alias of metal jewellery) must get none, because a wrong
suggestion can point at an unrelated or unsafe answer.
"""

from __future__ import annotations

import pytest

from course.foundation.names import did_you_mean
from course.models.screening import find_finding, finding_names

TYPOS = [
    ("defered", "defer"), ("lesoin", "lesion"), ("epilepsey", "epilepsy"),
    ("rosacia", "rosacea"), ("pacemker", "pacemaker"), ("refere", "refer"),
    ("modfy", "modify"), ("proced", "proceed"), ("diabets", "diabetes"),
    ("preganncy", "pregnancy"), ("psorasis", "psoriasis"), ("eczma", "eczema"),
    ("wrat", "wart"), ("mloe", "mole"), ("tatoo", "tattoo"), ("jewelery", "jewellery"),
    ("cryoelectroforesis", "cryoelectrophoresis"), ("Raynoud", "raynaud"),
]

NEAR_MISSES = [
    ("wart", "watch"), ("postponed", "proceed"), ("cosmetician", "physician"),
    ("refuse", "defer"), ("herpes", "hernia"), ("acne", "acute"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPOS)
def test_a_typo_gets_the_word_it_misspells(typed: str, meant: str) -> None:
    assert did_you_mean(typed, [meant, "unrelated words"]) == [meant]


@pytest.mark.parametrize(("typed", "other"), NEAR_MISSES)
def test_a_different_word_that_shares_letters_gets_no_suggestion(typed: str, other: str) -> None:
    assert did_you_mean(typed, [other]) == []


@pytest.mark.parametrize("words", ["wart", "warts", "papilloma", "skin tag"])
def test_the_clients_own_word_for_a_wart_is_the_finding(words: str) -> None:
    assert find_finding(words) == "benign_lesion_at_site"


@pytest.mark.parametrize("words", ["remove wart", "remove lesion", "wart removal"])
def test_the_clients_own_words_for_a_removal_request_are_the_finding(words: str) -> None:
    assert find_finding(words) == "lesion_removal_request"


def test_wart_is_never_offered_the_jewellery_alias() -> None:
    spellings = [*finding_names(), *finding_names().values(), "watch", "metal jewellery"]
    assert "watch" not in did_you_mean("wart", spellings)
