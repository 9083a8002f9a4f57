"""The class server in LTI 1.3 mode: a real JupyterHub, launched through the real
jupyterhub-ltiauthenticator by a test platform on 127.0.0.1.

The platform is this test: it generates an RSA key, serves its public half as a JSON Web
Key Set on 127.0.0.1, and signs each launch's id_token with it (PyJWT), after the hub's own
login initiation gave the state and nonce, exactly as an LMS does. The hub verifies the
signature through that key set, the issuer, audience, nonce and state (the authenticator's
own checks) and then the course's hook decides the course, the deployment, the role and the
name. Real system accounts are made by the hub and deleted by the test.
"""

from __future__ import annotations

import http.cookiejar
import http.server
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.hub.hub_harness import (
    Hub,
    remove_server_cgroups_of,
    remove_temporary_files_of,
    require_class_server_tools,
    running_hub,
    stop_processes_of,
    system_accounts,
)
from tests.hub.postgres_harness import free_port
from tests.hub.term_steps import make_course, make_exchange, wait_for
from tests.hub.test_hub_config import hubconf

pytestmark = pytest.mark.hub

COURSE_ID = "cosmetic-cryotherapy"
ISSUER = "https://lms.test.example"
CLIENT_ID = "cryocourse-tool"
CONTEXT = "CRYO-2026"
DEPLOYMENT = "deployment-1"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim"
LTI_PREFIX = hubconf.LTI_PREFIX


