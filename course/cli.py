"""``cryocourse``: the instructor's one command over nbgrader.

    cryocourse status                      what is released, submitted, graded, waiting
    cryocourse release 01-physiology       generate the student version and release it
    cryocourse collect 01-physiology       collect submissions from the exchange
    cryocourse grade 01-physiology         autograde new or changed submissions, in parallel
    cryocourse feedback 01-physiology      generate and release feedback
    cryocourse export                      grades as CSV
    cryocourse backup                      copy the gradebook (SQLite or PostgreSQL), checked
    cryocourse report 05-screening-cases   class report (HTML page with figures)
    cryocourse demo --students 12 --out demo-class
    cryocourse variant ana 05-screening-cases   a trainee's own clients (--answers: the key)
    cryocourse variant --new-salt --yes         new clients for everyone (a new cohort)
    cryocourse variant --seat-class roster.txt  no two trainees share a client in a position

Every command takes ``--course FOLDER`` (default: the course around the current folder).
Expected problems are printed as plain sentences with what to do next, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from course.classroom.gradebook import (
    awaiting_marks,
    describe_awaited,
    question_labels_of,
)
from course.classroom.parallel_grading import default_workers, grade_assignment
from course.classroom.self_study import kernel_language_info, stamp_language_info
from course.classroom.submissions import find_submissions
from course.storage import database
from course.storage.course_folder import (
    CourseError,
    ensure_tools_on_path,
    find_course_root,
    known_assignments,
    log_problem,
    make_api,
    require_assignment,
)

WAIT_FOR_OTHER_RUN = 6 * 3600.0  # seconds `grade --wait` waits for another grader's run


def _api_step(result: dict, what: str) -> None:
    if not result.get("success"):
        raise CourseError(f"{what} did not work: {log_problem(result)}")


def cmd_status(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.class_status import class_state

    api = make_api(root)
    if not known_assignments(root):
        print("No assignments yet: add a folder with a notebook under source/.")
        return 0
    print(f"Course {api.coursedir.course_id} in {root}")
    print(f"Exchange: {api.config.Exchange.root}")
    print(f"Gradebook: {database.describe(api.coursedir.db_url)}")
    print(f"{'assignment':<26}{'released':<10}{'to collect':>11}{'submitted':>10}"
          f"{'graded':>8}{'to grade':>10}{'manual':>8}")
    for state in class_state(root, api):
        print(f"{state.assignment:<26}{'yes' if state.released else 'no':<10}"
              f"{state.to_collect:>11}{state.submitted:>10}{state.graded:>8}"
              f"{state.to_grade:>10}{state.manual:>8}")
    print("'to collect': trainees who submitted since the last collect; 'graded': as the "
          "gradebook holds them, however they were graded; 'manual': submissions with "
          "written answers waiting in the Formgrader.")
    return 0


def cmd_release(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.utils import capture_log

    assignment = require_assignment(root, args.assignment)
    api = make_api(root)
    _api_step(api.generate_assignment(assignment, force=True), f"Generating {assignment}")
    api.coursedir.assignment_id = assignment
    app = api.exchange.ReleaseAssignment(coursedir=api.coursedir,
                                         authenticator=api.authenticator, parent=api)
    app.force = args.force
    result = capture_log(app)
    if not result["success"] and "already exists" in result.get("log", ""):
        raise CourseError(f"{assignment} is already released. To replace it (trainees who "
                          "already fetched it keep their copy), run: "
                          f"cryocourse release {assignment} --force")
    _api_step(result, f"Releasing {assignment}")
    # Trainees' kernels run this course's Python: with its language details in the notebook,
    # JupyterLab does not mark a lesson unsaved the moment it opens.
    info = kernel_language_info()
    outbound = Path(api.config.Exchange.root) / api.coursedir.course_id / "outbound"
    for notebook in (outbound / assignment).rglob("*.ipynb"):
        stamp_language_info(notebook, info)
    print(f"{assignment} released to {api.config.Exchange.root}. Trainees fetch it in the "
          "Assignments tab of JupyterLab.")
    return 0


def cmd_collect(root: Path, args: argparse.Namespace) -> int:
    assignment = require_assignment(root, args.assignment)
    api = make_api(root)
    _api_step(api.collect(assignment), f"Collecting {assignment}")
    count = len(find_submissions(root, assignment))
    if count == 0:
        raise CourseError(f"No submissions of {assignment} yet. Trainees submit from the "
                          "Assignments tab; check it was released (cryocourse status) and run "
                          "collect again later.")
    print(f"{count} submissions of {assignment} are in submitted/. Next: "
          f"cryocourse grade {assignment}")
    return 0


def cmd_grade(root: Path, args: argparse.Namespace) -> int:
    assignment = require_assignment(root, args.assignment)
    if not find_submissions(root, assignment):
        raise CourseError(f"No submissions of {assignment} to grade. Run "
                          f"`cryocourse collect {assignment}` first (submissions go to "
                          f"submitted/<trainee>/{assignment}/).")
    def waiting(holder: str) -> None:
        print(f"{assignment} is being graded already ({holder}); waiting for that run to "
              "finish (Ctrl+C stops waiting).", file=sys.stderr, flush=True)

    summary = grade_assignment(root, assignment, workers=args.workers, force=args.force,
                               students=args.student or None, limit=args.limit,
                               wait=WAIT_FOR_OTHER_RUN if args.wait else 0.0, on_wait=waiting)
    print(summary.text())
    if summary.ok:
        print(f"Next: written answers in the Formgrader, then cryocourse feedback {assignment}")
    return 0 if summary.ok else 1


def cmd_backup(root: Path, args: argparse.Namespace) -> int:
    from datetime import datetime

    url = make_api(root).coursedir.db_url
    suffix = ".db" if database.backend(url) == "SQLite" else ".dump"
    target = Path(args.to).resolve() if args.to else (
        root / "backups" / f"gradebook-{datetime.now():%Y-%m-%d-%H%M}{suffix}")
    database.backup(url, target)
    problem = database.integrity_problem(url)
    print(f"Gradebook ({database.describe(url)}) backed up to {target} and checked.")
    if database.backend(url) == "PostgreSQL":
        print(f"Restore it into an empty database with: pg_restore --dbname=NEW {target}")
    if problem:
        print(f"WARNING: the gradebook failed its integrity check: {problem}", file=sys.stderr)
        return 1
    return 0


def cmd_feedback(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    assignment = require_assignment(root, args.assignment)
    if not any((root / "autograded").glob(f"*/{assignment}")):
        raise CourseError(f"Nothing of {assignment} is graded yet: run "
                          f"`cryocourse grade {assignment}` first.")
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        waiting = awaiting_marks(gradebook, assignment, question_labels_of(root, assignment))
    if waiting:
        count = (f"{len(waiting)} answer{'s' if len(waiting) != 1 else ''} still "
                 f"wait{'s' if len(waiting) == 1 else ''}")
        if not args.allow_ungraded:
            raise CourseError(
                f"{count} for a hand mark:\n{describe_awaited(waiting)}\n"
                "Mark them in the Formgrader (the assignment's submissions), then run this "
                f"again; or release now with `cryocourse feedback {assignment} "
                "--allow-ungraded`.")
        print(f"Warning: {count} for a hand mark; their feedback shows what is "
              f"listed until you mark them and run this command again:\n"
              f"{describe_awaited(waiting)}", file=sys.stderr)
    generated = api.generate_feedback(assignment, force=True)
    skipped = {student: "its feedback page could not be made from the autograded notebook"
               for student in _FEEDBACK_FAILED.findall(generated.get("log", ""))}
    if not generated.get("success") and not skipped:
        _api_step(generated, f"Feedback for {assignment}")
    released = api.release_feedback(assignment)
    skipped.update(_NOT_RELEASED.findall(released.get("log", "")))
    if not released.get("success"):
        _api_step(released, f"Releasing feedback for {assignment}")
    print(f"Feedback for {assignment} is in feedback/ and released; trainees fetch it in the "
          "Assignments tab. Hidden tests are not shown.")
    if skipped:
        print(f"Skipped {len(skipped)} (the others were released):", file=sys.stderr)
        for student, reason in sorted(skipped.items()):
            print(f"  not released: {student}: {reason}", file=sys.stderr)
        return 1
    return 0


# What nbgrader's feedback converter and the course's release step log about one trainee.
_FEEDBACK_FAILED = re.compile(r"error processing assignment '[^']*' for student '([^']*)'")
_NOT_RELEASED = re.compile(r"Feedback not released for (\S+): (.*)")


def cmd_export(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    api = make_api(root)
    target = Path(args.to).resolve()
    plugin = CsvExportPlugin(config=api.config)
    plugin.to = str(target)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    print(f"Grades written to {target}")
    return 0


def cmd_report(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.report import build_report

    assignment = require_assignment(root, args.assignment)
    report = build_report(root, assignment, Path(args.out).resolve() if args.out else None)
    print(f"Class report: {report}\nOpen it in a browser (no server needed).")
    return 0


def cmd_demo(root: Path | None, args: argparse.Namespace) -> int:
    from course.demo.class_demo import build_demo

    demo = build_demo(Path(args.out), args.students, seed=args.seed,
                      assignments=args.assignments or None, workers=args.workers,
                      course_root=root)
    print(demo.where_to_look())
    failed = any(not s.ok for s in demo.summaries)
    return 1 if failed else 0


def cmd_variant(root: Path, args: argparse.Namespace) -> int:
    from course.models.variants import blueprint, draw, has_variants
    from course.storage.variant_keys import key_for, new_salt, salt_path, seats_path

    if args.new_salt:
        if not args.yes:
            raise CourseError("A new salt gives every trainee new clients, and submissions "
                              "already made would be marked against clients the trainees "
                              "never saw. Do it between cohorts, then run: "
                              "cryocourse variant --new-salt --yes")
        print(f"New salt written to {new_salt(root)} (owner-only). Every trainee now has new "
              "clients; restart the trainees' servers so they receive their new keys.")
        return 0
    if args.seat_class:
        from course.classroom.variant_seats import roster, seat_class

        table = seat_class(root, roster(Path(args.seat_class)))
        moved = sum(1 for number in table.values() if number)
        print(f"{len(table)} trainees seated ({moved} with another draw): no two share a "
              f"client in the same position. Table: {seats_path(root)}. Release it with "
              "the assessment before trainees fetch it: cryocourse release "
              "05-screening-cases --force")
        return 0
    if not args.trainee:
        raise CourseError("Name a trainee: cryocourse variant TRAINEE 05-screening-cases")
    assignment = require_assignment(root, args.assignment)
    if not has_variants(assignment):
        raise CourseError(f"{assignment} is the same for every trainee (no variants); "
                          "only assessments with a blueprint in course/data/variants.toml have.")
    key = key_for(root, args.trainee)
    variant = draw(assignment, key)
    title = blueprint(assignment).title
    print(f"{title}: the clients of {args.trainee} (set {variant.fingerprint}; salt in "
          f"{salt_path(root)})")
    if args.key:
        print(f"Personal key (for ~/.cryocourse/variant-key on a machine without the hub): {key}")
    for client in variant.clients:
        case = client.case
        print(f"\n{client.number:>2}. [{client.slot} / {client.template}] {case.vignette}")
        print(f"    Treatment asked for: {case.modality}")
        if args.answers:
            print(f"    Reference: treatment {case.treatment}, referral {case.referral}, "
                  f"findings {list(case.findings)}"
                  + (f", must not miss {list(case.must_not_miss)}" if case.must_not_miss
                     else ""))
    return 0


COMMANDS: dict[str, Callable[[Path, argparse.Namespace], int]] = {
    "status": cmd_status, "release": cmd_release, "collect": cmd_collect,
    "grade": cmd_grade, "feedback": cmd_feedback, "export": cmd_export,
    "report": cmd_report, "demo": cmd_demo, "variant": cmd_variant, "backup": cmd_backup,
}


def at_least_one(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more (not {text!r})")
    return number


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per step of the term."""
    course_option = argparse.ArgumentParser(add_help=False)
    course_option.add_argument("--course", default=argparse.SUPPRESS,
                               help="the course folder (default: the one around here)")
    top = argparse.ArgumentParser(prog="cryocourse", description=__doc__.split("\n")[0],
                                  parents=[course_option])
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = functools.partial(sub.add_parser, parents=[course_option])  # --course here too
    command("status", help="assignments, submissions, grading state")
    release = command("release", help="generate and release an assignment")
    release.add_argument("assignment")
    release.add_argument("--force", action="store_true", help="replace an earlier release")
    command("collect", help="collect submissions").add_argument("assignment")
    feedback = command("feedback", help="generate and release feedback")
    feedback.add_argument("assignment")
    feedback.add_argument("--allow-ungraded", action="store_true",
                          help="release even while written answers wait for a hand grade")
    grade = command("grade", help="autograde new or changed submissions in parallel")
    grade.add_argument("assignment")
    grade.add_argument("--workers", type=at_least_one, default=None,
                       help=f"grading processes (default {default_workers()})")
    grade.add_argument("--force", action="store_true", help="grade unchanged ones again")
    grade.add_argument("--student", action="append", help="only this trainee (repeatable)")
    grade.add_argument("--limit", type=at_least_one, default=None,
                       help="grade at most this many now; the rest on the next run")
    grade.add_argument("--wait", action="store_true",
                       help="if someone else is grading this assignment, wait for them")
    backup = command("backup", help="copy the gradebook (SQLite or PostgreSQL) and check it")
    backup.add_argument("--to", help="backup file (default backups/gradebook-DATE-TIME)")
    export = command("export", help="write grades as CSV")
    export.add_argument("--to", default="grades.csv", help="CSV file (default grades.csv)")
    report = command("report", help="class report (HTML) for an assignment")
    report.add_argument("assignment")
    report.add_argument("--out", help="folder for the report (default reports/ASSIGNMENT)")
    variant = command("variant", help="see a trainee's own clients, or change the salt")
    variant.add_argument("trainee", nargs="?", help="the trainee's id (hub user name)")
    variant.add_argument("assignment", nargs="?", default="05-screening-cases")
    variant.add_argument("--answers", action="store_true", help="show the reference answers")
    variant.add_argument("--key", action="store_true", help="show the trainee's personal key")
    variant.add_argument("--new-salt", action="store_true",
                         help="new secret salt: new clients for every trainee (new cohort)")
    variant.add_argument("--yes", action="store_true", help="confirm --new-salt")
    variant.add_argument("--seat-class", metavar="CLASS_LIST",
                         help="give the trainees of this list (one id a line) sets with no "
                         "client in common in the same position")
    demo = command("demo", help="build a synthetic class and run the whole workflow")
    demo.add_argument("--students", type=at_least_one, default=12)
    demo.add_argument("--out", required=True, help="new folder for the demo class")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--assignments", nargs="+", help="only these assignments")
    demo.add_argument("--workers", type=at_least_one, default=None)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cryocourse`` console script."""
    args = parser().parse_args(argv)
    args.course = getattr(args, "course", None)  # before or after the command, or not at all
    ensure_tools_on_path()
    try:
        if args.command == "demo":
            from course.demo.class_demo import course_to_copy

            return cmd_demo(course_to_copy(Path(args.course) if args.course else None), args)
        root = find_course_root(Path(args.course) if args.course else None)
        return COMMANDS[args.command](root, args)
    except (CourseError, database.GradebookError) as problem:
        print(f"cryocourse: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cryocourse: stopped. Grades written so far are kept; run the same command "
              "again to continue.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `cryocourse status | head -2`
        sys.stderr.close()
        return 0
    except OSError as problem:
        where = f" ({problem.filename})" if problem.filename else ""
        print(f"cryocourse: could not read or write a file{where}: {problem.strerror or problem}"
              ". Check that the folder exists and that you may write there.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
