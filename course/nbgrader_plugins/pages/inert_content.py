"""Trainee content is inert wherever an instructor or a trainee views it.

A trainee controls their notebook's outputs (``display(HTML(...))``, ``Javascript(...)``),
their written (markdown) answers, raw cells, attachments and their name. Everything made
from it for people to look at is neutralised here:

* ``InertTraineeContent`` (a preprocessor, in the autograde pipeline, so the autograded
  notebook is clean, and on every ``HTMLExporter``, so Formgrader's submission page and the
  feedback HTML are too): output types other than plain text, sanitised HTML/markdown and
  raster images are dropped (``application/javascript``, SVG, LaTeX, widget state);
  HTML is cleaned with nh3 (a maintained sanitiser: no script, event handlers,
  ``javascript:`` URLs, iframes, forms or SVG); markdown loses raw HTML and unsafe link
  targets; raw cells are shown as text; names in the page's resources are escaped.
* ``safe_markdown2html`` (``HTMLExporter.filters``): markdown rendered by nbconvert, then
  cleaned with nh3, so a ``[link](javascript:...)`` never reaches a page.
* ``add_feedback_csp`` (``GenerateFeedback.post_convert_hook``): every feedback page gets a
  Content-Security-Policy that allows no script and no request at all.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import nh3
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

KEPT_OUTPUT_TYPES = ("text/plain", "text/html", "text/markdown", "image/png", "image/jpeg",
                     "image/gif", "application/json",
                     "application/vnd.jupyter.widget-view+json")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
SAFE_SCHEMES = {"http", "https", "mailto"}
NAME_KEYS = ("first_name", "last_name", "student")

# No script, no plugin, no request anywhere: the page is self-contained.
FEEDBACK_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "font-src 'self' data:; base-uri 'none'; form-action 'none'")
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=[^>]*>\s*</script>", re.I)
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}">'

_LINK_TARGET = re.compile(r"(\]\(\s*<?|^\s{0,3}\[[^\]\n]+\]:\s*<?)([^)\s>]*)", re.M)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)


def _no_remote_images(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the page itself (a remote image is a request to elsewhere); data
    URLs only as images."""
    image = tag == "img" and attribute == "src"
    if image and not value.startswith("data:image/"):
        return None
    if not image and value.strip().lower().startswith("data:"):
        return None
    return value


def clean_html(text: str) -> str:
    """HTML with nothing executable left (nh3's defaults: no script, handlers, forms...)."""
    return nh3.clean(text, url_schemes=SAFE_SCHEMES | {"data"},
                     link_rel="noopener noreferrer nofollow",
                     attribute_filter=_no_remote_images)


def _safe_target(target: str) -> bool:
    plain = re.sub(r"[\x00-\x20]", "", html.unescape(target))
    scheme = _SCHEME.match(plain)
    return scheme is None or scheme.group(1).lower() in SAFE_SCHEMES


def inert_markdown(text: str) -> str:
    """Markdown that renders as the same prose but holds no HTML and no unsafe links."""
    text = text.replace("<", "&lt;")
    return _LINK_TARGET.sub(
        lambda m: m.group(0) if _safe_target(m.group(2)) else f"{m.group(1)}#unsafe-link", text)


def safe_markdown2html(source: str) -> str:
    """nbconvert's markdown rendering, cleaned with nh3 (the ``markdown2html`` filter)."""
    return clean_html(markdown2html_mistune(source))


def _inert_data(data: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for kind, value in data.items():
        if kind not in KEPT_OUTPUT_TYPES:
            continue
        if kind in IMAGE_TYPES or kind.startswith("application/"):
            kept[kind] = value
        elif isinstance(value, str | list):
            text = value if isinstance(value, str) else "".join(map(str, value))
            kept[kind] = {"text/html": clean_html, "text/markdown": inert_markdown}.get(
                kind, str)(text)
    if not kept:
        kept["text/plain"] = "(an output that cannot be shown safely was removed)"
    return kept


def _inert_output(output: NotebookNode) -> NotebookNode:
    if output.get("output_type") in ("display_data", "execute_result"):
        output["data"] = _inert_data(dict(output.get("data", {})))
        metadata = output.get("metadata", {})
        output["metadata"] = {k: v for k, v in metadata.items() if k in IMAGE_TYPES}
    return output


class InertTraineeContent(Preprocessor):
    """Neutralise everything a trainee could make a viewer's browser run."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = inert_markdown(cell.source)
            elif cell.cell_type == "raw":
                cell.metadata.pop("format", None)
                cell.metadata.pop("raw_mimetype", None)
                cell.source = html.escape(cell.source)
            elif cell.cell_type == "code":
                cell.outputs = [_inert_output(o) for o in cell.get("outputs", [])]
            if "attachments" in cell:
                cell.attachments = {name: {k: v for k, v in files.items() if k in IMAGE_TYPES}
                                    for name, files in cell.attachments.items()}
        for key in NAME_KEYS:
            if isinstance(resources.get(key), str):
                resources[key] = html.escape(resources[key])
        return nb, resources


def with_csp(page: str) -> str:
    """An HTML page with the feedback Content-Security-Policy first in its head, and without
    the template's script tags (MathJax from a CDN), which the policy would refuse anyway."""
    if _CSP_META in page:
        return page
    page = _REMOTE_SCRIPT.sub("", page)
    head = re.search(r"<head[^>]*>", page, re.I)
    at = head.end() if head else 0
    return f"{page[:at]}\n{_CSP_META}\n{page[at:]}"


def add_feedback_csp(assignment: str = "", student: str = "",
                     notebooks: list[str] | None = None, **_: Any) -> None:
    """nbgrader's post-convert hook of GenerateFeedback: CSP on the pages just written."""
    for notebook in notebooks or []:
        path = Path(os.path.abspath(notebook))
        if len(path.parents) < 4:
            continue
        root, trainee, assignment_id = path.parents[3], path.parents[1].name, path.parent.name
        page = root / "feedback" / trainee / assignment_id / f"{path.stem}.html"
        if page.is_file() and not page.is_symlink():
            page.write_text(with_csp(page.read_text(encoding="utf-8")), encoding="utf-8")
