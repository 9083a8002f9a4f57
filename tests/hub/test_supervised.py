"""A supervised assessment on a real class server: nothing a trainee reaches answers it.

The hub (deploy/hub config, root), the course account, two trainees and the supervisor
service are real. Ana first works in practice mode, where the course's tools all answer
(lesson 04's form, the practice, the package in a kernel, the data files, a terminal), and
hands in from there. Then a supervised window opens for ana and ben (ana with extra time):
her next server is the supervised one, and from her kernels, a shell and the file system
none of those paths yields a decision or a reference answer; she sees her cards and the time
left. Ben's window ends on its own and his work is handed in; ana's extension keeps her
window open (and feedback waits) until the instructor closes it. Collect takes only the
hand-ins made in each window, on time, at the server's time, and records how each trainee
sat it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.hub.hub_harness import (
    VENV,
    Hub,
    require_class_server_tools,
    running_hub,
    system_accounts,
)
from tests.hub.term_steps import (
    COURSE_ID,
    cryocourse,
    make_course,
    make_exchange,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]
ASSESSMENT = "05-screening-cases"
NOTEBOOK = f"{ASSESSMENT}.ipynb"

pytestmark = pytest.mark.hub

# What every probe tries, in a kernel of the trainee's own server.
ENGINE = ("from course.exercises import all_items\n"
          "print('REFERENCE', all_items()['cases_client02'].expected())")
FORM = ("from course.lessons.contraindications import ScreeningWidget\n"
        "from course.models.screening import screen\nprint('FORM', ScreeningWidget)")
PRACTICE = ("from course.views.screening import PracticeWidget as P\n"
            "from course.models.variants import practice_client\n"
            "print('PRACTICE', practice_client(1).treatment)")
PACKAGE_DATA = ("import course, pathlib\n"
                "found = sorted(p.name for p in pathlib.Path(course.__file__).parent.rglob("
                "'*.toml'))\nprint('DATA', found)")


def _data_files_probe(course: Path, exchange: Path) -> str:
    """Every file the kernel can find that holds the course's cases, rules, lessons or salt."""
    data_files = sorted(p.name for p in (REPO / "course" / "data").glob("*.toml"))
    return (
        "import os, re, json\nhits = []\n"
        "for folder, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(folder, d) not in "
        "('/proc', '/sys', '/dev', '/usr')]\n"
        f"    hits += [os.path.join(folder, f) for f in files if f in {data_files!r} or "
        f"f == '.variant-salt' or (re.match(r'\\d\\d-.*\\.ipynb$', f) and not "
        f"f.startswith({ASSESSMENT!r}))]\n"
        "print('FILES', json.dumps(hits))\n"
        f"print('PLACES', [os.path.exists(p) for p in ({str(course)!r}, {str(exchange)!r}, "
        f"{str(REPO / 'source')!r}, {str(REPO / 'course' / 'data')!r}, '/home')])\n")


SHELL = ("import subprocess\nprint('SHELL', subprocess.run(['sh', '-c', "
         "'ls /home 2>&1; python -c \"import course.models.screening\" 2>&1 | tail -1'], "
         "capture_output=True, text=True).stdout)")


