"""``RestoreGradeMetadata``: put back the grading settings a trainee changed.

Runs in the sanitize stage, before nbgrader's ``OverwriteCells``: nbgrader metadata a
trainee edited or deleted is restored from the gradebook and the source notebook, deleted
grade cells are re-inserted and unknown ones lose their metadata, so a submission is always
graded. Each repair is recorded as a fault.

What counts as a change is judged against what the trainee was given: the released
notebook (``release/<assignment>/``), whose cells carry the settings and checksums nbgrader
wrote after the hidden tests were cleared and the ready line added. The gradebook's
checksum of a grade cell is taken before that (it covers the hidden tests), so comparing
with it would call every honest submission tampered. A locked cell (grade cells, checks,
instructions) whose text differs from the release was edited: a fault too; either way its
text is put back from the gradebook before nbgrader's ``OverwriteCells`` (which then finds
nothing to report). Without a release notebook, settings are compared with the gradebook's,
leaving the checksum out.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from course.nbgrader_plugins.autograde.faults import record_fault


class RestoreGradeMetadata(NbGraderPreprocessor):
    """Restore nbgrader cell metadata from the gradebook and the source notebook."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Match expected graded cells to submitted ones; repair what was changed."""
        info = resources["nbgrader"]
        expected = self._expected_cells(info)
        if not expected:
            return nb, resources
        released = self._released_cells(info)
        matched = _match_cells(nb.cells, expected)
        for cell_index, want in matched.items():
            cell = nb.cells[cell_index]
            have = cell.metadata.get("nbgrader", {})
            given = released.get(want["name"])
            if _settings_changed(have, want["nbgrader"], given):
                record_fault(nb, "metadata_restored",
                             f"The grading settings of cell '{want['name']}' had been changed; "
                             "they were put back.", cell_index)
            if want["nbgrader"].get("locked") and cell.cell_type == want["cell_type"]:
                if given is not None and cell.source != given.source:
                    record_fault(nb, "locked_cell_edited",
                                 f"Cell '{want['name']}' cannot be changed by trainees but had "
                                 "been edited; the course's version was used.", cell_index)
                cell.source = want["source"]
            cell.metadata["nbgrader"] = copy.deepcopy(want["nbgrader"])
            cell.metadata["editable"] = not want["nbgrader"].get("locked", False)
            cell.metadata["deletable"] = False
        known = set(matched)
        for cell_index, cell in enumerate(nb.cells):
            if cell_index not in known and "nbgrader" in cell.metadata:
                grade_id = cell.metadata["nbgrader"].get("grade_id", "?")
                if _is_graded(cell.metadata["nbgrader"]):
                    record_fault(nb, "metadata_removed",
                                 f"Cell '{grade_id}' is not part of this assignment; it is not "
                                 "graded.", cell_index)
                del cell.metadata["nbgrader"]
        self._reinsert_missing(nb, expected, matched)
        return nb, resources

    def _expected_cells(self, info: dict) -> list[dict[str, Any]]:
        """Expected nbgrader cells in notebook order: name, cell id, type, metadata, source."""
        source_cells = self._source_notebook_cells(info)
        with Gradebook(info["db_url"]) as gradebook:
            try:
                notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return []
            stored = {c.name: c for c in notebook.source_cells}
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            points.update({c.name: float(c.max_score) for c in notebook.task_cells})
            stored_info = {
                name: {"cell_type": c.cell_type, "source": c.source, "locked": c.locked,
                       "checksum": c.checksum}
                for name, c in stored.items()
            }
        order = [c for c in source_cells if c["name"] in stored_info]
        order += [{"name": n, "id": None, "nbgrader": {}} for n in stored_info
                  if n not in {c["name"] for c in order}]
        expected = []
        for entry in order:
            name, db = entry["name"], stored_info[entry["name"]]
            meta = dict(entry["nbgrader"]) or {"grade": name in points, "solution": False}
            meta.update(grade_id=name, locked=db["locked"], checksum=db["checksum"])
            if name in points:
                meta["points"] = points[name]
            meta.setdefault("schema_version", 3)
            expected.append({"name": name, "id": entry["id"], "cell_type": db["cell_type"],
                             "source": db["source"], "nbgrader": meta})
        return expected

    def _released_cells(self, info: dict) -> dict[str, NotebookNode]:
        """The cells of the notebook as released to trainees, by grade_id (empty if absent)."""
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]))
        try:
            release = nbformat.read(path / f"{info['notebook']}.ipynb", as_version=4)
        except (OSError, ValueError):
            return {}
        return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in release.cells
                if cell.metadata.get("nbgrader", {}).get("grade_id")}

    def _source_notebook_cells(self, info: dict) -> list[dict[str, Any]]:
        """nbgrader cells of the instructor's source notebook, in order (empty if absent)."""
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
        path = path / f"{info['notebook']}.ipynb"
        try:
            source = nbformat.read(path, as_version=4)
        except (OSError, ValueError):
            return []
        cells = []
        for cell in source.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id"):
                kept = {k: v for k, v in meta.items() if k != "checksum"}
                cells.append({"name": meta["grade_id"], "id": cell.get("id"), "nbgrader": kept})
        return cells

    def _reinsert_missing(
        self, nb: NotebookNode, expected: list[dict], matched: dict[int, dict]
    ) -> None:
        """Put back expected cells that were deleted, after the previous expected cell."""
        where = {want["name"]: index for index, want in matched.items()}
        insert_after = -1
        for want in expected:
            if want["name"] in where:
                insert_after = _current_index(nb, want["name"])
                continue
            cell = _new_cell(want)
            nb.cells.insert(insert_after + 1, cell)
            insert_after += 1
            record_fault(nb, "cell_restored",
                         f"Cell '{want['name']}' had been deleted; it was put back "
                         "(its question is marked as not answered if it was an answer cell).",
                         insert_after)


