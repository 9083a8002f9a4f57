"""Self-study as a trainee who never programmed (``bash setup.sh lab``): the lesson they open
is the one they hand in, it is marked (by hand too, in the Formgrader), and the trainee opens
feedback that explains each mark.

The trainee's server is set up exactly as setup.sh does it: ``course.classroom.self_study``
copies the lessons into ``my-work/`` and releases them, and JupyterLab serves ``my-work/``
with ``trainee-config/`` on JUPYTER_CONFIG_PATH and the trainee's variant key. The
instructor's server is ``setup.sh instructor``'s: JupyterLab on the course folder, with the
Formgrader. Both share the course's exchange, as on one machine.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import get_username, is_grade

from course.classroom.self_study import MY_WORK, self_study_key
from course.exercises import all_items
from course.models.variants import KEY_VARIABLE, marking_as
from course.questions.kinds import Item, answer_in_words
from course.questions.reader import question_titles
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
MOLE = "orientation_explain_mole"  # lesson 00's written answer (2 points, marked by hand)
HAND_SCORE = 1.5
COMMENT = ("Right to stop and refer. Say also that you will not treat until a doctor has "
           "seen it.")
GRADEBOOK_WAIT = 30.0  # seconds the Formgrader's saves may take to reach the gradebook


@dataclass(frozen=True)
class SelfStudy:
    """The trainee's course folder and their variant key (assessment 05's clients)."""

    course: Course
    key: str


@pytest.fixture(scope="module")
def self_study(tmp_path_factory: pytest.TempPathFactory) -> SelfStudy:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("self-study"))
    for folder in ("release", "trainee-config"):
        shutil.copytree(REPO / folder, course.root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    subprocess.run([sys.executable, "-m", "course.classroom.self_study", "--course",
                    str(course.root)], check=True, env=tool_env(), timeout=300)
    key = subprocess.run([sys.executable, "-m", "course.classroom.self_study", "--course",
                          str(course.root), "--variant-key"], check=True, env=tool_env(),
                         timeout=120, capture_output=True, text=True).stdout.strip()
    assert key == self_study_key(course.root)
    return SelfStudy(course, key)


@pytest.fixture(scope="module")
def self_study_server(self_study: SelfStudy, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[LabServer]:
    home = tmp_path_factory.mktemp("trainee-home")
    course = self_study.course
    server = start_lab(course, home, course.root / MY_WORK, {
        "JUPYTER_CONFIG_PATH": str(course.root / "trainee-config"),
        # the trainee's own Jupyter data (nbgrader's record of their submissions), not the
        # machine account's, which other runs share
        "JUPYTER_DATA_DIR": str(home / "data"),
        KEY_VARIABLE: self_study.key})  # as setup.sh lab gives it
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def instructor_server(self_study: SelfStudy, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[LabServer]:
    """``bash setup.sh instructor`` on the same course: JupyterLab with the Formgrader."""
    course = self_study.course
    server = start_lab(course, tmp_path_factory.mktemp("instructor-home"), course.root)
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def trainee(browser: Browser, self_study_server: LabServer, request: pytest.FixtureRequest
            ) -> Iterator[Scenario]:
    yield from scenario_on(browser, self_study_server, request)


@pytest.fixture
def instructor(browser: Browser, instructor_server: LabServer,
               request: pytest.FixtureRequest) -> Iterator[Scenario]:
    yield from scenario_on(browser, instructor_server, request, role="instructor")


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


# --- the trainee's side ------------------------------------------------------------------

@dataclass(frozen=True)
class Marked:
    """One automatically marked question of a lesson as its notebook shows it."""

    item: Item
    title: str  # the grade cell's title, as the feedback names the question
    spec: dict  # the answer cell's controls (metadata written at generate time)


def _marked_questions(path: Path) -> list[Marked]:
    """The lesson's marked questions with answer controls, in the notebook's order."""
    nb = nbformat.read(path, as_version=4)
    items = all_items()
    specs = {cell.metadata["cryocourse"].get("item"): cell.metadata["cryocourse"]
             for cell in nb.cells if "answers" in cell.metadata.get("cryocourse", {})}
    titles = question_titles(nb)
    return [Marked(items[grade_id], titles[grade_id], specs[grade_id])
            for cell in nb.cells
            if cell.cell_type == "code" and is_grade(cell)
            and (grade_id := cell.metadata["nbgrader"]["grade_id"]) in specs
            and items.get(grade_id) is not None and items[grade_id].graded]


def _typed(value: object) -> str:
    """A value as the answer line and the feedback write it."""
    if isinstance(value, bool):
        return str(value)
    return json.dumps(value) if isinstance(value, str | list) else f"{value:g}"


def _pick(notebook: Notebook, spec: dict, values: dict[str, object]) -> None:
    """Answer one cell with its controls (answer-controls/), as a trainee clicks: buttons,
    Yes/No, a number box, a checklist ("none" for an empty list)."""
    cell = notebook.code_cell(f"{spec['answers'][0]['name']} = ")
    groups = cell.locator(".cryo-answers fieldset.cryo-answer")
    for index, answer in enumerate(spec["answers"]):
        group, value = groups.nth(index), values[answer["name"]]
        if answer["kind"] == "choice":  # a button shows the option's plain name
            names = dict(o if isinstance(o, list) else (o, o) for o in answer["options"])
            group.get_by_role("radio", name=names[str(value)], exact=True).check()
        elif answer["kind"] == "yesno":
            group.get_by_role("radio", name="Yes (True)" if value else "No (False)").check()
        elif answer["kind"] == "number":
            box = group.get_by_role("textbox")
            box.fill(_typed(value))
            box.press("Enter")
        elif answer["kind"] == "names":
            labels = {code: label for code, label in answer["options"]}
            if not value:
                group.get_by_role("checkbox", name=re.compile("^none")).check()
            for code in value:  # type: ignore[union-attr]
                group.get_by_role("checkbox", name=labels[code], exact=True).check()
        else:
            raise AssertionError(f"no control for {answer}")
        line = cell.locator(".cm-content")
        if isinstance(value, list) and value:
            for code in value:
                expect(line).to_contain_text(json.dumps(code))
        else:
            expect(line).to_contain_text(f"{answer['name']} = {_typed(value)}")


def _answer_lesson(trainee: Scenario, path: str, answers: dict[str, dict[str, object]],
                   written: str) -> None:
    """Open the lesson in my-work/, type a name, pick every marked answer with its control,
    write every written answer in its text box, save."""
    notebook = Notebook.open(trainee, path)
    page = trainee.page
    notebook.type_into(notebook.code_cell('your_name = ""'), 'your_name = "Ana Lopes"')
    for question in _marked_questions(trainee.server.root_dir / path):
        _pick(notebook, question.spec, answers[question.item.id])
    boxes = page.get_by_role("textbox", name=re.compile("Your written answer"))
    for index in range(boxes.count()):
        boxes.nth(index).click()
        page.keyboard.type(written)
    notebook.wait_for_idle_kernel()
    page.keyboard.press("Control+S")
    expect(_dirty_tabs(trainee)).to_have_count(0)
    trainee.screenshot("answered")


def _assignments_tab(trainee: Scenario) -> None:
    Notebook(trainee, "").menu("Nbgrader", "Assignment List")


def _submit(trainee: Scenario, lesson: str) -> None:
    """Submit in the Assignments tab; the submission is listed."""
    page = trainee.page
    _assignments_tab(trainee)
    row = page.locator("#fetched_assignments_list .list_item:not(.nested_list_item)",
                       has_text=lesson)
    expect(row).to_be_visible(timeout=30_000)
    trainee.screenshot("assignments-tab")
    row.locator("button", has_text="Submit").click()
    submitted = page.locator("#submitted_assignments_list .list_item:not(.nested_list_item)",
                             has_text=lesson).first
    expect(submitted).to_be_visible(timeout=60_000)
    trainee.screenshot("submitted")


def _open_feedback(trainee: Scenario, lesson: str):
    """Fetch Feedback in the Assignments tab, follow "view feedback" and open the page in
    JupyterLab, as a trainee does; returns the page's frame."""
    page = trainee.page
    _assignments_tab(trainee)
    row = page.locator("#submitted_assignments_list .list_item:not(.nested_list_item)",
                       has_text=lesson).first
    expect(row).to_be_visible(timeout=30_000)
    row.locator("button", has_text="Fetch Feedback").click()
    view = row.locator("a", has_text="view feedback").first
    expect(view).to_be_visible(timeout=60_000)
    trainee.screenshot("feedback-fetched")
    view.click()
    page_file = page.locator(".jp-DirListing-item", has_text=f"{lesson}.html")
    expect(page_file).to_be_visible(timeout=30_000)
    page_file.dblclick()
    frame = page.frame_locator(".jp-HTMLViewer:visible iframe")
    expect(frame.locator("body")).to_contain_text("Ana Lopes", timeout=30_000)
    return frame


