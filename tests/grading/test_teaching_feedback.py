"""Feedback that teaches, with real nbgrader: each marked question says what was right, what
was wrong, the trainee's answer and the course's answer; reused assessments can hide it."""

from __future__ import annotations

import pytest

from tests.nbgrader_harness import Course, reference_submission, with_answers

pytestmark = pytest.mark.nbgrader

LESSON = "00-orientation"
NOTEBOOK = f"{LESSON}.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = Course.copy_of_repo(tmp_path_factory.mktemp("feedback"))
    course.generate(LESSON)
    release = course.release_notebook(LESSON, NOTEBOOK)
    course.submit("ada", LESSON, NOTEBOOK, reference_submission(course, LESSON, NOTEBOOK))
    wrong = with_answers(release, {"orientation_decision_herpes": {"treatment": "proceed",
                                                                   "referral": "gp"},
                                   "orientation_scope_wart_removal":
                                       {"who_may_remove_wart": "<b>me</b>"}})
    course.submit("ben", LESSON, NOTEBOOK, wrong)
    course.autograde(LESSON)
    return course


def _feedback(course: Course, student: str) -> str:
    """The feedback page's text as a reader sees it (tags dropped, entities decoded)."""
    from bs4 import BeautifulSoup

    course.nbgrader("generate_feedback", LESSON, "--force")
    page = (course.root / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
    assert "<b>me</b>" not in page  # typed text is inert
    return " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())


def test_a_wrong_answer_is_explained_with_the_course_answer(course):
    page = _feedback(course, "ben")
    assert ("Question 1: both parts of the decision for a client with a cold sore. : "
            "0 of 1 point.") in page
    assert "✘ Not right." in page
    assert 'treatment = "proceed"' in page
    assert "The course's answer: treatment = \"defer\"" in page
    assert "Not answered." in page  # question 3 left blank
    assert 'who_may_remove_wart = "<b>me</b>"' in page  # shown as text, not as markup
    assert "BEGIN HIDDEN TESTS" not in page and "grade(" not in page
    assert "Incorrect:" not in page and "NotAnswered" not in page  # no raw error outputs


def test_full_marks_say_so_without_repeating_the_answer(course):
    page = _feedback(course, "ada")
    assert page.count("✔ Right: full marks.") == 3
    assert "The course's answer" not in page


def test_a_reused_assessment_hides_the_course_answers(course):
    config = course.root / "nbgrader_config.py"
    original = config.read_text()
    config.write_text(original + f'\nc.TeachingFeedback.hide_reference_for = ["{LESSON}"]\n')
    try:
        page = _feedback(course, "ben")
    finally:
        config.write_text(original)
    assert "✘ Not right." in page and "The course's answer" not in page


def test_cryocourse_feedback_waits_for_the_written_answers_unless_told(course, capsys):
    """Written answers not yet graded by hand: `cryocourse feedback` refuses, saying what to
    do; `--allow-ungraded` releases anyway."""
    from course.cli import main

    assert main(["--course", str(course.root), "feedback", LESSON]) == 2
    said = capsys.readouterr().err
    assert "written answers to grade by hand" in said and "--allow-ungraded" in said
    (course.root / "feedback").rename(course.root / "feedback-before")
    # Told to: it generates the feedback (releasing it then needs submissions that came
    # through the exchange, which this harness does not make: that step is nbgrader's).
    main(["--course", str(course.root), "feedback", LESSON, "--allow-ungraded"])
    said = capsys.readouterr().err
    assert "Warning: 1 submissions still have written answers to grade by hand (ada)" in said
    assert (course.root / "feedback" / "ben" / LESSON / f"{LESSON}.html").is_file()


def test_the_mark_scheme_follows_each_written_answer_in_the_graded_notebook(course):
    """What the Formgrader shows: the trainee's written answer, then the model answer and the
    mark scheme of that question (from the source notebook)."""
    import nbformat

    from course.autograde.mark_scheme import MARK_SCHEME_TAG

    graded = nbformat.read(course.root / "autograded" / "ben" / LESSON / NOTEBOOK, 4)
    written = [i for i, c in enumerate(graded.cells)
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert written
    for index in written:
        scheme = graded.cells[index + 1]
        assert MARK_SCHEME_TAG in scheme.metadata.get("tags", [])
        assert "**Model answer.**" in scheme.source and "**Mark scheme" in scheme.source
