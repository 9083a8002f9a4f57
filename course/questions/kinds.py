"""Answer kinds, normalisation to built-in types, and the checks a trainee runs.

A trainee answers with a plain value (``decision = "defer"``, ``max_minutes = 3``,
``contraindications = ["epilepsy", "rosacea"]``). Every answer is first turned into a
*normalised copy made of built-in types only* (exact ``str``, ``float``, ``bool``,
``tuple``), so an object whose ``==`` always says True, or a ``str`` subclass, never
reaches a comparison. ``...`` (the placeholder left in released notebooks) means
"not attempted".
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from course.foundation.names import did_you_mean, normalise_name

# Captured once, so later monkey-patching of builtins does not change what these mean here.
_type = type
_str, _int, _float, _bool, _list, _tuple = str, int, float, bool, list, tuple
_sorted, _len, _isfinite = sorted, len, math.isfinite

NOT_ATTEMPTED = ...


class AnswerFormatError(ValueError):
    """An answer that is not in the form the question asks for (plain-language message)."""


class AuthoringError(Exception):
    """A mistake in the course itself (a question declared twice, a grade cell without a
    question): the author's to fix, never shown to a trainee as a fault of their answer."""


class NotPlainValue(AnswerFormatError):
    """An answer that was computed or typed as code rather than as a plain value."""


_fold = normalise_name


def _suggestion(word: str, choices: Iterable[str]) -> str:
    """End a sentence: "; did you mean 'x'?" when something is close, else "."."""
    close = did_you_mean(word, choices, limit=1)
    return f"; did you mean '{close[0]}'?" if close else "."


def _plain_text(name: str, value: object, example: str = "defer") -> str:
    if _type(value) is not _str:
        raise AnswerFormatError(
            f"`{name}` must be a word in quotes, like \"{example}\"; you gave "
            f"{_describe(value)}."
        )
    return value


def _describe(value: object) -> str:
    """Say what a value is, in a trainee's words, without calling its own methods."""
    kind = _type(value)
    if kind is _str:
        return "some text"
    if kind is _bool:
        return "True/False"
    if kind in (_int, _float):
        return "a number"
    if kind in (_list, _tuple):
        return "a list"
    if value is None:
        return "None (nothing)"
    return "something that is not a plain value"


@dataclass(frozen=True)
class Choice:
    """One word from a fixed list (case-insensitive; aliases map to an option)."""

    options: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # code -> plain name (the data's)
    meanings: Mapping[str, str] = field(default_factory=dict)  # code -> what picking it means

    def label(self, code: str) -> str:
        """The plain name a trainee sees for ``code``: the data's name, else the code's words
        ("stop_and_report" -> "stop and report")."""
        return self.names.get(code) or code.replace("_", " ")

    def describe(self) -> str:
        return "one of: " + ", ".join(self.options)

    def spec(self) -> dict[str, object]:
        """What an answer control needs to offer this kind (JSON; see ``answer_spec``): each
        option's code (written into the cell) with its plain name (the button's label)."""
        return {"kind": "choice", "options": [[code, self.label(code)] for code in self.options]}

    def normalise(self, name: str, value: object) -> str:
        text = _plain_text(name, value, self.options[0])
        lookup = {_fold(o): o for o in self.options}
        lookup.update({_fold(a): o for a, o in self.aliases.items()})
        found = lookup.get(_fold(text))
        if found is None:
            raise AnswerFormatError(
                f"`{name}` must be {self.describe()}{_suggestion(text, self.options)}"
            )
        return found


