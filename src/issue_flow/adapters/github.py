"""GitHub REST adapter: the only module of issue-flow that imports PyGithub.

PyGithub is imported inside the methods that need it, never at module import, so the
commands that do not talk to GitHub stay fast. The adapter knows nothing of issue folders or
Markdown: it reads and writes issues, comments, sub-issues and commit checks, and answers
with plain dataclasses.

How it behaves on a real network (PRODUCT.md section 5):

- **Reads** (GET) are retried by urllib3 on 5xx answers, dropped connections and timeouts,
  up to ``max_retries`` times. A rate-limit answer (403/429 with ``Retry-After``, or
  ``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``) waits the time asked, unless that
  is more than ``max_wait``: then the call fails at once with a one-line message.
- **Writes** (POST, PATCH) are never repeated blindly: urllib3 does not retry them (PyGithub's
  default policy retries POST on 5xx, which posts a stored comment twice). When a write fails
  in a way that says nothing about whether it landed (5xx, timeout, lost connection), the
  adapter looks first — is the comment with the marker there, is the body or the state
  already the target — and sends again only if it did not land. A rate-limit answer to a
  write means it did not land: wait (bounded) and send again. ``create_comment`` also looks
  for its marker before the first POST, so running it twice posts once.
- **Errors** become :class:`~issue_flow.errors.IssueFlowError` with one line naming the cause.
  They are raised outside of the ``except`` block that saw the PyGithub or requests exception,
  so no exception chain is attached, and the token never appears in a message or a repr.

``timeout`` is in seconds and rounded up to a whole number: PyGithub accepts only an ``int``.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from issue_flow.errors import IssueFlowError

MAX_BODY = 65536  # characters, for issue bodies and comments
STATE_REASONS = ("completed", "not_planned")
SECONDARY_RATE_WAIT = 60.0  # GitHub: "wait at least one minute" when it does not say how long

T = TypeVar("T")


def token_from_env() -> str | None:
    """The token (``issue_flow.tokens.token``: GH_TOKEN, GITHUB_TOKEN, ``gh auth token``)."""
    from issue_flow import tokens

    return tokens.token()


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class IssueData:
    number: int
    id: int
    title: str
    body: str  # "" when GitHub has no body (null)
    labels: list[str]
    state: str  # open | closed
    state_reason: str | None  # completed | not_planned | reopened | None
    html_url: str


@dataclass(frozen=True)
class CommentData:
    id: int
    body: str
    html_url: str
    removed: int = 0  # duplicates of it (same marker) deleted to converge on one


class _BadAnswer(Exception):
    """An answer that is not GitHub's: a field missing or of the wrong type."""


def _want(value: Any, kind: type | tuple[type, ...], field_: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return value
    if isinstance(value, bool) and kind is int or not isinstance(value, kind):
        shown = "missing" if value is None else f"a {type(value).__name__}"
        raise _BadAnswer(f"'{field_}' is {shown}")
    return value


def _wait_notice(wait: float, why: str) -> None:
    """Say on stderr that issue-flow waits (GitHub asked), so a pause is never silent."""
    if wait >= 1:
        import sys

        sys.stderr.write(f"issue-flow: GitHub asked to slow down ({why}): waiting {wait:.0f} s before trying again\n")
        sys.stderr.flush()


@dataclass(frozen=True)
class CheckData:
    """A check run: status queued|in_progress|completed, conclusion success|failure|… or None."""

    name: str
    status: str
    conclusion: str | None = None


@dataclass(frozen=True)
class StatusData:
    """A commit status (the latest one per context): state error|failure|pending|success."""

    context: str
    state: str

    @property
    def name(self) -> str:
        return self.context


@dataclass(frozen=True)
class RepoData:
    full_name: str
    default_branch: str
    html_url: str


class RemoteChanged(IssueFlowError):
    """The issue changed on GitHub since it was read: nothing was overwritten."""


# --------------------------------------------------------------------------- rate limits


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    lname = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lname:
            return str(value)
    return None


def _asked_wait(status: int, headers: Mapping[str, Any] | None) -> float | None:
    """Seconds an answer asks the client to wait before trying again; None if it asks nothing.

    ``Retry-After`` (seconds or an HTTP date) on any answer; for 403/429, a primary rate
    limit (``X-RateLimit-Remaining: 0``) waits until one second past ``X-RateLimit-Reset``.
    A 429 that gives no time waits a minute, as GitHub's documentation asks.
    """
    retry_after = _header(headers, "Retry-After")
    if retry_after is not None:
        retry_after = retry_after.strip()
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
                return max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError, IndexError):
                return SECONDARY_RATE_WAIT
    if status not in (403, 429):
        return None
    if _header(headers, "X-RateLimit-Remaining") == "0":
        try:
            reset = float(_header(headers, "X-RateLimit-Reset") or "")
        except ValueError:
            return SECONDARY_RATE_WAIT
        return max(0.0, reset + 1.0 - time.time())
    return SECONDARY_RATE_WAIT if status == 429 else None


