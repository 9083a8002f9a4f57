"""Supervised windows on the class server: the spawner's choice and the supervisor service.

One machine only (it needs the course package; the hub imports it already for the variant
keys). Two parts:

* ``supervised_start(spawner, settings)``: called by the spawner before every start. While
  the trainee's supervised window is open (``course.storage.supervision``) the server is
  started in its supervised form (``course.sandbox.supervised_session``): bubblewrap, the
  trainee's kit as the ``course`` package, a fresh work folder as home, no nbgrader tools,
  no terminal. Otherwise the ordinary server. The mode it started in is recorded for the
  supervisor.
* ``python cryocourse_supervised.py``: the hub's managed service ``cryocourse-supervisor``
  (root). Every few seconds: keeps each open window's time in the kits; stops a server that
  runs in the wrong mode (an ordinary one when a window opens, a supervised one when it
  closes), so the next start is the right one; at a window's end stops the supervised server
  and hands its work in as the trainee (once per end of the window; again if it failed).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cryocourse_hub import HubSettings  # noqa: E402 -- after the path above

from course.classroom.supervised_kit import kit_path, window_data  # noqa: E402
from course.sandbox import supervised_session  # noqa: E402
from course.storage import deadlines, supervision  # noqa: E402

SESSIONS = "sessions"  # <supervised dir>/sessions/<user>: the mode a server started in
CONFIG = HERE / "jupyter" / "supervised"


def _record_mode(settings: HubSettings, user: str, mode: str) -> None:
    folder = Path(settings.supervised_dir) / SESSIONS
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / user).write_text(mode + "\n")


def started_mode(settings: HubSettings, user: str) -> str:
    try:
        return (Path(settings.supervised_dir) / SESSIONS / user).read_text().strip()
    except OSError:
        return ""


def _mode_word(window) -> str:
    return f"supervised {window.assignment} {window.start.isoformat()}"


def supervised_start(spawner, settings: HubSettings) -> bool:
    """Set the spawner up for this start; whether it is a supervised one."""
    user = spawner.user.name
    if not hasattr(spawner, "_cryocourse_practice"):
        spawner._cryocourse_practice = (list(spawner.cmd), dict(spawner.environment))
    cmd, environment = spawner._cryocourse_practice
    book = deadlines.load(settings.course_dir)
    window = supervision.open_for(book, user, supervision.now_utc())
    if window is None:
        spawner.cmd, spawner.environment = list(cmd), dict(environment)
        _record_mode(settings, user, "practice")
        return False
    release = (Path(settings.course_dir) / "release" / window.assignment
               / f"{window.assignment}.ipynb")
    found = supervised_session.prepare(
        settings.supervised_dir, window.assignment, user,
        kit_path(settings.course_dir, window.assignment, user), release,
        window.start.isoformat(), window_data(window))
    home = spawner.user_env({})["HOME"]
    spawner.cmd = [*supervised_session.bwrap_command(found, home, CONFIG), *cmd]
    spawner.environment = {
        **{name: value for name, value in environment.items()
           if name != "CRYOCOURSE_VARIANT_KEY"},
        "JUPYTER_CONFIG_PATH": str(CONFIG),
        "CRYOCOURSE_SESSION": f"supervised:{window.assignment}",
    }
    spawner.interrupt_timeout = spawner.term_timeout = 1  # bwrap passes no signal on
    _record_mode(settings, user, _mode_word(window))
    spawner.log.info("%s: supervised session of %s until %s UTC", user, window.assignment,
                     window.end.isoformat(timespec="seconds"))
    return True


# --- the supervisor service ------------------------------------------------------------------


class HubAPI:
    """The hub's REST API with the service's own token (JupyterHub sets both variables)."""

    def __init__(self) -> None:
        self.url = os.environ["JUPYTERHUB_API_URL"].rstrip("/")
        self.token = os.environ["JUPYTERHUB_API_TOKEN"]

    def call(self, method: str, path: str) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = answer.read()
                return answer.status, json.loads(body) if body else {}
        except urllib.error.HTTPError as error:
            return error.code, {}

    def running(self, user: str) -> bool:
        """Whether the user's server exists (starting, running or stopping)."""
        status, model = self.call("GET", f"/users/{user}")
        return status == 200 and "" in (model.get("servers") or {})

    def ready(self, user: str) -> bool:
        """Whether the user's server has started (so it has recorded its mode)."""
        status, model = self.call("GET", f"/users/{user}")
        server = (model.get("servers") or {}).get("") if status == 200 else None
        return bool(server and server.get("ready"))

    def stop(self, user: str, wait: float = 60) -> None:
        self.call("DELETE", f"/users/{user}/server")
        deadline = time.monotonic() + wait
        while self.running(user) and time.monotonic() < deadline:
            time.sleep(0.5)


def tick(settings: HubSettings, api: HubAPI, log=print) -> None:
    """One round of the supervisor (see the module's docstring)."""
    book = deadlines.load(settings.course_dir)
    now = supervision.now_utc()
    for assignment in sorted(book.supervision):
        for window in supervision.windows(book, assignment):
            user, state = window.trainee, window.state(now)
            found = supervised_session.session(settings.supervised_dir, assignment, user)
            # The mode is read after the server is seen ready: a start under way records
            # its mode first.
            if state == supervision.OPEN:
                if found.kit.is_dir():
                    supervised_session.write_window(found, window_data(window))
                if api.ready(user) and started_mode(settings, user) != _mode_word(window):
                    log(f"{user}: window of {assignment} open; stopping the ordinary server")
                    api.stop(user)
            elif state == supervision.CLOSED:
                start, end = window.start.isoformat(), window.end.isoformat()
                if api.running(user) and started_mode(settings, user) == _mode_word(window):
                    log(f"{user}: window of {assignment} closed; stopping the session")
                    api.stop(user)
                # One hand-in per end of the window: extra time given after it (supervise
                # extend) re-opens the window, and its end is handed in again; a hand-in
                # that failed is not recorded, so the next round tries again.
                if found.started_for() == start and found.handed_in_for(start, end) is None:
                    record = supervised_session.hand_in(found, settings.exchange,
                                                        settings.course_id, start, end)
                    log(f"{user}: handed in {assignment}: {record}")


def main() -> None:
    settings = HubSettings.from_environ()
    api = HubAPI()
    interval = settings.supervisor_interval
    while True:
        try:
            tick(settings, api)
        except Exception as problem:  # noqa: BLE001 - one bad round must not end the service
            print(f"supervisor: {problem!r}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        time.sleep(interval)


if __name__ == "__main__":
    main()
