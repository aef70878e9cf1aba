"""Build the GitHub adapter from the configuration and the environment.

Shared by every command that talks to GitHub (sync, close, new, gate)::

    gh = open_github(cfg)                   # IssueFlowError (exit 2) without a token
    gh = open_github(cfg, required=False)   # None without a token: work offline
    gh, why = optional_github(cfg)          # None and why not without a token or a repository

The token comes from ``issue_flow.tokens`` (``GH_TOKEN``, ``GITHUB_TOKEN``, else ``gh auth
token``; never printed or written), the API
URL and repository from the configuration (which already honours ``GITHUB_API_URL`` and
``GITHUB_REPOSITORY``). Client behaviour can be tuned from the environment, which is how the
tests make timeouts short and switch throttling off:

- ``ISSUE_FLOW_GITHUB_TIMEOUT``: seconds per request (whole seconds, rounded up; default 10,
  at most 600);
- ``ISSUE_FLOW_GITHUB_RETRIES``: retries of a failed read, and of a write that did not land
  (default 3, at most 10);
- ``ISSUE_FLOW_GITHUB_THROTTLE``: seconds between writes (default 1, as PyGithub and
  GitHub's guidance on secondary rate limits have it; reads are not spaced; at most 60).

Building the adapter sends no request, and this module does not import PyGithub itself.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from issue_flow.errors import IssueFlowError

if TYPE_CHECKING:  # pragma: no cover
    from issue_flow.adapters.github import GitHub
    from issue_flow.config import Config

NO_TOKEN = "no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with 'gh auth login'"
WRITE_THROTTLE = 1.0  # seconds between writes unless ISSUE_FLOW_GITHUB_THROTTLE says otherwise
MAX_TIMEOUT = 600.0  # seconds: beyond this a request is not "timing out", it is hanging
MAX_RETRIES = 10
MAX_THROTTLE = 60.0


def _env_number(name: str, *, integer: bool, minimum: float, maximum: float) -> float | int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value: float | int = int(raw) if integer else float(raw)
    except ValueError:
        value = math.nan
    if not (isinstance(value, int) or math.isfinite(value)) or not minimum <= value <= maximum:
        kind = "whole number" if integer else "number of seconds"
        raise IssueFlowError(f"{name} must be a {kind} from {minimum:g} to {maximum:g}, not {raw!r}")
    return value


def client_options() -> dict[str, Any]:
    """Adapter keyword arguments read from the ISSUE_FLOW_GITHUB_* environment variables."""
    opts: dict[str, Any] = {}
    timeout = _env_number("ISSUE_FLOW_GITHUB_TIMEOUT", integer=False, minimum=0.001, maximum=MAX_TIMEOUT)
    if timeout is not None:
        opts["timeout"] = timeout
    retries = _env_number("ISSUE_FLOW_GITHUB_RETRIES", integer=True, minimum=0, maximum=MAX_RETRIES)
    if retries is not None:
        opts["max_retries"] = retries
    throttle = _env_number("ISSUE_FLOW_GITHUB_THROTTLE", integer=False, minimum=0, maximum=MAX_THROTTLE)
    opts["throttle"] = WRITE_THROTTLE if throttle is None else throttle
    return opts


def open_github(cfg: "Config", *, required: bool = True) -> "GitHub | None":
    """The adapter for ``cfg``'s repository; None without a token when not ``required``."""
    from issue_flow import tokens
    from issue_flow.adapters.github import GitHub

    token = tokens.token()
    if not token:
        if required:
            raise IssueFlowError(NO_TOKEN)
        return None
    repository = cfg.require_repository()
    opts = client_options()
    return GitHub(cfg.api_url, repository, token, **opts)


def optional_github(cfg: "Config") -> "tuple[GitHub | None, str | None]":
    """``(adapter, None)`` when GitHub can be asked; ``(None, why not)`` otherwise.

    Why not: ``"no GitHub token"`` or ``"no GitHub repository known"``, for the commands
    that then work from local evidence alone (``new`` offline, gates without check runs).
    """
    from issue_flow import tokens

    # The repository first: it is known without asking anyone, while the token may have to
    # come from ``gh auth token`` (a process); without a repository it is not worth asking.
    if not cfg.repository:
        return None, "no GitHub repository known"
    if not tokens.token():
        return None, "no GitHub token"
    return open_github(cfg, required=False), None
