"""nbgrader configuration for the cosmetic cryotherapy course.

The repository root is the course directory. Every nbgrader command run here (and the
`cryocourse` instructor tool) reads this file. It reads as the pipeline, stage by stage:
1 generate, 2 exchange, 3 autograde, 4 feedback, 5 pages; each stage's plug-ins live in
the room of the same name under course/nbgrader_plugins/.
"""

import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
)

from course.classroom.gradebook import store_plain_names
from course.classroom.grades_csv import GradesCsvExport
from course.nbgrader_plugins import nbgrader_patches
from course.nbgrader_plugins.autograde.execute import SandboxedExecute
from course.nbgrader_plugins.autograde.grading_guard import GradingLockExporter
from course.nbgrader_plugins.autograde.late_penalty import CourseLatePenalty
from course.nbgrader_plugins.autograde.restore_metadata import RestoreGradeMetadata
from course.nbgrader_plugins.autograde.save_grades import SaveAutoGradesAtOnce
from course.nbgrader_plugins.autograde.trusted_scores import ItemPoints, TrustedScores
from course.nbgrader_plugins.exchange.regular_file_exchange import (
    PlainCollect,
    PlainReleaseFeedback,
    screen_before_convert,
)
from course.nbgrader_plugins.feedback.competence_progress import CompetenceProgress
from course.nbgrader_plugins.feedback.late_notice import LateNotice
from course.nbgrader_plugins.feedback.mark_scheme import MarkSchemeBesideAnswers
from course.nbgrader_plugins.feedback.teaching_feedback import FeedbackStyle, TeachingFeedback
from course.nbgrader_plugins.generate.release_cells import TraineeView
from course.nbgrader_plugins.pages.inert_content import (
    InertTraineeContent,
    add_feedback_csp,
    safe_markdown2html,
)
from course.nbgrader_plugins.pages.page_templates import (
    FEEDBACK_FILE,
    FEEDBACK_TEMPLATE,
    FORMGRADE_FILE,
    FORMGRADE_TEMPLATE,
    TEMPLATE_BASEDIRS,
    AwaitingMarks,
    QuestionTitles,
)

c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

# Same results with less CPU per notebook; only on the pinned nbgrader (else a warning).
nbgrader_patches.apply_to_converter()
# Names are stored plain however they come in (name cell, roster, Formgrader): issue 31.
store_plain_names()

COURSE_ROOT = Path(__file__).resolve().parent

# ---- The course, its gradebook and its exchange ----
c.CourseDirectory.course_id = "cosmetic-cryotherapy"
c.CourseDirectory.root = str(COURSE_ROOT)


def gradebook_url(course_root: Path) -> str:
    """The gradebook's database: CRYOCOURSE_DATABASE_URL, the course's private file, or SQLite.

    A class keeps its PostgreSQL URL (with its password, if any) out of this world-readable
    file: in the environment, or in .cryocourse/database-url (git-ignored), which must be
    readable by its owner only (chmod 600). On one machine the default is gradebook.db.
    """
    if os.environ.get("CRYOCOURSE_DATABASE_URL"):
        return os.environ["CRYOCOURSE_DATABASE_URL"]
    private = course_root / ".cryocourse" / "database-url"
    if private.is_file():
        if private.stat().st_mode & 0o077:
            raise PermissionError(f"{private} holds the gradebook's address and password but "
                                  f"others may read it: run chmod 600 {private}")
        return private.read_text(encoding="utf-8").strip()
    return f"sqlite:///{course_root / 'gradebook.db'}"


c.CourseDirectory.db_url = gradebook_url(COURSE_ROOT)

# On one machine, trainees and the instructor share this exchange folder (git-ignored).
# On a class server (bash setup.sh hub) the hub and /etc/profile.d/cryocourse.sh set
# CRYOCOURSE_EXCHANGE to the shared exchange, /srv/nbgrader/exchange.
c.Exchange.root = os.environ.get("CRYOCOURSE_EXCHANGE") or str(COURSE_ROOT / "exchange")

# ---- Stage 2, exchange (release, submit, collect, release feedback) ----
# Only regular files travel (course/foundation/regular_files.py): collect copies regular
# files only and never follows a link; before nbgrader copies a submission's (or an
# autograded folder's) files, links, hard links, devices, FIFOs and oversized files are
# removed from the instructor's copy and reported; feedback release goes on past a trainee
# it cannot release.
c.ExchangeFactory.collect = PlainCollect
c.ExchangeFactory.release_feedback = PlainReleaseFeedback
c.Autograde.pre_convert_hook = screen_before_convert
c.GenerateFeedback.pre_convert_hook = screen_before_convert

# ---- Stage 1, generate (nbgrader generate_assignment: source/ -> release/) ----
# Every released notebook starts with the same header: the disclaimer, the name cell and
# how to submit (source/header.ipynb, written once).
c.IncludeHeaderFooter.header = str(COURSE_ROOT / "source" / "header.ipynb")

# A question's points are declared once, on its item in course/exercises: generating an
# assignment writes them into its grade cells (and so into the gradebook). The course's
# TraineeView runs after hidden tests and mark schemes are cleared and before the final
# checksums: grade cells and long set-up cells are collapsed, answer cells carry their answer
# kinds for the answer controls, and Validate names every unanswered marked question
# (course/nbgrader_plugins/generate/release_cells.py).
_stock = GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default()
_cleared = _stock.index(ClearMarkScheme) + 1
c.GenerateAssignment.preprocessors = [
    ItemPoints, *_stock[:_cleared], TraineeView, *_stock[_cleared:]]

