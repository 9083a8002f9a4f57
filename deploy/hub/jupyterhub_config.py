"""JupyterHub for a class on one machine (started by ``bash setup.sh hub``).

Every setting is a ``CRYOCOURSE_*`` environment variable (see ``cryocourse_hub.HubSettings``
and docs/instructor-guide.md, "A class on JupyterHub"); ``setup.sh hub`` writes them to
/etc/cryocourse/hub.env. Log-in is one of:

- ``pam``: the machine's accounts and passwords (a class without an LMS);
- ``shared``: one trial password for every listed user (trials and tests only);
- ``lti``: LMS log-in through LTI 1.3; learners and instructors get their groups from the
  LMS roles.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cryocourse_hub import (  # noqa: E402 -- after the path above
    HubSettings,
    course_lti_authenticator,
    grader_group,
    limited_preexec,
    make_post_auth_hook,
    make_pre_spawn_hook,
    read_roster,
    trainee_group,
    with_formgrader_links,
)

from course.storage.variant_keys import hub_environment  # noqa: E402

c = get_config()  # noqa: F821 -- provided by JupyterHub when it loads this file
settings = HubSettings.from_environ()
roster = read_roster(settings.roster)

# --- network: loopback by default; a public URL when a reverse proxy serves the hub --------
c.JupyterHub.ip = settings.ip
c.JupyterHub.port = settings.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [settings.proxy_command]
if settings.public_url:
    c.JupyterHub.public_url = settings.public_url

# --- the hub's own state (its database, cookie secret), private to root -----------------
c.JupyterHub.cookie_secret_file = str(settings.state_dir / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = settings.hub_db_url or f"sqlite:///{settings.state_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.pid_file = str(settings.state_dir / "jupyterhub.pid")

# --- log-in --------------------------------------------------------------------------------
course_groups = {
    trainee_group(settings.course_id): roster["trainee"],
    grader_group(settings.course_id): [settings.course_user, *roster["grader"]],
}
c.Authenticator.admin_users = set(settings.admins)
c.Authenticator.allowed_users = {settings.course_user, *roster["trainee"], *roster["grader"]}
c.Authenticator.allow_existing_users = True  # users added through the hub's API may log in
if settings.auth == "lti":
    # LTI13Authenticator with the course's launch, deep-linking and key-set endpoints
    authenticator = course_lti_authenticator(settings)
    lti = settings.lti
    c.LTI13Authenticator.issuer = lti.get("issuer", "")
    c.LTI13Authenticator.client_id = set(lti.get("client_id", "").split())
    c.LTI13Authenticator.authorize_url = lti.get("authorize_url", "")
    c.LTI13Authenticator.jwks_endpoint = lti.get("jwks_endpoint", "")
    # People are named from the platform's stable, unique `sub` (hashed, with a reserved
    # prefix, by the hook), never from a display name or e-mail that two people may share.
    c.LTI13Authenticator.username_key = "sub"
    c.Authenticator.allow_all = True  # the LMS decides who launches; the hook checks the role
    # Groups come from the LMS roles at every launch; JupyterHub then refuses load_groups.
    c.Authenticator.manage_groups = True
    c.Authenticator.post_auth_hook = make_post_auth_hook(
        settings.course_id, context_id=lti.get("context_id", ""),
        deployment_id=lti.get("deployment_id", ""), issuer=lti.get("issuer", ""))
    course_groups = {}
elif settings.auth == "shared":
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

    authenticator = SharedPasswordAuthenticator
    c.SharedPasswordAuthenticator.user_password = settings.shared_password
else:
    from jupyterhub.auth import PAMAuthenticator

    authenticator = PAMAuthenticator
    c.PAMAuthenticator.open_sessions = False
# The Formgrader's links to an assignment's files, answered under the hub (with_formgrader_links)
c.JupyterHub.authenticator_class = with_formgrader_links(authenticator, settings.course_id)

if course_groups:
    c.JupyterHub.load_groups = {name: {"users": users}
                                for name, users in course_groups.items()}

# --- trainees' and graders' servers: their own account, private home, JupyterLab ----------
from jupyterhub.spawner import LocalProcessSpawner  # noqa: E402 -- the hub's own package


class LimitedLocalProcessSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers start inside their user's control groups (memory,
    CPU, processes for the server and all its kernels together) with hard per-process
    limits (cryocourse_hub.limited_preexec; CRYOCOURSE_SERVER_* settings)."""

    def make_preexec_fn(self, name):
        preexec, groups = limited_preexec(settings, name, super().make_preexec_fn(name))
        if not groups:
            self.log.warning("No control group could be made for %s's server: its memory "
                             "and CPU are not limited (only processes and file size).", name)
        return preexec

    async def start(self):
        # While the trainee's supervised window is open, the server starts in its supervised
        # form (deploy/hub/cryocourse_supervised.py): the kit, a fresh work folder, no engine.
        from cryocourse_supervised import supervised_start

        supervised_start(self, settings)
        return await super().start()