_RATE_MESSAGES = re.compile(
    r"^(api rate limit exceeded|you have exceeded a secondary rate limit)|"
    r"(please retry your request again later\.|please wait a few minutes before you try again\.)$",
    re.IGNORECASE,
)


class _WaitTooLong(Exception):
    """Raised from inside urllib3's retry loop when GitHub asks for a wait beyond max_wait."""

    def __init__(self, wait: float):
        super().__init__(f"asked to wait {wait:.0f} s")
        self.wait = wait


_retry_class: Any = None


def _retry_policy(max_retries: int, max_wait: float, backoff: float) -> Any:
    """A urllib3 ``Retry`` that repeats reads only, and bounds the rate-limit waits."""
    global _retry_class
    if _retry_class is None:
        from urllib3.exceptions import MaxRetryError, ResponseError
        from urllib3.util.retry import Retry

        class ReadRetry(Retry):  # type: ignore[misc]
            max_wait: float = 60.0

            def new(self, **kw: Any) -> Any:
                retry = super().new(**kw)
                retry.max_wait = self.max_wait
                return retry

            def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
                if not self._is_method_retryable(method):
                    return False  # POST/PATCH: never repeated here (see GitHub._write)
                # 403 and 429 are vetted in increment(): only rate-limit answers are retried.
                return status_code >= 500 or status_code in (403, 429)

            def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[no-untyped-def]
                if response is not None and error is None:
                    status = response.status
                    wait = _asked_wait(status, response.headers)
                    if status in (403, 429) and wait is None:
                        # A plain "forbidden": give the answer back instead of retrying it.
                        raise MaxRetryError(_pool, url, ResponseError(f"{status} is not retried"))  # type: ignore[arg-type]
                    if wait is not None and wait > self.max_wait:
                        try:
                            response.drain_conn()
                            response.release_conn()
                        except Exception:  # pragma: no cover - best effort
                            pass
                        raise _WaitTooLong(wait)
                return super().increment(method, url, response, error, _pool, _stacktrace)

            def get_retry_after(self, response: Any) -> float | None:
                return _asked_wait(response.status, response.headers)

            def sleep_for_retry(self, response: Any) -> bool:
                wait = self.get_retry_after(response)
                if wait:
                    asked = "Retry-After" if _header(response.headers, "Retry-After") else "no Retry-After given"
                    _wait_notice(wait, f"{response.status}, {asked}")
                    time.sleep(wait)
                    return True
                return False

        _retry_class = ReadRetry

    retry = _retry_class(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=backoff,
        backoff_max=max(max_wait, backoff),
        raise_on_status=False,  # the last answer goes back to PyGithub, which raises with its status
        respect_retry_after_header=True,
    )
    retry.max_wait = max_wait
    return retry


# --------------------------------------------------------------------------- failures


@dataclass
class _Failure:
    """What went wrong with one request, stripped of the exception that said so."""

    kind: str  # unreachable | timeout | dropped | server | rate | wait_too_long | http | invalid | other
    status: int | None = None
    wait: float | None = None
    message: str = ""

    @property
    def maybe_landed(self) -> bool:
        """A write failing this way may have been stored anyway: look before sending again."""
        return self.kind in ("timeout", "dropped", "server", "invalid")


