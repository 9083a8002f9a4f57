"""Grades to the school's LMS (LTI Assignment and Grade Services): ``cryocourse lms send``.

Each trainee's grade of an assignment, read from the gradebook, becomes one AGS score:

* ``scoreGiven`` (the score less any late penalty) of ``scoreMaximum``;
* ``gradingProgress`` ``PendingManual`` while written answers wait for a hand grade (the LMS
  flags it for a grader), ``FullyGraded`` after; ``activityProgress`` ``Submitted`` then
  ``Completed``;
* ``submission.submittedAt``: the time the hand-in arrived (the server's, not the trainee's);
  ``timestamp``: when this grade was settled (a later one replaces an earlier one in the LMS);
* a ``comment`` for the trainee: the state of the grade, the late state against the late
  policy, the link to their feedback (on Canvas also as an ``online_url`` submission).

Sending is in two steps, so nothing is lost: what changed since the last send goes into the
**outbox** (``.cryocourse/lms/outbox/``, one file per trainee and assignment, written before
anything is sent), then the outbox is delivered. A score leaves the outbox only when the LMS
took it; a platform that is down keeps it there for the next ``cryocourse lms send`` (any
assignment's), a newer grade replaces a waiting one. The **ledger** (``sent.json``) keeps
what each trainee's line item has, so sending again sends nothing new (idempotent).

Scores go only to people the LMS lists (NRPS) as active learners of the course; anyone else
(dropped, an instructor, unknown to the LMS) is held in the outbox and reported.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from course.classroom.lms_client import (
    GRADES_SCOPES,
    LmsClient,
    LmsError,
    LmsRefused,
    LmsUnreachable,
    Member,
)
from course.classroom.submissions import unfinished_regrades
from course.storage import deadlines, supervision
from course.storage.course_folder import CourseError, make_api, release_notebooks
from course.storage.lms_settings import (
    PlatformSettings,
    lms_folder,
    lti_username,
    tool_key,
)
from course.storage.secrets import write_private

OUTBOX = "outbox"
LEDGER = "sent.json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


@dataclass(frozen=True)
class Grade:
    """One trainee's grade of one assignment, as the gradebook has it."""

    assignment: str
    student: str
    name: str
    lms_user_id: str  # from the roster sync ("" if never synced)
    score: float
    maximum: float
    submitted: datetime.datetime | None  # naive UTC
    pending_manual: bool
    seconds_late: float
    late_policy: str  # in words

    def content(self, settings: PlatformSettings) -> dict:
        """The score's fields except ``userId`` and ``timestamp`` (what the digest covers)."""
        progress = "PendingManual" if self.pending_manual else "FullyGraded"
        content: dict[str, object] = {
            "scoreGiven": round(self.score, 2),
            "scoreMaximum": round(self.maximum, 2),
            "activityProgress": "Submitted" if self.pending_manual else "Completed",
            "gradingProgress": progress,
            "comment": self.comment(settings),
        }
        if self.submitted is not None:
            content["submission"] = {"submittedAt": _iso(self.submitted)}
        link = settings.feedback_url(self.assignment)
        if settings.canvas_extensions and link:
            content[CANVAS_SUBMISSION] = {
                "submission_type": "online_url", "submission_data": link,
                **({"submitted_at": _iso(self.submitted)} if self.submitted else {})}
        return content

    def comment(self, settings: PlatformSettings) -> str:
        """What the trainee reads beside the grade in the LMS (plain text)."""
        words = [f"{self.score:g} of {self.maximum:g} points."]
        words.append("Your written answers are waiting for your grader's mark: this grade is "
                     "not final yet." if self.pending_manual else "Fully graded.")
        if self.seconds_late > 0:
            late = deadlines.show_span(datetime.timedelta(seconds=self.seconds_late))
            words.append(f"Handed in {late} after the due date ({self.late_policy}).")
        link = settings.feedback_url(self.assignment)
        if link:
            words.append(f"Your feedback: {link}")
        return " ".join(words)

    def who(self) -> str:
        return f"{self.name} ({self.student})" if self.name else self.student


def grades_of(root: Path, assignment: str) -> list[Grade]:
    """Every graded submission of ``assignment`` in the gradebook, as a Grade."""
    from nbgrader.api import Gradebook, MissingEntry

    api = make_api(root)
    policy = deadlines.load(root).policy(assignment).describe()
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"{assignment} has no grades in the gradebook yet: run "
                              f"`cryocourse grade {assignment}` first.") from None
        grades = []
        for submission in found.submissions:
            student = submission.student
            penalty = float(submission.late_submission_penalty or 0.0)
            grades.append(Grade(
                assignment=assignment, student=student.id,
                name=" ".join(n for n in (student.first_name, student.last_name) if n),
                lms_user_id=student.lms_user_id or "",
                score=max(0.0, float(submission.score or 0.0) - penalty),
                maximum=float(found.max_score or 0.0), submitted=submission.timestamp,
                pending_manual=bool(submission.needs_manual_grade),
                seconds_late=float(submission.total_seconds_late or 0.0),
                late_policy=policy))
    return sorted(grades, key=lambda g: g.student)