@pytest.fixture(scope="module")
def supervised_server():
    require_class_server_tools()
    closed = [p for p in Path(__file__).resolve().parents if not p.stat().st_mode & stat.S_IXOTH]
    if closed:
        pytest.skip(f"{closed[0]} is closed to other accounts; clone into an open folder")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is missing")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-supervised-"))
    folder.chmod(0o755)
    tag = secrets.token_hex(2)
    names = {"course": f"cs{tag}course", "trainees": [f"cs{tag}ana", f"cs{tag}ben"]}
    (folder / "home").mkdir(mode=0o755)
    try:
        with system_accounts([names["course"], *names["trainees"]], folder / "home") as acc:
            teacher = acc[names["course"]]
            course = make_course(folder, teacher, f"sqlite:///{folder / 'course' / 'gb.db'}")
            exchange = make_exchange(folder, teacher)
            settings = {
                "CRYOCOURSE_COURSE_USER": names["course"], "CRYOCOURSE_COURSE_DIR": str(course),
                "CRYOCOURSE_EXCHANGE": str(exchange), "CRYOCOURSE_HUB_AUTH": "pam",
                "CRYOCOURSE_SUPERVISED_DIR": str(folder / "supervised"),
                "CRYOCOURSE_SUPERVISOR_INTERVAL": "1",
            }
            with running_hub(folder, settings) as hub:
                yield {"hub": hub, "accounts": acc, "names": names, "course": course,
                       "exchange": exchange, "folder": folder}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_supervised_window_on_the_class_server(supervised_server):
    hub: Hub = supervised_server["hub"]
    acc, names = supervised_server["accounts"], supervised_server["names"]
    course, exchange = supervised_server["course"], supervised_server["exchange"]
    folder = supervised_server["folder"]
    ana, ben = names["trainees"]
    teacher = acc[names["course"]]
    hub.api("POST", "/users", {"usernames": [ana, ben]})
    hub.api("POST", f"/groups/nbgrader-{COURSE_ID}/users", {"users": [ana, ben]})
    cryocourse(teacher, course, exchange, "release", ASSESSMENT)
    assert "practice mode" in cryocourse(teacher, course, exchange, "supervise", "status",
                                         ASSESSMENT)

    # Practice mode: every tool answers, and ana hands in from there.
    hub.start_servers([ana])
    practice = run_in_kernel(hub, ana, [ENGINE, FORM, PRACTICE, PACKAGE_DATA])
    assert "REFERENCE {'case02_treatment'" in practice[0], practice
    assert "FORM" in practice[1] and "PRACTICE" in practice[2], practice
    assert "cases.toml" in practice[3] and "variants.toml" in practice[3], practice
    terminal = hub.request("POST", f"/user/{ana}/api/terminals", hub.token_for(ana), body={})
    assert terminal.status == 200, terminal.status
    for action in ("fetch", "submit"):
        _lab_action(hub, ana, action)
    practice_handin = next((exchange / COURSE_ID / "inbound").glob(f"{ana}+{ASSESSMENT}+*"))
    handed_in_at = max(p.lstat().st_ctime for p in [practice_handin, *practice_handin.iterdir()])

    # The window: it began just after that hand-in and lasts 36 s; ana has 3 minutes' extra
    # time.
    began = handed_in_at + 1
    cryocourse(teacher, course, exchange, "supervise", "open", ASSESSMENT, "--minutes", "0.6",
               "--start", _iso(began), "--trainee", ana, "--trainee", ben)
    cryocourse(teacher, course, exchange, "supervise", "extend", ASSESSMENT, "--trainee", ana,
               "--minutes", "3")
    # The supervisor stops ana's open-book server; her next one is the supervised one.
    wait_for(lambda: not _running(hub, ana), 60, hub)
    hub.start_servers([ana, ben])
    _save_answers(hub, ben, _reference_of(course, ben))  # his own reference answers

    # Her notebook runs as released: her own cards, form checks, the time left.
    cards = run_in_kernel(hub, ana, [
        "from course.lessons.screening_cases import *\n"
        "from course.checks import ready_to_submit\n"
        "print(my_clients().data)\nprint(client_card(2).data)",
        "case02_treatment = 'defer'\ncase02_referral = 'gp'\ncase02_findings = []\n"
        "print(check('cases_client02'))\nprint(PracticeWidget()._repr_html_())",
        "ready_to_submit('cases_client02')\ngrade('cases_client02')"])
    assert "Supervised assessment" in cards[0] and "Time left:" in cards[0], cards
    assert "Client 2." in cards[0] and "Treatment asked for" in cards[0], cards
    assert "right form" in cards[1] and "closed during a supervised" in cards[1], cards
    assert "marked after the window" in cards[2], cards
    left = int(cards[0].split("Time left: ", 1)[1].split(" min", 1)[0])
    assert 2 <= left <= 4, cards[0]  # her extension counts

    # Nothing in reach decides an intake or shows a reference: not the package, not lesson
    # 04's form, not the practice, not data files, not another lesson's kernel, not a shell.
    probes = run_in_kernel(hub, ana, [ENGINE, FORM, PRACTICE, PACKAGE_DATA,
                                      _data_files_probe(course, exchange), SHELL])
    for text in probes[:3]:
        assert "ModuleNotFoundError" in text and "REFERENCE" not in text, probes
    assert "DATA []" in probes[3], probes
    files = json.loads(probes[4].split("FILES ", 1)[1].splitlines()[0])
    assert files == [], files
    assert "PLACES [False, False, False, False, False]" in probes[4], probes
    assert "ModuleNotFoundError" in probes[5] and ben not in probes[5], probes
    other = run_in_kernel(hub, ana, ["from course.lessons.contraindications import *"])
    assert "ModuleNotFoundError" in other[0], other  # another lesson's kernel
    assert hub.request("POST", f"/user/{ana}/api/terminals", hub.token_for(ana),
                       body={}).status == 404
    listing = hub.request("GET", f"/user/{ana}/api/contents/", hub.token_for(ana)).json()
    assert [entry["name"] for entry in listing["content"]
            if not entry["name"].startswith(".")] == [ASSESSMENT], listing
    assert hub.request("GET", f"/user/{ana}/assignments?course_id={COURSE_ID}",
                       hub.token_for(ana)).status == 404  # no exchange, no other feedback

    # Ben's kit (his clients' cards) cannot be read from ana's account: it is root's, and
    # only ben's own group (nobody else is in it: supervised_session.own_group) reads it.
    ben_kit = folder / "supervised" / ASSESSMENT / ben / "kit"
    assert (ben_kit.stat().st_uid, ben_kit.stat().st_gid) == (0, acc[ben].pw_gid)
    for command in (["ls", str(ben_kit)], ["ls", str(folder / "supervised" / ASSESSMENT / ben)],
                    ["ls", str(ben_kit / "course")]):
        peek = subprocess.run(command, user=acc[ana].pw_uid, group=acc[ana].pw_gid,
                              extra_groups=[], capture_output=True, text=True, timeout=30)
        assert peek.returncode != 0, (command, peek.stdout)

    _save_answers(hub, ana, {"cases_client02_answer": "case02_treatment = 'defer'\n"
                                                     "case02_referral = 'gp'\n"
                                                     "case02_findings = []\n"})

    # Ben's window ends by itself: his work is handed in as his own, ana's stays open.
    supervised = folder / "supervised" / ASSESSMENT
    wait_for(lambda: (supervised / ben / "handed-in.json").exists(), 90, hub)
    wait_for(lambda: not _running(hub, ben), 30, hub)
    # Extra time given after his hand-in re-opens his window: its new end is handed in too.
    cryocourse(teacher, course, exchange, "supervise", "extend", ASSESSMENT, "--trainee", ben,
               "--minutes", "1")  # whole minutes
    wait_for(lambda: len(json.loads((supervised / ben / "handed-in.json").read_text())) == 2,
              90, hub)
    status = cryocourse(teacher, course, exchange, "supervise", "status", ASSESSMENT)
    assert f"{ana}" in status and "left" in status.split(ana, 1)[1].splitlines()[0], status
    assert "closed" in status.split(ben, 1)[1].splitlines()[0], status
    assert _running(hub, ana)
    refused = _cryocourse_fails(teacher, course, exchange, "feedback", ASSESSMENT)
    assert "released only after it has closed for everyone" in refused, refused

    cryocourse(teacher, course, exchange, "supervise", "close", ASSESSMENT, "--trainee", ana)
    wait_for(lambda: (supervised / ana / "handed-in.json").exists(), 60, hub)
    for user, ends in ((ana, 1), (ben, 2)):
        record = json.loads((supervised / user / "handed-in.json").read_text())
        assert len(record) == ends and all(r["ok"] for r in record), record
        assert len({r["window_end"] for r in record}) == ends, record

    # Collect: the practice hand-in does not count; each window's hand-in does, on time.
    collected = cryocourse(teacher, course, exchange, "collect", ASSESSMENT, output="both")
    assert practice_handin.name in collected and "before" in collected, collected
    assert "after the due date" not in collected, collected
    for user in (ana, ben):
        mine = course / "submitted" / user / ASSESSMENT
        assert (mine / NOTEBOOK).is_file()
        owner = next((exchange / COURSE_ID / "inbound").glob(f"{user}+*")).stat().st_uid
        assert owner == acc[user].pw_uid
    notebook = json.loads((course / "submitted" / ana / ASSESSMENT / NOTEBOOK).read_text())
    assert any("case02_treatment = 'defer'" in "".join(c["source"]) for c in notebook["cells"])
    record = json.loads((course / ".cryocourse" / "collect" / f"{ASSESSMENT}.json").read_text())
    assert record["collected"][ana]["mode"] == "supervised", record
    assert record["collected"][ana]["extra"] == "3 min", record
    # Ben's automatic hand-in is graded against his own clients (the report's "How it was
    # sat" is proved in tests/unit/test_supervision.py); feedback goes out now.
    cryocourse(teacher, course, exchange, "grade", ASSESSMENT, "--student", ben)
    assert _auto_scores(teacher, course, [ben]) == {ben: 56}
    cryocourse(teacher, course, exchange, "feedback", ASSESSMENT,  # every window closed
               "--allow-ungraded")


