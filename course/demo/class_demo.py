"""A demo class: a fresh course copy, synthetic trainees, and the whole term's workflow.

``build_demo`` copies the course's configuration and sources into a new folder, releases
each assignment to a course-local exchange, submits a filled-in notebook as every
synthetic trainee through that exchange (nbgrader's own submit), collects, grades in
parallel, generates and releases feedback and writes the class report. The points each
trainee should earn are saved in ``demo-expected.json`` so the result can be checked.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import nbformat

from course.classroom.parallel_grading import GradingSummary, grade_assignment
from course.demo.synthetic_trainees import (
    Trainee,
    expected_points,
    filled_notebook,
    make_class,
    model_answers_of,
)
from course.models.variants import has_variants
from course.storage.course_folder import (
    CONFIG_FILE,
    CourseError,
    find_course_root,
    known_assignments,
    load_config,
    log_problem,
    make_api,
    require_assignment,
)
from course.storage.variant_keys import key_for

DEMO_MARKER = ".cryocourse-demo"
EXPECTED_FILE = "demo-expected.json"


@dataclass
class DemoClass:
    """Where a demo class was built and what it should contain."""

    root: Path
    trainees: list[Trainee]
    assignments: list[str]
    expected: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    summaries: list[GradingSummary] = field(default_factory=list)
    reports: dict[str, Path] = field(default_factory=dict)

    def where_to_look(self) -> str:
        """Plain instructions: what was made and how to open it."""
        lines = [f"Demo class ready in {self.root}",
                 f"  trainees: {len(self.trainees)} "
                 f"({', '.join(f'{t.student_id} ({t.profile})' for t in self.trainees[:6])}"
                 f"{', ...' if len(self.trainees) > 6 else ''})"]
        for summary in self.summaries:
            lines.append("  " + summary.text().splitlines()[0])
        for assignment, report in self.reports.items():
            lines.append(f"  class report for {assignment}: {report}")
        lines += [f"  autograded notebooks: {self.root / 'autograded'}",
                  f"  feedback: {self.root / 'feedback'}",
                  f"  expected scores: {self.root / EXPECTED_FILE}",
                  "Open the formgrader to look at it (Nbgrader > Formgrader in JupyterLab):",
                  f"  cd {self.root} && {Path(sys.executable).parent / 'jupyter'} lab"
                  + (" --allow-root" if os.getuid() == 0 else "")]
        return "\n".join(lines)


def course_to_copy(start: Path | None = None) -> Path:
    """The course around ``start`` (default: here), else the one this package belongs to.

    So ``cryocourse demo --out DIR`` works from any folder after ``bash setup.sh``.
    """
    try:
        return find_course_root(start)
    except CourseError:
        installed = Path(__file__).resolve().parents[2]
        if start is None and (installed / CONFIG_FILE).is_file():
            return installed
        raise


def copy_course(source_root: Path, out: Path, assignments: list[str]) -> Path:
    """A fresh course folder at ``out`` with the configuration and the chosen sources."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).is_file():
            raise CourseError(
                f"{out} is not empty and is not a demo class made by this tool: choose a new "
                "folder (nothing was changed).")
        shutil.rmtree(out)
    (out / "source").mkdir(parents=True)
    (out / DEMO_MARKER).write_text("Made by `cryocourse demo`; safe to delete.\n")
    shutil.copy(source_root / CONFIG_FILE, out / CONFIG_FILE)
    for extra in (source_root / "source").glob("*.ipynb"):  # the shared header
        shutil.copy(extra, out / "source" / extra.name)
    for assignment in assignments:
        shutil.copytree(source_root / "source" / assignment, out / "source" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return out


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        raise CourseError(f"{what} failed: {log_problem(result)}")


def submit_through_exchange(api, trainee: Trainee, assignment: str, work: Path) -> None:
    """Run nbgrader's submit as ``trainee`` for the folder ``work/<assignment>``."""
    from nbgrader.utils import capture_log

    coursedir = api.coursedir
    previous = (coursedir.assignment_id, coursedir.student_id)
    coursedir.assignment_id, coursedir.student_id = assignment, trainee.student_id
    try:
        app = api.exchange.submit(coursedir=coursedir, authenticator=api.authenticator,
                                  parent=api, assignment_dir=str(work))
        _check(capture_log(app), f"Submitting {assignment} as {trainee.student_id}")
    finally:
        coursedir.assignment_id, coursedir.student_id = previous


def build_demo(
    out: Path,
    students: int,
    *,
    seed: int = 0,
    assignments: list[str] | None = None,
    workers: int | None = None,
    course_root: Path | None = None,
    with_report: bool = True,
    stream: TextIO | None = None,
) -> DemoClass:
    """Build, submit, collect, grade, give feedback and report on a synthetic class."""
    stream = stream or sys.stderr
    source_root = course_root or course_to_copy()
    chosen = [require_assignment(source_root, a) for a in assignments] if assignments else (
        known_assignments(source_root))
    if students < 1:
        raise CourseError("A demo class needs at least one trainee (--students 1 or more).")
    if (out / DEMO_MARKER).is_file():
        print(f"Replacing the earlier demo class in {out.resolve()}.", file=stream)
    root = copy_course(source_root, out, chosen)
    demo = DemoClass(root, make_class(students, seed), chosen)
    config = load_config(root)
    config.Exchange.cache = str(root / "exchange" / ".cache")
    api = make_api(root, config)
    for assignment in chosen:
        print(f"{assignment}: releasing, submitting {students} notebooks, collecting ...",
              file=stream)
        _check(api.generate_assignment(assignment, force=True), f"Generating {assignment}")
        _check(api.release_assignment(assignment), f"Releasing {assignment}")
        demo.expected[assignment] = {}
        releases = sorted((root / "release" / assignment).glob("*.ipynb"))
        for trainee in demo.trainees:
            work = root / "trainees" / trainee.student_id
            folder = work / assignment
            folder.mkdir(parents=True, exist_ok=True)
            demo.expected[assignment][trainee.student_id] = {}
            key = key_for(root, trainee.student_id) if has_variants(assignment) else None
            for release in releases:
                nb = nbformat.read(release, as_version=4)
                source = nbformat.read(root / "source" / assignment / release.name, 4)
                written = model_answers_of(source)  # varied written answers per question
                nbformat.write(filled_notebook(nb, trainee, key, written), folder / release.name)
                demo.expected[assignment][trainee.student_id][release.stem] = (
                    expected_points(nb, trainee, key))
            submit_through_exchange(api, trainee, assignment, work)
        _check(api.collect(assignment), f"Collecting {assignment}")
        summary = grade_assignment(root, assignment, workers=workers, stream=stream)
        demo.summaries.append(summary)
        _check(api.generate_feedback(assignment, force=True), f"Feedback for {assignment}")
        _check(api.release_feedback(assignment), f"Releasing feedback for {assignment}")
        if with_report:
            from course.classroom.report import build_report

            demo.reports[assignment] = build_report(root, assignment)
    (root / EXPECTED_FILE).write_text(json.dumps(
        {"trainees": {t.student_id: t.profile for t in demo.trainees},
         "points": demo.expected}, indent=1))
    return demo
