"""Released notebooks as a trainee meets them: plumbing collapsed, Validate names every
unanswered marked question (real ``nbgrader validate`` on a released notebook)."""

from __future__ import annotations

import re
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
    from course.questions.control_metadata import versioned
    from course.questions.kinds import answer_spec

    items = all_items()
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions
    for cell in solutions:
        if cell.cell_type == "markdown":
            assert cell.metadata["cryocourse"] == versioned({"kind": "written"})
            continue
        item = items[cell.metadata.nbgrader.grade_id.removesuffix("_answer")]
        spec = answer_spec(item)
        assert spec is not None, f"{item.id}: an answer kind without a control"
        assert cell.metadata["cryocourse"] == versioned(spec)
        for answer in spec["answers"]:
            assert f"{answer['name']} = ..." in cell.source


def _extension_kinds() -> set[str]:
    """The answer kinds the extension's control() has a case for (answer-controls/src)."""
    source = (REPO / "answer-controls/src/controls.ts").read_text(encoding="utf-8")
    union = re.search(r"kind: ((?:'\w+'(?: \| )?)+);", source)
    assert union, "AnswerSpec.kind not found in controls.ts"
    declared = set(re.findall(r"'(\w+)'", union.group(1)))
    handled = set(re.findall(r"case '(\w+)':", source))
    assert declared == handled, "a declared kind without a case in control(), or the reverse"
    return declared


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.parent.name)
def test_every_marked_question_is_answered_with_one_control_and_no_typing(path):
    """Every answer cell of every released lesson (marked questions and practice) carries
    answer kinds that the extension draws a control for, so no answer needs Python; no
    lesson asks the trainee to copy a line into a cell, and each answer variable has one
    control only (no second checklist or picker in another cell)."""
    from course.exercises import all_items

    kinds = _extension_kinds()
    items = all_items()
    nb = nbformat.read(path, as_version=4)
    variables: list[str] = []
    for cell in nb.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("solution"):
            continue
        item_id = nbgrader["grade_id"].removesuffix("_answer")
        assert item_id in items, f"{item_id}: an answer cell without a declared question"
        spec = cell.metadata.get("cryocourse", {})
        names = [answer["name"] for answer in spec.get("answers", [])]
        assert sorted(names) == sorted(items[item_id].answers), item_id
        for answer in spec["answers"]:
            assert answer["kind"] in kinds, f"{item_id}: no control for {answer['kind']!r}"
        variables.extend(names)
    assert len(variables) == len(set(variables)), "one answer variable in two answer cells"
    for cell in nb.cells:
        text = cell.source.lower()
        assert "copy this line" not in text and "copy the line" not in text, cell.source
    # no view of the course writes an answer line for the trainee to copy (a second control);
    # retired_pickers.py keeps lesson 07's pickers only for notebooks fetched under 0.1.0
    for view in (REPO / "course/views").glob("*.py"):
        if view.name == "retired_pickers.py":
            continue
        assert "copy this line" not in view.read_text(encoding="utf-8").lower(), view.name
