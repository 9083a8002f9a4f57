"""The functions a lesson notebook calls: check() and hint() for trainees, grade() for tests.

These run inside the trainee's kernel, so they are a convenience, not the authority:
during autograding the instructor-side ``TrustedScores`` preprocessor
(``course.nbgrader_plugins.autograde.trusted_scores``) re-marks every item from the notebook's
source text.
Both read the answers with ``course.questions.reader``, by the same rule.
"""

from __future__ import annotations

import os
from collections import defaultdict

from course.exercises import item as find_item
from course.questions.friendly_errors import PlainError
from course.questions.friendly_errors import install as install_plain_errors
from course.questions.in_kernel import (
    MARKS,
    CheckResult,
    HintResult,
    form_only,
    kernel_answers,
)
from course.questions.kinds import NOT_ATTEMPTED, AnswerFormatError, Answers, Item, Score, Status

_hints_shown: defaultdict[str, int] = defaultdict(int)
install_plain_errors()  # "put it in quotes" instead of a NameError traceback


class AnswerIncorrect(AssertionError):
    """Raised by grade() when an answer earns no points (the message is for the trainee)."""


def _score(item_id: str, answers: Answers) -> tuple[Item, Score]:
    item = find_item(item_id)
    try:
        raw = dict(answers) if answers else kernel_answers(item.answers)
    except AnswerFormatError as problem:
        return item, Score(0.0, Status.MALFORMED, (str(problem),))
    return item, item.score(raw)


def check(item_id: str, **answers: object) -> CheckResult:
    """Check an answer. Graded questions: only whether it is well formed. Practice: also right."""
    item, score = _score(item_id, answers)
    unmarkable = score.status in (Status.NOT_ATTEMPTED, Status.MALFORMED)
    if item.graded or unmarkable:
        return form_only(item, score if unmarkable else None)
    if score.status == Status.CORRECT:
        return CheckResult("correct", f"Correct! {item.reason()}".strip())
    more = " Run the hint cell for a hint." if item.hints else ""
    return CheckResult(score.status, f"{score.message}{more}")


def hint(item_id: str) -> CheckResult:
    """Show the next hint for a question (one more each time it is run, then from the first
    again, so a Run All that showed hint 1 never leaves the cell stuck on the last one)."""
    item = find_item(item_id)
    if not item.hints:
        return CheckResult("hint", "No hints for this question: reread the lesson above.")
    count = len(item.hints)
    shown = _hints_shown[item_id] % count
    _hints_shown[item_id] = shown + 1
    if count == 1:
        more = ""
    elif shown + 1 < count:
        more = f" (Run this cell again for hint {shown + 2}.)"
    else:
        more = " (That was the last hint: running this cell again starts from hint 1.)"
    number = f"Hint {shown + 1} of {count}" if count > 1 else "Hint"
    return HintResult("hint", f"{number}: {item.hints[shown]}{more}",
                      summary=f"Show {number[0].lower()}{number[1:]}")


class NotReadyToSubmit(PlainError):
    """A marked question that validation finds unanswered or unreadable."""


def ready_to_submit(item_id: str) -> None:
    """Released grade cells' line: nothing, except while nbgrader validates the notebook (the
    Validate button), where an unanswered or unreadable marked question fails with what to do.
    Whether the answer is right is never said (as in the check cells)."""
    if os.environ.get("NBGRADER_EXECUTION") != "validate":
        return
    _item, score = _score(item_id, {})
    if score.status in (Status.NOT_ATTEMPTED, Status.MALFORMED):
        raise NotReadyToSubmit(score.message or "Not answered yet.")


def grade(item_id: str, **answers: object) -> float:
    """Hidden-test helper: return the points earned, or raise AnswerIncorrect if none."""
    item, score = _score(item_id, answers)
    if score.fraction <= 0:
        raise AnswerIncorrect(score.message or "This answer is not correct.")
    return round(score.fraction * item.points, 4)


__all__ = ["MARKS", "NOT_ATTEMPTED", "CheckResult", "check", "grade", "hint", "ready_to_submit"]
