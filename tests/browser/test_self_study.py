"""Self-study as a trainee who never programmed (``bash setup.sh lab``): the lesson they open
is the one they hand in, and it is marked.

The server is set up exactly as setup.sh does it: ``course.classroom.self_study`` copies the
lessons into ``my-work/`` and releases them, and JupyterLab serves ``my-work/`` with
``trainee-config/`` on JUPYTER_CONFIG_PATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from course.exercises import lesson_items
from tests.browser.conftest import (
    Browser,
    LabServer,
    Notebook,
    Scenario,
    expect,
    scenario_on,
    start_lab,
    stop_lab,
)
from tests.nbgrader_harness import REPO, Course, tool_env

pytestmark = pytest.mark.browser

LESSON = "00-orientation"
NOTEBOOK = f"{LESSON}/{LESSON}.ipynb"
WRITTEN = ("I will not treat the mole. A mole that changes colour must be seen by a doctor "
           "first, so I will ask her to see her GP or a dermatologist.")


@pytest.fixture(scope="module")
def self_study_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("self-study"))
    for folder in ("release", "trainee-config"):
        shutil.copytree(REPO / folder, course.root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    subprocess.run([sys.executable, "-m", "course.classroom.self_study", "--course",
                    str(course.root)], check=True, env=tool_env(), timeout=300)
    server = start_lab(course, tmp_path_factory.mktemp("trainee-home"), course.root / "my-work",
                       {"JUPYTER_CONFIG_PATH": str(course.root / "trainee-config")})
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def trainee(browser: Browser, self_study_server: LabServer, request: pytest.FixtureRequest
            ) -> Iterator[Scenario]:
    yield from scenario_on(browser, self_study_server, request)


def _dirty_tabs(scenario: Scenario):
    return scenario.page.locator(".lm-TabBar-tab.jp-mod-dirty")


def test_the_lesson_opens_saved_and_instructor_tools_are_out_of_sight(trainee: Scenario):
    """(Issue 17, points 6 and 10.) Opening a lesson leaves it unmodified; the file browser
    shows the lessons, not the course's source/ with its model answers; no Formgrader or
    Create Assignment."""
    notebook = Notebook.open(trainee, NOTEBOOK)
    notebook.page.wait_for_timeout(1500)  # JupyterLab writes kernel details just after idle
    expect(_dirty_tabs(trainee)).to_have_count(0)
    page = trainee.page
    listing = page.locator(".jp-DirListing-content")
    expect(listing).to_contain_text(LESSON)
    expect(listing).not_to_contain_text("source")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    menu = page.locator(".lm-Menu:visible")
    expect(menu).to_contain_text("Assignment List")
    expect(menu).not_to_contain_text("Formgrader")
    expect(menu).not_to_contain_text("Create")
    trainee.screenshot("nbgrader-menu")
    page.keyboard.press("Escape")


def test_answer_save_submit_and_the_submission_earns_full_marks(trainee: Scenario):
    """(Issue 17, point 1.) Answer lesson 00 in the notebook setup.sh opens, save, press
    Submit in the Assignments tab; the instructor's collect and autograde give every
    automatic point and the written answer is the trainee's."""
    notebook = Notebook.open(trainee, NOTEBOOK)
    page = trainee.page
    notebook.type_into(notebook.code_cell('your_name = ""'), 'your_name = "Ana Lopes"')
    marked = [item for item in lesson_items("orientation").values() if item.graded]
    for item in marked:  # each answer picked with its control (answer-controls/)
        for name, value in item.expected().items():  # a cell may hold two answers
            cell = notebook.code_cell(f"{name} = ")
            controls = cell.locator(".cryo-answers")
            if isinstance(value, str):
                controls.get_by_role("radio", name=value, exact=True).check()
            else:
                box = controls.get_by_role("spinbutton")
                box.fill(str(value))
                box.press("Enter")
            typed = json.dumps(value) if isinstance(value, str) else f"{value:g}"
            expect(cell.locator(".cm-content")).to_contain_text(f"{name} = {typed}")
    written = page.get_by_role("textbox", name=re.compile("Your written answer"))
    written.click()
    page.keyboard.type(WRITTEN)
    notebook.wait_for_idle_kernel()
    page.keyboard.press("Control+S")
    expect(_dirty_tabs(trainee)).to_have_count(0)

    notebook.menu("Nbgrader", "Assignment List")
    row = page.locator("#fetched_assignments_list .list_item:not(.nested_list_item)",
                       has_text=LESSON)
    expect(row).to_be_visible(timeout=30_000)
    trainee.screenshot("assignments-tab")
    row.locator("button", has_text="Submit").click()
    submitted = page.locator("#submitted_assignments_list .list_item:not(.nested_list_item)",
                             has_text=LESSON).first
    expect(submitted).to_be_visible(timeout=60_000)
    trainee.screenshot("submitted")

    course: Course = trainee.server.course
    course.generate(LESSON)
    course.nbgrader("collect", LESSON)
    course.autograde(LESSON)
    student = next(p.name for p in (course.root / "submitted").iterdir())
    scores = course.auto_scores(LESSON, student, LESSON)
    expected = {item.id: item.points for item in marked}
    assert scores == expected, scores
    handed_in = (course.root / "submitted" / student / LESSON / f"{LESSON}.ipynb").read_text()
    assert "Ana Lopes" in handed_in and "dermatologist" in handed_in
