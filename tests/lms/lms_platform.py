"""A test LMS on 127.0.0.1: the LTI 1.3 platform of the ``lti1p3platform`` library.

The library is the platform: it signs launches and deep-linking requests with the
platform's key, issues access tokens after checking the tool's signed client assertion
against the tool's key set, checks each service call's token and scopes, and checks a
deep-linking answer's signature and content. Like every LMS built on it (its Django example
does the same with models), the LMS around it keeps the data: the course's people, its line
items and their scores (the gradebook), and serves the library over HTTP. That part is here,
with what real platforms do that the library leaves to them: a score is refused for someone
who is not an active learner (Canvas, Brightspace), an older score never replaces a newer
one (AGS 2.0 §3.4.6), containers are paged with ``Link: rel=next``.

``TestLms.stop()`` takes it off the network (connections refused, as when the LMS is down);
``start()`` brings it back on the same port with its data. ``busy`` makes it answer the
next requests ``503 Service Unavailable`` (an overloaded LMS), ``busy_after_scores`` from
the moment it has taken that many scores (an LMS that fails in the middle of a send).
"""

from __future__ import annotations

import html.parser
import http.server
import itertools
import json
import secrets
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform import exceptions as lti_errors
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import generate_next_link
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
)

from tests.hub.postgres_harness import free_port

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
LEARNER = f"{MEMBERSHIP}#Learner"
INSTRUCTOR = f"{MEMBERSHIP}#Instructor"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim"


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class _Config(LTI1P3PlatformConfAbstract):
    """The library's platform configuration: one registration (the course's tool)."""

    def init_platform_config(self, registration: Registration) -> None:  # type: ignore[override]
        self._registration = registration

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        assert self._registration is not None
        return self._registration


class _HttpRequest(Request):
    """The library's request, from the standard library's HTTP handler."""

    def build_metadata(self, request: Any) -> TRequest:
        handler, body = request
        parts = urllib.parse.urlsplit(handler.path)
        query: dict[str, Any] = dict(urllib.parse.parse_qsl(parts.query))
        for number in ("page", "limit"):
            if number in query:
                query[number] = int(query[number])
        content_type = handler.headers.get("Content-Type", "")
        form = dict(urllib.parse.parse_qsl(body.decode())) if "urlencoded" in content_type \
            else {}
        document = json.loads(body) if body and "json" in content_type else None
        return {"method": handler.command, "form_data": form, "get_data": query,
                "headers": {k: v for k, v in handler.headers.items()},
                "content_type": content_type, "path": parts.path, "json": document}


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


@dataclass
class Launch:
    """What the LMS will say in one launch (looked up by its message hint)."""

    user_id: str
    roles: list[str]
    resource_link: str = "course-home"
    custom: dict[str, str] = field(default_factory=dict)
    deep_link: bool = False
    target: str = ""
    person: dict[str, str] = field(default_factory=dict)


