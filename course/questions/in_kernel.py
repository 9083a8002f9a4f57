"""Answers read in the trainee's kernel, and what a check cell shows.

Shared by ``course.checks`` (every lesson) and the supervised assessment's form checks
(``course.lessons.supervised_cases``), so both read the answers typed in the cells by the one
rule of ``course.questions.reader`` and word a check the same way. Nothing here knows an
answer: it reads, normalises and words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from course.questions.kinds import AnswerFormatError, Item, Kind, NotPlainValue, Score
from course.questions.reader import answers_in_cells

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


@dataclass(frozen=True, repr=False)
class HintResult(CheckResult):
    """A hint, folded until the trainee asks for it: Run All shows "Show hint 1 of 2", not
    the hint itself (a native disclosure: a click, Enter or Space opens it)."""

    summary: str = ""

    def _repr_html_(self) -> str:
        text = re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escape(self.message))
        return (f'<details class="cryo-hint"><summary>{escape(self.summary)}</summary>'
                f"<p>{text}</p></details>")


def kernel_answers(kinds: Mapping[str, Kind]) -> dict[str, object]:
    """Read these answers as typed in the cells run so far (``course.questions.reader``).

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
    typed = answers_in_cells(history, kinds)
    # An answer line that failed to run is what to report: a later line of the same cell
    # (``referral`` after a failed ``treatment``) never ran, and is not the trainee's mistake.
    found: dict[str, object] = {name: typed[name] for name in kinds
                                if isinstance(typed.get(name), NotPlainValue)}
    for name in kinds:
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


def form_only(item: Item, problem: Score | None) -> CheckResult:
    """A marked question's check: why it cannot be marked yet (``problem``), or that it is
    well formed; never whether it is right."""
    if problem is not None:
        return CheckResult(problem.status, problem.message)
    kinds = "; ".join(f"`{n}` is {k.describe()}" for n, k in item.answers.items())
    return CheckResult(
        "well formed",
        f"Your answer is in the right form ({kinds}). It will be marked after you submit.",
    )
