"""The demo class writes varied written answers per question (strong, average, weak), from
each question's model answer, so an instructor can practise the mark scheme."""

from __future__ import annotations

import nbformat
import pytest

from course.demo.synthetic_trainees import (
    WEAK_WRITTEN,
    make_class,
    model_answers_of,
    written_answer,
)
from tests.nbgrader_harness import REPO

SOURCES = sorted(REPO.glob("source/0*/*.ipynb"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_written_question_has_a_model_answer_to_vary(path):
    models = model_answers_of(nbformat.read(path, as_version=4))
    for grade_id, model in models.items():
        assert len(model) > 40 and "Mark scheme" not in model, grade_id
        strong, average = written_answer(model, "strong"), written_answer(model, "average")
        weak = written_answer(model, "weak")
        assert strong == model and average != strong and strong.startswith(average[:20])
        assert weak == WEAK_WRITTEN


def test_the_class_mixes_profiles_so_answers_differ_between_trainees():
    profiles = {trainee.profile for trainee in make_class(4)}
    assert profiles == {"strong", "average", "weak"}
