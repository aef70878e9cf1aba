"""How the GitHub adapter behaves on a real network: retries, rate limits, one-line errors.

Split from :mod:`issue_flow.adapters.github` (the operations on issues, comments,
sub-issues and checks) because this layer knows nothing of what is asked, only how a
request to GitHub can fail and what to do then (PRODUCT.md section 5):

- **Reads** (GET) are retried by urllib3 on 5xx answers, dropped connections and timeouts,
  up to ``max_retries`` times. A rate-limit answer (403/429 with ``Retry-After``, or
  ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``) waits the time asked, unless that
  is more than ``max_wait``: then the call fails at once with a one-line message (the policy
  is in :mod:`issue_flow.adapters.github_retry`).
- **Writes** (POST, PATCH, DELETE) are never repeated blindly: urllib3 does not retry them
  (PyGithub's default policy retries POST on 5xx, which posts a stored comment twice). When
  a write fails in a way that says nothing about whether it landed (5xx, timeout, lost
  connection), :meth:`Client.write` asks the caller's ``landed`` whether it is there and sends
  again only if not. A rate-limit answer to a write means it did not land: wait (bounded, through
  the client's ``_sleep``, which tests replace) and send again.
- **Errors** become :class:`~issue_flow.errors.IssueFlowError` with one line naming the cause.
  They are raised outside of the ``except`` block that saw the PyGithub or requests exception,
  so no exception chain is attached, and the token never appears in a message or a repr.

``timeout`` is in seconds and rounded up to a whole number: PyGithub accepts only an ``int``.
PyGithub, requests and urllib3 are imported only when a client is built or a failure is
classified, never at module import.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from issue_flow.adapters.github_retry import (
    RATE_MESSAGES,
    SECONDARY_RATE_WAIT,
    WaitTooLong,
    asked_wait,
    retry_policy,
    wait_notice,
)
from issue_flow.errors import IssueFlowError

T = TypeVar("T")


# --------------------------------------------------------------------------- answers


class BadAnswer(Exception):
    """An answer that is not GitHub's: a field missing or of the wrong type."""


