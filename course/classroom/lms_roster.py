"""The class list from the school's LMS (LTI Names and Role Provisioning): ``cryocourse lms
roster``.

The LMS course's membership is read page by page and nbgrader's students are kept in step:
each active learner is a student named ``lti_username(issuer, user id)`` (their hub name, so
their hand-ins count for them), with the name and e-mail the LMS gives and the LMS user id
(nbgrader's ``lms_user_id``); a student who left the course (or whose role changed) is
reported as dropped and no grade is sent for them, but their grades stay in the gradebook.
With the class server's API (``CRYOCOURSE_HUB_API_URL`` and ``CRYOCOURSE_HUB_API_TOKEN``,
an admin service token), the hub's trainees and graders groups follow too. Every change is
reported; a dry run reports without changing anything. Classes without an LMS keep the
roster file (``CRYOCOURSE_ROSTER``, docs/instructor-guide.md).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from course.classroom.lms_client import ROSTER_SCOPES, LmsClient, Member
from course.storage.course_folder import CourseError, make_api
from course.storage.lms_settings import (
    LTI_PREFIX,
    lms_folder,
    load_platform,
    lti_username,
    tool_key,
)
from course.storage.secrets import write_private

ROSTER_STATE = "roster.json"


@dataclass
class RosterReport:
    """Every change a sync made (or, in a dry run, would make)."""

    dry_run: bool = False
    learners: int = 0
    graders: int = 0
    changes: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = "Dry run: nothing was changed. " if self.dry_run else ""
        lines = [f"{head}The LMS course has {self.learners} active learners and "
                 f"{self.graders} instructors or graders."]
        lines += [f"  {change}" for change in self.changes] or ["  No changes."]
        return "\n".join(lines)


@dataclass(frozen=True)
class HubApi:
    """The class server's REST API with an admin service token (groups and users)."""

    url: str  # e.g. http://127.0.0.1:8000/hub/api
    token: str

    @classmethod
    def from_environ(cls) -> HubApi | None:
        url, token = (os.environ.get("CRYOCOURSE_HUB_API_URL", ""),
                      os.environ.get("CRYOCOURSE_HUB_API_TOKEN", ""))
        return cls(url.rstrip("/"), token) if url and token else None

    def call(self, method: str, path: str, body: dict | None = None,
             accept: str = "application/json") -> dict | list | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}",
                     "Content-Type": "application/json", "Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
        except urllib.error.HTTPError as error:
            if error.code == 404 and method == "GET":
                return None
            raise CourseError(f"The class server refused {method} {path} (HTTP {error.code}: "
                              f"{error.read()[:200].decode(errors='replace')}).") from None
        except OSError as problem:
            raise CourseError(f"The class server at {self.url} cannot be reached "
                              f"({problem}).") from None
        return json.loads(text) if text else None

    def members_of(self, group: str) -> set[str]:
        found = self.call("GET", f"/groups/{urllib.parse.quote(group)}")
        if found is None:
            self.call("POST", f"/groups/{urllib.parse.quote(group)}")
            return set()
        return set(found.get("users", [])) if isinstance(found, dict) else set()

    def ensure_users(self, names: set[str]) -> None:
        have = {u["name"] for u in self.every_user() if isinstance(u, dict)}
        missing = sorted(names - have)
        if missing:
            self.call("POST", "/users", {"usernames": missing})

    def every_user(self) -> list:
        """Every user of the hub, page by page (the hub caps a page, 200 by default)."""
        users: list = []
        while True:
            page = self.call("GET", f"/users?offset={len(users)}",
                             accept="application/jupyterhub-pagination+json")
            if not isinstance(page, dict):  # a hub older than 2.0 answers in one list
                return users + (page or [])
            items = page.get("items") or []
            users += items
            if not items or not (page.get("_pagination") or {}).get("next"):
                return users

    def set_group(self, group: str, add: set[str], remove: set[str]) -> None:
        path = f"/groups/{urllib.parse.quote(group)}/users"
        if add:
            self.call("POST", path, {"users": sorted(add)})
        if remove:
            self.call("DELETE", path, {"users": sorted(remove)})


def _state(root: Path) -> dict:
    path = lms_folder(root) / ROSTER_STATE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}


def _label(member: Member) -> str:
    return " ".join(n for n in (member.given_name, member.family_name) if n) or member.name


