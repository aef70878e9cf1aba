"""A stateful GitHub-compatible REST server for tests: real HTTP on 127.0.0.1.

Tests use it through the ``gh_server`` fixture::

    from ghserver import gh_server  # noqa: F401

    def test_something(gh_server):
        gh_server.add_issue(459, "session.update race", body="- [ ] fix")
        gh = GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0)
        ...
        assert [r.method for r in gh_server.requests] == ["GET"]

The API lives under a GitHub Enterprise Server style prefix (``/api/v3``) so that a client
that drops the base path, or a response URL that does not carry it, fails loudly. Every URL
in a response is built from the server's own base. The subset served:

- ``GET /repos/{o}/{r}``
- ``GET|PATCH /repos/{o}/{r}/issues/{n}`` (title, body, state, state_reason, labels)
- ``GET|POST /repos/{o}/{r}/issues/{n}/comments`` (``per_page``/``page`` + ``Link`` headers)
- ``GET|DELETE /repos/{o}/{r}/issues/comments/{id}``
- ``GET|POST /repos/{o}/{r}/issues/{n}/sub_issues`` (POST ``{"sub_issue_id": id}``)
- ``GET /repos/{o}/{r}/commits/{sha}/check-runs`` and ``GET …/commits/{sha}/status``
- ``GET|POST /repos/{o}/{r}/releases``, ``GET …/releases/{id}``, ``GET …/releases/tags/{tag}``
  (drafts are listed but not found by tag, as on GitHub; a second release of a tag and notes
  beyond 125,000 characters answer 422)

Anything else answers 404 ``{"message": "Not Found"}``. Bodies and comments beyond 65,536
characters answer 422, as GitHub does.

Fault injection (:meth:`GitHubServer.inject`) matches a method and a regular expression
searched in the path *relative to the API base* (``/repos/acme/widgets/issues/1``):

- ``status=500`` (or 502, 503, 403, 429…): answer that status, perform nothing;
- ``retry_after=N``: add ``Retry-After: N`` (status defaults to 403, secondary rate limit);
- ``reset_in=N``: a primary rate limit: ``X-RateLimit-Remaining: 0`` and
  ``X-RateLimit-Reset: now+N`` (status defaults to 403);
- ``delay=S``: sleep S seconds before answering. Without ``status`` the request is performed
  first and only the answer is late, which is how a write "lands but times out";
- ``drop=True``: close the connection without an answer, at once (the client sees a lost
  connection, not a timeout). Without ``status`` the request is performed first (the answer
  is lost), with ``status`` it is not (the request is lost);
- ``store_then_fail=True``: perform the request, then answer 502 (or ``status``);
- ``land_after=S``: answer 502 (or ``status``) at once and perform the request S seconds
  later (a write GitHub stores *after* it answered an error: the late-landing duplicate); a
  ``threading.Event`` instead of S performs it when the test sets the event, and
  :meth:`GitHubServer.wait_landed` waits until every late request is performed;
- ``raw=(status, content_type, text)`` (with ``headers``): answer exactly that, perform
  nothing (a 200 HTML page from a proxy, a 301 to another host);
- ``mutate=fn``: perform the request, then answer ``fn(doc)`` (fields of the wrong type).

A fault applies to the next ``times`` matching requests (``None``: every one). Faulted
requests are logged like any other.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

API_PREFIX = "/api/v3"
MAX_BODY = 65536
DEFAULT_REPO = "acme/widgets"
DEFAULT_TOKEN = "ghp_TESTtoken0123456789abcdefSECRET42"
RATE_LIMIT = 5000

_STATE_REASONS = ("completed", "not_planned", "reopened", None)
_SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


class LoggedRequest(NamedTuple):
    """One request as the server received it (path relative to the API base)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    store_then_fail: bool = False
    times: int | None = 1
    reset_in: int | None = None
    message: str | None = None
    land_after: "float | threading.Event | None" = None
    raw: tuple[int, str, str] | None = None
    headers: dict[str, str] | None = None
    mutate: Callable[[Any], Any] | None = None
    drop: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.pattern.search(path) is not None


