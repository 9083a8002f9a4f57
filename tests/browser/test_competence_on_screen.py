"""Issue 30 in the browser: a trainee logs a supervised session by clicking (lesson 08), and an
assessor signs a criterion off in the instructor's JupyterLab (assessor/sign-off.ipynb)."""

from __future__ import annotations

import getpass
import json
import shutil
from collections.abc import Iterator

import pytest

from course.storage.competence_record import Record
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

PRACTICE_LOG = "release/08-practice-log/08-practice-log.ipynb"


def test_a_trainee_logs_a_session_by_clicking(scenario: Scenario, open_notebook) -> None:
    notebook: Notebook = open_notebook(PRACTICE_LOG)
    notebook.run_all()
    form = notebook.output_of(notebook.code_cell("PracticeLogWidget()"))
    expect(form).to_contain_text("Save this session to my log")
    form.get_by_placeholder("the salon's code, like CL-0042").fill("Maria Jones")
    form.get_by_placeholder("your assessor's account name").fill("asha")
    form.get_by_role("button", name="proceed").click()
    form.get_by_role("button", name="Add this line to the session").click()
    form.get_by_role("checkbox", name="I declare this record is my own work").check()
    form.get_by_role("button", name="Save this session to my log").click()
    expect(form).to_contain_text("Not saved: The client code must be the salon's code")
    form.get_by_placeholder("the salon's code, like CL-0042").fill("CL-0042")
    form.get_by_role("button", name="Save this session to my log").click()
    expect(form).to_contain_text("Saved as session 1. It counts once asha attests it.")
    expect(form).to_contain_text("My log so far")
    scenario.screenshot("practice-log-saved")
    saved = json.loads((scenario.server.course.root / "release" / "08-practice-log"
                        / "practice-log.json").read_text())
    assert [e["client_code"] for e in saved["entries"]] == ["CL-0042"]
    assert not scenario.accessibility_violations(".jp-OutputArea")


@pytest.fixture(scope="module")
def assessor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("assessor"))
    shutil.copytree(REPO / "assessor", course.root / "assessor")
    course.nbgrader("db", "student", "add", "ana", "--first-name=Ana", "--last-name=Lopes")
    Record(course.root).grant(getpass.getuser(), "assessor")
    server = start_lab(course, tmp_path_factory.mktemp("assessor-home"), course.root)
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def assessor(browser, assessor_server, request) -> Iterator[Scenario]:
    yield from scenario_on(browser, assessor_server, request)


def test_an_assessor_signs_a_criterion_off_in_the_browser(assessor: Scenario) -> None:
    notebook = Notebook.open(assessor, "assessor/sign-off.ipynb")
    notebook.run_all()
    form = notebook.output_of(notebook.code_cell("SignOffWidget()"))
    expect(form).to_contain_text("Signing as")
    expect(form).to_contain_text("No practice log handed in yet.")
    expect(form).to_contain_text("Attest a session you supervised")
    form.locator("select").nth(2).select_option(
        label="Cryosauna (whole- or partial-body chamber)")
    form.get_by_role("button", name="Met").click()
    form.locator("textarea").fill("Screened a model client before the chamber, <b>aloud</b>.")
    form.get_by_role("button", name="Sign off").click()
    expect(form).to_contain_text("Recorded as entry 1")
    assessor.screenshot("signed-off")
    [signed] = Record(assessor.server.course.root).sign_offs()
    assert not signed.session  # no logged session handed in: none was named
    assert (signed.trainee, signed.unit, signed.criterion, signed.outcome) == (
        "ana", "cryosauna", "screening", "met")
    assert signed.assessor == getpass.getuser()
    cohort = notebook.output_of(notebook.code_cell("cohort_view()"))
    expect(cohort.locator("img")).to_be_visible()
    assert not assessor.accessibility_violations(".jp-OutputArea")
