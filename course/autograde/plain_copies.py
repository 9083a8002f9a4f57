"""Only plain files travel, in nbgrader's own steps (named in ``nbgrader_config.py``).

nbgrader copies a trainee's files itself: ``collect`` copies the inbound folder with
``shutil.copytree`` (links followed), autograding and feedback copy every other file of the
submission with ``shutil.copy``. Through nbgrader's public extension points:

* ``PlainCollect`` (``ExchangeFactory.collect``): the inbound folder is opened component by
  component without following links and only regular files are copied
  (``course.plain_files``); refused files are logged and recorded by name with the reason;
  a folder whose name is not ``trainee+assignment+time`` with a plain trainee id is
  skipped with a warning instead of stopping the collect of the whole class;
* ``screen_before_convert`` (``Autograde.pre_convert_hook``, ``GenerateFeedback``'s too):
  before nbgrader copies anything out of a submission (or autograded) folder, links, hard
  links, devices, FIFOs and oversized files are removed from that instructor-owned copy
  and recorded; a folder that is itself a link is removed, so nothing of it is graded;
* ``PlainReleaseFeedback`` (``ExchangeFactory.release_feedback``): releases every trainee
  it can and logs (and keeps in ``skipped``) the ones it cannot, instead of stopping at the
  first.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash

from course.plain_files import (
    NotPlain,
    Refusal,
    copy_plain_tree,
    describe,
    open_folder,
    read_plain_file,
    record_refusals,
    screen_folder,
)

PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_INVALID = "\0invalid"


def is_plain_id(text: str) -> bool:
    """A trainee or assignment id safe to use as a folder name and to show on a page."""
    return bool(PLAIN_ID.fullmatch(text))


class PlainCollect(ExchangeCollect):
    """nbgrader's collect, copying regular files only and never following a link."""

    def _path_to_record(self, path: str) -> dict[str, Any]:
        try:
            record = super()._path_to_record(path)
        except Exception:  # noqa: BLE001 - a badly named folder is that folder's problem
            record = None
        if record is None or not is_plain_id(record["username"]):
            self.log.warning("Skipped %s: not a submission folder with a plain trainee id "
                             "(trainee+assignment+time)", os.path.basename(path))
            return {"username": _INVALID, "filename": os.path.basename(path),
                    "timestamp": datetime.datetime.min.replace(tzinfo=datetime.UTC)}
        return record

    def copy_files(self) -> None:
        self.src_records = [r for r in self.src_records if r["username"] != _INVALID]
        super().copy_files()

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        """Copy one inbound folder into ``submitted/`` (regular files only)."""
        relative = os.path.relpath(src, self.root)
        student = os.path.basename(os.path.dirname(dest))
        try:
            fd = open_folder(self.root, relative)
        except NotPlain as problem:
            refused = [Refusal(".", f"the submission folder is not a plain folder "
                                    f"({problem.strerror})")]
            os.makedirs(dest, exist_ok=True)  # collected, empty: listed as not graded
        else:
            try:
                refused = copy_plain_tree(fd, dest, ignore=self.coursedir.ignore)
            finally:
                os.close(fd)
        for refusal in refused:
            self.log.warning("Refused from %s's submission: %s", student, refusal)
        if self.coursedir.groupshared:
            share_with_group(dest)
        record_refusals(self.coursedir.root, self.coursedir.assignment_id, student, refused,
                        replace=True)


def share_with_group(folder: str) -> None:
    """What nbgrader's ``groupshared`` gives a collected copy: folders ug+rwx and set-group-id,
    files ug+rw (where this account may change them).

    Unlike nbgrader's copy, the modes of the trainee's folder are not copied: nbgrader's
    submit makes it world-writable (0777), so that copy would let any account of the class
    server change a collected submission.
    """
    for dirname, _, filenames in os.walk(folder):
        _add_mode(dirname, 0o2770)
        for filename in filenames:
            _add_mode(os.path.join(dirname, filename), 0o660)


def _add_mode(path: str, bits: int) -> None:
    mode = os.stat(path).st_mode  # a copy of plain files and folders: no links in it
    if mode & bits != bits:
        with contextlib.suppress(PermissionError):  # another account's: as nbgrader does
            os.chmod(path, stat.S_IMODE(mode) | bits)


def _submission_of(notebook: str) -> tuple[Path, str, str, str] | None:
    """(course root, folder kind, trainee, assignment) of ``root/kind/trainee/assignment/x``."""
    path = Path(os.path.abspath(notebook))
    if len(path.parents) < 5:
        return None
    return path.parents[3], path.parents[2].name, path.parents[1].name, path.parent.name


def screen_before_convert(assignment: str = "", student: str = "",
                          notebooks: list[str] | None = None, **_: Any) -> None:
    """nbgrader's pre-convert hook: plain files only in the folder about to be converted.

    Never raises (nbgrader would only log it and go on): if screening itself fails, the
    folder's notebooks are removed from this run's copy so that nothing of it is graded.
    """
    for found in {_submission_of(n) for n in notebooks or []} - {None}:
        root, kind, trainee, assignment_id = found
        relative = Path(kind) / trainee / assignment_id
        try:
            refused = screen_folder(root, relative)
        except Exception as problem:  # noqa: BLE001 - fail closed, see the docstring
            refused = [Refusal(".", f"the folder could not be checked ({problem})")]
            shutil.rmtree(root / relative, ignore_errors=True)
        if refused and kind == "submitted":
            record_refusals(root, assignment_id, trainee, refused)


class PlainReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's feedback release, going on past a trainee it cannot release."""

    skipped: dict[str, str]

    def copy_files(self) -> None:
        self.skipped = {}
        exclude = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        pattern = Path(self.src_path)
        for html in sorted(Path(pattern.parent.parent).glob(f"{pattern.parent.name}/"
                                                            f"{pattern.name}/*.html")):
            student = html.parent.parent.name
            if student in exclude or student in self.skipped:
                continue
            try:
                self._release_one(html)
            except Exception as problem:  # noqa: BLE001 - one trainee, not the whole class
                reason = getattr(problem, "strerror", None) or str(problem) or type(
                    problem).__name__
                self.skipped[student] = reason
                self.log.error("Feedback not released for %s: %s", student, reason)

    def _release_one(self, html: Path) -> None:
        folder = html.parent
        root = folder.parent.parent
        relative = folder.relative_to(root)
        timestamp = read_plain_file(folder / "timestamp.txt", root).decode().strip()
        secret = read_plain_file(folder / "submission_secret.txt", root).decode()
        content = read_plain_file(html, root)
        checksum = notebook_hash(secret=secret, notebook_id=html.stem)
        temporary = Path(self.dest_path) / f"{checksum}-tmp.html"
        temporary.write_bytes(content)
        os.chmod(temporary, 0o644)
        temporary.replace(Path(self.dest_path) / f"{checksum}.html")
        self.log.info("Feedback released for %s (%s, submitted %s)", relative.parts[0],
                      html.stem, timestamp)


__all__ = ["PlainCollect", "PlainReleaseFeedback", "describe", "is_plain_id",
           "screen_before_convert"]
