"""A whole term on a real class server, over loopback: hub, PostgreSQL, trainees, graders.

PostgreSQL (a private cluster) and JupyterHub (the course's deploy/hub config, run as root)
are started by the test; trainees, graders and the course account are real system
accounts with private homes. Trainees work only through the hub's REST API and the nbgrader
lab extension's endpoints on their own servers; graders through the shared Formgrader
service; the course account runs ``cryocourse``. Everything started is stopped at the end.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import secrets
import select
import shutil
import stat
import subprocess
import tempfile
import time
import urllib.parse
from contextlib import nullcontext
from pathlib import Path

import nbformat
import pytest

from tests.hub.hub_harness import (
    Hub,
    require_class_server_tools,
    running_hub,
    system_accounts,
)
from tests.hub.postgres_harness import running_postgres
from tests.hub.term_steps import (
    COURSE_ID,
    REPO,
    answer_and_submit,
    as_account,
    cryocourse,
    formgrader_scores,
    iso,
    lab_action,
    make_course,
    make_exchange,
    reference_answers,
    set_manual,
    wait_for,
    written_grades,
)

ASSIGNMENT = "00-orientation"
ANSWER_CONTROLS = json.loads(
    (REPO / "course" / "labextension" / "package.json").read_text())["name"]
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

pytestmark = pytest.mark.hub


def cannot_read(account, path: Path) -> bool:
    """Whether ``account`` gets 'permission denied' listing or reading ``path``."""
    code = (f"import os, pathlib; p = pathlib.Path({str(path)!r})\n"
            "try:\n    os.listdir(p) if p.is_dir() else p.read_bytes()\n"
            "except PermissionError:\n    print('denied')\nelse:\n    print('read')")
    return as_account(account, code).stdout.strip() == "denied"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def class_server(request):
    """The gradebook (PostgreSQL or SQLite), the accounts, the course, the exchange and the
    hub; all stopped after."""
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
        postgres = running_postgres() if request.param == "postgresql" else nullcontext()
        with postgres as cluster, system_accounts(everyone, folder / "home") as acc:
            course_account = acc[names["course"]]
            database = (cluster.create_database("gradebook") if cluster is not None
                        else f"sqlite:///{folder / 'course' / 'gradebook.db'}")
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

    # The instructor releases, with a due date a week ahead and 12 hours' extra time for
    # ana; two trainees' servers start at once.
    cryocourse(teacher, course, exchange, "release", ASSIGNMENT)
    cryocourse(teacher, course, exchange, "deadline", "set", ASSIGNMENT,
               iso(time.time() + 7 * 86400))
    cryocourse(teacher, course, exchange, "extension", ana, ASSIGNMENT, "--hours", "12")
    assert stat.S_IMODE((exchange / COURSE_ID / "deadlines").stat().st_mode) == 0o711
    timings["spawn 2 trainees and a grader (s)"] = hub.start_servers([ana, ben, gia])
    _each_server_is_limited(ana, acc[ana])

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
    reference = reference_answers(ASSIGNMENT)
    for user in (ana, ben):  # each sees the due date, and only their own extra time
        lab_action(hub, user, "fetch", ASSIGNMENT)
        note = hub.request("GET", f"/user/{user}/api/contents/{ASSIGNMENT}/DUE-DATE.md",
                           hub.token_for(user)).json()["content"]
        assert "Due:" in note and "server" in note, note
        assert ("Your extra time:** 12 h" in note) == (user == ana), (user, note)
    assert cannot_read(acc[ben], exchange / COURSE_ID / "deadlines")  # cannot list others'
    handed_in = {}
    for user, answers in ((ana, reference), (ben, dict(list(reference.items())[:1]))):
        handed_in[user] = answer_and_submit(hub, user, ASSIGNMENT, answers)

    # A hostile trainee (ben, his own account) tries every class of attack on the hand-in.
    inbound = exchange / COURSE_ID / "inbound"
    honest = {user: next(inbound.glob(f"{user}+{ASSIGNMENT}+*")) for user in (ana, ben)}
    # (1) Identity: a hand-in in ana's name, his own work, a later time in its name.
    forged_secret = secrets.token_hex(16)
    later = _stamp(time.time() + 3600)
    forged = _hand_in(acc[ben], inbound, f"{ana}+{ASSIGNMENT}+{later}+{secrets.token_hex(6)}",
                      handed_in[ben], later, forged_secret)
    # ... and a file of his own planted in a hand-in folder of ana's name (as if he had
    # guessed a name; her real folder is 0777 inside a folder he cannot list).
    planted_in_ana = _as_root_make_writable(honest[ana])
    assert as_account(acc[ben], f"open({str(planted_in_ana / 'extra.txt')!r}, 'w')"
                      ".write('ben was here')").returncode == 0
    # (2) Time: the due date falls after both honest hand-ins (server time); ben then hands
    # in again, the folder name and timestamp.txt claiming a moment before the due date.
    due = max(_latest_change(folder) for folder in honest.values()) + 0.001
    cryocourse(teacher, course, exchange, "deadline", "set", ASSIGNMENT, iso(due))
    listed = cryocourse(teacher, course, exchange, "deadline", "list")
    assert ASSIGNMENT in listed and "marked as late" in listed, listed
    backdated = _stamp(due - 0.000001)
    _hand_in(acc[ben], inbound, f"{ben}+{ASSIGNMENT}+{backdated}+{secrets.token_hex(6)}",
             handed_in[ben], backdated, secrets.token_hex(16))
    # (3) Secrets: the font cache folder the sandbox used to read from /tmp, planted first
    # with a link to the course's salt and a file of his own.
    salt = (course / ".variant-salt")
    planted_cache = _plant_font_cache(acc[ben], teacher, salt)

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
    wait_for(lambda: hub.request("GET", f"{formgrader}/api/status",
                                  hub.token_for(gia)).status == 200, 60, hub)
    # A grader gets the Formgrader, never the course account: no terminal, no kernel, no
    # file of the course account's (salt, settings, source/), not even to write the config.
    _a_grader_is_not_the_course_account(hub, gia, courses["value"][0]["url"])

    # Collect: the forged hand-in is refused and named; ana's own is the one collected; the
    # planted file is refused by name; ben's back-dated hand-in is collected as late.
    collected = cryocourse(teacher, course, exchange, "collect", ASSIGNMENT, output="both")
    by_trainee = collected.split(f"{ana}:", 1)[1]
    assert forged.name in by_trainee and f"another account ({ben})" in by_trainee, collected
    assert "extra.txt" in by_trainee and f"another account ({ben})" in by_trainee, collected
    assert f"{ben}:" in collected and "after the due date" in collected.split(f"{ben}:", 1)[1]
    mine = course / "submitted" / ana / ASSIGNMENT
    assert [cell.source for cell in nbformat.read(mine / NOTEBOOK, as_version=4).cells] == [
        cell["source"] for cell in handed_in[ana]["cells"]]
    assert (mine / "submission_secret.txt").read_text() != forged_secret
    assert not (mine / "extra.txt").exists()
    assert forged.exists()  # nothing is deleted from the exchange
    # The Formgrader's Collect button (nbgrader's collect, through the course's config) as a
    # grader: the same refusal in its log, ana's own hand-in kept.
    button = hub.request("POST", f"{formgrader}/api/assignment/{ASSIGNMENT}/collect",
                         hub.token_for(gia)).json()
    assert button["success"] and forged.name in button["log"], button
    assert (mine / "submission_secret.txt").read_text() != forged_secret
    # The hand-in's time is the server's, never the one in its name or timestamp.txt.
    stamps = {user: _read_stamp(course / "submitted" / user / ASSIGNMENT) for user in (ana, ben)}
    assert stamps[ana] <= due < stamps[ben], (stamps, due)

    # Grade (sandboxed) into PostgreSQL.
    began = time.monotonic()
    cryocourse(teacher, course, exchange, "grade", ASSIGNMENT, "--workers", "2")
    timings["grade 2 submissions (s)"] = time.monotonic() - began
    scores = formgrader_scores(hub, gia, ASSIGNMENT)
    assert scores[ana] > scores[ben], scores
    lateness = _seconds_late(teacher, course, [ana, ben])
    assert lateness[ana] == 0 and lateness[ben] > 0, lateness  # the gradebook says late
    # Nothing the sandbox set-up read came from the planted cache: no salt anywhere.
    salt_text = as_account(teacher, f"print(open({str(salt)!r}).read().strip())").stdout.strip()
    assert len(salt_text) >= 32
    for kind in ("autograded", "feedback"):
        for path in (course / kind).rglob("*"):
            if path.is_file():
                assert salt_text not in path.read_text(errors="replace"), path
    assert planted_cache.is_symlink() or not planted_cache.exists()
    private = Path(teacher.pw_dir) / ".cache" / "cryocourse"
    assert private.is_dir() and private.stat().st_uid == teacher.pw_uid
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    # The secrets are the course account's alone: not a trainee's, not a grader's.
    for path in (salt, course / ".cryocourse" / "database-url"):
        assert path.stat().st_uid == teacher.pw_uid
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for other in (acc[ben], acc[gia]):
            assert cannot_read(other, path)

    # A grader changes a hand grade while another grading run is under way (the run read
    # the old one when it started): the new hand grade survives the run.
    # Each submission's hand grades are put back as soon as it is graded, so the change is
    # made on the submission the run has not finished yet (the one its first line does not name).
    cell = written_grades(hub, gia, ana, ASSIGNMENT)[0]["name"]  # the same answer of each
    written = {user: next(g for g in written_grades(hub, gia, user, ASSIGNMENT)
                          if g["name"] == cell) for user in (ana, ben)}
    for grade in written.values():
        set_manual(hub, gia, grade, 0)
    regrade = cryocourse(teacher, course, exchange, "grade", ASSIGNMENT, "--force",
                         "--workers", "1", background=True)
    first = _first_line(regrade, 120)  # one submission graded: the run is well under way
    changed = ben if ana in first else ana
    set_manual(hub, hal, written[changed], written[changed]["max_score"])
    assert regrade.poll() is None, "the grading run ended before the hand grade was given"
    output = first + regrade.communicate(timeout=300)[0]
    now = next(g for g in written_grades(hub, gia, changed, ASSIGNMENT) if g["name"] == cell)
    assert now["manual_score"] == written[changed]["max_score"], output
    assert "conflict" in output and "is kept" in output, output

    # Feedback released and fetched; the other trainee cannot read it in the exchange.
    cryocourse(teacher, course, exchange, "feedback", ASSIGNMENT)
    # Feedback goes to the owner of the graded hand-in only: nothing under the forged secret.
    from nbgrader.utils import notebook_hash

    released = exchange / COURSE_ID / "feedback"
    forged_page = released / f"{notebook_hash(secret=forged_secret, notebook_id=ASSIGNMENT)}.html"
    assert not forged_page.exists()
    lab_action(hub, ana, "fetch_feedback", ASSIGNMENT)
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


def _each_server_is_limited(user: str, account) -> None:
    """The server runs in its user's control groups (memory, CPU, processes together) and
    with hard per-process limits, as deploy/hub/cryocourse_hub.py sets them."""
    from tests.hub.test_hub_config import hubconf

    settings = hubconf.HubSettings()
    pids = [int(e) for e in os.listdir("/proc") if e.isdigit() and _runs_server_of(int(e), user)]
    assert pids, f"no server process of {user}"
    limits = Path(f"/proc/{pids[0]}/limits").read_text()
    processes = next(line for line in limits.splitlines() if line.startswith("Max processes"))
    assert processes.split()[2:4] == [str(settings.server_tasks)] * 2, processes
    groups = dict(line.split(":", 2)[1:] for line in
                  Path(f"/proc/{pids[0]}/cgroup").read_text().splitlines())
    expected = hubconf.server_cgroups(settings, user)
    assert expected, "no cgroup file system on this machine"
    for folder, wanted in expected.items():
        assert folder.name == f"cryocourse-{user}"
        assert any(path.endswith(f"/cryocourse-{user}") for path in groups.values()), groups
        for name, value in wanted.items():
            if (folder / name).exists() and "memsw" not in name and "swap" not in name:
                assert (folder / name).read_text().split()[0] == value.split()[0], name


def _runs_server_of(pid: int, user: str) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"JUPYTERHUB_USER={user}".encode() in environ


def _a_grader_is_not_the_course_account(hub: Hub, grader: str, course_list_link: str) -> None:
    service, token = f"/services/{COURSE_ID}", hub.token_for(grader)
    link = urllib.parse.urlsplit(course_list_link)
    answer = hub.request("GET", f"{link.path}?{link.query}", token)  # the course list's link
    assert answer.status == 200 and b"formgrader" in answer.body.lower(), answer.status
    for path in (".variant-salt", ".cryocourse/database-url", "nbgrader_config.py", "source",
                 f"source/{ASSIGNMENT}/{NOTEBOOK}", ""):
        for prefix in ("/api/contents/", "/files/", "/nbconvert/html/", "/view/"):
            got = hub.request("GET", f"{service}{prefix}{path}", token)
            assert got.status in (403, 404), (prefix, path, got.status, got.body[:200])
    written = hub.request("PUT", f"{service}/api/contents/nbgrader_config.py", token,
                          body={"type": "file", "format": "text", "content": "c = 1"})
    assert written.status in (403, 404), written.status
    assert hub.request("POST", f"{service}/api/terminals", token, body={}).status == 404
    kernel = hub.request("POST", f"{service}/api/kernels", token, body={"name": "python3"})
    assert kernel.status >= 400, kernel.status
    assert hub.request("GET", f"{service}/api/kernels", token).json() in ([], None)
    validate = hub.request("POST", f"{service}/assignments/validate", token,
                           form={"path": f"source/{ASSIGNMENT}/{NOTEBOOK}"})
    assert validate.status == 404, validate.status


def _stamp(seconds: float) -> str:
    """A time as nbgrader writes it in a hand-in's name and timestamp.txt."""
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime(
        "%Y-%m-%d %H:%M:%S.%f UTC")


