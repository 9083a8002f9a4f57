"""The tools that were separate ``python -m`` entry points are ``cryocourse`` sub-commands
(``self-study``, ``document``, ``variant-notebook``), and the old entry points still work and
say the same."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import cli
from course.authoring import variant_notebook
from course.authoring.documents import GENERATORS
from course.models.variants import ASSESSMENT

REPO = Path(__file__).resolve().parents[2]


def _course(tmp_path: Path) -> Path:
    """A course folder with the configuration and assessment 05's source notebook."""
    root = tmp_path / "course"
    (root / "source").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source" / ASSESSMENT, root / "source" / ASSESSMENT)
    return root


@pytest.mark.parametrize(("name", "document"), [("clinical-rules", "clinical-rules.md"),
                                                ("physiology-model", "physiology-model.md")])
def test_document_writes_the_generated_document(tmp_path, capsys, name, document):
    out = tmp_path / document
    assert cli.main(["document", name, str(out), "--course", str(REPO)]) == 0
    assert capsys.readouterr().out == f"Wrote {out}\n"
    assert out.read_text(encoding="utf-8") == (REPO / "docs" / document).read_text(
        encoding="utf-8")


def test_document_knows_every_generator():
    for module in GENERATORS.values():
        assert (REPO / "course" / Path(*module.split(".")[1:])).with_suffix(".py").is_file()


def test_document_names_the_documents_it_knows(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["document", "clinical-rule", "--course", str(REPO)])
    assert stopped.value.code == 2
    assert "clinical-rules" in capsys.readouterr().err


def test_variant_notebook_says_what_the_old_entry_point_says(tmp_path, capsys):
    root = _course(tmp_path)
    assert cli.main(["variant-notebook", "--course", str(root)]) == 0
    said = capsys.readouterr().out
    assert "already up to date" in said
    assert variant_notebook.main(root) == 0
    assert capsys.readouterr().out == said


def test_self_study_variant_key_is_the_old_entry_points(tmp_path, capsys):
    root = _course(tmp_path)
    assert cli.main(["self-study", "--variant-key", "--course", str(root)]) == 0
    key = capsys.readouterr().out.strip()
    assert key
    old = subprocess.run([sys.executable, "-m", "course.classroom.self_study", "--course",
                          str(root), "--variant-key"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert old.returncode == 0, old.stderr
    assert old.stdout.strip() == key


def test_the_new_commands_need_a_course(tmp_path, capsys):
    assert cli.main(["variant-notebook", "--course", str(tmp_path)]) == 2
    assert "No course found" in capsys.readouterr().err
