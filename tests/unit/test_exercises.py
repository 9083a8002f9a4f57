"""Every question in the course, checked the same way, without nbgrader.

The reference answer earns full marks, each declared known-wrong answer earns exactly its
fraction, marked questions have points and known-wrong answers, practice questions have
hints, and every question has a reason in plain words that never contradicts an answer it
accepts; a marked question's check reveals neither its correctness nor its reason.
(tests/grading/test_graders.py proves the marks through real nbgrader, and
tests/grading/test_teaching_feedback.py that the feedback shows the reasons.)
"""

import re

import pytest

from course.checks import check
from course.exercises import all_items
from tests.nbgrader_harness import REPO

ITEMS = list(all_items().values())


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_reference_is_right_and_known_wrong_answers_earn_their_fraction(item):
    assert item.score(item.expected()).fraction == 1
    for wrong in item.wrong:
        assert item.score(wrong.answers).fraction == pytest.approx(wrong.fraction)
    if item.graded:
        assert item.wrong and item.points > 0
    else:
        assert item.points == 0 and item.hints and item.reason()


def test_every_item_id_starts_with_its_lessons_prefix():
    from course.exercises import LESSON_PREFIXES, lesson_items

    for module_name, prefix in LESSON_PREFIXES.items():
        assert all(item_id.startswith(prefix) for item_id in lesson_items(module_name))


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_every_question_has_a_short_plain_reason(item):
    reason = item.reason()
    assert reason, f"{item.id} has no reason for its answer"
    assert len(reason) <= 900, f"{item.id}: the reason is {len(reason)} characters long"
    # words, not code: no answer variable, no placeholder, no Python value left in it
    assert not re.search(r"[{}]|\bNone\b|\bself\.|_answer\b", reason), reason
    assert not any(f"`{name}`" in reason for name in item.answers), reason


def _quoted(value: object) -> list[str]:
    """How a reason names another accepted answer: a word in quotes, or the number itself."""
    values = value if isinstance(value, list | tuple) else [value]
    return [f"'{v}'" if isinstance(v, str) else f"{v:g}" for v in values
            if isinstance(v, str) or (isinstance(v, int | float) and not isinstance(v, bool))]


@pytest.mark.parametrize("item", [i for i in ITEMS if i.accepted], ids=lambda i: i.id)
def test_a_reason_names_every_other_answer_the_question_accepts(item):
    """A reason that said only the reference is right would contradict the key."""
    reason, expected = item.reason(), item.expected()
    for accepted in item.accepted:
        for name, value in accepted.answers.items():
            if value != expected[name]:
                assert any(word in reason for word in _quoted(value)), (item.id, value)


def test_every_assessment_client_reason_names_its_alternatives():
    """Assessment 05: each trainee's own clients, their accepted alternatives included."""
    from course.exercises.screening_cases import case_item_id
    from course.models.variants import ASSESSMENT, marking_as, my_variant

    for key in ("trainee0:k", "trainee1:k", "trainee2:k"):
        with marking_as(key):
            for client in my_variant(ASSESSMENT).clients:
                reason = all_items()[case_item_id(client.number)].reason()
                assert reason.startswith(f"This client: {client.case.treatment} today")
                for alternative in client.case.alternatives:
                    assert f"'{alternative.answer}'" in reason, (client.template, alternative)


GRADED = [i for i in ITEMS if i.graded]


@pytest.mark.parametrize("item", GRADED, ids=lambda i: i.id)
def test_a_marked_questions_check_reveals_neither_correctness_nor_reason(item):
    right = check(item.id, **item.expected())
    wrongs = [check(item.id, **wrong.answers) for wrong in item.wrong]
    assert right.status == "well formed" and repr(right) == repr(wrongs[0])
    assert all(repr(said) == repr(right) for said in wrongs)
    assert item.reason() not in repr(right)


def _reason_fragments(text: str) -> list[str]:
    """The longer sentences of a reason (a short one may also be lesson narrative)."""
    return [part for part in re.split(r"(?<=[.:;])\s", text) if len(part) > 60]


@pytest.mark.parametrize("item", GRADED, ids=lambda i: i.id)
def test_released_notebooks_hold_no_marked_questions_reason(item):
    """Nothing written into a released notebook (cells, outputs, metadata) gives a marked
    question's reason away before it is submitted."""
    released = "\n".join(path.read_text(encoding="utf-8")
                         for path in sorted((REPO / "release").glob("*/*.ipynb")))
    for fragment in _reason_fragments(item.reason()):
        assert fragment not in released and fragment.replace('"', '\\"') not in released, (
            item.id, fragment)
