"""The class list from the LMS (NRPS) against the test LMS, page by page."""

from __future__ import annotations

from nbgrader.api import Gradebook

from course.classroom import lms_grades, lms_roster
from course.classroom.lms_client import ROSTER_SCOPES
from course.storage.course_folder import make_api
from tests.lms.conftest import client, connect, hand_in, roster_client, student_of
from tests.lms.lms_platform import INSTRUCTOR, LEARNER


def _students(root) -> dict[str, tuple[str, str, str]]:
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        return {s.id: (s.first_name or "", s.last_name or "", s.lms_user_id or "")
                for s in gradebook.students}


def test_the_roster_follows_the_lms_page_by_page_and_reports_every_change(course, lms):
    connect(course, lms, page_size=2)
    names = [("Ana", "Silva"), ("Ben", "Okafor"), ("Cai", "Wong"), ("Dee", "Brown"),
             ("Eli", "Novak")]
    for number, (given, family) in enumerate(names):
        lms.enrol(f"u-{number}", [LEARNER], given, family)
    lms.enrol("u-teacher", [INSTRUCTOR], "Tom", "Teacher")

    dry = lms_roster.sync(course, dry_run=True, client=roster_client(course))
    assert sum(c.startswith("added:") for c in dry.changes) == 5, dry.text()
    assert not _students(course)

    report = lms_roster.sync(course, client=roster_client(course))
    pages = [r for r in lms.requests if r.startswith("GET /memberships")]
    assert len(pages) >= 3 * 2, pages  # 6 members, 2 a page: three pages, each sync
    assert report.learners == 5 and report.graders == 1, report.text()
    assert sum(c.startswith("added:") for c in report.changes) == 5
    assert any(c.startswith("grader: Tom Teacher") for c in report.changes)
    students = _students(course)
    assert students[student_of(lms, "u-2")] == ("Cai", "Wong", "u-2")
    assert student_of(lms, "u-teacher") not in students  # instructors are not trainees
    assert all(set(r["granted"].split()) == ROSTER_SCOPES for r in lms.token_requests)

    # Nothing changed: nothing reported.
    assert lms_roster.sync(course, client=roster_client(course)).changes == []

    # A new name, a learner who left: both reported; the one who left keeps their grades.
    lms.enrol("u-0", [LEARNER], "Ana", "Silva-Costa")
    hand_in(course, lms, "00-orientation", "u-3", 1.0)
    lms.drop("u-3")
    changed = lms_roster.sync(course, client=roster_client(course))
    text = changed.text()
    assert "name: " in text and "Silva-Costa" in text, text
    assert f"dropped: Dee Brown ({student_of(lms, 'u-3')}): left the LMS course" in text
    assert student_of(lms, "u-3") in _students(course)
    # ... and no grade goes to them.
    sent = lms_grades.send(course, "00-orientation", client=client(course))
    assert not [p for p in lms.score_posts if p[1] == "u-3"], sent.text()
    assert lms_roster.sync(course, client=roster_client(course)).changes == []
