"""The course's HTML pages made from a graded notebook, in the words trainees read.

Two nbconvert templates of the course (``course/nbgrader_plugins/pages/templates``), each a folder
that
extends one of nbgrader's own (nbgrader 0.9.6, pinned; tests/grading/test_page_templates.py
fails if nbgrader's templates stop having the blocks they override):

* ``cryo_feedback`` extends nbgrader's ``feedback``: the trainee's feedback page. Its
  summary and every marked question are named by the question's title ("Question 2: who may
  remove a wart with cold", "Case 3: ...") with "1 of 1 point", "Your answer" instead of
  "Student's answer", no In/Out prompts, ``<html lang="en">``, a title naming the lesson, and
  no script at all (nbgrader's loads MathJax, which the feedback's policy refuses).
* ``cryo_formgrade`` extends nbgrader's ``formgrade``: the Formgrader's submission page,
  unchanged except that each marked cell is named as trainees see it, above nbgrader's own
  score box.

They are selected in nbgrader_config.py through nbconvert's public configuration
(``HTMLExporter.template_name``/``template_file``/``extra_template_basedirs``; the feedback's
under ``GenerateFeedback.HTMLExporter``, which only GenerateFeedback's exporter reads).
``QuestionTitles``, one of ``HTMLExporter.preprocessors``, gives both templates the titles;
``AwaitingMarks`` (in the feedback's pipeline, after nbgrader's GetGrades) tells the feedback
page which written answers the instructor has not marked yet ("not marked yet", not "0 of 2").
"""

from __future__ import annotations

from pathlib import Path

import nbgrader
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from course.questions.reader import lesson_title, question_titles

COURSE_TEMPLATES = Path(__file__).resolve().parent / "templates"
NBGRADER_TEMPLATES = (Path(nbgrader.__file__).resolve().parent / "server_extensions"
                      / "formgrader" / "templates")
TEMPLATE_BASEDIRS = [str(COURSE_TEMPLATES), str(NBGRADER_TEMPLATES)]

FEEDBACK_TEMPLATE = "cryo_feedback"  # a folder of COURSE_TEMPLATES; extends "feedback"
FEEDBACK_FILE = "trainee_feedback.html.j2"
FORMGRADE_TEMPLATE = "cryo_formgrade"  # extends nbgrader's "formgrade"
FORMGRADE_FILE = "submission.html.j2"

# Blocks of nbgrader's templates that the course's templates override or call: if nbgrader
# renames one, the course's page would silently fall back to nbgrader's wording.
FEEDBACK_BLOCKS = ("header", "body", "markdowncell", "input")
FEEDBACK_BASE_BLOCKS = ("body_loop", "codecell", "data_widget_view")
FORMGRADE_BLOCKS = ("markdowncell", "input")


class QuestionTitles(Preprocessor):
    """Put the lesson's title and each grade cell's question title in the page's resources
    (``resources.course_titles.lesson`` and ``.questions[grade_id]``)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        resources["course_titles"] = {"lesson": lesson_title(nb),
                                      "questions": question_titles(nb)}
        return nb, resources


class AwaitingMarks(NbGraderPreprocessor):
    """Flag each grade cell the gradebook still has waiting for a manual grade
    (``metadata.nbgrader.awaiting_marks``) and the page (``resources.awaiting_marks``)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(
                info["notebook"], info["assignment"], info["student"])
            waiting = {grade.name for grade in notebook.grades if grade.needs_manual_grade}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and meta.get("grade_id") in waiting:
                meta["awaiting_marks"] = True
        resources["awaiting_marks"] = bool(waiting)
        return nb, resources
