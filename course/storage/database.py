"""The gradebook's database, SQLite or PostgreSQL: naming, backups, integrity, locks, busy.

SQLite (``gradebook.db``) is the one-machine default; a class server keeps the gradebook in
PostgreSQL (the URL from ``CRYOCOURSE_DATABASE_URL`` or the course's private file, see
``nbgrader_config.py``). Everything here works on both:

* ``describe``: the backend and the address with the password masked;
* ``backup`` / ``integrity_problem``: SQLite's online backup and ``PRAGMA integrity_check``;
  ``pg_dump -Fc`` (checked by reading it back with ``pg_restore --list``) and PostgreSQL's
  catalogue and table checks;
* ``grading_lock``: one grading run per assignment at a time (a PostgreSQL advisory lock, or
  an exclusive file lock beside a SQLite gradebook); a second run waits or says who grades
  (``grading_lock_holder`` tells without taking it);
* ``is_busy``: whether an exception is the database being busy (lock timeout, deadlock,
  SQLITE_BUSY), judged by the driver's exception types and codes, never by message text.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

# SQLite result codes meaning "another connection holds the lock" (sqlite3.h).
SQLITE_BUSY_CODES = frozenset({5, 6, 261, 262, 517})  # BUSY, LOCKED, *_RECOVERY, *_SNAPSHOT
# PostgreSQL SQLSTATEs for lock contention: lock_not_available, deadlock_detected,
# serialization_failure.
POSTGRES_BUSY_CODES = frozenset({"55P03", "40P01", "40001"})
log = logging.getLogger(__name__)


class GradebookError(Exception):
    """A gradebook operation that could not be done, with the reason in plain words."""


class GradingBusy(GradebookError):
    """Another grading run of the same assignment is under way."""

    def __init__(self, assignment: str, holder: str) -> None:
        self.assignment, self.holder = assignment, holder
        super().__init__(f"{assignment} is being graded already ({holder}). Wait for that "
                         "run to finish, or run the command again with --wait.")


def backend(url: str) -> str:
    """'SQLite', 'PostgreSQL' or the URL's own dialect name."""
    dialect = url.split(":", 1)[0].split("+", 1)[0].lower()
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL", "postgres": "PostgreSQL"}.get(
        dialect, dialect)


def masked(url: str) -> str:
    """The URL with its password replaced by ***."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def describe(url: str) -> str:
    """'PostgreSQL (postgresql+psycopg2://user:***@host/db)' for a status line."""
    if backend(url) == "SQLite":
        return f"SQLite ({sqlite_path(url)})"
    return f"{backend(url)} ({masked(url)})"


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///`` URL (query options dropped)."""
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore, and the environment with the password.

    The password travels in PGPASSWORD, never on a command line others can see in ``ps``.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    options = [f"--dbname={parsed.database}"]
    if parsed.host:
        options.append(f"--host={parsed.host}")
    elif parsed.query.get("host"):
        options.append(f"--host={parsed.query['host']}")
    if parsed.port:
        options.append(f"--port={parsed.port}")
    if parsed.username:
        options.append(f"--username={parsed.username}")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return options, env


def _postgres_tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, or Debian's newest."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not candidates:
        raise GradebookError(f"{name} is not installed: install Debian's postgresql-client "
                             "(bash setup.sh hub does).")
    return str(candidates[-1])


