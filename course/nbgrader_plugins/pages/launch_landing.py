"""Where an LMS launch lands a trainee: ``/cryocourse/open/<assignment>`` on their own
server (a Jupyter server extension).

The hub knows which assignment an LMS activity opens (from the launch's signed claims) but
not what is in the trainee's folder, which may be on another machine or in a pod's volume
(Kubernetes). So it sends the trainee to this page of their own server, which looks in the
server's own folder: the assignment's notebook once fetched, its folder if the notebook is
not there, else JupyterLab (whose Assignments tab fetches it). Any other name lands in
JupyterLab; nothing outside the server's folder is looked at.

Enabled for trainees' servers only, by their settings
(``deploy/hub/jupyter/trainee/jupyter_server_config.json``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

ASSIGNMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")  # as the hub's launch hook
ROUTE = "/cryocourse/open"


def landing(root: Path, assignment: str) -> str:
    """The path under the server's ``lab`` URL where ``assignment`` opens ("" = JupyterLab)."""
    if not ASSIGNMENT_ID.fullmatch(assignment) or ".." in assignment:
        return ""
    folder = root / assignment
    if not folder.is_dir() or folder.is_symlink():
        return ""
    notebooks = sorted(p.name for p in folder.glob("*.ipynb") if p.is_file())
    preferred = f"{assignment}.ipynb"
    notebook = preferred if preferred in notebooks else (notebooks[0] if notebooks else "")
    return f"tree/{quote(assignment)}" + (f"/{quote(notebook)}" if notebook else "")


def _handler_class() -> type:
    from jupyter_server.base.handlers import JupyterHandler
    from tornado import web

    class LandingHandler(JupyterHandler):
        @web.authenticated
        def get(self, assignment: str) -> None:
            root = Path(self.settings["server_root_dir"]).expanduser()
            where = landing(root, assignment)
            self.redirect(f"{self.base_url}lab" + (f"/{where}" if where else ""))

    return LandingHandler


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.nbgrader_plugins.pages.launch_landing"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from jupyter_server.utils import url_path_join

    base = server_app.web_app.settings["base_url"]
    server_app.web_app.add_handlers(".*$", [
        (url_path_join(base, ROUTE, r"([^/]+)"), _handler_class())])
    server_app.log.info("cryocourse: LMS launches land on their assignment (%s)", ROUTE)