@dataclass(frozen=True)
class Number:
    """A number with a unit, within a plausible range (a format check, not the answer)."""

    unit: str
    minimum: float
    maximum: float
    whole: bool = False
    tolerance: float = 0.0

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} of {self.unit}"

    def spec(self) -> dict[str, object]:
        return {"kind": "number", "unit": self.unit, "min": self.minimum, "max": self.maximum,
                "whole": self.whole}

    def normalise(self, name: str, value: object) -> float:
        if _type(value) is _str:
            raise AnswerFormatError(
                f"`{name}` must be {self.describe()} without quotes, like `{name} = 3`."
            )
        if _type(value) is _tuple and _len(value) == 2 and all(_type(v) is _int for v in value):
            raise AnswerFormatError(
                f"`{name}` must be {self.describe()}: decimals use a point, like "
                f"`{name} = {value[0]}.{value[1]}` (a comma makes two numbers)."
            )
        if _type(value) is _int and value.bit_length() > 64:  # math.isfinite would overflow
            raise AnswerFormatError(
                f"`{name}` is a number with {_len(_str(abs(value)))} digits, far outside the "
                f"range that makes sense here ({self.minimum:g} to {self.maximum:g} "
                f"{self.unit}). Check the unit."
            )
        if not (_type(value) is _int or _type(value) is _float) or not _isfinite(value):
            # bool is its own type, so True is not a number here
            raise AnswerFormatError(
                f"`{name}` must be {self.describe()}; you gave {_describe(value)}."
            )
        number = _float(value)
        if self.whole and number != int(number):
            raise AnswerFormatError(f"`{name}` must be a whole number of {self.unit}.")
        if not self.minimum <= number <= self.maximum:
            raise AnswerFormatError(
                f"`{name}` = {number:g} {self.unit} is outside the range that makes sense here "
                f"({self.minimum:g} to {self.maximum:g} {self.unit}). Check the unit."
            )
        return number

    def same(self, given: float, expected: float) -> bool:
        return abs(given - expected) <= self.tolerance


@dataclass(frozen=True)
class YesNo:
    """True or False (the words "yes" and "no" are accepted too)."""

    def describe(self) -> str:
        return "True or False"

    def spec(self) -> dict[str, object]:
        return {"kind": "yesno"}

    def normalise(self, name: str, value: object) -> bool:
        if _type(value) is _bool:
            return value
        if _type(value) is _str and _fold(value) in ("yes", "no", "true", "false"):
            return _fold(value) in ("yes", "true")
        raise AnswerFormatError(f"`{name}` must be True or False (no quotes).")


def plain_labels(vocabulary: Mapping[str, str]) -> dict[str, str]:
    """Each code once, with its plain name: the first spelling that is not the code itself
    (the code when it has no other spelling). ``vocabulary`` maps spellings to codes."""
    labels: dict[str, str] = {}
    for spelling, code in vocabulary.items():
        if code not in labels or (labels[code] == code and spelling != code):
            labels[code] = spelling
    return labels


def picked_notes(chosen: Iterable[str], wanted: Iterable[str], labels: Mapping[str, str],
                 noun: str) -> tuple[str, ...]:
    """What was right and what was wrong in a list answer, in plain words.

    The right and the wrong picks are named (they are the trainee's own words); what is
    missing is only counted: naming it would give the course's answer, which the feedback
    shows only where the assignment allows it.
    """
    picked, expected = _list(chosen), _list(wanted)
    right = [labels.get(code, code) for code in picked if code in expected]
    wrong = [labels.get(code, code) for code in picked if code not in expected]
    missing = _len([code for code in expected if code not in picked])
    notes = []
    if right:
        notes.append("Right: " + "; ".join(right) + ".")
    if wrong:
        notes.append("Should not be there: " + "; ".join(wrong) + ".")
    if missing:
        more = " more" if right else ""
        notes.append(f"Missing: {missing}{more} {noun}{'s' if missing != 1 else ''}.")
    return _tuple(notes)


def offered_options(labels: Mapping[str, str],
                    offered: Callable[[], Iterable[str]] | None) -> list[list[str]]:
    """[code, plain name] for each code ``offered`` (every labelled code when None), in
    alphabetical order of the names: what a control lists to choose from."""
    codes = labels if offered is None else offered()
    pairs = _sorted(((code, labels.get(code, code)) for code in codes),
                    key=lambda pair: pair[1].lower())
    return [[code, label] for code, label in pairs]


def _looked_up(name: str, value: list | tuple, vocabulary: Mapping[str, str], label: str,
               known: str) -> list[tuple[str, str]]:
    """(text, code) for each entry of an exact list or tuple, in order; an unknown name gets
    "'x' is not a <label> <known>" with a suggestion."""
    spellings = {_fold(k): code for k, code in vocabulary.items()}
    found = []
    for entry in value:  # an exact list or tuple: its iteration cannot be overridden
        text = _plain_text(name, entry)
        code = spellings.get(_fold(text))
        if code is None:
            raise AnswerFormatError(f"`{name}`: '{text}' is not a {label} {known}"
                                    + _suggestion(text, sorted(set(vocabulary))))
        found.append((text, code))
    return found


