"""Run real nbgrader commands on a temporary copy of the course.

Nothing is mocked: the copy has this repository's nbgrader_config.py, source/ and
header, and every step is the `nbgrader` command an instructor would type.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course.exercises import all_items
from course.questions.kinds import Item

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir()
                     and not p.name.startswith("."))


def _has_marked_cells(assignment: str) -> bool:
    import json

    return any(cell.get("metadata", {}).get("nbgrader", {}).get("grade")
               for path in (REPO / "source" / assignment).glob("*.ipynb")
               for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])


# Assignments with marked questions (the practice log, 08, has none: it is a record).
MARKED_ASSIGNMENTS = [a for a in ASSIGNMENTS if _has_marked_cells(a)]


def tool_env() -> dict[str, str]:
    """The environment with this interpreter's scripts first on PATH (nbgrader runs alembic)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def notebook_names(assignment: str) -> list[str]:
    return sorted(p.name for p in (REPO / "source" / assignment).glob("*.ipynb"))


@dataclass
class Course:
    """A throwaway course directory with the repository's configuration and sources."""

    root: Path

    @classmethod
    def copy_of_repo(cls, where: Path) -> Course:
        root = where / "course"
        root.mkdir(parents=True)
        shutil.copy(REPO / "nbgrader_config.py", root)
        shutil.copytree(REPO / "source", root / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        return cls(root)

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one nbgrader command in the course directory; output is returned as text."""
        result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root,
                                capture_output=True, text=True, timeout=600, env=tool_env())
        if check and result.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n"
                                 f"{result.stderr[-4000:]}")
        return result

    def generate(self, assignment: str) -> None:
        self.nbgrader("generate_assignment", assignment, "--force")

    def release_notebook(self, assignment: str, name: str) -> nbformat.NotebookNode:
        return nbformat.read(self.root / "release" / assignment / name, as_version=4)

    def submit(self, student: str, assignment: str, name: str, nb: nbformat.NotebookNode) -> Path:
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / name)
        (folder / "timestamp.txt").write_text("2026-11-21 10:00:00.000000 UTC")
        return folder / name

    def autograde(self, assignment: str, *extra: str) -> subprocess.CompletedProcess:
        return self.nbgrader("autograde", assignment, "--force", *extra)

    def scores(self, assignment: str, student: str, notebook: str) -> dict[str, float | None]:
        """Points per grade cell (None = awaiting manual grading)."""
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            nb = gradebook.find_submission_notebook(notebook.removesuffix(".ipynb"),
                                                    assignment, student)
            return {grade.name: grade.score if grade.auto_score is not None
                    or grade.manual_score is not None else None for grade in nb.grades}

    def auto_scores(self, assignment: str, student: str, notebook: str) -> dict[str, float]:
        """Points of the autograded cells only."""
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            nb = gradebook.find_submission_notebook(notebook.removesuffix(".ipynb"),
                                                    assignment, student)
            return {g.name: g.auto_score for g in nb.grades if g.auto_score is not None}


def answer_cell_ids(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def reference_submission(course: Course, assignment: str, name: str) -> nbformat.NotebookNode:
    """The release notebook with every answer cell taken from the source (the reference)."""
    release = copy.deepcopy(course.release_notebook(assignment, name))
    source = answer_cell_ids(nbformat.read(REPO / "source" / assignment / name, as_version=4))
    for grade_id, cell in answer_cell_ids(release).items():
        cell.source = source[grade_id].source
    return release


def literal_answers(answers: Mapping[str, object]) -> str:
    return "\n".join(f"{name} = {value!r}" for name, value in answers.items())


def items_in(nb: nbformat.NotebookNode) -> list[Item]:
    """The declared items whose grade cells are in this notebook, in order."""
    items = all_items()
    return [items[c.metadata["nbgrader"]["grade_id"]] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and c.metadata["nbgrader"]["grade_id"] in items]


def with_answers(nb: nbformat.NotebookNode, answers: Mapping[str, Mapping[str, object]]
                 ) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose answer cells for the given items hold the given plain values."""
    result = copy.deepcopy(nb)
    cells = answer_cell_ids(result)
    for item_id, values in answers.items():
        cells[f"{item_id}_answer"].source = literal_answers(values)
    return result


def variant_key_with(template: str) -> tuple[str, int]:
    """A variant key whose assessment-05 set holds ``template``, and that client's number."""
    from course.models.variants import ASSESSMENT, draw

    for index in range(500):
        key = f"trainee{index}:k"
        for client in draw(ASSESSMENT, key).clients:
            if client.template == template:
                return key, client.number
    raise AssertionError(f"no variant holds {template}")
