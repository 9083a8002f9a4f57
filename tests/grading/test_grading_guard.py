"""What the grading lock of an autograde relies on in nbgrader 0.9.6 (pinned), checked fast.

Every autograde holds its assignment's grading lock
(course/nbgrader_plugins/autograde/grading_guard.py):
taken when nbgrader makes the converter's exporter, released when ``NbGraderAPI.autograde``
(the Formgrader's button) puts its course directory back. These tests run the real
``NbGraderAPI.autograde`` on a tiny course (a SQLite gradebook, no kernels) and fail loudly
if nbgrader stops behaving that way: the lock must be held before a forced autograde removes
the old output, during the run, and free after a success and after a failure, in the same
long-lived process (as in the Formgrader's server). Both databases and the real course are
tested in tests/hub/test_grading_concurrency.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from course.nbgrader_plugins.autograde.grading_guard import GradingLockExporter
from course.storage import database

COURSE_ID = "guard-test"


class TinyCourse:
    """One assignment ``a1`` with one notebook ``x``; autograde only copies it (no kernels)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.url = f"sqlite:///{root / 'gradebook.db'}"
        self.lock_dir = root / ".cryocourse"
        self.seen_during_run: list[str | None] = []
        nbformat.write(nbformat.v4.new_notebook(), self._path("source", None))
        with Gradebook(self.url, COURSE_ID) as book:
            book.add_assignment("a1")
            book.add_notebook("x", "a1")
        config = Config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.db_url = self.url
        config.Autograde.exporter_class = GradingLockExporter
        config.Autograde.sanitize_preprocessors = []
        config.Autograde.autograde_preprocessors = []
        seen = self.seen_during_run

        def during_run(**_: object) -> None:  # nbgrader's pre-convert hook (a function:
            seen.append(self.holder())          # traitlets' Config deep-copies a method)

        config.Autograde.pre_convert_hook = during_run
        # Like the Formgrader: one API and one course directory for every button press.
        self.api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def _path(self, step: str, student: str | None) -> Path:
        folder = self.root / step / (student or "") / "a1"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "x.ipynb"

    def submit(self, student: str, text: str | None = None) -> None:
        path = self._path("submitted", student)
        if text is None:
            nbformat.write(nbformat.v4.new_notebook(), path)
        else:
            path.write_text(text)

    def autograded(self, student: str) -> Path:
        return self.root / "autograded" / student / "a1" / "x.ipynb"

    def holder(self) -> str | None:
        return database.grading_lock_holder(self.url, COURSE_ID, "a1", lock_dir=self.lock_dir)

    def lock_is_free(self) -> bool:
        try:
            with database.grading_lock(self.url, COURSE_ID, "a1", lock_dir=self.lock_dir):
                return True
        except database.GradingBusy:
            return False


@pytest.fixture
def course(tmp_path: Path) -> TinyCourse:
    return TinyCourse(tmp_path)


def test_the_button_holds_the_lock_during_its_run_and_frees_it_after(course):
    course.submit("ana")
    result = course.api.autograde("a1", "ana")
    assert result["success"], result
    assert course.autograded("ana").is_file()
    assert len(course.seen_during_run) == 1
    assert "autograde of ana" in (course.seen_during_run[0] or ""), course.seen_during_run
    assert course.holder() is None and course.lock_is_free()


def test_a_failing_autograde_frees_the_lock(course):
    course.submit("bob", text="{ this is not a notebook")
    result = course.api.autograde("a1", "bob")
    assert not result["success"]
    assert course.holder() is None and course.lock_is_free()
    course.submit("ana")  # the same process grades the next submission
    assert course.api.autograde("a1", "ana")["success"]
    assert course.lock_is_free()


def test_an_autograde_refused_while_another_run_grades_changes_nothing(course):
    course.submit("ana")
    assert course.api.autograde("a1", "ana")["success"]
    before = course.autograded("ana").read_bytes()
    with database.grading_lock(course.url, COURSE_ID, "a1", lock_dir=course.lock_dir,
                               activity="cryocourse grade"):
        result = course.api.autograde("a1", "ana", force=True)
    assert not result["success"]
    assert "being graded right now (cryocourse grade, pid" in result.get("log", ""), result
    assert "Nothing was changed" in result["log"]
    # Refused before nbgrader removed the old output of a forced autograde: nothing is lost.
    assert course.autograded("ana").read_bytes() == before
    assert len(course.seen_during_run) == 1  # the refused run never started converting
    assert course.lock_is_free()


def test_a_cryocourse_runs_own_workers_take_no_lock(course, monkeypatch):
    course.submit("ana")
    with database.grading_lock(course.url, COURSE_ID, "a1", lock_dir=course.lock_dir):
        monkeypatch.setenv(database.GRADING_RUN_ENV, "a1")  # what the run gives its workers
        assert course.api.autograde("a1", "ana")["success"]
