"""The gradebook around a grading run: hand grades kept, trainees' names, integrity.

nbgrader's own ``Gradebook`` holds the marks; these functions read and repair what a
regrade would otherwise lose, and fill in what only the notebooks know (the name cell).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from course.classroom.course_folder import SQLITE_BUSY_SECONDS, release_notebooks
from course.classroom.submissions import Submission
from course.notebook_text import name_in_notebook

# --- manual grades: read before grading, put back if anything changed them -------------

GradeKey = tuple[str, str, str]  # student, notebook, grade cell


def manual_grades(db_url: str, assignment: str, students: Iterable[str]
                  ) -> dict[GradeKey, float]:
    """Manual scores already given for these students' submissions."""
    from nbgrader.api import Gradebook, MissingEntry

    wanted = set(students)
    found: dict[GradeKey, float] = {}
    with Gradebook(db_url) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return found
        for submission in submissions:
            if submission.student_id not in wanted:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.manual_score is not None:
                        found[(submission.student_id, notebook.name, grade.name)] = (
                            grade.manual_score)
    return found


def restore_manual_grades(db_url: str, assignment: str, before: dict[GradeKey, float],
                          unchanged: Iterable[str] = ()) -> list[GradeKey]:
    """Put back manual scores that grading changed; return which ones it had to.

    nbgrader asks for a hand grade again whenever it regrades; for the ``unchanged``
    students (same files as when they were graded by hand) the hand grade still stands.
    """
    from nbgrader.api import Gradebook, MissingEntry

    restored: list[GradeKey] = []
    still_graded = set(unchanged)
    changed = False
    with Gradebook(db_url) as gradebook:
        for (student, notebook, cell), score in before.items():
            try:
                grade = gradebook.find_grade(cell, notebook, assignment, student)
            except MissingEntry:
                continue
            if grade.manual_score != score:
                grade.manual_score = score
                restored.append((student, notebook, cell))
                changed = True
            if student in still_graded and grade.needs_manual_grade:
                grade.needs_manual_grade = False
                changed = True
        if changed:
            gradebook.db.commit()
    return restored


# --- trainees' names: from the header's name cell into the gradebook ----------------------

def first_and_last(name: str) -> tuple[str, str]:
    """``"Ana Maria Lopes"`` -> ("Ana Maria", "Lopes"); a single word is the last name."""
    words = name.split()
    return " ".join(words[:-1]), words[-1] if words else ""


def record_names(db_url: str, root: Path, submissions: Iterable[Submission]) -> list[str]:
    """Give trainees the gradebook has no name for the name from their name cell.

    Names an instructor entered are never changed. Returns the students named now.
    """
    from nbgrader.api import Gradebook, MissingEntry

    named: list[str] = []
    with Gradebook(db_url) as gradebook:
        for submission in submissions:
            try:
                student = gradebook.find_student(submission.student)
            except MissingEntry:
                continue
            if student.first_name or student.last_name:
                continue
            notebooks = [submission.folder / release.name
                         for release in release_notebooks(root, submission.assignment)]
            typed = next((name for path in notebooks if (name := name_in_notebook(path))), "")
            if typed:
                student.first_name, student.last_name = first_and_last(typed)
                named.append(submission.student)
        if named:
            gradebook.db.commit()
    return named


def awaiting_manual(gradebook, assignment: str) -> list[str]:
    """Trainees whose submission of ``assignment`` has answers still to grade by hand."""
    from nbgrader.api import MissingEntry

    try:
        submissions = gradebook.find_assignment(assignment).submissions
    except MissingEntry:
        return []
    return sorted(s.student_id for s in submissions if s.needs_manual_grade)


def integrity_problem(path: Path | None) -> str | None:
    """SQLite's own integrity check of the gradebook (None when it is fine)."""
    if path is None or not path.is_file():
        return None
    with contextlib.closing(sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS)) as db:
        answer = db.execute("PRAGMA integrity_check").fetchone()[0]
    return None if answer == "ok" else answer