def _read_stamp(folder: Path) -> float:
    from nbgrader.utils import parse_utc

    moment = parse_utc((folder / "timestamp.txt").read_text().strip())
    return moment.replace(tzinfo=datetime.UTC).timestamp()


def _latest_change(folder: Path) -> float:
    return max(os.lstat(p).st_ctime for p in [folder, *folder.rglob("*")])


def _hand_in(account, inbound: Path, name: str, notebook: dict, stamp: str,
             secret: str) -> Path:
    """A hand-in made by ``account`` itself, straight into the exchange's inbound folder."""
    folder = inbound / name
    code = (f"import os, json; d = {str(folder)!r}; os.mkdir(d); os.chmod(d, 0o777)\n"
            f"open(os.path.join(d, {NOTEBOOK!r}), 'w').write({json.dumps(notebook)!r})\n"
            f"open(os.path.join(d, 'timestamp.txt'), 'w').write({stamp!r})\n"
            f"open(os.path.join(d, 'submission_secret.txt'), 'w').write({secret!r})\n")
    made = as_account(account, code)
    assert made.returncode == 0, made.stderr
    return folder


def _as_root_make_writable(folder: Path) -> Path:
    """nbgrader leaves a hand-in folder 0777; make sure of it (what a guesser would find)."""
    folder.chmod(0o777)
    return folder


