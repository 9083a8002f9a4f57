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
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course.sandbox.provisioner import BWRAP, course_package_dir, system_binds, traversable_parents

WORK = "work"
KIT = "kit"
MARKER = "window-start"
HANDED_IN = "handed-in.json"
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
        """The automatic hand-ins made so far (one per window)."""
        try:
            return json.loads((self.base / HANDED_IN).read_text())
        except (OSError, ValueError):
            return []

    def handed_in_for(self, window_start: str) -> dict | None:
        return next((h for h in self.handed_in() if h.get("window_start") == window_start),
                    None)


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


def prepare(supervised_dir: Path, assignment: str, trainee: str, kit_source: Path,
            release_notebook: Path, window_start: str, window: dict) -> Session:
    """Make (as root) the trainee's session for the window that started at ``window_start``.

    The kit is copied fresh at every start (root's, read-only to the trainee); the work
    folder is made once per window with the released notebook (a new window, or a second
    attempt, starts from the release again; the earlier work is kept aside, root's only).
    """
    account = pwd.getpwnam(trainee)
    _private_dir(Path(supervised_dir), 0o711)
    _private_dir(Path(supervised_dir) / assignment, 0o711)
    found = session(supervised_dir, assignment, trainee)
    # Nobody else may read this trainee's kit (their clients' cards), even when trainees share
    # a primary group: the folder is root's and only traversable, the kit the trainee's own
    # (owner read-only; bubblewrap mounts it read-only in the session).
    _private_dir(found.base, 0o711, 0, 0)
    if not kit_source.is_dir():
        raise RuntimeError(f"No supervised kit was prepared for {trainee}: the instructor "
                           f"runs `cryocourse supervise open {assignment}` with them.")
    shutil.rmtree(found.base / KIT, ignore_errors=True)
    shutil.copytree(kit_source, found.kit, symlinks=False)
    write_window(found, window)
    for folder, _dirs, files in os.walk(found.base / KIT):
        os.chown(folder, account.pw_uid, account.pw_gid, follow_symlinks=False)
        os.chmod(folder, 0o500)
        for name in files:
            os.chown(os.path.join(folder, name), account.pw_uid, account.pw_gid,
                     follow_symlinks=False)
            os.chmod(os.path.join(folder, name), 0o400)
    if found.started_for() != window_start:
        if found.work.exists():
            aside = found.base / f"earlier-{secrets.token_hex(4)}"
            os.replace(found.work, aside)
            os.chmod(aside, 0o700)
            os.chown(aside, 0, 0, follow_symlinks=False)
        _private_dir(found.work, 0o700, account.pw_uid, account.pw_gid)
        _private_dir(found.notebook.parent, 0o755, account.pw_uid, account.pw_gid)
        shutil.copyfile(release_notebook, found.notebook)
        os.chown(found.notebook, account.pw_uid, account.pw_gid)
        (found.base / MARKER).write_text(window_start + "\n")
    return found


def write_window(found: Session, window: dict) -> None:
    """The window as the kit shows it (root's, atomic; the supervisor keeps it current)."""
    target = found.kit / "window.json"
    text = json.dumps(window)
    try:
        if target.read_text() == text:
            return
    except OSError:
        pass
    temporary = target.with_suffix(".tmp")
    temporary.write_text(text)
    owner = target.parent.stat()
    os.chown(temporary, owner.st_uid, owner.st_gid)  # the kit's owner: the trainee
    os.chmod(temporary, 0o400)
    os.replace(temporary, target)


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


HAND_IN_CODE = r"""
import json, os, sys
source, inbound, cache, name, stamp, secret = sys.argv[1:7]
def plain(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()
files = {}
for entry in sorted(os.listdir(source))[:50]:
    path = os.path.join(source, entry)
    if os.path.isfile(path) and not os.path.islink(path) and not entry.startswith("."):
        files[entry] = plain(path)
files["timestamp.txt"] = stamp.encode()
files["submission_secret.txt"] = secret.encode()
for target in (os.path.join(inbound, name), os.path.join(cache, name.rsplit("+", 1)[0])):
    os.makedirs(target)
    for entry, data in files.items():
        with open(os.path.join(target, entry), "wb") as handle:
            handle.write(data)
os.chmod(os.path.join(inbound, name), 0o777)
print(json.dumps(sorted(files)))
"""


def hand_in(found: Session, exchange: Path, course_id: str, window_start: str) -> dict:
    """Hand the session's work in, as the trainee, into the exchange (and their cache)."""
    account = pwd.getpwnam(found.trainee)
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    name = f"{found.trainee}+{found.assignment}+{stamp}+{secrets.token_hex(6)}"
    cache = Path(account.pw_dir) / NBGRADER_CACHE / course_id
    done = subprocess.run(
        [sys.executable, "-I", "-c", HAND_IN_CODE, str(found.notebook.parent),
         str(Path(exchange) / course_id / "inbound"), str(cache), name, stamp,
         secrets.token_hex(64)],
        user=account.pw_uid, group=account.pw_gid, extra_groups=[], capture_output=True,
        text=True, timeout=60, cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": account.pw_dir})
    record = {"window_start": window_start, "handed_in": now.isoformat(timespec="seconds"),
              "folder": name, "ok": done.returncode == 0,
              "problem": done.stderr.strip()[-500:] if done.returncode else ""}
    earlier = found.handed_in()
    (found.base / HANDED_IN).write_text(json.dumps([*earlier, record], indent=1))
    os.chmod(found.base / HANDED_IN, 0o644)
    return record
