"""The grading kernel really runs in the sandbox: it sees, writes and reaches nothing else."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest
from traitlets.config import Config

from course.sandbox.kernels import SandboxedKernelManager
from course.sandbox.provisioner import sandbox_status

pytestmark = pytest.mark.skipif(not sandbox_status()[0], reason=sandbox_status()[1])

MARKER = "SANDBOX-MARKER-91c2"


async def _run(cwd: Path, code: str, timeout: float = 20, **limits: int) -> tuple[str, str]:
    """Run ``code`` in a fresh sandboxed kernel; return (status, everything printed)."""
    km = SandboxedKernelManager(kernel_name="python3",
                                config=Config({"BubblewrapProvisioner": limits}))
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    printed: list[str] = []

    def keep(msg: dict) -> None:
        content = msg["content"]
        printed.append(content.get("text", "") + content.get("ename", "") +
                       content.get("evalue", ""))
    try:
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive(code, timeout=timeout, output_hook=keep)
        return reply["content"]["status"], "".join(printed)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def run(cwd: Path, code: str, **limits: int) -> tuple[str, str]:
    return asyncio.run(_run(cwd, code, **limits))


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A fake course: source/ with a secret next to the trainee's submission folder."""
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "secret.txt").write_text(MARKER)
    (tmp_path / "gradebook.db").write_text(MARKER)
    work = tmp_path / "autograded" / "trainee" / "a1"
    work.mkdir(parents=True)
    (work / "a1.ipynb").write_text("{}")
    return tmp_path


def test_kernel_cannot_see_the_course_or_the_home(course: Path) -> None:
    home_marker = Path.home() / f".{MARKER}"
    home_marker.write_text(MARKER)
    try:
        status, printed = run(course / "autograded" / "trainee" / "a1", (
            "import os\n"
            f"print(os.path.exists(r'{course / 'source' / 'secret.txt'}'))\n"
            f"print(os.path.exists(r'{course / 'gradebook.db'}'))\n"
            f"print(os.path.exists(r'{home_marker}'))\n"
            "print(sorted(os.listdir('.')), os.getuid())"))
    finally:
        home_marker.unlink()
    assert status == "ok", printed
    assert printed.split()[:3] == ["False", "False", "False"]
    assert "a1.ipynb" in printed and MARKER not in printed
    if os.getuid() == 0:  # root drops to a fresh unprivileged uid of the kernel's own
        assert int(printed.split()[-1]) >= 200_000


def test_kernel_cannot_write_outside_its_folder(course: Path) -> None:
    work = course / "autograded" / "trainee" / "a1"
    status, printed = run(work, (
        f"open('scratch.txt', 'w').write('ok')\n"
        f"open(r'{course / 'source' / 'new.txt'}', 'w').write('x')"))
    assert status == "error"
    assert not (course / "source" / "new.txt").exists()
    assert not (work / "scratch.txt").exists()  # it wrote to a private copy


def test_kernel_has_no_network(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        status, printed = run(tmp_path, (
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"))
    assert status == "error"
    assert "ConnectionRefused" in printed or "OSError" in printed or "unreachable" in printed


def test_memory_limit_hits(tmp_path: Path) -> None:
    status, printed = run(tmp_path, "block = bytearray(3 * 1024**3)",
                          memory_bytes=512 * 1024**2)
    assert status == "error" and "MemoryError" in printed


def test_process_limit_hits(tmp_path: Path) -> None:
    status, printed = run(tmp_path, (
        "import subprocess\nchildren = []\n"
        "for _ in range(200):\n"
        "    children.append(subprocess.Popen(['sleep', '30']))"), max_processes=16)
    assert status == "error"
    assert "BlockingIOError" in printed or "Resource temporarily unavailable" in printed


def test_file_size_limit_hits(tmp_path: Path) -> None:
    status, printed = run(tmp_path, "open('/tmp/big', 'wb').write(b'x' * 2_000_000)",
                          max_file_bytes=1_000_000)
    assert status == "error" and "File too large" in printed


def test_files_handed_in_never_run_before_the_limits(tmp_path: Path) -> None:
    """A json.py or resource.py beside the notebook is not what the launcher imports: the
    kernel still gets its limits (and, grading as root, its own unprivileged user)."""
    for module in ("json", "resource", "runpy"):
        (tmp_path / f"{module}.py").write_text(
            "import os\nopen('/tmp/planted-ran', 'w').write('yes')\n")
    status, printed = run(tmp_path, (
        "import os, resource\n"
        "print('PLANTED' if os.path.exists('/tmp/planted-ran') else 'CLEAN',\n"
        "      os.getuid(), resource.getrlimit(resource.RLIMIT_FSIZE)[0])"),
        max_file_bytes=1_000_000)
    assert status == "ok", printed
    verdict, uid, file_limit = printed.split()
    assert verdict == "CLEAN" and int(file_limit) == 1_000_000
    assert os.getuid() != 0 or int(uid) != 0
