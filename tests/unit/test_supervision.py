"""Supervised windows (course/storage/supervision.py), the trainee's kit and its form checks,
and what the report says of each sitting. The class-server side: tests/hub/test_supervised.py."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest

from course.classroom.report import ClassData, sittings_section
from course.classroom.supervised_kit import build_kit, kit_path
from course.storage import deadlines, supervision
from course.storage.course_folder import CourseError

A = "05-screening-cases"
T0 = datetime.datetime(2026, 12, 10, 9, 0)
MINUTE = datetime.timedelta(minutes=1)


def _book() -> deadlines.DeadlineBook:
    book = deadlines.DeadlineBook()
    supervision.open_window(book, A, T0, 60, ["ana", "ben", "cat"])
    book.extensions[A] = {"ana": 15}
    book.accommodations["ben"] = 30
    return book


def test_extensions_and_accommodations_lengthen_the_window():
    book = _book()
    ends = {w.trainee: w.end for w in supervision.windows(book, A)}
    assert ends == {"ana": T0 + 75 * MINUTE, "ben": T0 + 90 * MINUTE, "cat": T0 + 60 * MINUTE}
    cat = supervision.window(book, A, "cat")
    assert cat.state(T0 - MINUTE) == supervision.BEFORE and cat.left(T0 - MINUTE) == 60 * MINUTE
    assert cat.state(T0 + 59 * MINUTE) == supervision.OPEN
    assert cat.left(T0 + 59 * MINUTE) == MINUTE
    assert cat.state(T0 + 60 * MINUTE) == supervision.CLOSED
    assert supervision.open_for(book, "ana", T0 + 70 * MINUTE).assignment == A
    assert supervision.open_for(book, "cat", T0 + 70 * MINUTE) is None
    assert supervision.open_for(book, "dan", T0 + MINUTE) is None  # not sitting it
    assert supervision.mode(book, A) == supervision.SUPERVISED
    assert supervision.mode(book, "04-contraindications") == supervision.PRACTICE


def test_closing_early_ends_the_window_for_those_named():
    book = _book()
    assert supervision.close_window(book, A, T0 + 10 * MINUTE, ["ana"]) == ["ana"]
    ana = supervision.window(book, A, "ana")
    assert ana.end == T0 + 10 * MINUTE and ana.closed_early
    assert supervision.close_window(book, A, T0 + 20 * MINUTE) == ["ben", "cat"]
    with pytest.raises(CourseError, match="Not in the supervised window"):
        supervision.close_window(book, A, T0, ["dan"])
    with pytest.raises(CourseError, match="practice mode"):
        supervision.close_window(book, "04-contraindications", T0)


def test_only_a_hand_in_made_inside_the_window_counts():
    book = _book()
    inside = T0 + 74 * MINUTE
    assert supervision.handin_problem(book, A, "ana", inside) is None
    assert supervision.handin_problem(book, A, "ana", T0 + 75 * MINUTE
                                      + supervision.HANDIN_GRACE) is None
    assert "before" in supervision.handin_problem(book, A, "ana", T0 - MINUTE)
    assert "after" in supervision.handin_problem(book, A, "ana", T0 + 80 * MINUTE)
    assert "no supervised window" in supervision.handin_problem(book, A, "dan", inside)
    assert supervision.handin_problem(book, "04-contraindications", "ana", inside) is None


def test_feedback_waits_for_every_window():
    book = _book()
    waiting = supervision.feedback_problem(book, A, T0 + 80 * MINUTE)
    assert waiting and "ben" in waiting and "ana" not in waiting
    assert supervision.feedback_problem(book, A, T0 + 90 * MINUTE) is None
    assert supervision.feedback_problem(book, "04-contraindications", T0) is None


def test_the_window_survives_the_deadline_book_on_disk(tmp_path):
    deadlines.save(tmp_path, _book())
    again = deadlines.load(tmp_path)
    assert supervision.window(again, A, "ben").end == T0 + 90 * MINUTE


KIT_PROBE = r"""
import sys, json
sys.meta_path = [f for f in sys.meta_path  # a development install's finder of `course`
                 if "Editable" not in getattr(f, "__name__", type(f).__name__)]
