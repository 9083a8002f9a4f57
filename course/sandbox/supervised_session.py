"""A trainee's supervised server: what it can see, its work folder, its automatic hand-in.

Used by the class server (deploy/hub, run as root) while a trainee's supervised window is
open (``course.storage.supervision``). The trainee's JupyterLab, every kernel it starts and
every process those start run in a bubblewrap mount namespace that holds only:

* the system folders and the Python environment, read-only, with the ``course`` package's
  folder **replaced by the trainee's kit** (course/classroom/supervised_kit.py: cards and
  form checks, no engine, no case bank, no data files, no other lesson);
* a work folder made fresh by root at the window's first start, as the trainee's home:
  the released notebook and nothing else (the real home, other lessons, their feedback,
  anything planted before the window, is not there);
* a private /tmp and the session's Jupyter settings (nbgrader's tools and terminals off).

Not there at all: /home, the course folder, the exchange, the course's clone, /srv, /opt
beyond the environment. The network is shared (the hub's proxy must reach the server), so
the server listens on loopback as usual; see docs/threat-model.md for what that leaves.

At the window's end the hub's supervisor hands the work folder's notebook in **as the
trainee's own account** (a child process with their uid), so the exchange's owner check
accepts it and its time is the server's (``course.nbgrader_plugins.exchange.handins``).
"""

from __future__ import annotations

import datetime
import grp
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course.foundation import regular_files
from course.foundation.whole_files import write_whole_at
from course.sandbox.provisioner import BWRAP, course_package_dir, system_binds, traversable_parents

WORK = "work"
KIT = "kit"
MARKER = "window-start"
HANDED_IN = "handed-in.json"
WINDOW_FILE = "window.json"
NBGRADER_CACHE = Path(".local/share/jupyter/nbgrader_cache")


@dataclass(frozen=True)
class Session:
    """The folders of one trainee's supervised session of one assignment."""

    base: Path  # <supervised dir>/<assignment>/<trainee>: root's, 0711 (no listing)
    assignment: str
    trainee: str

    @property
    def kit(self) -> Path:
        return self.base / KIT / "course"

    @property
    def work(self) -> Path:
        return self.base / WORK

    @property
    def notebook(self) -> Path:
        return self.work / self.assignment / f"{self.assignment}.ipynb"

    def started_for(self) -> str:
        """The window start the work folder was made for ("" if none)."""
        try:
            return (self.base / MARKER).read_text().strip()
        except OSError:
            return ""

    def handed_in(self) -> list[dict]:
        """The automatic hand-ins made so far (one per end of a window: a window extended
        after its hand-in is handed in again at its new end)."""
        try:
            return json.loads((self.base / HANDED_IN).read_text())
        except (OSError, ValueError):
            return []

    def handed_in_for(self, window_start: str, window_end: str) -> dict | None:
        """The hand-in made at the end of this window (None: none yet, or it failed)."""
        return next((h for h in self.handed_in() if h.get("ok")
                     and (h.get("window_start"), h.get("window_end"))
                     == (window_start, window_end)), None)


def session(supervised_dir: Path, assignment: str, trainee: str) -> Session:
    return Session(Path(supervised_dir) / assignment / trainee, assignment, trainee)


def _private_dir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> None:
    """A folder owned by ``uid:gid`` with ``mode``, never a link (made if missing)."""
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            raise RuntimeError(f"{path} is not a folder: the supervised session is not "
                               "started.") from None
    os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, mode)


def own_group(account: pwd.struct_passwd) -> int:
    """The trainee's primary group, if no other account is in it (else RuntimeError): the
    kit is readable through it, and nobody else may read the trainee's clients."""
    gid = account.pw_gid
    members = set(grp.getgrgid(gid).gr_mem) | {
        other.pw_name for other in pwd.getpwall() if other.pw_gid == gid}
    if members - {account.pw_name}:
        raise RuntimeError(
            f"{account.pw_name}'s group {grp.getgrgid(gid).gr_name} is shared with other "
            "accounts, so their supervised kit (their clients) would be readable by them: "
            "give every trainee a group of their own (useradd --user-group).")
    return gid


