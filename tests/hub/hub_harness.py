"""A real JupyterHub for tests: system accounts, the course's hub config, 127.0.0.1 only.

The hub runs as root (it starts each user's server as that user, like on a class server),
with the configuration ``bash setup.sh hub`` installs (deploy/hub/jupyterhub_config.py).
Everything the test starts is stopped by the test: the hub (which stops the servers and
the Formgrader service it started), then any process still running as a test account
(found by uid in /proc, killed by pid), then the accounts are deleted.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.hub.postgres_harness import free_port

REPO = Path(__file__).resolve().parents[2]
HUB_CONFIG = REPO / "deploy" / "hub" / "jupyterhub_config.py"
PROXY = REPO / ".hub-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
VENV = REPO / ".hub-tools" / "venv"  # made by setup.sh test from Debian's Python


def require_class_server_tools() -> None:
    """Skip (with the reason) where a class server cannot run: not root, no proxy."""
    if os.geteuid() != 0:
        pytest.skip("the class-server test runs servers as separate accounts: needs root")
    if not PROXY.exists() or not (VENV / "bin" / "jupyterhub").exists():
        pytest.skip("configurable-http-proxy or .hub-tools/venv is missing (bash setup.sh "
                    "test installs them)")
    if shutil.which("useradd") is None:
        pytest.skip("useradd is missing")


@contextmanager
def system_accounts(names: list[str], home_root: Path) -> Iterator[dict[str, pwd.struct_passwd]]:
    """Create system accounts with private homes; afterwards stop their processes, delete them."""
    made: list[str] = []
    try:
        for name in names:
            subprocess.run(["useradd", "--create-home", "--home-dir", str(home_root / name),
                            "--shell", "/bin/sh", "--user-group", name], check=True,
                           capture_output=True, timeout=30)
            made.append(name)
            os.chmod(home_root / name, 0o700)
        yield {name: pwd.getpwnam(name) for name in names}
    finally:
        uids = set()
        for name in made:
            with suppress(KeyError):
                uids.add(pwd.getpwnam(name).pw_uid)
        stop_processes_of(uids)
        remove_temporary_files_of(uids)
        remove_server_cgroups_of(made)
        for name in made:
            subprocess.run(["userdel", name], capture_output=True, timeout=30)
            subprocess.run(["groupdel", name], capture_output=True, timeout=30)


def stop_processes_of(uids: set[int]) -> None:
    """SIGKILL every process whose real uid is one of ``uids`` (test accounts only)."""
    for _ in range(3):
        pids = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()
                and _uid_of(int(entry)) in uids]
        if not pids:
            return
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def remove_temporary_files_of(uids: set[int]) -> None:
    """Delete what the test accounts left directly in /tmp (e.g. matplotlib's cache)."""
    for entry in Path("/tmp").iterdir():
        with suppress(OSError):
            if entry.lstat().st_uid in uids:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else \
                    entry.unlink()


def remove_server_cgroups_of(names: list[str]) -> None:
    """Remove the (empty) control groups the hub made for these users' servers."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, own = line.split(":", 2)
        folder = Path("/sys/fs/cgroup") / (controllers.split(",")[0].removeprefix("name=")
                                            if controllers else "")
        for name in names:
            with suppress(OSError):
                (folder / own.lstrip("/") / f"cryocourse-{name}").rmdir()


def _uid_of(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


@dataclass
class Response:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Hub:
    """A running hub: its URL and an admin service token (the REST API as a class script)."""

    url: str
    admin_token: str
    process: subprocess.Popen
    log: Path
    started_in: float = 0.0
    tokens: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, token: str | None = None, body=None,
                form: dict | None = None, timeout: float = 60) -> Response:
        """One HTTP request to the hub's proxy (``path`` starts with /); errors are returned."""
        headers = {"Authorization": f"token {token or self.admin_token}"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read())

    def api(self, method: str, path: str, body=None, token: str | None = None):
        """The hub's REST API (``/hub/api`` + path); fails the test on an error status."""
        answer = self.request(method, "/hub/api" + path, token=token, body=body)
        assert answer.status < 400, (method, path, answer.status, answer.body[:500],
                                     self.log_tail())
        return answer.json()

    def token_for(self, user: str) -> str:
        """An API token of ``user`` (made by the admin service, cached)."""
        if user not in self.tokens:
            self.tokens[user] = self.api("POST", f"/users/{user}/tokens",
                                         {"note": "class test", "expires_in": 3600})["token"]
        return self.tokens[user]

    def start_servers(self, users: list[str], timeout: float = 120) -> float:
        """Start these users' servers at once; seconds until all of them answer."""
        began = time.monotonic()
        for user in users:
            answer = self.request("POST", f"/hub/api/users/{user}/server")
            assert answer.status in (201, 202), (user, answer.status, answer.body[:300],
                                                  self.log_tail())
        waiting = set(users)
        while waiting and time.monotonic() - began < timeout:
            for user in list(waiting):
                model = self.api("GET", f"/users/{user}")
                if model["servers"].get("", {}).get("ready"):
                    waiting.discard(user)
            time.sleep(0.25)
        assert not waiting, (f"servers not ready after {timeout} s: {sorted(waiting)}",
                             self.log_tail())
        return time.monotonic() - began

    def log_in(self, user: str, password: str) -> bool:
        """Log in through the hub's log-in form, as a browser does; whether it worked."""
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        browser.open(self.url + "/hub/login", timeout=30).read()
        xsrf = next((cookie.value for cookie in jar if cookie.name == "_xsrf"), "")
        form = urllib.parse.urlencode({"username": user, "password": password,
                                       "_xsrf": xsrf}).encode()
        try:
            browser.open(self.url + "/hub/login?next=/hub/home", data=form, timeout=30).read()
        except urllib.error.HTTPError:
            return False
        return any(cookie.name.startswith("jupyterhub-session") or
                   cookie.name == "jupyterhub-hub-login" for cookie in jar)

    def log_tail(self, characters: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


SLOW_SERVICE = "Cannot connect to"  # JupyterHub gives a managed service a fixed ~10 s


@contextmanager
def running_hub(folder: Path, settings: dict[str, str], timeout: float = 90) -> Iterator[Hub]:
    """Start JupyterHub with the course's config; stop it (and what it started) afterwards.

    On a machine so busy that the Formgrader service misses JupyterHub's fixed start-up
    budget, the hub stops at once; it is started a second time (the service's files are
    warm in the page cache by then).
    """
    for attempt in (1, 2):
        try:
            with _running_hub(folder / f"try{attempt}", settings, timeout) as hub:
                yield hub
                return
        except HubExited as exited:
            if attempt == 2 or SLOW_SERVICE not in exited.log:
                raise AssertionError(f"the hub stopped:\n{exited.log}") from None


class HubExited(Exception):
    """The hub process ended while starting."""

    def __init__(self, log: str) -> None:
        super().__init__("the hub stopped")
        self.log = log


@contextmanager
def _running_hub(folder: Path, settings: dict[str, str], timeout: float) -> Iterator[Hub]:
    port = free_port()
    token = secrets.token_hex(24)
    state = folder / "hub-state"
    state.mkdir(mode=0o700, parents=True)
    env = {
        "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(state),
        "LANG": "C.UTF-8",
        "CRYOCOURSE_HUB_PORT": str(port),
        "CRYOCOURSE_HUB_INTERNAL_PORT": str(free_port()),
        "CRYOCOURSE_PROXY_API_PORT": str(free_port()),
        "CRYOCOURSE_FORMGRADER_PORT": str(free_port()),
        "CRYOCOURSE_HUB_STATE": str(state),
        "CRYOCOURSE_VENV": str(VENV),
        "CRYOCOURSE_PROXY_COMMAND": str(PROXY),
        "CRYOCOURSE_ADMIN_API_TOKEN": token,
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24),
        **settings,
    }
    log = folder / "hub.log"
    began = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", str(HUB_CONFIG)],
                                   cwd=state, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{port}", token, process, log)
    try:
        while time.monotonic() - began < timeout:
            if process.poll() is not None:
                raise HubExited(hub.log_tail())
            try:
                if hub.request("GET", "/hub/api/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(f"the hub did not answer in {timeout} s:\n{hub.log_tail()}")
        hub.started_in = time.monotonic() - began
        yield hub
    finally:
        stop_hub(process, state / "jupyterhub-proxy.pid")


def stop_hub(process: subprocess.Popen, proxy_pid_file: Path) -> None:
    """SIGTERM (the hub stops its servers, services and proxy), then SIGKILL what is left.

    The proxy runs in its own session; a hub that died early leaves it running, so it is
    stopped by the pid the hub recorded.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the proxy and anything left in its group
    process.wait(timeout=10)
    with suppress(OSError, ValueError):
        pid = int(proxy_pid_file.read_text())
        if b"configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)
