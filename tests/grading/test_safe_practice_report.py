"""Lesson 07 through the instructor's workflow: a demo class graded, with its class report."""

from __future__ import annotations

import json

import pytest
from nbgrader.api import Gradebook

from course.demo.class_demo import EXPECTED_FILE, build_demo
from course.exercises import lesson_items
from tests.nbgrader_harness import REPO

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "07-safe-practice"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo07") / "class", 3, seed=1,
                      assignments=[ASSIGNMENT], workers=2)


def test_every_trainee_earns_the_expected_points(demo):
    expected = json.loads((demo.root / EXPECTED_FILE).read_text())["points"][ASSIGNMENT]
    with Gradebook(f"sqlite:///{demo.root / 'gradebook.db'}") as gradebook:
        for student, notebooks in expected.items():
            nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            earned = {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}
            assert earned == pytest.approx(notebooks[ASSIGNMENT]), student
    assert all(summary.ok for summary in demo.summaries)


def test_the_class_report_covers_every_marked_question(demo):
    import nbformat

    from course.questions.reader import question_labels

    page = demo.reports[ASSIGNMENT].read_text(encoding="utf-8")
    release = REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    labels = question_labels(nbformat.read(release, as_version=4))  # as trainees see them
    for item_id, declared in lesson_items("safe_practice").items():
        if declared.graded:
            assert labels.get(item_id, item_id) in page, item_id
    assert labels.get("safety_explain_redipping", "safety_explain_redipping") in page
    assert "data:image/png;base64," in page
