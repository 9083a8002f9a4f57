"""A term with the school's LMS: the test LMS (lti1p3platform on 127.0.0.1), a real JupyterHub
with the real jupyterhub-ltiauthenticator, and ``cryocourse lms`` run by the course account.

An instructor adds the assessment to the LMS course by deep linking (the LMS makes its line
item), trainees launch it from the LMS and land on it, the roster comes from the LMS page by
page (nbgrader's students and the hub's groups), grades go to the LMS pending while written
answers wait for a hand mark and fully graded after, and nothing goes to a learner who left
or to an instructor. The LMS's gradebook is printed at the end (the term's evidence).
"""

from __future__ import annotations

import copy
import datetime
import http.cookiejar
import json
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.hub.hub_harness import VENV, require_class_server_tools, running_hub, system_accounts
from tests.hub.test_class_term import make_course, make_exchange
from tests.hub.test_hub_config import hubconf
from tests.hub.test_lti_hub import accounts_the_hub_makes
from tests.lms.lms_platform import INSTRUCTOR, LEARNER, Launch, TestLms, read_form

pytestmark = pytest.mark.hub

COURSE_ID = "cosmetic-cryotherapy"
LESSON, ASSESSMENT = "00-orientation", "05-screening-cases"
SUBMITTED = datetime.datetime(2026, 12, 1, 9, 30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: cookies kept, redirects seen (not followed)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def open(self, url: str, form: dict | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=data), timeout=60) as page:
                return page.status, page.headers.get("Location", ""), page.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def launch(self, lms: TestLms, hub_url: str, launch: Launch) -> tuple[int, str, str]:
        """From the LMS to the hub: login initiation, the LMS's authorisation, the signed
        launch posted by the browser. Returns the hub's answer to the launch."""
        status, location, _ = self.open(lms.login_initiation(launch))
        assert status == 302 and location.startswith(lms.url), (status, location)
        status, _, page = self.open(location)
        assert status == 200, page
        action, fields = read_form(page)
        return self.open(action, fields)

    def follow(self, hub_url: str, location: str) -> tuple[int, str, str]:
        return self.open(urllib.parse.urljoin(hub_url, location))


