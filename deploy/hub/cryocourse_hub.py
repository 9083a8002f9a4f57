"""The course's JupyterHub logic: settings, LTI roles to nbgrader groups, per-role servers.

Standard library only: the same file is imported by ``deploy/hub/jupyterhub_config.py`` on
one machine and mounted into the hub pod on Kubernetes (``hub.extraFiles``), so it must not
need the course package.

nbgrader's convention for one course: trainees are in the hub group ``nbgrader-<course>``,
graders (instructors, teaching assistants) in ``formgrade-<course>``. The course account (a
system user that owns the course folder and runs the shared Formgrader) is a hub user in the
grader group too (nbgrader #1872).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# LTI 1.3 role vocabulary (IMS LTI 1.3 §A.2). Only context (membership) roles grant course
# rights: an institution-wide "Instructor" of another course is not a grader of this one.
LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LTI_CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
LTI_DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
LTI_MESSAGE_TYPE_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/message_type"
LTI_CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_ITEMS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
# Hub users who arrive from the LMS are named LTI_PREFIX + a hash of the platform's issuer and
# the person's ``sub`` (stable and unique); their system accounts carry LTI_ACCOUNT_MARK in the
# comment field, so the hub never takes over an account it did not create.
LTI_PREFIX = "lti-"
LTI_ACCOUNT_MARK = "cryocourse LTI learner"
_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
GRADER_ROLES = frozenset({
    f"{_MEMBERSHIP}#Instructor",
    f"{_MEMBERSHIP}#Administrator",
    f"{_MEMBERSHIP}/Instructor#TeachingAssistant",
    f"{_MEMBERSHIP}/Instructor#Grader",
})
TRAINEE_ROLES = frozenset({f"{_MEMBERSHIP}#Learner", f"{_MEMBERSHIP}/Learner#Learner"})

# A trainee's variant key (course/models/variants.py): the variable their server reads it from.
VARIANT_KEY_VARIABLE = "CRYOCOURSE_VARIANT_KEY"


def trainee_group(course_id: str) -> str:
    """nbgrader's hub group of a course's trainees."""
    return f"nbgrader-{course_id}"


def grader_group(course_id: str) -> str:
    """nbgrader's hub group of a course's graders."""
    return f"formgrade-{course_id}"


@dataclass(frozen=True)
class HubSettings:
    """Where things are and how people log in; every field is a ``CRYOCOURSE_*`` variable."""

    course_id: str = "cosmetic-cryotherapy"
    course_dir: Path = Path("/srv/cryocourse/course")
    course_user: str = "cryocourse"
    exchange: Path = Path("/srv/nbgrader/exchange")
    state_dir: Path = Path("/srv/cryocourse/hub")
    venv: Path = Path("/opt/cryocourse/venv")
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    formgrader_port: int = 9999
    public_url: str = ""
    auth: str = "pam"  # pam (system accounts), shared (one trial password) or lti
    shared_password: str = ""
    admins: tuple[str, ...] = ()
    roster: Path | None = None
    hub_db_url: str = ""
    proxy_command: str = "configurable-http-proxy"
    lti: dict[str, str] = field(default_factory=dict)
    singleuser_config: Path = HERE / "jupyter"  # trainee/, grader/ and common/ settings
    lti_home_root: Path = Path("/home")  # where LMS people's accounts get their homes
    # Each user's server (JupyterLab and every kernel it starts) together: memory, CPU cores,
    # processes and threads; the largest file one process may write (docs: "Limits").
    server_memory: str = "1536M"
    server_cpus: float = 1.0
    server_tasks: int = 256
    server_file_size: str = "2G"
    # Disk quota of each user's account (e.g. "2G"; empty: none), set with setquota on the
    # file systems of the user's home and of the exchange, which must have user quotas on
    # (docs: "Limits"; needs the quota tools and usrquota): else the server is not started.
    disk_quota: str = ""
    # The course's variant salt, readable by the hub only (on Kubernetes: a Secret mounted
    # into the hub pod). None: the hub gives no variant keys (one machine: the course
    # package's hub_environment does).
    variant_salt_file: Path | None = None
    # Supervised sessions (deploy/hub/cryocourse_supervised.py): kits and work folders, root's.
    supervised_dir: Path = Path("/srv/cryocourse/supervised")
    supervisor_interval: float = 5.0  # seconds between the supervisor's rounds

    @classmethod
    def from_environ(cls, environ: os._Environ | dict | None = None) -> HubSettings:
        """Read the settings from ``CRYOCOURSE_*`` variables (unset ones keep the default)."""
        env = os.environ if environ is None else environ
        default = cls()

        def get(name: str, fallback):
            value = env.get(f"CRYOCOURSE_{name}")
            return fallback if value in (None, "") else value

        return cls(
            course_id=get("COURSE_ID", default.course_id),
            course_dir=Path(get("COURSE_DIR", default.course_dir)),
            course_user=get("COURSE_USER", default.course_user),
            exchange=Path(get("EXCHANGE", default.exchange)),
            state_dir=Path(get("HUB_STATE", default.state_dir)),
            venv=Path(get("VENV", default.venv)),
            ip=get("HUB_IP", default.ip),
            port=int(get("HUB_PORT", default.port)),
            hub_port=int(get("HUB_INTERNAL_PORT", default.hub_port)),
            proxy_api_port=int(get("PROXY_API_PORT", default.proxy_api_port)),
            formgrader_port=int(get("FORMGRADER_PORT", default.formgrader_port)),
            public_url=get("HUB_PUBLIC_URL", ""),
            auth=get("HUB_AUTH", default.auth).lower(),
            shared_password=get("SHARED_PASSWORD", ""),
            admins=tuple(n for n in get("ADMINS", "").replace(",", " ").split() if n),
            roster=Path(get("ROSTER", "")) if get("ROSTER", "") else None,
            hub_db_url=get("HUB_DB_URL", ""),
            proxy_command=get("PROXY_COMMAND", default.proxy_command),
            lti_home_root=Path(get("LTI_HOME_ROOT", default.lti_home_root)),
            server_memory=get("SERVER_MEMORY", default.server_memory),
            server_cpus=float(get("SERVER_CPUS", default.server_cpus)),
            server_tasks=int(get("SERVER_TASKS", default.server_tasks)),
            server_file_size=get("SERVER_FILE_SIZE", default.server_file_size),
            disk_quota=get("DISK_QUOTA", ""),
            variant_salt_file=(Path(get("VARIANT_SALT_FILE", "")) if get("VARIANT_SALT_FILE", "")
                               else None),
            supervised_dir=Path(get("SUPERVISED_DIR", default.supervised_dir)),
            supervisor_interval=float(get("SUPERVISOR_INTERVAL", default.supervisor_interval)),
            lti={key: env[f"CRYOCOURSE_LTI_{key.upper()}"]
                 for key in ("issuer", "client_id", "authorize_url", "jwks_endpoint",
                             "context_id", "deployment_id")
                 if env.get(f"CRYOCOURSE_LTI_{key.upper()}")},
        )


def read_roster(path: Path | None) -> dict[str, list[str]]:
    """The class list: ``trainee NAME`` / ``grader NAME`` lines (``#`` starts a comment)."""
    roster: dict[str, list[str]] = {"trainee": [], "grader": []}
    if path is None:
        return roster
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) != 2 or line[0] not in roster:
            raise ValueError(f"{path}, line {number}: expected 'trainee NAME' or "
                             f"'grader NAME', found {raw.strip()!r}")
        roster[line[0]].append(safe_username(line[1]))
    return roster


