"""A term with the school's LMS: the test LMS (lti1p3platform on 127.0.0.1), a real JupyterHub
with the real jupyterhub-ltiauthenticator, and ``cryocourse`` run by the course account.

An instructor adds the assessment to the LMS course by deep linking (the LMS makes its line
item), trainees launch it from the LMS and land on it, the roster comes from the LMS page by
page (nbgrader's students and the hub's groups). The grades are made the real way: each
trainee fetches, answers (the reference answers, or only some) and submits on their own
server; the course account collects and grades (nbgrader autograde in the sandbox); the
instructor hand-marks the written answers in the shared Formgrader. They go to the LMS
pending while written answers wait for the hand mark and fully graded after, a late hand-in
with its late state, and nothing to a learner who left or to an instructor who tried the
lesson. The LMS's gradebook is printed at the end (the term's evidence).
"""

from __future__ import annotations

import copy
import http.cookiejar
import json
import pwd
import re
import secrets
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from course.exercises.screening_cases import variant_reference
from course.models.variants import draw
from course.storage.variant_keys import key_for
from tests.hub import term_steps as steps
from tests.hub.hub_harness import require_class_server_tools, running_hub, system_accounts
from tests.hub.test_hub_config import hubconf
from tests.hub.test_lti_hub import accounts_the_hub_makes
from tests.lms.lms_platform import INSTRUCTOR, LEARNER, Launch, TestLms, read_form
from tests.nbgrader_harness import literal_answers

pytestmark = pytest.mark.hub

COURSE_ID = steps.COURSE_ID
LESSON, ASSESSMENT = "00-orientation", "05-screening-cases"
LATE = 29.5 * 3600  # how long before cai's hand-in the assessment was due (seconds)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: cookies kept, redirects seen (not followed)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def open(self, url: str, form: dict | None = None,
             token: str = "") -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Authorization": f"token {token}"} if token else {}
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as page:
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


@dataclass
class Term:
    """Who and what the term is about: the course account, its folders, the hub, the LMS,
    the trainees' LMS ids (``users``) and hub names (``names``), the instructor's."""

    lms: TestLms
    hub: Any
    owner: Any
    course: Path
    exchange: Path
    users: dict[str, str]
    names: dict[str, str]
    people: dict[str, tuple[str, str]]
    teacher: str
    teacher_name: str

    def run(self, *args: str, expect: int = 0, **options) -> str:
        """``cryocourse`` as the course account."""
        return steps.cryocourse(self.owner, self.course, self.exchange, *args, expect=expect,
                          **options)

    def hub_api_environment(self) -> dict[str, str]:
        return {"CRYOCOURSE_HUB_API_URL": f"{self.hub.url}/hub/api",
                "CRYOCOURSE_HUB_API_TOKEN": self.hub.admin_token}


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
    teacher_name = hubconf.lti_username(lms.issuer, teacher)
    try:
        with system_accounts([owner_name], folder / "home") as accounts, \
                accounts_the_hub_makes([*names.values(), teacher_name]):
            owner = accounts[owner_name]
            database = f"sqlite:///{folder / 'course' / 'gradebook.db'}"
            course = steps.make_course(folder, owner, database)
            exchange = steps.make_exchange(folder, owner)
            for assignment in (LESSON, ASSESSMENT):
                steps.cryocourse(owner, course, exchange, "release", assignment)
            # Due 1 day 5 h 30 min ago; every trainee but cai has two days' extra time.
            steps.cryocourse(owner, course, exchange, "deadline", "set", ASSESSMENT,
                             steps.iso(time.time() - LATE))
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
                setup = steps.cryocourse(owner, course, exchange, "lms", "setup",
                                         *[f"--{k.replace('_', '-')}={endpoints[k]}" for k in
                                           ("issuer", "client_id", "deployment_id",
                                            "context_id", "token_url", "lineitems_url",
                                            "memberships_url")],
                                         f"--hub-url={hub.url}", "--page-size=2")
                assert f"{hub.url}/hub/cryocourse/deep-link" in setup
                lms.register_tool(key_set_url=f"{hub.url}/hub/cryocourse/jwks",
                                  login_url=f"{hub.url}/hub/lti13/oauth_login",
                                  launch_url=f"{hub.url}/hub/cryocourse/launch",
                                  deep_link_url=f"{hub.url}/hub/cryocourse/deep-link")
                term = Term(lms, hub, owner, course, exchange, users, names, people, teacher,
                            teacher_name)
                link = _add_the_assessment_by_deep_linking(term)
                _launches_and_the_roster(term, link)
                _hand_ins(term)
                _dee_leaves(term)
                _grades_to_the_lms(term)
    finally:
        lms.stop()
        shutil.rmtree(folder, ignore_errors=True)
    lms.snapshots["after the term"] = lms.gradebook()
    with capsys.disabled():
        print(_gradebook_text(lms, users, teacher))


