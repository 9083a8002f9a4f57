"""One reading of an answer: what the check cell accepted is what is marked.

IPython tidies a cell before running it (common indentation removed, ``%magic`` lines turned
into calls). Every question's reference answer, written with a leading space and with a
magic line, is run in a real IPython shell, where ``check()`` must call it well formed (or
correct), and marked by the trusted marker from the text, where it must earn full points.
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from course.checks import check
from course.nbgrader_plugins.autograde.trusted_scores import score_notebook_item
from course.questions.kinds import answers_in_source
from tests.nbgrader_harness import MARKED_ASSIGNMENTS, REPO, items_in

VARIANTS = {
    "leading space": lambda source: "".join(f" {line}" for line in source.splitlines(True)),
    "magic line": lambda source: f"%whos\n{source}",
}


def _source_notebooks():
    for assignment in MARKED_ASSIGNMENTS:
        for path in sorted((REPO / "source" / assignment).glob("*.ipynb")):
            yield pytest.param(path, id=path.stem)


def _answer_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("solution")]


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    return InteractiveShell.instance()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", list(_source_notebooks()))
def test_reference_answers_read_the_same_in_the_kernel_and_the_marker(path, variant, shell):
    nb = nbformat.read(path, as_version=4)
    items = items_in(nb)
    assert items, path
    changed = copy.deepcopy(nb)
    for cell in _answer_cells(changed):
        cell.source = VARIANTS[variant](cell.source)
        with pytest.raises(SyntaxError):
            answers_in_source(cell.source, ["x"])  # the raw text alone does not parse
        result = shell.run_cell(cell.source, store_history=True)
        assert result.error_in_exec is None and result.error_before_exec is None
    for item in items:
        said = check(item.id)
        assert said.status in ("well formed", "correct"), (item.id, said)
        score = score_notebook_item(changed, item)
        assert score.fraction == 1.0, (item.id, variant, score)


def test_an_answer_pasted_with_words_in_front_is_a_syntax_error_not_unattempted(shell):
    """A line pasted with the sentence before it does not run: the check and the trusted
    marker both report Python's complaint, never "Not attempted yet"."""
    from course.exercises import item

    question = item("safety_oxygen_alarm_steps")
    shell.run_cell("alarm_steps = ...", store_history=True)
    pasted = ('Copy this line into the answer cell below: alarm_steps = ["stop_session", '
              '"client_out"]')
    result = shell.run_cell(pasted, store_history=True)
    assert result.error_before_exec is not None or result.error_in_exec is not None
    said = check(question.id)
    assert said.status == "malformed", said
    assert "did not run" in said.message and "Not attempted" not in said.message
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(pasted)])
    score = score_notebook_item(nb, question)
    assert score.status == "malformed" and score.fraction == 0, score
