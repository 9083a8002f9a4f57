"""Due dates, extensions, accommodations and late policies, through the real exchange.

Lesson 00 is released and handed in with nbgrader's own submit. The due date is set between
the hand-ins (by the server's clock, the inode change time of each hand-in); one late
trainee names their folder and ``timestamp.txt`` with a time before the due date. Then
``cryocourse collect``, ``grade``, ``feedback`` and ``report`` run as an instructor would,
once per late policy. (On one machine every hand-in is the instructor's own account; the
owner check against other accounts is proved on the real class server,
tests/hub/test_class_term.py.)
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.cli import main
from course.demo.class_demo import copy_course, submit_through_exchange
from course.demo.synthetic_trainees import filled_notebook, make_class
from course.nbgrader_plugins.exchange.handins import inspect_handin
from course.sandbox.provisioner import sandbox_status
from course.storage import deadlines
from course.storage.course_folder import make_api
from tests.nbgrader_harness import REPO

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1]),
]

ASSIGNMENT = "00-orientation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ON_TIME, LATE, EXTENDED, ACCOMMODATED = "ana", "ben", "cai", "dee"


def _inbound(root: Path) -> Path:
    return root / "exchange" / "cosmetic-cryotherapy" / "inbound"


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _term(root: Path, capsys, *policy: str) -> dict:
    """Release, hand in (one on time, three after the due date), collect, grade, feedback."""
    api = make_api(root)
    assert api.generate_assignment(ASSIGNMENT, force=True)["success"]
    assert api.release_assignment(ASSIGNMENT)["success"]
    release = nbformat.read(root / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    trainees = dict(zip((ON_TIME, LATE, EXTENDED, ACCOMMODATED), make_class(4, seed=3),
                        strict=True))

    def hand_in(name: str) -> Path:
        trainee = dataclasses.replace(trainees[name], student_id=name)
        work = root / "trainees" / name
        shutil.rmtree(work, ignore_errors=True)
        (work / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(filled_notebook(release, trainee), work / ASSIGNMENT / NOTEBOOK)
        submit_through_exchange(api, trainee, ASSIGNMENT, work)
        return max(_inbound(root).glob(f"{name}+{ASSIGNMENT}+*"), key=os.path.getctime)

    first = hand_in(ON_TIME)
    due = inspect_handin(str(first), ON_TIME).received + datetime.timedelta(microseconds=1)
    while datetime.datetime.now(datetime.UTC) <= due:  # the next hand-in is after it
        time.sleep(0.01)
    assert main(["--course", str(root), "deadline", "set", ASSIGNMENT, due.isoformat(),
                 *policy]) == 0
    assert main(["--course", str(root), "extension", EXTENDED, ASSIGNMENT, "--days", "1"]) == 0
    assert main(["--course", str(root), "extension", ACCOMMODATED, "--every-assignment",
                 "--hours", "48"]) == 0
    for name in (LATE, EXTENDED, ACCOMMODATED):
        folder = hand_in(name)
        # The late one claims a time before the due date, in the name and in timestamp.txt.
        claimed = _stamp(due - datetime.timedelta(minutes=1))
        (folder / "timestamp.txt").write_text(claimed)
        os.rename(folder, folder.with_name(f"{name}+{ASSIGNMENT}+{claimed}+backdated"))
    capsys.readouterr()
    collected = main(["--course", str(root), "collect", ASSIGNMENT])
    collect_output = "".join(capsys.readouterr())
    assert main(["--course", str(root), "grade", ASSIGNMENT, "--workers", "2"]) == 0
    assert main(["--course", str(root), "feedback", ASSIGNMENT, "--allow-ungraded"]) == 0
    assert main(["--course", str(root), "report", ASSIGNMENT]) == 0
    capsys.readouterr()
    assert main(["--course", str(root), "deadline", "list"]) == 0
    listing = capsys.readouterr().out
    return {"collect": collected, "collect_output": collect_output, "listing": listing,
            "due": due}


def _late(root: Path) -> dict[str, tuple[float, float]]:
    """Per trainee: (seconds late, late penalty) as the gradebook has them."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {s.student_id: (s.total_seconds_late, s.late_submission_penalty)
                for s in gradebook.find_assignment(ASSIGNMENT).submissions}


def _feedback(root: Path, student: str) -> str:
    return next((root / "feedback" / student / ASSIGNMENT).glob("*.html")).read_text()


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return copy_course(REPO, tmp_path / "class", [ASSIGNMENT])