sys.path.insert(0, sys.argv[1])
from course.lessons.screening_cases import *
from course.checks import ready_to_submit
out = {"card": client_card(3).data, "clients": my_clients().data,
       "right": repr(check("cases_client03", case03_treatment="postponed", case03_referral="gp",
                           case03_findings=["migraine"])),
       "wrong": repr(check("cases_client03", case03_treatment="maybe", case03_referral="gp",
                           case03_findings=[])),
       "half": repr(check("cases_client03", case03_treatment="defer"))}
for name in ("course.models.screening", "course.exercises", "course.lessons.contraindications",
             "course.views.screening"):
    try:
        __import__(name)
        out[name] = "imported"
    except ImportError as problem:
        out[name] = type(problem).__name__
try:
    grade("cases_client03")
except Exception as problem:
    out["grade"] = str(problem)
print(json.dumps(out))
"""


def test_the_kit_shows_cards_and_checks_the_form_and_knows_no_answer(tmp_path):
    from course.models.variants import draw
    from course.storage.variant_keys import sitting_key

    window = supervision.window(_book(), A, "ana")
    folder = build_kit(tmp_path, A, "ana", window)
    assert folder == kit_path(tmp_path, A, "ana")
    modules = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.py"))
    assert {m.split("/")[0] for m in modules} == {"__init__.py", "checks.py", "foundation",
                                                 "questions", "lessons"}, modules
    assert [m for m in modules if m.startswith("lessons/")] == [
        "lessons/__init__.py", "lessons/screening_cases.py"]
    assert not list(folder.rglob("*.toml"))
    data = json.loads((folder / "supervised.json").read_text())
    assert set(data) == {"assignment", "trainee", "fingerprint", "cards", "outcome_words",
                         "finding_list", "words", "start", "end", "written"}
    client = draw(A, sitting_key(tmp_path, window)).case(3)
    assert client.vignette.split(",")[0] in data["cards"][2]

    done = subprocess.run([sys.executable, "-I", "-c", KIT_PROBE, str(folder.parent)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert "Client 3." in seen["card"] and "Supervised assessment" in seen["clients"]
    assert "Time left" in seen["clients"] or "window closed" in seen["clients"]
    assert "right form" in seen["right"]  # aliases ("postponed") read as everywhere else
    assert "must be one of" in seen["wrong"] and "Still to answer" in seen["half"]
    for name in ("course.models.screening", "course.exercises",
                 "course.lessons.contraindications", "course.views.screening"):
        assert seen[name] == "ModuleNotFoundError", seen
    assert "marked after the window" in seen["grade"]


def test_the_supervised_form_outside_its_kit_says_what_it_is():
    from course.lessons import supervised_cases

    supervised_cases.kit.cache_clear()
    with pytest.raises(supervised_cases.NotInSupervisedKit, match="supervised form"):
        supervised_cases.client_card(1)


def test_the_report_says_how_each_trainee_sat_it():
    data = ClassData(A, sittings={
        "ana": {"mode": "supervised", "start": "2026-12-10 09:00 UTC",
                "end": "2026-12-10 10:15 UTC", "extra": "15 min", "closed_early": False,
                "handed_in": "2026-12-10 10:15 UTC", "extension": "15 min"},
        "<b>x</b>": {"mode": "practice", "handed_in": "2026-12-09 17:00 UTC", "extension": ""}})
    section = sittings_section(data)
    assert "How it was sat" in section and "Taken under supervision" in section
    assert "<td>15 min</td>" in section and "&lt;b&gt;x&lt;/b&gt;" in section



def test_another_attempt_is_a_window_of_its_own_after_the_first():
    book = _book()
    with pytest.raises(CourseError, match="has not closed yet"):
        supervision.allow_again(book, A, "cat", T0 + 90 * MINUTE, T0 + 30 * MINUTE)
    supervision.close_window(book, A, T0 + 30 * MINUTE, ["cat"])
    later = T0 + 24 * 60 * MINUTE
    again = supervision.allow_again(book, A, "cat", later, T0 + 40 * MINUTE)
    assert (again.start, again.end, again.attempt) == (later, later + 60 * MINUTE, 2)
    assert not again.closed_early  # the first attempt's early close is not carried over
    assert supervision.handin_problem(book, A, "cat", later + 30 * MINUTE) is None
    assert "before" in supervision.handin_problem(book, A, "cat", T0 + 10 * MINUTE)
    # Its hand-in is not late: the allowance reaches the end of its own window.
    assert deadlines.allowance(book, A, "cat") == later - T0
    assert deadlines.allowance(book, A, "ana") == 15 * MINUTE
    assert deadlines.allowance(book, "04-contraindications", "ben") == 30 * MINUTE


def test_a_later_sitting_leaves_the_windows_already_planned_as_they_are():
    book = deadlines.DeadlineBook()
    assert supervision.open_window(book, A, T0, 60, ["ana"]) == ["ana"]
    due = supervision.due_date(book, A)
    supervision.close_window(book, A, T0 + 30 * MINUTE, ["ana"])
    day2 = T0 + 24 * 60 * MINUTE
    assert supervision.open_window(book, A, day2, 45, ["ana", "ben"]) == ["ben"]
    ana, ben = supervision.window(book, A, "ana"), supervision.window(book, A, "ben")
    assert (ana.start, ana.end, ana.sitting) == (T0, T0 + 30 * MINUTE, 1)  # not moved
    assert (ben.start, ben.end, ben.sitting) == (day2, day2 + 45 * MINUTE, 2)
    assert supervision.handin_problem(book, A, "ana", T0 + 29 * MINUTE) is None  # still hers
    assert supervision.due_date(book, A) == due  # the first sitting's end, for everyone
    assert deadlines.allowance(book, A, "ben") == day2 + 45 * MINUTE - (T0 + 60 * MINUTE)
    # Re-opening for someone already planned (closed early) never rewrites their window.
    with pytest.raises(CourseError, match="already have a supervised window"):
        supervision.open_window(book, A, day2, 45, ["ana"])
    assert supervision.window(book, A, "ana").end == T0 + 30 * MINUTE


def test_a_book_with_one_window_for_everyone_still_reads():
    book = deadlines.DeadlineBook(supervision={A: {
        "mode": "supervised", "start": T0.isoformat(), "minutes": 60.0,
        "trainees": ["ana", "ben"], "closed": {}}})
    assert supervision.window(book, A, "ben").end == T0 + 60 * MINUTE
    supervision.open_window(book, A, T0 + 120 * MINUTE, 30, ["cat"])
    assert supervision.window(book, A, "cat").sitting == 2
    assert supervision.window(book, A, "ana").start == T0


def test_supervised_clients_are_new_at_every_sitting_and_attempt_and_graded_so(tmp_path):
    from course.models.variants import active_key, draw
    from course.nbgrader_plugins.autograde.trusted_scores import marking_context
    from course.storage.variant_keys import assessment_key, key_for, sitting_key

    book = _book()
    deadlines.save(tmp_path, book)
    first = supervision.window(book, A, "cat")
    practice = draw(A, key_for(tmp_path, "cat")).fingerprint
    supervised = draw(A, sitting_key(tmp_path, first)).fingerprint
    assert supervised != practice  # not the clients met open-book
    assert assessment_key(tmp_path, A, "cat") == sitting_key(tmp_path, first)
    assert assessment_key(tmp_path, "04-contraindications", "cat") == key_for(tmp_path, "cat")
    assert assessment_key(tmp_path, A, "dan") == key_for(tmp_path, "dan")  # not sitting it
    supervision.close_window(book, A, T0 + 30 * MINUTE, ["cat"])
    again = supervision.allow_again(book, A, "cat", T0 + 2 * 60 * MINUTE, T0 + 40 * MINUTE)
    deadlines.save(tmp_path, book)
    assert draw(A, sitting_key(tmp_path, again)).fingerprint not in (supervised, practice)
    # What the kit shows is what the grader marks.
    kit = build_kit(tmp_path, A, "cat", again)
    shown = json.loads((kit / "supervised.json").read_text())["fingerprint"]
    assert shown == draw(A, assessment_key(tmp_path, A, "cat")).fingerprint
    config = _nbgrader_config(tmp_path)
    with marking_context(config, {"nbgrader": {"assignment": A, "student": "cat"}}):
        assert active_key() == sitting_key(tmp_path, again)
    assert sitting_key(tmp_path, again).split(":")[0] == "cat"


def _nbgrader_config(root):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    return config

