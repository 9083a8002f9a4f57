"""File-level checks on a submitted notebook, before nbgrader touches it.

``check_submission_file`` returns plain-language problems (an empty list when the file is
fine), so the grade command can report a broken file instead of crashing on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat


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
    if not path.is_file():
        return [f"The notebook {name} was not found in the submission: was it renamed or "
                "not uploaded?"]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [f"{name} is not a text file, so it is not a notebook."]
    if not text.strip():
        return [f"{name} is empty: the notebook was probably not saved before submitting."]
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as problem:
        return [f"{name} is damaged (not valid notebook JSON, line {problem.lineno}): it may "
                "have been edited outside Jupyter or cut short while saving."]
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
    expected = _expected(assignment)
    want_grades, have_grades = graded_ids(expected), graded_ids(nb)
    want_cells, have_cells = cell_ids(expected), cell_ids(nb)
    shares_grades = bool(want_grades & have_grades)
    shares_cells = bool(want_cells & have_cells)
    if want_grades and not shares_grades and not shares_cells:
        return [f"{name} looks like the notebook of another lesson: none of its questions "
                "belong to this assignment."]
    return []