def _hand_over(top: Path, uid: int, gid: int, folder_mode: int, file_mode: int) -> None:
    """Set owner and modes of the tree ``top`` (made by root just now), links never
    followed (a link in it is removed: nothing root made is one)."""
    for folder, dirs, files in os.walk(top, topdown=False):
        for name in files + dirs:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.unlink(path)
                continue
            os.chown(path, uid, gid, follow_symlinks=False)
            os.chmod(path, folder_mode if name in dirs else file_mode)
        os.chown(folder, uid, gid, follow_symlinks=False)
        os.chmod(folder, folder_mode)


def _fresh(base: Path, name: str) -> Path:
    """A new root-only folder in root's ``base`` (random name: nothing planted is reused)."""
    path = base / f".{name}-{secrets.token_hex(6)}"
    path.mkdir(mode=0o700)
    return path


def prepare(supervised_dir: Path, assignment: str, trainee: str, kit_source: Path,
            release_notebook: Path, window_start: str, window: dict) -> Session:
    """Make (as root) the trainee's session for the window that started at ``window_start``.

    The kit is copied fresh at every start: root's, readable (never writable) by the
    trainee through their own group. The work folder is made once per window with the
    released notebook (a new window, or a second attempt, starts from the release again; the
    earlier work is kept aside, root's only). Both are built whole in root's own folder and
    only then handed over, so nothing the trainee plants is ever followed by root.
    """
    account = pwd.getpwnam(trainee)
    group = own_group(account)
    _private_dir(Path(supervised_dir), 0o711)
    _private_dir(Path(supervised_dir) / assignment, 0o711)
    found = session(supervised_dir, assignment, trainee)
    # Nobody else may read this trainee's kit (their clients' cards): the folder is root's
    # and only traversable, the kit root's and readable by the trainee's own group only.
    _private_dir(found.base, 0o711, 0, 0)
    if not kit_source.is_dir():
        raise RuntimeError(f"No supervised kit was prepared for {trainee}: the instructor "
                           f"runs `cryocourse supervise open {assignment}` with them.")
    kit = _fresh(found.base, KIT)
    with regular_files.folder(kit_source) as source:
        refused = regular_files.copy_plain_tree(source, kit / "course")
    if refused:
        shutil.rmtree(kit)
        raise RuntimeError(f"The supervised kit of {trainee} holds what is not a plain file "
                           f"({regular_files.describe(refused)}): run `cryocourse supervise "
                           f"open {assignment}` again.")
    _hand_over(kit, 0, group, 0o750, 0o640)
    shutil.rmtree(found.base / KIT, ignore_errors=True)
    os.rename(kit, found.base / KIT)
    write_window(found, window)
    if found.started_for() != window_start:
        if os.path.lexists(found.work):
            aside = found.base / f"earlier-{secrets.token_hex(4)}"
            os.replace(found.work, aside)
            os.chown(aside, 0, 0, follow_symlinks=False)
            os.chmod(aside, 0o700)
        work = _fresh(found.base, WORK)
        (work / assignment).mkdir()
        shutil.copyfile(release_notebook, work / assignment / found.notebook.name)
        _hand_over(work / assignment, account.pw_uid, account.pw_gid, 0o755, 0o644)
        _hand_over(work, account.pw_uid, account.pw_gid, 0o700, 0o644)
        os.rename(work, found.work)
        (found.base / MARKER).write_text(window_start + "\n")
    return found