def _explains_each_mark(frame, questions: list[Marked], scores: dict[str, float],
                        answers: dict[str, dict[str, object]], key: str) -> None:
    """One explanation per marked question, in order: its title and the points the gradebook
    holds; where points were lost, the course's answer (and its reason) is shown."""
    explanations = frame.locator("section.cryo-mark:has(.cryo-feedback)")
    expect(explanations).to_have_count(len(questions))
    for index, question in enumerate(questions):
        block, item = explanations.nth(index), question.item
        expect(block).to_contain_text(question.title)
        earned = round(scores[item.id], 4)
        expect(block).to_contain_text(re.compile(
            rf"(?<![\d.]){earned:g}\s*(of|/|out of)\s*{item.points:g}(?![\d])"))
        if scores[item.id] < item.points:
            with marking_as(key):  # the trainee's own clients
                expected, reason = item.expected(), item.reason()
            wrong = [name for name in item.answers if answers[item.id][name] != expected[name]]
            for name in wrong:  # in words, as the controls show it, never a typed line
                words = answer_in_words(item.answers[name], name, expected[name])
                expect(block).to_contain_text(words)
                expect(block).not_to_contain_text(f"{name} = ")
            expect(block).to_contain_text(f"Why: {reason}")


# --- the instructor's side ---------------------------------------------------------------

