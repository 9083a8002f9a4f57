"""The gradebook around a grading run: hand grades kept, trainees' names.

nbgrader's own ``Gradebook`` holds the marks; these functions read and repair what a
regrade would otherwise lose, and fill in what only the notebooks know (the name cell).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from course.classroom.submissions import Submission
from course.foundation.names import first_and_last
from course.nbgrader_plugins.autograde.hand_marks import (
    EARLIER_MARK,
    earlier_score,
    is_set_aside,
)
from course.questions.reader import name_in_notebook, plain_name, question_labels
from course.storage.course_folder import release_notebooks

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


@dataclass
class RestoredGrades:
    """What ``restore_manual_grades`` did: hand grades put back, newer ones left alone."""

    put_back: list[GradeKey] = field(default_factory=list)
    # a grader changed these while the run was grading: (grade, score before, score now)
    kept_newer: list[tuple[GradeKey, float, float]] = field(default_factory=list)


def restore_manual_grades(db_url: str, assignment: str, before: dict[GradeKey, float],
                          unchanged: Iterable[str] = ()) -> RestoredGrades:
    """Put back hand grades that grading cleared; never overwrite a newer one.

    A hand score that is gone after the run is put back. A hand score that is now a
    different number was given by a grader (in the Formgrader) while the run was grading:
    it is newer than ``before`` and stays; it is reported as a conflict. Each grade row is
    read under a row lock (PostgreSQL), so a grader's write cannot slip in between.
    nbgrader asks for a hand grade again whenever it regrades; for the ``unchanged``
    students (same files as when they were graded by hand) the hand grade still stands.
    A mark the autograde set aside because its answer changed
    (``course.nbgrader_plugins.autograde.hand_marks``) is not put back.
    """
    from nbgrader.api import Gradebook, MissingEntry

    outcome = RestoredGrades()
    still_graded = set(unchanged)
    changed = False
    with Gradebook(db_url) as gradebook:
        for (student, notebook, cell), score in before.items():
            try:
                grade = gradebook.find_grade(cell, notebook, assignment, student)
            except MissingEntry:
                continue
            gradebook.db.refresh(grade, with_for_update=True)
            if grade.manual_score is None and _set_aside(gradebook, grade, student):
                continue  # its answer changed: the mark waits to be given again
            if grade.manual_score is None:
                grade.manual_score = score
                outcome.put_back.append((student, notebook, cell))
                changed = True
            elif grade.manual_score != score:
                outcome.kept_newer.append(((student, notebook, cell), score,
                                           grade.manual_score))
            if student in still_graded and grade.needs_manual_grade:
                grade.needs_manual_grade = False
                changed = True
        if changed:
            gradebook.db.commit()
        else:
            gradebook.db.rollback()  # release the row locks
    return outcome


def _set_aside(gradebook, grade, student: str) -> bool:
    """Whether the autograde set this hand mark aside (its answer changed)."""
    return any(is_set_aside(comment.auto_comment)
               for comment in _answer_comments(gradebook, grade, student))


def _answer_comments(gradebook, grade, student: str) -> list:
    """The comments of the answers a grade cell's mark is for (same name, or its answer)."""
    from nbgrader.api import MissingEntry

    notebook = grade.notebook
    found = []
    for name in (grade.name, f"{grade.name}_answer"):
        try:
            found.append(gradebook.find_comment(name, notebook.name, notebook.assignment.name,
                                                student))
        except MissingEntry:
            continue
    return found


# --- trainees' names: from the header's name cell into the gradebook ----------------------

def store_plain_names() -> None:
    """From now on, every trainee name this process stores in an nbgrader gradebook is plain
    (``plain_name``: no separators, control characters or formula starts), whichever way it
    comes in: the name cell, ``nbgrader db student add``/``import`` (a roster), the
    Formgrader's student form, the demo, an LMS later. A SQLAlchemy attribute event on
    nbgrader's ``Student`` model; ``nbgrader_config.py`` turns it on, so every nbgrader
    command and the Formgrader of the course have it."""
    from nbgrader.api import Student
    from sqlalchemy import event

    for attribute in (Student.first_name, Student.last_name):
        if not event.contains(attribute, "set", _plain_name_on_entry):
            event.listen(attribute, "set", _plain_name_on_entry, retval=True)


def _plain_name_on_entry(target: object, value: object, old: object, initiator: object
                         ) -> object:
    return plain_name(value) if isinstance(value, str) else value


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


@dataclass(frozen=True)
class AwaitedMark:
    """One answer waiting for a hand mark, and why, in words for the instructor."""

    student: str
    notebook: str
    grade_id: str
    question: str  # as trainees see it ("Question 4"), else the grade id
    reason: str
    shows_zero: bool  # the feedback would show 0 for it now


def awaiting_marks(gradebook, assignment: str, labels: dict[str, str] | None = None
                   ) -> list[AwaitedMark]:
    """Every answer of ``assignment`` waiting in the Formgrader, with the reason."""
    from nbgrader.api import MissingEntry

    labels = labels or {}
    try:
        submissions = gradebook.find_assignment(assignment).submissions
    except MissingEntry:
        return []
    waiting = []
    for submission in sorted(submissions, key=lambda s: s.student_id):
        for notebook in submission.notebooks:
            comments = {c.name: c for c in notebook.comments}
            for grade in notebook.grades:
                if not grade.needs_manual_grade:
                    continue
                note = next((c.auto_comment for name in (grade.name, f"{grade.name}_answer")
                             if (c := comments.get(name)) is not None
                             and is_set_aside(c.auto_comment)), None)
                reason, zero = _why_waiting(grade, note)
                waiting.append(AwaitedMark(submission.student_id, notebook.name, grade.name,
                                           labels.get(grade.name, grade.name), reason, zero))
    return waiting


def _why_waiting(grade, note: str | None) -> tuple[str, bool]:
    """Why a grade waits, and whether its feedback would show 0 for it now."""
    if grade.manual_score is not None:
        return (f"marked {grade.manual_score:g} by hand, but nbgrader asks for that mark "
                "to be confirmed: enter it again in the Formgrader", False)
    if note is not None:
        kind = ("the answer changed after it was marked" if note.startswith(EARLIER_MARK)
                else "it was marked before the course recorded answers, so a change cannot "
                "be ruled out")
        return (f"{kind} (earlier mark {earlier_score(note)}); mark it again",
                grade.auto_score is None)
    if grade.auto_score is None:
        return "not marked yet", True
    return "its automatic mark is to be checked by hand", False


def question_labels_of(root: Path, assignment: str) -> dict[str, str]:
    """Grade id -> the question's name as trainees see it, over the released notebooks."""
    import nbformat

    labels: dict[str, str] = {}
    for release in release_notebooks(root, assignment):
        labels.update(question_labels(nbformat.read(release, as_version=4)))
    return labels


def describe_awaited(marks: list[AwaitedMark], limit: int = 12) -> str:
    """One line per answer waiting ("  ben, Question 4: the answer changed ...")."""
    lines = [f"  {m.student}, {m.question}: {m.reason}"
             + (" (its feedback would show 0 for it)" if m.shows_zero else "")
             for m in marks[:limit]]
    if len(marks) > limit:
        lines.append(f"  ... and {len(marks) - limit} more")
    return "\n".join(lines)
