"""Browser test set-up: one real JupyterLab for the session, headless Chromium per test.

Unit tests and nbval never run JavaScript, so a widget that shows "Error displaying widget"
or a blank formgrader page passes them. These fixtures drive the product as a trainee or an
instructor would: a real server on a temporary copy of the course, a real browser, real
clicks and keystrokes. Each scenario leaves screenshots in ``screenshots/`` (git-ignored)
for a person to look at, and fails on browser console errors.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.nbgrader_harness import REPO, Course, tool_env

playwright_api = pytest.importorskip("playwright.sync_api")
Browser = playwright_api.Browser
ConsoleMessage = playwright_api.ConsoleMessage
Locator = playwright_api.Locator
Page = playwright_api.Page
expect = playwright_api.expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SCREENSHOTS = REPO / "screenshots"
# axe-core, from the npm registry (tests/browser/package.json; setup.sh test installs it).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
SERVER_START_TIMEOUT = 60.0
KERNEL_TIMEOUT_MS = 90_000
UI_TIMEOUT_MS = 30_000

# Console errors that are not the course's and not the product's fault. Each entry is a
# pattern and why it may be ignored; anything else logged as an error fails the test.
IGNORED_CONSOLE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"favicon", re.I),
     "the browser asks for /favicon.ico on plain pages (feedback HTML, formgrader); a missing "
     "icon is not a course defect"),
    (re.compile(r"net::ERR_(INTERNET_DISCONNECTED|NAME_NOT_RESOLVED|NETWORK_ACCESS_DENIED|"
                r"CONNECTION_REFUSED|BLOCKED_BY_CLIENT|PROXY_CONNECTION_FAILED|TIMED_OUT)"),
     "the test machine has no internet: third-party assets (CDN fonts, MathJax, news feeds) "
     "cannot load; the course itself never depends on them"),
    (re.compile(r"MathJax is not defined"),
     "nbgrader's formgrader pages load MathJax from a CDN, which this offline machine cannot "
     "reach; the formgrader itself works (the scenario checks it)"),
    (re.compile(r"Failed to load resource: the server responded with a status of 404 .*"
                r"(lsp|lab/api/(translations|news|update))", re.I),
     "JupyterLab probes optional services (language servers, translations, news) that are not "
     "installed; the probe is JupyterLab's, not the course's"),
)


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab serving a course directory."""

    course: Course
    port: int
    token: str
    process: subprocess.Popen
    log: Path
    root_dir: Path  # the folder JupyterLab serves (paths in URLs are relative to it)

    def url(self, path: str) -> str:
        """The URL of a server path, with the token (``path`` starts with ``/``)."""
        separator = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{separator}token={self.token}"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _write_user_settings(settings_dir: Path) -> None:
    """JupyterLab user settings that make the DOM predictable and keep the course files as is."""
    overrides = {
        # Every cell stays in the page (no virtual scrolling), so locators find every cell.
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        # Tests edit notebooks in the UI; autosave would write those edits into the copy.
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        # No update or news checks: the machine is offline and the toast would cover cells.
        "@jupyterlab/apputils-extension/notification": {"checkForUpdates": False,
                                                         "fetchNews": "false"},
    }
    for plugin, values in overrides.items():
        package, name = plugin.rsplit("/", 1)
        target = settings_dir / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


def _wait_for_status(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url("/api/status"), timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer /api/status in {SERVER_START_TIMEOUT:.0f} s:"
                       f"\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group (server and kernels): TERM, then KILL."""
    if process.poll() is not None:
        return
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A temporary course: the repository's config, source/ and release/ (the trainee's view)."""
    course = Course.copy_of_repo(tmp_path_factory.mktemp("browser"))
    shutil.copytree(REPO / "release", course.root / "release",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return course


def start_lab(course: Course, home: Path, root_dir: Path,
              extra_env: dict[str, str] | None = None) -> LabServer:
    """Start a real JupyterLab serving ``root_dir`` on a free port, with fresh Jupyter state
    under ``home``; waits until it answers (stop it with :func:`stop_lab`)."""
    config_dir = home / "config"
    (config_dir / "labconfig").mkdir(parents=True)
    # The announcements plugin asks to fetch news from the internet on first start.
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    _write_user_settings(home / "settings")
    env = tool_env() | {
        # Fresh per-session Jupyter state; server extensions (nbgrader, widgets) still come
        # from the virtualenv's own configuration, which stays on the search path.
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLBACKEND": "Agg",
    } | (extra_env or {})
    token = os.urandom(16).hex()
    port = free_port()
    log = home / "server.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
             f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.token={token}",
             f"--ServerApp.root_dir={root_dir}", "--ServerApp.port_retries=0"],
            cwd=course.root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)
    server = LabServer(course, port, token, process, log, root_dir)
    try:
        _wait_for_status(server)
    except BaseException:
        _stop(process)
        raise
    return server


def stop_lab(server: LabServer) -> None:
    _stop(server.process)


@pytest.fixture(scope="session")
def lab_server(course_copy: Course, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[LabServer]:
    """A real JupyterLab on a free localhost port with a token, stopped at the end."""
    server = start_lab(course_copy, tmp_path_factory.mktemp("jupyter-home"), course_copy.root)
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium. Each launch gets a fresh temporary profile (user data dir).

    Module scope: Playwright's sync API keeps an asyncio loop running in this thread while it
    is open, so a later test file in the same worker that calls asyncio.run() would fail."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page exceptions seen during one scenario."""

    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def record(self, text: str) -> None:
        if any(pattern.search(text) for pattern, _why in IGNORED_CONSOLE_ERRORS):
            self.ignored.append(text)
        else:
            self.errors.append(text)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.record(f"{message.text} ({where})" if where else message.text)


