"""An LMS that is down, overloaded or fails in the middle of a send (the test LMS,
lti1p3platform, on 127.0.0.1): retried with back-off, nothing lost, nothing sent twice, and
a dry run that says what would go."""

from __future__ import annotations

from course import cli
from course.classroom import lms_grades
from course.classroom.lms_client import LmsClient
from course.storage import lms_settings
from tests.lms.conftest import client, connect, hand_in, hand_mark, student_of
from tests.lms.lms_platform import LEARNER, TestLms

LESSON = "00-orientation"


def _patient_client(root, lms: TestLms, delays: list[float], back_at: int = 0) -> LmsClient:
    """The tool's client, its back-off recorded instead of slept; the LMS comes back on
    the ``back_at``-th wait (0: it does not)."""
    def wait(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == back_at:
            lms.start()

    patient = client(root)
    patient.sleep = wait
    return patient


def _posts_of(lms: TestLms, user_id: str) -> list[str]:
    return [status for _, user, status in lms.score_posts if user == user_id]


def test_an_lms_down_for_a_moment_is_waited_for_with_growing_pauses(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0)
    lms.stop()  # down; back during the second pause
    delays: list[float] = []
    report = lms_grades.send(course, LESSON, client=_patient_client(course, lms, delays, 2))
    assert report.ok and len(report.sent) == 1, report.text()
    assert delays == [0.02, 0.04]  # the back-off doubles
    assert not lms_grades.waiting_entries(course)
    assert _posts_of(lms, "u-ana") == ["created"]


def test_an_overloaded_lms_is_retried_then_left_for_later_with_nothing_lost(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    ana = hand_in(course, lms, LESSON, "u-ana", 1.0)
    lms.busy = 2  # two answers of 503, then well
    delays: list[float] = []
    report = lms_grades.send(course, LESSON, client=_patient_client(course, lms, delays))
    assert report.ok and len(report.sent) == 1 and delays == [0.02, 0.04], report.text()
    hand_mark(course, LESSON, ana, 1.0)
    lms.busy = 10**6  # overloaded for good: every try answered 503
    delays.clear()
    busy = lms_grades.send(course, LESSON, client=_patient_client(course, lms, delays))
    assert not busy.ok and "could not be reached after 3 tries (HTTP 503)" in busy.problem
    assert delays == [0.02, 0.04] and len(lms_grades.waiting_entries(course)) == 1
    assert "Nothing is lost" in busy.text()
    lms.busy = 0
    later = lms_grades.send(course, LESSON, client=client(course))
    assert later.ok and "FullyGraded" in later.sent[0], later.text()
    assert lms.scores_of(LESSON)["u-ana"]["gradingProgress"] == "FullyGraded"


def test_an_lms_failing_in_the_middle_of_a_send_gets_the_rest_later_and_nothing_twice(
        course, lms):
    connect(course, lms)
    people = [f"u-{name}" for name in ("ana", "ben", "cai")]
    for user_id in people:
        lms.enrol(user_id, [LEARNER], user_id[2:].title(), "Trainee")
        hand_in(course, lms, LESSON, user_id, 1.0)
    lms.busy_after_scores = 1  # takes one score, then answers 503 to everything
    first = lms_grades.send(course, LESSON, client=client(course))
    assert len(first.sent) == 1 and len(first.waiting) == 2, first.text()
    assert "could not be reached" in first.problem
    assert len(lms_grades.waiting_entries(course)) == 2
    lms.busy, lms.busy_after_scores = 0, None
    rest = lms_grades.send(course, LESSON, client=client(course))
    assert rest.ok and len(rest.sent) == 2 and len(rest.unchanged) == 1, rest.text()
    assert set(lms.scores_of(LESSON)) == set(people)
    assert all(_posts_of(lms, user_id) == ["created"] for user_id in people), lms.score_posts


def test_a_dry_run_while_the_lms_is_down_says_what_would_go_and_keeps_nothing(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0, name=("Ana", "Silva"))
    with lms.down():
        dry = lms_grades.send(course, LESSON, dry_run=True, client=client(course))
    assert len(dry.would_send) == 1 and "Ana Silva" in dry.would_send[0], dry.text()
    assert "could not be read from the LMS" in dry.problem
    assert not lms_grades.waiting_entries(course) and not lms.score_posts


def test_lms_send_says_the_lms_is_down_exits_1_and_sends_it_next_time(course, lms, capsys):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0, name=("Ana", "Silva"))
    where = ("--course", str(course))
    lms.busy = 10**6  # the command's own client: 4 tries, 0.5 s doubling
    code = cli.main(["lms", "send", LESSON, *where])
    out = capsys.readouterr().out
    assert code == 1 and "could not be reached after 4 tries (HTTP 503)" in out, out
    assert "1 grades could not be sent and wait in the outbox" in out, out
    assert f"waiting: Ana Silva ({student_of(lms, 'u-ana')}), {LESSON}" in out, out
    lms.busy = 0
    code = cli.main(["lms", "send", LESSON, *where])
    out = capsys.readouterr().out
    assert code == 0 and "1 grades sent" in out, out
    assert lms_settings.lms_folder(course).joinpath("outbox").is_dir()
    assert not lms_grades.waiting_entries(course)
