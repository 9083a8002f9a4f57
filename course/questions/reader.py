"""The one reader of a notebook's text: typed answers, the name cell, code cells.

The kernel's ``check()``/``grade()`` and the trusted marker read answers by the same rule:
``name = value`` lines parsed with ``ast`` (plain values only, nothing is run), the last
assignment wins, and a cell that does not parse makes the names it assigns unreadable (the
kernel ran none of it, so the answer before it is not the trainee's latest). The
kernel applies the rule to the cells in the order they were run, the marker to the answer
cells in notebook order, which is the order autograding runs them in. So a scratch line
such as ``peak_flow += 0.1`` changes neither what ``check()`` says nor the mark.

Imports nothing from nbgrader or Jupyter: it runs in trainees' kernels too.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from course.foundation.regular_files import read_plain_file
from course.questions.friendly_errors import syntax_error_message
from course.questions.kinds import NotPlainValue, answers_in_source

NAME_VARIABLE = "your_name"  # the header's name cell: your_name = "..."
MAX_NAME_LENGTH = 80
UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def as_python(source: str) -> str:
    """A cell's text as the kernel runs it: IPython's input transformations applied
    (common indentation removed, ``%magic`` and ``!shell`` lines turned into calls).

    Idempotent, so text the kernel already transformed (its ``In`` history) reads the same.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - text IPython cannot transform is read as typed
        return source


def _assigns(source: str, name: str) -> bool:
    """Whether ``source`` assigns ``name`` anywhere in a line (annotated or not): what is said
    of a cell Python could not read. A line pasted with words in front of it ("Copy this line
    ...: steps = [...]") is an attempt that did not run, never "not attempted". The answer
    controls look for the same text (answer-controls/src/literals.ts, `assignedByPattern`)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}\s*(:[^=\n]*)?=(?!=)", source) is not None


def _mentions(source: str, name: str) -> bool:
    """Whether ``name`` can be in ``source`` at all: Python reads identifiers NFKC-normalised
    (a full-width "ｄecision" is ``decision``), so non-ASCII text is normalised first."""
    return name in (source if source.isascii() else unicodedata.normalize("NFKC", source))


def _too_long(source: str, names: Iterable[str]) -> dict[str, object]:
    """Answers in a cell too long or too deeply nested to read: each named one explained."""
    found: dict[str, object] = {}
    for name in names:
        if _assigns(source, name):
            found[name] = NotPlainValue(
                f"`{name}` is too long a calculation to read: type the value itself, "
                f"like `{name} = 3`.")
    return found


def answers_in_cells(sources: Iterable[str], names: Iterable[str]) -> dict[str, object]:
    """The last plain value typed for each of ``names`` across ``sources``, in order.

    Each cell is read as the kernel runs it (``as_python``). A value that is not plain is a
    ``NotPlainValue`` (so the caller can explain it), and so is an answer in a cell too long
    or too deeply nested to parse; names never assigned are absent; a cell that does not
    parse makes the names it assigns unreadable.
    """
    wanted = list(names)
    found: dict[str, object] = {}
    for source in sources:
        if not any(_mentions(source, name) for name in wanted):  # no assignment without it
            continue
        python = as_python(source)
        try:
            found.update(answers_in_source(python, wanted))
        except (RecursionError, MemoryError):
            found.update(_too_long(python, wanted))
        except UNREADABLE as error:
            found.update(unreadable_answers(python, wanted, error))
    return found


def unreadable_answers(source: str, names: Iterable[str],
                       error: BaseException) -> dict[str, NotPlainValue]:
    """The names a cell Python could not read assigns, each with what went wrong: the kernel
    ran none of that cell, so an earlier value must not be judged (or marked) instead.

    A name counts as assigned wherever ``name =`` stands in the cell, not only at the start
    of a line: a line pasted with words in front of it ("Copy this line ...: steps = [...]")
    is an attempt that did not run, never "not attempted"."""
    why = (syntax_error_message(error) if isinstance(error, SyntaxError)
           else "Python could not read it.")
    return {name: NotPlainValue(f"Your answer cell for `{name}` did not run. {why}")
            for name in names if _assigns(source, name)}


def _nbgrader(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_answer_cell(cell: Mapping[str, Any]) -> bool:
    """A code cell the trainee could have answered in: not a grade cell, not a locked one.

    The same test as nbgrader's ``is_grade``/``is_locked`` (a solution cell is never locked).
    """
    if cell.get("cell_type") != "code":
        return False
    meta = _nbgrader(cell)
    if meta.get("grade", False):
        return False
    return bool(meta.get("solution", False)) or not meta.get("locked", False)


def answer_sources(nb: Mapping[str, Any]) -> Iterator[str]:
    """The text of a notebook's answer cells, in notebook order."""
    for cell in nb.get("cells", []):
        if is_answer_cell(cell) and isinstance(cell.get("source"), str):
            yield cell["source"]


