"""``BubblewrapProvisioner``: jupyter_client starts a trainee's kernel inside bubblewrap.

A kernel provisioner is jupyter_client's public extension point for how a kernel process is
started (``KernelProvisionerBase``; this one extends the ``LocalProvisioner``). It is
registered under the entry point ``cryocourse-bubblewrap`` and named by the kernel spec's
``metadata.kernel_provisioner`` (``course.sandbox.kernels`` does that for grading kernels),
so every launch of a grading kernel goes through ``pre_launch`` below: there is no other
path that could start one unsandboxed.

The kernel sees only what it needs to run: the system libraries, the Python install, the
virtualenv, the ``course`` package (read-only) and a private copy of the submission folder.
The course's ``source/`` folder, the gradebook, other trainees' work and the instructor's
home are not mounted at all. It has no network, a private process tree, a throwaway home
and /tmp, and resource limits (CPU seconds, memory, processes, file size).

When run as root the kernel drops to an unprivileged user (``sandbox_uid``), because Linux
never applies the process-count limit to root.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Integer, List, Unicode

from course.foundation.regular_files import read_plain_file

PROVISIONER_NAME = "cryocourse-bubblewrap"  # the entry point in pyproject.toml
BWRAP = "bwrap"
SANDBOX_HOME = "/home/trainee"
MPL_CONFIG_DIR = f"{SANDBOX_HOME}/.matplotlib"
MPL_FOLDER = "matplotlib"  # beside the work copy, bound to MPL_CONFIG_DIR
# Unprivileged uids handed to sandboxed kernels, one each (never used by a real account).
_UIDS = itertools.count(200_000 + (os.getpid() % 1000) * 1000)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache", "/etc/ld.so.conf",
    "/etc/ld.so.conf.d", "/etc/localtime", "/etc/hosts", "/etc/mime.types", "/etc/alternatives",
    "/etc/fonts",
)

# Runs inside the sandbox, before the kernel: applies the limits, drops root, then execs.
# It runs isolated (-I): nothing on its import path is the trainee's (a json.py handed in
# with the notebook must never run before the limits, let alone as root).
LAUNCHER = """
import json, os, resource, sys
spec = json.loads(sys.argv[1])
for name, (soft, hard) in spec["limits"].items():
    resource.setrlimit(getattr(resource, name), (soft, hard))
if os.getuid() == 0 and spec["uid"] is not None:
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
os.execv(sys.argv[2], sys.argv[2:])
"""


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and what to do."""


@lru_cache(maxsize=1)
def sandbox_status() -> tuple[bool, str]:
    """Whether bubblewrap can start a sandbox here, by actually starting one."""
    bwrap = shutil.which(BWRAP)
    if bwrap is None:
        return False, "bubblewrap (the 'bwrap' program) is not installed (apt install bubblewrap)"
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
             "--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "true"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return False, f"bubblewrap could not be started: {problem}"
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        return False, (
            f"bubblewrap is installed but cannot create a sandbox ({detail}). "
            "User namespaces may be disabled (check /proc/sys/user/max_user_namespaces), "
            "or this is a container without the needed privileges."
        )
    return True, f"bubblewrap works ({bwrap})"


def course_package_dir() -> Path:
    """Folder of the installed ``course`` package (mounted read-only in the sandbox)."""
    spec = importlib.util.find_spec("course")
    if spec is None or not spec.submodule_search_locations:
        raise SandboxUnavailable("The 'course' package is not installed in this environment.")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def count_tasks_of_user(uid: int) -> int:
    """Processes and threads owned by ``uid`` now (what RLIMIT_NPROC counts)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1").strip() or 1)
    return total


def system_binds() -> list[str]:
    """bwrap options: the system folders (read-only, links kept) and the few /etc files a
    Python program needs; nothing else of the machine."""
    args: list[str] = []
    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def traversable_parents(path: str) -> list[str]:
    """bwrap options creating the parents of ``path`` so the unprivileged kernel can pass."""
    options: list[str] = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in ("/", "/tmp"):
            options += ["--perms", "0755", "--dir", str(parent)]
    return options


def private_cache_dir(name: str) -> Path:
    """A folder only the grading account can write: ``~/.cache/cryocourse/<name>``, 0700.

    Never in a shared place (``/tmp``): a trainee could create it first and plant links
    there. Each component from the home folder down is created with mode 0700 if missing
    and must then be a real folder (not a link) owned by this account and closed to others;
    otherwise ``SandboxUnavailable`` says which one is not.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    here = base.parent
    for part in (base.name, "cryocourse", name):
        here = here / part
        with contextlib.suppress(FileExistsError):
            os.mkdir(here, 0o700)
        info = os.lstat(here)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise SandboxUnavailable(f"{here} is not a folder of the grading account's own; "
                                     "remove it and grade again.")
        if stat.S_IMODE(info.st_mode) & 0o022:
            os.chmod(here, stat.S_IMODE(info.st_mode) & ~0o022)
    return here


