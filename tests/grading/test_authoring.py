"""Source notebooks are well formed; broken ones fail with the file and cell named."""

import json

import nbformat
import pytest

from course.authoring.source_checks import lint_notebook, source_notebooks
from tests.nbgrader_harness import REPO

SOURCES = list(source_notebooks(REPO / "source"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_source_notebook_is_clean(path):
    assert lint_notebook(path) == []


def test_header_has_no_outputs():
    assert lint_notebook(REPO / "source" / "header.ipynb", check_items=False) == []


def test_every_declared_question_is_in_exactly_one_notebook():
    from course.exercises import all_items

    seen: dict[str, str] = {}
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id in all_items() or grade_id.removesuffix("_answer") in all_items():
                item_id = grade_id.removesuffix("_answer")
                assert seen.get(item_id, str(path)) == str(path), f"{item_id} in two notebooks"
                seen[item_id] = str(path)
    assert set(seen) == set(all_items())


def _broken_copy(tmp_path, change):
    nb = json.loads(SOURCES[0].read_text(encoding="utf-8"))
    change(nb)
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    [problem] = lint_notebook(path)
    assert str(path) in problem and "not valid JSON" in problem


def test_grade_cell_without_grade_id_names_the_cell(tmp_path):
    def drop_id(nb):
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
        del cell["metadata"]["nbgrader"]["grade_id"]
    problems = lint_notebook(_broken_copy(tmp_path, drop_id))
    assert any("cell" in p and "without a grade_id" in p for p in problems), problems


def test_two_cells_with_one_id_are_named(tmp_path):
    def duplicate(nb):
        graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
        graded[1]["metadata"]["nbgrader"]["grade_id"] = graded[0]["metadata"]["nbgrader"][
            "grade_id"]
    problems = lint_notebook(_broken_copy(tmp_path, duplicate))
    assert any("also used by cell" in p for p in problems), problems


def test_missing_file_is_reported(tmp_path):
    assert "file not found" in lint_notebook(tmp_path / "nope.ipynb")[0]


@pytest.mark.parametrize("path", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_no_answer_name_hides_a_course_function(path):
    """An answer such as ``remaining_seconds = 45`` would replace the course function of that
    name, and the example cell above it would fail when run again."""
    import ast

    from course.exercises import all_items

    cells = nbformat.read(path, as_version=4).cells
    imported = {alias.asname or alias.name
                for cell in cells if cell.cell_type == "code"
                for node in ast.walk(ast.parse(cell.source.replace("%matplotlib inline", "")))
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    answer_names = {name for cell in cells
                    if (item := all_items().get(cell.metadata.get("nbgrader", {})
                                                .get("grade_id", "").removesuffix("_answer")))
                    for name in item.answers}
    assert not imported & answer_names, f"answers named like course functions: " \
                                        f"{sorted(imported & answer_names)}"