def _cryocourse(course: Course, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course.cli", "--course", str(course.root),
                           *args], cwd=course.root, env=tool_env(), capture_output=True,
                          text=True, timeout=600)


def _collect_and_grade(course: Course, lesson: str) -> None:
    """The instructor's steps as the README gives them for self-study."""
    for step in ("collect", "grade"):
        done = _cryocourse(course, step, lesson)
        assert done.returncode == 0, f"cryocourse {step}:\n{done.stdout}\n{done.stderr}"


def _released_feedback(course: Course) -> list[Path]:
    return sorted((course.root / "exchange" / "cosmetic-cryotherapy" / "feedback").glob(
        "*.html"))


def _gradebook(course: Course) -> Gradebook:
    return Gradebook(f"sqlite:///{course.root / 'gradebook.db'}")


def _hand_grade(course: Course, lesson: str, student: str, cell: str
                ) -> tuple[float | None, str | None, bool]:
    """(manual score, manual comment, still waiting) of a written answer, polled (bounded)
    until the Formgrader's saves have arrived."""
    deadline = time.monotonic() + GRADEBOOK_WAIT
    while True:
        with _gradebook(course) as gradebook:
            grade = gradebook.find_grade(cell, lesson, lesson, student)
            comment = gradebook.find_comment(cell, lesson, lesson, student)
            found = (grade.manual_score, comment.manual_comment, grade.needs_manual_grade)
        if found == (HAND_SCORE, COMMENT, False) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _expected_scores(questions: list[Marked], answers: dict[str, dict[str, object]],
                     key: str) -> dict[str, float]:
    """What the course's marker gives each answer (the gradebook must hold the same)."""
    with marking_as(key):
        return {q.item.id: round(q.item.score(answers[q.item.id]).fraction * q.item.points, 4)
                for q in questions}


def _reference_answers(questions: list[Marked], key: str) -> dict[str, dict[str, object]]:
    with marking_as(key):
        return {q.item.id: dict(q.item.expected()) for q in questions}


# --- the scenarios -------------------------------------------------------------------------

