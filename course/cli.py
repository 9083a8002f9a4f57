"""``cryocourse``: the instructor's one command over nbgrader.

    cryocourse status                      what is released, submitted, graded, waiting
    cryocourse release 01-physiology       generate the student version and release it
    cryocourse collect 01-physiology       collect submissions from the exchange
    cryocourse grade 01-physiology         autograde new or changed submissions, in parallel
    cryocourse feedback 01-physiology      generate and release feedback
    cryocourse export                      grades as CSV
    cryocourse backup                      copy the gradebook (SQLite or PostgreSQL), checked
    cryocourse restore backups/FILE.db     put a backup back (a damaged or lost gradebook)
    cryocourse report 05-screening-cases   class report (HTML page with figures)
    cryocourse demo --students 12 --out demo-class
    cryocourse variant ana 05-screening-cases   a trainee's own clients (--answers: the key)
    cryocourse variant --new-salt --yes         new clients for everyone (a new cohort)
    cryocourse deadline set 05-screening-cases "2026-12-10 17:00" --late flag
    cryocourse deadline list                    due dates, late policies, extensions
    cryocourse extension ana 05-screening-cases --hours 24   (--every-assignment: accommodation)
    cryocourse lms setup --issuer ... --client-id ...  connect the course to the school's LMS
    cryocourse lms key                          the tool's public key (--new: rotate it)
    cryocourse lms roster [--dry-run]           the class list from the LMS (NRPS)
    cryocourse lms send 05-screening-cases [--dry-run]   grades to the LMS gradebook (AGS)
    cryocourse variant --seat-class roster.txt  no two trainees share a client in a position
    cryocourse supervise open 05-screening-cases --minutes 60 [--start "2026-12-10 09:00"]
    cryocourse supervise extend|close|status 05-screening-cases [--trainee ana --minutes 15]
    cryocourse supervise open 05-screening-cases --again --trainee ana   (another attempt)
    cryocourse self-study [--variant-key]       lessons into my-work/ (what setup.sh lab runs)
    cryocourse document clinical-rules [PATH]   a generated document (or physiology-model)
    cryocourse variant-notebook                 assessment 05's reference answers refreshed

Each command's work is done by one function in course/classroom/ (or course/authoring/,
course/demo/); this module parses the command line, forwards, and prints what comes back.

Every command takes ``--course FOLDER`` (default: the course around the current folder).
Expected problems are printed as plain sentences with what to do next, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import sqlite3
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from course.authoring.documents import GENERATORS
from course.classroom.parallel_grading import default_workers
from course.storage import database
from course.storage.course_folder import (
    CourseError,
    ensure_tools_on_path,
    find_course_root,
)

DATABASE_ERRORS = (sqlite3.DatabaseError, DBAPIError)  # the gradebook's own faults


def say(lines: str | Iterable[str]) -> None:
    """Print what a command returned, a line (or a text) at a time."""
    for line in [lines] if isinstance(lines, str) else lines:
        print(line)


def warn(lines: str | Iterable[str]) -> None:
    """Print warnings (to stderr), a line (or a text) at a time."""
    for line in [lines] if isinstance(lines, str) else lines:
        print(line, file=sys.stderr, flush=True)


def cmd_status(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.class_status import status_lines

    say(status_lines(root))
    return 0


def cmd_release(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import assignment_steps

    say(assignment_steps.release(root, args.assignment, force=args.force))
    return 0


def cmd_collect(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import assignment_steps

    collected = assignment_steps.collect(root, args.assignment)
    warn(collected.notice_lines())
    warn(f"  {line}" for line in collected.other_warnings)
    say(collected.text())
    return 0


def cmd_grade(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import assignment_steps

    summary = assignment_steps.grade(root, args.assignment, workers=args.workers,
                                     force=args.force, students=args.student, limit=args.limit,
                                     wait=args.wait, warn=warn)
    say(assignment_steps.graded_lines(summary))
    sent, not_sent = assignment_steps.send_to_lms(root, summary.assignment)
    say([] if sent is None else [sent])
    warn([] if not_sent is None else [not_sent])
    return 0 if summary.ok else 1


def cmd_feedback(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import assignment_steps

    released = assignment_steps.release_feedback(root, args.assignment,
                                                 allow_ungraded=args.allow_ungraded, warn=warn)
    say(released.text())
    warn(released.skipped_lines())
    return 1 if released.skipped else 0


def cmd_backup(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.gradebook_copies import backup_gradebook

    backup = backup_gradebook(root, Path(args.to) if args.to else None)
    say(backup.lines)
    if backup.warning:
        warn(backup.warning)
        return 1
    return 0


def cmd_restore(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.gradebook_copies import restore_gradebook

    say(restore_gradebook(root, args.backup, replace_sound=args.yes))
    return 0


def cmd_export(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.grades_csv import export_grades

    say(f"Grades written to {export_grades(root, Path(args.to))}")
    return 0


def cmd_report(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.report import build_report
    from course.storage.course_folder import require_assignment

    assignment = require_assignment(root, args.assignment)
    report = build_report(root, assignment, Path(args.out).resolve() if args.out else None)
    say(f"Class report: {report}\nOpen it in a browser (no server needed).")
    return 0


def cmd_demo(root: Path | None, args: argparse.Namespace) -> int:
    from course.demo.class_demo import build_demo

    demo = build_demo(Path(args.out), args.students, seed=args.seed,
                      assignments=args.assignments or None, workers=args.workers,
                      course_root=root)
    say(demo.where_to_look())
    return 1 if any(not s.ok for s in demo.summaries) else 0


def cmd_variant(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import trainee_variants

    if args.new_salt:
        say(trainee_variants.new_salt_message(root, confirmed=args.yes))
    elif args.seat_class:
        say(trainee_variants.seat_class_message(root, Path(args.seat_class)))
    else:
        say(trainee_variants.variant_lines(root, args.trainee, args.assignment,
                                           answers=args.answers, show_key=args.key))
    return 0


def cmd_competence(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import sign_offs

    actions: dict[str, Callable[[], str | list[str]]] = {
        "grant": lambda: sign_offs.grant(root, args.account, args.role),
        "sign": lambda: sign_offs.sign(root, args.trainee, args.unit, args.criterion,
                                       args.outcome, comment=args.comment,
                                       session=args.session),
        "attest": lambda: sign_offs.attest(root, args.trainee, args.session,
                                           accept=args.accept, comment=args.comment),
        "certificate": lambda: sign_offs.certificate(root, args.trainee, args.certificate,
                                                     args.valid_until),
        "countersign": lambda: sign_offs.countersign(root, args.entry),
        "check": lambda: sign_offs.check(root),
        "progress": lambda: sign_offs.progress(root, args.trainee, args.export),
    }
    if args.action not in actions:
        raise CourseError(f"unknown competence action {args.action!r}")
    say(actions[args.action]())
    return 0


def cmd_statement(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.achievement import issue_statement

    say(issue_statement(root, args.trainee, Path(args.out) if args.out else None, args.unit))
    return 0


def cmd_verify(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.achievement import verify_code_or_page

    found = verify_code_or_page(root, args.code)
    say(("Valid. " if found.valid else "NOT VALID. ") + found.message)
    return 0 if found.valid else 1


def cmd_deadline(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.due_dates import deadline

    say(deadline(root, args.action, args.assignment, args.when, late=args.late,
                 penalty_per_day=args.penalty_per_day, penalty_max=args.penalty_max))
    return 0


def cmd_extension(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.due_dates import extension

    say(extension(root, args.trainee, args.assignment, every_assignment=args.every_assignment,
                  days=args.days, hours=args.hours, minutes=args.minutes, clear=args.clear))
    return 0


def cmd_supervise(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.supervised_windows import supervise

    say(supervise(root, args.action, args.assignment, start=args.start, minutes=args.minutes,
                  again=args.again, trainees=args.trainee))
    return 0


def cmd_lms(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import lms_setup
    from course.classroom.lms_client import LmsError
    from course.storage.course_folder import require_assignment

    try:
        if args.action == "setup":
            say(lms_setup.setup(root, {name: getattr(args, name) or ""
                                       for name in lms_setup.setting_names()},
                                canvas=args.canvas, page_size=args.page_size))
            return 0
        if args.action == "key":
            say(lms_setup.key(root, new=args.new, drop_previous=args.drop_previous))
            return 0
        if args.action == "roster":
            from course.classroom.lms_roster import HubApi, sync

            say(sync(root, dry_run=args.dry_run, hub=HubApi.from_environ()).text())
            return 0
        from course.classroom.lms_grades import send

        if not args.assignment:
            raise CourseError("Name the assignment: cryocourse lms send 05-screening-cases")
        sent = send(root, require_assignment(root, args.assignment), dry_run=args.dry_run)
        say(sent.text())
        return 0 if sent.ok else 1
    except LmsError as problem:
        raise CourseError(str(problem)) from None


def cmd_self_study(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import self_study

    say(self_study.self_study_key(root) if args.variant_key else self_study.prepare_lines(root))
    return 0


def cmd_document(root: Path, args: argparse.Namespace) -> int:
    from course.authoring.documents import write_named

    say(write_named(args.name, Path(args.path) if args.path else None, root))
    return 0


def cmd_variant_notebook(root: Path, args: argparse.Namespace) -> int:
    from course.authoring.variant_notebook import refresh

    say(refresh(root))
    return 0


COMMANDS: dict[str, Callable[[Path, argparse.Namespace], int]] = {
    "status": cmd_status, "release": cmd_release, "collect": cmd_collect,
    "grade": cmd_grade, "feedback": cmd_feedback, "export": cmd_export,
    "report": cmd_report, "demo": cmd_demo, "variant": cmd_variant, "backup": cmd_backup,
    "competence": cmd_competence, "statement": cmd_statement, "verify": cmd_verify,
    "deadline": cmd_deadline, "extension": cmd_extension, "supervise": cmd_supervise,
    "restore": cmd_restore, "lms": cmd_lms, "self-study": cmd_self_study,
    "document": cmd_document, "variant-notebook": cmd_variant_notebook,
}

# Commands that use the gradebook: checked first (locked, damaged, missing), see
# course/classroom/gradebook_faults.py. True: the command writes to it.
GRADEBOOK_COMMANDS = {"status": False, "grade": True, "feedback": False, "export": False,
                      "report": False, "backup": False}


def _check_gradebook(root: Path, args: argparse.Namespace) -> None:
    from course.classroom.gradebook_faults import require_usable
    from course.storage.course_folder import load_config

    if args.command in GRADEBOOK_COMMANDS:
        require_usable(root, load_config(root).CourseDirectory.db_url,
                       write=GRADEBOOK_COMMANDS[args.command],
                       allow_missing=args.command == "grade" and args.force)


def _gradebook_fault(root: Path | None, problem: BaseException) -> str:
    """A database error that escaped a command, in a sentence."""
    from course.classroom.gradebook_faults import explain
    from course.storage.course_folder import load_config

    if root is None:
        return f"the gradebook could not be used ({type(problem).__name__})."
    return str(explain(root, load_config(root).CourseDirectory.db_url, problem))


def at_least_one(text: str) -> int:
    """argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more (not {text!r})")
    return number