# --- root's side of a session, with real accounts (no hub) -----------------------------------


@pytest.fixture
def two_trainees():
    """Two real accounts (each in a group of their own) and a folder they can reach."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("real accounts: needs root and useradd")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-session-"))
    folder.chmod(0o755)
    (folder / "home").mkdir(mode=0o755)
    names = [f"cs{secrets.token_hex(2)}{who}" for who in ("ana", "ben")]
    try:
        with system_accounts(names, folder / "home") as accounts:
            yield folder, [accounts[name] for name in names]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as(account, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), user=account.pw_uid, group=account.pw_gid,
                          extra_groups=[], capture_output=True, text=True, timeout=30, cwd="/")


def _kit_and_release(folder: Path) -> tuple[Path, Path]:
    kit = folder / "kit-source" / "course"
    (kit / "lessons").mkdir(parents=True)
    (kit / "__init__.py").write_text('"""kit"""\n')
    (kit / "lessons" / "screening_cases.py").write_text("CARDS = 1\n")
    release = folder / "release.ipynb"
    release.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    return kit, release


def test_root_builds_the_session_whole_and_the_kit_stays_root_s(two_trainees):
    """The kit is root's (the trainee's own group may read it, nobody may write it), so no
    link planted in it is followed by the supervisor's writes; the work folder is handed
    over only once complete; a link in the kit's source is refused, never followed."""
    import sys

    from course.sandbox import supervised_session

    folder, (ana, ben) = two_trainees
    kit, release = _kit_and_release(folder)
    supervised = folder / "supervised"
    events: list[tuple] = []
    sys.addaudithook(lambda event, args: events.append((event, args)) if event in (
        "os.chown", "shutil.copyfile", "os.rename") and recording else None)
    recording = True
    try:
        found = supervised_session.prepare(supervised, ASSESSMENT, ana.pw_name, kit, release,
                                           "2026-12-10T09:00:00", {"end": "e"})
    finally:
        recording = False
    # Root wrote the notebook before any folder on its way was the trainee's.
    copied = next(i for i, (event, a) in enumerate(events)
                  if event == "shutil.copyfile" and str(a[1]).endswith(NOTEBOOK))
    written = Path(events[copied][1][1])
    given = [Path(a[0]) for event, a in events[:copied] if event == "os.chown"
             and a[1] == ana.pw_uid and (written.is_relative_to(a[0])
                                         or found.notebook.is_relative_to(a[0]))]
    assert not given, given
    assert found.notebook.stat().st_uid == ana.pw_uid and not found.work.is_symlink()
    assert found.work.stat().st_uid == ana.pw_uid

    for path in [found.base / "kit", *(found.base / "kit").rglob("*")]:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (0, ana.pw_gid), path
        assert stat.S_IMODE(info.st_mode) == (0o750 if path.is_dir() else 0o640), path
    planted = folder / "planted"
    for command in (["chmod", "u+w", str(found.kit)],
                    ["ln", "-s", str(planted), str(found.kit / "window.tmp")]):
        assert _as(ana, *command).returncode != 0, command
    supervised_session.write_window(found, {"end": "later"})
    assert not planted.exists()
    assert _as(ana, "cat", str(found.kit / "window.json")).stdout == '{"end": "later"}'
    assert _as(ben, "ls", str(found.kit)).returncode != 0  # another trainee: not theirs

    # A link in the kit's source is refused (root never copies what it points to).
    secret = folder / "root-only"
    secret.write_text("salt")
    secret.chmod(0o600)
    (kit / "lessons" / "data.py").symlink_to(secret)
    with pytest.raises(RuntimeError, match="not a plain file"):
        supervised_session.prepare(supervised, ASSESSMENT, ana.pw_name, kit, release,
                                   "2026-12-10T09:00:00", {"end": "e"})
    assert not any("salt" in p.read_text() for p in (found.base).rglob("*.py"))