def _gradebook_text(lms: TestLms, users: dict[str, str], teacher: str) -> str:
    """The LMS's gradebook at each moment the test kept, one line per score."""
    who = {user: key for key, user in users.items()} | {teacher: "tom (instructor)"}
    lines = []
    for when, book in lms.snapshots.items():
        lines.append(f"\nThe test LMS's gradebook {when}:")
        for label, scores in book.items():
            lines.append(f"  {label}")
            for user, score in sorted(scores.items()):
                late = re.search(r"Handed in .*? after the due date", score.get("comment", ""))
                lines.append(
                    f"    {who.get(user, user)} ({user}): {score['scoreGiven']:g}/"
                    f"{score['scoreMaximum']:g} {score['gradingProgress']} "
                    f"({score['activityProgress']}), submitted "
                    f"{score.get('submission', {}).get('submittedAt', '?')}, "
                    f"{late[0] if late else 'on time'}")
        lines.append(f"  no score ever posted for: {_not_posted(lms, users, teacher)}")
    return "\n".join(lines)


def _not_posted(lms: TestLms, users: dict[str, str], teacher: str) -> str:
    posted = {user for _, user, _ in lms.score_posts}
    return ", ".join(f"{key} ({user})" for key, user in
                     [*users.items(), ("tom, instructor", teacher)] if user not in posted) or "-"


def _add_the_assessment_by_deep_linking(term: Term) -> dict:
    """The instructor picks the assessment; the LMS makes its activity and line item."""
    lms, hub = term.lms, term.hub
    for key, user in term.users.items():
        lms.enrol(user, [LEARNER], *term.people[key])
    lms.enrol(term.teacher, [INSTRUCTOR], "Tom", "Teacher")
    instructor = Browser()
    status, location, body = instructor.launch(lms, hub.url, Launch(term.teacher, [INSTRUCTOR],
                                                                    deep_link=True))
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
    status, _, refused = Browser().launch(lms, hub.url, Launch(term.users["dee"], [LEARNER],
                                                               deep_link=True))
    assert status == 403 and "instructors" in refused, (status, refused[:300])
    return link


def _via_link(term: Term, link: dict, user: str, roles: list[str]) -> str:
    """A launch of the deep-linked activity; where the hub sends the person."""
    browser = Browser()
    status, location, body = browser.launch(term.lms, term.hub.url, Launch(
        user, roles, resource_link=link["id"], custom=link["custom"], target=link["url"]))
    assert status == 302 and location.endswith("/hub/cryocourse/launch"), (status, body)
    status, location, _ = browser.follow(term.hub.url, location)
    assert status == 302, status
    return location