def positive_minutes(text: str) -> float:
    """argparse type: a number of minutes above 0 (30, 1.5)."""
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number of minutes above 0 (not {text!r})")
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
    restore = command("restore", help="put a gradebook backup back (a damaged gradebook)")
    restore.add_argument("backup", help="the backup file (cryocourse backup makes them)")
    restore.add_argument("--yes", action="store_true",
                         help="replace a gradebook that is not damaged")
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
    deadline = command("deadline", help="due dates and late policies: set, clear, list")
    deadline.add_argument("action", choices=("set", "clear", "list"))
    deadline.add_argument("assignment", nargs="?")
    deadline.add_argument("when", nargs="?", help='due date, e.g. "2026-12-10 17:00" '
                          "(server's local time) or with a zone, 2026-12-10T17:00+01:00")
    deadline.add_argument("--late", default="flag", choices=("accept", "flag", "penalise",
                                                             "refuse"),
                          help="what happens to a late hand-in (default: flag)")
    deadline.add_argument("--penalty-per-day", type=float, help="penalise: %% per started day")
    deadline.add_argument("--penalty-max", type=float, help="penalise: at most this %%")
    extension = command("extension", help="extra time for one trainee (or an accommodation)")
    extension.add_argument("trainee")
    extension.add_argument("assignment", nargs="?")
    extension.add_argument("--every-assignment", action="store_true",
                           help="an accommodation: this extra time on every assignment")
    extension.add_argument("--days", type=float)
    extension.add_argument("--hours", type=float)
    extension.add_argument("--minutes", type=float)
    extension.add_argument("--clear", action="store_true", help="remove the extra time")
    variant.add_argument("--seat-class", metavar="CLASS_LIST",
                         help="give the trainees of this list (one id a line) sets with no "
                         "client in common in the same position")
    supervise = command("supervise", help="a supervised window: open, extend, close, status")
    supervise.add_argument("action", choices=("open", "extend", "close", "status"))
    supervise.add_argument("assignment")
    supervise.add_argument("--start", help='open: when it starts (default now), e.g. '
                           '"2026-12-10 09:00" (server\'s local time)')
    supervise.add_argument("--minutes", type=positive_minutes,
                           help="open: its length; extend: the extra minutes")
    supervise.add_argument("--again", action="store_true",
                           help="open: another attempt for the --trainee named, whose window "
                                "has closed (from --start, default now, same length)")
    supervise.add_argument("--trainee", action="append",
                           help="only this trainee (repeatable; open: default every trainee "
                                "in the gradebook)")
    lms = command("lms", help="the school's LMS: set-up, key, roster, grades")
    lms.add_argument("action", choices=("setup", "key", "roster", "send"))
    lms.add_argument("assignment", nargs="?", help="send: the assignment whose grades go")
    lms.add_argument("--dry-run", action="store_true", help="show, change and send nothing")
    for name, words in (("issuer", "the platform's issuer (Platform ID)"),
                        ("client-id", "the tool's client id"),
                        ("deployment-id", "the tool's deployment id"),
                        ("context-id", "the LMS course's id (context)"),
                        ("token-url", "the platform's access token URL"),
                        ("lineitems-url", "the course's line items URL (AGS)"),
                        ("memberships-url", "the course's memberships URL (NRPS)"),
                        ("hub-url", "the class server's public address"),
                        ("audience", "the token URL's audience, if the LMS names one")):
        lms.add_argument(f"--{name}", help=f"setup: {words}")
    lms.add_argument("--canvas", action="store_true",
                     help="setup: Canvas (feedback links as submissions)")
    lms.add_argument("--page-size", type=at_least_one, default=100,
                     help="setup: members per roster page (default 100)")
    lms.add_argument("--new", action="store_true", help="key: make a new key (rotate)")
    lms.add_argument("--drop-previous", action="store_true",
                     help="key: stop publishing the key before the last rotation")
    demo = command("demo", help="build a synthetic class and run the whole workflow")
    demo.add_argument("--students", type=at_least_one, default=12)
    demo.add_argument("--out", required=True, help="new folder for the demo class")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--assignments", nargs="+", help="only these assignments")
    demo.add_argument("--workers", type=at_least_one, default=None)
    competence = command("competence", help="practical competence: sign-offs and progress")
    actions = competence.add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = actions.add_parser("grant", help="let an account sign off (assessor) or sample "
                                             "(verifier)")
    grant.add_argument("account")
    grant.add_argument("role", choices=["assessor", "verifier"])
    sign = actions.add_parser("sign", help="record an observed criterion: met or not-yet")
    sign.add_argument("trainee")
    sign.add_argument("unit")
    sign.add_argument("criterion")
    sign.add_argument("outcome", choices=["met", "not-yet"])
    sign.add_argument("--comment", default="")
    sign.add_argument("--session", type=at_least_one,
                      help="the number of the logged session observed (each is an occasion)")
    attest = actions.add_parser("attest", help="supervisor: attest a logged session (its "
                                               "number in the trainee's handed-in log)")
    attest.add_argument("trainee")
    attest.add_argument("session", type=at_least_one)
    attest.add_argument("--accept", action="store_true",
                        help="accept a decision stricter than the course's rules")
    attest.add_argument("--comment", default="")
    certificate = actions.add_parser("certificate", help="record a certificate seen "
                                                         "(first_aid_cpr)")
    certificate.add_argument("trainee")
    certificate.add_argument("certificate")
    certificate.add_argument("valid_until", help="the date printed on it, like 2028-05-31")
    countersign = actions.add_parser("countersign", help="internal verifier: countersign an "
                                                         "entry sampled")
    countersign.add_argument("entry", type=at_least_one)
    actions.add_parser("check", help="check that the record was not altered")
    shown = actions.add_parser("progress", help="each trainee's progress (or one's)")
    shown.add_argument("trainee", nargs="?")
    shown.add_argument("--export", help="also write the cohort table as CSV")
    statement = command("statement", help="issue a trainee's statement of achievement")
    statement.add_argument("trainee")
    statement.add_argument("--out", help="folder for the HTML and PDF (default statements/)")
    statement.add_argument("--unit", action="append", help="only this unit (repeat for "
                                                           "more); default: every unit achieved")
    verify = command("verify", help="check a statement's code (or an HTML copy of it)")
    verify.add_argument("code", help="the verification code, or a statement's .html file")
    self_study = command("self-study", help="self-study: lessons into my-work/, released "
                                            "(what setup.sh lab runs)")
    self_study.add_argument("--variant-key", action="store_true",
                            help="only print this trainee's variant key (assessment 05's "
                                 "clients)")
    document = command("document", help="write a document generated from the course's data")
    document.add_argument("name", choices=sorted(GENERATORS))
    document.add_argument("path", nargs="?", help="where (default: its place under docs/)")
    command("variant-notebook", help="refresh assessment 05's reference answers in source/ "
                                     "(the self-study set's)")
    _class_parser(command)
    return top


