"""The course's page templates (course/nbgrader_plugins/pages/page_templates.py) with real
nbgrader: the
trainee's feedback page reads in a trainee's words, the Formgrader's submission page names
questions as trainees see them, and nbgrader's templates still have the blocks they override.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from course.nbgrader_plugins.pages.page_templates import (
    FEEDBACK_BASE_BLOCKS,
    FEEDBACK_BLOCKS,
    FEEDBACK_FILE,
    FEEDBACK_TEMPLATE,
    FORMGRADE_BLOCKS,
    FORMGRADE_FILE,
    FORMGRADE_TEMPLATE,
    NBGRADER_TEMPLATES,
)
from tests.nbgrader_harness import REPO, Course, reference_submission, with_answers

LESSON = "00-orientation"
NOTEBOOK = f"{LESSON}.ipynb"


def _blocks(path: Path) -> set[str]:
    tree = Environment().parse(path.read_text(encoding="utf-8"))
    return {block.name for block in tree.find_all(nodes.Block)}


def test_nbgrader_templates_still_have_the_blocks_the_course_overrides():
    """nbgrader is pinned (0.9.6): if a new version renames these blocks, the course's pages
    would silently fall back to nbgrader's wording ("Grade cell", "Student's answer")."""
    import nbgrader
    from jupyter_core.paths import jupyter_path

    assert nbgrader.__version__ == "0.9.6", "re-check the course's templates against it"
    feedback = _blocks(NBGRADER_TEMPLATES / "feedback" / "index.html.j2")
    assert set(FEEDBACK_BLOCKS) <= feedback, set(FEEDBACK_BLOCKS) - feedback
    formgrade = _blocks(NBGRADER_TEMPLATES / "formgrade" / "index.html.j2")
    assert set(FORMGRADE_BLOCKS) <= formgrade, set(FORMGRADE_BLOCKS) - formgrade
    share = next(Path(d) for d in jupyter_path("nbconvert", "templates")
                 if (Path(d) / "base" / "null.j2").is_file())
    base = _blocks(share / "base" / "null.j2") | _blocks(share / "classic" / "base.html.j2")
    assert set(FEEDBACK_BASE_BLOCKS) <= base, set(FEEDBACK_BASE_BLOCKS) - base
    templates = REPO / "course" / "nbgrader_plugins" / "pages" / "templates"
    assert (templates / FEEDBACK_TEMPLATE / FEEDBACK_FILE).is_file()
    assert (templates / FORMGRADE_TEMPLATE / FORMGRADE_FILE).is_file()
    # nbgrader's own files are not named like the course's, so the course's never shadow them
    assert not (NBGRADER_TEMPLATES / "feedback" / FEEDBACK_FILE).exists()
    assert not (NBGRADER_TEMPLATES / "formgrade" / FORMGRADE_FILE).exists()


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("pages"))
    course.generate(LESSON)
    release = course.release_notebook(LESSON, NOTEBOOK)
    course.submit("ada", LESSON, NOTEBOOK, reference_submission(course, LESSON, NOTEBOOK))
    course.submit("ben", LESSON, NOTEBOOK, with_answers(
        release, {"orientation_scope_wart_removal": {"who_may_remove_wart": "physician"}}))
    course.autograde(LESSON)
    course.nbgrader("generate_feedback", LESSON, "--force")
    return course


