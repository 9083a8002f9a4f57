"""Only plain files travel, in nbgrader's own steps (named in ``nbgrader_config.py``).

nbgrader copies a trainee's files itself: ``collect`` copies the inbound folder with
``shutil.copytree`` (links followed), autograding and feedback copy every other file of the
submission with ``shutil.copy``. Through nbgrader's public extension points:

* ``PlainCollect`` (``ExchangeFactory.collect``): the inbound folder is opened component by
  component without following links and only regular files are copied
  (``course.foundation.regular_files``); refused files are logged and recorded by name with the reason;
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
import json
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash

from course.nbgrader_plugins.exchange.handins import (
    HandIn,
    allowed_owners,
    inspect_handin,
    nbgrader_time,
)
from course.storage import deadlines, supervision
from course.foundation.regular_files import (
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
    """nbgrader's collect, taking a hand-in only for the account that made it, at the
    server's time, copying regular files only and never following a link.

    * **Identity** (``course.nbgrader_plugins.exchange.handins``): an inbound folder not made by the account
      it names (its owner uid, read with ``lstat``) is refused and reported by name; it never
      replaces that trainee's own submission. Inside an accepted folder, a file another
      account made is refused by name.
    * **Time**: the hand-in's time is the server's (the latest inode change of the folder and
      its files), written to ``submitted/.../timestamp.txt``; the time in the folder's name
      and in the trainee's ``timestamp.txt`` is ignored. The assignment's due date (the
      gradebook), the trainee's extension and the late policy (``course.storage.deadlines``)
      decide whether it is late, flagged, penalised (at grading) or not collected.
    * Every warning and refusal is kept by trainee in ``notices`` and in
      ``.cryocourse/collect/<assignment>.json``, which ``cryocourse collect`` prints.
    """

    notices: list[dict[str, str]]
    _handins: dict[str, HandIn]  # by the inbound folder's name
    _records: list[dict[str, Any]]  # nbgrader's records of the hand-ins that count

    def _notice(self, student: str, kind: str, text: str) -> None:
        self.notices.append({"student": student, "kind": kind, "text": text})
        self.log.warning("%s: %s", student, text)

    def _path_to_record(self, path: str) -> dict[str, Any]:
        try:
            record = super()._path_to_record(path)
        except Exception:  # noqa: BLE001 - a badly named folder is that folder's problem
            record = None
        if record is None or not is_plain_id(record["username"]):
            self._notice("(unnamed)", "skipped",
                         f"skipped {os.path.basename(path)!r}: not a submission folder with a "
                         "plain trainee id (trainee+assignment+time)")
            return _invalid(path)
        try:
            handin = inspect_handin(path, record["username"])
        except OSError as problem:
            self._notice(record["username"], "refused",
                         f"the hand-in {record['filename']} could not be read ({problem})")
            return _invalid(path)
        if not handin.counts:
            self._notice(record["username"], "refused",
                         f"refused the hand-in {handin.folder}: {handin.problem}. It was not "
                         f"collected; {record['username']}'s own hand-in is kept")
            return _invalid(path)
        record["timestamp"] = handin.received.replace(tzinfo=None)  # naive UTC, as nbgrader's
        outside = supervision.handin_problem(self._book, self.coursedir.assignment_id,
                                             record["username"], record["timestamp"])
        if outside:  # a supervised assignment: only the work of the trainee's window counts
            self._notice(record["username"], "refused",
                         f"refused the hand-in {handin.folder}: {outside}. It was not "
                         "collected; it stays in the exchange")
            return _invalid(path)
        self._handins[record["filename"]] = handin
        self._records.append(record)
        return record

    def init_src(self) -> None:
        self.notices, self._handins, self._records = [], {}, []
        self._book = deadlines.load(self.coursedir.root)
        self._collected: dict[str, dict[str, Any]] = {}
        super().init_src()
        self.src_records = self._choose()

    def _choose(self) -> list[dict[str, Any]]:
        """Per trainee, the latest hand-in by server time that the late policy lets in."""
        by_student: dict[str, list[dict[str, Any]]] = {}
        for record in self._records:
            by_student.setdefault(record["username"], []).append(record)
        book = deadlines.load(self.coursedir.root)
        policy = book.policy(self.coursedir.assignment_id)
        chosen = []
        for student, records in sorted(by_student.items()):
            records.sort(key=lambda r: r["timestamp"], reverse=True)
            extension = deadlines.allowance(book, self.coursedir.assignment_id, student)
            late = [deadlines.seconds_late(r["timestamp"], self.duedate, extension)
                    for r in records]
            pick = 0
            if policy.rule == "refuse" and late[0] > 0:
                on_time = [i for i, seconds in enumerate(late) if seconds == 0]
                self._notice(student, "refused-late",
                             f"{len(records) - len(on_time)} hand-in(s) after the due date not "
                             f"collected (late policy: refuse); they stay in the exchange")
                if not on_time:
                    continue
                pick = on_time[0]
            record = records[pick]
            self._collected[student] = {"received": record["timestamp"], "late": late[pick],
                                        "extension": extension}
            chosen.append(record)
        return chosen

    def copy_files(self) -> None:
        self.check_owner = False  # nbgrader's check only warns; the course's refuses (above)
        try:
            super().copy_files()
        finally:
            self._record_extensions()
            self._write_notices()

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        """Copy one inbound folder into ``submitted/`` (regular files only)."""
        relative = os.path.relpath(src, self.root)
        student = os.path.basename(os.path.dirname(dest))
        handin = self._handins.get(os.path.basename(src))
        try:
            fd = open_folder(self.root, relative)
        except NotPlain as problem:
            refused = [Refusal(".", f"the submission folder is not a plain folder "
                                    f"({problem.strerror})")]
            os.makedirs(dest, exist_ok=True)  # collected, empty: listed as not graded
        else:
            try:
                refused = copy_plain_tree(fd, dest, ignore=self.coursedir.ignore,
                                          owners=allowed_owners(student))
            finally:
                os.close(fd)
        if handin is not None:  # the server's time, never the trainee's timestamp.txt
            Path(dest, "timestamp.txt").write_text(nbgrader_time(handin.received) + "\n")
        for refusal in refused:
            self._notice(student, "files-refused", f"refused from the hand-in: {refusal}")
        if self.coursedir.groupshared:
            share_with_group(dest)
        record_refusals(self.coursedir.root, self.coursedir.assignment_id, student, refused,
                        replace=True)
        state = self._collected.get(student, {})
        if state.get("late"):
            policy = deadlines.load(self.coursedir.root).policy(self.coursedir.assignment_id)
            if policy.rule != "accept":
                self._notice(student, "late",
                             f"handed in {deadlines.show_span(_seconds(state['late']))} after "
                             f"the due date (at {deadlines.show_time(state['received'])}, "
                             f"server time); {policy.describe()}")

    def _record_extensions(self) -> None:
        """Each collected trainee's allowance, in the gradebook (nbgrader's lateness); also
        when it is none now, so an allowance taken back is not left behind."""
        if not self._collected:
            return
        from nbgrader.api import Gradebook

        book = deadlines.load(self.coursedir.root)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            for student in self._collected:
                deadlines.write_extension(gradebook, book, self.coursedir.assignment_id,
                                          student, create=True)

    def _write_notices(self) -> None:
        record = Path(self.coursedir.root) / ".cryocourse" / "collect" / (
            f"{self.coursedir.assignment_id}.json")
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_suffix(".tmp")
        temporary.write_text(json.dumps({"notices": self.notices, "collected": {
            student: {"received": nbgrader_time(state["received"].replace(
                tzinfo=datetime.UTC)), "seconds_late": state["late"],
                **supervision.window_record(self._book, self.coursedir.assignment_id, student)}
            for student, state in self._collected.items()}}, indent=1), encoding="utf-8")
        temporary.replace(record)


def _invalid(path: str) -> dict[str, Any]:
    return {"username": _INVALID, "filename": os.path.basename(path),
            "timestamp": datetime.datetime.min}


def _seconds(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=seconds)


def collect_notices(root: Path, assignment: str) -> dict[str, Any]:
    """What the last collect of ``assignment`` reported (empty before the first)."""
    try:
        return json.loads((Path(root) / ".cryocourse" / "collect" / f"{assignment}.json")
                          .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"notices": [], "collected": {}}


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
    folders = {_submission_of(n) for n in notebooks or []}
    for found in folders:
        if found is None:
            continue
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
        still_open = supervision.feedback_problem(deadlines.load(self.coursedir.root),
                                                  self.coursedir.assignment_id,
                                                  supervision.now_utc())
        if still_open:  # the Formgrader's Release button too
            self.fail(still_open)
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


__all__ = ["PlainCollect", "collect_notices", "PlainReleaseFeedback", "describe", "is_plain_id",
           "screen_before_convert"]
