"""An assignment's steps through the term, over NbGraderAPI: release, collect, grade, feedback.

Each step is one function (``cryocourse release``, ``collect``, ``grade``, ``feedback``): it
does the step and returns what to tell the instructor; expected problems are raised as
``CourseError`` sentences that say what to do next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.classroom.due_dates import publish_deadlines
from course.classroom.gradebook import awaiting_marks, describe_awaited, question_labels_of
from course.classroom.parallel_grading import GradingSummary, grade_assignment
from course.classroom.self_study import kernel_language_info, stamp_language_info
from course.classroom.submissions import find_submissions, unfinished_regrades
from course.storage.course_folder import CourseError, log_problem, make_api, require_assignment

WAIT_FOR_OTHER_RUN = 6 * 3600.0  # seconds `grade --wait` waits for another grader's run

# What nbgrader's feedback converter and the course's release step log about one trainee.
_FEEDBACK_FAILED = re.compile(r"error processing assignment '[^']*' for student '([^']*)'")
_NOT_RELEASED = re.compile(r"Feedback not released for (\S+): (.*)")


def api_step(result: dict[str, Any], what: str) -> None:
    """An NbGraderAPI result that did not succeed, as a CourseError with its log's problem."""
    if not result.get("success"):
        raise CourseError(f"{what} did not work: {log_problem(result)}")


def release(root: Path, assignment: str, *, force: bool = False) -> str:
    """Generate the trainees' version of ``assignment`` and release it to the exchange."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import capture_log

    from course.storage import deadlines

    assignment = require_assignment(root, assignment)
    api = make_api(root)
    api_step(api.generate_assignment(assignment, force=True), f"Generating {assignment}")
    api.coursedir.assignment_id = assignment
    app = api.exchange.ReleaseAssignment(coursedir=api.coursedir,
                                         authenticator=api.authenticator, parent=api)
    app.force = force
    result = capture_log(app)
    if not result["success"] and "already exists" in result.get("log", ""):
        raise CourseError(f"{assignment} is already released. To replace it (trainees who "
                          "already fetched it keep their copy), run: "
                          f"cryocourse release {assignment} --force")
    api_step(result, f"Releasing {assignment}")
    # Trainees' kernels run this course's Python: with its language details in the notebook,
    # JupyterLab does not mark a lesson unsaved the moment it opens.
    info = kernel_language_info()
    outbound = Path(api.config.Exchange.root) / api.coursedir.course_id / "outbound"
    for notebook in (outbound / assignment).rglob("*.ipynb"):
        stamp_language_info(notebook, info)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        publish_deadlines(root, api, gradebook, deadlines.load(root))
    return (f"{assignment} released to {api.config.Exchange.root}. Trainees fetch it in the "
            "Assignments tab of JupyterLab.")


@dataclass
class Collected:
    """What a collect brought in, and what it had to say about whom."""

    assignment: str
    count: int
    notices: list[dict[str, str]]  # {"student", "text"}: each warning and refusal
    other_warnings: list[str]  # nbgrader's own warnings and errors, not about one trainee

    def notice_lines(self) -> list[str]:
        """Every warning and refusal, grouped by trainee."""
        by_student: dict[str, list[str]] = {}
        for notice in self.notices:
            by_student.setdefault(notice["student"], []).append(notice["text"])
        lines = []
        for student, texts in sorted(by_student.items()):
            lines.append(f"{student}:")
            lines += [f"  - {text}" for text in texts]
        return lines

    def text(self) -> str:
        """What was collected and what next (CourseError: nothing was)."""
        if self.count == 0:
            raise CourseError(f"No submissions of {self.assignment} yet. Trainees submit from "
                              "the Assignments tab; check it was released (cryocourse status) "
                              "and run collect again later.")
        shown = len(self.notices)
        return (f"{self.count} submissions of {self.assignment} are in submitted/"
                f"{f' ({shown} warnings above, by trainee)' if shown else ''}. Next: "
                f"cryocourse grade {self.assignment}")


def collect(root: Path, assignment: str) -> Collected:
    """Collect the hand-ins of ``assignment`` from the exchange into submitted/."""
    from nbgrader.utils import capture_log

    from course.nbgrader_plugins.exchange.regular_file_exchange import collect_notices

    assignment = require_assignment(root, assignment)
    api = make_api(root)
    api.coursedir.assignment_id = assignment
    app = api.exchange.Collect(coursedir=api.coursedir,
                               authenticator=api.authenticator, parent=api)
    app.update = True
    result = capture_log(app)
    api_step(result, f"Collecting {assignment}")
    notices = collect_notices(root, assignment)["notices"]
    others = [line.strip() for line in result.get("log", "").splitlines()
              if line.startswith(("[WARNING]", "[ERROR]"))
              and not any(n["text"] in line for n in notices)]
    return Collected(assignment, len(find_submissions(root, assignment)), notices, others)


def grade(root: Path, assignment: str, *, workers: int | None = None, force: bool = False,
          students: list[str] | None = None, limit: int | None = None, wait: bool = False,
          warn: Callable[[str], None] = lambda text: None) -> GradingSummary:
    """Autograde new or changed submissions of ``assignment`` in parallel (then
    ``send_to_lms``); with ``wait``, wait for another grader's run (``warn`` hears why)."""
    assignment = require_assignment(root, assignment)
    if not find_submissions(root, assignment):
        raise CourseError(f"No submissions of {assignment} to grade. Run "
                          f"`cryocourse collect {assignment}` first (submissions go to "
                          f"submitted/<trainee>/{assignment}/).")

    def waiting(holder: str) -> None:
        warn(f"{assignment} is being graded already ({holder}); waiting for that run to "
             "finish (Ctrl+C stops waiting).")

    return grade_assignment(root, assignment, workers=workers, force=force,
                            students=students or None, limit=limit,
                            wait=WAIT_FOR_OTHER_RUN if wait else 0.0, on_wait=waiting)


