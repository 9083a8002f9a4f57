"""Malformed and pathological notebooks cost one trainee a clear reason, never the class.

One class of lesson 00 is graded with ``cryocourse grade``: an honest trainee, trainees
whose answers are written with a leading space or a magic line (full marks: one reading),
and notebooks of every awkward shape (JSON nested 100,000 deep, a 400-digit number, a
10,000-term sum, a 2-million-character cell, 3,000 cells, odd types). The run finishes,
the rest of the class is graded, hand grades are kept and the gradebook stays intact.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from contextlib import redirect_stdout
from io import StringIO

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.cli import main
from course.demo.class_demo import copy_course
from course.exercises import all_items
from course.sandbox.provisioner import sandbox_status
from tests.nbgrader_harness import (
    REPO,
    Course,
    answer_cell_ids,
    items_in,
    reference_submission,
)

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
NUMBER_ITEM = "orientation_observation_minutes"


def _answers_rewritten(nb, rewrite) -> nbformat.NotebookNode:
    changed = copy.deepcopy(nb)
    for cell in answer_cell_ids(changed).values():
        if cell.cell_type == "code":
            cell.source = rewrite(cell.source)
    return changed


def _with_number_answer(nb, text: str) -> nbformat.NotebookNode:
    changed = copy.deepcopy(nb)
    (variable,) = all_items()[NUMBER_ITEM].answers  # the question's one answer variable
    answer_cell_ids(changed)[f"{NUMBER_ITEM}_answer"].source = f"{variable} = {text}"
    return changed


def _files(reference: nbformat.NotebookNode) -> dict[str, str]:
    huge = copy.deepcopy(reference)
    huge.cells.append(nbformat.v4.new_code_cell("x = 1  # " + "y" * 2_000_000))
    many = copy.deepcopy(reference)
    many.cells += [nbformat.v4.new_markdown_cell("more") for _ in range(3_000)]
    odd = json.loads(nbformat.writes(reference))
    odd["cells"][3]["source"] = 12345
    odd["cells"][4]["metadata"]["nbgrader"] = "not a dict"
    return {
        "deep_json": "[" * 100_000 + "]" * 100_000,
        "deep_inside": json.dumps({**json.loads(nbformat.writes(reference)),
                                   "metadata": {}})[:-1] + ', "x": ' + "[" * 50_000
        + "]" * 50_000 + "}",
        "huge_cell": nbformat.writes(huge),
        "many_cells": nbformat.writes(many),
        "odd_types": json.dumps(odd),
        "big_number": nbformat.writes(_with_number_answer(reference, "9" * 400)),
        "long_sum": nbformat.writes(_with_number_answer(reference, "+".join(["1"] * 10_000))),
        "leading_space": nbformat.writes(_answers_rewritten(
            reference, lambda s: "".join(f" {line}" for line in s.splitlines(True)))),
        "magic_line": nbformat.writes(_answers_rewritten(reference, lambda s: f"%whos\n{s}")),
        "honest": nbformat.writes(reference),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(REPO, tmp_path_factory.mktemp("pathological") / "class", [ASSIGNMENT])
    course = Course(root)
    course.generate(ASSIGNMENT)
    reference = reference_submission(course, ASSIGNMENT, NOTEBOOK)
    for student, text in _files(reference).items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / NOTEBOOK).write_text(text)
        (folder / "timestamp.txt").write_text("2026-11-21 10:00:00.000000 UTC")
    first = main(["--course", str(root), "grade", ASSIGNMENT, "--workers", "2"])
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                     "honest")
        grade.manual_score = 2.0
        gradebook.db.commit()
    again = main(["--course", str(root), "grade", ASSIGNMENT, "--force", "--workers", "2"])
    points = {i.id: float(i.points) for i in items_in(reference)}
    return {"root": root, "first": first, "again": again, "points": points}


def _grades(root, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


@pytest.fixture(scope="module")
def summary(graded) -> str:
    """What ``cryocourse grade`` says about the class once everything readable is graded."""
    out = StringIO()
    with redirect_stdout(out):
        main(["--course", str(graded["root"]), "grade", ASSIGNMENT])
    return out.getvalue()


@pytest.mark.parametrize(("student", "words"), [
    ("deep_json", "nested too deeply"),
    ("deep_inside", "nested too deeply"),
    ("huge_cell", "characters"),
    ("many_cells", "3,0"),
    ("odd_types", "notebook format"),
])
def test_unreadable_shapes_are_not_graded_with_a_reason(graded, summary, student, words):
    line = next(line for line in summary.splitlines() if f"not graded: {student}:" in line)
    assert words in line, line
    assert "Traceback" not in summary


def test_the_rest_of_the_class_is_graded_and_the_run_finishes(graded):
    root = graded["root"]
    full = _grades(root, "honest")
    assert full == pytest.approx(graded["points"])
    for student in ("leading_space", "magic_line"):
        assert _grades(root, student) == pytest.approx(full), student


@pytest.mark.parametrize(("student", "words"), [
    ("big_number", "400 digits"), ("long_sum", "too long a calculation"),
])
def test_a_pathological_answer_costs_that_question_only(graded, student, words):
    root = graded["root"]
    scores, full = _grades(root, student), _grades(root, "honest")
    assert scores[NUMBER_ITEM] == 0
    assert {k: v for k, v in scores.items() if k != NUMBER_ITEM} == pytest.approx(
        {k: v for k, v in full.items() if k != NUMBER_ITEM})
    marked = (root / "autograded" / student / ASSIGNMENT / NOTEBOOK).read_text()
    assert words in marked


def test_hand_grades_are_kept_and_the_gradebook_is_intact(graded):
    root = graded["root"]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_grade("orientation_explain_mole", ASSIGNMENT, ASSIGNMENT,
                                    "honest").manual_score == 2.0
    con = sqlite3.connect(root / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