_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def safe_username(name: str) -> str:
    """A hub name that is also a valid system account name (Debian's adduser rules).

    Names that are already safe stay as they are; others (an e-mail address, an LMS's opaque
    ``sub``) become their readable part plus a short hash, so two people never share one.
    """
    lowered = name.strip().lower()
    if re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", lowered):
        return lowered
    readable = _UNSAFE.sub("-", lowered.split("@", 1)[0]).strip("-_") or "user"
    if not readable[0].isalpha():
        readable = f"u{readable}"
    digest = hashlib.sha256(name.strip().encode()).hexdigest()[:8]
    return f"{readable[:23]}-{digest}"


def groups_for_lti_roles(roles: list[str] | tuple[str, ...], course_id: str) -> list[str]:
    """The nbgrader groups an LTI 1.3 launch's roles put a user in (empty: no course role)."""
    granted = set(roles)
    groups = []
    if granted & GRADER_ROLES:
        groups.append(grader_group(course_id))
    if granted & TRAINEE_ROLES:
        groups.append(trainee_group(course_id))
    return groups


def lti_username(issuer: str, sub: str) -> str:
    """The hub name of an LMS person: the reserved prefix and a hash of (issuer, sub).

    ``sub`` is the platform's stable, unique id of the person (LTI 1.3 §5.1.2), unlike a
    given name or an e-mail address; the prefix keeps every such name apart from the
    machine's own accounts (root, the course account, staff).
    """
    digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:20]
    return f"{LTI_PREFIX}{digest}"


