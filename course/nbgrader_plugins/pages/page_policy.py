"""A strict Content-Security-Policy on Formgrader's pages (a Jupyter server extension).

Formgrader shows a trainee's notebook on the Jupyter server's own origin, with the
instructor's session. The notebook is sanitised before it is shown
(``course.nbgrader_plugins.pages.inert_content``); this policy is the second wall: the page may run
only
Formgrader's own scripts (files from this server, and the inline scripts of nbgrader's page
template, allowed one by one by their hash), may connect only to this server, and loads
no plugin, frame or image from elsewhere. So a script that slipped past the sanitiser would
not run, and could not send anything out if it did.

Enabled like any Jupyter server extension, by
``jupyter-config/jupyter_server_config.d/cryocourse.json`` (installed into the environment's
``etc/jupyter`` by ``setup.sh``); it uses tornado's public ``OutputTransform`` hook.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from tornado.web import OutputTransform

MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/"
TRAINEE_CONTENT = re.compile(rb'<div[^>]*id="notebook"', re.I)
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.I | re.S)
INLINE_HANDLER = re.compile(rb"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _hash(code: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'"


def policy_for(page: bytes) -> str:
    """The policy for one Formgrader page: its template's inline scripts, nothing else.

    Only inline scripts and event handlers before the trainee's notebook
    (``<div id="notebook">``) are allowed, by hash: nbgrader's template's own, never one
    inside the notebook.
    """
    trusted = page[:match.start()] if (match := TRAINEE_CONTENT.search(page)) else page
    hashes = [_hash(code) for attributes, code in INLINE_SCRIPT.findall(trusted)
              if b"x-mathjax-config" not in attributes]
    handlers = sorted({_hash(double or single) for double, single
                       in INLINE_HANDLER.findall(trusted)})
    scripts = " ".join(["'self'", MATHJAX, *hashes, "'unsafe-hashes'", *handlers])
    return ("default-src 'self'; "
            f"script-src {scripts}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'self'")


class FormgraderPolicy(OutputTransform):
    """Adds the policy to every HTML page under ``/formgrader``."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.applies = "/formgrader" in request.path

    def transform_first_chunk(self, status_code: int, headers: Any, chunk: bytes,
                              finishing: bool) -> tuple[int, Any, bytes]:
        if self.applies and headers.get("Content-Type", "").startswith("text/html"):
            headers["Content-Security-Policy"] = policy_for(chunk)
        return status_code, headers, chunk


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.nbgrader_plugins.pages.page_policy"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from course.nbgrader_plugins.pages.formgrader_style import FormgraderStyle

    server_app.web_app.add_transform(FormgraderStyle)  # the table fits (formgrader_style.py)
    server_app.web_app.add_transform(FormgraderPolicy)
    server_app.log.info("cryocourse: strict Content-Security-Policy on Formgrader pages")
