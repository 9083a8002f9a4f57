"""Hostile and broken submissions: each is graded, earns nothing undeserved, harms nothing.

A throwaway nbgrader course (one answer cell, two grade cells with plain asserts) is graded
by the real ``nbgrader autograde`` with the sandboxed preprocessors, small limits and
bubblewrap. One autograde run grades every submission.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.classroom.submission_checks import check_submission_file
from course.nbgrader_plugins.autograde.faults import faults_of
from course.sandbox.provisioner import sandbox_status

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

MARKER = "SECRET-MARKER-7f3a"
CONFIG = '''
from course.nbgrader_plugins.autograde.execute import SandboxedExecute
from course.nbgrader_plugins.autograde.restore_metadata import RestoreGradeMetadata
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,
    DeduplicateIds, IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
    SaveAutoGrades)
c = get_config()
c.CourseDirectory.root = r"{root}"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [ClearOutput, RestoreGradeMetadata, DeduplicateIds,
    OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
c.Autograde.autograde_preprocessors = [SandboxedExecute, IgnorePattern, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.SandboxedExecute.timeout = 2
c.SandboxedExecute.notebook_timeout = 20
c.BubblewrapProvisioner.memory_bytes = 512 * 1024**2
c.BubblewrapProvisioner.cpu_seconds = 30
c.BubblewrapProvisioner.max_processes = 32
'''


def _cell(kind: str, source: str, grade_id: str | None = None, **flags: object):
    maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source=source)
    if grade_id:
        meta = {"grade": False, "solution": False, "locked": False, "grade_id": grade_id,
                "schema_version": 3}
        meta.update(flags)
        cell.metadata["nbgrader"] = meta
        cell.id = grade_id.replace("_", "-")
    return cell


def source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        _cell("markdown", "What is the answer? (3 points)", "question", locked=True),
        _cell("code", "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION", "answer",
              solution=True),
        _cell("code", '"""The answer is 42."""\n### BEGIN HIDDEN TESTS\nassert answer == 42\n'
              "### END HIDDEN TESTS", "test_answer", grade=True, locked=True, points=2),
        _cell("code", '"""The answer is an int."""\nassert isinstance(answer, int)\n'
              "assert answer == 42",
              "test_type", grade=True, locked=True, points=1),
    ]
    return nb


def answered(release: nbformat.NotebookNode, code: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(release)
    nb.cells[1].source = code
    return nb


def cell_named(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def submissions(release: nbformat.NotebookNode, root: Path) -> dict[str, nbformat.NotebookNode]:
    """Student id -> the notebook they hand in."""
    db, source = root / "gradebook.db", root / "source"
    subs = {
        "honest": answered(release, "answer = 42"),
        "wrong": answered(release, "answer = 41"),
        "gradebook_write": answered(release, (
            "import sqlite3, glob\nanswer = 0\n"
            f"con = sqlite3.connect(r'{db}')\n"
            "con.execute('UPDATE grade SET extra_credit = 97'); con.commit()")),
        "read_source": answered(release, (
            "answer = 0\nimport os\n"
            f"print(os.listdir(r'{root}'))\nprint(open(r'{source}/a1/a1.ipynb').read())")),
        "write_source": answered(release, (
            f"answer = 0\nopen(r'{source}/a1/planted.txt', 'w').write('x')")),
        "exit_now": answered(release, "answer = 0\nimport os\nos._exit(0)"),
        "sys_exit": answered(release, "answer = 0\nimport sys\nsys.exit(0)"),
        "hang": answered(release, "answer = 0\nwhile True:\n    pass"),
        "huge_alloc": answered(release, "answer = 0\nblock = bytearray(30 * 1024**3)"),
        "fork_bomb": answered(release, "answer = 0\nimport os\nwhile True:\n    os.fork()"),
        "flood": answered(release, "answer = 42\nprint('x' * 50_000_000)"),
        "patch_isinstance": answered(release, (
            "import builtins\nanswer = 0\nbuiltins.isinstance = lambda *a: True")),
    }
    deleted = answered(release, "answer = 0")
    deleted.cells = [c for c in deleted.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "test_answer"]
    subs["deleted_test"] = deleted
    renamed = answered(release, "answer = 0")
    cell_named(renamed, "test_answer").metadata.nbgrader["grade_id"] = "my_test"
    subs["renamed_grade_id"] = renamed
    points = answered(release, "answer = 42")
    cell_named(points, "test_answer").metadata.nbgrader["points"] = 100
    subs["edited_points"] = points
    flag = answered(release, "answer = 0")
    cell_named(flag, "test_answer").metadata.nbgrader["grade"] = False
    subs["grade_flag_off"] = flag
    return subs


BROKEN_FILES = {
    "invalid_json": '{"cells": [',
    "nbformat3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                             "worksheets": [{"cells": []}]}),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("adversarial")
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=root))
    (root / "source" / "a1").mkdir(parents=True)
    nbformat.write(source_notebook(), root / "source" / "a1" / "a1.ipynb")
    (root / "source" / "a1" / "marker.txt").write_text(MARKER)

    def nbgrader(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=600)

    done = nbgrader("generate_assignment", "a1", "--force")
    assert done.returncode == 0, done.stderr[-3000:]
    release = nbformat.read(root / "release" / "a1" / "a1.ipynb", as_version=4)
    students = submissions(release, root)
    other = copy.deepcopy(release)
    for cell in other.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader["grade_id"] = "lesson9_" + cell.metadata.nbgrader["grade_id"]
        cell.id = "other-" + cell.id
    students["other_assignment"] = other
    for student, nb in students.items():
        folder = root / "submitted" / student / "a1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "a1.ipynb")
    for student, text in BROKEN_FILES.items():
        folder = root / "submitted" / student / "a1"
        folder.mkdir(parents=True)
        (folder / "a1.ipynb").write_text(text)
    (root / "submitted" / "missing" / "a1").mkdir(parents=True)
    problems = {
        p.parent.parent.name: check_submission_file(p, root / "release" / "a1" / "a1.ipynb")
        for p in [root / "submitted" / s / "a1" / "a1.ipynb"
                  for s in [*students, *BROKEN_FILES, "missing"]]
    }
    skipped = ",".join(s for s, found in problems.items() if found)
    run = nbgrader("autograde", "a1", "--force", f"--CourseDirectory.student_id_exclude={skipped}")
    return {"root": root, "run": run, "problems": problems, "students": list(students)}


def score(graded: dict, student: str) -> float:
    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission("a1", student).score


def autograded(graded: dict, student: str) -> nbformat.NotebookNode:
    path = graded["root"] / "autograded" / student / "a1" / "a1.ipynb"
    return nbformat.read(path, as_version=4)


def test_the_run_succeeds_and_grades_every_readable_submission(graded: dict) -> None:
    assert graded["run"].returncode == 0, graded["run"].stderr[-4000:]
    for student in graded["students"]:
        if not graded["problems"][student]:
            assert (graded["root"] / "autograded" / student / "a1" / "a1.ipynb").exists()


def test_honest_submissions_get_their_marks(graded: dict) -> None:
    assert score(graded, "honest") == 3
    assert score(graded, "wrong") == 0


@pytest.mark.parametrize("student", [
    "gradebook_write", "read_source", "write_source", "exit_now", "sys_exit", "hang",
    "huge_alloc", "fork_bomb", "patch_isinstance", "deleted_test", "renamed_grade_id",
    "grade_flag_off",
])
def test_no_undeserved_points(graded: dict, student: str) -> None:
    assert score(graded, student) == 0


def test_edited_points_are_put_back(graded: dict) -> None:
    assert score(graded, "edited_points") == 3
    assert any(f["kind"] == "metadata_restored" for f in faults_of(autograded(graded,
                                                                             "edited_points")))


def test_output_flood_is_cut_and_the_rest_still_graded(graded: dict) -> None:
    assert score(graded, "flood") == 3
    nb = autograded(graded, "flood")
    assert len(json.dumps(nb)) < 2_000_000
    assert any(f["kind"] == "output_flood" for f in faults_of(nb))


@pytest.mark.parametrize(("student", "kind"), [
    ("exit_now", "kernel_died"), ("hang", "hang"), ("deleted_test", "cell_restored"),
    ("renamed_grade_id", "metadata_restored"), ("grade_flag_off", "metadata_restored"),
])
def test_the_reason_is_recorded(graded: dict, student: str, kind: str) -> None:
    faults = faults_of(autograded(graded, student))
    assert kind in {f["kind"] for f in faults}, faults
    assert all(f["message"] for f in faults)


def test_secrets_stay_unread_and_unchanged(graded: dict) -> None:
    root = graded["root"]
    assert (root / "source" / "a1" / "marker.txt").read_text() == MARKER
    assert not (root / "source" / "a1" / "planted.txt").exists()
    for student in graded["students"]:
        if not graded["problems"][student]:
            text = (root / "autograded" / student / "a1" / "a1.ipynb").read_text()
            assert MARKER not in text
            assert "marker.txt" not in text


def test_gradebook_is_intact_and_unmodified(graded: dict) -> None:
    con = sqlite3.connect(graded["root"] / "gradebook.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        extra = con.execute("SELECT MAX(COALESCE(extra_credit, 0)) FROM grade").fetchone()[0]
        assert extra == 0
    finally:
        con.close()


@pytest.mark.parametrize(("student", "words"), [
    ("invalid_json", "damaged"), ("nbformat3", "format 3"), ("missing", "not found"),
    ("other_assignment", "another lesson"),
])
def test_file_level_faults_are_reported(graded: dict, student: str, words: str) -> None:
    assert any(words in problem for problem in graded["problems"][student])
