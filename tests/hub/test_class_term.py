"""A whole term on a real class server, over loopback: hub, PostgreSQL, trainees, graders.

PostgreSQL (a private cluster) and JupyterHub (the course's deploy/hub config, run as root)
are started by the test; trainees, graders and the course account are real system
accounts with private homes. Trainees work only through the hub's REST API and the nbgrader
lab extension's endpoints on their own servers; graders through the shared Formgrader
service; the course account runs ``cryocourse``. Everything started is stopped at the end.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import secrets
import select
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from tests.hub.hub_harness import (
    VENV,
    Hub,
    require_class_server_tools,
    running_hub,
    system_accounts,
)
from tests.hub.postgres_harness import running_postgres

REPO = Path(__file__).resolve().parents[2]
COURSE_ID = "cosmetic-cryotherapy"
ASSIGNMENT = "00-orientation"
ANSWER_CONTROLS = json.loads(
    (REPO / "course" / "labextension" / "package.json").read_text())["name"]
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

pytestmark = pytest.mark.hub


def make_course(folder: Path, owner, database_url: str) -> Path:
    """The course folder as setup.sh hub makes it: owned by the course account, 0750."""
    course = folder / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "source", course / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    private = course / ".cryocourse"
    private.mkdir()
    (private / "database-url").write_text(database_url)
    (private / "database-url").chmod(0o600)
    subprocess.run(["chown", "-R", f"{owner.pw_uid}:{owner.pw_gid}", str(course)], check=True)
    course.chmod(0o750)
    return course


def make_exchange(folder: Path, owner) -> Path:
    """The exchange as setup.sh hub makes it: root 1777, the course's folder the course's."""
    exchange = folder / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    (exchange / COURSE_ID).mkdir()
    os.chown(exchange / COURSE_ID, owner.pw_uid, owner.pw_gid)
    return exchange


def cryocourse(account, course: Path, exchange: Path, *args: str, background: bool = False):
    """``cryocourse`` as the course account, the way an instructor runs it on the server."""
    env = {"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", "HOME": account.pw_dir,
           "LANG": "C.UTF-8", "CRYOCOURSE_EXCHANGE": str(exchange)}
    command = [str(VENV / "bin" / "cryocourse"), "--course", str(course), *args]
    if background:
        return subprocess.Popen(command, cwd=course, env=env, user=account.pw_uid,
                                group=account.pw_gid, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    result = subprocess.run(command, cwd=course, env=env, user=account.pw_uid,
                            group=account.pw_gid, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def as_account(account, code: str) -> subprocess.CompletedProcess:
    """Run Python code as another account (to test what its files let it read)."""
    return subprocess.run([str(VENV / "bin" / "python"), "-I", "-c", code], user=account.pw_uid,
                          group=account.pw_gid, capture_output=True, text=True, timeout=60,
                          cwd="/", env={"PATH": "/usr/bin:/bin", "HOME": account.pw_dir})


def cannot_read(account, path: Path) -> bool:
    """Whether ``account`` gets 'permission denied' listing or reading ``path``."""
    code = (f"import os, pathlib; p = pathlib.Path({str(path)!r})\n"
            "try:\n    os.listdir(p) if p.is_dir() else p.read_bytes()\n"
            "except PermissionError:\n    print('denied')\nelse:\n    print('read')")
    return as_account(account, code).stdout.strip() == "denied"


def answered(nb: dict, grade_ids: dict[str, str]) -> dict:
    """The trainee's notebook with these answer cells filled in."""
    result = copy.deepcopy(nb)
    for cell in result["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in grade_ids:
            cell["source"] = grade_ids[grade_id]
    return result


def reference_answers() -> dict[str, str]:
    """Every answer cell's text in the source notebook (the reference answers)."""
    source = nbformat.read(REPO / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def lab_action(hub: Hub, user: str, action: str) -> dict:
    """One button of the Assignments tab: the nbgrader lab extension's endpoint."""
    answer = hub.request("POST", f"/user/{user}/assignments/{action}", hub.token_for(user),
                         form={"assignment_id": ASSIGNMENT, "course_id": COURSE_ID})
    assert answer.status == 200, (action, answer.status, answer.body[:300])
    result = answer.json()
    assert result.get("success"), (action, result)
    return result


@pytest.fixture(scope="module")
def class_server():
    """PostgreSQL, the accounts, the course, the exchange and the hub; all stopped after."""
    require_class_server_tools()
    here = Path(__file__).resolve()
    closed = [p for p in here.parents if not p.stat().st_mode & stat.S_IXOTH]
    if closed:  # the hub's users run the course's environment from this checkout
        pytest.skip(f"{closed[0]} is closed to other accounts, so the class server's users "
                    "cannot run this checkout's environment; clone into an open folder")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-hub-"))
    folder.chmod(0o755)
    tag = secrets.token_hex(2)
    names = {"course": f"cc{tag}course", "trainees": [f"cc{tag}ana", f"cc{tag}ben"],
             "graders": [f"cc{tag}gia", f"cc{tag}hal"]}
    everyone = [names["course"], *names["trainees"], *names["graders"]]
    (folder / "home").mkdir(mode=0o755)
    try:
        with running_postgres() as postgres, system_accounts(everyone, folder / "home") as acc:
            course_account = acc[names["course"]]
            database = postgres.create_database("gradebook")
            course = make_course(folder, course_account, database)
            exchange = make_exchange(folder, course_account)
            settings = {
                "CRYOCOURSE_COURSE_USER": names["course"],
                "CRYOCOURSE_COURSE_DIR": str(course),
                "CRYOCOURSE_EXCHANGE": str(exchange),
                "CRYOCOURSE_HUB_AUTH": "pam",
            }
            with running_hub(folder, settings) as hub:
                yield {"hub": hub, "accounts": acc, "names": names, "course": course,
                       "exchange": exchange, "database": database, "folder": folder}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_whole_term_on_the_class_server(class_server):
    hub: Hub = class_server["hub"]
    names, acc = class_server["names"], class_server["accounts"]
    course, exchange = class_server["course"], class_server["exchange"]
    ana, ben = names["trainees"]
    gia, hal = names["graders"]
    teacher = acc[names["course"]]
    timings = {"hub start (s)": hub.started_in}

    # Accounts and roles through the REST API, as a class script would.
    hub.api("POST", "/users", {"usernames": [ana, ben, gia, hal]})
    hub.api("POST", f"/groups/nbgrader-{COURSE_ID}/users", {"users": [ana, ben]})
    hub.api("POST", f"/groups/formgrade-{COURSE_ID}/users", {"users": [gia, hal]})
    groups = {g["name"]: set(g["users"]) for g in hub.api("GET", "/groups")}
    assert groups[f"formgrade-{COURSE_ID}"] == {names["course"], gia, hal}  # nbgrader #1872

    # Log-in with the machine's accounts (PAM): the right password only.
    password = secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{ana}:{password}\n", text=True, check=True)
    assert hub.log_in(ana, password)
    assert not hub.log_in(ana, password + "x")

    # The exchange and the homes as setup.sh hub leaves them.
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777 and exchange.stat().st_uid == 0
    assert (exchange / COURSE_ID).stat().st_uid == teacher.pw_uid
    for user in (ana, ben):
        assert stat.S_IMODE(os.stat(acc[user].pw_dir).st_mode) == 0o700

    # The instructor releases; two trainees' servers start at once.
    cryocourse(teacher, course, exchange, "release", ASSIGNMENT)
    timings["spawn 2 trainees and a grader (s)"] = hub.start_servers([ana, ben, gia])

    # Trainees do not get the instructor tools, in the page or on the server.
    lab_page = hub.request("GET", f"/user/{ana}/lab", hub.token_for(ana)).body.decode()
    hidden = set(_page_config(lab_page)["disabledExtensions"])
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= hidden
    # ... and answer with the course's controls (its JupyterLab extension, in the class's
    # environment).
    loaded = {extension["name"] for extension in _page_config(lab_page)["federated_extensions"]}
    assert ANSWER_CONTROLS in loaded, loaded
    assert hub.request("GET", f"/user/{ana}/formgrader", hub.token_for(ana)).status == 404
    assert hub.request("GET", f"/user/{ana}/formgraders", hub.token_for(ana)).status == 404
    # A grader's course list links to the shared Formgrader service.
    courses = hub.request("GET", f"/user/{gia}/formgraders", hub.token_for(gia)).json()
    assert [c["url"].split("/services/")[1] for c in courses["value"]] == [
        f"{COURSE_ID}/lab?formgrader=true"], courses

    # Fetch, answer (ana: the reference answers; ben: one answer), submit.
    listing = hub.request("GET", f"/user/{ana}/assignments?course_id={COURSE_ID}",
                          hub.token_for(ana)).json()
    assert any(a["assignment_id"] == ASSIGNMENT for a in listing["value"]), listing
    reference = reference_answers()
    for user, answers in ((ana, reference), (ben, dict(list(reference.items())[:1]))):
        lab_action(hub, user, "fetch")
        path = f"/user/{user}/api/contents/{ASSIGNMENT}/{NOTEBOOK}"
        model = hub.request("GET", path, hub.token_for(user)).json()
        notebook = answered(model["content"], answers)
        saved = hub.request("PUT", path, hub.token_for(user),
                            body={"type": "notebook", "format": "json", "content": notebook})
        assert saved.status == 200, saved.body[:300]
        lab_action(hub, user, "submit")

    # Nobody reads another trainee's work: not the exchange's inbox, not a home, not a server.
    inbound = exchange / COURSE_ID / "inbound"
    assert cannot_read(acc[ben], inbound)
    assert cannot_read(acc[ben], Path(acc[ana].pw_dir))
    assert cannot_read(acc[ben], course)
    assert hub.request("GET", f"/user/{ana}/api/contents/{ASSIGNMENT}",
                       hub.token_for(ben)).status in (403, 404)

    # The shared Formgrader: graders yes, trainees 403.
    formgrader = f"/services/{COURSE_ID}/formgrader"
    assert hub.request("GET", f"{formgrader}/api/status", hub.token_for(ben)).status == 403
    _wait_for(lambda: hub.request("GET", f"{formgrader}/api/status",
                                  hub.token_for(gia)).status == 200, 60, hub)

    # Collect and grade (sandboxed) into PostgreSQL.
    cryocourse(teacher, course, exchange, "collect", ASSIGNMENT)
    began = time.monotonic()
    cryocourse(teacher, course, exchange, "grade", ASSIGNMENT, "--workers", "2")
    timings["grade 2 submissions (s)"] = time.monotonic() - began
    scores = _scores(hub, gia)
    assert scores[ana] > scores[ben], scores

    # A grader changes a hand grade while another grading run is under way (the run read
    # the old one when it started): the new hand grade survives the run.
    written = _written_grade(hub, gia, ana)
    _set_manual(hub, gia, written, 0)
    regrade = cryocourse(teacher, course, exchange, "grade", ASSIGNMENT, "--force",
                         "--workers", "1", background=True)
    first = _first_line(regrade, 120)  # one submission graded: the run is well under way
    _set_manual(hub, hal, written, written["max_score"])
    assert regrade.poll() is None, "the grading run ended before the hand grade was given"
    output = first + regrade.communicate(timeout=300)[0]
    assert _written_grade(hub, gia, ana)["manual_score"] == written["max_score"], output
    assert "conflict" in output and "is kept" in output, output

    # Feedback released and fetched; the other trainee cannot read it in the exchange.
    cryocourse(teacher, course, exchange, "feedback", ASSIGNMENT)
    lab_action(hub, ana, "fetch_feedback")
    feedback = hub.request("GET", f"/user/{ana}/api/contents/{ASSIGNMENT}/feedback",
                           hub.token_for(ana)).json()
    assert feedback["type"] == "directory" and feedback["content"], feedback
    assert cannot_read(acc[ben], exchange / COURSE_ID / "feedback")
    for entry in (exchange / COURSE_ID / "feedback").iterdir():
        assert not stat.S_IMODE(entry.stat().st_mode) & stat.S_IROTH or \
            cannot_read(acc[ben], exchange / COURSE_ID / "feedback")

    # Export.
    cryocourse(teacher, course, exchange, "export", "--to", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="") as rows:
        exported = {row["student_id"] for row in csv.DictReader(rows)}
    assert {ana, ben} <= exported
    print(json.dumps(timings))


def _first_line(process: subprocess.Popen, seconds: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, "the grading run printed nothing"
    return process.stdout.readline()


def _page_config(page: str) -> dict:
    """JupyterLab's page configuration, as embedded in the /lab page."""
    start = page.index(">", page.index('id="jupyter-config-data"')) + 1
    return json.loads(page[start:page.index("</script>", start)])


def _wait_for(condition, seconds: float, hub: Hub) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s\n{hub.log_tail()}")


def _scores(hub: Hub, grader: str) -> dict[str, float]:
    answer = hub.request("GET", f"/services/{COURSE_ID}/formgrader/api/submissions/{ASSIGNMENT}",
                         hub.token_for(grader))
    assert answer.status == 200, answer.body[:300]
    return {s["student"]: s["score"] for s in answer.json()}


def _set_manual(hub: Hub, grader: str, grade: dict, score: float) -> None:
    answer = hub.request("PUT", f"/services/{COURSE_ID}/formgrader/api/grade/{grade['id']}",
                         hub.token_for(grader), body={**grade, "manual_score": score})
    assert answer.status == 200, answer.body[:300]


def _written_grade(hub: Hub, grader: str, student: str) -> dict:
    """The first hand-graded answer of ``student`` (via the Formgrader's API)."""
    base = f"/services/{COURSE_ID}/formgrader/api"
    notebooks = hub.request("GET", f"{base}/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}",
                            hub.token_for(grader)).json()
    mine = next(n for n in notebooks if n["student"] == student)
    grades = hub.request("GET", f"{base}/grades?submission_id={mine['id']}",
                         hub.token_for(grader)).json()
    return next(g for g in grades if g["auto_score"] is None and g["max_score"])