@dataclass(frozen=True)
class Names:
    """A list of names from a vocabulary (codes, plain names or aliases, any case).

    ``vocabulary`` returns a mapping from every accepted spelling to its code; ``label``
    names the kind of thing in messages ("condition").
    """

    vocabulary: Callable[[], Mapping[str, str]]
    label: str
    allow_empty: bool = True

    def describe(self) -> str:
        none = " (or [] for none)" if self.allow_empty else ""
        return f"a list of {self.label} names in quotes, like [\"epilepsy\", \"rosacea\"]{none}"

    def labels(self) -> dict[str, str]:
        """Each code's plain name (what the checklist shows and the marking notes say)."""
        return plain_labels(self.vocabulary())

    def spec(self) -> dict[str, object]:
        """Each code once, with its plain name (the first spelling that is not the code)."""
        return {"kind": "names", "label": self.label, "allow_empty": self.allow_empty,
                "options": offered_options(self.labels(), None)}

    def nothing_named(self, name: str, text: str) -> str:
        """The message for a text that names nothing and is not a "none" word either."""
        shown = f"'{text}'" if text.strip() else "an empty text"
        none = " For none, write [] or \"none\"." if self.allow_empty else ""
        return (f"`{name}`: {shown} names no {self.label}: write each {self.label} in its own "
                f"quotes, like [\"epilepsy\"].{none}")

    def normalise(self, name: str, value: object) -> tuple[str, ...]:
        # "No findings" is understood however it is written: None, "none", "n/a", ["none"],
        # []; a text that names nothing at all ("?", "", a shrug) is not an answer.
        for text in (value,) if _type(value) is _str else (
                value if _type(value) is _list or _type(value) is _tuple else ()):
            if _type(text) is _str and names_nothing(text):
                raise AnswerFormatError(self.nothing_named(name, text))
        if value is None or (_type(value) is _str and is_none_word(value)):
            value = []
        if _type(value) is _list or _type(value) is _tuple:
            value = [v for v in value if not (_type(v) is _str and is_none_word(v))]
        if _type(value) is _str:
            words = [w.strip() for w in value.split(",") if w.strip()]
            example = ", ".join(f'"{w}"' for w in words) if words else '"epilepsy", "rosacea"'
            raise AnswerFormatError(
                f"`{name}` must be a list in square brackets, each name in its own quotes, "
                f"like [{example}] (or [] for none)."
            )
        if not (_type(value) is _list or _type(value) is _tuple):
            raise AnswerFormatError(f"`{name}` must be {self.describe()}.")
        codes = {code for _, code in _looked_up(name, value, self.vocabulary(), self.label,
                                                "this course knows")}
        if not codes and not self.allow_empty:
            raise AnswerFormatError(
                f"`{name}` must name at least one {self.label}, like [\"epilepsy\"]."
            )
        return _tuple(_sorted(codes))


@dataclass(frozen=True)
class Steps:
    """Steps in order: a list of step names from a vocabulary, each once; order is kept.

    ``vocabulary`` maps every accepted spelling to its code, as for ``Names``; ``offered``
    gives the codes the question lists to choose from (every step when it is None).
    """

    vocabulary: Callable[[], Mapping[str, str]]
    label: str = "step"
    offered: Callable[[], Iterable[str]] | None = None

    def describe(self) -> str:
        return f"a list of {self.label}s in quotes, in the order you do them"

    def labels(self) -> dict[str, str]:
        """Each step's plain name (for the marking notes)."""
        return plain_labels(self.vocabulary())

    def spec(self) -> dict[str, object]:
        """The steps to choose from, with their plain names, in alphabetical order of the
        names (never in the answer's order), for the ordered-steps control."""
        return {"kind": "steps", "label": self.label,
                "options": offered_options(self.labels(), self.offered)}

    def normalise(self, name: str, value: object) -> tuple[str, ...]:
        if not (_type(value) is _list or _type(value) is _tuple):
            raise AnswerFormatError(
                f"`{name}` must be a list in square brackets, each {self.label} in its own "
                f"quotes, first {self.label} first, like [\"first\", \"second\"]."
            )
        codes: list[str] = []
        for text, code in _looked_up(name, value, self.vocabulary(), self.label,
                                     "in this question's list"):
            if code in codes:
                raise AnswerFormatError(f"`{name}`: '{text}' is in the list twice: name each "
                                        f"{self.label} once, in order.")
            codes.append(code)
        if not codes:
            raise AnswerFormatError(f"`{name}` must name at least one {self.label}.")
        return _tuple(codes)


