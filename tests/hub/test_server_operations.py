"""Running a class server: update, people, Formgrader links (a real hub, as root).

The class server is made by the real ``bash setup.sh hub install`` from a copy of this
checkout, with every place it writes moved into a temporary folder (settings, course folder,
exchange, the environment, the systemd unit). So that the test installs only the course
itself, the environment's other packages come from ``.hub-tools/venv`` (a ``.pth`` line) and
its ``jupyterhub-singleuser`` is a two-line script and nbconvert's templates a link; the
course package is a real, non-editable install, which is what an update must replace.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.hub.hub_harness import (
    PROXY,
    REPO,
    VENV,
    Hub,
    require_class_server_tools,
    running_hub,
    system_accounts,
)
from tests.hub.postgres_harness import free_port

pytestmark = pytest.mark.hub

COURSE_ID = "cosmetic-cryotherapy"
SERVICE_FILE = Path("course/nbgrader_plugins/pages/grading_service.py")
OLD_WORDS = "The grading service shows the Formgrader only"


def _copy_checkout(target: Path) -> Path:
    """This checkout's files (committed or not, never ignored ones), as a clone would have."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _environment_with_tools(venv: Path) -> None:
    """A class environment whose dependencies are .hub-tools/venv's (see the module doc)."""
    subprocess.run(["/usr/bin/python3.11", "-m", "venv", str(venv)], check=True)
    site = venv / "lib" / "python3.11" / "site-packages"
    tools = VENV / "lib" / "python3.11" / "site-packages"
    (site / "zz-hub-tools.pth").write_text(f"{tools}\n")
    # nbconvert's templates live in the environment's share/ (the Formgrader renders with them)
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(VENV / "share" / "jupyter" / "nbconvert")
    script = venv / "bin" / "jupyterhub-singleuser"
    script.write_text(f"#!{venv}/bin/python\nfrom jupyterhub.singleuser import main\nmain()\n")
    script.chmod(0o755)


