"""Whose hand-in this is and when it arrived: the machine's records, never the trainee's word.

A trainee names their inbound folder ``trainee+assignment+time`` and writes ``timestamp.txt``
themselves, so neither the name nor the time in it can be trusted (nbgrader trusts both; its
owner check only logs "cheating attempt?"). What the trainee cannot forge:

* **who made it**: the owner uid of the folder and of every file in it, read with ``lstat``
  (links never followed). A hand-in counts for the account named only if that account made
  it (or the collecting account itself, the instructor, who already controls the course);
* **when it arrived**: the latest inode change time (``st_ctime``) of the trainee's files in
  it. The kernel sets it to the server's clock at every change (creating, writing,
  renaming, ``chmod``, ``touch``); no unprivileged call sets it back, so a hand-in made late
  can never look early (touching it later only makes it later).

"""

from __future__ import annotations

import datetime
import os
import pwd
import stat
import time
from dataclasses import dataclass

from course.foundation.regular_files import account_name

NBGRADER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # what nbgrader writes to timestamp.txt
MAX_ENTRIES = 2000  # a hand-in folder's entries read for the time (the copy limits are lower)


@dataclass(frozen=True)
class HandIn:
    """One inbound folder as the machine sees it."""

    folder: str
    student: str
    owner_uid: int
    owner: str
    received: datetime.datetime
    problem: str | None = None

    @property
    def counts(self) -> bool:
        return self.problem is None


def account_uid(name: str) -> int | None:
    """The uid of the system account ``name`` (None if there is none)."""
    try:
        return pwd.getpwnam(name).pw_uid
    except (KeyError, UnicodeError, ValueError):
        return None


def allowed_owners(student: str) -> set[int]:
    """Who may have made a hand-in for ``student``: their account, or the collector itself."""
    uids = {os.geteuid()}
    uid = account_uid(student)
    if uid is not None:
        uids.add(uid)
    return uids


def latest_change(path: str, owners: set[int], limit: int = MAX_ENTRIES,
                  now: float | None = None) -> float:
    """The latest ``st_ctime`` of the files below ``path`` that ``owners`` made.

    Folders are left out (another account that may write into one would move its time) and
    so are files of other accounts (they are refused at the copy); with no such file, the
    folder's own time. Links are never followed. An entry that cannot be read is skipped
    alone (the rest of its folder is still read); a hand-in with more than ``limit`` entries
    is dated now, the time it is collected: a file never read could be the latest, and a
    hand-in must never look earlier than it is.
    """
    latest, pending, seen = None, [path], 0
    while pending:
        here = pending.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit:
                return time.time() if now is None else now
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(entry.path)
            elif info.st_uid in owners:
                latest = max(latest or 0.0, info.st_ctime)
    return os.lstat(path).st_ctime if latest is None else latest


def utc(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def nbgrader_time(moment: datetime.datetime) -> str:
    """A time as nbgrader writes it in ``timestamp.txt`` (``2026-12-06 21:20:00.000000 UTC``)."""
    return moment.astimezone(datetime.UTC).strftime(NBGRADER_TIME_FORMAT)


def inspect_handin(path: str, student: str) -> HandIn:
    """Who made the inbound folder at ``path`` for ``student``, and when it arrived."""
    info = os.lstat(path)
    owner = account_name(info.st_uid)
    owners = allowed_owners(student)
    received = utc(latest_change(path, owners) if stat.S_ISDIR(info.st_mode)
                   else info.st_ctime)
    problem = None
    if info.st_uid not in owners:
        if account_uid(student) is None:
            problem = (f"handed in under the name {student!r}, which is no account on this "
                       f"machine, by account {owner}")
        else:
            problem = (f"handed in under {student}'s name by another account ({owner}): "
                       f"a hand-in counts only for the account that made it")
    return HandIn(os.path.basename(path), student, info.st_uid, owner, received, problem)
