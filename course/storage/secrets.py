"""A course's secrets on disk: created once, atomically, readable by the course account only.

A secret is written to a private temporary file and linked into place with ``os.link``, which
fails if another process got there first: every process then reads the one secret that won.
An empty or partial secret is an error, never a reason to make a new one (keys or codes made
with it would no longer verify).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from course.storage.course_folder import CourseError

SECRET_BYTES = 32
RESTORE = ("Restore it from your backup (cryocourse backup keeps the course's state); a new one "
           "would make every code made with the old one fail to verify.")


class SecretError(CourseError):
    """A secret file that exists but cannot be used; the message says what to do."""


def read_or_create(path: Path, what: str, error: type[SecretError] = SecretError,
                   if_damaged: str = RESTORE) -> str:
    """The secret at ``path`` (hex), made now if there is none. ``what`` names it in errors;
    a damaged one raises ``error`` with ``if_damaged`` (what to do), never a new secret."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        made = _new_secret_file(path)
        try:
            with contextlib.suppress(FileExistsError):  # another process won: use theirs
                os.link(made, path)
        finally:
            os.unlink(made)
    return _read(path, what, error, if_damaged)


def replace_secret(path: Path) -> Path:
    """Put a new secret at ``path``, whole before it takes the old one's place."""
    os.replace(_new_secret_file(path), path)
    return path


def _new_secret_file(path: Path) -> str:
    """A complete, owner-only secret file beside ``path``, under a name of its own."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-secret-")
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _read(path: Path, what: str, error: type[SecretError], if_damaged: str) -> str:
    if path.is_symlink() or not path.is_file():
        raise error(f"{path} ({what}) is not a regular file: remove it only if no "
                    "statement or key made with it is in use.")
    value = path.read_text(encoding="ascii", errors="replace").strip()
    if len(value) != 2 * SECRET_BYTES or any(c not in "0123456789abcdef" for c in value):
        state = "is empty" if not value else "is not a whole secret (cut short or edited)"
        raise error(f"{path} ({what}) {state}. {if_damaged}")
    if path.stat().st_mode & 0o077:
        raise error(f"Others may read {path} ({what}): run chmod 600 {path}")
    return value


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable and writable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_private(path: Path, what: str) -> str:
    """The text of a private file (a key, a configuration); refused if others may read it."""
    if path.is_symlink() or not path.is_file():
        raise SecretError(f"{path} ({what}) is missing or not a regular file.")
    if path.stat().st_mode & 0o077:
        raise SecretError(f"Others may read {path} ({what}): run chmod 600 {path}")
    return path.read_text(encoding="utf-8")