class LaunchRefused(Exception):
    """A launch that gives no role in this course (the message says why, plainly)."""


def check_launch(claims: dict, context_id: str, deployment_id: str) -> None:
    """Refuse a launch from another LMS course or another placement of the tool."""
    context = claims.get(LTI_CONTEXT_CLAIM) or {}
    if not isinstance(context, dict) or context.get("id") != context_id:
        raise LaunchRefused("This class server serves one course of the LMS; this launch "
                            "comes from another course, so it gives no role here.")
    if claims.get(LTI_DEPLOYMENT_CLAIM) != deployment_id:
        raise LaunchRefused("This launch comes from another placement of the tool in the "
                            "LMS (its deployment), so it gives no role here.")


def make_post_auth_hook(course_id: str, context_id: str = "", deployment_id: str = "",
                        issuer: str = ""):
    """A ``post_auth_hook`` for LTI 1.3: this course's launches only, a stable unique name,
    nbgrader groups from the roles held **in this course**.

    A launch from another LMS course (``context.id``) or another deployment of the tool, or
    with neither a learner nor an instructor role of the course (a guest, a mentor), is
    refused with a plain message rather than let in with no group. The hub name is
    ``lti_username(issuer, sub)``, never the name the LMS shows.
    """
    if not context_id or not deployment_id:
        raise ValueError("LTI log-in needs the LMS course and the tool's deployment: set "
                         "CRYOCOURSE_LTI_CONTEXT_ID and CRYOCOURSE_LTI_DEPLOYMENT_ID "
                         "(docs/instructor-guide.md, 'Accounts and roles').")

    def post_auth_hook(authenticator, handler, authentication: dict) -> dict:
        from tornado import web  # the hub's own dependency

        claims = authentication.get("auth_state") or {}
        sub = claims.get("sub")
        try:
            check_launch(claims, context_id, deployment_id)
            if not isinstance(sub, str) or not sub:
                raise LaunchRefused("This launch does not say who you are (no 'sub').")
        except LaunchRefused as refused:
            raise web.HTTPError(403, str(refused)) from None
        groups = groups_for_lti_roles(claims.get(LTI_ROLES_CLAIM) or [], course_id)
        if not groups:
            raise web.HTTPError(403, "This course is open to its trainees and instructors "
                                     "only: your LMS role in it is neither.")
        name = lti_username(claims.get("iss") or issuer, sub)
        if claims.get(LTI_MESSAGE_TYPE_CLAIM) == "LtiDeepLinkingRequest":
            if grader_group(course_id) not in groups:
                raise web.HTTPError(403, "Only the course's instructors choose what an LMS "
                                         "activity opens.")
            LAUNCHES.remember_deep_link(name, claims)
        else:
            custom = claims.get(LTI_CUSTOM_CLAIM) or {}
            LAUNCHES.remember_landing(name, custom.get("assignment")
                                      if isinstance(custom, dict) else None)
        authentication["name"] = name
        authentication["groups"] = groups
        authentication["admin"] = False
        return authentication

    return post_auth_hook


# --- where a launch lands; deep linking -------------------------------------------------------

_ASSIGNMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
LAUNCH_MEMORY_SECONDS = 15 * 60


