"""Grading kernels: a kernel manager whose kernels always start through the sandbox.

``SandboxedKernelManager`` is jupyter_client's ``AsyncKernelManager`` with two public
settings changed: its kernel specs name the ``BubblewrapProvisioner`` (and interrupts by
message, since signals to bubblewrap do not reach the kernel), and it shares one zmq
context per process instead of making one per kernel.
"""

from __future__ import annotations

import os
import threading

import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from course.sandbox.provisioner import PROVISIONER_NAME, BubblewrapProvisioner

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


class SandboxKernelSpecManager(KernelSpecManager):
    """Kernel specs as installed, provisioned by bubblewrap and interrupted by message."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata,
                         "kernel_provisioner": {"provisioner_name": PROVISIONER_NAME,
                                                "config": {}}}
        spec.interrupt_mode = "message"
        return spec


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernels start inside bubblewrap, with limits."""

    @default("kernel_spec_manager")
    def _sandbox_specs(self) -> KernelSpecManager:
        return SandboxKernelSpecManager(parent=self)

    @default("context")
    def _shared_context(self) -> zmq.Context:
        return shared_zmq_context(asynchronous=True)  # not ours to destroy at shutdown

    @property
    def sandbox(self) -> BubblewrapProvisioner:
        """The provisioner of the running kernel (an error if it is not the sandbox's)."""
        if not isinstance(self.provisioner, BubblewrapProvisioner):
            raise RuntimeError(f"This kernel was not started by {PROVISIONER_NAME}.")
        return self.provisioner

    @property
    def sandboxed(self) -> bool:
        """Whether the kernel runs inside bubblewrap (False only with allow_unsandboxed)."""
        return isinstance(self.provisioner, BubblewrapProvisioner) and self.provisioner.sandboxed

    def fill_work_dir(self, cwd: str) -> None:
        """Copy a submission folder into the empty private folder of a prepared kernel."""
        self.sandbox.fill_work_dir(cwd)

    def release_event_loop(self) -> None:
        """Let a kernel started in one event loop be used and shut down from another.

        jupyter_client keeps two loop-bound objects on the manager after a start: the
        control socket (reopened on demand) and the ``ready`` future. Both names are
        checked against the pinned jupyter_client by tests/sandbox.
        """
        self._close_control_socket()
        self._ready = None


__all__ = ["SandboxedKernelManager", "SandboxKernelSpecManager", "shared_zmq_context"]