@dataclass
class _Repo:
    owner: str
    name: str
    id: int
    default_branch: str = "main"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    sub_issues: dict[int, list[int]] = field(default_factory=dict)  # parent number -> child ids
    check_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    releases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class _Reply(Exception):
    """Raised by a handler to answer with an error document."""

    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.doc = {"message": message, **extra}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(prefix: str, n: int) -> str:
    return prefix + base64.b64encode(f"{n:012d}".encode()).decode().rstrip("=")


def _validation(resource: str, field_: str, message: str) -> _Reply:
    return _Reply(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "code": "custom", "field": field_, "message": message}],
        documentation_url="https://docs.github.com/rest",
    )


class GitHubServer:
    """The state, the WSGI app and the test helpers. Start with :meth:`start`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.token = DEFAULT_TOKEN
        # token -> "write" | "read" | "none"
        self.tokens: dict[str, str] = {DEFAULT_TOKEN: "write"}
        self.requests: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self.sub_issues_supported = True
        self._repos: dict[str, _Repo] = {}
        self._ids = itertools.count(1)
        self._issue_ids = itertools.count(3_000_000_001, 17)
        self._comment_ids = itertools.count(1_900_000_001, 13)
        self._run_ids = itertools.count(28_000_000_001, 7)
        self._status_ids = itertools.count(31_000_000_001, 5)
        self._release_ids = itertools.count(190_000_001, 11)
        self._used: dict[str, int] = {}
        self._landing: list[threading.Thread] = []
        self._reset = int(time.time()) + 3600
        self.repo = DEFAULT_REPO
        self.add_repo(DEFAULT_REPO)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "GitHubServer":
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT`` (where html_url links point)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL to give to clients (``http://127.0.0.1:PORT/api/v3``)."""
        return self.root + API_PREFIX

    # ------------------------------------------------------------------ test helpers

    def add_repo(self, full_name: str, default_branch: str = "main") -> None:
        owner, name = full_name.split("/")
        with self._lock:
            self._repos[full_name] = _Repo(owner, name, next(self._ids) + 700_000_000, default_branch)

    def add_token(self, token: str, access: str = "write") -> str:
        """Register a token: ``write`` (everything), ``read`` (GETs only), ``none`` (403)."""
        assert access in ("write", "read", "none"), access
        self.tokens[token] = access
        return token

    def add_issue(
        self,
        number: int,
        title: str,
        body: str | None = "",
        labels: tuple[str, ...] | list[str] = (),
        state: str = "open",
        *,
        state_reason: str | None = None,
        user: str = "octocat",
        repo: str | None = None,
    ) -> dict[str, Any]:
        r = self._repo(repo)
        with self._lock:
            now = _now()
            issue_id = next(self._issue_ids)
            r.issues[number] = {
                "number": number,
                "id": issue_id,
                "node_id": _node_id("I_kwDO", issue_id),
                "title": title,
                "body": body,
                "labels": list(labels),
                "state": state,
                "state_reason": state_reason if state == "closed" else None,
                "user": user,
                "created_at": now,
                "updated_at": now,
                "closed_at": now if state == "closed" else None,
                "closed_by": user if state == "closed" else None,
            }
            if state == "closed" and state_reason is None:
                r.issues[number]["state_reason"] = "completed"
            r.comments.setdefault(number, [])
            return self._issue_json(r, r.issues[number])

    def add_comment(self, number: int, body: str, *, user: str = "octocat", repo: str | None = None) -> dict[str, Any]:
        r = self._repo(repo)
        with self._lock:
            return self._store_comment(r, number, body, user)

    def issue(self, number: int, repo: str | None = None) -> dict[str, Any]:
        """The issue as ``GET /repos/{o}/{r}/issues/{n}`` would answer it."""
        r = self._repo(repo)
        with self._lock:
            return self._issue_json(r, r.issues[number])

    def comments(self, number: int, repo: str | None = None) -> list[dict[str, Any]]:
        r = self._repo(repo)
        with self._lock:
            return [self._comment_json(r, number, c) for c in r.comments.get(number, [])]

    def sub_issues(self, number: int, repo: str | None = None) -> list[dict[str, Any]]:
        """The child issues of #number (issue documents, in the order they were linked)."""
        r = self._repo(repo)
        with self._lock:
            return [self._issue_json(r, self._by_id(r, cid)) for cid in r.sub_issues.get(number, [])]

    def add_check_run(
        self, sha: str, name: str, status: str = "completed", conclusion: str | None = "success", repo: str | None = None
    ) -> dict[str, Any]:
        r = self._repo(repo)
        with self._lock:
            run_id = next(self._run_ids)
            run = {"id": run_id, "name": name, "status": status, "conclusion": conclusion, "head_sha": sha}
            r.check_runs.setdefault(sha, []).append(run)
            return self._check_run_json(r, run)

    def add_status(self, sha: str, context: str, state: str, description: str = "", repo: str | None = None) -> dict[str, Any]:
        r = self._repo(repo)
        with self._lock:
            sid = next(self._status_ids)
            st = {"id": sid, "context": context, "state": state, "description": description, "created_at": _now()}
            r.statuses.setdefault(sha, []).append(st)
            return self._status_json(r, st)

    def releases(self, repo: str | None = None) -> list[dict[str, Any]]:
        """Every release of the repository as ``GET …/releases`` would list it (newest first)."""
        r = self._repo(repo)
        with self._lock:
            return [self._release_json(r, rel) for rel in reversed(r.releases)]

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        store_then_fail: bool = False,
        times: int | None = 1,
        *,
        reset_in: int | None = None,
        message: str | None = None,
        land_after: "float | threading.Event | None" = None,
        raw: tuple[int, str, str] | None = None,
        headers: dict[str, str] | None = None,
        mutate: Callable[[Any], Any] | None = None,
        drop: bool = False,
    ) -> Fault:
        """Make the next ``times`` requests matching ``method`` (or ``*``) and the path fail."""
        if status is None and (retry_after is not None or reset_in is not None):
            status = 403
        if (store_then_fail or land_after is not None) and status is None:
            status = 502
        fault = Fault(
            method.upper() if method != "*" else "*",
            re.compile(path_regex),
            status,
            retry_after,
            delay,
            store_then_fail,
            times,
            reset_in,
            message,
            land_after,
            raw,
            headers,
            mutate,
            drop,
        )
        with self._lock:
            self.faults.append(fault)
        return fault

    def wait_landed(self, timeout: float = 10) -> None:
        """Block until every late-landing request (``land_after``) has been performed."""
        for thread in list(self._landing):
            thread.join(timeout)
            assert not thread.is_alive(), "a late-landing request did not land"

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, method: str | None = None, path_regex: str | None = None) -> int:
        """How many logged requests match the method and the path expression."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            )

    # ------------------------------------------------------------------ WSGI

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        req = Request(environ)
        return self._handle(req)(environ, start_response)

    def _handle(self, req: Request) -> Response:
        path = req.path
        rel = path[len(API_PREFIX):] if path.startswith(API_PREFIX + "/") else path
        raw = req.get_data(as_text=True)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        method = req.method.upper()
        with self._lock:
            self.requests.append(LoggedRequest(method, rel, dict(req.args.items()), body))
            fault = self._take_fault(method, rel)
        token = self._token_of(req)

        if fault is not None and fault.raw is not None:
            status, ctype, text = fault.raw
            resp = Response(text, status=status, content_type=ctype)
            for k, v in (fault.headers or {}).items():
                resp.headers[k] = v
            return resp
        if fault is not None and fault.land_after is not None:
            if path.startswith(API_PREFIX + "/"):
                def land() -> None:
                    if isinstance(fault.land_after, threading.Event):
                        fault.land_after.wait(30)
                    else:
                        time.sleep(fault.land_after or 0)
                    self._dispatch(method, rel, req, body, token)

                thread = threading.Thread(target=land, daemon=True)
                self._landing.append(thread)
                thread.start()
            return self._fault_response(fault, token)
        if fault is not None and fault.status is not None and not fault.store_then_fail:
            if fault.drop:
                return self._drop(req)
            if fault.delay:
                time.sleep(fault.delay)
            return self._fault_response(fault, token)

        if not path.startswith(API_PREFIX + "/"):
            resp = self._json(404, {"message": "Not Found"}, token)
        else:
            resp = self._dispatch(method, rel, req, body, token)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            return self._drop(req)
        if fault is not None and fault.store_then_fail:
            return self._fault_response(fault, token)
        if fault is not None and fault.mutate is not None:
            doc = fault.mutate(json.loads(resp.get_data(as_text=True)))
            changed = Response(json.dumps(doc), status=resp.status_code, content_type="application/json; charset=utf-8")
            for k, v in resp.headers.items():
                if k.lower() not in ("content-length", "content-type"):
                    changed.headers[k] = v
            return changed
        return resp

    @staticmethod
    def _drop(req: Request) -> Response:
        """Cut the connection: the client reads no status line at all."""
        sock = req.environ["werkzeug.socket"]
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # pragma: no cover - already closed by the client
            pass
        raise ConnectionAbortedError("dropped by an injected fault")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _fault_response(self, fault: Fault, token: str | None) -> Response:
        status = fault.status or 502
        headers: dict[str, str] = {}
        if fault.reset_in is not None:
            message = fault.message or "API rate limit exceeded for user ID 1."
            reset = int(time.time()) + int(fault.reset_in)
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
        elif status in (403, 429) and fault.retry_after is not None:
            message = fault.message or _SECONDARY_MESSAGE
        else:
            message = fault.message or {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(
                status, "Injected fault"
            )
        if fault.retry_after is not None:
            ra = fault.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        resp = self._json(status, {"message": message, "documentation_url": "https://docs.github.com/rest"}, token)
        for k, v in headers.items():
            resp.headers[k] = v
        return resp

    @staticmethod
    def _token_of(req: Request) -> str | None:
        auth = req.headers.get("Authorization", "")
        for scheme in ("token ", "Bearer ", "bearer "):
            if auth.startswith(scheme):
                return auth[len(scheme):]
        return None

    def _json(self, status: int, doc: Any, token: str | None, headers: dict[str, str] | None = None) -> Response:
        resp = Response(json.dumps(doc) if status != 204 else "", status=status, content_type="application/json; charset=utf-8")
        with self._lock:
            used = self._used.get(token or "", 0) + 1
            self._used[token or ""] = used
        resp.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
        resp.headers["X-RateLimit-Remaining"] = str(max(0, RATE_LIMIT - used))
        resp.headers["X-RateLimit-Reset"] = str(self._reset)
        resp.headers["X-RateLimit-Used"] = str(used)
        resp.headers["X-RateLimit-Resource"] = "core"
        resp.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        resp.headers["X-GitHub-Request-Id"] = f"TEST:{used:08X}"
        for k, v in (headers or {}).items():
            resp.headers[k] = v
        return resp

    # ------------------------------------------------------------------ routing

    _ROUTES: list[tuple[str, re.Pattern[str], str]] = [
        (m, re.compile(p), h)
        for m, p, h in [
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)", "_get_repo"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)", "_get_issue"),
            ("PATCH", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)", "_patch_issue"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments", "_list_comments"),
            ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments", "_create_comment"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/comments/(?P<id>\d+)", "_get_comment"),
            ("DELETE", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/comments/(?P<id>\d+)", "_delete_comment"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/sub_issues", "_list_sub_issues"),
            ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/sub_issues", "_add_sub_issue"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/check-runs", "_check_runs"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[^/]+)/status", "_combined_status"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/releases", "_list_releases"),
            ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/releases", "_create_release"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/releases/tags/(?P<tag>.+)", "_release_by_tag"),
            ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/releases/(?P<id>\d+)", "_get_release"),
        ]
    ]

    def _dispatch(self, method: str, rel: str, req: Request, body: Any, token: str | None) -> Response:
        access = self.tokens.get(token or "")
        if access is None:
            return self._json(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"},
                token,
            )
        if access == "none" or (access == "read" and method not in ("GET", "HEAD")):
            return self._json(
                403,
                {
                    "message": "Resource not accessible by personal access token",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "403",
                },
                token,
            )
        for m, pattern, handler in self._ROUTES:
            match = pattern.fullmatch(rel)
            if match and m == method:
                try:
                    with self._lock:
                        repo = self._repos.get(f"{match['o']}/{match['r']}")
                        if repo is None:
                            raise _Reply(404, "Not Found")
                        status, doc, headers = getattr(self, handler)(repo, match, req, body)
                except _Reply as reply:
                    return self._json(reply.status, reply.doc, token)
                return self._json(status, doc, token, headers)
        return self._json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, token)

    # ------------------------------------------------------------------ handlers

    def _get_repo(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, self._repo_json(r), {}

    def _get_issue(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        return 200, self._issue_json(r, self._issue(r, int(m["n"]))), {}

    def _patch_issue(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        issue = self._issue(r, int(m["n"]))
        if not isinstance(body, dict):
            raise _Reply(400, "Problems parsing JSON")
        changes: dict[str, Any] = {}
        if "title" in body:
            if not isinstance(body["title"], str) or not body["title"].strip():
                raise _validation("Issue", "title", "title cannot be blank")
            changes["title"] = body["title"]
        if "body" in body:
            if body["body"] is not None and not isinstance(body["body"], str):
                raise _Reply(422, "Invalid request.\n\nFor 'properties/body', it is not a string or null.")
            if body["body"] is not None and len(body["body"]) > MAX_BODY:
                raise _validation("Issue", "body", f"body is too long (maximum is {MAX_BODY} characters)")
            changes["body"] = body["body"]
        if "labels" in body:
            if not isinstance(body["labels"], list):
                raise _Reply(422, "Invalid request.\n\nFor 'properties/labels', it is not an array.")
            changes["labels"] = [x["name"] if isinstance(x, dict) else str(x) for x in body["labels"]]
        if "state_reason" in body and body["state_reason"] not in _STATE_REASONS:
            raise _validation("Issue", "state_reason", f"{body['state_reason']!r} is not a valid state reason")
        if "state" in body:
            if body["state"] not in ("open", "closed"):
                raise _validation("Issue", "state", f"{body['state']!r} is not a valid state")
            if body["state"] == "closed":
                if issue["state"] != "closed":
                    changes.update(closed_at=_now(), closed_by="octocat")
                changes.update(state="closed", state_reason=body.get("state_reason") or "completed")
            elif issue["state"] == "closed":
                changes.update(state="open", state_reason="reopened", closed_at=None, closed_by=None)
        elif "state_reason" in body and issue["state"] == "closed" and body["state_reason"] in ("completed", "not_planned"):
            changes["state_reason"] = body["state_reason"]
        issue.update(changes)
        issue["updated_at"] = _now()
        return 200, self._issue_json(r, issue), {}

    def _list_comments(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        n = int(m["n"])
        self._issue(r, n)
        items = [self._comment_json(r, n, c) for c in r.comments.get(n, [])]
        return self._page(items, req, f"/repos/{r.full_name}/issues/{n}/comments")

    def _create_comment(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        n = int(m["n"])
        self._issue(r, n)
        if not isinstance(body, dict) or not isinstance(body.get("body"), str) or not body["body"]:
            raise _validation("IssueComment", "body", "body wasn't supplied")
        if len(body["body"]) > MAX_BODY:
            raise _validation("IssueComment", "body", f"body is too long (maximum is {MAX_BODY} characters)")
        doc = self._store_comment(r, n, body["body"], "octocat")
        return 201, doc, {"Location": doc["url"]}

    def _get_comment(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        cid = int(m["id"])
        for n, comments in r.comments.items():
            for c in comments:
                if c["id"] == cid:
                    return 200, self._comment_json(r, n, c), {}
        raise _Reply(404, "Not Found")

    def _delete_comment(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        cid = int(m["id"])
        for comments in r.comments.values():
            for c in comments:
                if c["id"] == cid:
                    comments.remove(c)
                    return 204, None, {}
        raise _Reply(404, "Not Found")

    def _list_sub_issues(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not self.sub_issues_supported:
            raise _Reply(404, "Not Found")
        n = int(m["n"])
        self._issue(r, n)
        items = [self._issue_json(r, self._by_id(r, cid)) for cid in r.sub_issues.get(n, [])]
        return self._page(items, req, f"/repos/{r.full_name}/issues/{n}/sub_issues")

    def _add_sub_issue(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not self.sub_issues_supported:
            raise _Reply(404, "Not Found")
        n = int(m["n"])
        parent = self._issue(r, n)
        child_id = body.get("sub_issue_id") if isinstance(body, dict) else None
        if not isinstance(child_id, int) or isinstance(child_id, bool):
            raise _Reply(422, "Invalid request.\n\nFor 'properties/sub_issue_id', it is not an integer.")
        child = self._by_id(r, child_id, missing=_validation("Issue", "sub_issue_id", "Sub issue not found"))
        if child["id"] == parent["id"]:
            raise _validation("Issue", "sub_issue_id", "An issue cannot be a sub-issue of itself")
        for other, children in r.sub_issues.items():
            if child_id in children:
                raise _validation(
                    "Issue",
                    "sub_issue_id",
                    "An error occurred while adding the sub-issue to the parent issue. "
                    f"Sub issue may only have one parent (already a sub-issue of #{other})",
                )
        r.sub_issues.setdefault(n, []).append(child_id)
        return 201, self._issue_json(r, child), {}

    def _check_runs(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        sha = m["sha"]
        runs = [self._check_run_json(r, run) for run in r.check_runs.get(sha, [])]
        name = req.args.get("check_name")
        if name:
            runs = [x for x in runs if x["name"] == name]
        status, page, headers = self._page(runs, req, f"/repos/{r.full_name}/commits/{sha}/check-runs")
        return status, {"total_count": len(runs), "check_runs": page}, headers

    def _combined_status(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        sha = m["sha"]
        latest: dict[str, dict[str, Any]] = {}
        for st in r.statuses.get(sha, []):
            latest[st["context"]] = st  # the latest status per context wins
        statuses = [self._status_json(r, st) for st in latest.values()]
        states = {s["state"] for s in statuses}
        if states & {"error", "failure"}:
            state = "failure"
        elif not statuses or "pending" in states:
            state = "pending"
        else:
            state = "success"
        base = f"{self.url}/repos/{r.full_name}"
        return (
            200,
            {
                "state": state,
                "statuses": statuses,
                "sha": sha,
                "total_count": len(statuses),
                "repository": self._repo_json(r, short=True),
                "commit_url": f"{base}/commits/{sha}",
                "url": f"{base}/commits/{sha}/status",
            },
            {},
        )

    def _list_releases(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        items = [self._release_json(r, rel) for rel in reversed(r.releases)]
        return self._page(items, req, f"/repos/{r.full_name}/releases")

    def _create_release(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("tag_name"), str) or not body["tag_name"]:
            raise _validation("Release", "tag_name", "tag_name wasn't supplied")
        tag = body["tag_name"]
        if any(rel["tag_name"] == tag for rel in r.releases):
            raise _Reply(
                422,
                "Validation Failed",
                errors=[{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
                documentation_url="https://docs.github.com/rest",
            )
        notes = body.get("body") or ""
        if not isinstance(notes, str) or len(notes) > 125000:
            raise _validation("Release", "body", "body is too long (maximum is 125000 characters)")
        now = _now()
        rel = {
            "id": next(self._release_ids),
            "tag_name": tag,
            "target_commitish": body.get("target_commitish") or r.default_branch,
            "name": body.get("name") or tag,
            "body": notes,
            "draft": bool(body.get("draft", False)),
            "prerelease": bool(body.get("prerelease", False)),
            "created_at": now,
            "published_at": None if body.get("draft") else now,
        }
        r.releases.append(rel)
        doc = self._release_json(r, rel)
        return 201, doc, {"Location": doc["url"]}

    def _release_by_tag(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        for rel in r.releases:
            if rel["tag_name"] == m["tag"] and not rel["draft"]:
                return 200, self._release_json(r, rel), {}
        raise _Reply(404, "Not Found")

    def _get_release(self, r: _Repo, m: re.Match[str], req: Request, body: Any) -> tuple[int, Any, dict[str, str]]:
        for rel in r.releases:
            if rel["id"] == int(m["id"]):
                return 200, self._release_json(r, rel), {}
        raise _Reply(404, "Not Found")

    def _release_json(self, r: _Repo, rel: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{r.full_name}"
        web = f"{self.root}/{r.full_name}"
        html = f"{web}/releases/tag/{rel['tag_name']}" if not rel["draft"] else f"{web}/releases/untagged-{rel['id']}"
        return {
            "url": f"{base}/releases/{rel['id']}",
            "html_url": html,
            "assets_url": f"{base}/releases/{rel['id']}/assets",
            "upload_url": f"{self.root}/uploads/repos/{r.full_name}/releases/{rel['id']}/assets{{?name,label}}",
            "tarball_url": f"{base}/tarball/{rel['tag_name']}",
            "zipball_url": f"{base}/zipball/{rel['tag_name']}",
            "id": rel["id"],
            "node_id": _node_id("RE_kwDO", rel["id"]),
            "tag_name": rel["tag_name"],
            "target_commitish": rel["target_commitish"],
            "name": rel["name"],
            "body": rel["body"],
            "draft": rel["draft"],
            "prerelease": rel["prerelease"],
            "created_at": rel["created_at"],
            "published_at": rel["published_at"],
            "author": self._user_json("octocat"),
            "assets": [],
        }

    # ------------------------------------------------------------------ internals

    def _repo(self, full_name: str | None) -> _Repo:
        return self._repos[full_name or self.repo]

    def _issue(self, r: _Repo, n: int) -> dict[str, Any]:
        issue = r.issues.get(n)
        if issue is None:
            raise _Reply(404, "Not Found")
        return issue

    def _by_id(self, r: _Repo, issue_id: int, missing: _Reply | None = None) -> dict[str, Any]:
        for repo in (r, *self._repos.values()):
            for issue in repo.issues.values():
                if issue["id"] == issue_id:
                    return issue
        raise missing or _Reply(404, "Not Found")

    def _store_comment(self, r: _Repo, n: int, body: str, user: str) -> dict[str, Any]:
        now = _now()
        cid = next(self._comment_ids)
        comment = {"id": cid, "body": body, "user": user, "created_at": now, "updated_at": now}
        r.comments.setdefault(n, []).append(comment)
        r.issues[n]["updated_at"] = now
        return self._comment_json(r, n, comment)

    def _page(self, items: list[Any], req: Request, path: str) -> tuple[int, list[Any], dict[str, str]]:
        try:
            per_page = max(1, min(100, int(req.args.get("per_page", 30))))
            page = max(1, int(req.args.get("page", 1)))
        except ValueError:
            raise _Reply(422, "Invalid request: per_page and page must be integers") from None
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        others = {k: v for k, v in req.args.items() if k not in ("page", "per_page")}

        def link(p: int) -> str:
            return f"{self.url}{path}?{urlencode({**others, 'per_page': per_page, 'page': p})}"

        rels = []
        if page < last:
            rels += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            rels += [f'<{link(1)}>; rel="first"', f'<{link(page - 1)}>; rel="prev"']
        return 200, chunk, ({"Link": ", ".join(rels)} if rels else {})

    def _user_json(self, login: str) -> dict[str, Any]:
        uid = 1 if login == "octocat" else 1000 + sum(map(ord, login))
        return {
            "login": login,
            "id": uid,
            "node_id": _node_id("MDQ6VXNlcj", uid),
            "avatar_url": f"{self.root}/avatars/u/{uid}",
            "url": f"{self.url}/users/{login}",
            "html_url": f"{self.root}/{login}",
            "type": "User",
            "site_admin": False,
        }

    def _repo_json(self, r: _Repo, short: bool = False) -> dict[str, Any]:
        base = f"{self.url}/repos/{r.full_name}"
        doc: dict[str, Any] = {
            "id": r.id,
            "node_id": _node_id("R_kgDO", r.id),
            "name": r.name,
            "full_name": r.full_name,
            "owner": self._user_json(r.owner),
            "private": False,
            "html_url": f"{self.root}/{r.full_name}",
            "description": None,
            "fork": False,
            "url": base,
        }
        if short:
            return doc
        doc.update(
            {
                "issues_url": base + "/issues{/number}",
                "issue_comment_url": base + "/issues/comments{/number}",
                "statuses_url": base + "/statuses/{sha}",
                "commits_url": base + "/commits{/sha}",
                "default_branch": r.default_branch,
                "has_issues": True,
                "open_issues_count": sum(1 for i in r.issues.values() if i["state"] == "open"),
                "archived": False,
                "disabled": False,
                "visibility": "public",
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": _now(),
                "pushed_at": _now(),
                "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
            }
        )
        return doc

    def _label_json(self, r: _Repo, name: str) -> dict[str, Any]:
        lid = 5_000_000 + sum(map(ord, name))
        return {
            "id": lid,
            "node_id": _node_id("LA_kwDO", lid),
            "url": f"{self.url}/repos/{r.full_name}/labels/{name}",
            "name": name,
            "color": "ededed",
            "default": False,
            "description": None,
        }

    def _issue_json(self, r: _Repo, issue: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{r.full_name}"
        n = issue["number"]
        children = [self._by_id(r, cid) for cid in r.sub_issues.get(n, [])]
        done = sum(1 for c in children if c["state"] == "closed")
        parent_no = next((p for p, kids in r.sub_issues.items() if issue["id"] in kids), None)
        return {
            "url": f"{base}/issues/{n}",
            "repository_url": base,
            "labels_url": f"{base}/issues/{n}/labels{{/name}}",
            "comments_url": f"{base}/issues/{n}/comments",
            "events_url": f"{base}/issues/{n}/events",
            "html_url": f"{self.root}/{r.full_name}/issues/{n}",
            "timeline_url": f"{base}/issues/{n}/timeline",
            "id": issue["id"],
            "node_id": issue["node_id"],
            "number": n,
            "title": issue["title"],
            "user": self._user_json(issue["user"]),
            "labels": [self._label_json(r, name) for name in issue["labels"]],
            "state": issue["state"],
            "state_reason": issue["state_reason"],
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": len(r.comments.get(n, [])),
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": issue["closed_at"],
            "closed_by": self._user_json(issue["closed_by"]) if issue["closed_by"] else None,
            "author_association": "OWNER",
            "active_lock_reason": None,
            "body": issue["body"],
            "performed_via_github_app": None,
            "parent_issue_url": f"{base}/issues/{parent_no}" if parent_no is not None else None,
            "sub_issues_summary": {
                "total": len(children),
                "completed": done,
                "percent_completed": (100 * done // len(children)) if children else 0,
            },
        }

    def _comment_json(self, r: _Repo, n: int, c: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{r.full_name}"
        return {
            "url": f"{base}/issues/comments/{c['id']}",
            "html_url": f"{self.root}/{r.full_name}/issues/{n}#issuecomment-{c['id']}",
            "issue_url": f"{base}/issues/{n}",
            "id": c["id"],
            "node_id": _node_id("IC_kwDO", c["id"]),
            "user": self._user_json(c["user"]),
            "created_at": c["created_at"],
            "updated_at": c["updated_at"],
            "author_association": "OWNER",
            "body": c["body"],
            "performed_via_github_app": None,
        }

    def _check_run_json(self, r: _Repo, run: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{r.full_name}"
        done = run["status"] == "completed"
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "node_id": _node_id("CR_kwDO", run["id"]),
            "external_id": "",
            "url": f"{base}/check-runs/{run['id']}",
            "html_url": f"{self.root}/{r.full_name}/runs/{run['id']}",
            "details_url": f"{self.root}/{r.full_name}/actions/runs/{run['id']}",
            "status": run["status"],
            "conclusion": run["conclusion"] if done else None,
            "started_at": "2024-01-01T00:00:00Z",
            "completed_at": "2024-01-01T00:01:00Z" if done else None,
            "output": {
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
                "annotations_url": f"{base}/check-runs/{run['id']}/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": run["id"] + 1},
            "pull_requests": [],
        }

    def _status_json(self, r: _Repo, st: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"{self.url}/repos/{r.full_name}/statuses/{st['id']}",
            "avatar_url": f"{self.root}/avatars/u/1",
            "id": st["id"],
            "node_id": _node_id("SC_kwDO", st["id"]),
            "state": st["state"],
            "description": st["description"],
            "target_url": None,
            "context": st["context"],
            "created_at": st["created_at"],
            "updated_at": st["created_at"],
        }



# The faults a write meets in the fault matrices (close, sync, GitHub Release): an error, an
# answer lost after the write was performed (the connection cut at once: the same "may have
# landed" path as a timeout, without waiting one out; real timeouts are proven in
# test_github_adapter.py and test_safety_github.py), a write stored but answered 502, and a
# secondary rate limit with Retry-After (its wait recorded by the github_waits fixture).
WRITE_FAULTS = {
    "500": dict(status=500),
    "answer-lost": dict(drop=True),
    "stored-502": dict(store_then_fail=True),
    "403-retry-after": dict(status=403, retry_after=1),
}

@pytest.fixture
def gh_server():
    """A fresh GitHub-compatible server per test, listening on 127.0.0.1."""
    server = GitHubServer().start()
    try:
        yield server
    finally:
        server.stop()