class Launches:
    """What each person's last launch asked for, from its signed claims (the hub's memory,
    a few minutes): the assignment a link opens, or an instructor's deep-linking request."""

    def __init__(self) -> None:
        self._landings: dict[str, tuple[str, float]] = {}
        self._deep_links: dict[str, tuple[dict, float]] = {}

    def remember_landing(self, user: str, assignment: object) -> None:
        valid = isinstance(assignment, str) and _ASSIGNMENT_ID.fullmatch(assignment)
        self._landings[user] = (assignment if valid else "", time.monotonic())  # type: ignore

    def landing(self, user: str) -> str:
        assignment, when = self._landings.pop(user, ("", 0.0))
        return assignment if time.monotonic() - when < LAUNCH_MEMORY_SECONDS else ""

    def remember_deep_link(self, user: str, claims: dict) -> None:
        self._deep_links[user] = (claims, time.monotonic())

    def deep_link(self, user: str) -> dict | None:
        claims, when = self._deep_links.get(user, ({}, 0.0))
        return claims if claims and time.monotonic() - when < LAUNCH_MEMORY_SECONDS else None

    def forget_deep_link(self, user: str) -> None:
        self._deep_links.pop(user, None)


LAUNCHES = Launches()


def tool_folder(settings: HubSettings) -> Path:
    """The course's LMS folder (``cryocourse lms setup``): the tool's key and key set."""
    return Path(settings.course_dir) / ".cryocourse" / "lms"


def offered_assignments(settings: HubSettings) -> dict[str, dict]:
    """The released assignments an instructor may link: title, notebook, points (from the
    notebooks' nbgrader metadata, as nbgrader counts them)."""
    offered = {}
    release = Path(settings.course_dir) / "release"
    for folder in sorted(release.iterdir()) if release.is_dir() else []:
        notebooks = sorted(folder.glob("*.ipynb"))
        if not notebooks or not _ASSIGNMENT_ID.fullmatch(folder.name):
            continue
        title, points = folder.name, 0.0
        for notebook in notebooks:
            try:
                cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
            except (OSError, ValueError):
                continue
            for cell in cells:
                marks = cell.get("metadata", {}).get("nbgrader", {})
                if marks.get("grade"):
                    points += float(marks.get("points") or 0)
                text = "".join(cell.get("source", ""))
                if title == folder.name and cell.get("cell_type") == "markdown" and \
                        text.startswith("# "):
                    title = text[2:].splitlines()[0].strip()
        offered[folder.name] = {"title": title, "notebook": notebooks[0].name,
                                "points": points}
    return offered


def landing_path(settings: HubSettings, groups: set[str], assignment: str,
                 base_url: str = "/", user: str = "") -> str:
    """Where a launch takes a person: a grader to the assignment in the Formgrader, a
    trainee to the assignment on their own server (``cryocourse/open``, the course's server
    extension: the notebook once fetched, else JupyterLab, whose Assignments tab fetches
    it). The hub reads no trainee's folder, so this works wherever the servers run. A
    server started for a supervised window has no course package, hence no such page:
    JupyterLab (whose only folder is the window's assessment)."""
    base = base_url.rstrip("/")
    if grader_group(settings.course_id) in groups:
        where = f"/gradebook/{assignment}" if assignment else ""
        return f"{base}/services/{settings.course_id}/formgrader{where}"
    if not assignment or _supervised_now(settings, user):
        return f"{base}/hub/user-redirect/lab"
    return f"{base}/hub/user-redirect/cryocourse/open/{assignment}"


def _supervised_now(settings: HubSettings, user: str) -> bool:
    """Whether ``user``'s server last started for a supervised window (the mode the hub
    recorded, deploy/hub/cryocourse_supervised.py)."""
    try:
        mode = (Path(settings.supervised_dir) / "sessions" / user).read_text()
    except (OSError, ValueError):
        return False
    return bool(user) and mode.startswith("supervised")


