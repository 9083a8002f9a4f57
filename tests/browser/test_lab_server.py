"""The README's `bash setup.sh lab` serves the course: extensions enabled, server answering."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.nbgrader_harness import REPO, tool_env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lab_extensions_for_nbgrader_and_widgets_are_enabled():
    result = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension",
                             "list"], capture_output=True, text=True, env=tool_env())
    listing = result.stdout + result.stderr
    for extension in ("@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager"):
        line = next((ln for ln in listing.splitlines() if extension in ln), "")
        assert "enabled" in line and "OK" in line, listing


@pytest.fixture
def lab_server():
    port, token = _free_port(), "cryocourse-test-token"
    env = tool_env() | {"PORT": str(port), "JUPYTER_TOKEN": token, "NO_BROWSER": "1"}
    process = subprocess.Popen(["bash", str(REPO / "setup.sh"), "lab"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    yield process, f"http://127.0.0.1:{port}", token
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_setup_lab_serves_the_course_on_localhost(lab_server):
    process, base, token = lab_server
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline and process.poll() is None:
        try:
            status = _get(f"{base}/api/status", token)
            break
        except OSError:
            time.sleep(0.5)
    assert status is not None, process.stdout.read() if process.poll() is not None else "timeout"
    assert "started" in status
    # the trainee's JupyterLab serves my-work/ (their copy), not the course with source/
    contents = _get(f"{base}/api/contents/00-orientation", token)
    assert any(item["name"] == "00-orientation.ipynb" for item in contents["content"])
    top = {item["name"] for item in _get(f"{base}/api/contents", token)["content"]}
    assert "source" not in top and "00-orientation" in top
    # the Assignments tab lists each lesson as downloaded in my-work/: Submit hands it in
    listing = _get(f"{base}/assignments?course_id=cosmetic-cryotherapy", token)
    assert listing["success"], listing
    lesson = next(a for a in listing["value"] if a["assignment_id"] == "00-orientation")
    assert lesson["status"] == "fetched" and lesson["path"] == "00-orientation", lesson
