"""Each lesson's setup cell is one line, and its facade exports exactly what the lesson uses."""

import ast
import importlib
import json
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted(p.parent.name for p in (REPO / "source").glob("*/*.ipynb"))
TRANSFORM = TransformerManager()


def _facade_name(lesson: str) -> str:
    return lesson.split("-", 1)[1].replace("-", "_")


def _cells(lesson: str) -> list[dict]:
    notebook = json.loads((REPO / "source" / lesson / f"{lesson}.ipynb").read_text("utf-8"))
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def _is_setup(cell: dict) -> bool:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup"


@pytest.mark.parametrize("lesson", LESSONS)
def test_setup_cell_is_one_line(lesson):
    setup = [c for c in _cells(lesson) if _is_setup(c)]
    assert len(setup) == 1
    assert "".join(setup[0]["source"]) == f"from course.lessons.{_facade_name(lesson)} import *"


@pytest.mark.parametrize("lesson", LESSONS)
def test_facade_exports_exactly_what_the_lesson_uses(lesson):
    facade = importlib.import_module(f"course.lessons.{_facade_name(lesson)}")
    used: set[str] = set()
    defined: set[str] = set()
    for cell in _cells(lesson):
        if _is_setup(cell):
            continue
        tree = ast.parse(TRANSFORM.transform_cell("".join(cell["source"])))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
    from_facade = {name for name in used - defined if hasattr(facade, name)
                   or name not in dir(__builtins__)}
    from_facade -= set(dir(__import__("builtins")))
    assert set(facade.__all__) == from_facade
    assert len(facade.__all__) == len(set(facade.__all__))
    for name in facade.__all__:
        assert hasattr(facade, name)