def deep_link_response(settings: HubSettings, request: dict, assignment: str,
                       launch_url: str) -> str:
    """The signed LtiDeepLinkingResponse (LTI-DL 2.0 §4.2): one resource link that opens
    ``assignment`` and asks the LMS for its line item (resource id = the assignment)."""
    import jwt  # the authenticator's own dependency

    offered = offered_assignments(settings)[assignment]
    folder = tool_folder(settings)
    try:
        key = (folder / "tool-key.pem").read_text(encoding="utf-8")
        kid = json.loads((folder / "tool-jwks.json").read_text())["keys"][0]["kid"]
    except (OSError, ValueError, KeyError, IndexError):
        raise RuntimeError("The tool has no key yet: run `cryocourse lms setup` (docs/"
                           "instructor-guide.md, 'Grades in the school's LMS').") from None
    audience = request.get("aud")
    client_id = request.get("azp") or (audience[0] if isinstance(audience, list) else audience)
    now = int(time.time())
    item = {"type": "ltiResourceLink", "title": offered["title"], "url": launch_url,
            "custom": {"assignment": assignment},
            "lineItem": {"label": offered["title"], "scoreMaximum": offered["points"],
                         "resourceId": assignment, "tag": "cryocourse"}}
    claims = {"iss": client_id, "aud": request.get("iss"), "iat": now, "exp": now + 600,
              "nonce": secrets.token_hex(16),
              LTI_DEPLOYMENT_CLAIM: request.get(LTI_DEPLOYMENT_CLAIM),
              LTI_MESSAGE_TYPE_CLAIM: "LtiDeepLinkingResponse",
              "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
              DL_ITEMS_CLAIM: [item]}
    data = (request.get(DL_SETTINGS_CLAIM) or {}).get("data")
    if data is not None:
        claims[DL_DATA_CLAIM] = data
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def auto_post_page(url: str, fields: dict[str, str], words: str) -> str:
    """A page that posts ``fields`` to ``url`` at once (with a button without JavaScript)."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    return (f'<!doctype html><html lang="en"><body><form method="post" '
            f'action="{html.escape(url)}">{inputs}<p>{html.escape(words)}</p>'
            '<button type="submit">Continue</button></form>'
            "<script>document.forms[0].submit()</script></body></html>")


def course_lti_authenticator(settings: HubSettings, deep_linking: bool = True):
    """jupyterhub-ltiauthenticator's LTI13Authenticator with the course's own endpoints
    (``Authenticator.get_handlers``, the public extension point), all under /hub/:

    * ``cryocourse/launch``: a launch's target; takes the person where the link points
      (reads nothing of the course folder: it works on Kubernetes too);
    * ``cryocourse/deep-link``: an instructor picks the lesson or assessment an LMS
      activity opens; the LMS gets a signed answer and makes the activity's line item;
    * ``cryocourse/jwks``: the tool's public keys, for the LMS to check its signatures.

    The last two read the course folder (``release/``, the tool's key in
    ``.cryocourse/lms/``), so they need the hub on the course's machine; ``deep_linking=False``
    leaves them out (Kubernetes, where the hub pod has no course folder).
    """
    from jupyterhub.handlers import BaseHandler
    from ltiauthenticator.lti13.auth import LTI13Authenticator
    from tornado import web

    class LaunchHandler(BaseHandler):
        @web.authenticated
        def get(self) -> None:
            user = self.current_user
            groups = {group.name for group in user.groups}
            self.redirect(landing_path(settings, groups, LAUNCHES.landing(user.name),
                                       self.base_url, user.name))

    class DeepLinkHandler(BaseHandler):
        def _request(self) -> dict:
            request = LAUNCHES.deep_link(self.current_user.name)
            if request is None:
                raise web.HTTPError(400, "Choose what an activity opens from the LMS: add "
                                         "the tool as an activity there (deep linking).")
            return request

        @web.authenticated
        def get(self) -> None:
            self._request()
            choices = "".join(
                f'<p><label><input type="radio" name="assignment" value="{html.escape(a)}"'
                f'{" checked" if number == 0 else ""}> {html.escape(o["title"])} '
                f'({o["points"]:g} points)</label></p>'
                for number, (a, o) in enumerate(offered_assignments(settings).items()))
            self.write('<!doctype html><html lang="en"><head><title>Choose what the activity '
                       'opens</title></head><body><h1>Choose what the activity opens</h1>'
                       '<form method="post"><input type="hidden" name="_xsrf" value="'
                       f'{self.xsrf_token.decode()}">{choices or "<p>Nothing is released yet."}'
                       '<button type="submit">Add to the LMS course</button></form>'
                       '</body></html>')

        @web.authenticated
        def post(self) -> None:
            request = self._request()
            assignment = self.get_body_argument("assignment", "")
            if assignment not in offered_assignments(settings):
                raise web.HTTPError(400, "Choose one of the released assignments.")
            origin = settings.public_url.rstrip("/") or \
                f"{self.request.protocol}://{self.request.host}{self.base_url.rstrip('/')}"
            token = deep_link_response(settings, request, assignment,
                                       f"{origin}/hub/cryocourse/launch")
            LAUNCHES.forget_deep_link(self.current_user.name)
            self.write(auto_post_page(request[DL_SETTINGS_CLAIM]["deep_link_return_url"],
                                      {"JWT": token}, "Adding the activity to the LMS..."))

    class KeySetHandler(BaseHandler):
        def get(self) -> None:
            path = tool_folder(settings) / "tool-jwks.json"
            self.set_header("Content-Type", "application/json")
            self.write(path.read_text() if path.is_file() else '{"keys": []}')

    class CourseLTI13Authenticator(LTI13Authenticator):
        def get_handlers(self, app):
            course = [("/cryocourse/deep-link", DeepLinkHandler),
                      ("/cryocourse/jwks", KeySetHandler)] if deep_linking else []
            return [*super().get_handlers(app), ("/cryocourse/launch", LaunchHandler),
                    *course]

    return CourseLTI13Authenticator


def with_formgrader_links(authenticator_class, course_id: str):
    """``authenticator_class`` whose hub also answers the Formgrader's file links.

    nbgrader's Manage Assignments page links an assignment's name and its *Preview* icon to
    ``/tree/<course folder>/source/<a>`` and ``.../release/<a>``, from the site's root (its
    ``linkTo``), which under JupyterHub reach the hub (``/hub/tree/...``, 404). The hub sends
    them to the same address inside the course's Formgrader service, which knows what each
    means (course/nbgrader_plugins/pages/grading_service.py). Added through
    ``Authenticator.get_handlers``, the public extension point (handlers under /hub/).
    """
    from jupyterhub.handlers import BaseHandler
    from jupyterhub.utils import url_path_join

    class FormgraderLinkHandler(BaseHandler):
        # Only a redirect into the service, which checks who may see what (graders only).
        def get(self, path: str) -> None:
            self.redirect(url_path_join(self.base_url, "services", course_id, "tree", path))

    class WithFormgraderLinks(authenticator_class):
        def get_handlers(self, app):
            return [*super().get_handlers(app), (r"/tree/(.*)", FormgraderLinkHandler)]

    WithFormgraderLinks.__name__ = WithFormgraderLinks.__qualname__ = \
        authenticator_class.__name__
    return WithFormgraderLinks


def singleuser_config_path(settings: HubSettings, groups: set[str]) -> str:
    """The Jupyter config folders a user's server reads: the role's, then the common one.

    The trainee's hides nbgrader's instructor tools (Formgrader, Create Assignment, the
    course list) and turns their server extensions off; the grader's keeps the course list,
    which links to the shared Formgrader service.
    """
    role = "grader" if grader_group(settings.course_id) in groups else "trainee"
    folder = Path(settings.singleuser_config)
    return f"{folder / role}:{folder / 'common'}"


def singleuser_environment(settings: HubSettings, groups: set[str]) -> dict[str, str]:
    """Environment of a user's server: the exchange, the course and the role's config."""
    return {
        "JUPYTER_CONFIG_PATH": singleuser_config_path(settings, groups),
        "CRYOCOURSE_COURSE_ID": settings.course_id,
        "CRYOCOURSE_EXCHANGE": str(settings.exchange),
        "PATH": f"{Path(settings.venv) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    }


def variant_key(salt: str, user: str) -> str:
    """A user's variant key under the course's salt: "id:hmac" (no salt in it).

    The same as ``course.models.variants.trainee_key`` (the hub pod has no course package; a test
    checks that the two agree), so the grader, which computes the key from the submitter's
    id and the course folder's salt, draws the same clients as the trainee's server.
    """
    digest = hmac.new(salt.encode(), user.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{user}:{digest}"


def variant_key_environment(settings: HubSettings, user: str) -> dict[str, str]:
    """The user's own variant key for their server's environment: the key, never the salt.

    Read from ``settings.variant_salt_file`` at every spawn (a new salt needs no hub restart);
    an unreadable or empty salt stops the spawn with a plain message rather than let a
    trainee see clients the grader will not mark against.
    """
    if settings.variant_salt_file is None:
        return {}
    path = Path(settings.variant_salt_file)
    try:
        salt = path.read_text(encoding="utf-8").strip()
    except OSError as problem:
        raise RuntimeError(f"The course's variant salt cannot be read from {path} "
                           f"({problem.strerror}): see the instructor guide, "
                           "'On Kubernetes'.") from None
    if not salt:
        raise RuntimeError(f"The course's variant salt in {path} is empty.")
    return {VARIANT_KEY_VARIABLE: variant_key(salt, user)}


def ensure_system_user(name: str, home_root: Path = Path("/home")) -> None:
    """The system account of a hub user who arrived from the LMS, with a private home.

    Only names with the reserved prefix are ever created, and an existing account is used
    only if the hub made it (its comment field carries ``LTI_ACCOUNT_MARK``): a hub name can
    never run as root, the course account or anyone else's account.
    """
    import pwd
    import shutil
    import subprocess

    if not name.startswith(LTI_PREFIX):
        raise RuntimeError(f"{name!r} did not come from the LMS log-in; the hub creates "
                           f"accounts only for names starting with {LTI_PREFIX!r}.")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
        subprocess.run([useradd, "--create-home", "--home-dir", str(home_root / name),
                        "--shell", "/usr/sbin/nologin", "--user-group",
                        "--comment", LTI_ACCOUNT_MARK, name], check=True)
        entry = pwd.getpwnam(name)
    if entry.pw_gecos != LTI_ACCOUNT_MARK or entry.pw_uid < 1000:
        raise RuntimeError(f"The system account {name!r} was not made by the class server: "
                           "its server is not started.")
    os.chmod(entry.pw_dir, 0o700)  # trainees' home folders are private


def require_person_account(name: str) -> None:
    """A hub user's server runs as the machine account of that name: a person's, never a
    system account (root, daemons, the course account: uid below 1000) or a missing one."""
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"There is no account {name!r} on this machine: create it "
                           "(adduser) before its server can start.") from None
    if entry.pw_uid < 1000:
        raise RuntimeError(f"{name!r} is a system account: no server runs as it.")


def mount_point(folder: Path) -> Path:
    """The mount point of the file system that holds ``folder``."""
    found = Path(os.path.realpath(folder))
    while not os.path.ismount(found):
        found = found.parent
    return found


def apply_disk_quota(settings: HubSettings, user: str, folders: list[Path]) -> None:
    """Give ``user`` the disk quota of the settings (soft = hard, in 1 KiB blocks) on the
    file system of each of ``folders`` (their home, the exchange). A file system without
    user quotas on is refused, naming it: the server never starts unlimited while a quota
    is asked for."""
    import shutil
    import subprocess

    if not settings.disk_quota:
        return
    setquota = shutil.which("setquota", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if setquota is None:
        raise RuntimeError("CRYOCOURSE_DISK_QUOTA is set but the quota tools are missing "
                           "(apt install quota, and mount the file systems with usrquota).")
    blocks = str(size_in_bytes(settings.disk_quota) // 1024)
    mounts: dict[Path, list[str]] = {}
    for folder in folders:
        mounts.setdefault(mount_point(folder), []).append(str(folder))
    for mount, held in sorted(mounts.items()):
        done = subprocess.run([setquota, "-u", user, blocks, blocks, "0", "0", str(mount)],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            said = " ".join(done.stderr.split()) or f"setquota exited {done.returncode}"
            raise RuntimeError(
                f"CRYOCOURSE_DISK_QUOTA is set, but {user}'s quota could not be set on the "
                f"file system at {mount} (holding {', '.join(held)}): {said}. Mount it with "
                "usrquota and turn quotas on (quotacheck, quotaon), or unset "
                f"CRYOCOURSE_DISK_QUOTA (docs: Limits). {user}'s server is not started.")


def make_pre_spawn_hook(settings: HubSettings, create_accounts: bool):
    """A ``pre_spawn_hook``: the account exists, its home is private, the role's config."""

    def pre_spawn_hook(spawner) -> None:
        groups = {group.name for group in spawner.user.groups}
        if spawner.user.name == settings.course_user:
            raise RuntimeError("The course account has no server: graders use the Formgrader "
                               "service.")
        if create_accounts:
            ensure_system_user(spawner.user.name, settings.lti_home_root)
        else:
            require_person_account(spawner.user.name)
        if settings.disk_quota:
            import pwd

            home = Path(pwd.getpwnam(spawner.user.name).pw_dir)
            apply_disk_quota(settings, spawner.user.name, [home, settings.exchange])
        spawner.environment.update(singleuser_environment(settings, groups))

    return pre_spawn_hook


