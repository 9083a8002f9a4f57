"""A question's premises are written once, on its item; every notebook's question text states them.

An item's ``premises`` are the givens its expected answer is built on (lesson 00's client has
waited no time; lesson 07's flask holds 10 litres). The question's markdown, in the source
notebook and in its release, must state each one, so the text and the key cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from course.exercises import all_items
from course.exercises.orientation import WAITED_MINUTES, waited_words
from course.facts.knowledge import load
from course.questions.kinds import Item

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "source").glob("*/*.ipynb")) + sorted(
    (REPO / "release").glob("*/*.ipynb"))
WITH_PREMISES = [item for item in all_items().values() if item.premises]


def _question_texts(item: Item) -> dict[Path, str]:
    """The markdown just before the item's answer cell, in every notebook that asks it."""
    found: dict[Path, str] = {}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for index, cell in enumerate(cells):
            if cell.metadata.get("nbgrader", {}).get("grade_id") == f"{item.id}_answer":
                found[path.relative_to(REPO)] = cells[index - 1].source
    return found


def test_the_premises_of_lessons_00_01_03_and_07_are_declared() -> None:
    lessons = {item.id.split("_")[0] for item in WITH_PREMISES}
    assert {"orientation", "physiology", "timing", "safety"} <= lessons


@pytest.mark.parametrize("item", WITH_PREMISES, ids=lambda item: item.id)
def test_every_notebook_states_the_premises_of_its_question(item: Item) -> None:
    texts = _question_texts(item)
    assert {path.parts[0] for path in texts} == {"source", "release"}, texts
    for path, text in texts.items():
        for premise in item.premises:
            assert premise in text, f"{path}: {item.id}: the text does not say {premise!r}"


def test_lesson_00_question_3_key_follows_its_premise() -> None:
    item = all_items()["orientation_observation_minutes"]
    assert WAITED_MINUTES == 0 and waited_words() == "has just ended"
    observe = load().modalities["ln2_cryomassage"].observation_minutes
    assert item.expected() == {"more_minutes": observe - WAITED_MINUTES}