def test_a_trainee_sharing_a_group_gets_no_kit(two_trainees):
    from course.sandbox import supervised_session

    folder, (ana, _ben) = two_trainees
    kit, release = _kit_and_release(folder)
    other = f"cs{secrets.token_hex(2)}cat"
    subprocess.run(["useradd", "--no-create-home", "--gid", str(ana.pw_gid), other],
                   check=True, capture_output=True, timeout=30)
    try:
        with pytest.raises(RuntimeError, match="shared with other accounts"):
            supervised_session.prepare(folder / "supervised", ASSESSMENT, ana.pw_name, kit,
                                       release, "2026-12-10T09:00:00", {"end": "e"})
    finally:
        subprocess.run(["userdel", other], capture_output=True, timeout=30)


def test_the_automatic_hand_in_takes_the_window_s_own_folder_or_nothing(two_trainees):
    """A link the trainee puts in place of the assignment's work folder (to work prepared
    in practice mode) is never followed; a failed hand-in is not recorded, so the next
    round tries again; each end of the window has its own hand-in."""
    from course.sandbox import supervised_session

    folder, (ana, _ben) = two_trainees
    python = str(VENV / "bin" / "python")  # the class server's, as its supervisor runs it
    if not Path(python).exists():
        pytest.skip(".hub-tools/venv is missing (bash setup.sh test installs it)")
    kit, release = _kit_and_release(folder)
    start = "2026-12-10T09:00:00"
    found = supervised_session.prepare(folder / "supervised", ASSESSMENT, ana.pw_name, kit,
                                       release, start, {"end": "e"})
    exchange = folder / "exchange"
    inbound = exchange / COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    inbound.chmod(0o1733)
    practice = Path(ana.pw_dir) / ASSESSMENT
    assert _as(ana, "sh", "-c", f"mkdir {practice} && echo practice > {practice / NOTEBOOK}"
               f" && mv {found.notebook.parent} {found.work / 'kept'}"
               f" && ln -s {practice} {found.notebook.parent}").returncode == 0

    failed = supervised_session.hand_in(found, exchange, COURSE_ID, start, "end-1", python)
    assert not failed["ok"] and "symbolic link" in failed["problem"], failed
    assert found.handed_in() == [] and found.handed_in_for(start, "end-1") is None
    assert not any(p.name == NOTEBOOK for p in inbound.rglob("*"))

    assert _as(ana, "sh", "-c", f"rm {found.notebook.parent} && "
               f"mv {found.work / 'kept'} {found.notebook.parent}").returncode == 0
    done = supervised_session.hand_in(found, exchange, COURSE_ID, start, "end-1", python)
    assert done["ok"], done
    assert found.handed_in_for(start, "end-1")["folder"] == done["folder"]
    handed = inbound / done["folder"]
    assert handed.stat().st_uid == ana.pw_uid
    assert sorted(p.name for p in handed.iterdir()) == [
        NOTEBOOK, "submission_secret.txt", "timestamp.txt"]
    assert (handed / NOTEBOOK).read_text() == release.read_text()
    assert found.handed_in_for(start, "end-2") is None  # extended: handed in again