# --- limits of each user's server ------------------------------------------------------------

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "cryocourse-"
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def size_in_bytes(text: str) -> int:
    """``1536M``, ``2G``, ``1048576`` as bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size such as 1536M or 2G")
    return int(match[1]) * _UNITS[match[2].upper()]


def _own_cgroup(controller: str) -> str | None:
    """This process's cgroup path for a v1 controller ('' for v2), from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def server_cgroups(settings: HubSettings, user: str) -> dict[Path, dict[str, str]]:
    """The control groups of ``user``'s server (below the hub's own) and what each limits.

    cgroup v1: one folder per controller (memory, cpu, pids); v2: one folder. Every server of
    the user goes into the same groups, so the limits hold for all their processes together.
    """
    memory = size_in_bytes(settings.server_memory)
    period = 100_000
    quota = max(1000, int(settings.server_cpus * period))
    name = f"{CGROUP_PREFIX}{user}"
    if (CGROUP_ROOT / "cgroup.controllers").is_file():  # v2, unified
        own = _own_cgroup("") or "/"
        return {CGROUP_ROOT / own.lstrip("/") / name: {
            "memory.max": str(memory), "memory.swap.max": "0", "cpu.max": f"{quota} {period}",
            "pids.max": str(settings.server_tasks)}}
    wanted = {
        "memory": {"memory.limit_in_bytes": str(memory),
                   "memory.memsw.limit_in_bytes": str(memory)},
        "cpu": {"cpu.cfs_period_us": str(period), "cpu.cfs_quota_us": str(quota)},
        "pids": {"pids.max": str(settings.server_tasks)},
    }
    groups = {}
    for controller, limits in wanted.items():
        own = _own_cgroup(controller)
        if own is not None and (CGROUP_ROOT / controller).is_dir():
            groups[CGROUP_ROOT / controller / own.lstrip("/") / name] = limits
    return groups