def backup(url: str, target: Path) -> Path:
    """Copy the gradebook to ``target`` (safe while graders work), and check the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend(url) == "SQLite":
        source = sqlite_path(url)
        if not source.is_file():
            raise GradebookError(f"There is no gradebook at {source} yet.")
        with contextlib.closing(sqlite3.connect(source, timeout=60)) as db, \
                contextlib.closing(sqlite3.connect(target)) as copy:
            db.backup(copy)
        problem = _sqlite_integrity(target)
    elif backend(url) == "PostgreSQL":
        options, env = _libpq(url)
        done = subprocess.run([_postgres_tool("pg_dump"), "-Fc", "--no-password", *options,
                               f"--file={target}"], env=env, capture_output=True, text=True,
                              timeout=3600)
        if done.returncode != 0:
            raise GradebookError(f"pg_dump could not back up the gradebook: "
                                 f"{done.stderr.strip().splitlines()[-1:]}")
        listed = subprocess.run([_postgres_tool("pg_restore"), "--list", str(target)],
                                capture_output=True, text=True, timeout=600)
        problem = None if listed.returncode == 0 and "TABLE DATA" in listed.stdout else (
            f"the dump cannot be read back: {listed.stderr.strip()[:200]}")
    else:
        raise GradebookError(f"Backups of a {backend(url)} gradebook are not supported.")
    if problem:
        raise GradebookError(f"The backup {target} failed its check: {problem}")
    os.chmod(target, 0o600)  # grades are personal data
    return target


def integrity_problem(url: str) -> str | None:
    """The database's own consistency check (None when it is fine)."""
    if backend(url) == "SQLite":
        path = sqlite_path(url)
        return _sqlite_integrity(path) if path.is_file() else None
    if backend(url) != "PostgreSQL":
        return None
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            broken: Sequence[str] = connection.execute(text(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid "
                "OR NOT indisready")).scalars().all()
            if broken:
                return f"invalid indexes: {', '.join(broken)}"
            for table in inspect(connection).get_table_names():
                connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
    finally:
        engine.dispose()
    return None


def _sqlite_integrity(path: Path) -> str | None:
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=60)) as db:
            answer = db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as problem:  # too damaged to even run the check
        return str(problem)
    return None if answer == "ok" else answer


# --- one grading run per assignment -------------------------------------------------------

# Set while a cryocourse grading run holds the assignment's lock; its workers inherit it, so
# their nbgrader autogrades do not try to take the lock their own run holds
# (course.nbgrader_plugins.autograde.grading_guard).
GRADING_RUN_ENV = "CRYOCOURSE_GRADING_RUN"
POSTGRES_NAME_LIMIT = 63  # PostgreSQL keeps this much of a connection's application_name


def who_am_i(activity: str = "cryocourse grade") -> str:
    """'cryocourse grade, pid 123, ana@host, since 14:02': what a lock holder tells others.

    The process id comes early: PostgreSQL keeps only the first 63 characters.
    """
    return (f"{activity}, pid {os.getpid()}, {getpass.getuser()}@{socket.gethostname()}, "
            f"since {datetime.now():%H:%M}")


