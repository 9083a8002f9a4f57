"""Only plain files travel: reading and copying a trainee's files without following links.

Every step that reads or copies what a trainee submitted (collect, the file checks,
autograding, feedback, the report, the demo) goes through this module. A submission may hold
regular files and folders only. Refused, and reported by name with the reason:

* symbolic links, at any depth, including the submission folder itself and its parents
  below a trusted base folder (the exchange root, the course root): never followed;
* hard links (a file with another name elsewhere, such as the assignment's source);
* device files, FIFOs and sockets;
* files over the size limit, files beyond the count limit, folders nested too deep.

Paths are opened one component at a time relative to an open folder with ``O_NOFOLLOW``
and every file is checked again on its open descriptor, so a link swapped in between the
check and the read is refused too. Standard library only: the kernel side may import it.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from course.foundation.whole_files import write_whole

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass(frozen=True)
class Limits:
    """What one submission may hold."""

    max_files: int = 200
    max_file_bytes: int = 25_000_000
    max_total_bytes: int = 60_000_000
    max_depth: int = 6


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Refusal:
    """A file that was not copied or read, and why (both in plain words)."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class NotPlain(OSError):
    """A path that is not a plain file or folder (the message says what it is instead)."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in plain words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link (links are never followed)"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def file_problem(info: os.stat_result, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why a file with this ``lstat``/``fstat`` may not travel (None if it may)."""
    if not stat.S_ISREG(info.st_mode):
        return kind_of(info.st_mode)
    if info.st_nlink > 1:
        return "a hard link (the same file has another name elsewhere)"
    if info.st_size > limits.max_file_bytes:
        return f"too large ({info.st_size:,} bytes; the limit is {limits.max_file_bytes:,})"
    return None


def _parts(relative: str | os.PathLike[str]) -> list[str]:
    parts = [p for p in Path(relative).parts if p not in ("", ".")]
    if any(p in ("..", "/") for p in parts) or Path(relative).is_absolute():
        raise NotPlain(errno.EINVAL, f"{relative} leaves its folder")
    return parts


def open_folder(base: str | os.PathLike[str], relative: str | os.PathLike[str] = ".") -> int:
    """A descriptor of ``base/relative``, no component below ``base`` being a link.

    ``base`` is trusted (the instructor's own configuration). Raises ``NotPlain`` naming
    the first component that is a link or not a folder.
    """
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in _parts(relative):
            try:
                inner = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
            except OSError as problem:
                if problem.errno in (errno.ELOOP, errno.ENOTDIR):
                    mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
                    raise NotPlain(problem.errno, f"{part} is {kind_of(mode)}") from None
                raise
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def folder(base: str | os.PathLike[str], relative: str | os.PathLike[str] = ".") -> Iterator[int]:
    """``open_folder`` as a context manager (the descriptor is closed afterwards)."""
    fd = open_folder(base, relative)
    try:
        yield fd
    finally:
        os.close(fd)