def ordered_steps(name: str, critical: Callable[[], Iterable[str]],
                  never: Callable[[], Mapping[str, str]],
                  labels: Callable[[], Mapping[str, str]] = dict,
                  also_right: Callable[[], Iterable[str]] = tuple) -> Scorer:
    """Partial credit for steps in order.

    Steps in ``also_right`` are accepted wherever they stand: neither needed nor counted
    as wrong (calling the emergency number when in doubt).

    Half the credit for naming the right steps ((right - wrong) / expected, never below 0);
    half for the order of the ``critical`` steps: each pair of them that comes in the right
    order earns an equal share (a missing critical step loses its pairs). Padding costs in
    both halves: each step that does not belong also takes 1 / expected off the order's
    share (never below 0), so a list of every step the course knows, in any order, earns
    nothing. A step in ``never`` (code -> why) earns nothing at all: it is dangerous whatever
    else is right. The notes name the steps (``labels``: code -> plain name) that were right
    and wrong.
    """

    def scorer(given: Answers, expected: Answers) -> Score:
        chosen, wanted = _list(given[name]), _list(expected[name])  # type: ignore[call-overload]
        accepted = set(also_right()) - set(wanted)
        chosen = [code for code in chosen if code not in accepted]
        forbidden = never()
        done_wrong = [code for code in chosen if code in forbidden]
        if done_wrong:
            return Score(0.0, Status.INCORRECT, tuple(forbidden[code] for code in done_wrong))
        right = _len([code for code in chosen if code in wanted])
        extra = _len(chosen) - right
        named = max(0.0, (right - extra) / _len(wanted))
        order = [code for code in critical() if code in wanted]
        pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1:]]
        kept = [(a, b) for a, b in pairs
                if a in chosen and b in chosen and chosen.index(a) < chosen.index(b)]
        padding = max(0.0, 1 - extra / _len(wanted))  # what steps that do not belong leave
        ordered = (_len(kept) / _len(pairs) if pairs else right / _len(wanted)) * padding
        fraction = (named + ordered) / 2
        if fraction == 1:
            return Score(1.0, Status.CORRECT)
        notes = []
        if right < _len(wanted) or extra:
            notes.append(f"Steps: {right} of {_len(wanted)} named, {extra} that do not belong.")
            notes.extend(picked_notes(chosen, wanted, labels(), "step"))
        if _len(kept) < _len(pairs):
            notes.append(f"Order: {_len(kept)} of {_len(pairs)} pairs of critical steps in the "
                         "right order.")
        else:
            notes.append("Order: the critical steps are in the right order.")
        if extra:
            notes.append("Steps that do not belong cost order credit too: list only the steps "
                         "of this emergency.")
        status = Status.PARTLY_CORRECT if fraction > 0 else Status.INCORRECT
        return Score(fraction, status, tuple(notes))

    return scorer


def partial_list(name: str, labels: Callable[[], Mapping[str, str]], noun: str) -> Scorer:
    """Partial credit for a list of names: (right - wrong) / expected, never below 0 (when
    nothing is expected, only an empty list is right). The notes name the right and the
    wrong picks and count the missing ones (``labels``: code -> plain name)."""

    def scorer(given: Answers, expected: Answers) -> Score:
        chosen, wanted = _list(given[name]), _list(expected[name])  # type: ignore[call-overload]
        right = _len([code for code in chosen if code in wanted])
        wrong = _len(chosen) - right
        fraction = max(0.0, (right - wrong) / _len(wanted)) if wanted else float(not chosen)
        if fraction == 1:
            return Score(1.0, Status.CORRECT)
        status = Status.PARTLY_CORRECT if fraction > 0 else Status.INCORRECT
        return Score(fraction, status, picked_notes(chosen, wanted, labels(), noun))

    return scorer


Kind = Choice | Number | YesNo | Names | Steps