@functools.cache
def prebuilt_matplotlib_cache() -> Path | None:
    """A folder holding matplotlib's font list, built once per account and matplotlib version.

    Without it every sandboxed kernel rebuilds the list in its empty home (about 0.4 s of CPU
    per submission). Each kernel gets a private writable copy (matplotlib ignores a read-only
    config folder). The folder is the grading account's own (``private_cache_dir``). None when
    it cannot be built: kernels then build their own, as before.
    """
    try:
        mpl_version = metadata.version("matplotlib")
        folder = private_cache_dir(f"matplotlib-{mpl_version}")
    except (metadata.PackageNotFoundError, OSError, SandboxUnavailable):
        return None
    if not list(folder.glob("fontlist-*.json")):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(folder)}, capture_output=True,
                       timeout=120, check=False)
    return folder if list(folder.glob("fontlist-*.json")) else None


def _give_matplotlib_cache(holder: str) -> None:
    """Put a private copy of the prebuilt font list beside the kernel's work folder.

    Only regular files owned by the grading account are copied, read without following a
    link (``course.foundation.regular_files``); anything else in the cache folder is left behind.
    """
    mpl = os.path.join(holder, MPL_FOLDER)
    os.mkdir(mpl)
    cache = prebuilt_matplotlib_cache()
    if cache is None:
        return
    for font_list in cache.glob("fontlist-*.json"):
        try:
            if os.lstat(font_list).st_uid != os.geteuid():
                continue
            content = read_plain_file(font_list, cache)
        except OSError:
            continue
        Path(mpl, font_list.name).write_bytes(content)


def _refuse_enclosing_folder(cwd: str, holder: str) -> None:
    """Never copy a folder into itself (the notebook's folder holds the temporary folder)."""
    if Path(holder).is_relative_to(cwd):
        raise SandboxUnavailable(
            f"The notebook's folder {cwd} contains the temporary folder; "
            "grade from a course folder instead."
        )