@dataclass
class Scenario:
    """One scenario's page, its console log and its screenshots."""

    page: Page
    server: LabServer
    name: str
    console: ConsoleLog

    def screenshot(self, step: str) -> Path:
        """Save a full-page screenshot as screenshots/<scenario>-<step>.png."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def window_shot(self, step: str) -> Path:
        """Save what the 1400x900 window shows now (JupyterLab scrolls inside the page, so
        this is what a trainee sees) as screenshots/<scenario>-<step>.png."""
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path))
        return path

    def accessibility_violations(self, *within: str) -> list[str]:
        """axe-core's serious and critical violations inside the elements matched by the CSS
        selectors ``within`` (default: the whole page), one line each: rule, impact, help
        and the first offending elements."""
        assert AXE.is_file(), f"axe-core is missing: run `npm ci --prefix {AXE.parents[2]}`"
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            """async (within) => {
                const context = within.length ? {include: within.map(s => [s])} : document;
                const found = await axe.run(context, {resultTypes: ['violations']});
                return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }""", list(within))
        return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in result
                if v["impact"] in SERIOUS]

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url(path), wait_until="domcontentloaded")


def scenario_on(browser: Browser, server: LabServer, request: pytest.FixtureRequest,
                role: str = "") -> Iterator[Scenario]:
    """A fresh browser context and page on ``server``; fails on unexpected console errors
    (the body of a scenario fixture: ``yield from scenario_on(...)``). ``role`` tells two
    people's pages in one test apart (their screenshots are named ``<test>-<role>-...``)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    console = ConsoleLog()
    page.on("console", console.on_console)
    page.on("pageerror", lambda error: console.record(f"uncaught: {error}"))
    name = request.node.name.removeprefix("test_") + (f"-{role}" if role else "")
    # Screenshots of an earlier run (a stale "-failed.png") would mislead the person reading.
    for old_shot in SCREENSHOTS.glob(f"{glob.escape(name)}-*.png"):
        old_shot.unlink()
    current = Scenario(page, server, name, console)
    yield current
    outcome = getattr(request.node, "rep_call", None)
    try:
        current.screenshot("failed" if outcome is None or outcome.failed else "end")
    finally:
        context.close()
    assert not console.errors, "browser console errors:\n" + "\n".join(console.errors)


