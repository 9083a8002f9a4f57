"""Run a trainee's notebook kernel inside a bubblewrap sandbox.

The kernel sees only what it needs to run: the system libraries, the Python install, the
virtualenv, the ``course`` package (read-only) and a private copy of the submission folder.
The course's ``source/`` folder, the gradebook, other trainees' work and the instructor's
home are not mounted at all. It has no network, a private process tree, a throwaway home
and /tmp, and resource limits (CPU seconds, memory, processes, file size).

When run as root the kernel drops to an unprivileged user (``sandbox_uid``), because Linux
never applies the process-count limit to root.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import functools
import importlib.util
import itertools
import json
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode, default

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


def traversable_parents(path: str) -> list[str]:
    """bwrap options creating the parents of ``path`` so the unprivileged kernel can pass."""
    options: list[str] = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in ("/", "/tmp"):
            options += ["--perms", "0755", "--dir", str(parent)]
    return options


@functools.cache
def prebuilt_matplotlib_cache() -> Path | None:
    """A folder holding matplotlib's font list, built once per machine and matplotlib version.

    Without it every sandboxed kernel rebuilds the list in its empty home (about 0.4 s of CPU
    per submission). Each kernel gets a private writable copy (matplotlib ignores a read-only
    config folder). None when it cannot be built: kernels then build their own, as before.
    """
    try:
        mpl_version = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        return None
    folder = Path(tempfile.gettempdir()) / f"cryocourse-mplcache-{os.getuid()}-{mpl_version}"
    if not list(folder.glob("fontlist-*.json")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(folder)}, capture_output=True,
                       timeout=120, check=False)
    return folder if list(folder.glob("fontlist-*.json")) else None


def _give_matplotlib_cache(holder: str) -> None:
    """Put a private copy of the prebuilt font list beside the kernel's work folder."""
    mpl = os.path.join(holder, MPL_FOLDER)
    os.mkdir(mpl)
    cache = prebuilt_matplotlib_cache()
    if cache is not None:
        for font_list in cache.glob("fontlist-*.json"):
            shutil.copy(font_list, mpl)


def _refuse_enclosing_folder(cwd: str, holder: str) -> None:
    """Never copy a folder into itself (the notebook's folder holds the temporary folder)."""
    if Path(holder).is_relative_to(cwd):
        raise SandboxUnavailable(
            f"The notebook's folder {cwd} contains the temporary folder; "
            "grade from a course folder instead."
        )


_contexts: dict[tuple[int, bool], zmq.Context] = {}
_contexts_lock = threading.Lock()
SOCKET_LINGER_MS = 100  # what jupyter_client allows a closing context


