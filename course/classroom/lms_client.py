"""The LTI Advantage services of the school's LMS, as the tool calls them.

* Tokens: OAuth 2 client credentials with a signed JWT (IMS Security Framework §4.1),
  asked for with exactly the scopes one job needs, kept until shortly before they expire.
* Names and Role Provisioning (NRPS 2.0): the course's memberships, page after page
  (``Link: <...>; rel="next"``).
* Assignment and Grade Services (AGS 2.0): line items found by ``resource_id`` or made,
  scores posted to ``<line item>/scores``.

Every call is retried with back-off when the LMS cannot be reached or answers 429/5xx; a
401 is answered once with a fresh token. What is left is raised as ``LmsUnreachable``
(try again later: nothing is lost) or ``LmsRefused`` (the LMS said no: its words kept).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from course.storage.lms_settings import PlatformSettings, ToolKey

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope"
SCOPE_LINEITEM = f"{AGS}/lineitem"
SCOPE_SCORE = f"{AGS}/score"
SCOPE_MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
GRADES_SCOPES = frozenset({SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_MEMBERSHIP})  # lms send
ROSTER_SCOPES = frozenset({SCOPE_MEMBERSHIP})  # lms roster
MEDIA_LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_SCORE = "application/vnd.ims.lis.v1.score+json"
MEDIA_MEMBERS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
LEARNER_ROLES = frozenset({f"{MEMBERSHIP}#Learner", f"{MEMBERSHIP}/Learner#Learner", "Learner"})
GRADER_ROLES = frozenset({f"{MEMBERSHIP}#Instructor", f"{MEMBERSHIP}#Administrator",
                          f"{MEMBERSHIP}/Instructor#TeachingAssistant",
                          f"{MEMBERSHIP}/Instructor#Grader", "Instructor"})
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?', re.IGNORECASE)


class LmsError(Exception):
    """The LMS did not do what was asked; ``str()`` says why in plain words."""


class LmsUnreachable(LmsError):
    """The LMS could not be reached (or kept failing) after every retry."""


class LmsRefused(LmsError):
    """The LMS answered, and said no (bad token, unknown line item, a refused score)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Member:
    """One person of the LMS course, as NRPS lists them."""

    user_id: str
    roles: frozenset[str]
    status: str = "Active"
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""

    @property
    def active(self) -> bool:
        return self.status.lower() == "active"

    @property
    def learner(self) -> bool:
        """An active learner of the course: the only people scores are sent for."""
        return self.active and bool(self.roles & LEARNER_ROLES)

    @property
    def grader(self) -> bool:
        return self.active and bool(self.roles & GRADER_ROLES)