def _one_line(text: Any, limit: int = 240) -> str:
    from issue_flow.tokens import redact

    line = redact(" ".join(str(text).split()))  # before cutting: no token half shown
    return line if len(line) <= limit else line[: limit - 1] + "…"


_RAISE = object()


# --------------------------------------------------------------------------- adapter


class GitHub:
    """Issues, comments, sub-issues and commit checks of one repository.

    ``api_url`` is the REST base (``https://api.github.com`` or a GitHub Enterprise Server
    ``https://host/api/v3``); ``repository`` is ``owner/name``. Building the object sends
    no request.
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
        self._numbers: dict[int, int] = {}  # issue id -> number, for messages

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
            retry=_retry_policy(self.max_retries, self.max_wait, self.backoff),
            per_page=100,
            user_agent=f"issue-flow/{__version__}",
            seconds_between_requests=0,
            seconds_between_writes=throttle,
        )
        try:
            self._gh = Github(lazy=True, **options)
            self._repo = self._gh.get_repo(repository)
        except TypeError:  # PyGithub before Github(lazy=…)
            self._gh = Github(**options)
            self._repo = self._gh.get_repo(repository, lazy=True)

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r}, repository={self.repository!r})"

    # ------------------------------------------------------------------ reads

    def repository_info(self) -> RepoData:
        def fetch() -> RepoData:
            r = self._repo
            return RepoData(_want(r.full_name, str, "full_name"), _want(r.default_branch, str, "default_branch"),
                            _want(r.html_url, str, "html_url"))

        return self._read(
            f"read repository {self.repository}", fetch, not_found=f"repository {self.repository} not found at {self.api_url}"
        )

    def get_issue(self, number: int) -> IssueData:
        return self._read(
            f"read issue #{number}", lambda: self._issue_data(self._repo.get_issue(number)), not_found=self._nf(number)
        )

    def list_comments(self, number: int) -> list[CommentData]:
        def fetch() -> list[CommentData]:
            return [self._comment_data(c) for c in self._repo.get_issue(number).get_comments()]

        return self._read(f"list the comments of issue #{number}", fetch, not_found=self._nf(number))

    def find_comment(self, number: int, marker: str) -> CommentData | None:
        """The first comment of #number whose body contains ``marker``."""
        found = self._marked(number, marker)
        return found[0][0] if found else None

    def _marked(self, number: int, marker: str) -> list[tuple[CommentData, Any]]:
        """Every comment of #number holding ``marker`` (all pages), oldest first."""

        def fetch() -> list[tuple[CommentData, Any]]:
            out = []
            for c in self._repo.get_issue(number).get_comments():
                data = self._comment_data(c)
                if marker in data.body:
                    out.append((data, c))
            return out

        return self._read(f"list the comments of issue #{number}", fetch, not_found=self._nf(number))

    def converge_comment(self, number: int, marker: str) -> CommentData | None:
        """The one comment of #number holding ``marker``: the first is kept and every later
        one deleted (a duplicate a write stored after answering an error or timing out);
        ``removed`` of the answer says how many. None when there is none."""
        found = self._marked(number, marker)
        if not found:
            return None
        keep = found[0][0]
        removed = 0
        for data, obj in found[1:]:

            def send(obj: Any = obj) -> bool:
                obj.delete()
                return True

            def gone(data: CommentData = data) -> bool | None:
                return True if all(d.id != data.id for d, _ in self._marked(number, marker)) else None

            def on_http(failure: _Failure) -> Any:
                return True if failure.status == 404 else _RAISE  # already deleted

            self._write(f"delete the duplicate comment {data.html_url} on issue #{number}", send, gone,
                        not_found=self._nf(number), on_http=on_http)
            removed += 1
        return CommentData(keep.id, keep.body, keep.html_url, removed)

    def sub_issue_ids(self, number: int) -> list[int]:
        def fetch() -> list[int]:
            return [s.id for s in self._repo.get_issue(number).get_sub_issues()]

        return self._read(f"list the sub-issues of issue #{number}", fetch, not_found=self._nf(number))

    def check_runs(self, sha: str) -> list[CheckData]:
        def fetch() -> list[CheckData]:
            runs = self._repo.get_commit(sha).get_check_runs()
            return [CheckData(_want(r.name, str, "name"), _want(r.status, str, "status"),
                              _want(r.conclusion, str, "conclusion", optional=True)) for r in runs]

        return self._read(
            f"read the check runs of {sha[:12]}", fetch, not_found=f"commit {sha} not found in {self.repository}"
        )

    def commit_statuses(self, sha: str) -> list[StatusData]:
        def fetch() -> list[StatusData]:
            combined = self._repo.get_commit(sha).get_combined_status()
            statuses = _want(combined.statuses, list, "statuses")
            return [StatusData(_want(s.context, str, "context"), _want(s.state, str, "state")) for s in statuses]

        return self._read(
            f"read the statuses of {sha[:12]}", fetch, not_found=f"commit {sha} not found in {self.repository}"
        )

    # ------------------------------------------------------------------ writes

    def create_comment(self, number: int, body: str, marker: str) -> CommentData:
        """Post ``body`` on #number once: if a comment holding ``marker`` exists, return it."""
        if not marker or marker not in body:
            raise IssueFlowError("a comment must contain its marker (a hidden HTML comment) to be posted only once")
        self._check_size(body, f"comment for issue #{number}")
        found = self.converge_comment(number, marker)
        if found is not None:
            return found

        def send() -> CommentData:
            return self._comment_data(self._repo.get_issue(number).create_comment(body))

        return self._write(
            f"comment on issue #{number}", send, lambda: self.converge_comment(number, marker), not_found=self._nf(number)
        )

    def edit_issue_body(
        self, number: int, new_body: str, expected_old: str | None, *, read_first: bool = True
    ) -> IssueData:
        """Replace the body of #number, if it is still ``expected_old`` (None: whatever it is).

        The issue is read first: already ``new_body`` means nothing to send; something other
        than ``expected_old`` raises :class:`RemoteChanged` and nothing is written.
        ``read_first=False`` says the caller has just read the body (it is ``expected_old``):
        the first PATCH goes out without reading it again (one request instead of two);
        after a failure the adapter still looks before sending again.
        """
        self._check_size(new_body, f"body of issue #{number}")
        changed = (
            f"issue #{number}: the body changed on GitHub since it was read; nothing written, run again"
        )
        if read_first or expected_old is None:
            current = self.get_issue(number)
            if current.body == new_body:
                return current
            if expected_old is not None and current.body != expected_old:
                raise RemoteChanged(changed)

        def send() -> IssueData:
            issue = self._repo.get_issue(number)
            issue.edit(body=new_body)
            return self._issue_data(issue)

        def landed() -> IssueData | None:
            now = self.get_issue(number)
            if now.body == new_body:
                return now
            if expected_old is not None and now.body != expected_old:
                raise RemoteChanged(changed)
            return None

        return self._write(f"edit the body of issue #{number}", send, landed, not_found=self._nf(number))

    def close_issue(self, number: int, state_reason: str = "completed") -> IssueData:
        """Close #number with ``state_reason`` (completed | not_planned); no-op if already so."""
        if state_reason not in STATE_REASONS:
            raise IssueFlowError(f"state_reason must be completed or not_planned, not {state_reason!r}")
        current = self.get_issue(number)
        if current.state == "closed" and current.state_reason == state_reason:
            return current

        def send() -> IssueData:
            issue = self._repo.get_issue(number)
            issue.edit(state="closed", state_reason=state_reason)
            return self._issue_data(issue)

        def landed() -> IssueData | None:
            now = self.get_issue(number)
            return now if now.state == "closed" and now.state_reason == state_reason else None

        return self._write(f"close issue #{number}", send, landed, not_found=self._nf(number))

    def add_sub_issue(self, parent_number: int, child_id: int) -> bool:
        """Link the issue with id ``child_id`` as a sub-issue of #parent_number.

        True when linked (now or already); False when the server has no sub-issues (404/410
        while the parent exists, e.g. an older GitHub Enterprise Server).
        """

        def send() -> bool:
            self._repo.get_issue(parent_number).add_sub_issue(child_id)
            return True

        def linked() -> bool | None:
            return True if child_id in self.sub_issue_ids(parent_number) else None

        def on_http(failure: _Failure) -> Any:
            if failure.status in (404, 410):
                self.get_issue(parent_number)  # a missing parent is an error, not "unsupported"
                return False
            if failure.status == 422 and linked():
                return True
            return _RAISE

        child = f"#{self._numbers[child_id]}" if child_id in self._numbers else f"the issue with id {child_id}"
        return self._write(
            f"link {child} as a sub-issue of #{parent_number}",
            send,
            linked,
            not_found=self._nf(parent_number),
            on_http=on_http,
        )

    # ------------------------------------------------------------------ machinery

    def _nf(self, number: int) -> str:
        return f"issue #{number} not found in {self.repository}"

    @staticmethod
    def _check_size(text: str, what: str) -> None:
        if len(text) > MAX_BODY:
            raise IssueFlowError(
                f"{what} is {len(text):,} characters; GitHub accepts at most {MAX_BODY:,}; nothing sent"
            )

    def _issue_data(self, issue: Any) -> IssueData:
        labels = _want(issue.labels, list, "labels", optional=True) or []
        data = IssueData(
            number=_want(issue.number, int, "number"),
            id=_want(issue.id, int, "id"),
            title=_want(issue.title, str, "title", optional=True) or "",
            body=_want(issue.body, str, "body", optional=True) or "",
            labels=[_want(label.name, str, "labels[].name") for label in labels],
            state=_want(issue.state, str, "state"),
            state_reason=_want(issue.state_reason, str, "state_reason", optional=True),
            html_url=_want(issue.html_url, str, "html_url"),
        )
        if data.state not in ("open", "closed"):
            raise _BadAnswer(f"'state' is {data.state!r}")
        self._numbers[data.id] = data.number
        return data

    @staticmethod
    def _comment_data(comment: Any) -> CommentData:
        return CommentData(
            _want(comment.id, int, "id"),
            _want(comment.body, str, "body", optional=True) or "",
            _want(comment.html_url, str, "html_url"),
        )

    def _read(self, what: str, fetch: Callable[[], T], *, not_found: str | None = None) -> T:
        """Run a read (retried by urllib3); turn what fails into a one-line IssueFlowError."""
        try:
            return fetch()
        except Exception as exc:
            failure = self._classify(exc)
            if failure is None:
                raise
        # Raised here, outside the except block, so no PyGithub/requests exception is chained.
        raise self._error(failure, what, not_found=not_found, attempts=self.max_retries + 1)

    def _write(
        self,
        what: str,
        send: Callable[[], T],
        landed: Callable[[], T | None],
        *,
        not_found: str | None = None,
        on_http: Callable[[_Failure], Any] | None = None,
    ) -> T:
        """Send a write; after a failure that may have stored it, look before sending again."""
        attempts = 0
        while True:
            attempts += 1
            try:
                return send()
            except Exception as exc:
                failure = self._classify(exc)
                if failure is None:
                    raise
            if failure.kind == "rate" and failure.wait is not None:
                if failure.wait > self.max_wait:
                    failure = _Failure("wait_too_long", failure.status, failure.wait, failure.message)
                elif attempts <= self.max_retries:
                    _wait_notice(failure.wait, f"{failure.status} to {what}")
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
                if result is not _RAISE:
                    return result
            raise self._error(failure, what, not_found=not_found, attempts=attempts)

    @staticmethod
    def _classify(exc: BaseException) -> _Failure | None:
        """What kind of failure ``exc`` is; None for exceptions that are not about the network."""
        if isinstance(exc, _WaitTooLong):
            return _Failure("wait_too_long", wait=exc.wait)
        if isinstance(exc, _BadAnswer):
            return _Failure("invalid", message=str(exc))

        from github.GithubException import BadAttributeException, GithubException

        if isinstance(exc, BadAttributeException):
            return _Failure("invalid", message=f"a field of the wrong type ({type(exc.actual_value).__name__})")
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
            return _Failure("invalid", message=said)
        if isinstance(exc, AssertionError):  # PyGithub: a URL in the answer outside the API's host
            return _Failure("invalid", message=f"a URL outside the API ({_one_line(exc, 80) or 'another host'})")
        if isinstance(exc, (ValueError, UnicodeDecodeError)) and not isinstance(exc, IssueFlowError):
            return _Failure("invalid", message="malformed JSON")
        if isinstance(exc, (TypeError, KeyError)):  # PyGithub reading a document of another shape
            return _Failure("invalid", message="a document of the wrong shape")

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
            message = _one_line(message)
            if status >= 500:
                return _Failure("server", status, message=message)
            if status in (403, 429):
                wait = _asked_wait(status, exc.headers)
                if wait is None and _RATE_MESSAGES.search(message):
                    wait = SECONDARY_RATE_WAIT
                if wait is not None:
                    return _Failure("rate", status, wait, message)
            return _Failure("http", status, message=message)

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
                return _Failure("unreachable", message="host name not resolved")
            if isinstance(cause, u3.NewConnectionError):
                return _Failure("unreachable", message="connection refused")
            if isinstance(cause, u3.ConnectTimeoutError):
                return _Failure("unreachable", message="connection timed out")
            if isinstance(cause, u3.ReadTimeoutError):
                return _Failure("timeout")
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return _Failure("unreachable", message="connection timed out")
        if isinstance(exc, requests.exceptions.Timeout):
            return _Failure("timeout")
        if isinstance(exc, requests.exceptions.ConnectionError):
            return _Failure("dropped")
        return _Failure("other", message=type(exc).__name__)

    def _error(self, f: _Failure, what: str, *, not_found: str | None, attempts: int) -> IssueFlowError:
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