class LtiPlatform:
    """An LTI 1.3 platform: an RSA key, its JWKS on 127.0.0.1, signed launches."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        body = json.dumps({"keys": [jwk]}).encode()

        class KeySet(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), KeySet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self, home_root: Path) -> dict[str, str]:
        return {"CRYOCOURSE_HUB_AUTH": "lti", "CRYOCOURSE_LTI_ISSUER": ISSUER,
                "CRYOCOURSE_LTI_CLIENT_ID": CLIENT_ID,
                "CRYOCOURSE_LTI_AUTHORIZE_URL": f"{self.url}/authorize",
                "CRYOCOURSE_LTI_JWKS_ENDPOINT": f"{self.url}/jwks",
                "CRYOCOURSE_LTI_CONTEXT_ID": CONTEXT,
                "CRYOCOURSE_LTI_DEPLOYMENT_ID": DEPLOYMENT,
                "CRYOCOURSE_LTI_HOME_ROOT": str(home_root)}

    def launch(self, hub: Hub, sub: str, roles: list[str], context: str = CONTEXT,
               deployment: str = DEPLOYMENT, **person: str) -> tuple[int, str]:
        """One launch through the hub's LTI endpoints, as a browser and the LMS make it.

        Returns the callback's status and the hub user it logged in ("" if none).
        """
        import jwt

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                              _NoRedirect())
        login = {"iss": ISSUER, "login_hint": sub, "target_link_uri": f"{hub.url}/hub/home",
                 "client_id": CLIENT_ID, "lti_deployment_id": deployment}
        status, headers, _ = _post(browser, f"{hub.url}/hub/lti13/oauth_login", login)
        assert status == 302, (status, hub.log_tail())
        location = urllib.parse.urlsplit(headers.get("Location", ""))
        asked = dict(urllib.parse.parse_qsl(location.query))
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 300,
            "nonce": asked["nonce"],
            f"{CLAIM}/message_type": "LtiResourceLinkRequest",
            f"{CLAIM}/version": "1.3.0",
            f"{CLAIM}/deployment_id": deployment,
            f"{CLAIM}/target_link_uri": f"{hub.url}/hub/home",
            f"{CLAIM}/resource_link": {"id": "lesson-links"},
            f"{CLAIM}/roles": roles,
            f"{CLAIM}/context": {"id": context, "label": context, "title": "A course"},
            **person,
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        status, headers, body = _post(browser, asked["redirect_uri"],
                                      {"id_token": token, "state": asked["state"]})
        if status >= 400:
            return status, body.decode(errors="replace")
        users = {u["name"] for u in hub.api("GET", "/users")}
        return status, next((name for name in users if name == _lti_name(sub)), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(browser, url: str, form: dict) -> tuple[int, Any, bytes]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with browser.open(urllib.request.Request(url, data=data, method="POST"),
                          timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _lti_name(sub: str) -> str:
    return hubconf.lti_username(ISSUER, sub)


@contextmanager
def accounts_the_hub_makes(names: list[str]):
    """Afterwards, stop the processes of and delete the accounts the hub made for ``names``."""
    try:
        yield
    finally:
        uids = set()
        for name in names:
            with suppress(KeyError):
                uids.add(pwd.getpwnam(name).pw_uid)
        stop_processes_of(uids)
        remove_temporary_files_of(uids)
        remove_server_cgroups_of(names)
        for name in names:
            with suppress(KeyError):
                pwd.getpwnam(name)
                subprocess.run(["userdel", "--remove", name], capture_output=True, timeout=30)
                subprocess.run(["groupdel", name], capture_output=True, timeout=30)


def test_the_hub_starts_in_lti_mode_and_roles_count_only_in_this_course():
    require_class_server_tools()
    here = Path(__file__).resolve()
    if [p for p in here.parents if not p.stat().st_mode & stat.S_IXOTH]:
        pytest.skip("the hub's users run this checkout's environment: clone into an open "
                    "folder")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-lti-"))
    folder.chmod(0o755)
    (folder / "home").mkdir(mode=0o755)
    tag = secrets.token_hex(2)
    course_name, squatter = f"cc{tag}course", f"cc{tag}sq"
    subs = {"learner": f"learner-{tag}", "teacher": f"teacher-{tag}",
            "outsider": f"outsider-{tag}", "ana1": f"ana-1-{tag}", "ana2": f"ana-2-{tag}",
            "course": course_name, "root": "root", "squatted": f"squatted-{tag}"}
    platform = LtiPlatform()
    try:
        with system_accounts([course_name, squatter], folder / "home") as acc, \
                accounts_the_hub_makes([_lti_name(s) for s in subs.values()]):
            course = make_course(folder, acc[course_name],
                                 f"sqlite:///{folder / 'course' / 'gradebook.db'}")
            exchange = make_exchange(folder, acc[course_name])
            settings = {"CRYOCOURSE_COURSE_USER": course_name,
                        "CRYOCOURSE_COURSE_DIR": str(course),
                        "CRYOCOURSE_EXCHANGE": str(exchange),
                        **platform.settings(folder / "home")}
            with running_hub(folder, settings) as hub:  # it starts (load_groups is not set)
                _launches(hub, platform, subs, folder, acc[squatter])
    finally:
        platform.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _launches(hub: Hub, platform: LtiPlatform, subs: dict[str, str], folder: Path,
              squatter) -> None:
    learner, instructor = f"{MEMBERSHIP}#Learner", f"{MEMBERSHIP}#Instructor"
    graders, trainees = f"formgrade-{COURSE_ID}", f"nbgrader-{COURSE_ID}"

    def groups_of(name: str) -> set[str]:
        return set(hub.api("GET", f"/users/{name}")["groups"])

    # A learner and an instructor of this course: trainee and grader, stable hashed names.
    status, trainee = platform.launch(hub, subs["learner"], [learner], given_name="Ana")
    assert status == 302 and trainee == _lti_name(subs["learner"]), (status, trainee)
    assert groups_of(trainee) == {trainees}
    status, teacher = platform.launch(hub, subs["teacher"], [instructor])
    assert status == 302 and groups_of(teacher) == {graders}
    # ... and the grader role reaches the Formgrader; the trainee's does not.
    formgrader = f"/services/{COURSE_ID}/formgrader/api/status"
    wait_for(lambda: hub.request("GET", formgrader, hub.token_for(teacher)).status == 200)
    assert hub.request("GET", formgrader, hub.token_for(trainee)).status == 403

    # An Instructor of another LMS course, or of another deployment: no role here at all.
    for where in ({"context": "OTHER-101"}, {"deployment": "deployment-2"}):
        status, body = platform.launch(hub, subs["outsider"], [instructor], **where)
        assert status == 403 and "gives no role here" in body, (where, status, body[:300])
    names = {u["name"] for u in hub.api("GET", "/users")}
    assert _lti_name(subs["outsider"]) not in names
    # ... and a learner of this course who is an Instructor elsewhere stays a trainee.
    status, _ = platform.launch(hub, subs["learner"], [instructor], context="OTHER-101")
    assert status == 403 and groups_of(trainee) == {trainees}

    # Two people named Ana never share an account; an LMS name or sub equal to the course
    # account's or root never becomes that account.
    launched = {}
    for key, person in (("ana1", {"given_name": "Ana"}), ("ana2", {"given_name": "Ana"}),
                        ("course", {"given_name": "Cryocourse", "email": "cryocourse@x.org"}),
                        ("root", {"given_name": "root"})):
        status, launched[key] = platform.launch(hub, subs[key], [learner], **person)
        assert status == 302 and launched[key].startswith(LTI_PREFIX), (key, launched[key])
    assert len(set(launched.values())) == len(launched)

    # Servers: the hub makes the learner's account (reserved prefix, its own mark, private
    # home) and runs the server as it; never as root or the course account.
    hub.start_servers([trainee])
    made = pwd.getpwnam(trainee)
    assert made.pw_uid >= 1000 and made.pw_uid not in (0, pwd.getpwnam(subs["course"]).pw_uid)
    assert stat.S_IMODE(os.stat(made.pw_dir).st_mode) == 0o700
    assert Path(made.pw_dir).is_relative_to(folder / "home")
    server_uids = {os.stat(f"/proc/{pid}").st_uid for pid in _server_pids(trainee)}
    assert server_uids == {made.pw_uid}, server_uids

    # An account of that form that the hub did not make is never taken over.
    squatted = _lti_name(subs["squatted"])
    subprocess.run(["usermod", "--login", squatted, squatter.pw_name], check=True,
                   capture_output=True)
    try:
        status, name = platform.launch(hub, subs["squatted"], [learner])
        assert status == 302 and name == squatted
        answer = hub.request("POST", f"/hub/api/users/{squatted}/server")
        if answer.status in (201, 202):
            _wait_until_stopped(hub, squatted)
        model = hub.api("GET", f"/users/{squatted}")
        assert not model["servers"].get("", {}).get("ready"), model
        assert not _server_pids(squatted)
    finally:
        subprocess.run(["usermod", "--login", squatter.pw_name, squatted],
                       capture_output=True)


def _server_pids(user: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with suppress(OSError):
                environ = Path(f"/proc/{entry}/environ").read_bytes()
                if f"JUPYTERHUB_USER={user}".encode() in environ.split(b"\0"):
                    pids.append(int(entry))
    return pids


def _wait_until_stopped(hub: Hub, user: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        model = hub.api("GET", f"/users/{user}")
        if not model["servers"].get("", {}).get("pending"):
            return
        time.sleep(0.25)