def prepare_server_cgroups(settings: HubSettings, user: str) -> list[Path]:
    """Create ``user``'s control groups with their limits; the folders to join (may be none).

    A limit the kernel does not offer (no swap accounting, a controller not delegated) is
    skipped; the rest still apply. None at all (no cgroup file system the hub may write)
    leaves the per-process limits (``server_rlimits``) alone, and says so in the hub's log.
    """
    joined = []
    for folder, limits in server_cgroups(settings, user).items():
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            continue
        for name, value in limits.items():
            target = folder / name
            if target.exists():
                try:
                    target.write_text(value)
                except OSError:
                    continue
        joined.append(folder)
    return joined


def server_rlimits(settings: HubSettings) -> dict[str, int]:
    """Per-process limits every user's server process starts with (hard: it cannot raise
    them): processes and threads of the account, the largest file it may write."""
    return {"RLIMIT_NPROC": settings.server_tasks,
            "RLIMIT_FSIZE": size_in_bytes(settings.server_file_size),
            "RLIMIT_CORE": 0}


def limited_preexec(settings: HubSettings, user: str, then):
    """A ``preexec_fn`` for the server's process: join the user's control groups and set
    its limits while still root, then ``then()`` (the spawner's own switch to the user)."""
    import resource

    groups = prepare_server_cgroups(settings, user)
    limits = server_rlimits(settings)

    def preexec() -> None:
        for folder in groups:
            with open(folder / "cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
        then()

    return preexec, groups
