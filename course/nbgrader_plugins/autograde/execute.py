"""``SandboxedExecute``: run a submission in the sandbox and keep grading whatever it does.

The notebook runs in a ``SandboxedKernelManager`` kernel (bubblewrap, through
jupyter_client's provisioner API). A dead kernel, a hang, an output flood or the notebook
time limit becomes error outputs plus a fault (``course.nbgrader_plugins.autograde.faults``)
instead of
failing the whole submission.
"""

from __future__ import annotations

import asyncio
import math
from queue import Empty
from time import monotonic
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_hook
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade
from traitlets import Bool, Integer, List, Unicode

from course.models.variants import KEY_VARIABLE, has_variants
from course.nbgrader_plugins.autograde.faults import error_output, record_fault
from course.sandbox.kernels import SandboxedKernelManager
from course.sandbox.provisioner import SandboxUnavailable
from course.sandbox.spare import KernelRecipe, kernel_config, kernel_preparer
from course.storage.variant_keys import assessment_key, course_root

MARKER_PLACEHOLDER = "Marked from the answers as typed, after the notebook has run."


class SandboxedExecute(Execute):
    """Execute in the sandbox; survive hangs, crashes and floods cell by cell."""

    notebook_timeout = Integer(
        600, help="Seconds for the whole notebook; cells after that are not run."
    ).tag(config=True)
    max_output_bytes = Integer(
        1_000_000, help="Output kept per cell; the rest is dropped with a note."
    ).tag(config=True)
    max_kernel_restarts = Integer(
        3, help="Fresh kernels started after a crash or hang before giving up."
    ).tag(config=True)
    prepare_kernels = Bool(
        False,
        help="Keep one spare sandboxed kernel started and warmed up in the background, so a "
        "notebook does not wait for its kernel. Each spare serves one notebook only; restarts "
        "after a crash or hang start fresh kernels as usual.",
    ).tag(config=True)
    grade_cells_marked_from_text = Bool(
        False,
        help="Do not run grade cells in the kernel: a marker later in the pipeline "
        "(TrustedScores) writes every grade cell's output from the answers' text, so what the "
        "kernel would compute there reaches neither the gradebook nor the feedback. Each "
        "such cell gets a placeholder error until then (worth 0 if no marker follows).",
    ).tag(config=True)
    warm_up_modules = List(
        Unicode(),
        default_value=["course.checks"],
        help="Modules a spare kernel imports (silently, before any trainee code): what the "
        "assignment's own set-up cells import.",
    ).tag(config=True)

    # nbclient's kernel manager and client (None until a kernel is up); nbgrader's Execute is
    # untyped, so they are declared here. The client is typed loosely: which methods return
    # coroutines differs between jupyter_client's blocking and async clients.
    km: SandboxedKernelManager | None
    kc: Any

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kw)
        self.interrupt_on_timeout = False  # a hang kills the kernel: it may ignore interrupts
        self.kernel_manager_class = SandboxedKernelManager

    # --- nbconvert entry point --------------------------------------------------------------
    def preprocess(
        self, nb: NotebookNode, resources: Any = None, km: Any = None
    ) -> tuple[NotebookNode, dict]:
        """Run every code cell, recording faults instead of raising."""
        NotebookClient.__init__(self, nb, km)
        self.interrupt_on_timeout = False
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        run_sync(self._async_run_all)()
        self.set_widgets_metadata()
        return self.nb, self.resources

    async def _async_run_all(self) -> None:
        deadline = monotonic() + self.notebook_timeout
        self._deadline = deadline
        restarts = 0
        kernel_up = False
        to_run = [
            i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip()
            and not self._left_to_the_marker(c)
        ]
        try:
            for position, index in enumerate(to_run):
                cell = self.nb.cells[index]
                if monotonic() >= deadline:
                    self._skip(to_run[position:], "time_limit",
                               "The whole notebook took longer than the time limit "
                               f"({self.notebook_timeout} s), so this cell was not run.")
                    return
                if not kernel_up:
                    if restarts > self.max_kernel_restarts:
                        self._skip(to_run[position:], "gave_up",
                                   "Python stopped too many times in this notebook, "
                                   "so this cell was not run.")
                        return
                    try:
                        await self._async_start_fresh_kernel(
                            prepared=self.prepare_kernels and restarts == 0)
                    except SandboxUnavailable:
                        raise
                    except Exception as problem:  # noqa: BLE001 - report, do not crash
                        self.log.error("The kernel did not start: %s", problem)
                        await self._async_stop_kernel()
                        self._skip(to_run[position:], "kernel_start",
                                   "Python could not be started for this notebook, so this "
                                   "cell was not run.")
                        return
                    kernel_up = True
                kernel_up = await self._async_run_one(cell, index)
                if not kernel_up:
                    restarts += 1
                    await self._async_stop_kernel()
        finally:
            if kernel_up:
                await self._async_stop_kernel()

    def _left_to_the_marker(self, cell: NotebookNode) -> bool:
        """A grade cell the trusted marker scores (not run; given a placeholder output)."""
        if not (self.grade_cells_marked_from_text and is_grade(cell)):
            return False
        cell.outputs = [error_output("NotMarkedYet", MARKER_PLACEHOLDER)]
        cell.execution_count = None
        return True

    async def _async_start_fresh_kernel(self, prepared: bool = False) -> None:
        """A kernel no code has run in: a prepared spare if allowed and ready, else a new one."""
        path = (self.resources or {}).get("metadata", {}).get("path") or None
        spare = await self._async_take_prepared_kernel() if prepared else None
        self.kc = None
        if spare is not None:
            self.km = spare
            try:
                if path:
                    spare.fill_work_dir(path)
            except (OSError, SandboxUnavailable) as problem:
                self.log.warning("The prepared kernel could not be used (%s).", problem)
                await self._async_stop_kernel()
                spare = None
        if spare is None:
            self.km = self.create_kernel_manager()
            await self.async_start_new_kernel(cwd=path)
        info = await self._async_open_client()
        if "language_info" in info["content"]:
            self.nb.metadata["language_info"] = info["content"]["language_info"]
        await self._async_give_variant_key()

    def variant_key(self) -> str | None:
        """The submitter's variant key, for an assignment with per-trainee variants."""
        about = (self.resources or {}).get("nbgrader", {})
        assignment, student = about.get("assignment", ""), about.get("student", "")
        if not (student and has_variants(assignment)):
            return None
        return assessment_key(course_root(self.config), assignment, student)

    async def _async_give_variant_key(self) -> None:
        """Before any trainee code: give the kernel the submitter's own key (as the hub gives
        it to the trainee's server), so it shows the clients the trusted marker marks."""
        key = self.variant_key()
        if key is None:
            return
        code = f"__import__('os').environ[{KEY_VARIABLE!r}] = {key!r}"
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        await self.async_wait_for_reply(msg_id)

    async def _async_open_client(self) -> dict:
        """A new client in this event loop, once the kernel answers on shell and on IOPub.

        What jupyter_client's ``wait_for_ready`` checks, without its closing 0.2 s wait for
        IOPub to fall quiet: nbclient ignores IOPub messages of other requests anyway.
        Returns the kernel_info reply.
        """
        km = self.km
        if km is None:  # only ever called once a kernel was started
            raise RuntimeError("no kernel to open a client to")
        self.kc = km.client(context=km.context)
        try:
            await ensure_async(self.kc.start_channels())
            deadline = monotonic() + self.startup_timeout
            while True:
                reply = await self._async_kernel_info_reply(timeout=1)
                if reply is not None and await self._async_iopub_connected():
                    break
                if not await ensure_async(km.is_alive()):
                    raise RuntimeError("the kernel stopped before answering")
                if monotonic() > deadline:
                    raise RuntimeError(f"no answer within {self.startup_timeout} s")
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return reply

    async def _async_kernel_info_reply(self, timeout: float) -> dict | None:
        """Ask for kernel_info; its reply, or None if none came within ``timeout``."""
        msg_id = self.kc.kernel_info()
        until = monotonic() + timeout
        while (left := until - monotonic()) > 0:
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                return None
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply
        return None

    async def _async_iopub_connected(self) -> bool:
        """Whether this client receives IOPub (the kernel_info request publishes its status)."""
        try:
            await ensure_async(self.kc.iopub_channel.get_msg(timeout=0.2))
        except Empty:
            return False
        return True

    def kernel_recipe(self) -> KernelRecipe:
        """How this notebook's kernel is started (what nbclient would pass the manager)."""
        kernel_name = self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name", "")
        arguments = list(self.extra_arguments)
        is_ipykernel = (kernel_name or "python3") in {"python", "python2", "python3"}
        if is_ipykernel and self.ipython_hist_file and not any(
                a.startswith("--HistoryManager.hist_file") for a in arguments):
            arguments.append(f"--HistoryManager.hist_file={self.ipython_hist_file}")
        return KernelRecipe(kernel_name, tuple(arguments), kernel_config(self.config),
                            tuple(self.warm_up_modules), float(self.startup_timeout))

    def start_preparing(self, nb: NotebookNode) -> None:
        """Start this process's first spare kernel for notebooks like ``nb`` right away."""
        if self.prepare_kernels:
            self.nb = nb
            kernel_preparer().take(self.kernel_recipe())

    async def _async_take_prepared_kernel(self) -> SandboxedKernelManager | None:
        """This process's spare kernel (and start the next one); None to start afresh."""
        preparer = kernel_preparer()
        spare = preparer.take(self.kernel_recipe())
        if spare is None:
            return None
        deadline = monotonic() + self.startup_timeout
        while not spare.done() and monotonic() < deadline:
            await asyncio.sleep(0.01)  # not wrap_future: a timeout must not cancel the spare
        try:
            return spare.result(timeout=0)
        except Exception as problem:  # noqa: BLE001 - a fresh kernel is always possible
            self.log.warning("The prepared kernel could not be used (%s): starting one now.",
                             problem or type(problem).__name__)
            preparer.discard(spare)
            return None

    async def _async_stop_kernel(self) -> None:
        """Shut the kernel down; a dying kernel's errors are logged, a missing name raised.

        ``_async_cleanup_kernel`` is nbclient's (``course.foundation.third_party``): if a
        release renames it or what it calls, the AttributeError escapes, so sandboxed kernels
        never leak behind a warning.
        """
        if self.km is None:
            return
        cleanup = self._async_cleanup_kernel
        try:
            await cleanup()
        except AttributeError:
            raise
        except Exception as problem:  # noqa: BLE001 - a dying kernel must not stop grading
            self.log.warning("Could not shut the kernel down cleanly: %s", problem)
        self.km = None
        self.kc = None

    async def _async_run_one(self, cell: NotebookNode, index: int) -> bool:
        """Run one cell; return whether the kernel is still usable afterwards."""
        self._output_bytes = 0
        self._flooded = False
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        except CellTimeoutError:
            self._fault(cell, index, "hang",
                        "This cell did not finish within the time limit "
                        f"({self._get_timeout(cell) or self.timeout} s), so it was stopped. "
                        "Python was restarted for the cells below: variables made above "
                        "are gone.")
            return False
        except DeadKernelError:
            self._fault(cell, index, "kernel_died",
                        "Python stopped while running this cell (it may have used too much "
                        "memory, started too many processes or called exit). Python was "
                        "restarted for the cells below: variables made above are gone.")
            return False
        except Exception as problem:  # noqa: BLE001 - anything else: report and go on
            self._fault(cell, index, "execution_error",
                        f"This cell could not be run ({type(problem).__name__}). Python was "
                        "restarted for the cells below.")
            return False
        return True

    # --- helpers ------------------------------------------------------------------------------
    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        timeout = super()._get_timeout(cell)
        deadline = getattr(self, "_deadline", None)
        if deadline is None or cell is None:
            return timeout
        remaining = max(1, math.ceil(deadline - monotonic()))
        return remaining if timeout is None else min(timeout, remaining)

    def _fault(self, cell: NotebookNode, index: int, kind: str, message: str) -> None:
        cell.setdefault("outputs", []).append(error_output("GradingStopped", message))
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        where = f" (cell '{grade_id}')" if grade_id else f" (cell {index + 1})"
        record_fault(self.nb, kind, message + where, index)

    def _skip(self, indices: list[int], kind: str, message: str) -> None:
        for index in indices:
            self.nb.cells[index].outputs = [error_output("NotRun", message)]
        record_fault(self.nb, kind, f"{message} ({len(indices)} cells not run)", indices[0])

    def output(
        self, outs: list, msg: dict, display_id: str | None, cell_index: int
    ) -> NotebookNode | None:
        """Keep at most ``max_output_bytes`` of output per cell."""
        self._output_bytes = getattr(self, "_output_bytes", 0) + _content_size(msg["content"])
        if self._output_bytes <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not getattr(self, "_flooded", False):
            self._flooded = True
            message = (f"This cell printed more than {self.max_output_bytes // 1000} kB; "
                       "the rest of its output was dropped.")
            outs.append(error_output("OutputTooLong", message))
            record_fault(self.nb, "output_flood", message, cell_index)
        return None


def _content_size(content: dict) -> int:
    """Approximate size in bytes of an output message's payload."""
    if "text" in content:
        return len(content["text"])
    data = content.get("data", {})
    if data:
        return sum(len(str(value)) for value in data.values())
    return sum(len(line) for line in content.get("traceback", [])) + 100
