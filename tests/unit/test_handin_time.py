"""The time of a hand-in (the server's: the latest inode change of the trainee's files) is
never earlier than it is: an unreadable entry costs only itself, a folder too big to read whole
is dated at collection."""

from __future__ import annotations

import os
import time

import pytest

from course.nbgrader_plugins.exchange.handins import latest_change

pytestmark = pytest.mark.unit


def test_the_latest_file_counts_wherever_it_is(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "old.txt").write_text("x")
    time.sleep(0.02)
    (tmp_path / "new.txt").write_text("y")
    owners = {os.geteuid()}
    assert latest_change(str(tmp_path), owners) == os.lstat(tmp_path / "new.txt").st_ctime


def test_a_dangling_link_does_not_hide_the_files_after_it(tmp_path):
    for number in range(30):
        (tmp_path / f"link{number}").symlink_to(tmp_path / "nowhere" / str(number))
    time.sleep(0.02)
    (tmp_path / "z-late.txt").write_text("late work")
    owners = {os.geteuid()}
    assert latest_change(str(tmp_path), owners) == os.lstat(tmp_path / "z-late.txt").st_ctime


def test_a_folder_past_the_reading_limit_is_dated_when_it_is_collected(tmp_path):
    for number in range(12):
        (tmp_path / f"f{number}.txt").write_text("x")
    assert latest_change(str(tmp_path), {os.geteuid()}, limit=5, now=4e9) == 4e9
    assert latest_change(str(tmp_path), {os.geteuid()}, limit=50) < 4e9