class TestLms:
    """An LMS with one course, one registered tool, its people, line items and scores."""

    __test__ = False  # not a test class

    def __init__(self, issuer: str = "https://lms.test.example", client_id: str = "cryocourse",
                 deployment_id: str = "deployment-1", context_id: str = "CRYO-2026") -> None:
        self.issuer, self.client_id = issuer, client_id
        self.deployment_id, self.context_id = deployment_id, context_id
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        private, public = _pem_pair()
        self.registration = (Registration().set_iss(issuer).set_client_id(client_id)
                             .set_deployment_id(deployment_id)
                             .set_platform_private_key(private)
                             .set_platform_public_key(public))
        self.config = _Config(registration=self.registration)
        self.members: list[dict[str, Any]] = []
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: dict[str, dict[str, dict[str, Any]]] = {}  # line item -> user -> score
        self.score_posts: list[tuple[str, str, int]] = []  # (line item, user, status)
        self.token_requests: list[dict[str, str]] = []  # (scopes asked, granted or error)
        self.links: list[dict[str, Any]] = []  # resource links made by deep linking
        self.requests: list[str] = []  # "METHOD path?query" of every request served
        self.launches: dict[str, Launch] = {}
        self.snapshots: dict[str, dict] = {}  # the gradebook at moments a test names
        self.busy = 0  # the next requests are answered 503 (counted down)
        self.busy_after_scores: int | None = None  # busy for good after that many scores
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    # --- the tool's registration -----------------------------------------------------------
    def register_tool(self, key_set: dict | None = None, key_set_url: str = "",
                      login_url: str = "", launch_url: str = "",
                      deep_link_url: str = "") -> None:
        """The tool's public keys (a set, or the URL the LMS reads it from) and its URLs."""
        if key_set is not None:
            self.registration.set_tool_key_set(key_set)  # type: ignore[arg-type]
        if key_set_url:
            self.registration.set_tool_key_set(None)  # type: ignore[arg-type]  # read the URL again
            self.registration.set_tool_key_set_url(key_set_url)
        if login_url:
            self.registration.set_oidc_login_url(login_url)
        if launch_url:
            self.registration.set_launch_url(launch_url)
        if deep_link_url:
            self.registration.set_deeplink_launch_url(deep_link_url)

    def endpoints(self) -> dict[str, str]:
        """The values an LMS shows when the tool is added (what `cryocourse lms setup` takes)."""
        return {"issuer": self.issuer, "client_id": self.client_id,
                "deployment_id": self.deployment_id, "context_id": self.context_id,
                "token_url": f"{self.url}/token", "lineitems_url": f"{self.url}/lineitems",
                "memberships_url": f"{self.url}/memberships",
                "authorize_url": f"{self.url}/authorize", "jwks_url": f"{self.url}/jwks"}

    # --- people ----------------------------------------------------------------------------
    def enrol(self, user_id: str, roles: list[str], given: str = "", family: str = "",
              status: str = "Active") -> None:
        self.members = [m for m in self.members if m["user_id"] != user_id]
        self.members.append({"user_id": user_id, "roles": roles, "status": status,
                             "given_name": given, "family_name": family,
                             "name": f"{given} {family}".strip(),
                             "email": f"{user_id}@school.example"})

    def drop(self, user_id: str) -> None:
        """The learner leaves the course (the LMS lists them as Deleted, as NRPS allows)."""
        for member in self.members:
            if member["user_id"] == user_id:
                member["status"] = "Deleted"

    def is_learner(self, user_id: str) -> bool:
        return any(m["user_id"] == user_id and m["status"] == "Active" and LEARNER in m["roles"]
                   for m in self.members)

    # --- what the tool sees of the gradebook --------------------------------------------
    def gradebook(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Line item label -> user id -> the score as the LMS stores it."""
        return {item["label"]: dict(self.scores.get(item_id, {}))
                for item_id, item in self.line_items.items()}

    def scores_of(self, resource_id: str) -> dict[str, dict[str, Any]]:
        """User id -> score of the line item of ``resource_id`` (none: {})."""
        item = self.line_item_by_resource(resource_id)
        return dict(self.scores.get(item["id"], {})) if item else {}

    def line_item_by_resource(self, resource_id: str) -> dict[str, Any] | None:
        return next((i for i in self.line_items.values() if i.get("resourceId") == resource_id),
                    None)

    # --- launches --------------------------------------------------------------------------
    def login_initiation(self, launch: Launch) -> str:
        """The URL the LMS sends the browser to (the tool's OIDC login initiation)."""
        hint = secrets.token_hex(8)
        self.launches[hint] = launch
        login = _Login(None, self.config)
        login.set_lti_message_hint(hint=hint)
        if launch.deep_link:
            login.set_deeplinking_launch_url()
        elif launch.target:
            login.set_launch_url(launch.target)
        return login.initiate_login(launch.user_id)

    # --- serving -----------------------------------------------------------------------------
    def start(self) -> TestLms:
        lms = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                lms._serve(self)

            do_POST = do_PUT = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @contextmanager
    def down(self):
        """The LMS is off the network for the block (connections refused)."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def _serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = _HttpRequest((handler, body))
        path = request.path.rstrip("/")
        self.requests.append(f"{handler.command} {handler.path}")
        try:
            with self._lock:
                if self.busy:
                    self.busy -= 1
                    status, headers, payload = 503, {"Retry-After": "1"}, {
                        "error": "temporarily_unavailable"}
                else:
                    status, headers, payload = self._route(request, path)
        except (jwt.PyJWTError, lti_errors.LtiException) as error:
            status, headers, payload = 401, {}, {"error": "invalid_token",
                                                  "error_description": str(error)}
        if isinstance(payload, str):
            data, kind = payload.encode(), "text/html; charset=utf-8"
        else:
            data, kind = json.dumps(payload).encode(), headers.pop("Content-Type",
                                                                   "application/json")
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, request: _HttpRequest, path: str) -> tuple[int, dict, Any]:
        if path == "/jwks":
            return 200, {}, self.config.get_jwks()
        if path == "/token":
            return self._token(request)
        if path == "/authorize":
            return self._authorize(request)
        if path == "/deep-link-return":
            return self._deep_link_return(request)
        if path == "/memberships":
            service = _Roster(request, self.config, f"{self.url}/memberships", self)
            return self._answer(service.handle_resp(service.handle_get_members))
        if path == "/lineitems" or path.startswith("/lineitems/"):
            return self._grades(request, path)
        return 404, {}, {"error": "not found"}

    def _token(self, request: _HttpRequest) -> tuple[int, dict, Any]:
        asked = request.form_data.get("scope", "")
        try:
            answer = self.config.get_access_token(request.form_data)
        except (lti_errors.MissingRequiredClaim, lti_errors.UnsupportedGrantType,
                lti_errors.LtiException, jwt.PyJWTError, AssertionError) as error:
            self.token_requests.append({"scope": asked, "error": str(error)})
            return 401, {}, {"error": "invalid_client", "error_description": str(error)}
        self.token_requests.append({"scope": asked, "granted": answer["scope"]})
        return 200, {}, dict(answer)

    def _authorize(self, request: _HttpRequest) -> tuple[int, dict, Any]:
        launch = self.launches.get(request.get_data.get("lti_message_hint", ""))
        if launch is None:
            return 400, {}, {"error": "unknown launch"}
        message = _MessageLaunch(request, self.config)
        message.set_user_data(launch.user_id, launch.roles, **launch.person)
        message.set_launch_context_claim(self.context_id, context_title="Cosmetic cryotherapy",
                                         context_label=self.context_id)
        message.set_resource_link_claim(launch.resource_link)
        if launch.custom:
            message.set_custom_parameters_claim(launch.custom)
        if launch.target:
            message.set_launch_url(launch.target)
        # What Moodle and Canvas send with every launch (jupyterhub-ltiauthenticator 1.6.3
        # requires both in a deep-linking request).
        message.set_launch_presentation_claim("iframe", f"{self.url}/course")
        message.set_extra_claims({f"{CLAIM}/tool_platform": {
            "guid": "lms.test.example", "name": "Test LMS", "version": "0.1.8",
            "product_family_code": "lti1p3platform"}})
        message.set_ags(f"{self.url}/lineitems")
        message.set_nrps(f"{self.url}/memberships")
        if launch.deep_link:
            message.set_dl(f"{self.url}/deep-link-return", title="Add from the course",
                           accept_types={"ltiResourceLink"},
                           extra_data={"opaque": "kept-by-the-lms"})
        return 200, {}, message.lti_launch()

    def _deep_link_return(self, request: _HttpRequest) -> tuple[int, dict, Any]:
        items = self.config.validate_deeplinking_resp({"JWT": request.form_data.get("JWT")})
        made = []
        for item in items:
            link = {"id": f"link-{next(self._numbers)}", "title": item.get("title", ""),
                    "url": item.get("url", ""), "custom": item.get("custom", {})}
            self.links.append(link)
            if item.get("lineItem"):
                created = self._create_line_item({**item["lineItem"],
                                                  "resourceLinkId": link["id"]})
                link["lineItem"] = created["id"]
            made.append(link)
        return 200, {}, {"created": made}

    def _grades(self, request: _HttpRequest, path: str) -> tuple[int, dict, Any]:
        parts = path.split("/")  # ['', 'lineitems', id?, 'scores'?]
        service = _Grades(request, self.config, f"{self.url}/lineitems",
                          None if len(parts) < 3 else f"{self.url}/lineitems/{parts[2]}", self)
        if len(parts) == 2:
            handle = (service.handle_create_lineitem if request.method == "POST"
                      else service.handle_get_lineitems)
            return self._answer(service.handle_resp(handle))
        item_id = f"{self.url}/lineitems/{parts[2]}"
        if len(parts) == 4 and parts[3] == "scores":
            return self._answer(service.handle_resp(service.handle_update_score,
                                                    line_item_id=item_id))
        handle = {"GET": service.handle_get_lineitem, "PUT": service.handle_update_lineitem,
                  "DELETE": service.handle_delete_lineitem}[request.method or "GET"]
        return self._answer(service.handle_resp(handle, line_item_id=item_id))

    @staticmethod
    def _answer(response) -> tuple[int, dict, Any]:
        """The library's response as HTTP: containers as arrays, paging as a Link header."""
        headers = {"Content-Type": response.media_type}
        result = response.result
        if response.code >= 400 or result is None:
            return response.code, headers, {"error": response.message}
        if isinstance(result, dict) and "content" in result:  # a page of line items
            if result.get("next"):
                headers["Link"] = generate_next_link(result["next"])
            result = result["content"]
        elif isinstance(result, dict) and result.get("next"):  # a page of members
            headers["Link"] = generate_next_link(result.pop("next"))
        return response.code, headers, result

    def _create_line_item(self, data: dict[str, Any]) -> dict[str, Any]:
        item_id = f"{self.url}/lineitems/{next(self._numbers)}"
        item = {**data, "id": item_id}
        self.line_items[item_id] = item
        return item


class _MessageLaunch(LTIAdvantageMessageLaunchAbstract):
    def get_preflight_response(self) -> dict[str, Any]:
        assert self._request is not None
        return self._request.get_data or self._request.form_data

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        """The self-submitting form a platform sends the browser (as the library's template)."""
        fields = "".join(f'<input type="hidden" name="{name}" value="{launch_data[name]}">'
                         for name in ("id_token", "state"))
        return (f'<form method="post" action="{launch_data["launch_url"]}">{fields}</form>'
                "<script>document.forms[0].submit()</script>")


class _Grades(AssignmentsGradesService):
    """AGS 2.0 over the test LMS's line items and scores."""

    def __init__(self, request, config, lineitems_url, lineitem_url, lms: TestLms) -> None:
        super().__init__(request, config, lineitems_url, lineitem_url)
        self.lms = lms

    def find_lineitems(self, page: int = 1, limit: int | None = None,
                       line_item_id: str | None = None, resource_link_id: str | None = None,
                       resource_id: str | None = None, tag: str | None = None, **_: Any):
        items = [i for i in self.lms.line_items.values()
                 if (resource_id is None or i.get("resourceId") == resource_id)
                 and (resource_link_id is None or i.get("resourceLinkId") == resource_link_id)
                 and (tag is None or i.get("tag") == tag)]
        size = limit or len(items) or 1
        chunk = items[(page - 1) * size: page * size]
        return {"content": chunk, "has_next": page * size < len(items), "next": None}

    def find_lineitem(self, line_item_id: str):
        try:
            return self.lms.line_items[line_item_id]
        except KeyError:
            raise lti_errors.LineItemNotFoundException(line_item_id) from None

    def create_lineitem(self, creation_data):
        return self.lms._create_line_item(dict(creation_data))

    def update_lineitem(self, update_data):
        item = self.find_lineitem(update_data["id"])
        item.update(update_data)
        return item

    def delete_lineitem(self, line_item_id: str) -> None:
        self.find_lineitem(line_item_id)
        del self.lms.line_items[line_item_id]

    def update_score(self, line_item_id: str, score) -> UpdateScoreStatus:
        self.find_lineitem(line_item_id)
        user = str(score.get("userId", ""))
        kept = self.lms.scores.setdefault(line_item_id, {})
        if not self.lms.is_learner(user):
            status = UpdateScoreStatus.NOTAPPLIED  # only learners have grades (Canvas, D2L)
        elif user in kept and kept[user]["timestamp"] > score.get("timestamp", ""):
            status = UpdateScoreStatus.OLD_TIMESTAMP
        else:
            status = UpdateScoreStatus.SUCCESS if user in kept else UpdateScoreStatus.CREATED
            kept[user] = dict(score)
            taken = sum(1 for post in self.lms.score_posts if post[2] in ("created", "success"))
            if self.lms.busy_after_scores is not None and taken + 1 >= \
                    self.lms.busy_after_scores:
                self.lms.busy = 10**6
        self.lms.score_posts.append((line_item_id, user, status.value))
        return status

    def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                    user_id: str | None = None, **_: Any):
        kept = self.lms.scores.get(line_item_id, {})
        results = [{"id": f"{line_item_id}/results/{user}", "userId": user,
                    "resultScore": s.get("scoreGiven"), "resultMaximum": s.get("scoreMaximum"),
                    "comment": s.get("comment", ""), "scoreOf": line_item_id}
                   for user, s in kept.items() if user_id in (None, user)]
        return {"content": results, "has_next": False, "next": None}


class _Roster(NamesRoleProvisioningService):
    """NRPS 2.0 over the test LMS's people, ``limit`` per page."""

    def __init__(self, request, config, memberships_url, lms: TestLms) -> None:
        super().__init__(request, config, memberships_url)
        self.lms = lms

    def get_member_data_page(self, page: int = 1, limit: int | None = None,
                             role: str | None = None, since: str | None = None, **_: Any):
        people = [dict(m) for m in self.lms.members if role is None or role in m["roles"]]
        size = limit or len(people) or 1
        return {"content": people[(page - 1) * size: page * size],
                "has_next": page * size < len(people), "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=self.lms.context_id, label=self.lms.context_id,
                       title="Cosmetic cryotherapy")


class _Form(html.parser.HTMLParser):
    """The auto-submitting form of a platform's or a tool's page (as a browser reads it)."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action") or ""
        elif tag == "input" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""


def read_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the first form on ``page``."""
    parser = _Form()
    parser.feed(page)
    return parser.action, parser.fields