# What trainees write for "no findings" in a list answer, in any case and spacing (and, for
# those with letters, with any punctuation: "n/a", "N.A.", "none."). Every one is accepted.
NONE_WORDS = frozenset({"none", "nothing", "no", "nil", "no findings", "no conditions", "n/a",
                        "na", "-"})
_FOLDED_NONE_WORDS = frozenset(_fold(word) for word in NONE_WORDS) - {""}


def is_none_word(text: str) -> bool:
    """Whether a typed text is one of the course's words for "none" (``NONE_WORDS``)."""
    return text.strip().lower() in NONE_WORDS or _fold(text) in _FOLDED_NONE_WORDS


def names_nothing(text: str) -> bool:
    """Whether a typed text has no letter or digit and is no "none" word: "?", "", "¯\\_(ツ)_/¯".
    Such a text is malformed, never read as "none"."""
    return not _fold(text) and not is_none_word(text)


def answer_spec(item: Item) -> dict[str, object] | None:
    """An item's answers as data for the answer controls (written into released notebooks'
    answer cells at generate time, so kinds and choices are never typed twice). None when a
    kind has no control (every kind of the course has one: the test over the released
    lessons proves it)."""
    if not all(hasattr(kind, "spec") for kind in item.answers.values()):
        return None
    return {"item": item.id,
            "answers": [{"name": name, **kind.spec()} for name, kind in item.answers.items()]}


def normalise(kind: Kind, name: str, value: object) -> object:
    """Normalise one answer; ``...`` (not attempted) is passed through unchanged."""
    if value is NOT_ATTEMPTED:
        return NOT_ATTEMPTED
    return kind.normalise(name, value)


# --- reading answers from source text, without running them -------------------------

_NUMBER_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}


MAX_VALUE_DEPTH = 64  # nested lists or operations: more is code, not a typed value
MAX_INT_BITS = 256  # arithmetic on plain numbers never needs more