# --------------------------------------------------------------------------- GitHub Releases
#
# Functions over an adapter (not methods, so the class above stays as it is). Same rules as
# the rest of the adapter: look before writing, never resend a write that may have landed.

MAX_RELEASE_BODY = 125000  # characters: GitHub refuses longer release notes (422)


@dataclass(frozen=True)
class ReleaseData:
    id: int
    tag_name: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    html_url: str


def _release_data(r: Any) -> ReleaseData:
    return ReleaseData(r.id, r.tag_name, r.name or "", r.body or "", bool(r.draft), bool(r.prerelease), r.html_url)


def find_release(gh: GitHub, tag: str) -> ReleaseData | None:
    """The release of ``tag``, drafts included, or None.

    The releases are listed (pages of 100, stopping at the match) because
    ``GET /releases/tags/{tag}`` does not see drafts, and a draft made by an interrupted
    run must be found too.
    """

    def fetch() -> ReleaseData | None:
        for r in gh._repo.get_releases():
            if r.tag_name == tag:
                return _release_data(r)
        return None

    return gh._read(
        f"list the releases of {gh.repository}", fetch, not_found=f"repository {gh.repository} not found at {gh.api_url}"
    )


def create_release(
    gh: GitHub,
    tag: str,
    name: str,
    body: str,
    *,
    draft: bool = False,
    prerelease: bool = False,
    target: str | None = None,
) -> tuple[ReleaseData, bool]:
    """Create the GitHub Release of ``tag`` once: ``(release, created)``.

    Looks first: a release of the tag that exists (published or draft) is returned as it
    is (``created`` False; nothing is edited). After a failure that may have stored it
    (5xx, timeout, lost connection) it looks again before resending; a 422 is answered by
    looking too (GitHub's "already_exists" when another run got there first).
    """
    if len(body) > MAX_RELEASE_BODY:
        raise IssueFlowError(
            f"the notes of release {tag} are {len(body):,} characters; GitHub accepts at most {MAX_RELEASE_BODY:,}; nothing sent"
        )
    found = find_release(gh, tag)
    if found is not None:
        return found, False
    from github.GithubObject import NotSet

    def send() -> ReleaseData:
        r = gh._repo.create_git_release(
            tag, name, body, draft=draft, prerelease=prerelease, target_commitish=target if target else NotSet
        )
        return _release_data(r)

    def on_http(failure: _Failure) -> Any:
        if failure.status == 422:
            again = find_release(gh, tag)
            if again is not None:
                return again
        return _RAISE

    release = gh._write(
        f"create the GitHub Release {tag}",
        send,
        lambda: find_release(gh, tag),
        not_found=f"repository {gh.repository} not found at {gh.api_url}",
        on_http=on_http,
    )
    return release, True