# --- the outbox and the ledger ---------------------------------------------------------------

def _outbox(root: Path) -> Path:
    return lms_folder(root) / OUTBOX


def _ledger(root: Path) -> dict:
    path = lms_folder(root) / LEDGER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as problem:
        raise CourseError(f"{path} cannot be read ({problem}): restore it from a backup. "
                          "Without it every grade is sent again (the LMS keeps the newest, "
                          "so nothing is wrong, only slower).") from None


def _save_ledger(root: Path, ledger: dict) -> None:
    write_private(lms_folder(root) / LEDGER, json.dumps(ledger, indent=1, sort_keys=True))


def _digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:24]


def _entry_path(root: Path, assignment: str, student: str) -> Path:
    return _outbox(root) / f"{assignment}+{student}.json"


def _iso(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def queue(root: Path, grades: Iterable[Grade], settings: PlatformSettings,
          dry_run: bool = False) -> tuple[list[Grade], list[Grade]]:
    """Put every grade that changed since it was last sent into the outbox.

    Returns (queued, unchanged). A grade already waiting is replaced by the newer one.
    """
    ledger = _ledger(root)
    queued, unchanged = [], []
    for grade in grades:
        content = grade.content(settings)
        digest = _digest(content)
        path = _entry_path(root, grade.assignment, grade.student)
        sent = ledger.get(grade.assignment, {}).get(grade.student, {})
        waiting = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        if sent.get("digest") == digest and waiting is None:
            unchanged.append(grade)
            continue
        queued.append(grade)
        if dry_run or (waiting and waiting["digest"] == digest):
            continue
        entry = {"assignment": grade.assignment, "student": grade.student,
                 "who": grade.who(), "lms_user_id": grade.lms_user_id, "digest": digest,
                 "score": {**content, "timestamp": _iso(datetime.datetime.now(datetime.UTC))}}
        write_private(path, json.dumps(entry, indent=1, sort_keys=True))
    return queued, unchanged


def waiting_entries(root: Path) -> list[dict]:
    """Every score in the outbox (all assignments), oldest assignment first."""
    folder = _outbox(root)
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


# --- delivery --------------------------------------------------------------------------------

@dataclass
class SendReport:
    """What a send did: sent, unchanged, and what waits in the outbox and why."""

    assignment: str
    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # the LMS had a newer grade
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (who, why)
    problem: str = ""  # why nothing (more) could be delivered

    @property
    def ok(self) -> bool:
        return not self.waiting and not self.problem

    def text(self) -> str:
        lines = []
        if self.dry_run:
            lines.append(f"Dry run: nothing was sent. {len(self.would_send)} grades of "
                         f"{self.assignment} would be sent:")
            lines += [f"  would send: {line}" for line in self.would_send]
        else:
            lines.append(f"{self.assignment}: {len(self.sent)} grades sent to the LMS, "
                         f"{len(self.unchanged)} unchanged since the last send.")
            lines += [f"  sent: {line}" for line in self.sent]
            lines += [f"  not sent: {line}: the LMS has a newer grade (changed there?)"
                      for line in self.superseded]
        if self.problem:
            lines.append(f"Not sent: {self.problem}")
        if self.waiting:
            lines.append(f"{len(self.waiting)} grades could not be sent and wait in the "
                         "outbox (`cryocourse lms send` tries them again):")
            lines += [f"  waiting: {who}: {why}" for who, why in self.waiting]
        return "\n".join(lines)


def _people(client: LmsClient) -> dict[str, Member]:
    """LMS members by the course name the LMS gives each (``lti_username``), never by the
    raw LMS user id: a local name may equal someone else's raw id (Moodle's "2", "3")."""
    return {lti_username(client.settings.issuer, member.user_id): member
            for member in client.members()}


def _member_of(entry: dict, people: dict[str, Member], issuer: str) -> Member | None:
    """The LMS member a grade is for: by the LMS id the roster recorded, else only if the
    trainee's course name is the one the LMS gives."""
    if entry.get("lms_user_id"):
        return people.get(lti_username(issuer, entry["lms_user_id"]))
    return people.get(entry["student"])


def client_for(root: Path) -> LmsClient:
    """A client for grades: line items, scores and the membership (to check learners)."""
    from course.storage.lms_settings import load_platform

    return LmsClient(load_platform(root), tool_key(root), GRADES_SCOPES)


def send(root: Path, assignment: str, dry_run: bool = False,
         client: LmsClient | None = None) -> SendReport:
    """Queue what changed of ``assignment``, then deliver the whole outbox."""
    client = client or client_for(root)
    report = SendReport(assignment, dry_run=dry_run)
    held = hold_reason(root, assignment)
    queued: list[Grade]
    unchanged: list[Grade]
    if held:
        report.problem = held
        queued, unchanged = [], []
    else:
        queued, unchanged = queue(root, grades_of(root, assignment), client.settings, dry_run)
    report.unchanged = [g.who() for g in unchanged]
    try:
        people = _people(client)
    except LmsError as problem:
        report.problem = (f"the course's people could not be read from the LMS ({problem}) "
                          "Nothing is lost: run `cryocourse lms send` again later.")
        report.waiting = [(_label(e), "waiting for the LMS") for e in waiting_entries(root)]
        if dry_run:
            report.would_send = [f"{g.who()}: {_summary(g.content(client.settings))}"
                                 for g in queued]
        return report
    if dry_run:
        for grade in queued:
            member = _member_of({"student": grade.student, "lms_user_id": grade.lms_user_id},
                                people, client.settings.issuer)
            if member is None or not member.learner:
                report.waiting.append((f"{grade.who()}, {grade.assignment}",
                                       _not_learner(member)))
            else:
                report.would_send.append(f"{grade.who()}: "
                                         f"{_summary(grade.content(client.settings))}")
        return report
    _deliver(root, client, people, report)
    return report


def hold_reason(root: Path, assignment: str) -> str | None:
    """Why the grades of ``assignment`` may not reach the LMS yet (as for feedback): a
    supervised window still open for someone, or a grading run stopped before it finished."""
    still_open = supervision.feedback_problem(deadlines.load(root), assignment,
                                              supervision.now_utc())
    if still_open:
        return f"{still_open} Nothing is lost: a later `cryocourse lms send` sends them."
    if unfinished_regrades(root, assignment):
        return (f"the last grading run of {assignment} was stopped before it finished: run "
                f"`cryocourse grade {assignment}` to finish it; its grades wait until then.")
    return None


def _deliver(root: Path, client: LmsClient, people: dict[str, Member],
             report: SendReport) -> None:
    ledger = _ledger(root)
    items: dict[str, dict] = {}
    holds: dict[str, str | None] = {}
    try:
        for entry in waiting_entries(root):
            if entry["assignment"] not in holds:
                holds[entry["assignment"]] = hold_reason(root, entry["assignment"])
            if holds[entry["assignment"]]:
                report.waiting.append((_label(entry), "held: grading or the window is "
                                                      "not finished"))
                continue
            member = _member_of(entry, people, client.settings.issuer)
            if member is None or not member.learner:
                report.waiting.append((_label(entry), _not_learner(member)))
                continue
            assignment = entry["assignment"]
            try:
                if assignment not in items:
                    items[assignment] = client.line_item(assignment, _title(root, assignment),
                                                         entry["score"]["scoreMaximum"])
                client.post_score(items[assignment]["id"],
                                  {**entry["score"], "userId": member.user_id})
            except LmsRefused as refused:
                if refused.status == 409:  # AGS: the LMS keeps a newer score of its own
                    ledger.setdefault(assignment, {})[entry["student"]] = {
                        "digest": entry["digest"], "timestamp": entry["score"]["timestamp"],
                        "line_item": items[assignment]["id"], "user_id": member.user_id,
                        "superseded": True}  # not offered again until the grade changes
                    _save_ledger(root, ledger)
                    _entry_path(root, assignment, entry["student"]).unlink()
                    report.superseded.append(_label(entry))
                else:
                    report.waiting.append((_label(entry), f"the LMS refused it: {refused}"))
                continue
            ledger.setdefault(assignment, {})[entry["student"]] = {
                "digest": entry["digest"], "timestamp": entry["score"]["timestamp"],
                "line_item": items[assignment]["id"], "user_id": member.user_id}
            _save_ledger(root, ledger)  # before the outbox entry goes: never lost, at most
            _entry_path(root, assignment, entry["student"]).unlink()  # sent twice
            label = f"{entry['who']}: {_summary(entry['score'])}"
            report.sent.append(label if assignment == report.assignment
                               else f"{label} ({assignment})")
    except LmsUnreachable as problem:
        report.problem = f"{problem} Nothing is lost: run `cryocourse lms send` again later."
        held = {who for who, _ in report.waiting}
        report.waiting += [(_label(e), "waiting for the LMS") for e in waiting_entries(root)
                           if _label(e) not in held]


def _title(root: Path, assignment: str) -> str:
    """The assignment's title (its notebook's first heading), for a new gradebook column."""
    for notebook in release_notebooks(root, assignment)[:1]:
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            break
        for cell in cells:
            text = "".join(cell.get("source", ""))
            if cell.get("cell_type") == "markdown" and text.startswith("# "):
                return text[2:].splitlines()[0].strip()
    return assignment


def _label(entry: dict) -> str:
    return f"{entry['who']}, {entry['assignment']}"


def _summary(score: dict) -> str:
    return (f"{score['scoreGiven']:g}/{score['scoreMaximum']:g}, {score['gradingProgress']}"
            f"{', late' if 'after the due date' in score.get('comment', '') else ''}")


def _not_learner(member: Member | None) -> str:
    if member is None:
        return ("not a member of the LMS course (never enrolled there, or not yet synced: "
                "cryocourse lms roster); nothing sent")
    if not member.active:
        return f"no longer in the LMS course ({member.status}); nothing sent"
    return "not a learner in the LMS course (another role); nothing sent"
