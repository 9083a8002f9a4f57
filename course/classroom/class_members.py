"""Adding and removing a trainee or a grader on a running class server (``cryocourse class``).

Run as root on the class server. A change goes to two places at once:

* the roster (``CRYOCOURSE_ROSTER``, default ``/etc/cryocourse/roster.txt``, root-only), which
  the hub reads when it starts, so the change outlasts a restart;
* the running hub, through its own REST API (users and groups, with the class-management
  token ``CRYOCOURSE_ADMIN_API_TOKEN`` that ``setup.sh hub`` keeps in the settings): nobody's
  server is restarted; a removed person's own server is stopped by the hub.

With LMS log-in (``CRYOCOURSE_HUB_AUTH=lti``) people and roles come from the LMS, so this
refuses. Standard library only (the hub's API is plain HTTP on 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SETTINGS = Path("/etc/cryocourse/hub.env")
ROLES = ("trainee", "grader")
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


class ClassError(Exception):
    """A change that cannot be made (the message says why and what to do)."""


def read_settings(path: Path = SETTINGS) -> dict[str, str]:
    """``KEY=VALUE`` lines of the hub's settings file; ``CRYOCOURSE_*`` variables set in the
    environment win (as when the hub was started with them)."""
    try:
        text = path.read_text(encoding="utf-8")
    except PermissionError:
        raise ClassError(f"{path} is root's: run this as root (su -, or sudo).") from None
    except FileNotFoundError:
        raise ClassError(f"{path} does not exist: this is not a class server set up with "
                         "bash setup.sh hub (or give --settings).") from None
    settings = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            settings[key.strip()] = value.strip()
    settings.update({k: v for k, v in os.environ.items() if k.startswith("CRYOCOURSE_") and v})
    return settings


def group_of(role: str, course_id: str) -> str:
    """nbgrader's hub group of a role (as deploy/hub/cryocourse_hub.py names them)."""
    return f"nbgrader-{course_id}" if role == "trainee" else f"formgrade-{course_id}"


def changed_roster(text: str, role: str, name: str, present: bool) -> str:
    """The roster with ``role name`` added (once) or removed; comments and others kept."""
    lines, found = [], False
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if words == [role, name]:
            if not present or found:
                continue
            found = True
        lines.append(raw)
    if present and not found:
        lines.append(f"{role} {name}")
    return "\n".join(lines) + "\n"


def write_roster(path: Path, text: str) -> None:
    """Replace the roster in one step, root-only (0600)."""
    spare = path.with_name(f".{path.name}.new")
    fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(spare, 0o600)
    os.replace(spare, path)


@dataclass
class HubAPI:
    """The hub's REST API with the class-management token."""

    url: str  # e.g. http://127.0.0.1:8081/hub/api
    token: str

    def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url.rstrip("/") + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, error.read()[:300].decode(errors="replace")

    def must(self, method: str, path: str, body: object = None, ok: tuple[int, ...] = ()):
        status, answer = self.call(method, path, body)
        if status >= 400 and status not in ok:
            raise ClassError(f"the hub refused {method} {path} ({status}): {answer}")
        return status, answer


def hub_api(settings: dict[str, str]) -> HubAPI:
    """The API of the hub these settings start (its internal port on 127.0.0.1)."""
    token = settings.get("CRYOCOURSE_ADMIN_API_TOKEN", "")
    if not token:
        raise ClassError("The settings have no CRYOCOURSE_ADMIN_API_TOKEN: run bash setup.sh "
                         "hub once more (it adds one).")
    url = settings.get("CRYOCOURSE_HUB_API_URL") or \
        f"http://127.0.0.1:{settings.get('CRYOCOURSE_HUB_INTERNAL_PORT', '8081')}/hub/api"
    return HubAPI(url, token)