def _lock_key(course_id: str, assignment: str) -> int:
    """A signed 64-bit advisory-lock key for (course, assignment)."""
    digest = hashlib.sha256(f"cryocourse-grade:{course_id}:{assignment}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_file(lock_dir: Path, assignment: str) -> Path:
    return lock_dir / f"grading-{assignment}.lock"


@contextlib.contextmanager
def grading_lock(url: str, course_id: str, assignment: str, *, lock_dir: Path,
                 wait: float = 0.0, on_wait: Callable[[str], None] | None = None,
                 activity: str = "cryocourse grade",
                 on_takeover: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the assignment's grading lock for the ``with`` block.

    ``wait`` seconds to wait for another run (0: fail at once with ``GradingBusy`` naming who
    grades); ``on_wait`` is told who holds it, once, when waiting starts. ``activity`` is how
    others are told what holds it ("cryocourse grade", an autograde of one trainee). The lock
    goes with the process: a killed run never leaves it behind (processes forked from the
    holder drop their copy of it at once, ``_drop_inherited_locks``). A lock file whose holder
    on this machine has ended, yet is still locked (by processes a killed run left behind), is
    taken over: ``on_takeover`` (default: this module's log) is told whose it was and which
    leftover processes were stopped.
    """
    lock = (_postgres_lock if backend(url) == "PostgreSQL" else _file_lock)
    with lock(url, course_id, assignment, lock_dir, wait, on_wait, who_am_i(activity),
              on_takeover or log.warning):
        yield


def grading_lock_holder(url: str, course_id: str, assignment: str, *, lock_dir: Path
                        ) -> str | None:
    """Who holds the assignment's grading lock now (None: nobody), without taking it."""
    if backend(url) == "PostgreSQL":
        from sqlalchemy import create_engine

        engine = create_engine(url, poolclass=_null_pool())
        try:
            with engine.connect() as connection:
                return _postgres_holder(connection, _lock_key(course_id, assignment))
        finally:
            engine.dispose()
    try:
        recorded = json.loads(_lock_file(lock_dir, assignment).read_text(encoding="utf-8")
                              or "{}")
    except (OSError, ValueError):
        return None
    alive = recorded.get("host") != socket.gethostname() or _process_exists(
        recorded.get("pid", 0))
    return recorded.get("holder") if alive else None  # a killed holder's note is stale


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _postgres_holder(connection, key: int) -> str | None:
    from sqlalchemy import text

    return connection.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
        "USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND "
        "l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid) AND "
        "l.objsubid = 1"),
        {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).scalar()


@contextlib.contextmanager
def _postgres_lock(url, course_id, assignment, lock_dir, wait, on_wait, me, on_takeover
                   ) -> Iterator[None]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"application_name": me[:POSTGRES_NAME_LIMIT]},
                           poolclass=_null_pool())
    key = _lock_key(course_id, assignment)
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            deadline, told = time.monotonic() + wait, False
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": key}).scalar():
                holder = _postgres_holder(connection, key) or "another grader"
                if time.monotonic() >= deadline:
                    raise GradingBusy(assignment, holder)
                if on_wait and not told:
                    on_wait(holder)
                    told = True
                time.sleep(1.0)
            socket_fd = _connection_descriptor(connection)
            if socket_fd is not None:
                _held_locks.add(socket_fd)
            try:
                yield
            finally:
                _held_locks.discard(socket_fd)
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


def _connection_descriptor(connection) -> int | None:
    """The socket of a SQLAlchemy connection's driver connection (psycopg2's ``fileno``)."""
    driver = getattr(connection.connection, "dbapi_connection", None)
    try:
        return driver.fileno() if driver is not None else None
    except (AttributeError, OSError, ValueError):
        return None


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


@contextlib.contextmanager
def _file_lock(url, course_id, assignment, lock_dir, wait, on_wait, me, on_takeover
               ) -> Iterator[None]:
    import fcntl

    lock_dir.mkdir(parents=True, exist_ok=True)
    path = _lock_file(lock_dir, assignment)
    deadline, told = time.monotonic() + wait, False
    while True:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held past this loop
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            record = _lock_record(handle)
            handle.close()
            if _holder_ended(record):
                _take_over(path, record, assignment, on_takeover)
                continue
            holder = record.get("holder", "another grader")
            if time.monotonic() >= deadline:
                raise GradingBusy(assignment, holder) from None
            if on_wait and not told:
                on_wait(holder)
                told = True
            time.sleep(0.5)
            continue
        if _same_file(handle, path):
            break
        handle.close()  # the file was taken over while we waited: lock the new one
    with handle:
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"holder": me, "pid": os.getpid(),
                                     "host": socket.gethostname()}))
            handle.flush()
            _held_locks.add(handle.fileno())
            yield
        finally:
            _held_locks.discard(handle.fileno())
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_record(handle) -> dict:
    """What the lock file says about its holder ({} when it says nothing readable)."""
    handle.seek(0)
    try:
        record = json.loads(handle.read() or "{}")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _holder_ended(record: dict) -> bool:
    """Whether the recorded holder was a process of this machine that no longer runs."""
    pid = record.get("pid")
    return (record.get("host") == socket.gethostname() and isinstance(pid, int)
            and not _process_exists(pid))