def _course_command(account, course: Path, exchange: Path, *args: str,
                    env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``cryocourse`` as the course account (as an instructor runs it on the server)."""
    return subprocess.run(
        [str(VENV / "bin" / "cryocourse"), "--course", str(course), *args],
        cwd=course, user=account.pw_uid, group=account.pw_gid, capture_output=True,
        text=True, timeout=300,
        env={"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", "HOME": account.pw_dir,
             "LANG": "C.UTF-8", "CRYOCOURSE_EXCHANGE": str(exchange), **(env or {})})


def _grade(course: Path, owner, assignment: str, student: str, fraction: float,
           written: float | None, hours_late: float = 0.0) -> None:
    """What the autograder and the Formgrader write for a hand-in (nbgrader's Gradebook)."""
    from nbgrader.api import Gradebook

    url = (course / ".cryocourse" / "database-url").read_text().strip()
    with Gradebook(url, COURSE_ID) as gradebook:
        gradebook.update_or_create_student(student)
        submission = gradebook.update_or_create_submission(
            assignment, student, timestamp=SUBMITTED + datetime.timedelta(hours=hours_late))
        for notebook in submission.notebooks:
            answers = {cell.name for cell in notebook.notebook.solution_cells}
            for grade in notebook.grades:
                if grade.name in answers:
                    grade.auto_score = None
                    grade.manual_score = None if written is None else grade.max_score * written
                    grade.needs_manual_grade = written is None
                else:
                    grade.auto_score, grade.needs_manual_grade = grade.max_score * fraction, False
        gradebook.db.commit()
    subprocess.run(["chown", "-R", f"{owner.pw_uid}:{owner.pw_gid}", str(course)], check=True)


def test_a_term_with_the_lms(capsys):
    require_class_server_tools()
    here = Path(__file__).resolve()
    if [p for p in here.parents if not p.stat().st_mode & stat.S_IXOTH]:
        pytest.skip("the hub's users run this checkout's environment: clone into an open "
                    "folder")
    folder = Path(tempfile.mkdtemp(prefix="cryocourse-lms-"))
    folder.chmod(0o755)
    (folder / "home").mkdir(mode=0o755)
    tag = secrets.token_hex(2)
    owner_name = f"cc{tag}lms"
    lms = TestLms(client_id="cryocourse-tool", context_id="CRYO-2026").start()
    people = {"ana": ("Ana", "Silva"), "ben": ("Ben", "Okafor"), "cai": ("Cai", "Wong"),
              "dee": ("Dee", "Brown")}
    users = {key: f"{key}-{tag}" for key in people}
    teacher = f"tom-{tag}"
    names = {key: hubconf.lti_username(lms.issuer, user) for key, user in users.items()}
    try:
        with system_accounts([owner_name], folder / "home") as accounts, \
                accounts_the_hub_makes([*names.values(),
                                        hubconf.lti_username(lms.issuer, teacher)]):
            owner = accounts[owner_name]
            course = make_course(folder, owner, f"sqlite:///{folder / 'course' / 'gradebook.db'}")
            exchange = make_exchange(folder, owner)
            for assignment in (LESSON, ASSESSMENT):
                made = _course_command(owner, course, exchange, "release", assignment)
                assert made.returncode == 0, made.stderr
            due = _course_command(owner, course, exchange, "deadline", "set", ASSESSMENT,
                                  "2026-12-01 10:00+00:00")
            assert due.returncode == 0, due.stderr
            endpoints = lms.endpoints()
            settings = {"CRYOCOURSE_COURSE_USER": owner_name,
                        "CRYOCOURSE_COURSE_DIR": str(course),
                        "CRYOCOURSE_EXCHANGE": str(exchange),
                        "CRYOCOURSE_HUB_AUTH": "lti", "CRYOCOURSE_LTI_ISSUER": lms.issuer,
                        "CRYOCOURSE_LTI_CLIENT_ID": lms.client_id,
                        "CRYOCOURSE_LTI_AUTHORIZE_URL": endpoints["authorize_url"],
                        "CRYOCOURSE_LTI_JWKS_ENDPOINT": endpoints["jwks_url"],
                        "CRYOCOURSE_LTI_CONTEXT_ID": lms.context_id,
                        "CRYOCOURSE_LTI_DEPLOYMENT_ID": lms.deployment_id,
                        "CRYOCOURSE_LTI_HOME_ROOT": str(folder / "home")}
            with running_hub(folder, settings) as hub:
                setup = _course_command(owner, course, exchange, "lms", "setup",
                                        *[f"--{k.replace('_', '-')}={endpoints[k]}" for k in
                                          ("issuer", "client_id", "deployment_id",
                                           "context_id", "token_url", "lineitems_url",
                                           "memberships_url")],
                                        f"--hub-url={hub.url}", "--page-size=2")
                assert setup.returncode == 0, setup.stderr
                assert f"{hub.url}/hub/cryocourse/deep-link" in setup.stdout
                lms.register_tool(key_set_url=f"{hub.url}/hub/cryocourse/jwks",
                                  login_url=f"{hub.url}/hub/lti13/oauth_login",
                                  launch_url=f"{hub.url}/hub/cryocourse/launch",
                                  deep_link_url=f"{hub.url}/hub/cryocourse/deep-link")
                _term(lms, hub, owner, course, exchange, users, teacher, names, people,
                      folder)
    finally:
        lms.stop()
        shutil.rmtree(folder, ignore_errors=True)
    lms.snapshots["after the term"] = lms.gradebook()
    with capsys.disabled():
        for when, book in lms.snapshots.items():
            print(f"\nThe test LMS's gradebook {when}:")
            for label, scores in book.items():
                print(f"  {label}")
                for user, score in sorted(scores.items()):
                    print(f"    {user}: {score['scoreGiven']:g}/{score['scoreMaximum']:g} "
                          f"{score['gradingProgress']} ({score['activityProgress']})")


def _term(lms, hub, owner, course, exchange, users, teacher, names, people, folder) -> None:
    for key, user in users.items():
        lms.enrol(user, [LEARNER], *people[key])
    lms.enrol(teacher, [INSTRUCTOR], "Tom", "Teacher")

    # Deep linking: the instructor picks the assessment; the LMS makes its line item.
    instructor = Browser()
    status, location, body = instructor.launch(lms, hub.url,
                                               Launch(teacher, [INSTRUCTOR], deep_link=True))
    assert status == 302 and location.endswith("/hub/cryocourse/deep-link"), hub.log_tail()
    status, _, page = instructor.follow(hub.url, location)
    assert status == 200 and ASSESSMENT in page, page[:500]
    _, fields = read_form(page)
    status, _, answer = instructor.open(f"{hub.url}/hub/cryocourse/deep-link",
                                        {**fields, "assignment": ASSESSMENT})
    assert status == 200, answer[:500]
    action, form = read_form(answer)
    assert action == f"{lms.url}/deep-link-return" and form.get("JWT"), answer[:500]
    status, _, made = instructor.open(action, form)
    assert status == 200, made
    link = json.loads(made)["created"][0]
    item = lms.line_items[link["lineItem"]]
    assert item["resourceId"] == ASSESSMENT and item["scoreMaximum"] == 62.0
    assert link["custom"] == {"assignment": ASSESSMENT}
    # A learner may not choose what an activity opens.
    status, _, refused = Browser().launch(lms, hub.url,
                                          Launch(users["dee"], [LEARNER], deep_link=True))
    assert status == 403 and "instructors" in refused, (status, refused[:300])

    # Launches of that activity: the instructor lands in the Formgrader on the assessment;
    # a trainee lands on it (once fetched) or in JupyterLab (to fetch it).
    def via_link(user, roles):
        browser = Browser()
        status, location, body = browser.launch(lms, hub.url, Launch(
            user, roles, resource_link=link["id"], custom=link["custom"], target=link["url"]))
        assert status == 302 and location.endswith("/hub/cryocourse/launch"), (status, body)
        return browser.follow(hub.url, location)

    status, location, _ = via_link(teacher, [INSTRUCTOR])
    assert status == 302 and location.endswith(
        f"/services/{COURSE_ID}/formgrader/gradebook/{ASSESSMENT}"), location
    status, location, _ = via_link(users["ana"], [LEARNER])
    assert status == 302 and location.endswith("/hub/user-redirect/lab"), location
    hubconf.ensure_system_user(names["ana"], folder / "home")  # as the first spawn does
    home = Path(pwd.getpwnam(names["ana"]).pw_dir)
    fetched = home / ASSESSMENT
    shutil.copytree(course / "release" / ASSESSMENT, fetched)  # what Fetch puts there
    status, location, _ = via_link(users["ana"], [LEARNER])
    assert status == 302 and location.endswith(
        f"/hub/user-redirect/lab/tree/{ASSESSMENT}/{ASSESSMENT}.ipynb"), location

    # The roster from the LMS (two people a page): nbgrader's students and the hub's groups.
    api = {"CRYOCOURSE_HUB_API_URL": f"{hub.url}/hub/api",
           "CRYOCOURSE_HUB_API_TOKEN": hub.admin_token}
    roster = _course_command(owner, course, exchange, "lms", "roster", env=api)
    assert roster.returncode == 0, roster.stderr
    assert roster.stdout.count("added:") == 4 and "grader: Tom Teacher" in roster.stdout
    trainees = set(hub.api("GET", f"/groups/nbgrader-{COURSE_ID}")["users"])
    assert trainees == set(names.values()), (trainees, roster.stdout)
    graders = set(hub.api("GET", f"/groups/formgrade-{COURSE_ID}")["users"])
    assert hubconf.lti_username(lms.issuer, teacher) in graders

    # Grades: everyone hands in both; written answers wait for a hand mark.
    for key, student in names.items():
        _grade(course, owner, LESSON, student, 1.0 if key != "ben" else 0.5, None)
        _grade(course, owner, ASSESSMENT, student, 0.75, None, hours_late=30 * (key == "cai"))
    lms.drop(users["dee"])
    left = _course_command(owner, course, exchange, "lms", "roster", env=api)
    assert "dropped: Dee Brown" in left.stdout, left.stdout
    assert names["dee"] not in set(hub.api("GET", f"/groups/nbgrader-{COURSE_ID}")["users"])
    for assignment in (LESSON, ASSESSMENT):
        sent = _course_command(owner, course, exchange, "lms", "send", assignment)
        assert sent.returncode == 1 and "3 grades sent" in sent.stdout, sent.stdout
        assert "no longer in the LMS course" in sent.stdout  # Dee: held, reported
    book = lms.gradebook()
    lms.snapshots["before the hand marks"] = copy.deepcopy(book)
    assessment = book[item["label"]]
    assert {s["gradingProgress"] for s in assessment.values()} == {"PendingManual"}
    assert set(assessment) == {users[k] for k in ("ana", "ben", "cai")}
    # Hand marks, then the grades are final.
    for key in ("ana", "ben", "cai"):
        for assignment in (LESSON, ASSESSMENT):
            _grade(course, owner, assignment, names[key], 1.0 if key != "ben" else 0.5, 0.5,
                   hours_late=30 * (key == "cai" and assignment == ASSESSMENT))
    for assignment in (LESSON, ASSESSMENT):
        sent = _course_command(owner, course, exchange, "lms", "send", assignment)
        assert "3 grades sent" in sent.stdout, sent.stdout
    book = lms.gradebook()
    for assignment in (LESSON, ASSESSMENT):
        scores = lms.scores_of(assignment)
        assert set(scores) == {users[k] for k in ("ana", "ben", "cai")}, book
        assert {s["gradingProgress"] for s in scores.values()} == {"FullyGraded"}
    assert "after the due date" not in book[item["label"]][users["ana"]]["comment"]
    assert "Handed in 1 day 5 h 30 min after the due date" in \
        book[item["label"]][users["cai"]]["comment"]
    assert not [p for p in lms.score_posts if p[1] in (users["dee"], teacher)]
    assert (course / ".cryocourse" / "lms" / "tool-key.pem").stat().st_uid == owner.pw_uid