c.JupyterHub.spawner_class = LimitedLocalProcessSpawner
c.Spawner.cmd = [str(settings.venv / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90
# With LMS log-in the hub makes each person's account (reserved prefix, marked as its own);
# otherwise every user is an existing account of the machine (never a system account).
c.Spawner.pre_spawn_hook = make_pre_spawn_hook(settings, create_accounts=settings.auth == "lti")
# Per-trainee variants of an assessment (course/models/variants.py): each server gets its trainee's
# own key, computed here from the course's salt; no trainee's server ever holds the salt.
c.Spawner.environment.update(hub_environment(settings.course_dir))
# A grader's server may reach the Formgrader service (its course list links there). A
# server's token only gets the scopes its user holds, so trainees' servers never do.
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server",
                                 f"access:services!service={settings.course_id}"]

# --- the shared Formgrader: a hub service run by the course account ------------------------
# Graders open it in its own tab: <hub>/services/<course_id>/formgrader (nbgrader #1870:
# inside JupyterLab's frame it shows a blank page under JupyterHub). It is the Formgrader
# only (deploy/hub/jupyter/course, course/nbgrader_plugins/pages/grading_service.py): no
# terminal, no kernel, no file browser, no JupyterLab, so a grader never acts as the course
# account.
c.JupyterHub.services = [{
    "name": settings.course_id,
    "url": f"http://127.0.0.1:{settings.formgrader_port}",
    "command": [str(settings.venv / "bin" / "jupyterhub-singleuser"),
                f"--ServerApp.root_dir={settings.course_dir}",
                "--ServerApp.default_url=/formgrader"],
    "user": settings.course_user,
    "cwd": str(settings.course_dir),
    "environment": {
        # The Formgrader-only settings (and, since JupyterHub gives a managed service about
        # 10 s to answer, no language-server scan at start-up).
        "JUPYTER_CONFIG_PATH": str(Path(settings.singleuser_config) / "course"),
        "PATH": f"{settings.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "CRYOCOURSE_EXCHANGE": str(settings.exchange),
        "CRYOCOURSE_COURSE_ID": settings.course_id,
    },
    "oauth_no_confirm": True,
}]
# The supervisor of supervised windows (root): keeps the time in the kits, switches servers
# between practice and supervised mode, hands the work in at a window's end.
c.JupyterHub.services.append({
    "name": "cryocourse-supervisor",
    "command": [sys.executable, str(Path(__file__).resolve().parent / "cryocourse_supervised.py")],
    "environment": {name: value for name, value in os.environ.items()
                    if name.startswith("CRYOCOURSE_") and name != "CRYOCOURSE_ADMIN_API_TOKEN"},
})
# Scripts that manage the class (add trainees, start servers) use this service's token.
admin_token = os.environ.get("CRYOCOURSE_ADMIN_API_TOKEN", "")
if admin_token:
    c.JupyterHub.services.append({"name": "cryocourse-admin", "api_token": admin_token})

c.JupyterHub.load_roles = [
    {
        "name": "cryocourse-graders",
        "description": "Graders of the course use its shared Formgrader.",
        "scopes": [f"access:services!service={settings.course_id}", "list:services",
                   "read:services"],
        "groups": [grader_group(settings.course_id)],
    },
    {
        "name": "cryocourse-supervisor",
        "description": "Stops servers at a supervised window's start and end.",
        "scopes": ["admin:servers", "list:users", "read:users"],
        "services": ["cryocourse-supervisor"],
    },
]
if admin_token:
    c.JupyterHub.load_roles.append({"name": "admin", "services": ["cryocourse-admin"]})
