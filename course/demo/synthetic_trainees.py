"""Synthetic trainees for the demo class and the tests.

Each trainee has a profile (strong, average, weak) giving the chance of answering a marked
question right. A wrong answer is one of the item's declared known-wrong answers (the
typical mistakes: proceeding despite a cold sore, missing Raynaud's, treating a changing
mole), so the points it earns are known in advance. Everything is decided by a seeded
random generator: the same seed gives the same class, and ``expected_points`` says what
every trainee should score.
"""

from __future__ import annotations

import contextlib
import copy
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

import nbformat

from course.exercises import all_items
from course.exercises.screening_cases import case_prefix, client_number, wrong_examples
from course.models.variants import ASSESSMENT, marking_as, my_variant
from course.questions.kinds import Item, Wrong

PROFILES: dict[str, float] = {"strong": 0.9, "average": 0.65, "weak": 0.35}
PROFILE_CYCLE = ("average", "strong", "weak", "average")
NAMES = ("ana", "ben", "chloe", "dara", "emil", "fatima", "gosia", "hugo", "ines", "jonas",
         "kira", "liam", "maya", "nils", "olga", "pavel", "quinn", "rosa", "sami", "tara")
# Written answers, per question, from its model answer in the source notebook (so an
# instructor can practise the mark scheme): strong = the whole model answer, average = its
# first two sentences, weak = a vague line that misses the point.
WEAK_WRITTEN = ("I think it is fine as long as the client agrees; I would go ahead carefully "
                "and see how the skin reacts.")


def model_answer(source: str) -> str:
    """The model answer of a source written-answer cell (the text after **Model answer.**,
    before the mark scheme, without its quotation marks)."""
    text = source.split("**Model answer.**", 1)[-1].split("**Mark scheme", 1)[0]
    return " ".join(text.split()).strip().strip('"“”').strip()


def written_answer(model: str, profile: str) -> str:
    """What a trainee of ``profile`` writes for a question whose model answer is ``model``."""
    if profile == "strong" and model:
        return model
    sentences = re.split(r"(?<=[.!?])\s+", model)
    if profile == "average" and len(sentences) > 1:
        return " ".join(sentences[:2])
    return WEAK_WRITTEN


@dataclass(frozen=True)
class Answer:
    """What a trainee typed for one item and the share of its points that earns."""

    values: Mapping[str, object] | None  # None: left as ``...`` (not attempted)
    fraction: float


@dataclass(frozen=True)
class Trainee:
    """One synthetic trainee: an id, a profile and a seed for the choices."""

    student_id: str
    profile: str
    seed: int

    @property
    def display_name(self) -> str:
        """What the trainee types in the name cell, e.g. "Ana Demo"."""
        return f"{self.student_id.capitalize()} Demo"

    def answer(self, item: Item) -> Answer:
        """The trainee's answer to ``item`` (deterministic for a given trainee)."""
        chance = random.Random(f"{self.seed}:{self.student_id}:{item.id}")
        if not item.graded or item.points == 0:
            if self.profile == "weak":
                return Answer(None, 0.0)
            return Answer(dict(item.expected()), 1.0)
        if chance.random() < PROFILES[self.profile]:
            return Answer(dict(item.expected()), 1.0)
        mistakes = known_wrong(item)
        if mistakes:
            mistake = chance.choice(mistakes)
            return Answer(dict(mistake.answers), mistake.fraction)
        return Answer(None, 0.0)


def known_wrong(item: Item) -> tuple[Wrong, ...]:
    """The item's typical mistakes; for a client of a per-trainee variant, those of the
    client of the variant in force (``course.models.variants.marking_as``)."""
    number = client_number(item.id)
    if number is None:
        return item.wrong
    return wrong_examples(my_variant(ASSESSMENT).case(number), case_prefix(number))


def as_trainee(variant_key: str | None) -> contextlib.AbstractContextManager:
    """Answer as the trainee whose variant key this is (no-op without one)."""
    return marking_as(variant_key) if variant_key else contextlib.nullcontext()


def make_class(size: int, seed: int = 0) -> list[Trainee]:
    """``size`` trainees with a realistic mix of profiles."""
    trainees = []
    for number in range(size):
        name = NAMES[number % len(NAMES)]
        if number >= len(NAMES):
            name = f"{name}{number // len(NAMES) + 1}"
        trainees.append(Trainee(name, PROFILE_CYCLE[number % len(PROFILE_CYCLE)], seed))
    return trainees


def grade_cell_items(nb: nbformat.NotebookNode) -> list[Item]:
    """Declared items whose grade cells are in ``nb``, in notebook order."""
    items = all_items()
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id") in items:
            found.append(items[meta["grade_id"]])
    return found


def answered_items(nb: nbformat.NotebookNode) -> list[Item]:
    """Declared items (marked or practice) that have an answer cell in ``nb``."""
    items = all_items()
    return [items[cell.metadata["nbgrader"]["grade_id"].removesuffix("_answer")]
            for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("solution")
            and cell.metadata["nbgrader"]["grade_id"].removesuffix("_answer") in items]


def literal_source(values: Mapping[str, object]) -> str:
    """Answer-cell text for plain values: one ``name = value`` line each."""
    return "\n".join(f"{name} = {value!r}" for name, value in values.items())


def filled_notebook(release: nbformat.NotebookNode, trainee: Trainee,
                    variant_key: str | None = None,
                    model_answers: Mapping[str, str] | None = None) -> nbformat.NotebookNode:
    """The release notebook as ``trainee`` would submit it (an assessment with variants:
    answered on the clients of ``variant_key``, the trainee's own). ``model_answers`` (grade
    id -> model answer, from the source notebook) make the written answers; without them the
    trainee writes the weak line."""
    with as_trainee(variant_key):
        return _filled(release, trainee, model_answers or {})


def _filled(release: nbformat.NotebookNode, trainee: Trainee,
            model_answers: Mapping[str, str]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    items = all_items()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        item = items.get(meta.get("grade_id", "").removesuffix("_answer"))
        if item is not None:
            answer = trainee.answer(item)
            if answer.values is not None:
                cell.source = literal_source(answer.values)
        elif cell.cell_type == "markdown":
            model = model_answers.get(meta.get("grade_id", ""), "")
            cell.source = written_answer(model, trainee.profile)
    for cell in nb.cells:  # the header's name cell
        if cell.cell_type == "code" and cell.source.strip() == 'your_name = ""':
            cell.source = f"your_name = {trainee.display_name!r}"
    return nb


def expected_points(release: nbformat.NotebookNode, trainee: Trainee,
                    variant_key: str | None = None) -> dict[str, float]:
    """Autograded points ``trainee`` should earn per grade cell of the notebook."""
    with as_trainee(variant_key):
        return {item.id: round(trainee.answer(item).fraction * item.points, 4)
                for item in grade_cell_items(release)}
def model_answers_of(source: nbformat.NotebookNode) -> dict[str, str]:
    """Grade id -> model answer of every written-answer cell of a source notebook."""
    return {cell.metadata["nbgrader"]["grade_id"]: model_answer(cell.source)
            for cell in source.cells
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")}