def test_a_back_dated_hand_in_is_late_and_flagged_everywhere(course, capsys):
    term = _term(course, capsys)  # the default policy: flag
    assert term["collect"] == 0
    late = _late(course)
    assert late[ON_TIME][0] == 0 and late[LATE][0] > 0, late
    assert late[EXTENDED][0] == 0 and late[ACCOMMODATED][0] == 0, late  # extra time
    assert late[LATE][1] == 0  # flagged, not penalised
    assert f"{LATE}:" in term["collect_output"]
    assert "after the due date" in term["collect_output"].split(f"{LATE}:", 1)[1]
    # The hand-in's time is the server's, not the one in its name or timestamp.txt.
    stamp = (course / "submitted" / LATE / ASSIGNMENT / "timestamp.txt").read_text()
    assert "backdated" not in stamp and deadlines.parse_time(
        stamp.replace(" UTC", "+00:00")) > term["due"].replace(tzinfo=None)
    assert "Handed in late" in _feedback(course, LATE)
    assert "Handed in late" not in _feedback(course, ON_TIME)
    assert "Handed in late" not in _feedback(course, EXTENDED)
    report = (course / "reports" / ASSIGNMENT / "report.html").read_text()
    assert "Handed in late" in report and f"{LATE} " in report.split("Handed in late")[1]
    assert ASSIGNMENT in term["listing"] and "marked as late" in term["listing"]
    assert f"{EXTENDED}: 1 day on {ASSIGNMENT}" in term["listing"]
    assert f"{ACCOMMODATED}: 2 days on every assignment" in term["listing"]


def test_a_penalty_rule_takes_its_share_of_a_late_score(course, capsys):
    _term(course, capsys, "--late", "penalise", "--penalty-per-day", "10")
    late = _late(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        score = gradebook.find_submission(ASSIGNMENT, LATE).notebooks[0].score
    assert late[LATE][1] == pytest.approx(score * 0.10), (late, score)  # under a day late
    assert late[ON_TIME][1] == 0 and late[EXTENDED][1] == 0


def test_the_refuse_policy_collects_no_late_hand_in_and_says_so(course, capsys):
    term = _term(course, capsys, "--late", "refuse")
    collected = {p.name for p in (course / "submitted").iterdir()}
    assert ON_TIME in collected and EXTENDED in collected and ACCOMMODATED in collected
    assert LATE not in collected
    assert "late policy: refuse" in term["collect_output"].split(f"{LATE}:", 1)[1]
    assert any(_inbound(course).glob(f"{LATE}+*"))  # kept in the exchange, not lost


def test_deadline_input_mistakes_are_plain_errors(course, capsys):
    assert main(["--course", str(course), "deadline", "set", ASSIGNMENT, "next friday"]) == 2
    assert "not a date and time" in capsys.readouterr().err
    assert main(["--course", str(course), "extension", "<b>", ASSIGNMENT, "--days", "1"]) == 2
    assert main(["--course", str(course), "extension", "ana", ASSIGNMENT]) == 2
    assert main(["--course", str(course), "deadline", "set", ASSIGNMENT, "2026-12-10 17:00",
                 "--late", "penalise", "--penalty-per-day", "150"]) == 2


A, T0 = "05-screening-cases", datetime.datetime(2026, 12, 10, 9, 0)
MINUTE = datetime.timedelta(minutes=1)


def test_every_writer_of_the_gradebook_s_extension_writes_the_one_allowance(tmp_path):
    from course.storage import supervision

    book = deadlines.DeadlineBook()
    supervision.open_window(book, A, T0, 60, ["ana", "ben", "cat"])
    book.extensions[A] = {"ana": 15}
    supervision.close_window(book, A, T0 + 30 * MINUTE, ["cat"])
    later = T0 + 24 * 60 * MINUTE
    supervision.allow_again(book, A, "cat", later, T0 + 40 * MINUTE)
    with Gradebook(f"sqlite:///{tmp_path / 'gb.db'}", "c") as gradebook:
        gradebook.update_or_create_assignment(A)
        for trainee in ("cat", "ana", "dan"):
            deadlines.write_extension(gradebook, book, A, trainee, create=True)
        assert gradebook.find_submission(A, "cat").extension == later - T0  # its own window
        assert gradebook.find_submission(A, "ana").extension == 15 * MINUTE
        # A later extension (as `cryocourse extension` or `supervise close` write it) keeps
        # the re-attempt's reach; taking an extension back clears it.
        book.extensions[A]["cat"] = 5
        deadlines.write_extension(gradebook, book, A, "cat")
        assert gradebook.find_submission(A, "cat").extension == later - T0 + 5 * MINUTE
        book.extensions[A].pop("ana")
        deadlines.write_extension(gradebook, book, A, "ana")
        assert gradebook.find_submission(A, "ana").extension is None


def test_a_damaged_deadline_book_is_a_plain_error_naming_it(course, capsys):
    path = deadlines.deadlines_path(course)
    path.parent.mkdir(exist_ok=True)
    path.write_text('["not", "a", "book"]')
    for command in (["deadline", "list"], ["extension", "ana", ASSIGNMENT, "--days", "1"],
                    ["collect", ASSIGNMENT]):
        code = main(["--course", str(course), *command])
        said = "".join(capsys.readouterr())
        assert code != 0 and str(path) in said and "backup" in said, (command, said)
        assert "Traceback" not in said, said
    assert path.read_text() == '["not", "a", "book"]'