def typed_answers(nb: Mapping[str, Any], names: Iterable[str]) -> dict[str, object]:
    """What the trainee typed for ``names`` in the notebook's answer cells (the marker's view)."""
    return answers_in_cells(answer_sources(nb), names)


def read_notebook(path: Path) -> Mapping[str, Any] | None:
    """A notebook file as nbformat 4 (None if it cannot be read: any damage at all, or not
    a plain file: a link, a hard link, a device, too large; see
    ``course.foundation.regular_files``)."""
    import nbformat

    try:
        return nbformat.reads(read_plain_file(path).decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - a damaged notebook has no text to read
        return None


def code_cell_sources(path: Path) -> Iterator[str]:
    """The text of the notebook's code cells (nothing if the notebook cannot be read)."""
    nb = read_notebook(path)
    for cell in nb.get("cells", []) if nb is not None else []:
        if cell.get("cell_type") == "code" and isinstance(cell.get("source"), str):
            yield cell["source"]


def parsed_code_cells(path: Path) -> Iterator[ast.Module]:
    """The notebook's code cells as syntax trees (unreadable notebooks and cells skipped)."""
    for source in code_cell_sources(path):
        try:
            yield ast.parse(source)
        except UNREADABLE:
            continue


def modules_imported_by(notebooks: Iterable[Path]) -> list[str]:
    """Modules the notebooks import in their code cells (in order, once each)."""
    found: list[str] = []
    for path in notebooks:
        for tree in parsed_code_cells(path):
            for node in tree.body:
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                else:
                    continue
                found += [name for name in names if name not in found]
    return found


# Characters a name never needs that separate fields in files names travel in (CSV and
# spreadsheet columns, lists) or quote them.
NAME_SEPARATORS = frozenset(',;|"\\')
FORMULA_STARTS = "=+-@"  # a spreadsheet reads a field starting with one as a formula


def plain_name(typed: str) -> str:
    """A typed name made safe to store: control and formatting characters, markup brackets
    (``<`` ``>``) and field separators (``,`` ``;`` ``|`` quotes, backslash) dropped, spaces
    squeezed, no word starting with a character a spreadsheet reads as a formula, at most 80
    characters. (Pages escape names and CSV files quote them: this is a second wall.)"""
    printable = "".join(" " if c.isspace() or c in NAME_SEPARATORS else c
                        for c in typed if c not in "<>" and (
                            c.isspace() or not unicodedata.category(c).startswith("C")))
    words = (word.lstrip(FORMULA_STARTS) for word in printable.split())
    return " ".join(word for word in words if word)[:MAX_NAME_LENGTH].strip()


def name_in_notebook(path: Path) -> str:
    """The name a trainee typed in the notebook's name cell ('' if none can be read).

    Read from the text (a plain string only); the notebook is not run. The first code cell
    that names the trainee wins (the header's name cell comes first).
    """
    return name_in_cells(code_cell_sources(path))


def name_in_cells(sources: Iterable[str]) -> str:
    """The name typed in the first of these code cells that names the trainee ('' if none)."""
    for source in sources:
        typed = answers_in_cells([source], [NAME_VARIABLE]).get(NAME_VARIABLE)
        if isinstance(typed, str) and (name := plain_name(typed)):
            return name
    return ""


def question_titles(nb: Mapping[str, Any]) -> dict[str, str]:
    """Grade id -> the question's title as a trainee reads it.

    A grade cell's first comment line titles it ("# Question 2: who may remove a wart with
    cold." gives "Question 2: who may remove a wart with cold"); a written answer takes the
    heading above it, without its points ("### Question 4 (2 points, ...)": "Question 4").
    """
    titles: dict[str, str] = {}
    heading = ""
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        if not isinstance(source, str):
            continue
        meta = _nbgrader(cell)
        if cell.get("cell_type") == "markdown":
            first = source.lstrip().splitlines()[0] if source.strip() else ""
            if first.startswith("#"):
                heading = first.lstrip("#").split("(")[0].strip()
            if meta.get("grade") and heading:
                titles[meta.get("grade_id", "")] = heading
        elif meta.get("grade"):
            comment = next((line for line in source.splitlines()
                            if line.startswith("#") and not line.startswith("###")), "")
            title = comment.lstrip("# ").strip().rstrip(".").strip()
            if title:
                titles[meta.get("grade_id", "")] = title
    return titles


def question_labels(nb: Mapping[str, Any]) -> dict[str, str]:
    """Grade id -> the question's short name as a trainee sees it ("Question 4", "Case 3"):
    its title (``question_titles``) up to the first colon."""
    return {grade_id: title.split(":")[0].strip()
            for grade_id, title in question_titles(nb).items()}


def lesson_title(nb: Mapping[str, Any]) -> str:
    """The notebook's first top-level heading ("00 · Orientation: ..."), or "" if none."""
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        if cell.get("cell_type") == "markdown" and isinstance(source, str):
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""
