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
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# LTI 1.3 role vocabulary (IMS LTI 1.3 §A.2). Only context (membership) roles grant course
# rights: an institution-wide "Instructor" of another course is not a grader of this one.
LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LTI_CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
LTI_DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
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
    # Disk quota of each user's account (e.g. "2G"; empty: none), set with setquota on every
    # file system with user quotas on (docs: "Limits"; needs the quota tools and usrquota).
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
        authentication["name"] = lti_username(claims.get("iss") or issuer, sub)
        authentication["groups"] = groups
        authentication["admin"] = False
        return authentication

    return post_auth_hook


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


def apply_disk_quota(settings: HubSettings, user: str) -> None:
    """Give ``user`` the disk quota of the settings (soft = hard, in 1 KiB blocks)."""
    import shutil
    import subprocess

    if not settings.disk_quota:
        return
    setquota = shutil.which("setquota", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if setquota is None:
        raise RuntimeError("CRYOCOURSE_DISK_QUOTA is set but the quota tools are missing "
                           "(apt install quota, and mount the file systems with usrquota).")
    blocks = str(size_in_bytes(settings.disk_quota) // 1024)
    subprocess.run([setquota, "-u", user, blocks, blocks, "0", "0", "-a"], check=True,
                   capture_output=True)


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
        apply_disk_quota(settings, spawner.user.name)
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
