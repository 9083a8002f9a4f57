"""Every question in the course, checked the same way, without nbgrader.

The reference answer earns full marks, each declared known-wrong answer earns exactly its
fraction, marked questions have points and known-wrong answers, practice questions have
hints and an explanation. (tests/grading/test_graders.py proves the same through real nbgrader.)
"""

import pytest

from course.exercises import all_items

ITEMS = list(all_items().values())


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_reference_is_right_and_known_wrong_answers_earn_their_fraction(item):
    assert item.score(item.expected()).fraction == 1
    for wrong in item.wrong:
        assert item.score(wrong.answers).fraction == pytest.approx(wrong.fraction)
    if item.graded:
        assert item.wrong and item.points > 0
    else:
        assert item.points == 0 and item.hints and item.explanation


def test_every_item_id_starts_with_its_lessons_prefix():
    from course.exercises import LESSON_PREFIXES, lesson_items

    for module_name, prefix in LESSON_PREFIXES.items():
        assert all(item_id.startswith(prefix) for item_id in lesson_items(module_name))