class BubblewrapProvisioner(LocalProvisioner):
    """Starts the kernel inside bubblewrap, with resource limits, talking over Unix sockets
    in a folder shared with the sandbox. Settings: ``c.BubblewrapProvisioner.<name>``."""

    allow_unsandboxed = Bool(
        False,
        help="UNSAFE: if bubblewrap cannot start, run the kernel without a sandbox "
        "(only on a throwaway machine). Resource limits still apply.",
    ).tag(config=True)
    cpu_seconds = Integer(300, help="CPU seconds for the whole kernel.").tag(config=True)
    memory_bytes = Integer(2 * 1024**3, help="Address-space limit of the kernel.").tag(config=True)
    max_processes = Integer(64, help="Processes and threads the kernel may add.").tag(config=True)
    max_file_bytes = Integer(50 * 1024**2, help="Largest file the kernel may write.").tag(
        config=True
    )
    tmpfs_bytes = Integer(128 * 1024**2, help="Size of the sandbox's /tmp and home.").tag(
        config=True
    )
    sandbox_uid = Integer(
        0,
        help="User the kernel runs as when grading as root. 0 (the default) picks a fresh, "
        "otherwise unused uid for each kernel, so one submission's processes never count "
        "against another's process limit (Linux counts RLIMIT_NPROC per uid).",
    ).tag(config=True)
    sandbox_gid = Integer(65534, help="Group the kernel runs as when grading as root.").tag(
        config=True
    )
    extra_ro_binds = List(Unicode(), help="Further folders to mount read-only.").tag(config=True)

    sandboxed: bool = False
    conn_dir: str | None = None
    work_copy: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.sandbox_uid == 0:
            self.sandbox_uid = next(_UIDS)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Refuse without a sandbox; connect over Unix sockets; wrap the kernel command."""
        ok, reason = sandbox_status()
        if not ok and not self.allow_unsandboxed:
            raise SandboxUnavailable(
                "The grading sandbox cannot start, so trainee code was not run. "
                f"Reason: {reason}. To grade anyway on a throwaway machine, set "
                "c.BubblewrapProvisioner.allow_unsandboxed = True in that machine's "
                "nbgrader_config.py (see docs/threat-model.md)."
            )
        self.sandboxed = ok
        self.conn_dir = tempfile.mkdtemp(prefix="cryocourse-kernel-")
        manager = self.parent  # where LocalProvisioner writes the connection file from
        assert manager is not None, "a provisioner always belongs to its kernel manager"
        manager.transport = "ipc"
        manager.ip = os.path.join(self.conn_dir, "ipc")
        manager.connection_file = os.path.join(self.conn_dir, "kernel.json")
        kwargs = await super().pre_launch(**kwargs)
        if self._drops_root():
            os.chown(self.conn_dir, self.sandbox_uid, self.sandbox_gid)
            os.chown(manager.connection_file, self.sandbox_uid, self.sandbox_gid)
        kwargs["env"] = self.sandbox_env()
        wrapped = self.limited_command(kwargs.pop("cmd"))
        if self.sandboxed:
            if kwargs.get("cwd"):
                cwd = os.path.realpath(kwargs["cwd"])
                self.work_copy = self._copy_work_dir(cwd)
            else:  # never copy the grader's own folder (the course root) into the sandbox
                cwd = f"{SANDBOX_HOME}/work"
                self.work_copy = self._copy_work_dir(None)
            wrapped = self.bwrap_args(cwd, self.work_copy) + wrapped
            kwargs["cwd"] = "/"
        kwargs["cmd"] = wrapped
        return kwargs

    def _drops_root(self) -> bool:
        return os.getuid() == 0

    # --- the pieces of the command line -----------------------------------------------------
    def resource_limits(self) -> dict[str, tuple[int, int]]:
        """RLIMIT name -> (soft, hard) applied to the kernel."""
        uid = self.sandbox_uid if self._drops_root() else os.getuid()
        nproc = count_tasks_of_user(uid) + self.max_processes
        return {
            "RLIMIT_CPU": (self.cpu_seconds, self.cpu_seconds + 5),
            "RLIMIT_AS": (self.memory_bytes, self.memory_bytes),
            "RLIMIT_NPROC": (nproc, nproc),
            "RLIMIT_FSIZE": (self.max_file_bytes, self.max_file_bytes),
            "RLIMIT_CORE": (0, 0),
        }

    def limited_command(self, kernel_cmd: list[str]) -> list[str]:
        """The kernel command prefixed by the launcher that sets limits and drops root."""
        spec = {
            "limits": self.resource_limits(),
            "uid": self.sandbox_uid if self._drops_root() and self.sandboxed else None,
            "gid": self.sandbox_gid,
        }
        return [sys.executable, "-I", "-c", LAUNCHER, json.dumps(spec), *kernel_cmd]

    def sandbox_env(self) -> dict[str, str]:
        """A clean environment: nothing of the instructor's is passed on."""
        venv_bin = str(Path(sys.executable).parent)
        return {
            "HOME": SANDBOX_HOME,
            "USER": "trainee",
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TMPDIR": "/tmp",
            "IPYTHONDIR": f"{SANDBOX_HOME}/.ipython",
            "MPLCONFIGDIR": MPL_CONFIG_DIR,
            "MPLBACKEND": "Agg",
            "MALLOC_ARENA_MAX": "2",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def read_only_dirs(self) -> list[str]:
        """Host folders mounted read-only (besides the system folders)."""
        dirs = [sys.base_prefix, sys.prefix, str(course_package_dir()), *self.extra_ro_binds]
        unique: list[str] = []
        for folder in dirs:
            real = os.path.realpath(folder)
            if real not in unique and not real.startswith("/usr/"):
                unique.append(real)
        return unique

    def bwrap_args(self, cwd: str, work_copy: str) -> list[str]:
        """bubblewrap options: what the kernel can see and which namespaces it gets."""
        args = [shutil.which(BWRAP) or BWRAP, *system_binds()]
        # The private /tmp is mounted before anything is bound under it: a course or venv
        # that lives in /tmp (a CI clone, a test copy) must stay visible on top of it.
        size = str(self.tmpfs_bytes)
        args += ["--dev", "/dev", "--proc", "/proc",
                 "--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        read_only = self.read_only_dirs()
        if sys.prefix != os.path.realpath(sys.prefix):  # keep the venv's own path valid
            read_only.append(sys.prefix)
        for folder in read_only:
            args += [*traversable_parents(folder), "--ro-bind", folder, folder]
        # A grading kernel never needs a debugger: hiding debugpy saves ipykernel from
        # importing it at every start (ipykernel treats it as optional).
        debugger = importlib.util.find_spec("debugpy")
        if debugger is not None and debugger.submodule_search_locations:
            args += ["--tmpfs", list(debugger.submodule_search_locations)[0]]
        args += [
            *traversable_parents(SANDBOX_HOME),
            "--perms", "1777", "--size", size, "--tmpfs", SANDBOX_HOME,
            "--bind", os.path.join(os.path.dirname(work_copy), MPL_FOLDER), MPL_CONFIG_DIR,
            *traversable_parents(cwd), "--bind", work_copy, cwd,
            *traversable_parents(self.conn_dir or ""),
            "--bind", self.conn_dir or "", self.conn_dir or "",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--chdir", cwd,
            "--unsetenv", "JPY_PARENT_PID",  # its pid is not visible here: bwrap watches it
        ]
        if self._drops_root():
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        return args

    def _copy_work_dir(self, cwd: str | None) -> str:
        """A private, writable copy of the submission folder (the original stays untouched)."""
        holder = tempfile.mkdtemp(prefix="cryocourse-work-")
        copy = os.path.join(holder, "work")
        if cwd is None:
            os.mkdir(copy)
        else:
            _refuse_enclosing_folder(cwd, holder)
            shutil.copytree(cwd, copy, symlinks=True)
        _give_matplotlib_cache(holder)
        self._give_to_kernel(holder)
        return copy

    def fill_work_dir(self, cwd: str) -> None:
        """Copy the submission folder into the empty private folder of a prepared kernel.

        The kernel was started with an empty folder; it sees the files at once (the folder is
        bind-mounted, not copied, into the sandbox).
        """
        if not self.sandboxed or self.work_copy is None or os.listdir(self.work_copy):
            raise SandboxUnavailable("The prepared kernel's folder is missing or not empty.")
        cwd = os.path.realpath(cwd)
        holder = os.path.dirname(self.work_copy)
        _refuse_enclosing_folder(cwd, holder)
        shutil.copytree(cwd, self.work_copy, symlinks=True, dirs_exist_ok=True)
        self._give_to_kernel(holder)

    def _give_to_kernel(self, holder: str) -> None:
        """Make the work folder the kernel's own (when it runs as an unprivileged user)."""
        if self._drops_root():
            for root, dirs, files in os.walk(holder):
                for name in [*dirs, *files]:
                    os.lchown(os.path.join(root, name), self.sandbox_uid, self.sandbox_gid)
            os.chown(holder, self.sandbox_uid, self.sandbox_gid)

    async def cleanup(self, restart: bool = False) -> None:
        """Remove the connection folder and the private work copy (kept over a restart)."""
        await super().cleanup(restart=restart)
        if not restart:
            if self.conn_dir:
                shutil.rmtree(self.conn_dir, ignore_errors=True)
                self.conn_dir = None
            if self.work_copy:
                shutil.rmtree(os.path.dirname(self.work_copy), ignore_errors=True)
                self.work_copy = None
