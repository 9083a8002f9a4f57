"""A private PostgreSQL cluster for tests: initdb into a temporary folder, 127.0.0.1 only.

Debian's PostgreSQL server is installed by ``bash setup.sh test``; the cluster is started
by the test, answers only on loopback (and a socket in its own folder), and is stopped and
deleted by the test. PostgreSQL refuses to run as root, so as root it runs as the
``postgres`` account Debian's package made.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "cryocourse_admin"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    """Folder of the newest installed PostgreSQL server programs (None: not installed)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class PostgresCluster:
    """A running private cluster: its port, a superuser password, and a way to make databases."""

    port: int
    password: str
    folder: Path

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        """SQLAlchemy URL of a database (psycopg2 driver) on this cluster."""
        return (f"postgresql+psycopg2://{user}:{password or self.password}"
                f"@127.0.0.1:{self.port}/{database}")

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                                      password=self.password, dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)


@contextmanager
def running_postgres(timeout: int = 60) -> Iterator[PostgresCluster]:
    """Start a throwaway cluster; stop it and delete its files afterwards, whatever happens."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (bash setup.sh test installs it)")
    account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-pg-"))
    password, port = secrets.token_hex(16), free_port()
    (folder / "pw").write_text(password)
    if account:
        shutil.chown(folder, account.pw_uid, account.pw_gid)
        shutil.chown(folder / "pw", account.pw_uid, account.pw_gid)
    run_as = {"user": account.pw_uid, "group": account.pw_gid} if account else {}

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=timeout, cwd=folder,
                       **run_as)

    data = folder / "data"
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-E", "UTF8",
        "--auth=scram-sha-256", f"--pwfile={folder / 'pw'}", "--no-sync")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder}"
               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    try:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
            str(folder / "server.log"), "-w", "-t", str(timeout), "start")
        yield PostgresCluster(port, password, folder)
    finally:
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                        "-t", str(timeout), "stop"], capture_output=True, timeout=timeout + 10,
                       cwd=folder, **run_as)
        shutil.rmtree(folder, ignore_errors=True)
