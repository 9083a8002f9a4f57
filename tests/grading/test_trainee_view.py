"""Released notebooks as a trainee meets them: plumbing collapsed, Validate names every
unanswered marked question (real ``nbgrader validate`` on a released notebook)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.utils import is_grade

from course.nbgrader_plugins.generate.release_cells import ready_line
from tests.nbgrader_harness import MARKED_ASSIGNMENTS, REPO, tool_env

RELEASED = sorted(REPO.glob("release/*/*.ipynb"))
# Released notebooks with questions (the practice log, 08, is a record without any).
MARKED_RELEASES = [p for p in RELEASED if p.parent.name in MARKED_ASSIGNMENTS]


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_grade_cells_and_long_import_cells_are_collapsed(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        if is_grade(cell):
            assert hidden, cell.source
            assert cell.source.endswith(ready_line(cell.metadata.nbgrader.grade_id))
        elif cell.metadata.get("nbgrader", {}).get("grade_id") == "setup":
            assert hidden == (len(cell.source.splitlines()) >= 4), cell.source


def _validate(tmp_path, nb: nbformat.NotebookNode) -> str:
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    nbformat.write(nb, tmp_path / "lesson.ipynb")
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "lesson.ipynb"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env=tool_env())
    return result.stdout + result.stderr


@pytest.mark.nbgrader
def test_validate_lists_every_unanswered_case_of_the_assessment(tmp_path):
    """Assessment 05 with every case blank: validation names all 14 cases and the three
    written answers (stock validate lists only the written answers)."""
    nb = nbformat.read(REPO / "release/05-screening-cases/05-screening-cases.ipynb", 4)
    report = _validate(tmp_path, nb)
    assert "VALIDATION FAILED ON 17 CELL(S)" in report, report
    for case in range(1, 15):
        assert f"# Case {case}:" in report
    assert report.count("Not attempted yet: replace the ... with your answer.") == 14
    assert "NotReadyToSubmit" not in report and "Traceback" not in report

    answer = next(c for c in nb.cells if c.source.startswith("case01_treatment"))
    answer.source = 'case01_treatment = "defer"\ncase01_referral = "none"\ncase01_findings = none\n'
    report = _validate(tmp_path, nb)
    assert "VALIDATION FAILED ON 17 CELL(S)" in report, report
    assert "`case01_findings = none`: for no answer in a list write an empty list" in report
    answer.source = ('case01_treatment = "defer"\ncase01_referral = "none"\n'
                     'case01_findings = ["none"]\n')
    assert "VALIDATION FAILED ON 16 CELL(S)" in _validate(tmp_path, nb)


@pytest.mark.parametrize("path", MARKED_RELEASES, ids=lambda p: p.parent.name)
def test_every_answer_cell_says_its_answer_kinds_for_the_answer_controls(path):
    """Released answer cells carry their question's kinds and choices, taken from the
    question's declaration (never typed twice); written answers are marked as such."""
    from course.exercises import all_items
    from course.questions.kinds import answer_spec

    items = all_items()
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions
    for cell in solutions:
        if cell.cell_type == "markdown":
            assert cell.metadata["cryocourse"] == {"kind": "written"}
            continue
        item = items[cell.metadata.nbgrader.grade_id.removesuffix("_answer")]
        spec = answer_spec(item)
        if spec is None:  # a kind with no control (ordered steps: lesson 07's step picker)
            assert "cryocourse" not in cell.metadata
            continue
        assert cell.metadata["cryocourse"] == spec
        for answer in spec["answers"]:
            assert f"{answer['name']} = ..." in cell.source
