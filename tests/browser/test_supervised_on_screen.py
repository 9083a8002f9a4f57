"""Issue 29 in the browser: assessment 05 in its supervised form, as the trainee sees it.

The kernel imports the trainee's kit (course/classroom/supervised_kit.py), as in a supervised
session on the class server (tests/hub/test_supervised.py runs that session for real); here
the kit is put first on the kernel's path so that the released notebook, unchanged, runs
against it in a plain JupyterLab at 1400x900."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator

import pytest

from course.classroom.supervised_kit import build_kit
from course.storage.supervision import Window
from tests.browser.conftest import (
    REPO,
    LabServer,
    Notebook,
    Scenario,
    expect,
    scenario_on,
    start_lab,
    stop_lab,
)
from tests.nbgrader_harness import Course

pytestmark = pytest.mark.browser

ASSESSMENT = "05-screening-cases"
NOTEBOOK = f"release/{ASSESSMENT}/{ASSESSMENT}.ipynb"
MINUTES_LEFT = 40


@pytest.fixture(scope="module")
def supervised_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("supervised"))
    shutil.copytree(REPO / "release" / ASSESSMENT, course.root / "release" / ASSESSMENT,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    window = Window(ASSESSMENT, "ana", now - datetime.timedelta(minutes=5),
                    now + datetime.timedelta(minutes=MINUTES_LEFT), datetime.timedelta(0),
                    False)
    kit = build_kit(course.root, ASSESSMENT, "ana", window)
    server = start_lab(course, tmp_path_factory.mktemp("supervised-home"), course.root,
                       extra_env={"PYTHONPATH": str(kit.parent)})
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def trainee(browser, supervised_server, request) -> Iterator[Scenario]:
    yield from scenario_on(browser, supervised_server, request)


def test_the_supervised_form_shows_whose_clients_the_time_left_and_no_practice(
        trainee: Scenario) -> None:
    notebook = Notebook.open(trainee, NOTEBOOK)
    notebook.run_all()
    panel = notebook.panel
    expect(panel).not_to_contain_text("Traceback")
    expect(panel).to_contain_text("Supervised assessment.", timeout=30_000)
    expect(panel).to_contain_text("These are your own clients, ana")
    expect(panel).to_contain_text("Time left:")
    expect(panel).to_contain_text("the server's clock")
    expect(panel).to_contain_text("The unlimited practice is closed during a supervised "
                                  "assessment")
    note = panel.locator(".cryo-clients").first
    note.scroll_into_view_if_needed()
    box = note.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1400, box
    trainee.window_shot("supervised-note")
    assert not trainee.accessibility_violations(".jp-OutputArea")
