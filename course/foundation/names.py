"""Forgiving name matching, shared by every module that accepts a name typed by a person.

The lowest layer of the package: it imports nothing from the course.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def normalise_name(text: str) -> str:
    """Lower-case, drop apostrophes, turn other punctuation into spaces, squeeze spaces."""
    text = re.sub(r"['\u2019\u2018`]", "", text.lower())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


# Typos score 0.75 and more ("defered"/"defer" 0.83, a swapped pair in a short word such as
# "wrat"/"wart" 0.75); different words that share letters score 0.67 or less
# ("wart"/"watch" 0.67, "postponed"/"proceed" 0.5, "cosmetician"/"physician" 0.6) and must
# never be suggested: a wrong "did you mean" can point at the opposite, unsafe answer.
# tests/unit/test_did_you_mean_table.py holds the table of real misspellings that proves it.
SIMILAR_ENOUGH = 0.75


def did_you_mean(word: str, choices: Iterable[str], limit: int = 3,
                 cutoff: float = SIMILAR_ENOUGH) -> list[str]:
    """Up to ``limit`` of ``choices`` that look like ``word`` (compared in normalised form)."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(normalise_name(choice), choice)
    close = difflib.get_close_matches(normalise_name(str(word)), list(by_key), n=limit,
                                      cutoff=cutoff)
    return [by_key[key] for key in close]


def duration_text(seconds: float) -> str:
    """A duration in plain words: 45 -> "45 s", 90 -> "90 s", 180 -> "3 min",
    324 -> "5 min 24 s", 3600 -> "1 h" (under two minutes, seconds read best)."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds < 120:
        return f"{seconds:g} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:g} min {rest:g} s" if rest else f"{minutes:g} min"


def first_and_last(name: str) -> tuple[str, str]:
    """``"Ana Maria Lopes"`` -> ("Ana Maria", "Lopes"); a single word is the last name."""
    words = name.split()
    return " ".join(words[:-1]), words[-1] if words else ""
