"""The course's style sheet on the Formgrader's pages (tornado's public ``OutputTransform``).

nbgrader's Manage Assignments table has eleven columns in Bootstrap's default padding; on a
1400-pixel window once assignments are released, at 150 % zoom or in a narrower tab it is
wider than its column and its right-hand columns (Generate and Release Feedback) are cut
off. The sheet gives its cells less padding and lets headings wrap, and a table that is
still too wide scrolls inside its own column instead of past the page's edge.
Loaded with the course's Content-Security-Policy (page_policy.py), which allows styles.
"""

from __future__ import annotations

from typing import Any

from tornado.web import OutputTransform

FORMGRADER_CSS = b"""<style id="cryocourse-formgrader-style">
.col-md-10 { overflow-x: auto; }
.col-md-10 .table > thead > tr > th, .col-md-10 .table > tbody > tr > td,
.col-md-10 .table > tfoot > tr > td { padding-left: 4px; padding-right: 4px; }
.col-md-10 table.dataTable thead > tr > th.sorting,
.col-md-10 table.dataTable thead > tr > th.sorting_asc,
.col-md-10 table.dataTable thead > tr > th.sorting_desc { padding-right: 20px; }
.col-md-10 .table > thead > tr > th { white-space: normal; }
</style>"""


def with_style(page: bytes) -> bytes:
    """The page with the course's sheet at the end of its head (unchanged without one)."""
    head_end = page.find(b"</head>")
    if head_end < 0 or b"cryocourse-formgrader-style" in page:
        return page
    return page[:head_end] + FORMGRADER_CSS + page[head_end:]


class FormgraderStyle(OutputTransform):
    """Adds FORMGRADER_CSS to every HTML page under ``/formgrader``."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.applies = "/formgrader/" in request.path

    def transform_first_chunk(self, status_code: int, headers: Any, chunk: bytes,
                              finishing: bool) -> tuple[int, Any, bytes]:
        if self.applies and finishing and \
                headers.get("Content-Type", "").startswith("text/html"):
            chunk = with_style(chunk)
            if "Content-Length" in headers:
                headers["Content-Length"] = str(len(chunk))
        return status_code, headers, chunk