def _settings_changed(have: dict, want: dict, given: NotebookNode | None) -> bool:
    """Whether a trainee changed a cell's nbgrader settings: all of them (checksum included)
    against the released cell's; without one, the gradebook's, leaving the checksum out."""
    if given is not None:
        return dict(have) != dict(given.metadata["nbgrader"])
    return any(have.get(k) != v for k, v in want.items() if k != "checksum")


def _is_graded(meta: dict) -> bool:
    return bool(meta.get("grade") or meta.get("solution") or meta.get("task"))


def _current_index(nb: NotebookNode, name: str) -> int:
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == name:
            return index
    return len(nb.cells) - 1


def _new_cell(want: dict) -> NotebookNode:
    maker = nbformat.v4.new_code_cell if want["cell_type"] == "code" else (
        nbformat.v4.new_markdown_cell)
    cell = maker(source=want["source"])
    cell.metadata["nbgrader"] = copy.deepcopy(want["nbgrader"])
    cell.metadata["deletable"] = False
    cell.metadata["editable"] = not want["nbgrader"].get("locked", False)
    return cell


def _match_cells(cells: list[NotebookNode], expected: list[dict]) -> dict[int, dict]:
    """Submitted cell index -> expected cell: by grade_id, then cell id, then order."""
    matched: dict[int, dict] = {}
    taken: set[str] = set()
    for index, cell in enumerate(cells):  # 1. same grade_id (first occurrence wins)
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        want = next((w for w in expected if w["name"] == name), None)
        if want is not None and name not in taken and cell.cell_type == want["cell_type"]:
            matched[index] = want
            taken.add(name)
    for want in expected:  # 2. same nbformat cell id
        if want["name"] in taken or not want["id"]:
            continue
        for index, cell in enumerate(cells):
            if index not in matched and cell.get("id") == want["id"]:
                matched[index] = want
                taken.add(want["name"])
                break
    leftovers = [i for i, c in enumerate(cells)  # 3. renamed cells, in order
                 if i not in matched and c.metadata.get("nbgrader", {}).get("grade_id")]
    for want in expected:
        if want["name"] in taken:
            continue
        renamed = next((i for i in leftovers if cells[i].cell_type == want["cell_type"]), None)
        if renamed is not None:
            leftovers.remove(renamed)
            matched[renamed] = want
            taken.add(want["name"])
    return matched