def _plant_font_cache(attacker, grading_account, target: Path) -> Path:
    """What a trainee plants where the sandbox used to build its font cache (/tmp)."""
    from importlib import metadata

    folder = Path("/tmp") / (f"cryocourse-mplcache-{grading_account.pw_uid}-"
                             f"{metadata.version('matplotlib')}")
    code = (f"import os; d = {str(folder)!r}; os.makedirs(d, exist_ok=True)\n"
            f"os.symlink({str(target)!r}, os.path.join(d, 'fontlist-v390.json'))\n"
            f"open(os.path.join(d, 'fontlist-v999.json'), 'w').write('planted')\n")
    made = as_account(attacker, code)
    assert made.returncode == 0, made.stderr
    return folder / "fontlist-v390.json"


def _seconds_late(account, course: Path, students: list[str]) -> dict[str, float]:
    """How late the gradebook says each hand-in was (nbgrader's total_seconds_late)."""
    code = ("import json; from nbgrader.api import Gradebook\n"
            f"url = open({str(course / '.cryocourse' / 'database-url')!r}).read().strip()\n"
            f"with Gradebook(url, {COURSE_ID!r}) as gb:\n"
            f"    print(json.dumps({{s: gb.find_submission({ASSIGNMENT!r}, s).total_seconds_late"
            f" for s in {students!r}}}))")
    result = as_account(account, code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _first_line(process: subprocess.Popen, seconds: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, "the grading run printed nothing"
    return process.stdout.readline()


def _page_config(page: str) -> dict:
    """JupyterLab's page configuration, as embedded in the /lab page."""
    start = page.index(">", page.index('id="jupyter-config-data"')) + 1
    return json.loads(page[start:page.index("</script>", start)])