def check_person(name: str, settings: dict[str, str]) -> None:
    """A name the hub and the machine accept, of a person's account that exists."""
    if settings.get("CRYOCOURSE_HUB_AUTH", "pam") == "lti":
        raise ClassError("With LMS log-in (CRYOCOURSE_HUB_AUTH=lti) people and their roles "
                         "come from the LMS: enrol or remove them there.")
    if not _NAME.fullmatch(name):
        raise ClassError(f"{name!r} is not an account name (lower-case letters, digits, - "
                         "and _, starting with a letter).")
    if name == settings.get("CRYOCOURSE_COURSE_USER", "cryocourse"):
        raise ClassError(f"{name} is the course account; it is always in the grader group.")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ClassError(f"There is no account {name!r} on this machine: create it first "
                         f"(adduser {name}), then run this again.") from None
    if entry.pw_uid < 1000:
        raise ClassError(f"{name} is a system account: no server runs as it.")


def change_member(settings: dict[str, str], role: str, name: str, present: bool) -> list[str]:
    """Add (``present``) or remove ``name`` as ``role``: roster, then the running hub.

    Returns the lines to show. The roster is written first, so a hub that is not running
    gets the change at its next start.
    """
    if role not in ROLES:
        raise ClassError(f"the role is trainee or grader, not {role!r}")
    if present:
        check_person(name, settings)
    roster = Path(settings.get("CRYOCOURSE_ROSTER") or SETTINGS.parent / "roster.txt")
    before = roster.read_text(encoding="utf-8") if roster.is_file() else ""
    write_roster(roster, changed_roster(before, role, name, present))
    course_id = settings.get("CRYOCOURSE_COURSE_ID", "cosmetic-cryotherapy")
    group = group_of(role, course_id)
    said = [f"roster {roster}: {'added' if present else 'removed'} '{role} {name}'"]
    api = hub_api(settings)
    try:
        api.call("GET", "/")
    except OSError:
        return [*said, "the hub is not running: the change counts from its next start"]
    if present:
        api.must("POST", f"/users/{name}", ok=(409,))  # 409: the hub knows them already
        api.must("POST", f"/groups/{group}/users", {"users": [name]})
        said.append(f"hub: {name} is in {group} now (no server was restarted); they log in "
                    "with their account's password")
        if role == "grader":
            said.append("a grader whose own server is running gets the grader's JupyterLab "
                        "at its next start; the Formgrader service is open to them now")
        return said
    api.must("DELETE", f"/groups/{group}/users", {"users": [name]}, ok=(404,))
    status, user = api.call("GET", f"/users/{name}")
    if status == 404 or not isinstance(user, dict):
        return [*said, f"hub: {name} was not a hub user"]
    left = [g for g in user.get("groups", []) if g in (group_of(r, course_id) for r in ROLES)]
    if left or user.get("admin"):
        return [*said, f"hub: {name} left {group} (still {', '.join(left) or 'an admin'})"]
    api.must("DELETE", f"/users/{name}", ok=(404,))
    return [*said, f"hub: {name} removed (their own server stopped; no one else's); their "
                   "home folder and submissions are kept"]


def members(settings: dict[str, str]) -> list[str]:
    """The roster's lines and, when the hub runs, its course groups."""
    roster = Path(settings.get("CRYOCOURSE_ROSTER") or SETTINGS.parent / "roster.txt")
    said = [f"roster {roster}:"]
    text = roster.read_text(encoding="utf-8") if roster.is_file() else ""
    said += [f"  {line.strip()}" for line in text.splitlines()
             if line.split("#", 1)[0].strip()] or ["  (empty)"]
    course_id = settings.get("CRYOCOURSE_COURSE_ID", "cosmetic-cryotherapy")
    api = hub_api(settings)
    for role in ROLES:
        try:
            status, group = api.call("GET", f"/groups/{group_of(role, course_id)}")
        except OSError:
            return [*said, "the hub is not running"]
        users = group.get("users", []) if isinstance(group, dict) else []
        said.append(f"hub {group_of(role, course_id)}: {', '.join(sorted(users)) or '(none)'}")
    return said