def sync(root: Path, dry_run: bool = False, client: LmsClient | None = None,
         hub: HubApi | None = None, course_id: str = "") -> RosterReport:
    """Read the LMS course's people and bring the gradebook (and the hub) in step."""
    from nbgrader.api import Gradebook

    client = client or LmsClient(load_platform(root), tool_key(root), ROSTER_SCOPES)
    issuer = client.settings.issuer
    members = client.members()
    learners = {m.user_id: m for m in members if m.learner}
    graders = {m.user_id: m for m in members if m.grader}
    report = RosterReport(dry_run, len(learners), len(graders))
    api = make_api(root)
    course_id = course_id or api.coursedir.course_id
    active: set[str] = set()
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        students = {s.id: s for s in gradebook.students}
        by_lms_id = {s.lms_user_id: s for s in students.values() if s.lms_user_id}
        for user_id, member in sorted(learners.items()):
            known = by_lms_id.get(user_id)
            student_id = known.id if known else lti_username(issuer, user_id)
            active.add(student_id)
            label = _label(member)
            given, family = member.given_name or label, member.family_name
            existing = students.get(student_id)
            if existing is None:
                report.changes.append(f"added: {label or user_id} ({student_id})")
            elif (existing.first_name or "", existing.last_name or "") != (given, family):
                report.changes.append(f"name: {student_id}: {existing.first_name or ''} "
                                      f"{existing.last_name or ''} -> {label}".replace(
                                          "  ", " "))
            else:
                continue
            if not dry_run:
                gradebook.update_or_create_student(student_id, first_name=given,
                                                   last_name=family, email=member.email or None,
                                                   lms_user_id=user_id)
        state = _state(root)
        dropped_before = set(state.get("dropped", []))
        dropped = set()
        for student in students.values():
            if student.lms_user_id and student.id not in active:
                dropped.add(student.id)
                if student.id not in dropped_before:
                    why = ("left the LMS course" if student.lms_user_id not in
                           {m.user_id for m in members if m.active} else "no longer a learner")
                    name = " ".join(n for n in (student.first_name, student.last_name) if n)
                    report.changes.append(f"dropped: {name or student.id} ({student.id}): "
                                          f"{why}; grades kept, none sent to the LMS")
        for student_id in sorted(dropped_before & active):
            report.changes.append(f"back: {student_id} is a learner of the course again")
    grader_names = {lti_username(issuer, user_id): m for user_id, m in graders.items()}
    for name in sorted(set(grader_names) - set(state.get("graders", []))):
        report.changes.append(f"grader: {_label(grader_names[name]) or name} ({name})")
    if hub is not None:
        _sync_hub(hub, course_id, active, dropped, set(grader_names), report, dry_run)
    if not dry_run:
        write_private(lms_folder(root) / ROSTER_STATE, json.dumps(
            {"dropped": sorted(dropped), "graders": sorted(grader_names)}, indent=1))
    return report


def _sync_hub(hub: HubApi, course_id: str, learners: set[str], dropped: set[str],
              graders: set[str], report: RosterReport, dry_run: bool) -> None:
    """The hub's nbgrader groups of the course follow the LMS (nbgrader's convention)."""
    trainee_group, grader_group = f"nbgrader-{course_id}", f"formgrade-{course_id}"
    in_trainees, in_graders = hub.members_of(trainee_group), hub.members_of(grader_group)
    add_trainees, remove_trainees = learners - in_trainees, (in_trainees & dropped)
    add_graders = graders - in_graders
    # Former graders: LMS people (only they carry the LTI prefix) who no longer teach the
    # course; a grader the hub's admin added under a local name stays.
    remove_graders = {n for n in in_graders if n.startswith(LTI_PREFIX)} - graders
    for name in sorted(add_trainees):
        report.changes.append(f"hub: {name} added to {trainee_group}")
    for name in sorted(remove_trainees):
        report.changes.append(f"hub: {name} removed from {trainee_group}")
    for name in sorted(add_graders):
        report.changes.append(f"hub: {name} added to {grader_group}")
    for name in sorted(remove_graders):
        report.changes.append(f"hub: {name} removed from {grader_group}: no longer a "
                              "grader of the LMS course")
    if dry_run:
        return
    hub.ensure_users(add_trainees | add_graders)
    hub.set_group(trainee_group, add_trainees, remove_trainees)
    hub.set_group(grader_group, add_graders, remove_graders)