def want(value: Any, kind: type | tuple[type, ...], field_: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return value
    if isinstance(value, bool) and kind is int or not isinstance(value, kind):
        shown = "missing" if value is None else f"a {type(value).__name__}"
        raise BadAnswer(f"'{field_}' is {shown}")
    return value


# --------------------------------------------------------------------------- failures


@dataclass
class Failure:
    """What went wrong with one request, stripped of the exception that said so."""

    kind: str  # unreachable | timeout | dropped | server | rate | wait_too_long | http | invalid | other
    status: int | None = None
    wait: float | None = None
    message: str = ""

    @property
    def maybe_landed(self) -> bool:
        """A write failing this way may have been stored anyway: look before sending again."""
        return self.kind in ("timeout", "dropped", "server", "invalid")


def one_line(text: Any, limit: int = 240) -> str:
    from issue_flow.tokens import redact

    line = redact(" ".join(str(text).split()))  # before cutting: no token half shown
    return line if len(line) <= limit else line[: limit - 1] + "…"


RAISE = object()  # what an ``on_http`` handler answers for "not handled: raise the error"


# --------------------------------------------------------------------------- the client


class Client:
    """A PyGithub client for one repository, with the read and write loops every operation uses.

    ``api_url`` is the REST base (``https://api.github.com`` or a GitHub Enterprise Server
    ``https://host/api/v3``); ``repository`` is ``owner/name``. Building the object sends
    no request. ``repo_api`` is PyGithub's (lazy) repository object.
    """

    def __init__(
        self,
        api_url: str,
        repository: str,
        token: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        throttle: float = 0.0,
        backoff: float = 0.5,
    ):
        token = (token or "").strip()
        if not token:
            raise IssueFlowError("no GitHub token: set GITHUB_TOKEN or GH_TOKEN")
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
            raise IssueFlowError("the GitHub token contains whitespace or control characters; check GITHUB_TOKEN or GH_TOKEN")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository or ""):
            raise IssueFlowError(f"repository must look like owner/name, not {repository!r}")
        api_url = (api_url or "").rstrip("/")
        if not re.match(r"https?://[^/\s]+", api_url):
            raise IssueFlowError(f"GitHub API URL must start with http:// or https://, not {api_url!r}")
        self.api_url = api_url
        self.repository = repository
        self.timeout = max(1, math.ceil(timeout))
        self.max_retries = max(0, int(max_retries))
        self.max_wait = float(max_wait)
        self.backoff = max(0.0, float(backoff))
        self._sleep: Callable[[float], None] = time.sleep

        secret = token

        def _redact(text: str) -> str:
            from issue_flow.tokens import redact

            return redact(text.replace(secret, "***"))

        self._redact: Callable[[str], str] = _redact

        from github import Auth, Github

        from issue_flow.tokens import redact_log_records

        redact_log_records()  # PyGithub's and urllib3's log records, redacted

        from issue_flow import __version__

        options: dict[str, Any] = dict(
            base_url=api_url,
            auth=Auth.Token(token),
            timeout=self.timeout,
            retry=retry_policy(self.max_retries, self.max_wait, self.backoff),
            per_page=100,
            user_agent=f"issue-flow/{__version__}",
            seconds_between_requests=0,
            seconds_between_writes=throttle,
        )
        try:
            self._gh = Github(lazy=True, **options)
            self.repo_api = self._gh.get_repo(repository)
        except TypeError:  # PyGithub before Github(lazy=…)
            self._gh = Github(**options)
            self.repo_api = self._gh.get_repo(repository, lazy=True)



    def read(self, what: str, fetch: Callable[[], T], *, not_found: str | None = None) -> T:
        """Run a read (retried by urllib3); turn what fails into a one-line IssueFlowError."""
        try:
            return fetch()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
        # Raised here, outside the except block, so no PyGithub/requests exception is chained.
        raise self.error(failure, what, not_found=not_found, attempts=self.max_retries + 1)

    def write(
        self,
        what: str,
        send: Callable[[], T],
        landed: Callable[[], T | None],
        *,
        not_found: str | None = None,
        on_http: Callable[[Failure], Any] | None = None,
    ) -> T:
        """Send a write; after a failure that may have stored it, look before sending again."""
        attempts = 0
        while True:
            attempts += 1
            try:
                return send()
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
            if failure.kind == "rate" and failure.wait is not None:
                if failure.wait > self.max_wait:
                    failure = Failure("wait_too_long", failure.status, failure.wait, failure.message)
                elif attempts <= self.max_retries:
                    wait_notice(failure.wait, f"{failure.status} to {what}")
                    self._sleep(failure.wait)
                    continue
            elif failure.maybe_landed:
                result = landed()
                if result is not None:
                    return result
                if attempts <= self.max_retries:
                    self._sleep(min(self.max_wait, self.backoff * 2 ** (attempts - 1)))
                    continue
            elif failure.kind == "http" and on_http is not None:
                result = on_http(failure)
                if result is not RAISE:
                    return result
            raise self.error(failure, what, not_found=not_found, attempts=attempts)

    def error(self, f: Failure, what: str, *, not_found: str | None, attempts: int) -> IssueFlowError:
        url, repo = self.api_url, self.repository
        detail = f" {f.message}" if f.message else ""
        if f.kind == "unreachable":
            text = f"cannot reach GitHub API at {url}: {f.message or 'connection failed'} (trying to {what})"
        elif f.kind == "timeout":
            text = f"GitHub API at {url} did not answer within {self.timeout} s (trying to {what})"
        elif f.kind == "dropped":
            text = f"the connection to GitHub API at {url} was lost (trying to {what})"
        elif f.kind == "server":
            text = f"GitHub API answered {f.status}{detail} to {what}, {attempts} attempt(s)"
        elif f.kind == "wait_too_long":
            text = (
                f"GitHub rate limit: asked to wait {f.wait:.0f} s to {what}, "
                f"more than the {self.max_wait:g} s allowed; try again later"
            )
        elif f.kind == "rate":
            text = f"GitHub rate limit still exceeded after {self.max_retries} retries (trying to {what}); try again later"
        elif f.kind == "invalid":
            text = (
                f"GitHub API at {url} gave an answer that is not GitHub's to {what} ({f.message}); "
                "check the API URL (api_url, GITHUB_API_URL)"
            )
        elif f.kind == "http" and f.status == 401:
            text = f"GitHub API at {url} rejected the token (401 Bad credentials): check GITHUB_TOKEN or GH_TOKEN"
        elif f.kind == "http" and f.status == 403:
            text = f"no permission to {what} in {repo} (403{detail})"
        elif f.kind == "http" and f.status == 404:
            text = not_found or f"not found: {what} in {repo} (404)"
        elif f.kind == "http" and f.status == 410:
            text = f"gone: {what} in {repo} (410{detail})"
        elif f.kind == "http" and f.status == 422:
            text = f"GitHub refused to {what} (422{detail})"
        elif f.kind == "http":
            text = f"GitHub API answered {f.status}{detail} to {what}"
        else:
            text = f"request to GitHub API at {url} failed ({f.message}) (trying to {what})"
        return IssueFlowError(self._redact(text))


