"""Feedback that teaches (``nbgrader generate_feedback``): each marked question explained.

Stock feedback shows a grade cell's raw output (``1.0``, or an error named ``Incorrect``).
This preprocessor, in the feedback pipeline after the hidden tests are cleared, replaces
each autograded cell's output with plain sentences, in a trainee's words (the question and
its points are the heading the course's feedback template puts above them): what was right
and what was missing or wrong (the marker's own notes), the trainee's answer as typed, and
the course's answer with its reason (the reason also under a right answer). Marks
are recomputed by the trusted marker from the answers' text (for an assignment with
per-trainee variants, against the submitter's own clients), so the page says exactly what
the gradebook holds. Everything a trainee typed is escaped. ``show_reference = False`` (or
the assignment in ``hide_reference_for``) leaves the course's answers and their reasons out,
for an assessment that is reused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Bool, List, Unicode

from course.questions.kinds import (
    NOT_ATTEMPTED,
    Item,
    Score,
    Status,
    answer_in_words,
    spoken_name,
    why_not,
)
from course.nbgrader_plugins.feedback.mark_scheme import HEADING as MARK_SCHEME_HEADING
from course.nbgrader_plugins.feedback.mark_scheme import is_mark_scheme
from course.nbgrader_plugins.autograde.trusted_scores import marking_context
from course.exercises import all_items
from course.questions.reader import typed_answers

TRAINEE_HEADING = "**How this answer is marked** (the course's model answer and mark scheme)"
VERDICTS = {
    Status.CORRECT: ("✔", "Right: full marks."),
    Status.PARTLY_CORRECT: ("◐", "Partly right."),
    Status.INCORRECT: ("✘", "Not right."),
    Status.NOT_ATTEMPTED: ("○", "Not answered."),
    Status.MALFORMED: ("✘", "Your answer could not be read."),
}


def _prose(text: str) -> str:
    """Plain text as HTML: escaped, and its `names` shown as code (not as backticks)."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escape(text))


def answers_in_words(item: Item, values: Mapping[str, object]) -> list[str]:
    """One line per answer of ``item``, in the words its control shows ("treatment: Defer");
    a question with one answer gets the answer alone."""
    words = [(name, answer_in_words(kind, name, values.get(name, NOT_ATTEMPTED)))
             for name, kind in item.answers.items()]
    if len(words) == 1:
        return [words[0][1]]
    return [f"{spoken_name(name)}: {text}" for name, text in words]


def _listed(heading: str, lines: list[str]) -> str:
    if len(lines) == 1:
        return f"<p>{escape(heading)} {escape(lines[0])}</p>"
    items = "\n".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<p>{escape(heading)}</p>\n<ul class="cryo-answer-words">\n{items}\n</ul>'


def explanation_html(item: Item, score: Score, typed: dict[str, object],
                     show_reference: bool) -> str:
    """The plain-language explanation of one mark (HTML, every typed text escaped). The
    question's title and points are the heading above it (the course's feedback template).
    Answers are shown in the words the trainee picked; where the course's answer is shown,
    so is why her own pick is not it (from the data: what the word she chose means)."""
    mark, verdict = VERDICTS.get(score.status, ("", ""))
    parts = [f"<p>{mark} {escape(verdict)}"
             + (f" {_prose(score.message)}" if score.message else "") + "</p>"]
    parts.append(_listed("Your answer:", answers_in_words(item, typed)))
    if show_reference:
        reason = item.reason()
        if score.status != Status.CORRECT:
            expected = item.expected()
            parts.append(_listed("The course's answer:", answers_in_words(item, expected)))
            if score.status != Status.NOT_ATTEMPTED:
                for name, kind in item.answers.items():
                    why = why_not(kind, name, typed.get(name, NOT_ATTEMPTED), expected[name])
                    if why:
                        parts.append(f"<p>Why not your answer: {_prose(why)}</p>")
        if reason:
            parts.append(f"<p>Why: {_prose(reason)}</p>")
    body = "\n".join(parts)  # line breaks between parts: the page's text reads with spaces
    return f'<div class="cryo-feedback">{body}</div>'


WORDS_KEY = "cryocourse_answer_words"  # what the feedback template shows for an answer cell


class TeachingFeedback(NbGraderPreprocessor):
    """Replace each autograded cell's output with an explanation of its mark."""

    show_reference = Bool(True, help="Show the course's answer for questions not fully "
                                     "right.").tag(config=True)
    hide_reference_for = List(Unicode(), help="Assignments whose feedback never shows the "
                                              "course's answers (reused assessments)."
                              ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        show = self.show_reference and assignment not in self.hide_reference_for
        items = all_items()
        if not show:  # the written answers' model answers and mark schemes go too
            nb.cells = [cell for cell in nb.cells if not is_mark_scheme(cell)]
        for cell in nb.cells:  # written for the grader; the trainee reads it here
            if is_mark_scheme(cell):
                cell.source = cell.source.replace(MARK_SCHEME_HEADING, TRAINEE_HEADING, 1)
        # A per-trainee variant: explained against the submitter's own clients, as marked.
        with marking_context(self.config, resources):
            graded = [(cell, items[grade_id]) for cell in nb.cells
                      if cell.cell_type == "code" and is_grade(cell)
                      and (grade_id := cell.metadata["nbgrader"].get("grade_id", "")) in items]
            # the answers are read once per notebook, as the trusted marker reads them
            typed = typed_answers(nb, {name for _, item in graded for name in item.answers})
            answer_cells = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells
                            if cell.cell_type == "code" and "nbgrader" in cell.metadata}
            for cell in nb.cells:  # a submission is hostile: only this step writes the words
                cell.metadata.pop(WORDS_KEY, None)
            for cell, item in graded:
                answers = {name: typed[name] for name in item.answers if name in typed}
                html = explanation_html(item, item.score(answers), answers, show)
                cell.outputs = [new_output("display_data", data={"text/html": html})]
                if (answer := answer_cells.get(f"{item.id}_answer")) is not None:
                    answer.metadata[WORDS_KEY] = answers_in_words(item, answers)
            # the checks and hints before submission ("in the right form", a practice's
            # self-check) are code cells that say nothing once the lesson is marked
            checks = {f"{item_id}{suffix}" for item_id in items
                      for suffix in ("_check", "_hint")}
            nb.cells = [cell for cell in nb.cells if cell.cell_type != "code"
                        or cell.metadata.get("nbgrader", {}).get("grade_id") not in checks]
        return nb, resources


# Links that read as links (underlined, dark enough on white) and the explanations' text.
FEEDBACK_CSS = """
a, a:visited { color: #0b4f94 !important; text-decoration: underline; }
.panel-primary > .panel-heading a { color: #ffffff !important; }
caption { color: #3d3d3d; }
.highlight .c, .highlight .c1, .highlight .cm { color: #3f5f3f !important; }
.cryo-feedback { font-size: 15px; line-height: 1.5; }
.cryo-feedback code { color: #1f1f1f; background: #f2f2f2; }
.cryo-answer-words { margin: 0 0 0.6em; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Add the course's CSS to the feedback page's inlined styles (after nbconvert's own)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        resources.setdefault("inlining", {}).setdefault("css", []).append(FEEDBACK_CSS)
        return nb, resources