def plain_value(node: ast.expr, name: str, depth: int = 0) -> object:
    """Evaluate an expression that is a plain value (literals and simple arithmetic only)."""
    if depth > MAX_VALUE_DEPTH:
        raise NotPlainValue(
            f"`{name}` is too long a calculation to read: type the value itself, like "
            f"`{name} = 3`.")
    if isinstance(node, ast.Constant) and _type(node.value) in (_str, _int, _float, _bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value in (None, ...):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [plain_value(element, name, depth + 1) for element in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = plain_value(node.operand, name, depth + 1)
        if _type(operand) is _int or _type(operand) is _float:
            return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and _type(node.op) in _NUMBER_OPS:
        left = plain_value(node.left, name, depth + 1)
        right = plain_value(node.right, name, depth + 1)
        if _type(left) in (_int, _float) and _type(right) in (_int, _float) and all(
                _type(v) is not _int or v.bit_length() <= MAX_INT_BITS for v in (left, right)):
            try:
                return _NUMBER_OPS[_type(node.op)](left, right)
            except (ZeroDivisionError, OverflowError):
                pass
    if isinstance(node, ast.Name):
        raise NotPlainValue(bare_word_message(name, node.id))
    raise NotPlainValue(
        f"`{name}` must be typed as a plain value (a number, True/False, a word in quotes "
        "or a list of words), not worked out with code."
    )


def bare_word_message(name: str, word: str) -> str:
    """What to do about ``name = word`` (a word without quotes), in plain words."""
    if word.lower() in ("true", "false"):
        return (f"`{name} = {word}`: True and False start with a capital letter and have no "
                f"quotes: `{name} = {word.title()}`.")
    if word.lower() in ("none", "nothing"):
        return (f"`{name} = {word}`: for no answer in a list write an empty list, "
                f"`{name} = []`; for a word answer put it in quotes, `{name} = \"{word}\"`.")
    return f"`{name} = {word}`: words go in quotes: `{name} = \"{word}\"`."


def answers_in_source(source: str, names: Iterable[str]) -> dict[str, object]:
    """Read ``name = value`` lines for ``names`` from code, without running it.

    The last assignment wins. A value that is not plain is returned as a NotPlainValue
    instance, so the caller can explain it. Raises SyntaxError for code that does not parse.
    """
    wanted = set(names)
    found: dict[str, object] = {}
    for statement in ast.parse(source).body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in wanted:
                try:
                    found[target.id] = plain_value(value, target.id)
                except NotPlainValue as problem:
                    found[target.id] = problem
    return found


# --- questions declared as data -----------------------------------------------------

Answers = Mapping[str, object]
NOT_ATTEMPTED_NOTE = "Not attempted yet: replace the ... with your answer."


class Status(StrEnum):
    """How an answer was marked. A str too, so messages and metadata read as plain words."""

    CORRECT = "correct"
    PARTLY_CORRECT = "partly correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Score:
    """The result of marking one item: a fraction of its points and plain-language notes."""

    fraction: float
    status: Status  # a plain word is accepted and checked: Score(1.0, "correct")
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if _type(self.status) is not Status:
            try:
                object.__setattr__(self, "status", Status(self.status))
            except ValueError:
                raise AuthoringError(f"{self.status!r} is not a marking status; use one of "
                                     f"{', '.join(s.value for s in Status)}.") from None

    @property
    def message(self) -> str:
        return " ".join(self.notes)


Scorer = Callable[[Answers, Answers], Score]


@dataclass(frozen=True)
class Wrong:
    """A known-wrong answer and the fraction of the item's points it should still earn."""

    answers: Answers
    fraction: float = 0.0


@dataclass(frozen=True)
class AcceptedAnswer:
    """Another answer a fair examiner accepts, the fraction of the points it earns and why."""

    answers: Answers
    fraction: float
    reason: str


@dataclass(frozen=True)
class Item:
    """One question: its answer variables, expected answer, points, hints and explanation.

    ``expected`` is a function so that the answer is read from the knowledge base when
    it is needed, never copied into the question; ``explanation`` (the reason for the
    course's answer, in plain words; ``reason()`` reads it) may be a function for the same
    reason. ``graded`` items reveal only whether an answer is well formed (their reason is
    shown in the feedback, after marking); practice items reveal correctness with the reason.
    ``wrong`` lists known-wrong answers and ``accepted`` the declared alternative answers,
    each with the fraction it must earn (tests prove both with real nbgrader).
    """

    id: str
    answers: Mapping[str, Kind]
    expected: Callable[[], Answers]
    points: float = 1.0
    graded: bool = True
    hints: tuple[str, ...] = ()
    explanation: str | Callable[[], str] = ""
    scorer: Scorer | None = None
    wrong: tuple[Wrong, ...] = ()
    accepted: tuple[AcceptedAnswer, ...] = ()
    premises: tuple[str, ...] = ()
    """Words the question's text must state: the givens the expected answer is built on,
    written once here (tests/lessons/test_premises.py checks every notebook states them)."""

    def reason(self) -> str:
        """Why the course's answer is right, in plain words (read from the data when asked)."""
        text = self.explanation() if callable(self.explanation) else self.explanation
        return " ".join(text.split())

    def normalised(self, raw: Answers) -> dict[str, object]:
        """Normalise every answer (raises AnswerFormatError naming the first bad one)."""
        out: dict[str, object] = {}
        for name, kind in self.answers.items():
            value = raw.get(name, NOT_ATTEMPTED)
            if isinstance(value, NotPlainValue):
                raise value
            out[name] = normalise(kind, name, value)
        return out

    def form_problem(self, raw: Answers) -> Score | None:
        """Why raw answers cannot be marked yet (not attempted, malformed), or None.

        Reads no answer of the course's: the form check of a supervised assessment uses it
        alone."""
        if all(raw.get(name, NOT_ATTEMPTED) is NOT_ATTEMPTED for name in self.answers):
            return Score(0.0, Status.NOT_ATTEMPTED, (NOT_ATTEMPTED_NOTE,))
        try:
            given = self.normalised(raw)
        except AnswerFormatError as problem:
            return Score(0.0, Status.MALFORMED, (str(problem),))
        missing = [name for name, value in given.items() if value is NOT_ATTEMPTED]
        if missing:
            names = ", ".join(f"`{n}`" for n in missing)
            return Score(0.0, Status.NOT_ATTEMPTED, (f"Still to answer: {names}.",))
        return None

    def score(self, raw: Answers) -> Score:
        """Mark raw answers (values as typed) against the expected answer."""
        problem = self.form_problem(raw)
        if problem is not None:
            return problem
        given = self.normalised(raw)
        reference = self.expected()
        expected = {n: normalise(k, n, reference[n]) for n, k in self.answers.items()}
        scorer = self.scorer or all_or_nothing(self.answers)
        result = scorer(given, expected)
        for accepted in self.accepted:
            if result.fraction < accepted.fraction and given == {
                    n: normalise(k, n, accepted.answers[n]) for n, k in self.answers.items()}:
                status = Status.CORRECT if accepted.fraction == 1 else Status.PARTLY_CORRECT
                return Score(accepted.fraction, status, (accepted.reason,))
        return result


def all_or_nothing(kinds: Mapping[str, Kind]) -> Scorer:
    """Each answer variable earns an equal share when it matches the expected answer."""

    def scorer(given: Answers, expected: Answers) -> Score:
        right = [n for n in kinds if _same(kinds[n], given[n], expected[n])]
        fraction = _len(right) / _len(kinds)
        if fraction == 1:
            return Score(1.0, Status.CORRECT)
        wrong = [n for n in kinds if n not in right]
        status = Status.PARTLY_CORRECT if right else Status.INCORRECT
        notes = [f"Right: {', '.join(spoken_name(n) for n in right)}."] if right else []
        notes.append(f"Not correct: {', '.join(spoken_name(n) for n in wrong)}.")
        for n in wrong:  # a list: which of its names were right, which wrong
            kind = kinds[n]
            if isinstance(kind, Names):
                details = picked_notes(given[n], expected[n],  # type: ignore[arg-type]
                                       kind.labels(), kind.label)
                notes.append(f"In {spoken_name(n)}: " + " ".join(details))
        return Score(fraction, status, tuple(notes))

    return scorer


def spoken_name(name: str) -> str:
    """An answer's name as its control's legend shows it: "case01_findings" -> "case01
    findings" (answer-controls/src/controls.ts, ``spoken``)."""
    return name.replace("_", " ")


def answer_in_words(kind: Kind, name: str, value: object) -> str:
    """An answer as the trainee picked it, in the words its control shows (plain names from
    the data, never a code or a line of Python); what cannot be read is said so."""
    if value is NOT_ATTEMPTED:
        return "not answered"
    try:
        given = normalise(kind, name, value)
    except AnswerFormatError:
        shown = f"'{value}' " if _type(value) is _str else ""
        return f"{shown}(could not be read)"
    if isinstance(kind, Choice):
        return kind.label(given)  # type: ignore[arg-type]
    if isinstance(kind, YesNo):
        return "Yes" if given else "No"
    if isinstance(kind, Number):
        return f"{given:g} {kind.unit}"
    labels = kind.labels()
    shown_names = [labels.get(code, code) for code in given]  # type: ignore[attr-defined]
    if isinstance(kind, Steps):
        return "; ".join(f"{number}. {text}" for number, text in enumerate(shown_names, 1))
    return "; ".join(shown_names) if shown_names else f"none (no {kind.label} applies)"


def why_not(kind: Kind, name: str, value: object, expected: object) -> str:
    """Why the trainee's own pick is not the course's answer, from the data: what the word
    she chose means (a choice whose data gives meanings), or how far her number is from
    the course's; "" when it is right, unreadable, or the data says nothing more."""
    try:
        given, wanted = normalise(kind, name, value), normalise(kind, name, expected)
    except AnswerFormatError:
        return ""
    if given is NOT_ATTEMPTED or _same(kind, given, wanted):
        return ""
    if isinstance(kind, Choice) and given in kind.meanings:
        chosen, course_answer = _str(given), _str(wanted)
        return (f"{kind.label(chosen)} means: {kind.meanings[chosen].rstrip('.')}. The "
                f"course's answer here is {kind.label(course_answer)}.")
    if isinstance(kind, Number):
        way = "more" if given > wanted else "less"  # type: ignore[operator]
        return (f"{given:g} {kind.unit} is {way} than the course's {wanted:g} {kind.unit}.")
    return ""


def _same(kind: Kind, given: object, expected: object) -> bool:
    if isinstance(kind, Number):
        return kind.same(given, expected)  # type: ignore[arg-type]
    return given == expected  # both are normalised built-in values