def _class_parser(command) -> None:
    """``cryocourse class``: people on a running class server (course/classroom/class_members)."""
    people = command("class", help="class server (as root): add or remove a trainee or "
                                   "grader without restarting anyone's server")
    people.add_argument("action", choices=("add", "remove", "list"))
    people.add_argument("role", nargs="?", choices=("trainee", "grader"))
    people.add_argument("name", nargs="?", help="their account on this machine")
    people.add_argument("--settings", default="/etc/cryocourse/hub.env",
                        help="the hub's settings (default /etc/cryocourse/hub.env)")


def cmd_class(args: argparse.Namespace) -> int:
    """Add, remove or list the class server's people (roster and the hub's REST API)."""
    from course.classroom import class_members

    try:
        settings = class_members.read_settings(Path(args.settings))
        if args.action == "list":
            lines = class_members.members(settings)
        elif args.role is None or args.name is None:
            raise class_members.ClassError(f"say who: cryocourse class {args.action} "
                                           "trainee|grader NAME")
        else:
            lines = class_members.change_member(settings, args.role, args.name,
                                                present=args.action == "add")
    except class_members.ClassError as problem:
        print(f"cryocourse: {problem}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cryocourse`` console script."""
    args = parser().parse_args(argv)
    args.course = getattr(args, "course", None)  # before or after the command, or not at all
    ensure_tools_on_path()
    root = None
    try:
        if args.command == "class":  # the class server's people: no course folder needed
            return cmd_class(args)
        if args.command == "demo":
            from course.demo.class_demo import course_to_copy

            return cmd_demo(course_to_copy(Path(args.course) if args.course else None), args)
        root = find_course_root(Path(args.course) if args.course else None)
        _check_gradebook(root, args)
        return COMMANDS[args.command](root, args)
    except (CourseError, database.GradebookError) as problem:
        print(f"cryocourse: {problem}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as problem:
        print(f"cryocourse: {_gradebook_fault(root, problem)}", file=sys.stderr)
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