# Answer cells keep the trainee's placeholder line (`max_minutes = ...`) and lose only the
# reference answer, so nothing in a released notebook is code the trainee has to delete.
c.ClearSolutions.code_stub = {"python": ""}
c.ClearSolutions.text_stub = "Write your answer here, in plain sentences."

# A submission that deleted a test cell scores 0 for it instead of waiting for a manual grade.
c.OverwriteCells.add_missing_cells = True

# ---- Stage 3, autograde (nbgrader autograde, the Formgrader's button, cryocourse grade) ----
# One run grades an assignment at a time. Every autograde (the Formgrader's Autograde
# button, `nbgrader autograde`) holds the assignment's grading lock, as `cryocourse grade`
# does, from before it touches a file until it is over, failed or not: meanwhile
# `cryocourse grade` says who is grading (or waits), and an autograde started while another
# run holds the lock stops with a plain message, having changed nothing
# (course/nbgrader_plugins/autograde/grading_guard.py).
c.Autograde.exporter_class = GradingLockExporter
# `nbgrader export` writes CSV whose fields are quoted and never formulas (issue 31).
c.ExportApp.plugin_class = GradesCsvExport

# Cells whose nbgrader metadata a trainee edited (grade_id, points, flags) or deleted are
# put back from the gradebook before nbgrader's own checks, so a submission is always graded.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    RestoreGradeMetadata,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]

# Student code runs in a sandboxed kernel (bubblewrap: no network, no view of source/, the
# gradebook or other submissions; limits on memory, processes, file size, CPU and output).
# A crash, hang or flood is recorded on the cell and grading goes on. Grading stops with a
# plain message where the sandbox cannot start, unless the instructor explicitly sets
# c.BubblewrapProvisioner.allow_unsandboxed = True (limits: c.BubblewrapProvisioner.*).
c.SandboxedExecute.timeout = 30  # seconds per cell
c.SandboxedExecute.notebook_timeout = 600  # seconds per notebook
c.SandboxedExecute.startup_timeout = 60
# Each sandboxed kernel serves one submission and is thrown away: stop it at once instead
# of waiting for a graceful shutdown (which idles up to seconds per submission).
c.SandboxedExecute.shutdown_kernel = "immediate"

# Marks come from the trusted marker (answers read from the notebook's text), never from
# objects the trainee's code made. It runs after execution and before grades are saved, and
# writes every grade cell's output: so grade cells are not run in the kernel at all.
c.SandboxedExecute.grade_cells_marked_from_text = True
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    InertTraineeContent,
    TrustedScores,
    MarkSchemeBesideAnswers,  # the Formgrader shows it under each written answer
    SaveAutoGradesAtOnce,  # nbgrader's SaveAutoGrades, committed once per notebook
    AssignLatePenalties,
    CheckCellMetadata,
]

# A late hand-in (after the gradebook's due date plus the trainee's extension, at the server's
# time of the hand-in) loses what the assignment's late policy says (`cryocourse deadline`).
c.AssignLatePenalties.plugin_class = CourseLatePenalty

# nbconvert checks the whole notebook against nbformat's schema after every step of a
# pipeline (14 checks per graded notebook); check it once, after the last step.
c.Exporter.optimistic_validation = True

# ---- Stage 4, feedback (nbgrader generate_feedback, cryocourse feedback) ----
# Feedback never shows hidden tests (stock nbgrader shows them), and explains each mark in
# plain words: what was right, what was missing or wrong, the course's answer.
# The practice log's feedback (lesson 08) shows the trainee's progress towards the units; a late
# hand-in's feedback says when it came, by how much, against which due date and extension.
c.GenerateFeedback.preprocessors = [
    ClearHiddenTests, TeachingFeedback, CompetenceProgress, GetGrades, AwaitingMarks, LateNotice,
    CSSHTMLHeaderPreprocessor, FeedbackStyle]
# For an assessment that is reused, keep the course's answers out of its feedback, e.g.
# c.TeachingFeedback.hide_reference_for = ["05-screening-cases"]

# ---- Stage 5, pages (every HTML page made from a trainee's notebook) ----
# Trainee content is inert wherever it is viewed: every HTML page made from a trainee's
# notebook (feedback, and the Formgrader, which reads this file too) sanitises HTML and
# markdown (nh3), drops scripts and raw HTML, escapes names and carries a strict
# Content-Security-Policy. The autograded notebook itself is sanitised above.
c.HTMLExporter.preprocessors = [InertTraineeContent, QuestionTitles]
c.HTMLExporter.filters = {"markdown2html": safe_markdown2html}
c.GenerateFeedback.post_convert_hook = add_feedback_csp

# Pages name questions as trainees see them (course/nbgrader_plugins/pages/page_templates.py):
# the course's templates extend nbgrader's. The Formgrader's submission page (the only other
# HTMLExporter that reads this file) adds each question's title above nbgrader's score box;
# the trainee's feedback page (config under GenerateFeedback, read by its exporter only) is in
# a trainee's words: "Your answer", "Question 2: ...: 1 of 1 point", no In/Out prompts, no script.
c.HTMLExporter.extra_template_basedirs = TEMPLATE_BASEDIRS
c.HTMLExporter.template_name = FORMGRADE_TEMPLATE
c.HTMLExporter.template_file = FORMGRADE_FILE
c.GenerateFeedback.HTMLExporter.template_name = FEEDBACK_TEMPLATE
c.GenerateFeedback.HTMLExporter.template_file = FEEDBACK_FILE
c.GenerateFeedback.HTMLExporter.exclude_input_prompt = True
c.GenerateFeedback.HTMLExporter.exclude_output_prompt = True
