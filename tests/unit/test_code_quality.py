"""The code is ruff clean, its layers point one way (import-linter), and its types check."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": str(BIN), "PYTHONPATH": str(root), "HOME": str(root)})


def test_import_contracts_are_kept():
    """The layers contract of pyproject.toml (docs/architecture.md draws it) and the two
    forbidden contracts: kernel-side code never imports the grading side; models draw nothing."""
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_wrong_import_breaks_the_contracts(tmp_path):
    """The contracts are not vacuous: a model that imports the classroom breaks them."""
    shutil.copytree(REPO / "course", tmp_path / "course",
                    ignore=shutil.ignore_patterns("labextension", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    oxygen = tmp_path / "course" / "models" / "oxygen.py"
    oxygen.write_text(oxygen.read_text(encoding="utf-8")
                      + "\nfrom course.classroom import report  # noqa\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "course.models.oxygen -> course.classroom.report" in result.stdout


def test_types_check():
    """mypy over the package (pyproject.toml's [tool.mypy]) finds no error: a narrowed
    ``None``, a mistyped field or a stale ``# type: ignore`` fails here, not in a class."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True,
                            text=True, timeout=600)  # its cache: .mypy_cache/, ignored by git
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
