"""The deadline book on disk (course/storage/deadlines.py): changes made at once by two
commands are both kept, a write is whole, a damaged book is a plain error."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from course.storage import deadlines
from course.storage.course_folder import CourseError

A = "05-screening-cases"


def _grant_many(root: str, student: str, times: int) -> None:
    for minute in range(1, times + 1):
        deadlines.update(root, lambda book, m=minute: deadlines.grant(book, A, student, m))


def test_commands_changing_the_book_at_once_each_keep_the_other_s_change(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_grant_many, args=(str(tmp_path), name, 15))
               for name in ("ana", "ben", "cat")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    book = deadlines.load(tmp_path)
    assert book.extensions[A] == {"ana": 15, "ben": 15, "cat": 15}
    folder = deadlines.deadlines_path(tmp_path).parent
    assert sorted(p.name for p in folder.iterdir()) == ["deadlines.json", "deadlines.json.lock"]
    assert os.stat(deadlines.deadlines_path(tmp_path)).st_mode & 0o777 == 0o600


def test_a_change_that_fails_writes_nothing(tmp_path):
    deadlines.update(tmp_path, lambda book: deadlines.grant(book, A, "ana", 30))

    def wrong(book):
        deadlines.grant(book, A, "ben", 10)
        raise CourseError("no such trainee")

    with pytest.raises(CourseError):
        deadlines.update(tmp_path, wrong)
    assert deadlines.load(tmp_path).extensions == {A: {"ana": 30}}


@pytest.mark.parametrize("content", ["{\"extensions\": {\"05", "[1, 2]",
                                     '{"extensions": {"05": {"ana": "soon"}}}', "\x00\x01"])
def test_a_damaged_book_says_which_file_and_how_to_restore_it(tmp_path, content):
    path = deadlines.deadlines_path(tmp_path)
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(CourseError) as problem:
        deadlines.load(tmp_path)
    assert str(path) in str(problem.value) and "backup" in str(problem.value)
    with pytest.raises(CourseError):
        deadlines.update(tmp_path, lambda book: deadlines.grant(book, A, "ana", 5))
    assert path.read_text() == content  # never replaced by a partial book

