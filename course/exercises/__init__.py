"""The course's questions, declared as data, one module per lesson.

Every item's id is also the ``grade_id`` of its nbgrader grade cell.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from course.facts.knowledge import Word, load
from course.questions.kinds import AuthoringError, Choice, Item, did_you_mean

# Each lesson's module and the prefix every one of its item ids starts with: a notebook's
# check() then builds only its own lesson's questions (a kernel per submission stays light).
LESSON_PREFIXES = {
    "orientation": "orientation_",
    "physiology": "physiology_",
    "timing": "timing_",
    "modalities": "modalities_",
    "aftercare": "aftercare_",
    "contraindications": "contra_",
    "screening_cases": "cases_",
    "safe_practice": "safety_",
}
LESSON_MODULES = tuple(LESSON_PREFIXES)


def _vocabulary(words: dict[str, Word]) -> Choice:
    """A Choice of codes whose names and aliases (decisions.toml) are accepted too."""
    aliases = {spelling: code for code, word in words.items()
               for spelling in (word.name, *word.aliases)}
    return Choice(tuple(words), aliases=aliases,
                  names={code: word.name for code, word in words.items()},
                  meanings={code: word.meaning for code, word in words.items()})


# The two parts of a screening decision, as answer kinds: the five treatment words
# ("postponed" is "defer") and the referral ("none" or who; "family doctor" is "gp").
TREATMENT = _vocabulary(dict(load().treatments))
REFERRAL = _vocabulary(dict(load().referrals))


class UnknownItemError(AuthoringError, LookupError):
    """An item id that no lesson declares (a notebook naming a question that does not exist)."""


@cache
def lesson_items(module_name: str) -> dict[str, Item]:
    """The items one lesson module declares, by id."""
    module = import_module(f"{__name__}.{module_name}")
    return {item.id: item for item in module.ITEMS}


@cache
def all_items() -> dict[str, Item]:
    """Every declared item, by id (ids are unique across the course)."""
    items: dict[str, Item] = {}
    for module_name in LESSON_MODULES:
        for item_id, declared in lesson_items(module_name).items():
            if item_id in items:
                raise AuthoringError(f"Two questions share the id {item_id!r}.")
            items[item_id] = declared
    return items


def item(item_id: str) -> Item:
    """Look up one item by id (its lesson first), suggesting close ids for a typo."""
    for module_name, prefix in LESSON_PREFIXES.items():
        if item_id.startswith(prefix) and item_id in lesson_items(module_name):
            return lesson_items(module_name)[item_id]
    items = all_items()
    if item_id in items:
        return items[item_id]
    close = did_you_mean(item_id, items)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownItemError(f"There is no question called {item_id!r}.{hint}")