@dataclass
class LmsClient:
    """Calls to one platform's services with the tool's key."""

    settings: PlatformSettings
    key: ToolKey
    scopes: frozenset[str]  # what this job needs, and no more: one token asks for these
    attempts: int = 4
    first_delay: float = 0.5  # seconds before the first retry; doubled each time
    timeout: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    _token: tuple[str, float] = ("", 0.0)

    # --- tokens --------------------------------------------------------------------------
    def token(self) -> str:
        """An access token for exactly the job's scopes (kept until a minute before it
        expires)."""
        if self._token[0] and self._token[1] > time.time() + 60:
            return self._token[0]
        import jwt

        scopes = self.scopes

        now = int(time.time())
        assertion = jwt.encode(
            {"iss": self.settings.client_id, "sub": self.settings.client_id,
             "aud": self.settings.token_audience(), "iat": now, "exp": now + 300,
             "jti": secrets.token_hex(16)},
            self.key.pem, algorithm="RS256", headers={"kid": self.key.kid})
        form = {"grant_type": "client_credentials",
                "client_assertion_type":
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion, "scope": " ".join(sorted(scopes))}
        status, _, body = self._send("POST", self.settings.token_url,
                                     urllib.parse.urlencode(form).encode(),
                                     {"Content-Type": "application/x-www-form-urlencoded",
                                      "Accept": "application/json"})
        if status >= 400:
            raise LmsRefused("The LMS refused the tool's token request "
                             f"(HTTP {status}: {_words(body)}). Check the client id and that "
                             "the LMS has the tool's current public key (cryocourse lms key).",
                             status)
        try:
            answer = json.loads(body)
            token = answer["access_token"]
        except (ValueError, KeyError, TypeError):
            raise LmsRefused("The LMS's token answer had no access token.", status) from None
        granted = set(str(answer.get("scope", "")).split())
        if granted and not scopes <= granted:
            raise LmsRefused("The LMS granted the tool fewer services than it needs: "
                             f"{', '.join(sorted(scopes - granted))}. Turn them on in the "
                             "tool's registration.", 403)
        self._token = (token, time.time() + float(answer.get("expires_in", 3600)))
        return token

    # --- requests ------------------------------------------------------------------------
    def call(self, method: str, url: str, accept: str, body: dict | None = None,
             content_type: str = "") -> tuple[int, dict, bytes]:
        """One service call with a bearer token; a 401 is tried once with a new token."""
        data = json.dumps(body).encode() if body is not None else None
        for fresh in (False, True):
            if fresh:
                self._token = ("", 0.0)
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": accept}
            if data is not None:
                headers["Content-Type"] = content_type or "application/json"
            status, answer_headers, answer = self._send(method, url, data, headers)
            if status != 401:
                break
        if status >= 400:
            raise LmsRefused(f"HTTP {status} from {_where(url)}: {_words(answer)}", status)
        return status, answer_headers, answer

    def _send(self, method: str, url: str, data: bytes | None,
              headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """The request, retried with back-off while the LMS is unreachable or overloaded."""
        delay = self.first_delay
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(delay)
                delay *= 2
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    return answer.status, dict(answer.headers), answer.read()
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES:
                    return error.code, dict(error.headers or {}), error.read()
                problem = f"HTTP {error.code}"
            except OSError as error:  # URLError, refused, timed out
                reason = getattr(error, "reason", error)
                problem = str(reason)
        raise LmsUnreachable(f"The LMS at {_where(url)} could not be reached after "
                             f"{self.attempts} tries ({problem}).")

    def pages(self, url: str, accept: str) -> Iterator[Any]:
        """Every page of a paged container, following ``Link: rel=next``."""
        seen = set()
        while url and url not in seen:
            seen.add(url)
            _, headers, body = self.call("GET", url, accept)
            yield json.loads(body or b"{}")
            links = " ".join(v for k, v in headers.items() if k.lower() == "link")
            found = _NEXT.search(links)
            url = urllib.parse.urljoin(url, found[1]) if found else ""

    # --- NRPS ------------------------------------------------------------------------------
    def members(self) -> list[Member]:
        """The whole membership of the LMS course, every page."""
        url = _with_query(self.settings.memberships_url, limit=str(self.settings.page_size))
        people: dict[str, Member] = {}
        for page in self.pages(url, MEDIA_MEMBERS):
            for raw in page.get("members", []):
                if not isinstance(raw, dict) or not raw.get("user_id"):
                    continue
                people[str(raw["user_id"])] = Member(
                    user_id=str(raw["user_id"]), roles=frozenset(raw.get("roles") or []),
                    status=str(raw.get("status") or "Active"), name=str(raw.get("name") or ""),
                    given_name=str(raw.get("given_name") or ""),
                    family_name=str(raw.get("family_name") or ""),
                    email=str(raw.get("email") or ""))
        return list(people.values())

    # --- AGS -----------------------------------------------------------------------------
    def line_item(self, resource_id: str, label: str, maximum: float) -> dict:
        """The line item of ``resource_id``; made (with label and maximum) if there is none."""
        url = _with_query(self.settings.lineitems_url, resource_id=resource_id)
        for page in self.pages(url, MEDIA_LINEITEMS):
            items = page if isinstance(page, list) else page.get("content", page.get(
                "lineItems", []))
            for item in items:
                if isinstance(item, dict) and item.get("resourceId") == resource_id:
                    return item
        _, _, body = self.call("POST", self.settings.lineitems_url, MEDIA_LINEITEM,
                               {"label": label, "scoreMaximum": maximum,
                                "resourceId": resource_id, "tag": "cryocourse"},
                               content_type=MEDIA_LINEITEM)
        return json.loads(body)

    def post_score(self, line_item_url: str, score: dict) -> int:
        """POST one score to the line item's scores endpoint; the HTTP status."""
        parts = urllib.parse.urlsplit(line_item_url)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc,
                                       parts.path.rstrip("/") + "/scores", parts.query,
                                       parts.fragment))
        status, _, _ = self.call("POST", url, "application/json", score,
                                 content_type=MEDIA_SCORE)
        return status


def _with_query(url: str, **extra: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query) + list(extra.items())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path,
                                    urllib.parse.urlencode(query), parts.fragment))


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _words(body: bytes) -> str:
    """What the LMS said, short (its JSON error, or its text)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            text = str(data.get("error_description") or data.get("error")
                       or data.get("message") or data)
    except ValueError:
        pass
    return text[:200] or "no reason given"
