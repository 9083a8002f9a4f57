"""The gradebook's own faults, answered in a sentence: locked, damaged, missing.

Every command that reads or writes the gradebook (``status``, ``grade``, ``export``,
``report``, ``feedback``, ``backup``) first asks ``require_usable``; a fault met later is
explained by ``explain``, never shown as a traceback:

* **locked**: another program holds the gradebook (a long backup, a database tool with an
  open transaction). The command waits ``CRYOCOURSE_GRADEBOOK_WAIT`` seconds (default 10),
  then names the holder (this user's processes with the file open, by pid and program) and
  says what to do.
* **damaged**: not a database, or failing its integrity check. Nothing is changed; the
  message names the latest backup and how to put it back (``cryocourse restore``).
* **missing**: the gradebook file is gone although submissions were graded (the course's
  ledger says so). Grading on would start an empty gradebook; the message says how to put
  the backup back, or to grade everything again.

``restore`` puts a checked backup in place of a SQLite gradebook, keeping the replaced file
beside it. PostgreSQL gradebooks are restored with ``pg_restore`` (the message says how).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from course.storage.course_folder import STATE_DIR
from course.storage.database import (
    SQLITE_BUSY_CODES,
    GradebookError,
    backend,
    masked,
    sqlite_path,
)

WAIT_VARIABLE = "CRYOCOURSE_GRADEBOOK_WAIT"
DEFAULT_WAIT = 10.0  # seconds: a Formgrader save holds the lock for milliseconds
BACKUPS = "backups"


class GradebookLocked(GradebookError):
    """Another program holds the gradebook."""


class GradebookDamaged(GradebookError):
    """The gradebook file is not a sound database."""


class GradebookMissing(GradebookError):
    """The gradebook is gone although submissions were graded."""


def wait_seconds() -> float:
    """How long a command waits for a gradebook another program holds."""
    try:
        return max(0.0, float(os.environ.get(WAIT_VARIABLE, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def latest_backup(root: Path) -> Path | None:
    """The newest SQLite backup ``cryocourse backup`` made in the course (None: none)."""
    found = sorted((root / BACKUPS).glob("gradebook-*.db"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _put_back_advice(root: Path) -> str:
    latest = latest_backup(root)
    if latest is None:
        return ("No backup was found in backups/: if you keep one elsewhere, put it back with "
                "`cryocourse restore FILE`; otherwise grade every assignment again with "
                "`cryocourse grade ASSIGNMENT --force` (hand grades given since must be given "
                "again). Make backups with `cryocourse backup`.")
    made = datetime.fromtimestamp(latest.stat().st_mtime)
    return (f"The latest backup is {latest} (made {made:%Y-%m-%d %H:%M}): put it back with "
            f"`cryocourse restore {latest}`, then run `cryocourse grade` for each assignment "
            "to grade what came in since.")


def _graded_before(root: Path) -> int:
    """How many submissions the course's ledger records as graded."""
    return sum(1 for _ in (root / STATE_DIR / "graded").glob("*/*.json"))


def require_usable(root: Path, url: str, *, write: bool = False,
                   allow_missing: bool = False) -> None:
    """Raise a plain-language ``GradebookError`` if the gradebook is locked, damaged or
    missing; return quietly when it can be used (or does not exist yet in a new course, or
    ``allow_missing`` and there is no backup to put back: everything is graded again into a
    new one)."""
    if backend(url) == "SQLite":
        _require_sqlite(root, sqlite_path(url), write, allow_missing)
    elif backend(url) == "PostgreSQL":
        _require_postgres(url)


def _require_sqlite(root: Path, path: Path, write: bool, allow_missing: bool) -> None:
    if not path.exists():
        graded = _graded_before(root)
        if graded and not (allow_missing and latest_backup(root) is None):
            raise GradebookMissing(
                f"The gradebook {path} is missing, though {graded} submissions were graded "
                f"into it. {_put_back_advice(root)}")
        return  # a new course: nbgrader makes the gradebook
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=wait_seconds(),
                                                isolation_level=None)) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if write:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
            answer = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as problem:
        raise explain(root, f"sqlite:///{path}", problem) from None
    if answer != "ok":
        raise _damaged(root, path, answer)


def _require_postgres(url: str) -> None:
    from sqlalchemy import create_engine, exc, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except exc.DBAPIError as problem:
        first = str(getattr(problem, "orig", problem)).strip().splitlines()[:1]
        raise GradebookError(
            f"The gradebook's PostgreSQL database ({masked(url)}) cannot be used: "
            f"{first[0] if first else type(problem).__name__}. Check that the database server "
            "runs and that the course's database URL is right (cryocourse status names it); "
            "a backup made with `cryocourse backup` goes back with pg_restore.") from None
    finally:
        engine.dispose()


