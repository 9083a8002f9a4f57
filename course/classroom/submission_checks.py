"""File-level checks on a submitted notebook, before nbgrader touches it.

``check_submission_file`` returns plain-language problems (an empty list when the file is
fine), so the grade command can report a broken file instead of crashing on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from course.foundation.regular_files import NotPlain, read_plain_file


def graded_ids(nb: dict) -> set[str]:
    """The nbgrader grade_ids of a notebook given as plain JSON (nbformat 4)."""
    ids = set()
    for cell in nb.get("cells", []):
        metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        grade_id = metadata.get("nbgrader", {}).get("grade_id")
        if isinstance(grade_id, str):
            ids.add(grade_id)
    return ids


def cell_ids(nb: dict) -> set[str]:
    """The nbformat cell ids of a notebook given as plain JSON."""
    return {c["id"] for c in nb.get("cells", []) if isinstance(c, dict) and "id" in c}


MAX_CELLS = 2_000
MAX_CELL_CHARS = 1_000_000


def shape_problem(nb: object) -> str | None:
    """What makes a notebook too big or odd to grade in bounded time (None if nothing)."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return None  # the format checks below say what is wrong
    if len(cells) > MAX_CELLS:
        return f"has {len(cells):,} cells (at most {MAX_CELLS:,} are graded)"
    for number, cell in enumerate(cells, 1):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        if isinstance(source, list):
            size = sum(len(line) for line in source if isinstance(line, str))
        else:
            size = len(source) if isinstance(source, str) else 0  # odd types: format check
        if size > MAX_CELL_CHARS:
            return (f"has a cell (number {number}) of {size:,} characters (at most "
                    f"{MAX_CELL_CHARS:,} are graded)")
    return None


def _expected(assignment: str | Path | nbformat.NotebookNode) -> dict:
    if isinstance(assignment, dict):
        return assignment
    return json.loads(Path(assignment).read_text(encoding="utf-8"))


def check_submission_file(
    path: str | Path, assignment: str | Path | nbformat.NotebookNode
) -> list[str]:
    """Problems that stop ``path`` from being graded against ``assignment``.

    ``assignment`` is the instructor's version of the same notebook (its source or release
    file, or the notebook itself).
    """
    path = Path(path)
    name = path.name
    try:
        text = read_plain_file(path).decode("utf-8")
    except FileNotFoundError:
        return [f"The notebook {name} was not found in the submission: was it renamed or "
                "not uploaded?"]
    except NotPlain as problem:
        return [f"{problem.strerror}: only plain files are graded."]
    except UnicodeDecodeError:
        return [f"{name} is not a text file, so it is not a notebook."]
    if not text.strip():
        return [f"{name} is empty: the notebook was probably not saved before submitting."]
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as problem:
        return [f"{name} is damaged (not valid notebook JSON, line {problem.lineno}): it may "
                "have been edited outside Jupyter or cut short while saving."]
    except RecursionError:
        return [f"{name} is not a notebook Jupyter saved: its JSON is nested too deeply "
                "to read."]
    shape = shape_problem(nb)
    if shape:
        return [f"{name} {shape}."]
    if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
        return [f"{name} is not a Jupyter notebook."]
    major = nb.get("nbformat")
    if major != 4:
        return [f"{name} was saved in notebook format {major}, which the grader cannot read "
                "(format 4 is needed): open it in a current Jupyter and save it again."]
    try:
        nbformat.validate(nbformat.from_dict(nb))
    except nbformat.ValidationError as problem:
        first = str(problem).splitlines()[0]
        return [f"{name} does not follow the notebook format ({first})."]
    except (RecursionError, MemoryError):
        return [f"{name} is not a notebook Jupyter saved: it is nested too deeply to check."]
    expected = _expected(assignment)
    want_grades, have_grades = graded_ids(expected), graded_ids(nb)
    want_cells, have_cells = cell_ids(expected), cell_ids(nb)
    shares_grades = bool(want_grades & have_grades)
    shares_cells = bool(want_cells & have_cells)
    if want_grades and not shares_grades and not shares_cells:
        return [f"{name} looks like the notebook of another lesson: none of its questions "
                "belong to this assignment."]
    return []