def _soup(page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(page, "html.parser")


def _page(course: Course, student: str) -> tuple[str, str]:
    """The feedback page's HTML and its text as a reader sees it."""
    page = (course.root / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
    return page, " ".join(_soup(page).get_text(" ").split())


@pytest.mark.nbgrader
def test_feedback_page_reads_in_a_trainees_words(course):
    from course.nbgrader_plugins.pages.inert_content import _CSP_META

    page, text = _page(course, "ben")
    assert re.search(r"<html lang=\"en\">", page)
    assert "<title>Feedback: 00 · Orientation: how this course works</title>" in page
    assert "Your score: 1 of 5 points" in text
    # the summary and each marked question: its title, its points in words
    assert "Your marks, question by question" in text
    assert "Question 2: who may remove a wart with cold 1 of 1 point" in text
    assert "Question 3: how much longer the client stays 0 of 1 point" in text
    assert "Your answer to Question 4 0 of 2 points" in text  # left blank
    assert "Comment: No response." in text  # nbgrader's, where it was
    assert "Your answer" in text
    for jargon in ("Student's answer", "Grade cell", "Score:", "Test cell", "(Top)",
                   "1.0 / 1.0"):
        assert jargon not in text, jargon
    headings = [h.get_text(" ", strip=True) for h in _soup(page).select(".cryo-heading")]
    assert len(headings) == 9 and not [h for h in headings if "_" in h]  # no grade ids
    assert not re.search(r"\b(In|Out)\s*\[\s*\d*\s*\]:", text)  # no prompts
    assert '<a href="#orientation_scope_wart_removal">' in page  # the summary links down
    # kept: hidden tests never shown, the no-script policy (and no script left to refuse)
    assert "BEGIN HIDDEN TESTS" not in page and 'grade("' not in page
    assert _CSP_META in page
    assert "<script" not in page.lower()


@pytest.mark.nbgrader
def test_full_marks_page_lists_every_question_with_its_points(course):
    _, text = _page(course, "ada")
    # the written answer waits for the instructor: not a 0
    assert ("Your score so far: 3 of 5 points (your instructor has not marked every "
            "answer yet)") in text
    assert "Your answer to Question 4 not marked yet" in text
    for title in ("Question 1: both parts of the decision for a client with a cold sore",
                  "Question 2: who may remove a wart with cold",
                  "Question 3: how much longer the client stays"):
        assert text.count(f"{title} 1 of 1 point") == 2, title  # summary and question



@pytest.mark.nbgrader
def test_a_written_answer_marked_by_hand_shows_its_points(course):
    """Once the instructor has marked the written answer, the page gives its points and the
    score is no longer "so far" (the grade is put back afterwards for the other tests)."""
    from nbgrader.api import Gradebook

    def mark(score: float | None) -> None:
        with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
            grade = gradebook.find_grade("orientation_explain_mole", LESSON, LESSON, "ada")
            grade.manual_score, grade.needs_manual_grade = score, score is None
            gradebook.db.commit()
        course.nbgrader("generate_feedback", LESSON, "--force", "--student", "ada")

    mark(1.5)
    try:
        _, text = _page(course, "ada")
    finally:
        mark(None)
    assert "Your score: 4.5 of 5 points" in text and "so far" not in text
    assert "Your answer to Question 4 1.5 of 2 points" in text
    assert "not marked yet" not in text

@pytest.mark.nbgrader
def test_formgrader_page_names_each_question_as_trainees_see_it(course):
    """The Formgrader's exporter, configured as the Formgrader configures it and then by the
    course's nbgrader_config.py (which the Formgrader reads after its own)."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [str(NBGRADER_TEMPLATES)]
    config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config())
    resources = {"assignment_id": LESSON, "notebook_id": LESSON, "submission_id": "x",
                 "index": 0, "total": 2, "base_url": "", "student": "ben", "last_name": "",
                 "first_name": "", "notebook_path": "autograded/ben"}
    page, _ = HTMLExporter(config=config).from_filename(
        str(course.root / "autograded" / "ben" / LESSON / NOTEBOOK), resources=resources)
    assert "<strong>Question 2: who may remove a wart with cold</strong> (marked " in page
    assert "<strong>Question 4</strong> (the trainee's written answer)" in page
    assert 'class="score tabbable" id="orientation_explain_mole"' in page  # nbgrader's box
    assert "Student's answer" in page  # the rest is nbgrader's page, unchanged
