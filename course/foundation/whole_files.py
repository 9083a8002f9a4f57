"""Files written whole or not at all: a killed process never leaves half a file behind.

The text goes into a new owner-only file beside the target (``tempfile.mkstemp``), is flushed
to disk, and only then takes the target's name (``os.replace``, or ``os.link`` where the
first writer must win). Readers see the old file or the new one, never a part.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def beside(path: Path, newline: str | None = None, mode: int | None = None
           ) -> Iterator[tuple[TextIO, Path]]:
    """An open, owner-only temporary text file in ``path``'s folder, and its path; flushed
    to disk when the block ends, removed if the block fails. ``mode``: the file's mode once
    written (a file others must read), instead of owner-only."""
    path = Path(path)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline=newline) as handle:
            yield handle, temporary
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def written_whole(path: Path, newline: str | None = None, mode: int | None = None
                  ) -> Iterator[TextIO]:
    """Write ``path`` whole: what the block writes replaces the file only once complete."""
    with beside(path, newline, mode) as (handle, temporary):
        yield handle
    os.replace(temporary, path)


def write_whole(path: Path, text: str, mode: int | None = None) -> None:
    """``path.write_text(text)``, whole or not at all (owner-only unless ``mode``)."""
    with written_whole(path, mode=mode) as handle:
        handle.write(text)


def write_whole_at(dir_fd: int, name: str, data: bytes, mode: int = 0o600,
                   owner: tuple[int, int] | None = None) -> None:
    """Write ``name`` whole in the open folder ``dir_fd``, never following a link.

    The new file is made beside it with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a name planted in
    the folder is never opened), given ``mode`` and ``owner`` (uid, gid) through its own
    descriptor, flushed to disk, and only then renamed over ``name`` (a link there is
    replaced, not followed).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    temporary = f".{name}-{os.urandom(6).hex()}.tmp"
    descriptor = os.open(temporary, flags, 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        raise
