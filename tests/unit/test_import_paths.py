"""Every import path the course ever gave out still resolves, to the module that now holds it.

Notebooks already in trainees' hands and grade cells stored in gradebooks import the paths of
version 0.1.0 (``course.grading``, ``course.views.physiology``, ...). The package moved into
rooms along its pipeline; ``course/_moved.py`` maps each old path to its new one.
"""

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from course._moved import MOVED
from course.questions.reader import modules_imported_by

REPO = Path(__file__).resolve().parents[2]
RELEASED = json.loads((Path(__file__).parent / "data" / "imports_released_0.1.0.json")
                      .read_text(encoding="utf-8"))["cells"]


def _imported_names(source: str) -> list[tuple[str, str | None]]:
    """(module, name) for every import in a cell (name None for ``import module``)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
    return found


@pytest.mark.parametrize("old", sorted(MOVED))
def test_every_old_path_is_the_module_at_its_new_path(old):
    assert importlib.import_module(old) is importlib.import_module(MOVED[old])


@pytest.mark.parametrize("where", sorted(RELEASED))
def test_every_import_released_in_0_1_0_still_resolves(where):
    for cell in RELEASED[where]:
        for module, name in _imported_names(cell):
            imported = importlib.import_module(module)
            if name is not None:
                assert hasattr(imported, name), f"{where}: {module} has no {name}"


def test_every_import_in_source_and_release_resolves():
    notebooks = sorted((REPO / "source").glob("*/*.ipynb")) + sorted(
        (REPO / "release").glob("*/*.ipynb"))
    modules = [m for m in modules_imported_by(notebooks) if m.split(".")[0] == "course"]
    assert modules, "no notebook imports the course"
    for module in modules:
        importlib.import_module(module)


def test_old_paths_run_as_scripts(tmp_path):
    """``python -m course.clinical_rules`` (the README's old command) still runs."""
    out = tmp_path / "clinical-rules.md"
    result = subprocess.run([sys.executable, "-m", "course.clinical_rules", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == (REPO / "docs" / "clinical-rules.md").read_text(
        encoding="utf-8")


def test_the_package_itself_uses_only_the_new_paths():
    """Old paths are for notebooks and scripts outside the package: inside it, every import
    names the module where it lives (so the layer contracts see every import)."""
    offenders = []
    for path in sorted((REPO / "course").rglob("*.py")):
        for module, name in _imported_names(path.read_text(encoding="utf-8")):
            if module in MOVED or f"{module}.{name}" in MOVED:
                offenders.append(f"{path.relative_to(REPO)} imports {module} {name or ''}")
    assert not offenders, offenders
