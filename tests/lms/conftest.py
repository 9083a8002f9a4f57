"""Fixtures of the LMS tests: a course whose gradebook knows lessons 00 and 05 (made once by
real ``nbgrader generate_assignment``), the test LMS on 127.0.0.1, hand-ins and hand marks
written through nbgrader's own Gradebook API (as the autograder and the Formgrader write
them)."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.classroom.lms_client import GRADES_SCOPES, ROSTER_SCOPES, LmsClient
from course.storage import lms_settings
from course.storage.course_folder import ensure_in_gradebook, make_api
from tests.lms.lms_platform import TestLms
from tests.nbgrader_harness import Course

ASSIGNMENTS = ("00-orientation", "05-screening-cases")
SUBMITTED = datetime.datetime(2026, 12, 1, 9, 30)  # naive UTC, as nbgrader keeps it


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory) -> Path:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("lms-course"))
    api = make_api(course.root)
    for assignment in ASSIGNMENTS:
        ensure_in_gradebook(api, assignment)
    return course.root


@pytest.fixture
def course(generated_course: Path, tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(generated_course, root, ignore=shutil.ignore_patterns("release"))
    return root


@pytest.fixture
def lms():
    platform = TestLms().start()
    try:
        yield platform
    finally:
        platform.stop()


def connect(root: Path, lms: TestLms, page_size: int = 2,
            hub_url: str = "https://class.school.example") -> None:
    """`cryocourse lms setup` and `lms key --new`, and the LMS given the tool's key set."""
    values = lms.endpoints()
    lms_settings.save_platform(root, lms_settings.PlatformSettings(
        **{name: values[name] for name in lms_settings.PlatformSettings.REQUIRED},
        hub_url=hub_url, page_size=page_size))
    lms_settings.new_tool_key(root)
    lms.register_tool(key_set=lms_settings.public_key_set(root))


def client(root: Path, scopes=GRADES_SCOPES) -> LmsClient:
    """The tool's client, retrying quickly (the test LMS is on this machine)."""
    return LmsClient(lms_settings.load_platform(root), lms_settings.tool_key(root), scopes,
                     attempts=3, first_delay=0.02)


def roster_client(root: Path) -> LmsClient:
    return client(root, ROSTER_SCOPES)


def student_of(lms: TestLms, user_id: str) -> str:
    return lms_settings.lti_username(lms.issuer, user_id)


def hand_in(root: Path, lms: TestLms, assignment: str, user_id: str, fraction: float,
            hours_late: float = 0.0, name: tuple[str, str] = ("", ""),
            local: bool = False) -> str:
    """A graded hand-in: every autograded cell at ``fraction`` of its points, written
    answers waiting for a hand grade. Returns the trainee's nbgrader id. ``local``: a
    course account named ``user_id`` that the LMS never gave (no LMS id)."""
    student = user_id if local else student_of(lms, user_id)
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        names = {"first_name": name[0], "last_name": name[1]} if any(name) else {}
        gradebook.update_or_create_student(student, lms_user_id=None if local else user_id,
                                           **names)
        due = gradebook.find_assignment(assignment).duedate
        when = (due or SUBMITTED) + datetime.timedelta(hours=hours_late)
        submission = gradebook.update_or_create_submission(assignment, student, timestamp=when)
        for notebook in submission.notebooks:
            written = {cell.name for cell in notebook.notebook.solution_cells}
            for grade in notebook.grades:
                if grade.name in written:
                    grade.auto_score, grade.needs_manual_grade = None, True
                else:
                    grade.auto_score = round(grade.max_score * fraction, 2)
                    grade.needs_manual_grade = False
        gradebook.db.commit()
    return student


def hand_mark(root: Path, assignment: str, student: str, fraction: float) -> None:
    """A grader marks every written answer (what the Formgrader saves)."""
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.needs_manual_grade:
                    grade.manual_score = round(grade.max_score * fraction, 2)
                    grade.needs_manual_grade = False
        gradebook.db.commit()


def set_due(root: Path, assignment: str, when: datetime.datetime) -> None:
    from course.storage import deadlines

    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        deadlines.set_due_date(gradebook, assignment, when)
