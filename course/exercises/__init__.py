"""The course's questions, declared as data, one module per lesson.

Every item's id is also the ``grade_id`` of its nbgrader grade cell.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from course.answers import AnswerFormatError, Item, did_you_mean

LESSON_MODULES = (
    "orientation",
    "physiology",
    "timing",
    "modalities",
    "aftercare",
    "contraindications",
    "screening_cases",
)


class UnknownItemError(LookupError):
    """An item id that no lesson declares."""


@cache
def all_items() -> dict[str, Item]:
    """Every declared item, by id (ids are unique across the course)."""
    items: dict[str, Item] = {}
    for module_name in LESSON_MODULES:
        module = import_module(f"{__name__}.{module_name}")
        for item in module.ITEMS:
            if item.id in items:
                raise AnswerFormatError(f"Two questions share the id {item.id!r}.")
            items[item.id] = item
    return items


def item(item_id: str) -> Item:
    """Look up one item by id, suggesting close ids for a typo."""
    items = all_items()
    if item_id in items:
        return items[item_id]
    close = did_you_mean(item_id, items)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownItemError(f"There is no question called {item_id!r}.{hint}")
