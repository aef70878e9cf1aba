"""When the GitHub adapter waits, and for how long: the retry policy of reads, rate limits.

Split from :mod:`issue_flow.adapters.github_http` (the client, its write loop and its
messages) because this is the part that talks to urllib3's ``Retry`` machinery: a policy
that repeats reads only (GET, HEAD; never POST or PATCH, which PyGithub's default policy
would post twice), honours ``Retry-After`` and ``X-RateLimit-Reset`` up to ``max_wait``
(beyond it the read fails at once, :class:`WaitTooLong`), and says on stderr when it
waits, so a pause is never silent. urllib3 is imported only when a policy is built.
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import Any, Mapping

SECONDARY_RATE_WAIT = 60.0  # GitHub: "wait at least one minute" when it does not say how long


def wait_notice(wait: float, why: str) -> None:
    """Say on stderr that issue-flow waits (GitHub asked), so a pause is never silent."""
    if wait >= 1:
        import sys

        sys.stderr.write(f"issue-flow: GitHub asked to slow down ({why}): waiting {wait:.0f} s before trying again\n")
        sys.stderr.flush()




# --------------------------------------------------------------------------- rate limits


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    lname = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lname:
            return str(value)
    return None


def asked_wait(status: int, headers: Mapping[str, Any] | None) -> float | None:
    """Seconds an answer asks the client to wait before trying again; None if it asks nothing.

    ``Retry-After`` (seconds or an HTTP date) on any answer; for 403/429, a primary rate
    limit (``X-RateLimit-Remaining: 0``) waits until one second past ``X-RateLimit-Reset``.
    A 429 that gives no time waits a minute, as GitHub's documentation asks.
    """
    retry_after = header(headers, "Retry-After")
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
    if header(headers, "X-RateLimit-Remaining") == "0":
        try:
            reset = float(header(headers, "X-RateLimit-Reset") or "")
        except ValueError:
            return SECONDARY_RATE_WAIT
        return max(0.0, reset + 1.0 - time.time())
    return SECONDARY_RATE_WAIT if status == 429 else None


RATE_MESSAGES = re.compile(
    r"^(api rate limit exceeded|you have exceeded a secondary rate limit)|"
    r"(please retry your request again later\.|please wait a few minutes before you try again\.)$",
    re.IGNORECASE,
)


class WaitTooLong(Exception):
    """Raised from inside urllib3's retry loop when GitHub asks for a wait beyond max_wait."""

    def __init__(self, wait: float):
        super().__init__(f"asked to wait {wait:.0f} s")
        self.wait = wait


retry_class_: Any = None


def retry_policy(max_retries: int, max_wait: float, backoff: float) -> Any:
    """A urllib3 ``Retry`` that repeats reads only, and bounds the rate-limit waits."""
    global retry_class_
    if retry_class_ is None:
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
                    wait = asked_wait(status, response.headers)
                    if status in (403, 429) and wait is None:
                        # A plain "forbidden": give the answer back instead of retrying it.
                        raise MaxRetryError(_pool, url, ResponseError(f"{status} is not retried"))  # type: ignore[arg-type]
                    if wait is not None and wait > self.max_wait:
                        try:
                            response.drain_conn()
                            response.release_conn()
                        except Exception:  # pragma: no cover - best effort
                            pass
                        raise WaitTooLong(wait)
                return super().increment(method, url, response, error, _pool, _stacktrace)

            def get_retry_after(self, response: Any) -> float | None:
                return asked_wait(response.status, response.headers)

            def sleep_for_retry(self, response: Any) -> bool:
                wait = self.get_retry_after(response)
                if wait:
                    asked = "Retry-After" if header(response.headers, "Retry-After") else "no Retry-After given"
                    wait_notice(wait, f"{response.status}, {asked}")
                    time.sleep(wait)
                    return True
                return False

        retry_class_ = ReadRetry

    retry = retry_class_(
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