def test_answer_submit_grade_by_hand_in_formgrader_and_read_the_feedback(
        trainee: Scenario, instructor: Scenario, self_study: SelfStudy):
    """(Issue 17, point 1 and "Done when".) Lesson 00 answered with the controls and a
    written answer typed in its box, saved, submitted in the Assignments tab: every automatic
    point is earned. `cryocourse feedback` refuses while the written answer waits; the
    instructor gives it a hand score and a comment on the Formgrader's submission page; the
    gradebook holds both; `cryocourse feedback` then releases, and the trainee's Fetch
    Feedback brings a page with the hand mark, the comment and each automatic mark
    explained."""
    course, key, student = self_study.course, self_study.key, get_username()
    questions = _marked_questions(course.root / MY_WORK / NOTEBOOK)
    answers = _reference_answers(questions, key)
    _answer_lesson(trainee, NOTEBOOK, answers, WRITTEN)
    _submit(trainee, LESSON)

    _collect_and_grade(course, LESSON)
    scores = course.auto_scores(LESSON, student, LESSON)
    assert scores == {q.item.id: q.item.points for q in questions}, scores
    handed_in = (course.root / "submitted" / student / LESSON / f"{LESSON}.ipynb").read_text()
    assert "Ana Lopes" in handed_in and "dermatologist" in handed_in

    refused = _cryocourse(course, "feedback", LESSON)
    assert refused.returncode == 2, refused
    assert "Formgrader" in refused.stderr, refused.stderr
    assert not _released_feedback(course), "feedback released with the written answer ungraded"

    page = instructor.page  # Formgrader -> Manual Grading -> the lesson -> the submission
    instructor.goto("/formgrader/manage_assignments")
    expect(page.locator("body")).to_contain_text(LESSON, timeout=30_000)
    instructor.goto(f"/formgrader/gradebook/{LESSON}/{LESSON}")
    page.locator("a", has_text=re.compile(r"Submission #|Lopes")).first.click()
    answer = page.locator(".nbgrader_cell", has_text="dermatologist")
    expect(answer.first).to_be_visible(timeout=30_000)
    score = page.locator(f"input.score#{MOLE}")
    expect(score).to_be_visible()
    instructor.screenshot("to-grade")
    score.fill(f"{HAND_SCORE:g}")
    score.press("Tab")
    comment = page.locator(f"textarea#{MOLE}-comment")
    comment.click()
    comment.fill(COMMENT)
    comment.press("Tab")
    instructor.screenshot("graded")
    assert _hand_grade(course, LESSON, student, MOLE) == (HAND_SCORE, COMMENT, False)

    released = _cryocourse(course, "feedback", LESSON)
    assert released.returncode == 0, f"{released.stdout}\n{released.stderr}"
    assert _released_feedback(course)

    frame = _open_feedback(trainee, LESSON)
    body = frame.locator("body")
    expect(body).to_contain_text(COMMENT)
    expect(body).to_contain_text(re.compile(rf"(?<![\d.]){HAND_SCORE:g}(?![\d.])"))
    total = sum(scores.values()) + HAND_SCORE
    expect(body).to_contain_text(re.compile(rf"(?<![\d.]){total:g}(?![\d.])"))
    expect(body).not_to_contain_text("BEGIN HIDDEN TESTS")
    trainee.window_shot("feedback")
    _explains_each_mark(frame, questions, scores, answers, key)
    frame.get_by_text(COMMENT).scroll_into_view_if_needed()
    trainee.window_shot("feedback-hand-mark")


# Each lesson answered with one choice deliberately wrong, so its feedback must explain a
# lost mark as well as full ones.
WRONG = {
    "04-contraindications": ("contra_migraine_cryomassage", "migraine_decision"),
    "05-screening-cases": ("cases_client01", "case01_referral"),
}


@pytest.mark.parametrize("lesson", sorted(WRONG))
def test_lesson_answered_with_controls_is_marked_and_its_feedback_explains_each_mark(
        trainee: Scenario, self_study: SelfStudy, lesson: str):
    """(Issue 17, "Done when".) Lessons 04 and 05 (05: the trainee's own clients) answered
    with the controls, saved, submitted in the Assignments tab and graded: the gradebook
    holds what the course's marker gives each answer; feedback released (written answers
    not yet graded by hand: `--allow-ungraded`) and opened by the trainee explains each
    mark, with the course's answer where points were lost."""
    course, key, student = self_study.course, self_study.key, get_username()
    path = f"{lesson}/{lesson}.ipynb"
    questions = _marked_questions(course.root / MY_WORK / path)
    assert questions, f"{lesson} has no marked questions with controls"
    answers = _reference_answers(questions, key)
    item_id, name = WRONG[lesson]
    spec = next(q.spec for q in questions if q.item.id == item_id)
    options = next(a["options"] for a in spec["answers"] if a["name"] == name)
    codes = [o[0] if isinstance(o, list) else o for o in options]
    answers[item_id][name] = next(c for c in codes if c != answers[item_id][name])
    _answer_lesson(trainee, path, answers, "I would explain this to the client in plain "
                                           "words and write it on her record.")
    _submit(trainee, lesson)

    _collect_and_grade(course, lesson)
    scores = course.auto_scores(lesson, student, lesson)
    expected = _expected_scores(questions, answers, key)
    assert scores == pytest.approx(expected, abs=1e-3), (scores, expected)
    assert scores[item_id] < all_items()[item_id].points

    assert _cryocourse(course, "feedback", lesson).returncode == 2
    released = _cryocourse(course, "feedback", lesson, "--allow-ungraded")
    assert released.returncode == 0, f"{released.stdout}\n{released.stderr}"

    frame = _open_feedback(trainee, lesson)
    _explains_each_mark(frame, questions, scores, answers, key)
    frame.locator(".cryo-feedback").nth(
        [q.item.id for q in questions].index(item_id)).scroll_into_view_if_needed()
    trainee.window_shot("feedback-lost-mark")