def explain(root: Path, url: str, problem: BaseException) -> GradebookError:
    """A database error met while using the gradebook, as a plain-language error."""
    original = getattr(problem, "orig", None) or problem
    if backend(url) != "SQLite":
        return GradebookError(f"The gradebook's database ({masked(url)}) failed: "
                              f"{str(original).strip().splitlines()[0][:200]}. Nothing more "
                              "was changed; run the command again once the database is back.")
    path = sqlite_path(url)
    if isinstance(original, sqlite3.OperationalError) and getattr(
            original, "sqlite_errorcode", None) in SQLITE_BUSY_CODES:
        holders = holders_of(path)
        who = (f" ({', '.join(holders)})" if holders
               else " (not a program of yours on this machine)")
        return GradebookLocked(
            f"The gradebook {path} is locked by another program{who}: a backup, a copy, or a "
            f"database tool with the file open. The command waited {wait_seconds():g} s and "
            "changed nothing. Let that program finish, or close it, then run the command "
            "again.")
    if isinstance(original, sqlite3.DatabaseError) and not path.exists():
        return GradebookMissing(f"The gradebook {path} is missing. {_put_back_advice(root)}")
    return _damaged(root, path, str(original))


def _damaged(root: Path, path: Path, problem: str) -> GradebookDamaged:
    return GradebookDamaged(
        f"The gradebook {path} is damaged ({problem.strip()[:120]}); nothing was changed. "
        f"{_put_back_advice(root)}")


def holders_of(path: Path) -> list[str]:
    """'sqlite3, pid 123' for each of this user's processes (not this one) that has the
    gradebook or its journal open (Linux; others' processes cannot be seen)."""
    wanted = set()
    for name in (path, Path(f"{path}-journal"), Path(f"{path}-wal")):
        with contextlib.suppress(OSError):
            found = name.stat()
            wanted.add((found.st_dev, found.st_ino))
    holders = []
    for entry in Path("/proc").iterdir() if wanted and Path("/proc/self/fd").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            for fd in (entry / "fd").iterdir():
                opened = fd.stat()
                if (opened.st_dev, opened.st_ino) in wanted:
                    program = (entry / "comm").read_text().strip()
                    holders.append(f"{program}, pid {entry.name}")
                    break
        except OSError:
            continue
    return holders


def restore(root: Path, url: str, backup: Path) -> Path | None:
    """Put ``backup`` in place of the SQLite gradebook; returns where the replaced file was
    kept (None: there was none). The backup is checked first; the gradebook must be free."""
    if backend(url) != "SQLite":
        raise GradebookError(f"Restore a {backend(url)} gradebook with its own tools: "
                             f"pg_restore --clean --dbname=DATABASE {backup}")
    backup = backup.resolve()
    if not backup.is_file():
        raise GradebookError(f"There is no backup at {backup}.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as db:
            answer = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as problem:
        answer, tables = str(problem), set()
    if answer == "ok" and "submitted_assignment" not in tables:
        answer = "it holds no nbgrader gradebook"
    if answer != "ok":
        raise GradebookError(f"{backup} is not a sound gradebook backup ({answer}); choose "
                             "another one (cryocourse backup makes them in backups/).")
    path = sqlite_path(url)
    kept = None
    if path.exists():
        busy = holders_of(path)
        if busy:
            raise GradebookLocked(f"The gradebook {path} is open in {', '.join(busy)}: close "
                                  "that first (the Formgrader too), then restore.")
        kept = path.with_name(f"{path.name}.replaced-{datetime.now():%Y-%m-%d-%H%M%S}")
        os.replace(path, kept)
    incoming = path.with_name(f".{path.name}.restoring")
    with contextlib.closing(sqlite3.connect(backup)) as source, \
            contextlib.closing(sqlite3.connect(incoming)) as copy:
        source.backup(copy)
    os.chmod(incoming, 0o600)
    os.replace(incoming, path)
    _forget_graded_since(root, backup.stat().st_mtime)
    return kept


def _forget_graded_since(root: Path, moment: float) -> None:
    """Submissions graded after the backup was made are not in it: grade them again."""
    import json

    for ledger in (root / STATE_DIR / "graded").glob("*/*.json"):
        try:
            graded_at = float(json.loads(ledger.read_text(encoding="utf-8"))["graded_at"])
        except (OSError, ValueError, KeyError, TypeError):
            graded_at = moment
        if graded_at >= moment:
            ledger.unlink(missing_ok=True)