def shared_zmq_context(asynchronous: bool) -> zmq.Context:
    """This process's zmq context for kernels and their clients (one per kind).

    jupyter_client otherwise makes (and tears down, waiting for its sockets) a context with
    an I/O thread for every kernel manager and every client: three per graded notebook.
    """
    key = (os.getpid(), asynchronous)  # a forked worker must not use its parent's context
    with _contexts_lock:
        if key not in _contexts:
            context = zmq.asyncio.Context() if asynchronous else zmq.Context()
            context.setsockopt(zmq.LINGER, SOCKET_LINGER_MS)
            _contexts[key] = context
        return _contexts[key]


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager that starts the kernel inside bubblewrap, with limits."""

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

    _conn_dir: str | None = None
    _work_copy: str | None = None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        if self.sandbox_uid == 0:
            self.sandbox_uid = next(_UIDS)
    sandboxed: bool = False

    @default("context")
    def _shared_context(self) -> zmq.asyncio.Context:
        return shared_zmq_context(asynchronous=True)  # not ours to destroy at shutdown

    # --- connection over Unix sockets in a folder shared with the sandbox -----------------
    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        ok, reason = sandbox_status()
        if not ok and not self.allow_unsandboxed:
            raise SandboxUnavailable(
                "The grading sandbox cannot start, so trainee code was not run. "
                f"Reason: {reason}. To grade anyway on a throwaway machine, pass "
                "--unsafe-no-sandbox (see docs/threat-model.md)."
            )
        self.sandboxed = ok
        self._conn_dir = tempfile.mkdtemp(prefix="cryocourse-kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self._conn_dir, "ipc")
        self.connection_file = os.path.join(self._conn_dir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self._drops_root():
            os.chown(self._conn_dir, self.sandbox_uid, self.sandbox_gid)
            os.chown(self.connection_file, self.sandbox_uid, self.sandbox_gid)
        return kernel_cmd, kw

    def _drops_root(self) -> bool:
        return os.getuid() == 0

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = self.sandbox_env()
        wrapped = self.limited_command(kernel_cmd)
        if self.sandboxed:
            if kw.get("cwd"):
                cwd = os.path.realpath(kw["cwd"])
                self._work_copy = self._copy_work_dir(cwd)
            else:  # never copy the grader's own folder (the course root) into the sandbox
                cwd = f"{SANDBOX_HOME}/work"
                self._work_copy = self._copy_work_dir(None)
            wrapped = self.bwrap_args(cwd, self._work_copy) + wrapped
            kw["cwd"] = "/"
        await super()._async_launch_kernel(wrapped, **kw)

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
        args = [shutil.which(BWRAP) or BWRAP]
        for folder in SYSTEM_DIRS:
            if os.path.islink(folder):
                args += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                args += ["--ro-bind", folder, folder]
        for path in ETC_FILES:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
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
            *traversable_parents(self._conn_dir or ""),
            "--bind", self._conn_dir or "", self._conn_dir or "",
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
        if not self.sandboxed or self._work_copy is None or os.listdir(self._work_copy):
            raise SandboxUnavailable("The prepared kernel's folder is missing or not empty.")
        cwd = os.path.realpath(cwd)
        holder = os.path.dirname(self._work_copy)
        _refuse_enclosing_folder(cwd, holder)
        shutil.copytree(cwd, self._work_copy, symlinks=True, dirs_exist_ok=True)
        self._give_to_kernel(holder)

    def _give_to_kernel(self, holder: str) -> None:
        """Make the work folder the kernel's own (when it runs as an unprivileged user)."""
        if self._drops_root():
            for root, dirs, files in os.walk(holder):
                for name in [*dirs, *files]:
                    os.lchown(os.path.join(root, name), self.sandbox_uid, self.sandbox_gid)
            os.chown(holder, self.sandbox_uid, self.sandbox_gid)

    # --- interrupts and clean-up -------------------------------------------------------------
    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message: signals to bubblewrap do not reach the kernel."""
        if not self.has_kernel:
            raise RuntimeError("Cannot interrupt kernel. No kernel is running!")
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            for attribute in ("_conn_dir", "_work_copy"):
                folder = getattr(self, attribute)
                if folder:
                    target = folder if attribute == "_conn_dir" else os.path.dirname(folder)
                    shutil.rmtree(target, ignore_errors=True)
                    setattr(self, attribute, None)

    # AsyncKernelManager binds these public names to the base class's coroutines: rebind.
    pre_start_kernel = _async_pre_start_kernel
    _launch_kernel = _async_launch_kernel
    interrupt_kernel = _async_interrupt_kernel
    cleanup_resources = _async_cleanup_resources


# --- kernels prepared ahead of time ---------------------------------------------------------

# Run silently in a spare kernel before any trainee code: imports what the lesson's own set-up
# cell imports, and binds no name in the trainee's namespace (the helper deletes itself).
WARM_UP = """
def _cryocourse_warm_up(names):
    import importlib
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_cryocourse_warm_up({names!r})
del _cryocourse_warm_up
"""


# Configuration sections a kernel manager reads (its own classes and what it creates).
KERNEL_CONFIG_SECTIONS = frozenset({
    "SandboxedKernelManager", "AsyncKernelManager", "KernelManager", "ConnectionFileMixin",
    "Session", "KernelSpecManager", "KernelProvisionerFactory", "LocalProvisioner",
})


def kernel_config(config: Any) -> Any:
    """The part of a traitlets ``config`` that decides how a kernel starts.

    Two recipes with the same kernel part start the same kernel, whatever else their
    configurations hold (nbgrader's converters add settings of their own).
    """
    from traitlets.config import Config

    if config is None:
        return None
    return Config({name: copy.deepcopy(section) for name, section in config.items()
                   if name in KERNEL_CONFIG_SECTIONS})  # a copy: later edits make a new recipe


@dataclass(frozen=True, eq=True)
class KernelRecipe:
    """How a kernel for one notebook is started; a spare is only used for the same recipe."""

    kernel_name: str
    arguments: tuple[str, ...]
    config: Any  # the traitlets Config the kernel manager is made with (``kernel_config``)
    warm_up_modules: tuple[str, ...] = ()
    startup_timeout: float = 60.0

    def __hash__(self) -> int:  # Config is a dict: hash the rest
        return hash((self.kernel_name, self.arguments, self.warm_up_modules))


def start_prepared_kernel(recipe: KernelRecipe) -> SandboxedKernelManager:
    """A fresh sandboxed kernel with an empty private folder, ready and warmed up.

    No trainee code ever ran in it. Runs in the preparing thread, in an event loop of its
    own; nothing loop-bound (the control socket) is left open for the grading loop.
    """
    options = {"kernel_name": recipe.kernel_name} if recipe.kernel_name else {}
    manager = SandboxedKernelManager(config=recipe.config, **options)

    async def launch() -> None:
        await manager.start_kernel(extra_arguments=list(recipe.arguments))
        manager._close_control_socket()  # reopened on demand in the loop that grades

    try:
        asyncio.run(launch())
        manager._ready = None
        _warm_up(manager, recipe)
    except BaseException:
        shut_down_kernel(manager)
        raise
    return manager


def _warm_up(manager: SandboxedKernelManager, recipe: KernelRecipe) -> None:
    """Wait until the kernel answers, then run the warm-up imports silently in it."""
    client = BlockingKernelClient(context=shared_zmq_context(asynchronous=False))
    client.load_connection_info(manager.get_connection_info())
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    deadline = time.monotonic() + recipe.startup_timeout
    try:
        _shell_reply(client, client.kernel_info(), deadline, retry=client.kernel_info)
        if not recipe.warm_up_modules:
            return
        code = WARM_UP.format(names=list(recipe.warm_up_modules))
        msg_id = client.execute(code, silent=True, store_history=False, allow_stdin=False)
        reply = _shell_reply(client, msg_id, deadline)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"the warm-up failed ({reply['content'].get('ename')})")
    finally:
        client.stop_channels()


def _shell_reply(client: BlockingKernelClient, msg_id: str, deadline: float,
                 retry: Any = None) -> dict:
    """The shell reply to ``msg_id``; ``retry()`` sends the request again after each quiet second.

    Unlike ``wait_for_ready`` this never waits for IOPub, which a warm-up does not use.
    """
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError("the kernel did not answer in time")
        try:
            reply = client.get_shell_msg(timeout=min(1.0, left))
        except Empty:
            if retry is not None:
                msg_id = retry()
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def shut_down_kernel(manager: SandboxedKernelManager) -> None:
    """Stop a kernel at once and remove its folders (outside any running event loop)."""
    try:
        asyncio.run(manager.shutdown_kernel(now=True))
    except Exception:  # noqa: BLE001 - it may already be gone; --die-with-parent backs this up
        with contextlib.suppress(Exception):
            asyncio.run(manager.cleanup_resources())


class KernelPreparer:
    """Keeps one spare kernel of this process starting in the background.

    Each spare serves exactly one notebook: ``take`` hands it over and starts the next one.
    Kernels are launched from one long-lived thread because bubblewrap's --die-with-parent
    follows the *thread* that started it: a short-lived thread would take its kernel along.
    """

    def __init__(self) -> None:
        self._owner = os.getpid()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="cryocourse-spare-kernel")
        self._lock = threading.Lock()
        self._spare: tuple[KernelRecipe, Future[SandboxedKernelManager]] | None = None
        self._closed = False
        self.more_to_come = True  # False: the notebook now taking a spare is the last one

    def take(self, recipe: KernelRecipe) -> Future[SandboxedKernelManager] | None:
        """The spare prepared to ``recipe`` (None if there is none), and start the next one
        (unless ``more_to_come`` says no notebook will need it)."""
        with self._lock:
            if self._closed:
                return None
            spare = self._spare
            self._spare = (recipe, self._thread.submit(start_prepared_kernel, recipe)) if (
                self.more_to_come) else None
        if spare is None:
            return None
        if spare[0] != recipe:
            self.discard(spare[1])
            return None
        return spare[1]

    def discard(self, future: Future[SandboxedKernelManager]) -> None:
        """Shut down a spare that will not be used, once it has finished starting."""
        self._thread.submit(_shut_down_when_started, future)

    def close(self) -> None:
        """Shut the spare down (at exit; only in the process that started it)."""
        if os.getpid() != self._owner:
            return
        with self._lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            _shut_down_when_started(spare[1], wait=spare[0].startup_timeout)
        self._thread.shutdown(wait=False, cancel_futures=True)


def _shut_down_when_started(
    future: Future[SandboxedKernelManager], wait: float | None = None
) -> None:
    try:
        manager = future.result(timeout=wait)
    except Exception:  # noqa: BLE001 - it never started, or gave up: nothing to stop
        return
    shut_down_kernel(manager)


_preparer: KernelPreparer | None = None
_preparer_lock = threading.Lock()


def kernel_preparer() -> KernelPreparer:
    """This process's preparer (made on first use, shut down when the process exits)."""
    global _preparer
    with _preparer_lock:
        if _preparer is None or _preparer._owner != os.getpid():
            _preparer = KernelPreparer()
            atexit.register(_preparer.close)
            # worker processes of multiprocessing leave through os._exit: no atexit there
            multiprocessing.util.Finalize(None, _preparer.close, exitpriority=10)
        return _preparer