def write_window(found: Session, window: dict) -> None:
    """The window as the kit shows it (root's, whole; the supervisor keeps it current).

    Written through a descriptor of the kit's folder reached without links, into a new file
    that is never a planted name, so root never writes where a link points.
    """
    text = json.dumps(window)
    with regular_files.folder(found.base, Path(KIT) / "course") as kit:
        owner = os.fstat(kit)
        if owner.st_uid != os.geteuid():
            raise RuntimeError(f"{found.kit} is not the class server's own: the window is "
                               "not written into it.")
        try:
            if regular_files.read_plain_bytes(WINDOW_FILE, kit).decode() == text:
                return
        except (OSError, UnicodeDecodeError):
            pass
        write_whole_at(kit, WINDOW_FILE, text.encode(), 0o640, (owner.st_uid, owner.st_gid))


def bwrap_command(found: Session, home: str, config_dir: Path) -> list[str]:
    """The command a supervised server starts with (then the server's own command)."""
    venv = Path(sys.prefix)
    bound = []
    for folder in dict.fromkeys([sys.base_prefix, str(venv), os.path.realpath(venv)]):
        if not folder.startswith("/usr/") and folder != "/usr":
            bound += [*traversable_parents(folder), "--ro-bind", folder, folder]
    package = str(course_package_dir())
    return [
        shutil.which(BWRAP) or BWRAP, *system_binds(),
        "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
        *bound,
        # The course package's folder is the kit: whatever path the environment imports
        # `course` from (an installed package or a development checkout) shows the kit.
        *traversable_parents(package), "--ro-bind", str(found.kit), package,
        *traversable_parents(str(config_dir)), "--ro-bind", str(config_dir), str(config_dir),
        *traversable_parents(home), "--bind", str(found.work), home,
        "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--chdir", home, "--setenv", "HOME", home, "--",
    ]


# Run as the trainee (``python -I``): the work folder's assignment folder is opened without
# following a link (the trainee owns ``work/`` and could put a link to practice work in its
# place); only plain files the trainee made travel (course.foundation.regular_files).
HAND_IN_CODE = r"""
import json, os, sys
from course.foundation.regular_files import copy_plain_tree, describe, folder
work, assignment, inbound, cache, name, stamp, secret = sys.argv[1:8]
targets = (os.path.join(inbound, name), os.path.join(cache, name.rsplit("+", 1)[0]))
with folder(work, assignment) as source:
    for target in targets:
        os.makedirs(target)
        refused = copy_plain_tree(source, target, ignore=[".*"], owners=[os.getuid()])
        for entry, data in (("timestamp.txt", stamp), ("submission_secret.txt", secret)):
            with open(os.path.join(target, entry), "x") as handle:
                handle.write(data)
os.chmod(targets[0], 0o777)
print(json.dumps({"files": sorted(os.listdir(targets[0])), "refused": describe(refused)}))
"""


def hand_in(found: Session, exchange: Path, course_id: str, window_start: str,
            window_end: str, python: str = sys.executable) -> dict:
    """Hand the session's work in, as the trainee, into the exchange (and their cache).

    ``python``: an interpreter the trainee may run, with the course package. Only a
    hand-in that worked is recorded (``handed_in_for``): a failed one is tried again
    at the supervisor's next round."""
    account = pwd.getpwnam(found.trainee)
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    name = f"{found.trainee}+{found.assignment}+{stamp}+{secrets.token_hex(6)}"
    cache = Path(account.pw_dir) / NBGRADER_CACHE / course_id
    done = subprocess.run(
        [python, "-I", "-c", HAND_IN_CODE, str(found.work), found.assignment,
         str(Path(exchange) / course_id / "inbound"), str(cache), name, stamp,
         secrets.token_hex(64)],
        user=account.pw_uid, group=account.pw_gid, extra_groups=[], capture_output=True,
        text=True, timeout=60, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": account.pw_dir})
    record = {"window_start": window_start, "window_end": window_end,
              "handed_in": now.isoformat(timespec="seconds"), "folder": name,
              "ok": done.returncode == 0,
              "problem": done.stderr.strip()[-500:] if done.returncode else ""}
    if record["ok"]:
        text = json.dumps([*found.handed_in(), record], indent=1)
        with regular_files.folder(found.base) as base:
            write_whole_at(base, HANDED_IN, text.encode(), 0o644)
    return record
