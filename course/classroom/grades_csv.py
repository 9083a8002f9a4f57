"""Grades as CSV that a spreadsheet reads as data, never as columns or formulas it was sent.

nbgrader's own ``CsvExportPlugin`` joins fields with commas and quotes nothing: a name typed
with commas shifts every column after it, and a field that starts with ``=`` becomes a
formula. Every CSV the course writes goes through ``write_csv``: each field quoted (Python's
``csv`` module, ``QUOTE_ALL``), and each text field that a spreadsheet would read as a
formula (starting with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return: the OWASP CSV
injection rule) prefixed with a single quote. ``GradesCsvExport`` is nbgrader's export plugin
with the same columns and rows as nbgrader's, written that way; ``nbgrader_config.py`` makes
it the exporter of ``nbgrader export``, and ``cryocourse export`` uses it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

from course.foundation.whole_files import written_whole

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# nbgrader's columns, in nbgrader's order (tools that read nbgrader's export keep working).
COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
           "email", "raw_score", "late_submission_penalty", "score", "max_score")


def inert_cell(value: object) -> str:
    """One field as text a spreadsheet shows as it is (None is empty; numbers as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return f"'{text}" if text.startswith(FORMULA_STARTS) else text
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a CSV file whole, owner-only, every field quoted and made inert
    (``inert_cell``)."""
    path = Path(path)
    with written_whole(path, newline="") as handle:  # owner-only: grades are personal data
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow([inert_cell(name) for name in header])
        writer.writerows([inert_cell(value) for value in row] for row in rows)
    return path


def grade_rows(gradebook: Gradebook, assignments: Iterable[str] = (),
               students: Iterable[str] = ()) -> Iterator[tuple[object, ...]]:
    """One row per assignment and student, as nbgrader's CSV export has them (a trainee who
    submitted nothing scores 0)."""
    only_assignments = {str(name) for name in assignments}
    only_students = {str(name) for name in students}
    for assignment in gradebook.assignments:
        if only_assignments and assignment.name not in only_assignments:
            continue
        for student in gradebook.students:
            if only_students and student.id not in only_students:
                continue
            try:
                submission = gradebook.find_submission(assignment.name, student.id)
            except MissingEntry:
                timestamp, raw, penalty, score = "", 0.0, 0.0, 0.0
            else:
                timestamp, raw = submission.timestamp, submission.score
                penalty = submission.late_submission_penalty
                score = max(0.0, raw - penalty)
            yield (assignment.name, assignment.duedate, timestamp, student.id,
                   student.last_name, student.first_name, student.email, raw, penalty, score,
                   assignment.max_score)


class GradesCsvExport(ExportPlugin):
    """nbgrader's CSV export (same columns and rows), every field quoted and inert."""

    def export(self, gradebook: Gradebook) -> None:
        target = Path(self.to or "grades.csv")
        self.log.info("Exporting grades to %s", target)
        write_csv(target, COLUMNS, grade_rows(gradebook, self.assignment, self.student))


def export_grades(root: Path, target: Path) -> Path:
    """``cryocourse export``: every grade of the course as CSV at ``target`` (absolute)."""
    from course.storage.course_folder import make_api

    api = make_api(root)
    target = target.resolve()
    plugin = GradesCsvExport(config=api.config)  # quoted, inert fields (never nbgrader's own)
    plugin.to = str(target)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return target
