"""What root writes into a trainee's supervised session never follows what the trainee
planted (course/sandbox/supervised_session.py); the real accounts: tests/hub/test_supervised.py."""

from __future__ import annotations

import json
import os
import stat

import pytest

from course.foundation.whole_files import write_whole_at
from course.sandbox import supervised_session


def _session(tmp_path):
    found = supervised_session.session(tmp_path, "05-screening-cases", "ana")
    found.kit.mkdir(parents=True)
    return found


def test_the_window_is_never_written_through_a_planted_link(tmp_path):
    found = _session(tmp_path)
    target = tmp_path / "ld.so.preload"
    for name in ("window.tmp", ".window.json.tmp"):
        (found.kit / name).symlink_to(target)
    supervised_session.write_window(found, {"start": "s", "end": "e"})
    assert not target.exists()
    written = found.kit / "window.json"
    assert not written.is_symlink() and json.loads(written.read_text())["end"] == "e"
    assert stat.S_IMODE(written.stat().st_mode) == 0o640
    # A link put in place of the window itself is replaced, never written through.
    written.unlink()
    written.symlink_to(target)
    supervised_session.write_window(found, {"start": "s", "end": "later"})
    assert not target.exists() and not written.is_symlink()


def test_the_kit_folder_must_be_reached_without_links(tmp_path):
    found = supervised_session.session(tmp_path, "05-screening-cases", "ana")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (found.base / "kit").parent.mkdir(parents=True)
    (found.base / "kit").symlink_to(elsewhere)
    (elsewhere / "course").mkdir()
    with pytest.raises(OSError):
        supervised_session.write_window(found, {"start": "s", "end": "e"})
    assert not (elsewhere / "course" / "window.json").exists()


def test_write_whole_at_leaves_nothing_behind_when_it_fails(tmp_path):
    descriptor = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        write_whole_at(descriptor, "a.json", b"{}", 0o644)
        with pytest.raises((OSError, OverflowError)):
            write_whole_at(descriptor, "a.json", b"x", 0o644, owner=(2**40, 2**40))
    finally:
        os.close(descriptor)
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert (tmp_path / "a.json").read_text() == "{}"


def test_a_hand_in_is_kept_per_end_of_the_window_and_a_failed_one_is_not(tmp_path):
    found = _session(tmp_path)
    (found.base / supervised_session.HANDED_IN).write_text(json.dumps([
        {"window_start": "s", "window_end": "e1", "ok": True},
        {"window_start": "s", "window_end": "e2", "ok": False}]))
    assert found.handed_in_for("s", "e1")["ok"]
    assert found.handed_in_for("s", "e2") is None  # failed: tried again
    assert found.handed_in_for("s", "e3") is None  # extended after it: handed in again