def _launches_and_the_roster(term: Term, link: dict) -> None:
    """Everyone launches the activity (the hub makes their accounts and servers); the roster
    comes from the LMS two people a page; the trainees fetch both assignments."""
    hub = term.hub
    # The instructor lands in the Formgrader on the assessment; a trainee in JupyterLab
    # (to fetch it first), then on its notebook.
    assert _via_link(term, link, term.teacher, [INSTRUCTOR]).endswith(
        f"/services/{COURSE_ID}/formgrader/gradebook/{ASSESSMENT}")
    opens = f"/hub/user-redirect/cryocourse/open/{ASSESSMENT}"  # on the trainee's server
    for user in term.users.values():
        assert _via_link(term, link, user, [LEARNER]).endswith(opens)

    roster = term.run("lms", "roster", env=term.hub_api_environment())
    assert roster.count("added:") == 4 and "grader: Tom Teacher" in roster, roster
    trainees = set(hub.api("GET", f"/groups/nbgrader-{COURSE_ID}")["users"])
    assert trainees == set(term.names.values()), (trainees, roster)
    graders = set(hub.api("GET", f"/groups/formgrade-{COURSE_ID}")["users"])
    assert term.teacher_name in graders

    hub.start_servers([*term.names.values(), term.teacher_name], timeout=300)
    ana = term.names["ana"]
    assert _lands(term, ana, ASSESSMENT) == f"/user/{ana}/lab"  # not fetched yet
    for name in term.names.values():
        for assignment in (LESSON, ASSESSMENT):
            steps.lab_action(hub, name, "fetch", assignment)
    steps.lab_action(hub, term.teacher_name, "fetch", LESSON)  # the instructor tries it
    assert (Path(pwd.getpwnam(ana).pw_dir) / ASSESSMENT / f"{ASSESSMENT}.ipynb").is_file()
    assert _via_link(term, link, term.users["ana"], [LEARNER]).endswith(opens)
    assert _lands(term, ana, ASSESSMENT) == \
        f"/user/{ana}/lab/tree/{ASSESSMENT}/{ASSESSMENT}.ipynb"
    for other in (".cryocourse", "no-such-lesson"):  # hostile names: tests/unit
        assert _lands(term, ana, other) == f"/user/{ana}/lab", other


def _lands(term: Term, name: str, assignment: str) -> str:
    """Where ``cryocourse/open`` on the trainee's own server sends them."""
    status, location, body = Browser().open(
        f"{term.hub.url}/user/{name}/cryocourse/open/{assignment}",
        token=term.hub.token_for(name))
    assert status == 302, (status, body[:300])
    return urllib.parse.urlsplit(location).path


def _own_cases(term: Term, key: str, share: float = 1.0) -> dict[str, str]:
    """Assessment 05 answered: the reference answers of the trainee's own clients (the
    first ``share`` of them), and every written answer."""
    written = {grade_id: text for grade_id, text in steps.reference_answers(ASSESSMENT).items()
               if not grade_id.endswith("_answer")}
    cases = variant_reference(draw(ASSESSMENT, key_for(term.course, term.names[key])))
    chosen = list(cases.items())[:round(len(cases) * share)]
    return {**written, **{f"{item}_answer": literal_answers(values) for item, values in chosen}}


def _hand_ins(term: Term) -> None:
    """Each trainee answers on their own server and submits (and the instructor tries the
    lesson); cai hands the assessment in after its due date, the others have extra time."""
    hub = term.hub
    for key in ("ana", "ben", "dee"):
        term.run("extension", term.names[key], ASSESSMENT, "--hours", "48")
    lesson = steps.reference_answers(LESSON)
    # ben: the first answer and the written one (a blank written answer is 0, by nbgrader,
    # with no hand mark to wait for).
    partly = {k: v for number, (k, v) in enumerate(lesson.items())
              if number == 0 or not k.endswith("_answer")}
    for key, name in term.names.items():
        steps.answer_and_submit(hub, name, LESSON, partly if key == "ben" else lesson)
    steps.answer_and_submit(hub, term.teacher_name, LESSON, lesson)
    for key in term.names:
        steps.answer_and_submit(hub, term.names[key], ASSESSMENT,
                                _own_cases(term, key, 0.5 if key == "ben" else 1.0))


def _dee_leaves(term: Term) -> None:
    term.lms.drop(term.users["dee"])
    left = term.run("lms", "roster", env=term.hub_api_environment())
    assert "dropped: Dee Brown" in left, left
    trainees = set(term.hub.api("GET", f"/groups/nbgrader-{COURSE_ID}")["users"])
    assert term.names["dee"] not in trainees, trainees