def graded_lines(summary: GradingSummary) -> list[str]:
    """What a grading run tells the instructor: its summary and, if it went well, what next."""
    lines = [summary.text()]
    if summary.ok:
        lines.append("Next: written answers in the Formgrader, then cryocourse feedback "
                     f"{summary.assignment}")
    return lines


def send_to_lms(root: Path, assignment: str) -> tuple[str | None, str | None]:
    """A course connected to an LMS sends what grading changed (the outbox keeps what the
    LMS does not take now); after hand marks, `cryocourse lms send` does the same. What the
    LMS took, or why nothing was sent (both None: no LMS)."""
    from course.classroom.lms_client import LmsError
    from course.storage.lms_settings import PLATFORM_FILE, lms_folder

    if not (lms_folder(root) / PLATFORM_FILE).exists():
        return None, None
    from course.classroom.lms_grades import send

    try:
        return send(root, assignment).text(), None
    except (LmsError, CourseError) as problem:
        return None, (f"Grades were not sent to the LMS ({problem}); `cryocourse lms send "
                      f"{assignment}` sends them.")


@dataclass
class FeedbackReleased:
    """Feedback released, and the trainees whose feedback was not (with why)."""

    assignment: str
    skipped: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return (f"Feedback for {self.assignment} is in feedback/ and released; trainees fetch "
                "it in the Assignments tab. Hidden tests are not shown.")

    def skipped_lines(self) -> list[str]:
        if not self.skipped:
            return []
        return [f"Skipped {len(self.skipped)} (the others were released):",
                *(f"  not released: {student}: {reason}"
                  for student, reason in sorted(self.skipped.items()))]


def release_feedback(root: Path, assignment: str, *, allow_ungraded: bool = False,
                     warn: Callable[[str], None] = lambda text: None) -> FeedbackReleased:
    """Generate and release the feedback of ``assignment``, once grading is finished and
    (unless ``allow_ungraded``) every written answer has its hand mark; ``warn`` hears about
    answers still waiting before the (long) generation starts."""
    from nbgrader.api import Gradebook

    from course.storage import deadlines, supervision

    assignment = require_assignment(root, assignment)
    still_open = supervision.feedback_problem(deadlines.load(root), assignment,
                                              supervision.now_utc())
    if still_open:
        raise CourseError(still_open)
    if not any((root / "autograded").glob(f"*/{assignment}")):
        raise CourseError(f"Nothing of {assignment} is graded yet: run "
                          f"`cryocourse grade {assignment}` first.")
    cut_short = unfinished_regrades(root, assignment)
    if cut_short:
        raise CourseError(
            f"The last grading run of {assignment} was stopped before it finished "
            f"({', '.join(sorted(cut_short)[:8])}{', ...' if len(cut_short) > 8 else ''}): "
            f"run `cryocourse grade {assignment}` to finish it (hand grades are kept), then "
            "this command again.")
    damaged = damaged_autograded(root, assignment)
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        waiting = awaiting_marks(gradebook, assignment, question_labels_of(root, assignment))
    if waiting:
        count = (f"{len(waiting)} answer{'s' if len(waiting) != 1 else ''} still "
                 f"wait{'s' if len(waiting) == 1 else ''}")
        if not allow_ungraded:
            raise CourseError(
                f"{count} for a hand mark:\n{describe_awaited(waiting)}\n"
                "Mark them in the Formgrader (the assignment's submissions), then run this "
                f"again; or release now with `cryocourse feedback {assignment} "
                "--allow-ungraded`.")
        warn(f"Warning: {count} for a hand mark; their feedback shows what is "
             f"listed until you mark them and run this command again:\n"
             f"{describe_awaited(waiting)}")
    generated = api.generate_feedback(assignment, force=True)
    skipped = {student: "its feedback page could not be made from the autograded notebook"
               for student in _FEEDBACK_FAILED.findall(generated.get("log", ""))}
    skipped.update(damaged)
    if not generated.get("success") and not skipped:
        api_step(generated, f"Feedback for {assignment}")
    released = api.release_feedback(assignment)
    skipped.update(_NOT_RELEASED.findall(released.get("log", "")))
    if not released.get("success"):
        api_step(released, f"Releasing feedback for {assignment}")
    return FeedbackReleased(assignment, skipped)


def damaged_autograded(root: Path, assignment: str) -> dict[str, str]:
    """Trainees whose autograded notebook of ``assignment`` is cut short or unreadable, with
    what to do (their feedback cannot be made from it)."""
    from course.classroom.submissions import autograded_problem
    from course.storage.course_folder import release_notebooks

    damaged = {}
    for folder in sorted((root / "autograded").glob(f"*/{assignment}")):
        student = folder.parent.name
        for notebook in release_notebooks(root, assignment):
            problem = autograded_problem(folder / notebook.name)
            if problem and (root / "submitted" / student / assignment / notebook.name).is_file():
                damaged[student] = (f"its autograded notebook {notebook.name} {problem}: grade "
                                    f"it again with `cryocourse grade {assignment} --student "
                                    f"{student}`, then run this command again")
                break
    return damaged
