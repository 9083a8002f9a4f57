"""Grades to the LMS (AGS) against the test LMS (lti1p3platform) on 127.0.0.1."""

from __future__ import annotations

import json

from course.classroom import lms_grades
from course.classroom.lms_client import GRADES_SCOPES
from course.storage import lms_settings
from tests.lms.conftest import (
    SUBMITTED,
    client,
    connect,
    hand_in,
    hand_mark,
    set_due,
    student_of,
)
from tests.lms.lms_platform import INSTRUCTOR, LEARNER

LESSON, ASSESSMENT = "00-orientation", "05-screening-cases"


def _posts_for(lms, user_id: str) -> list:
    return [post for post in lms.score_posts if post[1] == user_id]


def test_scores_are_pending_until_hand_marked_then_fully_graded_and_never_sent_twice(
        course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    lms.enrol("u-ben", [LEARNER], "Ben", "Okafor")
    set_due(course, ASSESSMENT, SUBMITTED)
    ana = hand_in(course, lms, ASSESSMENT, "u-ana", 1.0, name=("Ana", "Silva"))
    ben = hand_in(course, lms, ASSESSMENT, "u-ben", 0.5, hours_late=26, name=("Ben", "Okafor"))

    # A dry run sends nothing and queues nothing, and says what would go.
    dry = lms_grades.send(course, ASSESSMENT, dry_run=True, client=client(course))
    assert len(dry.would_send) == 2 and not lms.score_posts, dry.text()
    assert not lms_grades.waiting_entries(course)

    report = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert report.ok and len(report.sent) == 2, report.text()
    item = lms.line_item_by_resource(ASSESSMENT)
    assert item is not None and item["scoreMaximum"] == 62.0  # made, found by resource id
    book = lms.gradebook()[item["label"]]
    assert book["u-ana"]["scoreGiven"] == 56.0 and book["u-ana"]["scoreMaximum"] == 62.0
    assert book["u-ana"]["gradingProgress"] == "PendingManual"
    assert book["u-ana"]["activityProgress"] == "Submitted"
    assert book["u-ana"]["submission"]["submittedAt"] == "2026-12-01T09:30:00.000Z"
    assert "waiting for your grader" in book["u-ana"]["comment"]
    assert ("https://class.school.example/hub/user-redirect/lab/tree/05-screening-cases/"
            "feedback") in book["u-ana"]["comment"]
    assert "Handed in 1 day 2 h after the due date" in book["u-ben"]["comment"]
    assert "late hand-ins are graded and marked as late" in book["u-ben"]["comment"]
    assert "late" in " ".join(report.sent)
    # One token, with exactly the scopes the job needs.
    assert lms.token_requests and all(set(r["granted"].split()) == GRADES_SCOPES
                                      for r in lms.token_requests)

    # Again, with nothing changed: nothing is posted (idempotent).
    posts = len(lms.score_posts)
    again = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert again.ok and not again.sent and len(again.unchanged) == 2, again.text()
    assert len(lms.score_posts) == posts

    # Ana's written answers are marked: her grade is final; Ben's is still pending.
    hand_mark(course, ASSESSMENT, ana, 1.0)
    after = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert len(after.sent) == 1 and "FullyGraded" in after.sent[0], after.text()
    book = lms.gradebook()[item["label"]]
    assert book["u-ana"]["gradingProgress"] == "FullyGraded"
    assert book["u-ana"]["activityProgress"] == "Completed"
    assert book["u-ana"]["scoreGiven"] == 62.0 and "Fully graded" in book["u-ana"]["comment"]
    assert book["u-ben"]["gradingProgress"] == "PendingManual"
    assert [p[2] for p in _posts_for(lms, "u-ana")] == ["created", "success"]
    assert len([i for i in lms.line_items.values() if i["resourceId"] == ASSESSMENT]) == 1
    assert ben.startswith(lms_settings.LTI_PREFIX)


def test_a_platform_that_is_down_loses_nothing_and_gets_everything_later(course, lms):
    connect(course, lms)
    people = {f"u-{n}": n for n in ("ana", "ben", "cai")}
    for user_id, name in people.items():
        lms.enrol(user_id, [LEARNER], name.title(), "Trainee")
        hand_in(course, lms, LESSON, user_id, 1.0)
    with lms.down():
        down = lms_grades.send(course, LESSON, client=client(course))
        assert not down.ok and "could not be reached" in down.problem, down.text()
        assert len(down.waiting) == 3 and len(lms_grades.waiting_entries(course)) == 3
        # A hand mark while it is down replaces the waiting score, it does not add one.
        hand_mark(course, LESSON, student_of(lms, "u-ben"), 1.0)
        still = lms_grades.send(course, LESSON, client=client(course))
        assert len(still.waiting) == 3 and len(lms_grades.waiting_entries(course)) == 3
    assert not lms.score_posts
    later = lms_grades.send(course, LESSON, client=client(course))
    assert later.ok and len(later.sent) == 3, later.text()
    assert not lms_grades.waiting_entries(course)
    book = lms.gradebook()[lms.line_item_by_resource(LESSON)["label"]]
    assert set(book) == set(people)
    assert book["u-ben"]["gradingProgress"] == "FullyGraded"
    assert book["u-ana"]["gradingProgress"] == "PendingManual"


def test_the_outbox_is_sent_by_any_later_send(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0)
    hand_in(course, lms, ASSESSMENT, "u-ana", 1.0)
    with lms.down():
        lms_grades.send(course, LESSON, client=client(course))
    report = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert report.ok and len(report.sent) == 2, report.text()
    assert any(LESSON in line for line in report.sent)
    assert {i["resourceId"] for i in lms.line_items.values()} == {LESSON, ASSESSMENT}
    assert lms.line_item_by_resource(LESSON)["label"] == "00 · Orientation: how this course works"


def test_a_dropped_learner_and_an_instructor_are_sent_nothing(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    lms.enrol("u-dee", [LEARNER], "Dee", "Brown")
    lms.enrol("u-tom", [INSTRUCTOR], "Tom", "Teacher")
    for user_id in ("u-ana", "u-dee", "u-tom"):
        hand_in(course, lms, LESSON, user_id, 1.0)
    hand_in(course, lms, LESSON, "u-nobody", 1.0)  # never enrolled in the LMS course
    lms.drop("u-dee")
    report = lms_grades.send(course, LESSON, client=client(course))
    reasons = dict(report.waiting)
    assert len(report.sent) == 1 and len(reasons) == 3, report.text()
    assert any("no longer in the LMS course (Deleted)" in why for why in reasons.values())
    assert any("not a learner" in why for why in reasons.values())
    assert any("not a member of the LMS course" in why for why in reasons.values())
    assert not _posts_for(lms, "u-dee") and not _posts_for(lms, "u-tom")
    assert not _posts_for(lms, "u-nobody")
    assert set(lms.scores_of(LESSON)) == {"u-ana"}
    # Their grades are held, not lost: back in the course, the grade goes.
    lms.enrol("u-dee", [LEARNER], "Dee", "Brown")
    back = lms_grades.send(course, LESSON, client=client(course))
    assert any(student_of(lms, "u-dee") in line for line in back.sent), back.text()
    assert _posts_for(lms, "u-dee")


def test_a_rejected_token_sends_nothing_keeps_everything_and_says_why(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0)
    lms_settings.new_tool_key(course)  # rotated, but the LMS has the old public key only
    lms.register_tool(key_set={"keys": lms_settings.public_key_set(course)["keys"][1:]})
    refused = lms_grades.send(course, LESSON, client=client(course))
    assert not refused.ok and "refused the tool's token request" in refused.problem
    assert "HTTP 401" in refused.problem and not lms.score_posts
    assert len(lms_grades.waiting_entries(course)) == 1
    # The LMS gets the new key set (current and previous): the waiting grade goes.
    lms.register_tool(key_set=lms_settings.public_key_set(course))
    sent = lms_grades.send(course, LESSON, client=client(course))
    assert sent.ok and len(sent.sent) == 1, sent.text()


def test_files_are_the_course_accounts_only(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, LESSON, "u-ana", 1.0)
    with lms.down():
        lms_grades.send(course, LESSON, client=client(course))
    folder = lms_settings.lms_folder(course)
    assert folder.stat().st_mode & 0o077 == 0
    for name in ("platform.json", "tool-key.pem"):
        assert (folder / name).stat().st_mode & 0o077 == 0, name
    for entry in (folder / "outbox").iterdir():
        assert entry.stat().st_mode & 0o077 == 0
        assert "PRIVATE" not in entry.read_text()
    jwks = json.loads((folder / "tool-jwks.json").read_text())
    assert "d" not in jwks["keys"][0]  # the public half only


def test_the_hub_names_lms_people_as_the_course_does():
    import sys

    from tests.hub.test_hub_config import HUB

    sys.path.insert(0, str(HUB))
    import cryocourse_hub

    for issuer, sub in (("https://lms.example", "42"), ("https://canvas.x", "a b/ü")):
        assert cryocourse_hub.lti_username(issuer, sub) == lms_settings.lti_username(issuer,
                                                                                     sub)


def test_a_token_without_the_scores_scope_is_refused_by_the_lms(course, lms):
    from course.classroom.lms_client import LmsRefused
    from tests.lms.conftest import roster_client

    connect(course, lms)
    item = client(course).line_item(LESSON, "Lesson 00", 5.0)
    try:
        roster_client(course).post_score(item["id"], {"userId": "u-ana", "scoreGiven": 1})
    except LmsRefused as refused:
        assert refused.status == 401 and "authentication token" in str(refused)
    else:
        raise AssertionError("the LMS took a score with a roster-only token")
    assert not lms.score_posts


def test_a_grade_changed_in_the_lms_is_not_overwritten_by_an_older_one(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    ana = hand_in(course, lms, LESSON, "u-ana", 1.0)
    lms_grades.send(course, LESSON, client=client(course))
    item = lms.line_item_by_resource(LESSON)
    lms.scores[item["id"]]["u-ana"]["timestamp"] = "2999-01-01T00:00:00.000Z"  # set later
    hand_mark(course, LESSON, ana, 1.0)
    report = lms_grades.send(course, LESSON, client=client(course))
    assert report.superseded and not report.waiting, report.text()
    assert "the LMS has a newer grade" in report.text()
    assert not lms_grades.waiting_entries(course)
    assert lms.scores_of(LESSON)["u-ana"]["gradingProgress"] == "PendingManual"


def test_grades_wait_while_a_supervised_window_is_open_then_a_later_send_sends_them(
        course, lms):
    from course.storage import deadlines, supervision

    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    hand_in(course, lms, ASSESSMENT, "u-ana", 1.0)
    book = deadlines.load(course)
    supervision.open_window(book, ASSESSMENT, supervision.now_utc(), 60, ["someone-else"])
    deadlines.save(course, book)
    report = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert not report.sent and "window is still open" in report.text(), report.text()
    assert not lms.score_posts
    book = deadlines.load(course)
    supervision.close_window(book, ASSESSMENT, supervision.now_utc())
    deadlines.save(course, book)
    report = lms_grades.send(course, ASSESSMENT, client=client(course))
    assert len(report.sent) == 1, report.text()


def test_grades_of_a_stopped_grading_run_wait_until_it_is_finished(course, lms):
    from course.storage.course_folder import STATE_DIR

    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    ana = hand_in(course, lms, LESSON, "u-ana", 1.0)
    journal = course / STATE_DIR / "regrading" / LESSON / f"{ana}.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(json.dumps({"fingerprint": "x", "manual": []}), encoding="utf-8")
    report = lms_grades.send(course, LESSON, client=client(course))
    assert not report.sent and "stopped before it finished" in report.text(), report.text()
    assert not lms.score_posts
    journal.unlink()
    assert len(lms_grades.send(course, LESSON, client=client(course)).sent) == 1


def test_a_superseded_grade_is_said_once_and_not_offered_again(course, lms):
    connect(course, lms)
    lms.enrol("u-ana", [LEARNER], "Ana", "Silva")
    ana = hand_in(course, lms, LESSON, "u-ana", 1.0)
    lms_grades.send(course, LESSON, client=client(course))
    item = lms.line_item_by_resource(LESSON)
    lms.scores[item["id"]]["u-ana"]["timestamp"] = "2999-01-01T00:00:00.000Z"
    hand_mark(course, LESSON, ana, 1.0)
    assert lms_grades.send(course, LESSON, client=client(course)).superseded
    posts = len(lms.score_posts)
    again = lms_grades.send(course, LESSON, client=client(course))
    assert not again.superseded and not again.sent and len(again.unchanged) == 1, again.text()
    assert len(lms.score_posts) == posts


def test_a_local_name_equal_to_an_lms_id_is_not_that_persons_grade(course, lms):
    connect(course, lms)
    lms.enrol("2", [LEARNER], "Ana", "Silva")  # Moodle's ids are small numbers
    hand_in(course, lms, LESSON, "2", 0.2, local=True)  # a course account named "2"
    report = lms_grades.send(course, LESSON, client=client(course))
    assert not report.sent and not lms.score_posts, report.text()
    assert any("not a member of the LMS course" in why for _, why in report.waiting)
