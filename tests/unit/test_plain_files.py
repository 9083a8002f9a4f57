"""Only plain files travel: the no-follow reader and copier, on real files (fast)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course.foundation.regular_files import (
    Limits,
    NotPlain,
    copy_plain_tree,
    folder,
    open_folder,
    plain_entries,
    read_plain_file,
    record_refusals,
    recorded_refusals,
    screen_folder,
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A submission with one of everything: plain files, links, a hard link, a FIFO."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the reference")
    sub = tmp_path / "base" / "alice" / "a1"
    (sub / "data").mkdir(parents=True)
    (sub / "a1.ipynb").write_text("{}")
    (sub / "data" / "notes.txt").write_text("mine")
    (sub / "link.txt").symlink_to(secret)
    (sub / "environ").symlink_to("/proc/self/environ")
    (sub / "dirlink").symlink_to(tmp_path)
    os.link(secret, sub / "hard.txt")
    os.mkfifo(sub / "pipe")
    (sub / "big.bin").write_bytes(b"x" * 2000)
    return tmp_path


def _reasons(refused) -> dict[str, str]:
    return {r.name: r.reason for r in refused}


def test_only_regular_files_are_copied_and_the_rest_is_named_with_a_reason(tree: Path):
    dest = tree / "copy"
    with folder(tree / "base", "alice/a1") as fd:
        refused = copy_plain_tree(fd, dest, Limits(max_file_bytes=1000))
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert copied == ["a1.ipynb", "data/notes.txt"]
    reasons = _reasons(refused)
    assert "symbolic link" in reasons["link.txt"] and "symbolic link" in reasons["environ"]
    assert "symbolic link" in reasons["dirlink"]
    assert "hard link" in reasons["hard.txt"]
    assert "FIFO" in reasons["pipe"]
    assert "too large" in reasons["big.bin"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))


def test_a_link_anywhere_in_the_path_below_the_base_is_refused(tree: Path):
    (tree / "base" / "bob").symlink_to(tree / "base" / "alice")
    with pytest.raises(NotPlain, match="bob is a symbolic link"):
        open_folder(tree / "base", "bob/a1")
    (tree / "base" / "carol").mkdir()
    (tree / "base" / "carol" / "a1").symlink_to(tree / "base" / "alice" / "a1")
    with pytest.raises(NotPlain, match="a1 is a symbolic link"):
        open_folder(tree / "base", "carol/a1")
    with pytest.raises(NotPlain):
        open_folder(tree / "base", "../secret.txt")


def test_reading_refuses_links_devices_and_hard_links(tree: Path):
    sub = tree / "base" / "alice" / "a1"
    assert read_plain_file(sub / "a1.ipynb", tree / "base") == b"{}"
    for name in ("link.txt", "hard.txt", "pipe"):
        with pytest.raises(NotPlain):
            read_plain_file(sub / name, tree / "base")
    (sub / "null").symlink_to("/dev/null")
    with pytest.raises(NotPlain, match="symbolic link"):
        read_plain_file(sub / "null", tree / "base")


def test_counts_and_total_size_are_limited(tmp_path: Path):
    for number in range(5):
        (tmp_path / f"f{number}.txt").write_text("12345")
    with folder(tmp_path) as fd:
        taken, refused = plain_entries(fd, Limits(max_files=3))
    assert len(taken) == 3 and all("too many" in r.reason for r in refused)
    with folder(tmp_path) as fd:
        taken, refused = plain_entries(fd, Limits(max_total_bytes=12))
    assert len(taken) == 2 and all("total size" in r.reason for r in refused)


def test_deep_folders_are_refused(tmp_path: Path):
    deep = tmp_path.joinpath(*[f"d{i}" for i in range(10)])
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x")
    with folder(tmp_path) as fd:
        taken, refused = plain_entries(fd, Limits(max_depth=4))
    assert taken == [] and "nested too deep" in refused[0].reason


def test_screening_removes_what_may_not_travel_but_never_follows_it(tree: Path):
    refused = screen_folder(tree / "base", "alice/a1", Limits(max_file_bytes=1000))
    sub = tree / "base" / "alice" / "a1"
    assert sorted(p.name for p in sub.iterdir()) == ["a1.ipynb", "data"]
    assert (tree / "secret.txt").read_text() == "the reference"  # the target is untouched
    assert len(refused) == 6  # two links, a folder link, a hard link, a FIFO, a big file


def test_a_linked_submission_folder_is_removed_not_followed(tree: Path):
    (tree / "base" / "mallory").mkdir()
    (tree / "base" / "mallory" / "a1").symlink_to(tree / "base" / "alice" / "a1")
    refused = screen_folder(tree / "base", "mallory/a1")
    assert refused[0].name == "." and "symbolic link" in refused[0].reason
    assert not (tree / "base" / "mallory" / "a1").exists()
    assert (tree / "base" / "alice" / "a1" / "a1.ipynb").is_file()


def test_refusals_are_recorded_and_a_new_collect_starts_over(tmp_path: Path):
    from course.foundation.regular_files import Refusal

    record_refusals(tmp_path, "a1", "alice", [Refusal("x", "a symbolic link")])
    record_refusals(tmp_path, "a1", "alice", [Refusal("y", "a FIFO")])
    assert [r.name for r in recorded_refusals(tmp_path, "a1", "alice")] == ["x", "y"]
    record_refusals(tmp_path, "a1", "alice", [], replace=True)
    assert recorded_refusals(tmp_path, "a1", "alice") == []


def test_a_groupshared_collect_gives_the_group_what_nbgrader_gives_it(tmp_path) -> None:
    from course.nbgrader_plugins.exchange.regular_file_exchange import share_with_group

    (tmp_path / "ps1").mkdir(mode=0o700)
    (tmp_path / "ps1" / "data").mkdir(mode=0o700)
    (tmp_path / "ps1" / "p1.ipynb").write_text("{}")
    (tmp_path / "ps1" / "p1.ipynb").chmod(0o600)
    share_with_group(str(tmp_path / "ps1"))
    modes = {path.name: oct(path.stat().st_mode & 0o7777)
             for path in [tmp_path / "ps1", tmp_path / "ps1" / "data",
                          tmp_path / "ps1" / "p1.ipynb"]}
    assert modes == {"ps1": "0o2770", "data": "0o2770", "p1.ipynb": "0o660"}  # never o+w
