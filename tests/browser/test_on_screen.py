"""On screen, as a trainee and an instructor: widgets render and respond, formgrader works,
feedback shows scores without hidden tests. (The typo scenario is in test_trainee.py.)"""

from __future__ import annotations

import re
import time

import pytest
from nbgrader.api import Gradebook

from tests.browser.conftest import Notebook, Scenario, expect
from tests.nbgrader_harness import Course, reference_submission

pytestmark = pytest.mark.browser

PHYSIOLOGY = "release/01-physiology/01-physiology.ipynb"
CONTRAINDICATIONS = "release/04-contraindications/04-contraindications.ipynb"
ORIENTATION = "00-orientation"
WRITTEN_ANSWER = "orientation_explain_mole"  # lesson 00's written answer (2 points, by hand)
WIDGET_ERROR = "Error displaying widget"


def _no_widget_errors(notebook: Notebook) -> None:
    expect(notebook.panel).not_to_contain_text(WIDGET_ERROR)
    expect(notebook.panel).not_to_contain_text("Traceback")


def test_simulator_widget_renders_and_a_control_changes_the_plot(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 01: run all, the simulator draws its figure; holding the applicator still
    redraws it and the verdict speaks of freezing."""
    notebook: Notebook = open_notebook(PHYSIOLOGY)
    notebook.run_all()
    _no_widget_errors(notebook)
    widget = notebook.output_of(notebook.code_cell("simulator = SimulatorWidget()"))
    image = widget.locator("img").first
    expect(image).to_be_visible(timeout=30_000)
    presets = widget.locator("select").first
    moving = presets.locator("option", has_text=re.compile("moving", re.I)).first
    presets.select_option(label=moving.inner_text().strip())
    expect(image).to_have_attribute("src", re.compile(r"^blob:|^data:"))
    # The verdict (the chart's caption may say what the model cannot show about freezing).
    verdict = widget.locator(".widget-html").first
    expect(verdict).to_contain_text("stays above 0 °C")
    expect(verdict).not_to_contain_text(re.compile("freezing:", re.I))
    before = notebook.image_digest(image)
    scenario.screenshot("moving")
    widget.locator("button", has_text=re.compile(r"^\s*still\s*$")).click()
    expect(verdict).to_contain_text(re.compile("freezing:", re.I))
    deadline = time.monotonic() + 30
    while notebook.image_digest(image) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert notebook.image_digest(image) != before, "the plot was not redrawn"
    scenario.screenshot("still")


def test_screening_widget_shows_the_decision_and_its_findings(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 04: the trainee ticks a condition on the intake form and reads the decision."""
    notebook: Notebook = open_notebook(CONTRAINDICATIONS)
    notebook.run_all()
    _no_widget_errors(notebook)
    form = notebook.output_of(notebook.code_cell("form = ScreeningWidget()"))
    search = form.get_by_placeholder("type to find in the list").first
    expect(search).to_be_visible()
    form.get_by_role("checkbox", name=re.compile("^Epilepsy")).first.check()
    search.fill("rayn")  # the list narrows to what matches; earlier ticks stay
    form.get_by_role("checkbox", name=re.compile("Raynaud")).check()
    expect(form).to_contain_text(re.compile(r"\brefuse\b", re.I))
    expect(form).to_contain_text("Raynaud")
    expect(form).to_contain_text(re.compile(r"Ticked: Epilepsy, Raynaud"))
    scenario.screenshot("decision")


@pytest.fixture(scope="module")
def graded_class(lab_server) -> Course:
    """Two trainees' lesson 00 autograded in the served course (reference and blank)."""
    course = lab_server.course
    course.generate(ORIENTATION)
    name = f"{ORIENTATION}.ipynb"
    course.submit("ada", ORIENTATION, name, reference_submission(course, ORIENTATION, name))
    course.submit("ben", ORIENTATION, name, course.release_notebook(ORIENTATION, name))
    course.autograde(ORIENTATION)
    course.nbgrader("generate_feedback", ORIENTATION, "--force")
    return course


def test_formgrader_lists_the_class_and_opens_a_submission_for_manual_grading(
        scenario: Scenario, graded_class: Course) -> None:
    """The instructor sees the assignment and both submissions, then opens one to grade."""
    page = scenario.page
    scenario.goto("/formgrader/manage_assignments")
    expect(page.locator("body")).to_contain_text(ORIENTATION, timeout=30_000)
    scenario.screenshot("assignments")
    scenario.goto(f"/formgrader/gradebook/{ORIENTATION}/{ORIENTATION}")
    expect(page.locator("body")).to_contain_text("ada", timeout=30_000)
    expect(page.locator("body")).to_contain_text("ben")
    scenario.screenshot("submissions")
    page.locator("a", has_text=re.compile("Submission #|ada")).first.click()
    body = page.locator("body")
    expect(body).to_contain_text("Student's answer", timeout=30_000)
    expect(body).to_contain_text("Question 4 (2 points, marked by your instructor)")
    # each marked cell named as trainees see it (course/nbgrader_plugins/pages/page_templates.py)
    expect(body).to_contain_text("Question 4 (the trainee's written answer)")
    expect(body).to_contain_text(
        "Question 1: both parts of the decision for a client with a cold sore (marked "
        "automatically)")
    expect(page.locator("input.score").last).to_be_visible()
    expect(page.get_by_text("Full credit").last).to_be_visible()
    # the mark scheme is right under the written answer
    # (course/nbgrader_plugins/feedback/mark_scheme.py)
    expect(body).to_contain_text("Mark scheme (for the grader")
    expect(body).to_contain_text("Model answer.")
    scenario.screenshot("manual-grading")
    # the written answer marked by hand (the Formgrader's own "Full credit" button): the
    # gradebook holds the hand mark (test_self_study.py types a score and a comment)
    page.get_by_text("Full credit").last.click()
    expect(page.locator(f"input.score#{WRITTEN_ANSWER}")).to_have_value("2")
    scenario.screenshot("marked-by-hand")
    opened = re.search(r"/submissions/([0-9a-f]+)", page.url)
    assert opened, page.url
    assert _manual_score(graded_class, opened.group(1), WRITTEN_ANSWER) == 2.0


def _manual_score(course: Course, submission: str, cell: str, wait_s: float = 30.0
                  ) -> float | None:
    """The hand score of a written answer in the submitted notebook with the Formgrader's
    id ``submission``, polled until the Formgrader's save arrives."""
    deadline = time.monotonic() + wait_s
    while True:
        with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook_by_id(submission)
            score = next(g.manual_score for g in notebook.grades if g.name == cell)
        if score is not None or time.monotonic() > deadline:
            return score
        time.sleep(0.5)


def test_feedback_shows_scores_and_never_hidden_tests(
        scenario: Scenario, graded_class: Course) -> None:
    """The trainee's feedback page: a score per question in words, under the question's
    title, no hidden test text, no nbgrader jargon."""
    page = scenario.page
    scenario.goto(f"/files/feedback/ada/{ORIENTATION}/{ORIENTATION}.html")
    body = page.locator("body")
    expect(body).to_contain_text(re.compile(r"Your score( so far)?: 3 of 5 points"),
                             timeout=30_000)
    marks = page.locator(".cryo-marks li")
    expect(marks).to_have_count(4)
    expect(marks.nth(1)).to_contain_text("Question 2: who may remove a wart with cold")
    expect(marks.nth(1)).to_contain_text("1 of 1 point")
    heading = page.locator("section.cryo-mark .cryo-heading").nth(1)
    expect(heading).to_contain_text("Question 2: who may remove a wart with cold")
    expect(heading).to_contain_text("1 of 1 point")
    expect(page).to_have_title("Feedback: 00 · Orientation: how this course works")
    for jargon in ("Student's answer", "Grade cell", "Score:", "Test cell"):
        expect(body).not_to_contain_text(jargon)
    expect(body).not_to_contain_text(re.compile(r"\b(In|Out)\s*\[\s*\d*\s*\]:"))
    expect(body).not_to_contain_text("BEGIN HIDDEN TESTS")
    expect(body).not_to_contain_text('grade("orientation')
    # each mark explained in plain words (course/nbgrader_plugins/feedback/teaching_feedback.py)
    expect(body).to_contain_text(
        "Question 1: both parts of the decision for a client with a cold sore")
    expect(body).to_contain_text("Right: full marks.")
    scenario.screenshot("feedback")


def test_feedback_of_a_blank_lesson_explains_each_missing_mark_and_is_accessible(
        scenario: Scenario, graded_class: Course) -> None:
    """Ben handed in a blank lesson: his page says, per question, that it was not answered
    and what the course's answer is; the page passes the accessibility audit."""
    page = scenario.page
    scenario.goto(f"/files/feedback/ben/{ORIENTATION}/{ORIENTATION}.html")
    body = page.locator("body")
    expect(body).to_contain_text("Not answered.", timeout=30_000)
    expect(body).to_contain_text("The course's answer:")
    expect(body).to_contain_text("treatment: Defer")  # in words, as the buttons show it
    expect(body).not_to_contain_text('treatment = "')
    expect(body).to_contain_text(re.compile(r"Your score( so far)?: 0 of 5 points"))
    scenario.screenshot("feedback")
    # The whole page, document rules included (language, title, landmarks). The page's
    # policy allows no script, and the audit is one: it reads the same page without the
    # policy's tag.
    from course.nbgrader_plugins.pages.inert_content import _CSP_META

    html = (graded_class.root / "feedback" / "ben" / ORIENTATION /
            f"{ORIENTATION}.html").read_text(encoding="utf-8")
    assert _CSP_META in html
    page.goto("about:blank")
    page.set_content(html.replace(_CSP_META, ""))
    violations = scenario.accessibility_violations()
    assert not violations, "\n".join(violations)


def test_class_report_names_questions_as_trainees_see_them_and_is_accessible(
        scenario: Scenario, graded_class: Course) -> None:
    """`cryocourse report` writes the class report; opened in the browser (it needs no
    server), it names questions as trainees see them and passes the accessibility audit."""
    from course.cli import main

    assert main(["--course", str(graded_class.root), "report", ORIENTATION]) == 0
    report = graded_class.root / "reports" / ORIENTATION / "report.html"
    page = scenario.page
    page.goto(report.as_uri(), wait_until="load")
    body = page.locator("body")
    expect(page.locator("h1")).to_contain_text(f"Class report: {ORIENTATION}")
    expect(body).to_contain_text("Question 2")
    expect(body).not_to_contain_text("orientation_scope_wart_removal")
    scenario.screenshot("report")
    violations = scenario.accessibility_violations()
    assert not violations, "\n".join(violations)


def _inside_window(scenario: Scenario, *parts) -> None:
    """Every part is fully inside the 1400x900 window at once."""
    for part in parts:
        box = part.bounding_box()
        assert box is not None, part
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1400, (part, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900, (part, box)


def test_simulator_at_a_3_s_hold_shows_controls_chart_and_verdict_together(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 01 question 5 (issue 17, points 7 and 8): the still applicator held 3 s. The
    controls, the chart and the verdict are on screen together in a 1400x900 window."""
    notebook: Notebook = open_notebook(PHYSIOLOGY)
    notebook.run_all()
    widget = notebook.output_of(notebook.code_cell("simulator = SimulatorWidget()"))
    presets = widget.locator("select").first
    still = presets.locator("option", has_text="held still").first
    presets.select_option(label=still.inner_text().strip())
    expect(widget).to_contain_text("during 5 s of cold", timeout=30_000)
    readout = widget.locator(".widget-readout").nth(1)  # exposure time (s)
    readout.dblclick()
    scenario.page.keyboard.press("Control+A")
    scenario.page.keyboard.type("3")
    scenario.page.keyboard.press("Enter")
    expect(widget).to_contain_text("during 3 s of cold", timeout=30_000)
    image = widget.locator("img").first
    image.scroll_into_view_if_needed()
    verdict = widget.locator(".widget-html").first
    _inside_window(scenario, presets, readout, verdict, image)
    size = image.evaluate("img => [img.naturalWidth, img.clientWidth]")
    assert size[0] == size[1], f"the chart is stretched: {size}"
    scenario.window_shot("simulator-3s")


def test_contraindication_matrix_fits_the_window_and_every_column_can_be_read(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 04 (issue 17, point 7): the matrix scrolls inside a box that fits the window,
    its header row staying in view; the last column is reached inside the box."""
    notebook: Notebook = open_notebook(CONTRAINDICATIONS)
    notebook.run_all()
    box = notebook.panel.locator(".cryo-matrix-box")
    box.scroll_into_view_if_needed()
    _inside_window(scenario, box)
    scenario.window_shot("matrix")
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; el.scrollTop = el.scrollHeight; }")
    last_column = box.locator("tr").first.locator("th").last
    _inside_window(scenario, last_column)
    inner = box.bounding_box()
    head = last_column.bounding_box()
    assert head["x"] + head["width"] <= inner["x"] + inner["width"] + 1
    assert head["y"] >= inner["y"] - 1, "the header row scrolled away"
    scenario.window_shot("matrix-last-column")


def test_the_simulator_s_validation_table_and_a_still_verdict_read_in_the_window(
        scenario: Scenario, open_notebook) -> None:
    """Lesson 01 (issue 32): the table of published measurements is on screen with its count
    and each row's result; the verdict of the held-still swab says what the model cannot show."""
    notebook: Notebook = open_notebook(PHYSIOLOGY)
    notebook.run_all()
    _no_widget_errors(notebook)
    table = notebook.output_of(notebook.code_cell("validation_table()"))
    expect(table).to_contain_text("The simulator checked against published measurements",
                                  timeout=30_000)
    expect(table).to_contain_text("matches")
    expect(table).to_contain_text("does not match")
    table.locator("table").first.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1400, box
    scenario.window_shot("validation-table")
    widget = notebook.output_of(notebook.code_cell("simulator = SimulatorWidget()"))
    presets = widget.locator("select").first
    still = presets.locator("option", has_text="held still").first
    presets.select_option(label=still.inner_text().strip())
    expect(widget).to_contain_text("during 5 s of cold", timeout=30_000)
    verdict = widget.locator(".widget-html").first
    verdict.scroll_into_view_if_needed()
    scenario.window_shot("still-verdict")
    assert not scenario.accessibility_violations(".jp-OutputArea")