def _grades_to_the_lms(term: Term) -> None:
    """Collected and graded (nbgrader autograde, sandboxed): ``cryocourse grade`` sends the
    grades, pending; the instructor's hand marks in the Formgrader, then ``lms send``: fully
    graded. Nothing for Dee (dropped) or Tom (an instructor)."""
    lms, hub, users, names = term.lms, term.hub, term.users, term.names
    learners = {users[k] for k in ("ana", "ben", "cai")}
    for assignment in (LESSON, ASSESSMENT):
        collected = term.run("collect", assignment, output="both")
        if assignment == ASSESSMENT:  # cai's hand-in is late; everyone else's on time
            assert "after the due date" in collected.split(f"{names['cai']}:", 1)[1], collected
        if assignment == LESSON:
            graded = term.run("grade", assignment, "--workers", "2")
            assert "3 grades sent to the LMS" in graded, graded  # grading sends them
            assert "no longer in the LMS course" in graded, graded  # Dee: held, said why
            assert "not a learner in the LMS course" in graded, graded  # Tom tried it
            continue
        with lms.down():  # the LMS is down while the assessment is graded: nothing lost
            graded = term.run("grade", assignment, "--workers", "2")
        assert "could not be reached" in graded and "Nothing is lost" in graded, graded
        assert "6 grades could not be sent and wait in the outbox" in graded, graded
        assert not lms.scores_of(ASSESSMENT)
        later = term.run("lms", "send", assignment, expect=1)  # Dee's and Tom's wait
        assert "3 grades sent to the LMS" in later, later
    book = lms.gradebook()
    lms.snapshots["after grading, before the hand marks"] = copy.deepcopy(book)
    for assignment in (LESSON, ASSESSMENT):
        scores = lms.scores_of(assignment)
        assert set(scores) == learners, book
        assert {s["gradingProgress"] for s in scores.values()} == {"PendingManual"}, scores
        assert {s["activityProgress"] for s in scores.values()} == {"Submitted"}, scores
        assert scores[users["ana"]]["scoreGiven"] < scores[users["ana"]]["scoreMaximum"]
    again = term.run("lms", "send", ASSESSMENT, expect=1)  # Dee's and Tom's wait: status 1
    assert "0 grades sent" in again and "3 unchanged" in again, again  # idempotent

    # The instructor hand-marks the written answers in the shared Formgrader.
    status = f"/services/{COURSE_ID}/formgrader/api/status"
    steps.wait_for(lambda: hub.request("GET", status, hub.token_for(term.teacher_name)
                                       ).status == 200, 60, hub)
    for key, fraction in (("ana", 1.0), ("ben", 0.5), ("cai", 1.0)):
        for assignment in (LESSON, ASSESSMENT):
            for grade in steps.written_grades(hub, term.teacher_name, names[key], assignment):
                steps.set_manual(hub, term.teacher_name, grade, grade["max_score"] * fraction)
    posts = len(lms.score_posts)
    for assignment in (LESSON, ASSESSMENT):
        dry = term.run("lms", "send", assignment, "--dry-run", expect=1)
        assert f"Dry run: nothing was sent. 3 grades of {assignment}" in dry, dry
        assert "FullyGraded" in dry, dry
    assert len(lms.score_posts) == posts  # the dry run sent nothing
    for assignment in (LESSON, ASSESSMENT):
        sent = term.run("lms", "send", assignment, expect=1)  # Dee's and Tom's still held
        assert "3 grades sent" in sent, sent
    book = lms.gradebook()
    for assignment in (LESSON, ASSESSMENT):
        scores = lms.scores_of(assignment)
        assert set(scores) == learners, book
        assert {s["gradingProgress"] for s in scores.values()} == {"FullyGraded"}, scores
        ana, ben = scores[users["ana"]], scores[users["ben"]]
        assert ana["scoreGiven"] == ana["scoreMaximum"], ana  # the reference earns it all
        assert ben["scoreGiven"] < ana["scoreGiven"], (ben, ana)
        assert all(s["submission"]["submittedAt"] for s in scores.values())
        formgrader = steps.formgrader_scores(hub, term.teacher_name, assignment)
        assert ana["scoreGiven"] == formgrader[names["ana"]], (ana, formgrader)
    assessment = lms.scores_of(ASSESSMENT)
    assert "after the due date" not in assessment[users["ana"]]["comment"]
    late = assessment[users["cai"]]["comment"]
    assert "Handed in 1 day " in late and "after the due date" in late, late
    assert "after the due date" not in lms.scores_of(LESSON)[users["cai"]]["comment"]
    assert not [p for p in lms.score_posts if p[1] in (users["dee"], term.teacher)]
    assert (term.course / ".cryocourse" / "lms" / "tool-key.pem").stat().st_uid == \
        term.owner.pw_uid
