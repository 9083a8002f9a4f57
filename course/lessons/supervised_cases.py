"""Assessment 05 in its supervised form: the cards and the form checks, no answer machine.

During a trainee's supervised window the class server starts their server in an environment
of its own (course/sandbox/supervised_session.py) whose ``course`` package is a *kit* built
for that trainee on the course account's side (course/classroom/supervised_kit.py): this
module as ``course.lessons.screening_cases``, ``course.questions`` and ``course.foundation``
(how an answer is read), and ``supervised.json``: the trainee's client cards as rendered
HTML, the words that may be used, and the window. No screening engine, no case bank, no
reference answer, no data file, no other lesson is in it.

The notebook is the released one, cell for cell: its setup line imports this module under
the usual name. ``check`` says only whether an answer is well formed, by the same reader and
wording as everywhere else (``course.questions.in_kernel``); the practice form is closed.
Outside a kit (self-study, a lesson opened on its own) the functions say plainly that this
is the supervised form and that the notebook runs in practice mode elsewhere.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
from html import escape
from pathlib import Path
from typing import Any

from course.questions.friendly_errors import PlainError
from course.questions.friendly_errors import install as install_plain_errors
from course.questions.in_kernel import CheckResult, form_only, kernel_answers
from course.questions.kinds import AnswerFormatError, Choice, Item, Names, Score, Status

KIT_FILE = "supervised.json"  # next to the kit's course/__init__.py
WINDOW_FILE = "window.json"  # the window as the class server keeps it up to date
KIT_VARIABLE = "CRYOCOURSE_SUPERVISED_KIT"  # another place for the kit (tests)
install_plain_errors()


class NotInSupervisedKit(PlainError):
    """A function of the supervised form used outside its kit."""


class MarkedAfterTheWindow(PlainError):
    """Marks are given after the window has closed for everyone."""


def kit_folder() -> Path:
    """Where the kit's data are: the kit's ``course`` folder (or ``$CRYOCOURSE_SUPERVISED_KIT``)."""
    chosen = os.environ.get(KIT_VARIABLE)
    return Path(chosen) if chosen else Path(__file__).resolve().parents[1]


@functools.cache
def kit() -> dict[str, Any]:
    """The trainee's kit: cards, words, the assignment (NotInSupervisedKit outside one)."""
    try:
        return json.loads((kit_folder() / KIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotInSupervisedKit(
            "This is the supervised form of the assessment: it runs only on the class server, "
            "during your supervised window. Open the assessment as usual to practise.") from None


def window() -> tuple[datetime.datetime, datetime.datetime] | None:
    """The window's start and end (naive UTC), as the class server keeps it, if known."""
    for source in (kit_folder() / WINDOW_FILE, kit_folder() / KIT_FILE):
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
            return (datetime.datetime.fromisoformat(data["start"]),
                    datetime.datetime.fromisoformat(data["end"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def time_left_words(now: datetime.datetime | None = None) -> str:
    """"Time left: 42 min (until 14:30 UTC, the server's clock)." in plain words."""
    known = window()
    if known is None:
        return "The time of your window is not known here: ask your supervisor."
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    _start, end = known
    left = max(0, int((end - now).total_seconds() // 60))
    until = end.strftime("%H:%M UTC")
    if end <= now:
        return (f"Your window closed at {until} (the server's clock); your work has been or is "
                "being handed in.")
    return (f"Time left: {left} min (until {until}, the server's clock). Save often "
            "(Ctrl + S): your saved work is handed in automatically when the time is up.")


def _html(text: str) -> Any:
    from IPython.display import HTML

    return HTML(text)


def my_clients() -> Any:
    """Whose clients these are, that this is supervised, and the time left."""
    data = kit()
    return _html(
        f'<p class="cryo-clients"><b>Supervised assessment.</b> These are your own clients, '
        f'{escape(data["trainee"])} (set {escape(data["fingerprint"])}). Lesson 04\'s form, the '
        "practice and the other lessons are closed until your window ends; the words and "
        f"finding names above are the ones you may use.</p><p>{escape(time_left_words())}</p>")


def client_card(number: int) -> Any:
    """Client ``number``'s card, as rendered for this trainee on the course's side."""
    cards = kit()["cards"]
    if not 1 <= number <= len(cards):
        raise NotInSupervisedKit(f"There is no client {number}: your clients are 1 to "
                                 f"{len(cards)}.")
    return _html(cards[number - 1])


def outcome_words() -> Any:
    """The treatment and referral words (the same table as in practice mode)."""
    return _html(kit()["outcome_words"])


def finding_list() -> Any:
    """The finding names that may be used (the same list as in practice mode)."""
    return _html(kit()["finding_list"])


class PracticeWidget:
    """The practice form is closed while the supervised window is open."""

    def _repr_html_(self) -> str:
        return ("<p>The unlimited practice is closed during a supervised assessment. It opens "
                "again in your own workspace when your window has ended.</p>")


@functools.cache
def _kinds() -> dict[str, Any]:
    words = kit()["words"]
    findings = dict(words["findings"])
    return {"treatment": Choice(tuple(words["treatment"]["options"]),
                                aliases=dict(words["treatment"]["aliases"]),
                                names=dict(words["treatment"].get("names", {}))),
            "referral": Choice(tuple(words["referral"]["options"]),
                               aliases=dict(words["referral"]["aliases"]),
                               names=dict(words["referral"].get("names", {}))),
            "findings": Names(lambda: findings, "finding")}


def _item(item_id: str) -> Item:
    digits = item_id.removeprefix("cases_client")
    if digits == item_id or not digits.isdigit() or not 1 <= int(digits) <= len(kit()["cards"]):
        raise NotInSupervisedKit(f"{item_id!r} is not a question of this assessment.")
    prefix = f"case{int(digits):02d}"
    kinds = _kinds()
    return Item(id=item_id, answers={f"{prefix}_{part}": kinds[part] for part in kinds},
                expected=_no_reference)


def _no_reference() -> dict[str, object]:
    raise MarkedAfterTheWindow("Your answers are marked after the window has closed.")


def check(item_id: str, **answers: object) -> CheckResult:
    """Whether the answer is well formed (never whether it is right)."""
    item = _item(item_id)
    try:
        raw = dict(answers) if answers else kernel_answers(item.answers)
    except AnswerFormatError as problem:
        return form_only(item, Score(0.0, Status.MALFORMED, (str(problem),)))
    return form_only(item, item.form_problem(raw))


def ready_to_submit(item_id: str) -> None:
    """The released grade cells' line: nothing to do here (the hand-in is automatic)."""
    _item(item_id)


def grade(item_id: str, **answers: object) -> float:
    """Marks are given by the course after the window, never in this kernel."""
    _item(item_id)
    raise MarkedAfterTheWindow("Your answers are marked after the window has closed.")


__all__ = [
    "check",
    "grade",
    "PracticeWidget",
    "finding_list",
    "outcome_words",
    "client_card",
    "my_clients",
]
