"""Spare kernels: one sandboxed kernel per grading process, started and warmed up ahead.

A spare is started (through the sandbox, like every grading kernel) with an empty private
folder and the imports of the assignment's own set-up cells, before any trainee code; the
next notebook takes it, its submission is copied in, and the next spare starts. Each spare
serves exactly one notebook.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import multiprocessing.util
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from queue import Empty
from typing import Any

from jupyter_client.blocking import BlockingKernelClient

from course.sandbox.kernels import SandboxedKernelManager, shared_zmq_context

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
    "Session", "KernelSpecManager", "SandboxKernelSpecManager", "KernelProvisionerFactory",
    "LocalProvisioner", "BubblewrapProvisioner",
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
        manager.release_event_loop()  # the loop that grades takes it over

    try:
        asyncio.run(launch())
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
    async def stop_now() -> None:
        await manager.shutdown_kernel(now=True)

    async def clean_up() -> None:
        await manager.cleanup_resources()

    try:
        asyncio.run(stop_now())
    except Exception:  # noqa: BLE001 - it may already be gone; --die-with-parent backs this up
        with contextlib.suppress(Exception):
            asyncio.run(clean_up())


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