def read_plain_bytes(name: str, dir_fd: int, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The content of regular file ``name`` in the open folder (``NotPlain`` otherwise)."""
    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    problem = file_problem(info, limits)
    if problem:
        raise NotPlain(errno.EPERM, f"{name} is {problem}")
    fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    try:
        opened = os.fstat(fd)
        if (opened.st_ino, opened.st_dev) != (info.st_ino, info.st_dev) or file_problem(
                opened, limits):
            raise NotPlain(errno.EPERM, f"{name} changed while it was read")
        chunks, left = [], limits.max_file_bytes + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise NotPlain(errno.EFBIG, f"{name} grew past the size limit while it was read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_plain_file(path: str | os.PathLike[str], base: str | os.PathLike[str] | None = None,
                    limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of ``path``, a regular file, reached without following any link below
    ``base`` (default: the file's own folder, which must then not be a link itself)."""
    path = Path(os.path.abspath(path))
    base = Path(os.path.abspath(base)) if base is not None else path.parent.parent
    with folder(base, path.parent.relative_to(base)) as fd:
        return read_plain_bytes(path.name, fd, limits)


def _ignored(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


@dataclass
class _Walk:
    limits: Limits
    ignore: tuple[str, ...]
    owners: frozenset[int] | None = None  # None: any owner (the instructor's own copies)
    files: int = 0
    total: int = 0


def plain_entries(dir_fd: int, limits: Limits = DEFAULT_LIMITS, ignore: Iterable[str] = (),
                  ) -> tuple[list[str], list[Refusal]]:
    """Relative paths of the plain files under an open folder, and what was refused."""
    accepted: list[str] = []
    refused: list[Refusal] = []
    _walk(dir_fd, "", _Walk(limits, tuple(ignore)), accepted, refused, 0, None)
    return accepted, refused


def copy_plain_tree(dir_fd: int, dest: str | os.PathLike[str],
                    limits: Limits = DEFAULT_LIMITS, ignore: Iterable[str] = (),
                    owners: Iterable[int] | None = None) -> list[Refusal]:
    """Copy the plain files under an open folder into ``dest`` (created); the refusals.

    ``owners``: the uids whose files may travel (a hand-in's files are the trainee's own); a
    file or folder another account made is refused by name.
    """
    Path(dest).mkdir(parents=True, exist_ok=True)
    accepted: list[str] = []
    refused: list[Refusal] = []
    walk = _Walk(limits, tuple(ignore), frozenset(owners) if owners is not None else None)
    _walk(dir_fd, "", walk, accepted, refused, 0, Path(dest))
    return refused


def _walk(dir_fd: int, prefix: str, state: _Walk, accepted: list[str], refused: list[Refusal],
          depth: int, dest: Path | None) -> None:
    with os.scandir(dir_fd) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        name = f"{prefix}{entry.name}"
        if _ignored(entry.name, state.ignore):
            continue
        info = entry.stat(follow_symlinks=False)
        if state.owners is not None and info.st_uid not in state.owners:
            refused.append(Refusal(name, f"made by another account ({account_name(info.st_uid)}), "
                                         "not by the trainee"))
            continue
        if stat.S_ISDIR(info.st_mode):
            if depth + 1 >= state.limits.max_depth:
                refused.append(Refusal(name, "folders are nested too deep"))
                continue
            try:
                inner = os.open(entry.name, _FOLDER_FLAGS, dir_fd=dir_fd)
            except OSError:
                refused.append(Refusal(name, "a folder that changed while it was read"))
                continue
            try:
                _walk(inner, f"{name}/", state, accepted, refused, depth + 1,
                      dest / entry.name if dest is not None else None)
            finally:
                os.close(inner)
            continue
        problem = file_problem(info, state.limits)
        if problem is None and state.files >= state.limits.max_files:
            problem = f"one file too many (at most {state.limits.max_files} are taken)"
        if problem is None and state.total + info.st_size > state.limits.max_total_bytes:
            problem = (f"over the total size limit of the submission "
                       f"({state.limits.max_total_bytes:,} bytes)")
        if problem is None and dest is not None:
            try:
                content = read_plain_bytes(entry.name, dir_fd, state.limits)
            except OSError as error:
                problem = str(error.strerror or error).removeprefix(f"{entry.name} is ")
            else:
                dest.mkdir(parents=True, exist_ok=True)
                (dest / entry.name).write_bytes(content)
        if problem is not None:
            refused.append(Refusal(name, problem))
            continue
        state.files += 1
        state.total += info.st_size
        accepted.append(name)


def account_name(uid: int) -> str:
    """The account name of ``uid``, or ``uid N`` when it has none."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def first_link_below(base: str | os.PathLike[str], relative: str | os.PathLike[str]
                     ) -> Path | None:
    """The first component of ``base/relative`` below ``base`` that is not a plain folder."""
    here = Path(base)
    for part in _parts(relative):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(mode):
            return here
    return None


def screen_folder(base: str | os.PathLike[str], relative: str | os.PathLike[str],
                  limits: Limits = DEFAULT_LIMITS, ignore: Iterable[str] = ()) -> list[Refusal]:
    """Remove from the instructor's copy ``base/relative`` everything that may not travel.

    Used on folders the instructor owns (``submitted/``, ``autograded/``), which stock
    tools may have filled by following links. A link in place of the folder itself (or of
    a parent below ``base``) is removed, never followed; so are links, hard links, devices,
    FIFOs and oversized files inside it. Returns what was removed and why.
    """
    link = first_link_below(base, relative)
    if link is not None:
        mode = os.lstat(link).st_mode
        os.unlink(link)
        return [Refusal(".", f"the submission folder was {kind_of(mode)}")]
    try:
        fd = open_folder(base, relative)
    except FileNotFoundError:
        return []
    try:
        _, refused = plain_entries(fd, limits, ignore)
        for refusal in refused:
            parent, _, name = refusal.name.rpartition("/")
            try:
                with folder(base, Path(relative) / parent) as parent_fd:
                    info = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        continue  # a folder nested too deep: its files are refused one by one
                    os.unlink(name, dir_fd=parent_fd)
            except OSError:
                continue
    finally:
        os.close(fd)
    return refused


# --- refusals recorded for the instructor -------------------------------------------------

REFUSED_DIR = Path(".cryocourse") / "refused"


def refusal_record(root: str | os.PathLike[str], assignment: str, student: str) -> Path:
    return Path(root) / REFUSED_DIR / assignment / f"{student}.json"


def record_refusals(root: str | os.PathLike[str], assignment: str, student: str,
                    refused: list[Refusal], replace: bool = False) -> None:
    """Remember what was refused of a submission (``replace``: a new collect starts over)."""
    record = refusal_record(root, assignment, student)
    known = [] if replace else recorded_refusals(root, assignment, student)
    merged = known + [r for r in refused if r not in known]
    if not merged:
        record.unlink(missing_ok=True)
        return
    record.parent.mkdir(parents=True, exist_ok=True)
    write_whole(record, json.dumps([asdict(r) for r in merged], indent=1))


def recorded_refusals(root: str | os.PathLike[str], assignment: str, student: str
                      ) -> list[Refusal]:
    """What was refused of a submission so far (empty if nothing)."""
    try:
        data = json.loads(refusal_record(root, assignment, student).read_text(encoding="utf-8"))
        return [Refusal(str(r["name"]), str(r["reason"])) for r in data]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def describe(refused: Iterable[Refusal]) -> str:
    """Refusals as one sentence for a summary line."""
    return "; ".join(str(r) for r in refused)
