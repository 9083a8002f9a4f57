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
from dataclasses import dataclass

from course.exercises import item as find_item
from course.questions.friendly_errors import PlainError
from course.questions.friendly_errors import install as install_plain_errors
from course.questions.kinds import (
    NOT_ATTEMPTED,
    AnswerFormatError,
    Answers,
    Item,
    NotPlainValue,
    Score,
    Status,
)
from course.questions.reader import answers_in_cells

_hints_shown: defaultdict[str, int] = defaultdict(int)
install_plain_errors()  # "put it in quotes" instead of a NameError traceback

# Symbols that ordinary text fonts carry (colour emoji show as empty boxes on some machines).
MARKS = {"correct": "✔", "partly correct": "◐", "incorrect": "✘", "not attempted": "○",
         "malformed": "✘", "well formed": "✔", "error": "✘", "hint": "→"}


@dataclass(frozen=True)
class CheckResult:
    """What a check cell shows: an outcome and a plain-language message."""

    status: str
    message: str

    def __repr__(self) -> str:
        return f"{MARKS.get(self.status, '')} {self.message}".strip()

    def _repr_markdown_(self) -> str:
        return repr(self)


class AnswerIncorrect(AssertionError):
    """Raised by grade() when an answer earns no points (the message is for the trainee)."""


def _kernel_answers(item: Item) -> dict[str, object]:
    """Read the item's answers as typed in the cells run so far (``notebook_text``'s rule).

    A variable must exist in the notebook's namespace (its answer cell was run). Its answer
    is the value last typed for it, exactly as the instructor-side marking reads it; only a
    variable never typed in a cell (set some other way) is taken from the namespace.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise AnswerFormatError("Run this inside a notebook, or pass the answers explicitly.")
    namespace = shell.user_ns
    history = [source for source in namespace.get("In", []) if isinstance(source, str)]
    typed = answers_in_cells(history, item.answers)
    # An answer line that failed to run is what to report: a later line of the same cell
    # (``referral`` after a failed ``treatment``) never ran, and is not the trainee's mistake.
    found: dict[str, object] = {name: typed[name] for name in item.answers
                                if isinstance(typed.get(name), NotPlainValue)}
    for name in item.answers:
        if name in found:
            continue
        if name not in namespace:
            if found:
                continue
            raise AnswerFormatError(
                f"`{name}` is not defined yet: run the answer cell above first (Shift+Enter)."
            )
        found[name] = typed[name] if name in typed else namespace[name]
    return found


def _score(item_id: str, answers: Answers) -> tuple[Item, Score]:
    item = find_item(item_id)
    try:
        raw = dict(answers) if answers else _kernel_answers(item)
    except AnswerFormatError as problem:
        return item, Score(0.0, Status.MALFORMED, (str(problem),))
    return item, item.score(raw)


def check(item_id: str, **answers: object) -> CheckResult:
    """Check an answer. Graded questions: only whether it is well formed. Practice: also right."""
    item, score = _score(item_id, answers)
    if score.status in (Status.NOT_ATTEMPTED, Status.MALFORMED):
        return CheckResult(score.status, score.message)
    if item.graded:
        kinds = "; ".join(f"`{n}` is {k.describe()}" for n, k in item.answers.items())
        return CheckResult(
            "well formed",
            f"Your answer is in the right form ({kinds}). It will be marked after you submit.",
        )
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
    return CheckResult("hint", f"Hint {shown + 1} of {count}: {item.hints[shown]}{more}")


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


__all__ = ["NOT_ATTEMPTED", "CheckResult", "check", "grade", "hint", "ready_to_submit"]
