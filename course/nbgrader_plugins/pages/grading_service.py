"""The graders' service on a class server: the Formgrader, and nothing of the course account's.

The shared Formgrader runs as the course account, which owns the salt, the gradebook's
address, ``nbgrader_config.py`` and ``source/``. A plain single-user server there would hand
every grader a terminal, kernels and the file browser as that account. This Jupyter server
extension and the two classes below (named in ``deploy/hub/jupyter/course``) leave only the
Formgrader's own pages and API:

* ``NoFiles``: the contents API (file browser, ``/files``, ``/view``, ``/nbconvert``) refuses
  every read and write, so no grader reads the salt or edits the configuration;
* ``NoKernels``: the server starts no kernel (autograding starts its own sandboxed kernels
  through nbgrader, never through the server's kernel manager);
* terminals are off (``ServerApp.terminals_enabled``) and JupyterLab and nbgrader's
  assignment, course-list and validate extensions are not loaded (validating runs a
  notebook's code as the server's account, outside the sandbox);
* this extension sends JupyterLab's and the classic tree's addresses (the graders' course
  list links to ``lab?formgrader=true``) to the Formgrader; the Manage Assignments page's
  file links (an assignment's name: ``tree/.../source/<a>``, its *Preview* icon:
  ``tree/.../release/<a>``, sent here by the hub, deploy/hub/cryocourse_hub.py) open the
  assignment's submissions and a read-only preview of its student version.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.files.handlers import FilesHandler
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import default

REFUSED_FILES = ("The grading service shows the Formgrader only: the course account's files "
                 "are not open to graders.")
REFUSED_KERNELS = "The grading service runs no code: grading starts its own sandboxed kernels."


class NoFiles(AsyncLargeFileManager):
    """A contents manager that opens, lists and writes nothing (and says nothing exists)."""

    @default("files_handler_class")
    def _files_through_this_manager(self) -> type:
        return FilesHandler  # /files/ asks get() (refused), never serves the folder itself

    @default("files_handler_params")
    def _file_params(self) -> dict:
        return {"path": self.root_dir}  # required by its base class; never read from

    # Sync on purpose: the server awaits it through ensure_async, and a plain False can never
    # be mistaken for a (truthy) coroutine by a caller that forgets to await.
    def file_exists(self, path: str = "") -> bool:  # type: ignore[override]
        return False

    def dir_exists(self, path: str) -> bool:
        return path.strip("/") == ""  # the server's own root, which it checks at start-up

    async def get(self, path: str, content: bool = True, type: str | None = None,  # noqa: A002
                  format: str | None = None, require_hash: bool = False,  # noqa: A002
                  **kwargs: Any) -> Any:
        raise web.HTTPError(403, REFUSED_FILES)

    async def save(self, model: dict, path: str = "") -> Any:
        raise web.HTTPError(403, REFUSED_FILES)

    async def delete_file(self, path: str) -> None:
        raise web.HTTPError(403, REFUSED_FILES)

    async def rename_file(self, old_path: str, new_path: str) -> None:
        raise web.HTTPError(403, REFUSED_FILES)

    async def new(self, model: dict | None = None, path: str = "") -> Any:
        raise web.HTTPError(403, REFUSED_FILES)

    async def new_untitled(self, path: str = "", type: str = "", ext: str = "") -> Any:  # noqa: A002
        raise web.HTTPError(403, REFUSED_FILES)

    async def copy(self, from_path: str, to_path: str | None = None) -> Any:
        raise web.HTTPError(403, REFUSED_FILES)

    async def create_checkpoint(self, path: str) -> Any:
        raise web.HTTPError(403, REFUSED_FILES)

    async def restore_checkpoint(self, checkpoint_id: str, path: str) -> None:
        raise web.HTTPError(403, REFUSED_FILES)


class NoKernels(AsyncMappingKernelManager):
    """A kernel manager that starts no kernel."""

    # jupyter_client's AsyncMultiKernelManager binds an async start_kernel, but mypy sees the
    # sync signature of its MultiKernelManager base.
    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        raise web.HTTPError(403, REFUSED_KERNELS)


ASSIGNMENT_LINK = re.compile(r"(?:.*/)?(source|release)/([A-Za-z0-9][A-Za-z0-9_.-]*)/?")


def link_target(base: str, path: str) -> str:
    """Where a Formgrader file link (``tree/<path>``) leads in the grading service: an
    assignment's source folder to its submissions, its release folder to the preview."""
    match = ASSIGNMENT_LINK.fullmatch(path or "")
    if match is None:
        return f"{base}formgrader"
    kind, assignment = match.groups()
    quoted = urllib.parse.quote(assignment)
    if kind == "source":
        return f"{base}formgrader/manage_submissions/{quoted}"
    return f"{base}formgrader-preview/{quoted}"


class _ToFormgrader(JupyterHandler):
    @web.authenticated
    def get(self, path: str | None = None) -> None:
        self.redirect(link_target(self.base_url, (path or "").lstrip("/")))


class _Preview(JupyterHandler):
    """The student version of an assignment (``release/<a>``) as a page: what trainees get,
    read-only, without code to run (graders cannot open the course account's files)."""

    @web.authenticated
    def get(self, assignment: str) -> None:
        from nbconvert import HTMLExporter

        root = Path(self.contents_manager.root_dir).resolve()
        folder = (root / "release" / assignment).resolve()
        if folder.parent != root / "release" or not folder.is_dir():
            raise web.HTTPError(404, f"{assignment} has no student version yet: press "
                                     "Generate first.")
        exporter = HTMLExporter(template_name="basic")
        parts = []
        for notebook in sorted(folder.glob("*.ipynb")):
            body, _ = exporter.from_filename(str(notebook))
            parts.append(f"<h2>{html.escape(notebook.name)}</h2>{body}")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.write(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
                   f"Preview: {html.escape(assignment)}</title></head><body><p><a href="
                   f'"{self.base_url}formgrader/manage_assignments">Back to Manage '
                   f"Assignments</a></p><h1>Student version of {html.escape(assignment)}"
                   f'</h1><div id="notebook">{"".join(parts) or "<p>No notebook.</p>"}'
                   "</div></body></html>")


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.nbgrader_plugins.pages.grading_service"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Send JupyterLab's and the tree's addresses to the Formgrader."""
    base = server_app.web_app.settings["base_url"]
    server_app.web_app.add_handlers(".*$", [
        (rf"{base}tree/(.*)", _ToFormgrader),
        (rf"{base}(?:lab|tree)(/.*)?", _ToFormgrader),
        (rf"{base}formgrader-preview/([A-Za-z0-9][A-Za-z0-9_.-]*)/?", _Preview),
    ])
