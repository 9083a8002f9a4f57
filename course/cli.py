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

Every command takes ``--course FOLDER`` (default: the course around the current folder).
Expected problems are printed as plain sentences with what to do next, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from course.classroom.gradebook import (
    awaiting_marks,
    describe_awaited,
    question_labels_of,
)
from course.classroom.parallel_grading import default_workers, grade_assignment
from course.classroom.self_study import kernel_language_info, stamp_language_info
from course.classroom.submissions import (
    find_submissions,
    unfinished_regrades,
)
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

DATABASE_ERRORS = (sqlite3.DatabaseError, DBAPIError)  # the gradebook's own faults
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


def _waiting_to_collect(inbound: Path, assignment: str, collected) -> int:
    """Trainees with a hand-in of their own in the exchange newer, by the server's time,
    than the one collected (forged or unreadable hand-ins are not counted)."""
    from nbgrader.utils import parse_utc

    from course.nbgrader_plugins.exchange.handins import inspect_handin

    latest: dict[str, float] = {}
    for folder in inbound.glob(f"*+{assignment}+*"):  # student+assignment+timestamp[+random]
        student = folder.name.split("+", 1)[0]
        try:
            handin = inspect_handin(str(folder), student)
        except OSError:
            continue
        if handin.counts:
            latest[student] = max(latest.get(student, 0.0), handin.received.timestamp())
    have: dict[str, float] = {}
    for submission in collected:
        try:
            stamp = parse_utc((submission.folder / "timestamp.txt").read_text().strip())
            have[submission.student] = stamp.replace(tzinfo=datetime.UTC).timestamp()
        except (OSError, ValueError, TypeError, OverflowError, AttributeError):
            have[submission.student] = 0.0
    return sum(1 for student, received in latest.items()
               if student not in have or received > have[student])


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
    from nbgrader.api import Gradebook

    from course.storage import deadlines

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        _publish_deadlines(root, api, gradebook, deadlines.load(root))
    print(f"{assignment} released to {api.config.Exchange.root}. Trainees fetch it in the "
          "Assignments tab of JupyterLab.")
    return 0


