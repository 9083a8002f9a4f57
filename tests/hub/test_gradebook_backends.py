"""The gradebook on SQLite and on PostgreSQL (a private cluster on 127.0.0.1).

Naming with the password masked, backups that are checked and restore, integrity checks,
one grading run per assignment, and "busy" judged by the drivers' exception types.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course.storage import database
from tests.hub.postgres_harness import postgres_bin

REPO = Path(__file__).resolve().parents[2]
COURSE = "cosmetic-cryotherapy"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory):
    """An nbgrader gradebook (tables made by nbgrader itself) with one trainee in it.

    One per backend for the module: nbgrader runs ``alembic`` to make one (seconds).
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'gradebook.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database("gradebook")
    with Gradebook(url, COURSE) as book:
        book.add_student("ana", first_name="Ana", last_name="Lopes")
    return url


def test_status_names_the_backend_and_hides_the_password(db_url):
    text = database.describe(db_url)
    assert text.startswith(database.backend(db_url))
    if database.backend(db_url) == "PostgreSQL":
        password = db_url.split(":")[2].split("@")[0]
        assert password not in text and "***" in text


def test_a_backup_is_private_checked_and_restores(db_url, tmp_path):
    copy = database.backup(db_url, tmp_path / "backups" / "database.backup")
    assert copy.stat().st_mode & 0o777 == 0o600
    if database.backend(db_url) == "SQLite":
        restored = f"sqlite:///{copy}"
    else:
        restored = db_url.rsplit("/", 1)[0] + "/restored"
        target = restored.rsplit("/", 1)[1]
        subprocess.run([str(postgres_bin() / "createdb"), *_conn(db_url), target], check=True,
                       env=_pgenv(db_url), timeout=60)
        subprocess.run([str(postgres_bin() / "pg_restore"), *_conn(db_url),
                        f"--dbname={target}", str(copy)], check=True, env=_pgenv(db_url),
                       timeout=60)
    with Gradebook(restored, COURSE) as book:
        assert book.find_student("ana").first_name == "Ana"


def test_integrity_is_checked_on_both(db_url):
    assert database.integrity_problem(db_url) is None


def test_a_damaged_sqlite_gradebook_fails_its_check(tmp_path):
    path = tmp_path / "gradebook.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE student (id TEXT PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO student VALUES (?, ?)",
                       [(f"trainee{n}", "x" * 200) for n in range(200)])
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    assert database.integrity_problem(f"sqlite:///{path}")


def _hold_lock(db_url: str, lock_dir: Path, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from course.storage.database import grading_lock
        with grading_lock({db_url!r}, {COURSE!r}, "00-orientation",
                          lock_dir=Path({str(lock_dir)!r})):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=REPO)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_grading_run_says_who_is_grading(db_url, tmp_path):
    holder = _hold_lock(db_url, tmp_path, 30)
    try:
        with pytest.raises(database.GradingBusy) as busy, database.grading_lock(
                db_url, COURSE, "00-orientation", lock_dir=tmp_path):
            pass
        assert f"pid {holder.pid}" in str(busy.value), str(busy.value)
        # Another assignment is not held up.
        with database.grading_lock(db_url, COURSE, "01-physiology", lock_dir=tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_second_grading_run_can_wait_its_turn(db_url, tmp_path):
    holder = _hold_lock(db_url, tmp_path, 1.5)
    told = []
    began = time.monotonic()
    with database.grading_lock(db_url, COURSE, "00-orientation", lock_dir=tmp_path,
                                wait=60, on_wait=told.append):
        waited = time.monotonic() - began
    holder.wait(timeout=30)
    assert told and f"pid {holder.pid}" in told[0]
    assert waited > 0.5


def test_a_killed_run_leaves_no_lock_behind(db_url, tmp_path):
    holder = _hold_lock(db_url, tmp_path, 60)
    holder.kill()
    holder.wait()
    with database.grading_lock(db_url, COURSE, "00-orientation", lock_dir=tmp_path, wait=10):
        pass


def test_busy_is_judged_by_the_drivers_exception_types(db_url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    assert not database.is_busy(RuntimeError("database is locked"))  # words alone: no
    if database.backend(db_url) == "SQLite":
        path = database.sqlite_path(db_url)
        holder = sqlite3.connect(path)
        holder.execute("BEGIN EXCLUSIVE")
        engine = create_engine(db_url, connect_args={"timeout": 0})
        set_up = "SELECT 1"
        statement = "UPDATE student SET first_name = 'B' WHERE id = 'ana'"
    else:
        holder = _psycopg2(db_url)
        holder.cursor().execute("LOCK TABLE student IN ACCESS EXCLUSIVE MODE")
        engine = create_engine(db_url)
        set_up = "SET lock_timeout = '200ms'"
        statement = "SELECT * FROM student"
    try:
        with engine.connect() as connection:
            connection.execute(text(set_up))
            with pytest.raises(OperationalError) as raised:
                connection.execute(text(statement))
        assert database.is_busy(raised.value)
        assert database.is_busy(raised.value.orig)
    finally:
        holder.rollback()
        holder.close()
    try:
        with engine.connect() as connection, pytest.raises(Exception) as other:
            connection.execute(text("SELECT * FROM no_such_table"))
        assert not database.is_busy(other.value)
    finally:
        engine.dispose()


def _psycopg2(url: str):
    import psycopg2
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username,
                            password=parsed.password, dbname=parsed.database)


def _conn(url: str) -> list[str]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return [f"--host={parsed.host}", f"--port={parsed.port}", f"--username={parsed.username}"]


def _pgenv(url: str) -> dict[str, str]:
    import os

    from sqlalchemy.engine import make_url

    return {**os.environ, "PGPASSWORD": make_url(url).password}