def _setup(repo: Path, places: dict[str, str]) -> str:
    """``bash setup.sh hub install`` in the clone ``repo``; its output."""
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **places}
    done = subprocess.run(["bash", "setup.sh", "hub", "install"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _read_settings(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


@pytest.fixture(scope="module")
def installed():
    """A class server set up by setup.sh hub install (not started); removed afterwards."""
    require_class_server_tools()
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-ops-"))
    folder.chmod(0o755)
    tag = secrets.token_hex(2)
    names = {"course": f"co{tag}course", "ana": f"co{tag}ana", "ben": f"co{tag}ben",
             "gia": f"co{tag}gia"}
    (folder / "home").mkdir(mode=0o755)
    try:
        with system_accounts(list(names.values()), folder / "home") as accounts:
            repo = _copy_checkout(folder / "clone")
            opt = folder / "opt"
            (opt / "node").mkdir(parents=True)
            (opt / "node" / "node_modules").symlink_to(PROXY.parents[1])
            _environment_with_tools(opt / "venv")
            (folder / "systemd").mkdir()
            places = {
                "CRYOCOURSE_OPT": str(opt),
                "CRYOCOURSE_VENV": str(opt / "venv"),
                "CRYOCOURSE_COURSE_USER": names["course"],
                "CRYOCOURSE_COURSE_DIR": str(folder / "srv" / "course"),
                "CRYOCOURSE_EXCHANGE": str(folder / "srv" / "exchange"),
                "CRYOCOURSE_HUB_STATE": str(folder / "srv" / "hub"),
                "CRYOCOURSE_SETTINGS": str(folder / "etc" / "hub.env"),
                "CRYOCOURSE_PROFILE_FILE": str(folder / "etc" / "profile.sh"),
                "CRYOCOURSE_UNIT_DIR": str(folder / "systemd"),
                "CRYOCOURSE_GRADEBOOK": "sqlite",
                "CRYOCOURSE_HUB_AUTH": "shared",
            }
            first = _setup(repo, places)
            yield {"folder": folder, "repo": repo, "places": places, "names": names,
                   "accounts": accounts, "first": first}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _hub_settings(installed: dict, password: str) -> dict[str, str]:
    """What the hub starts with: the settings set-up wrote, a trial password, a known port."""
    settings = _read_settings(Path(installed["places"]["CRYOCOURSE_SETTINGS"]))
    settings.pop("CRYOCOURSE_ADMIN_API_TOKEN", None)  # the harness gives the hub its own
    for own in ("CRYOCOURSE_HUB_PORT", "CRYOCOURSE_PROXY_COMMAND", "CRYOCOURSE_HUB_STATE"):
        settings.pop(own, None)  # each hub of the test: the harness's port, proxy and state
    settings.update({"CRYOCOURSE_SHARED_PASSWORD": password,
                     "CRYOCOURSE_HUB_INTERNAL_PORT": str(free_port())})
    return settings


def _served_refusal(hub: Hub, grader: str) -> str:
    """What the Formgrader service (the course code in the class environment) answers when
    a file is asked for."""
    answer = hub.request("GET", f"/services/{COURSE_ID}/api/contents/nbgrader_config.py",
                         hub.token_for(grader))
    assert answer.status == 403, (answer.status, answer.body[:300])
    return json.loads(answer.body)["message"]


def _grader(hub: Hub, name: str) -> None:
    assert hub.request("POST", f"/hub/api/users/{name}").status in (201, 409)
    hub.api("POST", f"/groups/formgrade-{COURSE_ID}/users", {"users": [name]})


def test_an_update_run_serves_the_new_code(installed):
    folder, repo, places = installed["folder"], installed["repo"], installed["places"]
    gia = installed["names"]["gia"]
    venv, course = Path(places["CRYOCOURSE_VENV"]), Path(places["CRYOCOURSE_COURSE_DIR"])
    assert "first installation" in installed["first"], installed["first"]
    # the service unit set-up wrote runs the hub only, with the settings
    unit = (folder / "systemd" / "cryocourse-hub.service").read_text()
    assert f"ExecStart={venv}/bin/jupyterhub -f {folder}/opt/hub-config/jupyterhub_config.py" \
        in unit
    assert f"EnvironmentFile={places['CRYOCOURSE_SETTINGS']}" in unit
    assert "@" not in unit.split("[Unit]", 1)[1]
    # the roster's place and mode, and the class-management token, without being asked
    settings = _read_settings(Path(places["CRYOCOURSE_SETTINGS"]))
    roster = Path(settings["CRYOCOURSE_ROSTER"])
    assert roster == folder / "etc" / "roster.txt" and oct(roster.stat().st_mode)[-3:] == "600"
    assert len(settings["CRYOCOURSE_ADMIN_API_TOKEN"]) == 64
    assert oct(Path(places["CRYOCOURSE_SETTINGS"]).stat().st_mode)[-3:] == "600"

    password = secrets.token_urlsafe(12)
    with running_hub(folder / "before", _hub_settings(installed, password)) as hub:
        _grader(hub, gia)
        assert _served_refusal(hub, gia).startswith(OLD_WORDS)

    # A newer clone: one line of course code changes (pyproject.toml does not); the
    # instructor had edited a file in the course folder.
    marker = f"updated {secrets.token_hex(4)}"
    source = (repo / SERVICE_FILE).read_text()
    assert source.count(OLD_WORDS) == 1
    (repo / SERVICE_FILE).write_text(source.replace(OLD_WORDS, f"{OLD_WORDS} ({marker})"))
    edited = course / "nbgrader_config.py"
    edited.write_text(edited.read_text() + "# the instructor's note\n")
    said = _setup(repo, places)
    assert f"1 changed: {SERVICE_FILE}" in said, said
    assert "kept 1 file(s) you edited" in said and "nbgrader_config.py" in said, said
    assert marker in (course / SERVICE_FILE).read_text()
    assert edited.read_text().endswith("# the instructor's note\n")

    # the restart the update procedure asks for: the new code is what the hub serves
    with running_hub(folder / "after", _hub_settings(installed, password)) as hub:
        _grader(hub, gia)
        assert marker in _served_refusal(hub, gia)

    # a run with nothing new says so and reinstalls nothing
    assert "course code" in _setup(repo, places).lower()


def _class_command(installed: dict, hub_settings: dict, hub: Hub, *args: str) -> str:
    """``cryocourse class ...`` as root, as the guide says (the settings file, the token)."""
    venv = Path(installed["places"]["CRYOCOURSE_VENV"])
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "CRYOCOURSE_HUB_INTERNAL_PORT": hub_settings["CRYOCOURSE_HUB_INTERNAL_PORT"],
           "CRYOCOURSE_ADMIN_API_TOKEN": hub.admin_token}
    done = subprocess.run([str(venv / "bin" / "cryocourse"), "class", *args, "--settings",
                           installed["places"]["CRYOCOURSE_SETTINGS"]], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _kernel_pid(kernel_id: str) -> int | None:
    """The process of the kernel with this id (its connection file names it)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if f"kernel-{kernel_id}.json".encode() in cmdline:
                return int(entry)
    return None


def test_people_come_and_go_while_others_keep_working(installed):
    folder, names = installed["folder"], installed["names"]
    ana, ben, gia = names["ana"], names["ben"], names["gia"]
    roster = folder / "etc" / "roster.txt"
    roster.write_text(f"trainee {ana}\ngrader {gia}\n")
    password = secrets.token_urlsafe(12)
    settings = _hub_settings(installed, password)
    with running_hub(folder / "people", settings) as hub:
        hub.start_servers([ana])
        kernel = hub.request("POST", f"/user/{ana}/api/kernels", hub.token_for(ana),
                             body={"name": "python3"})
        assert kernel.status == 201, (kernel.status, kernel.body[:300], hub.log_tail())
        kernel_id = kernel.json()["id"]
        pid = _kernel_pid(kernel_id)
        assert pid is not None
        assert not hub.log_in(ben, password)  # not in the class yet

        said = _class_command(installed, settings, hub, "add", "trainee", ben)
        assert "no server was restarted" in said, said
        assert f"trainee {ben}" in roster.read_text()
        assert oct(roster.stat().st_mode)[-3:] == "600"
        trainees = hub.api("GET", f"/groups/nbgrader-{COURSE_ID}")["users"]
        assert set(trainees) == {ana, ben}
        assert hub.log_in(ben, password)
        hub.start_servers([ben])
        # ana's kernel kept running all along: the same kernel, the same process
        kernels = hub.request("GET", f"/user/{ana}/api/kernels", hub.token_for(ana)).json()
        assert kernel_id in [k["id"] for k in kernels]
        assert _kernel_pid(kernel_id) == pid

        listed = _class_command(installed, settings, hub, "list")
        assert ben in listed and ana in listed

        said = _class_command(installed, settings, hub, "remove", "trainee", ben)
        assert f"{ben} removed" in said, said
        assert hub.request("GET", f"/hub/api/users/{ben}").status == 404
        assert f"trainee {ben}" not in roster.read_text()
        assert _kernel_pid(kernel_id) == pid

        # the Formgrader's links to an assignment's files, as nbgrader writes them
        token = hub.token_for(gia)
        for link, words in (("/tree/./source/00-orientation", "Manage Submissions"),
                            ("/tree/./release/00-orientation", "Student version of")):
            answer = hub.request("GET", link, token)
            if answer.status != 200 and os.environ.get("CRYOCOURSE_TEST_HUB_LOG"):
                Path(os.environ["CRYOCOURSE_TEST_HUB_LOG"]).write_text(hub.log_tail(400000))
            assert answer.status == 200, (link, answer.status, answer.body[:300],
                                          hub.log_tail(12000))
            assert words.encode() in answer.body, (link, answer.body[:500])
        trainee_view = hub.request("GET", "/tree/./release/00-orientation", hub.token_for(ana))
        assert trainee_view.status == 403, trainee_view.status