def _same_file(handle, path: Path) -> bool:
    try:
        here, there = os.fstat(handle.fileno()), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _take_over(path: Path, record: dict, assignment: str,
               on_takeover: Callable[[str], None]) -> None:
    """Replace a lock file left locked by a run that ended (killed): its leftover processes
    (this user's, holding that very file open: forked from the dead run) are stopped, and a
    fresh lock file takes its place. One process at a time does this (a second lock file)."""
    import fcntl

    with open(path.with_name(path.name + ".takeover"), "a", encoding="utf-8") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            with open(path, encoding="utf-8") as stale:
                if _lock_record(stale) != record:  # someone took it over already
                    return
                found = os.fstat(stale.fileno())
                leftovers = _processes_holding(found.st_dev, found.st_ino)
            for pid in leftovers:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            fresh = path.with_name(f"{path.name}.{os.getpid()}.new")
            fresh.write_text("", encoding="utf-8")
            os.replace(fresh, path)
        except FileNotFoundError:
            return
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
    stopped = (f"; processes it left behind, still holding the lock, were stopped: "
               f"{', '.join(map(str, leftovers))}" if leftovers else "")
    on_takeover(f"The grading lock of {assignment} was held by "
                f"{record.get('holder', 'a grading run')}, which has ended (killed?): it is "
                f"taken over{stopped}. Its grading is finished by this run.")


def _processes_holding(device: int, inode: int) -> list[int]:
    """This user's processes (not this one) with the file (device, inode) open (Linux)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/fd").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            for fd in (entry / "fd").iterdir():
                held = fd.stat()
                if (held.st_dev, held.st_ino) == (device, inode):
                    found.append(int(entry.name))
                    break
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return sorted(found)


# File descriptors of the grading locks this process holds (lock files, the PostgreSQL lock's
# connection). A forked process inherits them; it lets go of its copies at once, so a child
# that outlives a killed holder never keeps the lock (the holder's own copies stay locked).
_held_locks: set[int] = set()


def _drop_inherited_locks() -> None:
    """In a forked child: each inherited lock descriptor now points at /dev/null (the number
    stays valid, so nothing that still holds it can close another file by mistake)."""
    if not _held_locks:
        return
    nothing = os.open(os.devnull, os.O_RDWR)
    try:
        for descriptor in _held_locks:
            with contextlib.suppress(OSError):
                os.dup2(nothing, descriptor)
    finally:
        os.close(nothing)
    _held_locks.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


# --- a busy database, by the driver's exception types -------------------------------------

def is_busy(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is the database being busy, not broken.

    SQLAlchemy wraps the driver's exception (``.orig``); the driver's own types and codes
    decide: sqlite3's ``sqlite_errorcode`` SQLITE_BUSY/LOCKED, psycopg2's SQLSTATE for a
    lock timeout, a deadlock or a serialization failure.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        original = getattr(error, "orig", None)
        for candidate in (error, original):
            if isinstance(candidate, sqlite3.OperationalError) and getattr(
                    candidate, "sqlite_errorcode", None) in SQLITE_BUSY_CODES:
                return True
            if _is_psycopg2_busy(candidate):
                return True
        error = original if original is not None and original is not error else (
            error.__cause__ or error.__context__)
    return False


_busy_errors = 0


def count_busy_errors() -> None:
    """From now on, count this process's database errors that are the database being busy.

    A SQLAlchemy ``handle_error`` listener sees the driver's own exception even where
    nbgrader catches it and keeps only its text; ``busy_errors_seen`` reads the count.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "handle_error", _note_busy):
        event.listen(Engine, "handle_error", _note_busy)


def _note_busy(context) -> None:
    global _busy_errors
    if is_busy(context.original_exception):
        _busy_errors += 1


def busy_errors_seen() -> int:
    """How many busy-database errors this process met since ``count_busy_errors``."""
    return _busy_errors


def _is_psycopg2_busy(error: BaseException | None) -> bool:
    try:
        import psycopg2
    except ImportError:
        return False
    return isinstance(error, psycopg2.Error) and error.pgcode in POSTGRES_BUSY_CODES
