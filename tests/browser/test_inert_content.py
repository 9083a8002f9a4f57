"""Trainee content is inert in the instructor's Formgrader and in the trainee's feedback.

A trainee ("eve") submits lesson 00 with script in code outputs (``HTML`` with an
``onerror`` image, ``<script>``, ``Javascript``, a ``javascript:`` link, an iframe, a form,
SVG with script, markdown with a script link, a remote image), in a written answer, and
in their name. The submission is autograded by real nbgrader with the course
configuration, then opened in Chromium on Formgrader's submission page and as feedback.
Every payload would ask a canary server on 127.0.0.1 for a page: none of those requests
arrives, nothing the trainee wrote runs, and what they typed shows as text.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nbformat
import pytest
from nbgrader.api import Gradebook

from course.questions.reader import plain_name
from tests.browser.conftest import Scenario, expect, free_port
from tests.nbgrader_harness import Course, answer_cell_ids

pytestmark = pytest.mark.browser

ORIENTATION = "00-orientation"
NOTEBOOK = f"{ORIENTATION}.ipynb"
STUDENT = "eve"
NAME_PAYLOAD = '<img src=x onerror="window.top.__pwned=1;fetch(\'{canary}name\')">'
HANDLERS = ("onerror", "onload", "onclick", "onmouseover", "onfocus")


class Canary:
    """A tiny HTTP server that records every request it gets (none should arrive)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    server = Canary()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _output_payloads(canary: str) -> str:
    return "\n".join([
        "from IPython.display import HTML, SVG, Javascript, Markdown, display",
        f"C = {canary!r}",
        "display(HTML(f'<img src=x onerror=\"window.top.__pwned=1;fetch(`{C}html-onerror`)\">"
        "'))",
        "display(HTML(f'<script>window.top.__pwned=1;fetch(\"{C}html-script\")</script>'))",
        "display(Javascript(f'window.top.__pwned=1;fetch(\"{C}javascript\")'))",
        "display(HTML(f'<a id=\"jslink\" href=\"javascript:fetch(`{C}js-url`)\">link</a>"
        "<iframe src=\"{C}iframe\"></iframe><form action=\"{C}form\"><button id=\"go\">go"
        "</button></form><img src=\"{C}pixel\">'))",
        "display(SVG(f'<svg xmlns=\"http://www.w3.org/2000/svg\"><script>"
        "fetch(\"{C}svg\")</script></svg>'))",
        "display(Markdown(f'[md](javascript:fetch(`{C}md-link`)) "
        "<img src=x onerror=\"fetch(`{C}md-img`)\">'))",
        "print('outputs written')",
    ])


def _answer_payload(canary: str) -> str:
    return (f'My answer <img src=x onerror="window.top.__pwned=1;fetch(\'{canary}answer\')"> '
            f'<script>fetch("{canary}answer-script")</script> '
            f"[click](javascript:fetch('{canary}answer-link'))")


@pytest.fixture(scope="module")
def hostile_class(lab_server, canary: Canary) -> dict:
    course: Course = lab_server.course
    course.generate(ORIENTATION)
    nb = copy.deepcopy(course.release_notebook(ORIENTATION, NOTEBOOK))
    nb.cells.append(nbformat.v4.new_code_cell(_output_payloads(canary.url)))
    written = next(c for c in answer_cell_ids(nb).values() if c.cell_type == "markdown")
    written.source = _answer_payload(canary.url)
    course.submit(STUDENT, ORIENTATION, NOTEBOOK, nb)
    course.autograde(ORIENTATION, "--student", STUDENT)
    name = NAME_PAYLOAD.format(canary=canary.url)
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student(STUDENT, first_name=name, last_name=name)
        submission_id = gradebook.find_submission_notebook(ORIENTATION, ORIENTATION,
                                                           STUDENT).id
    course.nbgrader("generate_feedback", ORIENTATION, "--force", "--student", STUDENT)
    return {"course": course, "submission": submission_id, "name": name}


def _assert_inert(scenario: Scenario, canary: Canary, container: str) -> None:
    page = scenario.page
    for link in ("#jslink", "#go"):
        if page.locator(link).count():
            page.locator(link).first.click(timeout=5_000)
    time.sleep(2)  # time for any image, script or request to fire
    assert canary.hits == [], canary.hits
    assert page.evaluate("window.__pwned") is None
    assert page.locator(f"{container} script").count() == 0
    assert page.locator(f"{container} iframe, {container} form, {container} svg").count() == 0
    handlers = page.evaluate(
        "([sel, names]) => [...document.querySelectorAll(sel + ' *')].filter(e => "
        "names.some(n => e.hasAttribute(n))).length", [container, list(HANDLERS)])
    assert handlers == 0
    assert page.locator(f"{container} [href^='javascript:' i]").count() == 0


def test_formgrader_submission_page_keeps_trainee_content_inert(
        scenario: Scenario, hostile_class: dict, canary: Canary) -> None:
    page = scenario.page
    response = page.goto(scenario.server.url(
        f"/formgrader/submissions/{hostile_class['submission']}/"), wait_until="load")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    body = page.locator("body")
    expect(body).to_contain_text("Student's answer", timeout=30_000)
    expect(body).to_contain_text("outputs written")
    expect(body).to_contain_text("My answer <img src=x onerror=")  # typed text, shown as text
    shown_name = page.locator(".name-shown").first.text_content()
    # the name is stored plain (no markup brackets, separators or quotes: plain_name) and shown
    # as text
    stored = (hostile_class["name"] if hostile_class["name"] in shown_name
              else plain_name(hostile_class["name"]))
    assert stored in shown_name
    scenario.screenshot("formgrader")
    _assert_inert(scenario, canary, "#notebook-container")
    assert page.locator(".navbar img").count() == 0
    # The class list (its data is fetched with the session cookie the first page sets).
    scenario.goto("/formgrader/manage_assignments")
    scenario.goto(f"/formgrader/gradebook/{ORIENTATION}/{ORIENTATION}")
    page.locator("#toggle_names").click()
    # Other browser tests' trainees share this class: find eve's row, wherever it sorts.
    expect(page.locator("a.name-shown").filter(has_text=stored)).to_have_count(
        1, timeout=30_000)
    time.sleep(2)
    assert canary.hits == [] and page.evaluate("window.__pwned") is None
    assert page.locator("table img").count() == 0


def test_feedback_page_keeps_trainee_content_inert(
        scenario: Scenario, hostile_class: dict, canary: Canary) -> None:
    page = scenario.page
    scenario.goto(f"/files/feedback/{STUDENT}/{ORIENTATION}/{ORIENTATION}.html")
    body = page.locator("body")
    expect(body).to_contain_text("Your score so far: 0 of 5 points", timeout=30_000)
    expect(body).to_contain_text("outputs written")
    expect(body).to_contain_text("My answer <img src=x onerror=")
    meta = page.locator("meta[http-equiv='Content-Security-Policy']")
    assert "default-src 'none'" in meta.first.get_attribute("content")
    scenario.screenshot("feedback")
    _assert_inert(scenario, canary, "body")
