"""Grading kernels start through jupyter_client's public provisioner API, or not at all."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pytest
from jupyter_client.provisioning import KernelProvisionerFactory

from course.sandbox.kernels import SandboxedKernelManager
from course.sandbox.provisioner import PROVISIONER_NAME, BubblewrapProvisioner, sandbox_status

PINNED_JUPYTER_CLIENT = "8.10.0"  # pyproject.toml


def test_the_provisioner_is_registered_and_named_by_the_kernel_spec() -> None:
    assert PROVISIONER_NAME in KernelProvisionerFactory.instance().get_provisioner_entries()
    spec = SandboxedKernelManager(kernel_name="python3").kernel_spec
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == PROVISIONER_NAME
    assert spec.interrupt_mode == "message"  # signals to bubblewrap never reach the kernel


@pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1])
def test_a_grading_kernel_is_started_by_the_provisioner_inside_bubblewrap() -> None:
    async def start_and_stop() -> tuple[object, list[str]]:
        km = SandboxedKernelManager(kernel_name="python3")
        await km.start_kernel()
        try:
            command = km.provisioner.process.args
            return km.provisioner, list(command)
        finally:
            await km.shutdown_kernel(now=True)

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever ran before here
        provisioner, command = thread.submit(asyncio.run, start_and_stop()).result(timeout=120)
    assert isinstance(provisioner, BubblewrapProvisioner) and provisioner.sandboxed
    assert Path(command[0]).name == "bwrap" and "--unshare-net" in command


def test_without_bubblewrap_no_kernel_starts() -> None:
    """Grading refuses to run trainee code unsandboxed when bubblewrap is missing."""
    code = (
        "import asyncio\n"
        "from course.sandbox.kernels import SandboxedKernelManager\n"
        "from course.sandbox.provisioner import SandboxUnavailable\n"
        "km = SandboxedKernelManager(kernel_name='python3')\n"
        "try:\n"
        "    asyncio.run(km.start_kernel())\n"
        "except SandboxUnavailable as problem:\n"
        "    print('REFUSED', problem, km.has_kernel)\n"
        "else:\n"
        "    print('STARTED')\n"
        "    asyncio.run(km.shutdown_kernel(now=True))\n"
    )
    no_bwrap = {"PATH": str(Path(sys.executable).parent), "HOME": str(Path.home())}
    done = subprocess.run([sys.executable, "-c", code], env=no_bwrap, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.startswith("REFUSED"), done.stdout + done.stderr
    assert "bubblewrap" in done.stdout and done.stdout.strip().endswith("False")


def test_jupyter_client_is_the_release_the_sandbox_was_written_for() -> None:
    """Fails loudly on an upgrade: check the provisioner hooks and the two names below."""
    assert metadata.version("jupyter_client") == PINNED_JUPYTER_CLIENT
    km = SandboxedKernelManager(kernel_name="python3")
    assert callable(km._close_control_socket) and hasattr(km, "_ready")  # release_event_loop
    for hook in ("pre_launch", "launch_kernel", "cleanup"):
        assert hook in vars(BubblewrapProvisioner) or hook in vars(
            BubblewrapProvisioner.__mro__[1]), hook


def test_the_font_cache_is_private_and_nothing_planted_in_a_shared_place_is_copied(
        tmp_path, monkeypatch) -> None:
    """A trainee who plants the old shared cache folder in /tmp, or a link in the private
    one, gets nothing into a kernel: only the grading account's own regular files travel."""
    import os

    from course.sandbox import provisioner as sandbox

    secret = tmp_path / "salt"
    secret.write_text("the course's secret salt\n")
    version = metadata.version("matplotlib")
    planted = Path("/tmp") / f"cryocourse-mplcache-{os.getuid()}-{version}"
    made_here = not planted.exists()
    if made_here:  # the folder the sandbox used to read, as a hostile trainee makes it
        planted.mkdir()
        (planted / "fontlist-v390.json").symlink_to(secret)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    sandbox.prebuilt_matplotlib_cache.cache_clear()
    try:
        cache = sandbox.private_cache_dir(f"matplotlib-{version}")
        assert cache.is_relative_to(tmp_path / "cache")
        assert (cache.stat().st_mode & 0o777) == 0o700
        (cache / "fontlist-v999.json").symlink_to(secret)  # a link inside the private one
        holder = tmp_path / "holder"
        holder.mkdir()
        sandbox._give_matplotlib_cache(str(holder))
        copied = list((holder / sandbox.MPL_FOLDER).iterdir())
        assert all(not p.is_symlink() for p in copied)
        assert all("secret salt" not in p.read_text(errors="replace") for p in copied)
        assert "fontlist-v999.json" not in {p.name for p in copied}
        # A cache folder that is a link (or another account's) is refused, never used.
        os.rename(cache, tmp_path / "moved")
        cache.symlink_to(tmp_path / "moved")
        with pytest.raises(sandbox.SandboxUnavailable, match="not a folder"):
            sandbox.private_cache_dir(f"matplotlib-{version}")
    finally:
        sandbox.prebuilt_matplotlib_cache.cache_clear()
        if made_here:
            (planted / "fontlist-v390.json").unlink()
            planted.rmdir()
