"""The school's LMS as the course sees it: the platform's registration and the tool's keys.

Everything lives in ``.cryocourse/lms/`` of the course folder (mode 0700), written by the
course account only:

* ``platform.json`` (0600): the platform's issuer, the tool's client id and deployment id,
  the LMS course (context id), the platform's token, line-item and membership endpoints;
* ``tool-key.pem`` (0600): the tool's private key (RSA), which signs its token requests and
  deep-linking answers; ``tool-key.previous.pem`` the one before the last rotation;
* ``tool-jwks.json``: the public halves of both (a JSON Web Key Set, no secret in it), which
  the class server publishes for the LMS at ``<hub>/hub/cryocourse/jwks``.

People who arrive from the LMS are nbgrader students and hub users named by
``lti_username(issuer, sub)``: the same function as ``deploy/hub/cryocourse_hub.py``'s (the
hub has no course package; a test checks that the two agree).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from course.storage.course_folder import STATE_DIR, CourseError
from course.storage.secrets import SecretError, read_private, write_private

LMS_FOLDER = "lms"
PLATFORM_FILE = "platform.json"
KEY_FILE = "tool-key.pem"
PREVIOUS_KEY_FILE = "tool-key.previous.pem"
JWKS_FILE = "tool-jwks.json"
LTI_PREFIX = "lti-"
KEY_BITS = 2048


@dataclass(frozen=True)
class PlatformSettings:
    """The LMS's registration of the tool (the values the LMS shows when the tool is added)."""

    issuer: str
    client_id: str
    deployment_id: str
    context_id: str
    token_url: str
    lineitems_url: str
    memberships_url: str
    hub_url: str = ""  # the class server's public address (feedback links, launches)
    audience: str = ""  # the token endpoint's audience, if not its URL (Moodle, Brightspace)
    canvas_extensions: bool = False  # Canvas: the feedback link as a submission (online_url)
    page_size: int = 100  # members asked for per page of the roster

    REQUIRED = ("issuer", "client_id", "deployment_id", "context_id", "token_url",
                "lineitems_url", "memberships_url")

    def token_audience(self) -> str:
        return self.audience or self.token_url

    def feedback_url(self, assignment: str) -> str:
        """Where a trainee finds their feedback on the class server ("" without one)."""
        if not self.hub_url:
            return ""
        return f"{self.hub_url.rstrip('/')}/hub/user-redirect/lab/tree/{assignment}/feedback"


def lms_folder(root: Path) -> Path:
    return Path(root) / STATE_DIR / LMS_FOLDER


def lti_username(issuer: str, sub: str) -> str:
    """The hub and nbgrader name of an LMS person: the reserved prefix and a hash of
    (issuer, sub), the platform's stable unique id, never a display name."""
    digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:20]
    return f"{LTI_PREFIX}{digest}"


def save_platform(root: Path, settings: PlatformSettings) -> Path:
    missing = [name for name in PlatformSettings.REQUIRED if not getattr(settings, name)]
    if missing:
        raise CourseError(f"The LMS registration needs {', '.join(missing)} (the LMS shows "
                          "them when the tool is added: docs/instructor-guide.md, 'Grades "
                          "in the school's LMS').")
    path = lms_folder(root) / PLATFORM_FILE
    write_private(path, json.dumps(asdict(settings), indent=1, sort_keys=True) + "\n")
    return path


def load_platform(root: Path) -> PlatformSettings:
    """The registration, or a CourseError that says how to make it."""
    path = lms_folder(root) / PLATFORM_FILE
    if not path.exists():
        raise CourseError("This course is not connected to an LMS yet: run `cryocourse lms "
                          "setup` with the values the LMS shows (docs/instructor-guide.md, "
                          "'Grades in the school's LMS').")
    try:
        data = json.loads(read_private(path, "the LMS registration"))
    except SecretError as problem:
        raise CourseError(str(problem)) from None
    except ValueError as problem:
        raise CourseError(f"{path} is damaged ({problem}): run `cryocourse lms setup` "
                          "again.") from None
    known = {f.name for f in fields(PlatformSettings)}
    try:
        return PlatformSettings(**{k: v for k, v in data.items() if k in known})
    except TypeError as problem:
        raise CourseError(f"{path} lacks a value ({problem}): run `cryocourse lms setup` "
                          "again.") from None


@dataclass(frozen=True)
class ToolKey:
    """The tool's private key (PEM) and its key id."""

    pem: str
    kid: str


def _public_jwk(pem: str) -> dict:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from jwt.algorithms import RSAAlgorithm

    private = load_pem_private_key(pem.encode(), password=None)
    if not isinstance(private, RSAPrivateKey):
        raise CourseError("The tool's key is not an RSA key: make a new one with "
                          "`cryocourse lms key --new`.")
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    # RFC 7638 thumbprint: a key id that follows from the key itself
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"),
                           sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=")
    jwk.update({"kid": kid.decode(), "alg": "RS256", "use": "sig"})
    return jwk


def tool_key(root: Path) -> ToolKey:
    """The tool's current key, or a CourseError that says how to make one."""
    path = lms_folder(root) / KEY_FILE
    if not path.exists():
        raise CourseError("The tool has no key yet: run `cryocourse lms key --new`.")
    try:
        pem = read_private(path, "the tool's private key")
    except SecretError as problem:
        raise CourseError(str(problem)) from None
    return ToolKey(pem, _public_jwk(pem)["kid"])


def public_key_set(root: Path) -> dict:
    """The public halves of the current and the previous key (a JSON Web Key Set)."""
    keys = []
    for name in (KEY_FILE, PREVIOUS_KEY_FILE):
        path = lms_folder(root) / name
        if path.exists():
            keys.append(_public_jwk(read_private(path, "a tool key")))
    return {"keys": keys}


def public_key_pem(root: Path) -> str:
    """The current key's public half in PEM (Moodle's "Public key" field)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(tool_key(root).pem.encode(), password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_tool_key(root: Path) -> ToolKey:
    """Rotate: a new current key; the current one becomes the previous (still published, so
    the LMS accepts both while it refreshes its copy); the one before that is dropped."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = lms_folder(root)
    current = folder / KEY_FILE
    if current.exists():
        write_private(folder / PREVIOUS_KEY_FILE, read_private(current, "the tool's key"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    write_private(current, pem)
    _publish_key_set(root)
    return tool_key(root)


def drop_previous_key(root: Path) -> bool:
    """Stop publishing the key before the last rotation; whether there was one."""
    previous = lms_folder(root) / PREVIOUS_KEY_FILE
    if not previous.exists():
        return False
    previous.unlink()
    _publish_key_set(root)
    return True


def _publish_key_set(root: Path) -> None:
    path = lms_folder(root) / JWKS_FILE
    write_private(path, json.dumps(public_key_set(root), indent=1) + "\n")
    path.chmod(0o644)  # public halves only: the class server serves them