# --- helpers ----------------------------------------------------------------------------------


def _iso(seconds: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()


def _running(hub: Hub, user: str) -> bool:
    return "" in hub.api("GET", f"/users/{user}")["servers"]


def _lab_action(hub: Hub, user: str, action: str) -> None:
    answer = hub.request("POST", f"/user/{user}/assignments/{action}", hub.token_for(user),
                         form={"assignment_id": ASSESSMENT, "course_id": COURSE_ID})
    assert answer.status == 200 and answer.json().get("success"), (action, answer.body[:300])


def _cryocourse_fails(account, course: Path, exchange: Path, *args: str) -> str:
    env = {"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", "HOME": account.pw_dir, "LANG": "C.UTF-8",
           "CRYOCOURSE_EXCHANGE": str(exchange)}
    done = subprocess.run([str(VENV / "bin" / "cryocourse"), "--course", str(course), *args],
                          cwd=course, env=env, user=account.pw_uid, group=account.pw_gid,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout
    return done.stdout + done.stderr


def _reference_of(course: Path, user: str) -> dict[str, str]:
    """The answer cells of ``user``'s own clients, typed as the reference (root reads the salt):
    in a supervised window, the clients of their sitting and attempt, not their practice ones."""
    from course.exercises.screening_cases import variant_reference
    from course.models.variants import draw
    from course.storage.variant_keys import assessment_key, key_for

    key = assessment_key(course, ASSESSMENT, user)
    assert key != key_for(course, user)
    answers = variant_reference(draw(ASSESSMENT, key))
    return {f"{item}_answer": "".join(f"{name} = {value!r}\n" for name, value in typed.items())
            for item, typed in answers.items()}


def _save_answers(hub: Hub, user: str, cells: dict[str, str]) -> None:
    path = f"/user/{user}/api/contents/{ASSESSMENT}/{NOTEBOOK}"
    model = hub.request("GET", path, hub.token_for(user)).json()
    for cell in model["content"]["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            cell["source"] = cells[grade_id]
    saved = hub.request("PUT", path, hub.token_for(user),
                        body={"type": "notebook", "format": "json", "content": model["content"]})
    assert saved.status == 200, saved.body[:300]


def _auto_scores(account, course: Path, students: list[str]) -> dict[str, float]:
    from tests.hub.term_steps import as_account

    code = ("import json; from nbgrader.api import Gradebook\n"
            f"with Gradebook('sqlite:///{course / 'gb.db'}', {COURSE_ID!r}) as gb:\n"
            f"    print(json.dumps({{s: gb.find_submission({ASSESSMENT!r}, s).code_score"
            f" for s in {students!r}}}))")
    done = as_account(account, code)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_in_kernel(hub: Hub, user: str, cells: list[str], timeout: float = 90) -> list[str]:
    """Run ``cells`` in a new kernel of ``user``'s server (its websocket, as JupyterLab does);
    each cell's printed text, results and error, as text. The kernel is shut down after."""
    token = hub.token_for(user)
    kernel = hub.request("POST", f"/user/{user}/api/kernels", token, body={"name": "python3"})
    assert kernel.status == 201, (kernel.status, kernel.body[:300])
    kernel_id = kernel.json()["id"]
    try:
        return asyncio.run(_execute(hub, user, token, kernel_id, cells, timeout))
    finally:
        hub.request("DELETE", f"/user/{user}/api/kernels/{kernel_id}", token)


async def _execute(hub: Hub, user: str, token: str, kernel_id: str, cells: list[str],
                   timeout: float) -> list[str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = hub.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel_id}/channels"
    socket = await websocket_connect(HTTPRequest(url, headers={
        "Authorization": f"token {token}"}, request_timeout=30))
    session = uuid.uuid4().hex

    def message(kind: str, content: dict) -> tuple[str, str]:
        msg_id = uuid.uuid4().hex
        return msg_id, json.dumps({
            "header": {"msg_id": msg_id, "username": user, "session": session,
                       "msg_type": kind, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"})

    async def until_idle(msg_id: str) -> str:
        text = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await asyncio.wait_for(socket.read_message(), deadline - time.monotonic())
            assert raw is not None, "the kernel's websocket closed"
            got = json.loads(raw)
            if got.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = got["msg_type"], got["content"]
            if kind == "stream":
                text.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                text.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                text.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle" and \
                    got["channel"] == "iopub":
                return "".join(text)
        raise AssertionError(f"no answer from the kernel in {timeout} s")

    info_id, info = message("kernel_info_request", {})
    socket.write_message(info)
    await until_idle(info_id)
    outputs = []
    for code in cells:
        msg_id, request = message("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False})
        socket.write_message(request)
        outputs.append(await until_idle(msg_id))
    socket.close()
    return outputs
