"""npm registry: is a package version published? (standard library HTTP only)

One request per package: ``GET {registry}/{name}/{version}`` (a scoped name as
``@scope%2fname``), which the npm registry and verdaccio answer 200 with the version's
document or 404. Nothing else of the registry is read (a package document can be
megabytes). The registry for a package is, in order: ``--registry``; the package's
``publishConfig.registry``; ``NPM_CONFIG_REGISTRY`` / ``npm_config_registry``; the
``[release] registry`` setting; ``@scope:registry`` then ``registry`` of the project's
``.npmrc``, then of the user's (``NPM_CONFIG_USERCONFIG`` or ``~/.npmrc``, which is where
``actions/setup-node`` writes its ``registry-url``); else ``https://registry.npmjs.org/``.

A token (``NODE_AUTH_TOKEN``, else ``NPM_TOKEN``) is sent as ``Authorization: Bearer`` to
the registry only, and never shown. Errors are one line (IssueFlowError): unreachable,
timeout, an answer other than 200/404.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from issue_flow.errors import IssueFlowError

DEFAULT_REGISTRY = "https://registry.npmjs.org/"


@dataclass(frozen=True)
class Check:
    name: str
    version: str
    registry: str
    published: bool


def _npmrc(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith((";", "#")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        out[key.strip()] = value.strip().strip('"').strip("'")
    return out


def registry_for(name: str, root: Path, *, explicit: str | None = None, publish_config: str | None = None,
                 configured: str | None = None) -> str:
    """The registry URL (ending in ``/``) that package ``name`` is checked on."""
    scope = name.split("/", 1)[0] if name.startswith("@") and "/" in name else None
    found = explicit or publish_config or os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry")
    found = found or configured
    if not found:
        user = os.environ.get("NPM_CONFIG_USERCONFIG") or os.environ.get("npm_config_userconfig")
        files = [root / ".npmrc", Path(user) if user else Path.home() / ".npmrc"]
        for rc in (_npmrc(f) for f in files):
            if scope and rc.get(f"{scope}:registry"):
                found = rc[f"{scope}:registry"]
                break
            if rc.get("registry"):
                found = rc["registry"]
                break
    found = (found or DEFAULT_REGISTRY).strip()
    if not re.match(r"https?://[^/\s]+", found):
        raise IssueFlowError(f"registry {found!r} for {name}: not an http(s) URL")
    return found.rstrip("/") + "/"


def version_url(registry: str, name: str, version: str) -> str:
    return f"{registry.rstrip('/')}/{quote(name, safe='@')}/{quote(version, safe='')}"


def _token() -> str | None:
    for var in ("NODE_AUTH_TOKEN", "NPM_TOKEN"):
        value = os.environ.get(var, "").strip()
        if value:
            return value
    return None


def is_published(registry: str, name: str, version: str, *, timeout: float = 10.0) -> bool:
    """Is ``name@version`` on ``registry``? True on 200 (naming that version), False on 404."""
    import urllib.error
    import urllib.request

    url = version_url(registry, name, version)
    headers = {"Accept": "application/json", "User-Agent": "issue-flow"}
    token = _token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    host = urlsplit(registry).netloc
    req = urllib.request.Request(url, headers=headers, method="GET")
    failure = None
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) checked above)
            status, data = resp.status, resp.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status, data = exc.code, b""
        exc.close()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        failure = f"cannot reach the registry {host} ({type(reason).__name__}: {str(reason)[:120]}) to look up {name}@{version}"
        status, data = 0, b""
    if failure:
        raise IssueFlowError(failure.replace(token, "***") if token else failure)
    if status == 404:
        return False
    if status != 200:
        raise IssueFlowError(f"the registry {host} answered {status} to {name}@{version}")
    try:
        doc = json.loads(data)
    except ValueError:
        raise IssueFlowError(f"the registry {host} answered {name}@{version} with something that is not JSON") from None
    return isinstance(doc, dict) and doc.get("version") == version
