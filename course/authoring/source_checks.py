"""Checks on hand-edited source notebooks, with messages that name the file and the cell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat

from course.exercises import all_items

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"


def _where(path: Path, index: int, cell: dict) -> str:
    first_line = "".join(cell.get("source", "")).strip().splitlines()[:1]
    preview = (first_line[0][:50] if first_line else "(empty)").replace("`", "'")
    return f"{path}: cell {index + 1} ({preview!r})"


def source_notebooks(source_dir: Path) -> Iterator[Path]:
    """Every assignment notebook under ``source/`` (the header is checked separately)."""
    for path in sorted(source_dir.glob("*/*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            yield path


def lint_notebook(path: Path, *, check_items: bool = True) -> list[str]:
    """Return plain-language problems with one source notebook (an empty list when fine)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{path}: file not found"]
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [f"{path}: not valid JSON ({error})"]
    try:
        nbformat.validate(nbformat.from_dict(raw), version=4)
    except nbformat.ValidationError as error:
        return [f"{path}: not a valid notebook ({error.message})"]
    problems: list[str] = []
    grade_ids: dict[str, int] = {}
    cell_ids: dict[str, int] = {}
    items = all_items() if check_items else {}
    for index, cell in enumerate(raw["cells"]):
        where = _where(path, index, cell)
        if cell.get("id") in cell_ids:
            problems.append(f"{where}: same cell id as cell {cell_ids[cell['id']] + 1}")
        cell_ids[cell.get("id", "")] = index
        if cell["cell_type"] == "code" and cell.get("outputs"):
            problems.append(f"{where}: has stored outputs (clear them before committing)")
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if (meta.get("grade") or meta.get("solution") or meta.get("locked")) and not grade_id:
            problems.append(f"{where}: nbgrader cell without a grade_id")
            continue
        if grade_id in grade_ids:
            problems.append(f"{where}: grade_id {grade_id!r} is also used by cell "
                            f"{grade_ids[grade_id] + 1}")
        grade_ids[grade_id] = index
        source = "".join(cell.get("source", ""))
        if meta.get("solution") and cell["cell_type"] == "code" and (
            BEGIN_SOLUTION not in source or END_SOLUTION not in source
        ):
            problems.append(f"{where}: answer cell without {BEGIN_SOLUTION} / {END_SOLUTION}")
        if meta.get("grade") and "points" not in meta:
            problems.append(f"{where}: grade cell {grade_id!r} has no points")
        if check_items and meta.get("grade") and cell["cell_type"] == "code":
            item = items.get(grade_id)
            if item is None:
                problems.append(f"{where}: grade cell {grade_id!r} is not a question declared "
                                "in course/exercises")
            elif float(meta.get("points", -1)) != float(item.points):
                problems.append(f"{where}: {grade_id!r} is worth {meta.get('points')} points "
                                f"here but {item.points} in course/exercises")
    return problems