def cmd_collect(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.utils import capture_log

    from course.nbgrader_plugins.exchange.regular_file_exchange import collect_notices

    assignment = require_assignment(root, args.assignment)
    api = make_api(root)
    api.coursedir.assignment_id = assignment
    app = api.exchange.Collect(coursedir=api.coursedir,
                               authenticator=api.authenticator, parent=api)
    app.update = True
    result = capture_log(app)
    _api_step(result, f"Collecting {assignment}")
    notices = collect_notices(root, assignment)
    shown = _print_notices(notices["notices"])
    others = [line for line in result.get("log", "").splitlines()
              if line.startswith(("[WARNING]", "[ERROR]"))
              and not any(n["text"] in line for n in notices["notices"])]
    for line in others:
        print(f"  {line.strip()}", file=sys.stderr)
    count = len(find_submissions(root, assignment))
    if count == 0:
        raise CourseError(f"No submissions of {assignment} yet. Trainees submit from the "
                          "Assignments tab; check it was released (cryocourse status) and run "
                          "collect again later.")
    print(f"{count} submissions of {assignment} are in submitted/"
          f"{f' ({shown} warnings above, by trainee)' if shown else ''}. Next: "
          f"cryocourse grade {assignment}")
    return 0


def _print_notices(notices: list[dict[str, str]]) -> int:
    """Every warning and refusal of a collect, grouped by trainee (to stderr); their count."""
    by_student: dict[str, list[str]] = {}
    for notice in notices:
        by_student.setdefault(notice["student"], []).append(notice["text"])
    for student, texts in sorted(by_student.items()):
        print(f"{student}:", file=sys.stderr)
        for text in texts:
            print(f"  - {text}", file=sys.stderr)
    return len(notices)


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
    _send_to_lms(root, assignment)
    return 0 if summary.ok else 1


def _send_to_lms(root: Path, assignment: str) -> None:
    """A course connected to an LMS sends what grading changed (the outbox keeps what the
    LMS does not take now); after hand marks, `cryocourse lms send` does the same."""
    from course.classroom.lms_client import LmsError
    from course.storage.lms_settings import PLATFORM_FILE, lms_folder

    if not (lms_folder(root) / PLATFORM_FILE).exists():
        return
    from course.classroom.lms_grades import send

    try:
        print(send(root, assignment).text())
    except (LmsError, CourseError) as problem:
        print(f"Grades were not sent to the LMS ({problem}); `cryocourse lms send "
              f"{assignment}` sends them.", file=sys.stderr)


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

    from course.storage import deadlines, supervision

    assignment = require_assignment(root, args.assignment)
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
    damaged = _damaged_autograded(root, assignment)
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
    skipped.update(damaged)
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


def _damaged_autograded(root: Path, assignment: str) -> dict[str, str]:
    """Trainees whose autograded notebook of ``assignment`` is cut short or unreadable, with
    what to do (their feedback cannot be made from it)."""
    from course.classroom.submissions import autograded_problem
    from course.storage.course_folder import release_notebooks

    damaged = {}
    for folder in sorted((root / "autograded").glob(f"*/{assignment}")):
        student = folder.parent.name
        for release in release_notebooks(root, assignment):
            problem = autograded_problem(folder / release.name)
            if problem and (root / "submitted" / student / assignment / release.name).is_file():
                damaged[student] = (f"its autograded notebook {release.name} {problem}: grade "
                                    f"it again with `cryocourse grade {assignment} --student "
                                    f"{student}`, then run this command again")
                break
    return damaged


# What nbgrader's feedback converter and the course's release step log about one trainee.
_FEEDBACK_FAILED = re.compile(r"error processing assignment '[^']*' for student '([^']*)'")
_NOT_RELEASED = re.compile(r"Feedback not released for (\S+): (.*)")


def cmd_export(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.classroom.grades_csv import GradesCsvExport

    api = make_api(root)
    target = Path(args.to).resolve()
    plugin = GradesCsvExport(config=api.config)  # quoted, inert fields (never nbgrader's own)
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
    from course.storage import variant_keys
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
    variant = draw(assignment, variant_keys.assessment_key(root, assignment, args.trainee))
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


def parse_day(text: str) -> datetime.date:
    """A date written like 2028-05-31 (CourseError otherwise)."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CourseError(f"{text!r}: write the date like 2028-05-31.") from error


def cmd_competence(root: Path, args: argparse.Namespace) -> int:
    import getpass

    from nbgrader.api import Gradebook

    from course.classroom import competence
    from course.facts.competencies import competency_map
    from course.storage.competence_record import Record, RecordError

    record = Record(root)
    try:
        if args.action == "grant":
            record.grant(args.account, args.role)
            print(f"{args.account} may now act as {args.role} for this course.")
            return 0
        if args.action == "sign":
            observed = (competence.logged_session(root, args.trainee, args.session)
                        if args.session else None)
            entry = record.sign_off(competency_map(), trainee=args.trainee, unit=args.unit,
                                    criterion=args.criterion, outcome=args.outcome.replace(
                                        "-", " "), comment=args.comment,
                                    assessor=getpass.getuser(), session=observed)
            print(f"Signed off as entry {entry['entry']}: {args.trainee}, {args.unit}, "
                  f"{args.criterion}: {entry['outcome']} ({entry['at']}).")
            return 0
        if args.action == "attest":
            session = competence.logged_session(root, args.trainee, args.session)
            entry = record.attest_session(trainee=args.trainee, session=session,
                                          assessor=getpass.getuser(), accept=args.accept,
                                          comment=args.comment)
            print(f"Session {args.session} of {args.trainee} ({session.client_code}, "
                  f"{session.day}) attested as entry {entry['entry']}"
                  + (", its differences accepted." if args.accept else "."))
            return 0
        if args.action == "certificate":
            entry = record.record_certificate(
                competency_map(), trainee=args.trainee, certificate=args.certificate,
                valid_until=parse_day(args.valid_until), assessor=getpass.getuser())
            print(f"Certificate {args.certificate} of {args.trainee}, valid until "
                  f"{args.valid_until}, recorded as entry {entry['entry']}.")
            return 0
        if args.action == "countersign":
            entry = record.countersign(args.entry, getpass.getuser())
            print(f"Entry {args.entry} countersigned (entry {entry['entry']}).")
            return 0
        if args.action == "check":
            print(f"The competence record is intact: {record.check()} entries.")
            return 0
        api = make_api(root)
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
            trainees = [args.trainee] if getattr(args, "trainee", None) else [
                s.id for s in gradebook.students]
            results = competence.cohort(root, gradebook, trainees)
        if args.action == "progress":
            for result, log in results:
                print("\n".join(competence.progress_lines(result, log)))
            if args.export:
                rows = competence.export_cohort(results, Path(args.export))
                print(f"{rows} rows written to {args.export}")
            return 0
    except RecordError as problem:
        raise CourseError(str(problem)) from problem
    raise CourseError(f"unknown competence action {args.action!r}")


def cmd_statement(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook, MissingEntry

    from course.classroom import achievement, competence

    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            student = gradebook.find_student(args.trainee)
        except MissingEntry as missing:
            raise CourseError(f"No trainee {args.trainee!r} in the gradebook.") from missing
        name = " ".join(n for n in (student.first_name, student.last_name) if n) or args.trainee
        result, _ = competence.trainee_progress(root, gradebook, args.trainee)
    try:
        code, content = achievement.issue(root, result, name, api.coursedir.course_id,
                                          args.unit or None)
    except achievement.StatementRefused as refused:
        raise CourseError(str(refused)) from refused
    out = Path(args.out or root / "statements")
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{args.trainee}-{code}.html"
    page.write_text(achievement.render_html(code, content), encoding="utf-8")
    achievement.render_pdf(code, content, page.with_suffix(".pdf"))
    print(f"Statement {code} issued: {page} and {page.with_suffix('.pdf')}")
    print("Units listed: " + ", ".join(u["title"] for u in content["units"]))
    return 0


def cmd_verify(root: Path, args: argparse.Namespace) -> int:
    from course.classroom import achievement

    found = (achievement.verify_file(root, Path(args.code)) if args.code.endswith(".html")
             else achievement.verify(root, args.code))
    print(("Valid. " if found.valid else "NOT VALID. ") + found.message)
    return 0 if found.valid else 1
def cmd_deadline(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.storage import deadlines

    api = make_api(root)
    book = deadlines.load(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        if args.action in ("set", "clear"):
            if not args.assignment:
                raise CourseError(f"Name the assignment: cryocourse deadline {args.action} "
                                  "05-screening-cases" + (' "2026-12-10 17:00"'
                                                          if args.action == "set" else ""))
            assignment = require_assignment(root, args.assignment)
            if args.action == "set":
                if not args.when:
                    raise CourseError('Give the due date: cryocourse deadline set '
                                      f'{assignment} "2026-12-10 17:00"')
                due = deadlines.parse_time(args.when)
                policy = deadlines.LatePolicy(args.late, args.penalty_per_day or 0.0,
                                              100.0 if args.penalty_max is None
                                              else args.penalty_max)
                deadlines.set_due_date(gradebook, assignment, due)
                book, _ = deadlines.update(root, lambda book: book.policies.__setitem__(
                    assignment, {"rule": policy.rule, "percent_per_day": policy.percent_per_day,
                                 "max_percent": policy.max_percent}))
                print(f"{assignment} is due {deadlines.show_time(due)}; {policy.describe()}.")
            else:
                deadlines.set_due_date(gradebook, assignment, None)
                book, _ = deadlines.update(
                    root, lambda book: book.policies.pop(assignment, None))
                print(f"{assignment} has no due date now.")
            _publish_deadlines(root, api, gradebook, book)
            return 0
        print(f"{'assignment':<26}{'due (server time)':<24}late policy")
        for assignment in known_assignments(root):
            due = deadlines.due_date(gradebook, assignment)
            print(f"{assignment:<26}{deadlines.show_time(due):<24}"
                  f"{book.policy(assignment).describe() if due else '-'}")
    _list_extensions(book)
    return 0


def _publish_deadlines(root: Path, api, gradebook, book, also: tuple[str, ...] = ()) -> None:
    """Due dates and each trainee's own extra time, where trainees' servers read them."""
    from course.nbgrader_plugins.exchange.due_notes import publish

    exchange_course = Path(api.config.Exchange.root) / api.coursedir.course_id
    if exchange_course.is_dir():
        publish(root, exchange_course, gradebook, book, also)


def _list_extensions(book) -> None:
    from datetime import timedelta

    from course.storage.deadlines import show_span

    rows = [(student, "every assignment", minutes)
            for student, minutes in book.accommodations.items()]
    rows += [(student, assignment, minutes) for assignment, granted in book.extensions.items()
             for student, minutes in granted.items()]
    if not rows:
        print("No extensions or accommodations.")
        return
    print("Extensions and accommodations (extra time after the due date):")
    for student, where, minutes in sorted(rows):
        print(f"  {student}: {show_span(timedelta(minutes=minutes))} on {where}")


def cmd_extension(root: Path, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from nbgrader.api import Gradebook

    from course.nbgrader_plugins.exchange.regular_file_exchange import is_plain_id
    from course.storage import deadlines

    if not is_plain_id(args.trainee):
        raise CourseError(f"{args.trainee!r} is not a trainee id (their hub user name).")
    student = args.trainee
    minutes = round(((args.days or 0) * 1440) + ((args.hours or 0) * 60) + (args.minutes or 0))
    if minutes < 0 or (minutes == 0 and not args.clear):
        raise CourseError("Give the extra time, e.g. --hours 24 or --days 2 (or --clear).")
    if args.every_assignment:
        if args.assignment:
            raise CourseError("Either an assignment or --every-assignment, not both.")
        where, assignments = "every assignment (accommodation)", known_assignments(root)
        granted = None
    else:
        if not args.assignment:
            raise CourseError("Name the assignment (cryocourse extension ana "
                              "05-screening-cases --hours 24), or give --every-assignment "
                              "for an accommodation.")
        assignment = require_assignment(root, args.assignment)
        where, assignments = assignment, [assignment]
        granted = assignment
    book, _ = deadlines.update(root, lambda book: deadlines.grant(
        book, granted, student, None if args.clear else minutes))
    api = make_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        for assignment in assignments:
            deadlines.write_extension(gradebook, book, assignment, student)
        _publish_deadlines(root, api, gradebook, book, also=(student,))
    if args.clear:
        print(f"{student}: no extra time on {where} now.")
    else:
        print(f"{student}: {deadlines.show_span(timedelta(minutes=minutes))} "
              f"extra time on {where}. Hand-ins already graded are judged again by "
              "`cryocourse grade ASSIGNMENT --force`.")
    return 0
def cmd_restore(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.gradebook_faults import restore

    url = make_api(root).coursedir.db_url
    if database.backend(url) == "SQLite" and not args.yes and (
            database.sqlite_path(url).exists()
            and database.integrity_problem(url) is None):
        raise CourseError("The gradebook is sound: restoring replaces it, and every grade "
                          "given since the backup is lost. To do it anyway, run: "
                          f"cryocourse restore {args.backup} --yes")
    kept = restore(root, url, Path(args.backup))
    print(f"Gradebook restored from {Path(args.backup).resolve()}"
          + (f"; the file it replaced is kept as {kept}." if kept else ".")
          + " Run `cryocourse grade ASSIGNMENT` for each assignment: what was graded since "
          "the backup is graded again.")
    return 0


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


def cmd_supervise(root: Path, args: argparse.Namespace) -> int:
    from nbgrader.api import Gradebook

    from course.classroom.supervised_kit import build_kit, require_supervised_form
    from course.storage import deadlines, supervision

    assignment = require_assignment(root, args.assignment)
    now = supervision.now_utc()
    api = make_api(root)
    planned: list[str] = list(args.trainee or [])

    def change(book) -> None:  # under the deadline book's lock (deadlines.update)
        if args.action == "open":
            require_supervised_form(assignment)
            if not args.minutes and not args.again:
                raise CourseError("Give the length of the window: --minutes 60.")
            trainees = args.trainee or [s.id for s in gradebook.students]
            start = deadlines.parse_time(args.start) if args.start else now
            if args.again:  # another attempt: a window of their own, same length
                if not args.trainee:
                    raise CourseError("Name who may try again: --again --trainee ana.")
                for trainee in args.trainee:
                    supervision.allow_again(book, assignment, trainee, start, now)
            else:
                planned[:] = supervision.open_window(book, assignment, start, args.minutes,
                                                     trainees)
                # The due date is the first sitting's end (plus the automatic hand-in's
                # grace); a later sitting, extension or accommodation is each trainee's own.
                deadlines.set_due_date(gradebook, assignment,
                                       supervision.due_date(book, assignment))
        elif args.action == "extend":
            if not args.trainee or not args.minutes:
                raise CourseError("Name the trainee and the extra time: cryocourse supervise "
                                  f"extend {assignment} --trainee ana --minutes 15")
            granted = book.extensions.setdefault(assignment, {})
            for trainee in args.trainee:
                supervision.window(book, assignment, trainee)  # in the window, or a clear error
                granted[trainee] = round(granted.get(trainee, 0) + args.minutes)
        elif args.action == "close":
            closed = supervision.close_window(book, assignment, now, args.trainee)
            print(f"Closed now for {', '.join(closed) or 'nobody (all closed already)'}; the "
                  "class server hands their work in within a few seconds.")

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        if args.action == "status":
            book = deadlines.load(root)
        else:
            book, _ = deadlines.update(root, change)
            for found in supervision.windows(book, assignment):
                deadlines.write_extension(gradebook, book, assignment, found.trainee)
        if args.action in ("open", "extend"):
            for found in supervision.windows(book, assignment):
                if found.trainee in planned:
                    build_kit(root, assignment, found.trainee, found)
            _publish_deadlines(root, api, gradebook, book)
    _print_windows(book, assignment, now)
    return 0


def _print_windows(book, assignment: str, now: datetime.datetime) -> None:
    from course.storage import deadlines, supervision

    if supervision.mode(book, assignment) == supervision.PRACTICE:
        print(f"{assignment}: practice mode (open-book; no supervised window).")
        return
    print(f"{assignment}: supervised. {'trainee':<20}{'window (server time)':<42}"
          f"{'extra time':<14}state")
    for found in supervision.windows(book, assignment):
        span = f"{deadlines.show_time(found.start)} to {deadlines.show_time(found.end)}"
        state = found.state(now)
        if state == supervision.OPEN:
            state += f", {deadlines.show_span(found.left(now))} left"
        print(f"  {found.trainee:<20}{span:<42}{deadlines.show_span(found.extra):<14}{state}"
              f"{' (closed early)' if found.closed_early else ''}"
              f"{f', attempt {found.attempt}' if found.attempt > 1 else ''}")
def cmd_lms(root: Path, args: argparse.Namespace) -> int:
    from course.classroom.lms_client import LmsError

    try:
        return _lms_action(root, args)
    except LmsError as problem:
        raise CourseError(str(problem)) from None


def _lms_action(root: Path, args: argparse.Namespace) -> int:
    from course.storage import lms_settings

    if args.action == "setup":
        values = {name: getattr(args, name) or "" for name in
                  (*lms_settings.PlatformSettings.REQUIRED, "hub_url", "audience")}
        settings = lms_settings.PlatformSettings(**values, canvas_extensions=args.canvas,
                                                 page_size=args.page_size)
        where = lms_settings.save_platform(root, settings)
        if not (lms_settings.lms_folder(root) / lms_settings.KEY_FILE).exists():
            lms_settings.new_tool_key(root)
        print(f"The LMS registration is in {where} (the course account's only).")
        print(_tool_urls(settings.hub_url))
        return 0
    if args.action == "key":
        if args.drop_previous:
            dropped = lms_settings.drop_previous_key(root)
            print("The previous key is no longer published." if dropped
                  else "There is no previous key.")
            return 0
        if args.new:
            key = lms_settings.new_tool_key(root)
            print(f"New tool key {key.kid}. The previous one stays published (and valid for "
                  "the LMS) until `cryocourse lms key --drop-previous`.")
        key = lms_settings.tool_key(root)
        print(f"Key id: {key.kid}\nPublic key (PEM: Moodle's 'Public key'):\n"
              f"{lms_settings.public_key_pem(root)}")
        print("Public key set (JWKS: Canvas's 'Public JWK'): "
              + json.dumps(lms_settings.public_key_set(root)["keys"][0]))
        return 0
    if args.action == "roster":
        from course.classroom.lms_roster import HubApi, sync

        report = sync(root, dry_run=args.dry_run, hub=HubApi.from_environ())
        print(report.text())
        return 0
    from course.classroom.lms_grades import send

    if not args.assignment:
        raise CourseError("Name the assignment: cryocourse lms send 05-screening-cases")
    sent = send(root, require_assignment(root, args.assignment), dry_run=args.dry_run)
    print(sent.text())
    return 0 if sent.ok else 1


def _tool_urls(hub_url: str) -> str:
    """The tool's addresses, as they are typed into the LMS (docs/instructor-guide.md)."""
    hub = (hub_url or "https://YOUR-CLASS-SERVER").rstrip("/")
    return "\n".join([
        "Type these into the LMS's tool registration:",
        f"  Tool URL / target link URI:      {hub}/hub/cryocourse/launch",
        f"  Initiate login URL:              {hub}/hub/lti13/oauth_login",
        f"  Redirection URI:                 {hub}/hub/lti13/oauth_callback",
        f"  Deep linking URL (content item): {hub}/hub/cryocourse/deep-link",
        f"  Public keyset URL (JWKS):        {hub}/hub/cryocourse/jwks",
        "  Services: Names and Role Provisioning; Assignment and Grade (line items, scores).",
    ])


COMMANDS: dict[str, Callable[[Path, argparse.Namespace], int]] = {
    "status": cmd_status, "release": cmd_release, "collect": cmd_collect,
    "grade": cmd_grade, "feedback": cmd_feedback, "export": cmd_export,
    "report": cmd_report, "demo": cmd_demo, "variant": cmd_variant, "backup": cmd_backup,
    "competence": cmd_competence, "statement": cmd_statement, "verify": cmd_verify,
    "deadline": cmd_deadline, "extension": cmd_extension, "supervise": cmd_supervise,
    "restore": cmd_restore, "lms": cmd_lms,
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
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cryocourse`` console script."""
    args = parser().parse_args(argv)
    args.course = getattr(args, "course", None)  # before or after the command, or not at all
    ensure_tools_on_path()
    root = None
    try:
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
