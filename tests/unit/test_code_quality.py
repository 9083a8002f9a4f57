"""The code is ruff clean and the package's layers point one way."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = ["knowledge", "physiology", "screening", "cases", "timing", "oxygen", "safe_practice",
          "records"]
# Instructor-side packages: the models, views, checkers and notebooks never import them.
INSTRUCTOR_SIDE = ("course.autograde", "course.sandbox", "course.classroom", "course.demo",
                   "course.cli")


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_models_never_import_widgets_or_plots():
    for model in MODELS:
        path = REPO / "course" / f"{model}.py"
        if path.exists():
            bad = {n for n in _imports(path) if n.split(".")[0] in {"ipywidgets", "matplotlib"}
                   or n.startswith(("course.views", *INSTRUCTOR_SIDE))}
            assert not bad, f"{path.name} imports {bad}"


def test_nothing_in_the_package_imports_the_cli():
    for path in (REPO / "course").rglob("*.py"):
        if path != REPO / "course" / "cli.py":
            assert "course.cli" not in _imports(path), path
