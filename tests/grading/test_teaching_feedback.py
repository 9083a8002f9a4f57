"""Feedback that teaches, with real nbgrader: each marked question says what was right, what
was wrong, the trainee's answer and the course's answer with its reason; reused assessments
can hide it. Lesson 00 goes through the whole pipeline (generate, submit, autograde,
generate_feedback); every lesson's released notebook, blank and with known-wrong and partly
right answers, goes through the feedback preprocessor itself."""

from __future__ import annotations

import copy
import re

import nbformat
import pytest
from nbgrader.utils import is_grade
from traitlets.config import Config

from course.exercises import all_items
from course.facts.knowledge import load
from course.nbgrader_plugins.autograde.trusted_scores import marking_context
from course.nbgrader_plugins.feedback.teaching_feedback import TeachingFeedback
from tests.nbgrader_harness import (
    MARKED_ASSIGNMENTS,
    REPO,
    Course,
    reference_submission,
    with_answers,
)

pytestmark = pytest.mark.nbgrader

LESSON = "00-orientation"
NOTEBOOK = f"{LESSON}.ipynb"
HERPES_PART_RIGHT = {"orientation_decision_herpes": {"treatment": "defer", "referral": "gp"}}


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
    course.submit("cleo", LESSON, NOTEBOOK, with_answers(release, HERPES_PART_RIGHT))
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
    # the question and its points head the explanation (the course's feedback template)
    assert ("Question 1: both parts of the decision for a client with a cold sore "
            "0 of 1 point ✘ Not right.") in page
    assert "✘ Not right." in page
    # answers in the words the trainee picked, never as typed lines
    assert "Your answer: treatment: Proceed referral: GP (the client's own doctor)" in page
    assert "The course's answer: treatment: Defer referral:" in page
    assert 'treatment = "' not in page and "more_minutes = " not in page
    # why her own pick is wrong, from the data (what "proceed" means)
    proceed = load().treatments["proceed"].meaning.rstrip(".")
    assert f"Why not your answer: Proceed means: {proceed}. The course's answer here is Defer." \
        in page
    assert "Not answered." in page  # question 3 left blank
    assert "Your answer: '<b>me</b>' (could not be read)" in page  # as text, not as markup
    # the check before submission ("in the right form") is not on the marked page
    assert "right form" not in page and 'check("' not in page
    assert "BEGIN HIDDEN TESTS" not in page and "grade(" not in page
    assert "Incorrect:" not in page and "NotAnswered" not in page  # no raw error outputs
    for item_id in ("orientation_decision_herpes", "orientation_scope_wart_removal",
                    "orientation_observation_minutes"):  # wrong, wrong, blank: each explained
        assert f"Why: {all_items()[item_id].reason()}" in page


def test_a_partly_right_two_part_answer_names_the_right_and_the_wrong_part(course):
    page = _feedback(course, "cleo")
    html = (course.root / "feedback" / "cleo" / LESSON / f"{LESSON}.html").read_text()
    # the answers' names shown as code, not as backticks
    assert "◐ Partly right. Right: treatment. Not correct: referral." in html
    assert "`treatment`" not in page
    assert "Your answer: treatment: Defer referral: GP (the client's own doctor)" in page
    assert "Why not your answer: GP (the client's own doctor) means:" in page
    assert "0.5 of 1 point" in page


def test_full_marks_say_so_without_repeating_the_answer(course):
    page = _feedback(course, "ada")
    assert page.count("✔ Right: full marks.") == 3
    assert "The course's answer" not in page
    assert page.count("Why: ") == 3  # the reason still teaches an answer that was a guess
    # the written answer's mark scheme, titled for the trainee (not "for the grader")
    assert "How this answer is marked" in page and "for the grader" not in page


def test_a_reused_assessment_hides_the_course_answers(course):
    config = course.root / "nbgrader_config.py"
    original = config.read_text()
    config.write_text(original + f'\nc.TeachingFeedback.hide_reference_for = ["{LESSON}"]\n')
    try:
        page = _feedback(course, "ben")
    finally:
        config.write_text(original)
    assert "✘ Not right." in page and "The course's answer" not in page
    assert "Why:" not in page


def test_cryocourse_feedback_waits_for_the_written_answers_unless_told(course, capsys):
    """Written answers not yet graded by hand: `cryocourse feedback` refuses, saying what to
    do; `--allow-ungraded` releases anyway."""
    from course.cli import main

    assert main(["--course", str(course.root), "feedback", LESSON]) == 2
    said = capsys.readouterr().err
    assert "1 answer still waits for a hand mark" in said and "--allow-ungraded" in said
    assert "ada, Question 4: not marked yet (its feedback would show 0 for it)" in said
    feedback = course.root / "feedback"
    if feedback.exists():  # made by another test of this module (on this worker)
        feedback.rename(course.root / "feedback-before")
    # Told to: it generates the feedback (releasing it then needs submissions that came
    # through the exchange, which this harness does not make: that step is nbgrader's).
    main(["--course", str(course.root), "feedback", LESSON, "--allow-ungraded"])
    said = capsys.readouterr().err
    assert "Warning: 1 answer still waits for a hand mark" in said
    assert "ada, Question 4: not marked yet" in said
    assert (course.root / "feedback" / "ben" / LESSON / f"{LESSON}.html").is_file()