def classify(exc: BaseException) -> Failure | None:
    """What kind of failure ``exc`` is; None for exceptions that are not about the network."""
    if isinstance(exc, WaitTooLong):
        return Failure("wait_too_long", wait=exc.wait)
    if isinstance(exc, BadAnswer):
        return Failure("invalid", message=str(exc))

    from github.GithubException import BadAttributeException, GithubException

    if isinstance(exc, BadAttributeException):
        return Failure("invalid", message=f"a field of the wrong type ({type(exc.actual_value).__name__})")
    if isinstance(exc, RuntimeError) and "redirect" in str(exc):
        text = str(exc)
        host = re.search(r"redirected from host \S+ to ([^\s,]+)", text)
        proto = re.search(r"redirected from (\S+) protocol to ([^\s,]+)", text)
        where = re.search(r"redirected to (\S+?),", text)
        if host:
            said = f"redirected to another host, {host.group(1)}"
        elif proto:
            said = f"redirected from {proto.group(1)} to {proto.group(2)}"
        else:
            said = f"redirected to {where.group(1) if where else 'another place'}"
        return Failure("invalid", message=said)
    if isinstance(exc, AssertionError):  # PyGithub: a URL in the answer outside the API's host
        return Failure("invalid", message=f"a URL outside the API ({one_line(exc, 80) or 'another host'})")
    if isinstance(exc, (ValueError, UnicodeDecodeError)) and not isinstance(exc, IssueFlowError):
        return Failure("invalid", message="malformed JSON")
    if isinstance(exc, (TypeError, KeyError)):  # PyGithub reading a document of another shape
        return Failure("invalid", message="a document of the wrong shape")

    if isinstance(exc, GithubException):
        status = int(exc.status or 0)
        data = exc.data
        message = ""
        if isinstance(data, dict):
            message = str(data.get("message") or "")
            details = [
                str(e.get("message") or e.get("code") or "")
                for e in data.get("errors") or []
                if isinstance(e, dict)
            ]
            details = [d for d in details if d]
            if details:
                message = f"{message}: {'; '.join(details)}" if message else "; ".join(details)
        elif data:
            message = str(data)
        message = one_line(message)
        if status >= 500:
            return Failure("server", status, message=message)
        if status in (403, 429):
            wait = asked_wait(status, exc.headers)
            if wait is None and RATE_MESSAGES.search(message):
                wait = SECONDARY_RATE_WAIT
            if wait is not None:
                return Failure("rate", status, wait, message)
        return Failure("http", status, message=message)

    import requests
    from urllib3 import exceptions as u3

    if not isinstance(exc, requests.exceptions.RequestException):
        return None
    causes: list[Any] = [exc, *exc.args]
    for cause in list(causes):
        if isinstance(cause, u3.MaxRetryError) and cause.reason is not None:
            causes.append(cause.reason)
    for cause in causes:
        if isinstance(cause, u3.NameResolutionError):
            return Failure("unreachable", message="host name not resolved")
        if isinstance(cause, u3.NewConnectionError):
            return Failure("unreachable", message="connection refused")
        if isinstance(cause, u3.ConnectTimeoutError):
            return Failure("unreachable", message="connection timed out")
        if isinstance(cause, u3.ReadTimeoutError):
            return Failure("timeout")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure("unreachable", message="connection timed out")
    if isinstance(exc, requests.exceptions.Timeout):
        return Failure("timeout")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return Failure("dropped")
    return Failure("other", message=type(exc).__name__)
