"""Trainee content is inert: the sanitising preprocessor, filter and page policies (fast).

The browser proves it end to end (tests/browser/test_inert_content.py); these pin each kind
of payload to what becomes of it.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from course.nbgrader_plugins.pages.inert_content import (
    InertTraineeContent,
    clean_html,
    inert_markdown,
    safe_markdown2html,
    with_csp,
)
from course.nbgrader_plugins.pages.page_policy import policy_for

HTML_PAYLOADS = [
    "<script>fetch('//x')</script>",
    "<img src=x onerror=\"fetch('//x')\">",
    "<a href=\"javascript:fetch('//x')\">a</a>",
    "<a href=\"JaVaScRiPt:fetch('//x')\">a</a>",
    "<iframe src=\"//x\"></iframe>",
    "<form action=\"//x\"><button>go</button></form>",
    "<svg><script>fetch('//x')</script></svg>",
    "<svg onload=\"fetch('//x')\"></svg>",
    "<object data=\"//x\"></object>",
    "<img src=\"http://127.0.0.1:9/pixel\">",
    "<a href=\"data:text/html,<script>fetch('//x')</script>\">d</a>",
    "<style>@import url(//x)</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=fetch('//x')>",
]


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_html_loses_everything_executable_or_remote(payload: str) -> None:
    clean = clean_html(payload).lower()
    for word in ("<script", "onerror", "onload", "javascript:", "<iframe", "<form", "<svg",
                 "<object", "http://127", "data:text", "<style"):
        assert word not in clean, (payload, clean)


@pytest.mark.parametrize("markdown", [
    "[x](javascript:fetch('//x'))",
    "[x](jav&#97;script:fetch('//x'))",
    "[x][r]\n\n[r]: javascript:fetch('//x')",
    "<javascript:fetch('//x')>",
    "<img src=x onerror=fetch('//x')>",
    "![i](javascript:fetch('//x'))",
])
def test_markdown_renders_without_scripts_in_the_notebook_and_on_pages(markdown: str) -> None:
    for html in (safe_markdown2html(markdown), safe_markdown2html(inert_markdown(markdown))):
        assert not re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", html, re.I), html
        assert not re.search(r"<[^>]*\son\w+\s*=", html), html  # no tag with a handler


def test_the_preprocessor_keeps_safe_outputs_and_drops_the_rest() -> None:
    nb = new_notebook(cells=[
        new_code_cell("x", outputs=[
            new_output("display_data", data={
                "application/javascript": "fetch('//x')", "text/plain": "<JS>"}),
            new_output("display_data", data={"text/html": "<b>ok</b><script>1</script>",
                                             "image/svg+xml": "<svg onload=1/>"}),
            new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
            new_output("stream", text="<script>stays text</script>"),
        ]),
        new_markdown_cell("answer <script>fetch('//x')</script>"),
        new_raw_cell("<script>fetch('//x')</script>", metadata={"format": "text/html"}),
    ])
    nb.metadata["widgets"] = {"state": {"html": "<script>1</script>"}}
    resources = {"first_name": "<img src=x onerror=1>", "student": "eve"}
    nb, resources = InertTraineeContent().preprocess(nb, resources)
    outputs = nb.cells[0].outputs
    assert outputs[0].data == {"text/plain": "<JS>"}
    assert outputs[1].data == {"text/html": "<b>ok</b>"}
    assert outputs[2].data == {"image/png": "iVBORw0KGgo="}
    assert outputs[3].text == "<script>stays text</script>"  # nbconvert escapes streams
    assert "<script" not in nb.cells[1].source and "&lt;script>" in nb.cells[1].source
    assert "format" not in nb.cells[2].metadata and "<script" not in nb.cells[2].source
    assert "widgets" not in nb.metadata
    assert resources["first_name"] == "&lt;img src=x onerror=1&gt;"
    nbformat.validate(nb)


def test_feedback_pages_allow_no_script_and_no_request() -> None:
    page = ("<html><head><script src=\"https://cdn/x.js\"> </script></head>"
            "<body>hi</body></html>")
    secured = with_csp(page)
    assert secured.index("Content-Security-Policy") < secured.index("<body")
    assert "default-src 'none'" in secured and "https://cdn" not in secured
    assert with_csp(secured) == secured


def test_formgrader_policy_allows_only_the_templates_inline_scripts() -> None:
    page = (b"<head><script>var a = 1;</script></head><body><span onclick=\"t(1);\"></span>"
            b"<div class=\"x\" id=\"notebook\"><script>evil()</script>"
            b"<img onerror=\"evil()\"></div></body>")
    policy = policy_for(page)
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert script_src.count("'sha256-") == 2  # the head script and the template's handler
    assert "connect-src 'self'" in policy and "img-src 'self' data:" in policy