def test_the_mark_scheme_follows_each_written_answer_in_the_graded_notebook(course):
    """What the Formgrader shows: the trainee's written answer, then the model answer and the
    mark scheme of that question (from the source notebook)."""
    import nbformat

    from course.nbgrader_plugins.feedback.mark_scheme import MARK_SCHEME_TAG

    graded = nbformat.read(course.root / "autograded" / "ben" / LESSON / NOTEBOOK, 4)
    written = [i for i, c in enumerate(graded.cells)
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert written
    for index in written:
        scheme = graded.cells[index + 1]
        assert MARK_SCHEME_TAG in scheme.metadata.get("tags", [])
        assert "**Model answer.**" in scheme.source and "**Mark scheme" in scheme.source


# --------------------------------------------------------------------------- every lesson


def _release(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(REPO / "release" / lesson / f"{lesson}.ipynb", as_version=4)


def _explained(lesson: str, nb: nbformat.NotebookNode, root, show: bool = True
               ) -> dict[str, str]:
    """Each marked question's feedback as a reader sees it, by grade id (the preprocessor of
    ``generate_feedback``, for the trainee "ben" of a course at ``root``)."""
    from bs4 import BeautifulSoup

    config = Config()
    config.CourseDirectory.root = str(root)
    config.TeachingFeedback.show_reference = show
    resources = {"nbgrader": {"assignment": lesson, "student": "ben", "notebook": lesson}}
    explained, _ = TeachingFeedback(config=config).preprocess(copy.deepcopy(nb), resources)
    return {cell.metadata["nbgrader"]["grade_id"]: " ".join(BeautifulSoup(
                cell.outputs[0]["data"]["text/html"], "html.parser").get_text(" ").split())
            for cell in explained.cells if cell.cell_type == "code" and is_grade(cell)}


def _reasons(lesson: str, root) -> dict[str, str]:
    """The reasons the trainee "ben" should read (assessment 05: his own clients)."""
    config = Config()
    config.CourseDirectory.root = str(root)
    with marking_context(config, {"nbgrader": {"assignment": lesson, "student": "ben"}}):
        return {item_id: item.reason() for item_id, item in all_items().items()}


def _known_wrong(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
           if c.cell_type == "code" and is_grade(c)]
    return with_answers(nb, {i: all_items()[i].wrong[0].answers for i in ids
                             if i in all_items()})


@pytest.mark.parametrize("answers", ["blank", "known wrong"])
@pytest.mark.parametrize("lesson", MARKED_ASSIGNMENTS)
def test_every_marked_question_is_explained_with_the_course_answer_and_its_reason(
        lesson, answers, tmp_path):
    release = _release(lesson)
    nb = release if answers == "blank" else _known_wrong(release)
    explained, reasons = _explained(lesson, nb, tmp_path), _reasons(lesson, tmp_path)
    assert explained, f"{lesson} has no marked question"
    for grade_id, text in explained.items():
        assert f"Why: {reasons[grade_id]}" in text, (grade_id, text)
        if answers == "blank":
            assert "○ Not answered." in text and "The course's answer:" in text
    hidden = _explained(lesson, nb, tmp_path, show=False)
    assert not any("Why:" in text or "The course's answer" in text or "This client:" in text
                   for text in hidden.values())


def test_a_partly_right_list_names_the_right_the_wrong_and_counts_the_missing(tmp_path):
    lesson = "04-contraindications"
    nb = with_answers(_release(lesson),
                      {"contra_refuse_list_chamber": {"refuse_in_chamber": ["epilepsy",
                                                                            "migraine"]}})
    text = _explained(lesson, nb, tmp_path)["contra_refuse_list_chamber"]
    assert "✘ Not right." in text  # one right, one wrong: (1 - 1) / 5, no points
    assert "Right: Epilepsy. Should not be there: Migraine. Missing: 4 more conditions." in text


def test_a_partly_right_screening_names_each_part(tmp_path):
    lesson = "04-contraindications"
    nb = with_answers(_release(lesson), {"contra_screen_high_bp_chamber": {
        "bp_client_treatment": "defer", "bp_client_referral": "none",
        "bp_client_findings": ["bp_above_limit", "migraine"]}})
    text = _explained(lesson, nb, tmp_path)["contra_screen_high_bp_chamber"]
    assert "◐ Partly right." in text
    assert "Treatment today: right." in text
    # the lost part explained: what the word chosen means (decisions.toml)
    assert ("Referral: 'No referral' is not right for this client. It means: The client need "
            "not see anyone about this visit.") in text
    assert re.search(r"Findings right: [^.]*\. Not a finding for this client: Migraine\.", text)


def test_partly_right_steps_name_the_steps_and_the_order(tmp_path):
    lesson = "07-safe-practice"
    nb = with_answers(_release(lesson), {"safety_oxygen_alarm_steps": {"alarm_steps": [
        "stop_session", "leave_room", "client_out", "jewellery_off"]}})
    text = _explained(lesson, nb, tmp_path)["safety_oxygen_alarm_steps"]
    assert "◐ Partly right." in text
    # (laying a dizzy client down is also right there, so it would neither earn nor cost)
    assert "Should not be there: take off jewellery and anything tight on the area." in text
    assert "Missing: 4 more steps." in text and "pairs of critical steps in the right order" in text