@pytest.fixture
def scenario(browser: Browser, lab_server: LabServer, request: pytest.FixtureRequest
             ) -> Iterator[Scenario]:
    """A fresh browser context and page; fails the test on unexpected console errors."""
    yield from scenario_on(browser, lab_server, request)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo
                              ) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class Notebook:
    """A notebook open in JupyterLab, driven the way a trainee drives it."""

    def __init__(self, scenario: Scenario, path: str) -> None:
        self.scenario = scenario
        self.page = scenario.page
        self.path = path

    @classmethod
    def open(cls, scenario: Scenario, path: str) -> Notebook:
        """Open ``path`` (relative to the served folder) in JupyterLab and wait for the kernel."""
        if not (scenario.server.root_dir / path).exists():
            pytest.skip(f"{path} does not exist yet")
        scenario.goto(f"/lab/tree/{path}")
        notebook = cls(scenario, path)
        expect(notebook.panel.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
        notebook.wait_for_idle_kernel()
        return notebook

    @property
    def panel(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:visible")

    @property
    def code_cells(self) -> Locator:
        return self.panel.locator(".jp-CodeCell")

    def code_cell(self, containing: str) -> Locator:
        """The one code cell whose source contains ``containing`` now.

        The locator is pinned to the cell's position, so it still finds the cell after the
        test has typed something else into it.
        """
        # One entry per code cell (a collapsed cell has no editor: its entry is empty).
        sources = self.code_cells.evaluate_all(
            "cells => cells.map(c => c.querySelector('.cm-content')?.innerText ?? '')")
        matches = [index for index, source in enumerate(sources) if containing in source]
        assert len(matches) == 1, (f"{len(matches)} code cells of {self.path} contain "
                                   f"{containing!r}")
        return self.code_cells.nth(matches[0])

    def output_of(self, cell: Locator) -> Locator:
        return cell.locator(".jp-OutputArea")

    def wait_for_idle_kernel(self, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
        """Wait until the kernel is connected and idle, as the status bar says.

        (The toolbar's execution indicator says "idle" before the kernel is even connected.)
        """
        kernel_status = self.page.locator('.jp-StatusBar-TextItem[title^="Change kernel"]')
        expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=timeout_ms)

    def menu(self, menu: str, item: str) -> None:
        """Click a menu bar entry, then one of its items (as a trainee would)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel",
                          has_text=re.compile(f"^{re.escape(item)}$")).click()

    def run_all(self, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
        """Run > Run All Cells on this notebook, then wait until every code cell has run.

        The menu acts on the notebook JupyterLab last focused: a tab just opened (with the
        workspace's earlier tabs restored around it) may not be that one yet, and then
        nothing here runs. So the notebook's own tab is clicked first, and the menu is used
        again if no cell has started within a few seconds.
        """
        tab = self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab",
                                has_text=re.compile(f"^{re.escape(Path(self.path).name)}$"))
        for attempt in range(2):
            tab.first.click()
            self.menu("Run", "Run All Cells")
            try:
                self.page.wait_for_function(
                    r"""() => {
                        const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
                            .find(p => p.offsetParent !== null);
                        return [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                            .some(p => /^\[(\*|\d+)\]:$/.test(p.textContent.trim()));
                    }""", timeout=10_000)
                break
            except playwright_api.TimeoutError:
                if attempt:
                    raise AssertionError(f"Run All Cells started nothing in {self.path}"
                                         ) from None
        self.wait_until_all_ran(timeout_ms)

    def wait_until_all_ran(self, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
        """Every code cell shows an execution count; an error output fails with its text."""
        try:
            self.page.wait_for_function(
                """() => {
                    const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
                        .find(p => p.offsetParent !== null);
                    const prompts = [...panel.querySelectorAll(
                        '.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
                    return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
                }""", timeout=timeout_ms)
        except playwright_api.TimeoutError:
            raise AssertionError(f"not every cell of {self.path} ran; errors shown:\n"
                                 f"{self.error_outputs()}") from None
        self.wait_for_idle_kernel()

    def image_digest(self, image: Locator) -> str:
        """SHA-256 of the bytes an ``<img>`` shows (an ipywidgets Image is a fresh blob: URL
        on every update, so comparing ``src`` alone would pass even if nothing was redrawn)."""
        return image.evaluate("""async (img) => {
            const bytes = await (await fetch(img.src)).arrayBuffer();
            const digest = await crypto.subtle.digest('SHA-256', bytes);
            return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
        }""")

    def error_outputs(self) -> str:
        errors = self.panel.locator('.jp-OutputArea-output[data-mime-type='
                                    '"application/vnd.jupyter.stderr"]')
        return "\n".join(errors.all_inner_texts())

    def type_into(self, cell: Locator, text: str) -> None:
        """Replace a cell's source by typing, like a trainee editing the answer cell."""
        editor = cell.locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        expect(editor).to_have_text(text)

    def run_cell_and_advance(self) -> None:
        """Shift+Enter: run the active cell and select the next one."""
        self.page.keyboard.press("Shift+Enter")


@pytest.fixture
def open_notebook(scenario: Scenario) -> Callable[[str], Notebook]:
    """Open a notebook of the course copy in this scenario's page (skips if it is missing)."""
    return lambda path: Notebook.open(scenario, path)


def proven_versions() -> dict[str, str]:
    """The versions these tests prove together."""
    found = {name: version(name) for name in ("jupyterlab", "notebook", "nbgrader", "ipywidgets",
                                              "jupyterlab_widgets", "playwright")}
    if CHROMIUM.exists():
        chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True,
                                  timeout=30)
        found["chromium"] = chromium.stdout.strip().removeprefix("Chromium ").split(" ")[0]
    return found


def pytest_report_header() -> str:
    return "browser tests prove: " + ", ".join(f"{k} {v}" for k, v in proven_versions().items())
