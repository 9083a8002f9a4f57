"""No text a trainee reads uses Jupyter or programming jargon.

Scanned: every markdown cell of every released lesson, every hint and every explanation
(the "why" the check and the feedback page show). Jargon is a word from JARGON, or a code
name (a snake_case word in backquotes) outside a typed-answer example (``name = value``) that
is not the name of an answer (those are printed in the answer cell the trainee fills).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course.exercises import all_items

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted((REPO / "release").glob("*/*.ipynb"))
JARGON = ("kernel", "traceback", "variable", "variables", "string", "strings", "boolean",
          "Python", "function", "functions", "nbgrader", "grade_id", "integer", "float",
          "dictionary", "argument", "parameter", "ipywidgets", "execute", "import",
          "SyntaxError", "NameError", "stdout")
WORD = re.compile(r"\b(" + "|".join(map(re.escape, JARGON)) + r")\b")
CODE = re.compile(r"`([^`\n]+)`")
CODE_NAME = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
ANSWER_NAMES = frozenset(name for item in all_items().values() for name in item.answers)
TYPED_EXAMPLE = re.compile(r"^\s*[a-z][a-z0-9_]*\s*=\s*\S")


def jargon_in(text: str) -> list[str]:
    """The jargon words and code names in ``text``."""
    found = [match.group(1) for match in WORD.finditer(text)]
    for code in CODE.findall(text):
        if not TYPED_EXAMPLE.match(code):
            found.extend(name for name in CODE_NAME.findall(code) if name not in ANSWER_NAMES)
    return found


def test_the_scan_finds_what_it_should() -> None:
    assert jargon_in('Is it `"normal"` or `"stop_and_report"`?') == ["stop_and_report"]
    assert jargon_in("`plan_session` adds it up; run the kernel") == ["kernel", "plan_session"]
    assert jargon_in("Type `max_minutes = 3` in the answer box.") == []


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.parent.name)
def test_lesson_text_has_no_jargon(lesson: Path) -> None:
    notebook = nbformat.read(lesson, as_version=4)
    found = {word for cell in notebook.cells if cell.cell_type == "markdown"
             for word in jargon_in(cell.source)}
    assert not found, f"{lesson.parent.name}: {sorted(found)}"


def test_hints_and_explanations_have_no_jargon() -> None:
    found = {}
    for item_id, item in all_items().items():
        explanation = item.explanation() if callable(item.explanation) else item.explanation
        words = [word for text in (*item.hints, explanation) for word in jargon_in(text)]
        if words:
            found[item_id] = words
    assert not found


def _control_labels():
    """(lesson, question, label) for every option an answer control shows in a released
    lesson: a choice button's label, a checklist's or a steps list's plain name."""
    for lesson in LESSONS:
        for cell in nbformat.read(lesson, as_version=4).cells:
            spec = cell.metadata.get("cryocourse", {})
            for answer in spec.get("answers", []):
                for option in answer.get("options", []):
                    label = option[1] if isinstance(option, list) else option
                    yield lesson.parent.name, spec["item"], label


def test_answer_control_labels_are_plain_names_not_codes() -> None:
    """Buttons and lists show the data's plain names ("stop and report", "Eye area"), never a
    code ("stop_and_report", "eye_area")."""
    labels = list(_control_labels())
    assert len(labels) > 100
    coded = sorted({(lesson, item, label) for lesson, item, label in labels
                    if CODE_NAME.search(label)})
    assert not coded, coded


def test_feedback_shows_every_course_answer_in_plain_words() -> None:
    """The feedback page shows answers in the words the controls show: no code names and no
    typed lines (``name = "value"``, brackets, quotes around codes)."""
    from course.nbgrader_plugins.feedback.teaching_feedback import answers_in_words

    found = {}
    for item_id, item in all_items().items():
        try:
            expected = item.expected()
        except Exception:  # noqa: BLE001 - a per-trainee variant needs its trainee
            continue
        lines = answers_in_words(item, dict(expected))
        bad = [line for line in lines if CODE_NAME.search(line) or re.search(r'[\[\]"=]', line)]
        if bad:
            found[item_id] = bad
    assert not found
