"""Every web URL issue-flow writes, built from the REST API URL of the configuration.

One rule for the web host (PRODUCT.md section 4: github.com, GitHub Enterprise Server,
GitHub Enterprise Cloud with data residency, and the local test server):

==================================  ==================================
API URL                             web URL
==================================  ==================================
``https://api.github.com``          ``https://github.com``
``https://HOST/api/v3`` (GHES)      ``https://HOST``
``https://api.NAME.ghe.com``        ``https://NAME.ghe.com``
anything else                       itself (a proxy or server that serves both)
==================================  ==================================

A port and a path before ``/api/v3`` are kept (``http://127.0.0.1:8080/api/v3`` →
``http://127.0.0.1:8080``). Nothing here sends a request or imports anything heavy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit


def web_base(api_url: str) -> str:
    """The web root matching a REST API base URL (see the module docstring)."""
    parts = urlsplit((api_url or "").strip().rstrip("/"))
    scheme, host, path = parts.scheme or "https", parts.netloc, parts.path.rstrip("/")
    if path.endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    elif not path and host.lower() == "api.github.com":
        host = "github.com"
    elif not path and host.lower().startswith("api.") and host.lower().rstrip(".").endswith(".ghe.com"):
        host = host[len("api.") :]
    return f"{scheme}://{host}{path}"


def repo_url(cfg: Any) -> str | None:
    """``{web}/{owner}/{name}``, or None when no repository is known or the web root is not http(s)."""
    if not getattr(cfg, "repository", None):
        return None
    web = web_base(cfg.api_url)
    if not web.startswith(("https://", "http://")):
        return None  # never a link to another scheme (javascript:, file:) from a bad api_url
    return f"{web}/{cfg.repository}"


def issue_url(cfg: Any, number: int) -> str | None:
    base = repo_url(cfg)
    return f"{base}/issues/{int(number)}" if base else None


def tree_url(cfg: Any, branch: str, rel: str) -> str | None:
    """A folder on a branch: ``{web}/{repo}/tree/{branch}/{rel}`` (both parts URL-quoted)."""
    base = repo_url(cfg)
    return f"{base}/tree/{quote(branch)}/{quote(rel)}" if base else None


def blob_url(cfg: Any, ref: str, rel: str) -> str | None:
    """A file at a branch or tag: ``{web}/{repo}/blob/{ref}/{rel}``."""
    base = repo_url(cfg)
    return f"{base}/blob/{quote(ref)}/{quote(rel)}" if base else None


def release_url(cfg: Any, tag: str) -> str | None:
    """The GitHub Release of a tag: ``{web}/{repo}/releases/tag/{tag}``."""
    base = repo_url(cfg)
    return f"{base}/releases/tag/{quote(tag)}" if base else None


def compare_url(cfg: Any, old: str, new: str) -> str | None:
    """The changes between two tags: ``{web}/{repo}/compare/{old}...{new}``."""
    base = repo_url(cfg)
    return f"{base}/compare/{quote(old)}...{quote(new)}" if base else None
