"""The GitHub token: where it is read, and how it is kept from leaving the process.

One reader for every caller (the GitHub adapter, gates, release, the CLI)::

    tokens.token()     # GH_TOKEN, else GITHUB_TOKEN (as gh reads them), else `gh auth token`
    tokens.redact(s)   # every form of every token in s replaced by ***

``gh auth token`` is asked only when neither variable is set and gh is installed
(``ISSUE_FLOW_GH_AUTH=0`` turns that off); it runs with a short timeout, its output is never
shown, and its answer is kept for the rest of the process.

:func:`redact` is applied to every string that leaves the process: messages and JSON
(``cli`` wraps stdout and stderr), log records, files written (``fsutil.write_files``),
caches, GitHub Actions summaries and outputs, and debug tracebacks. It replaces each token
as given and stripped of surrounding whitespace, and its base64 forms (as in a Basic
``Authorization`` header a server might echo), before anything is cut short.
"""

from __future__ import annotations

import os

VARS = ("GH_TOKEN", "GITHUB_TOKEN")  # the order gh reads them in
GH_TIMEOUT = 3.0  # seconds for `gh auth token`
MIN_SECRET = 4  # shorter values are not searched for (they would match everywhere)

_gh_cache: dict[str, str | None] = {}


def token() -> str | None:
    """The token: ``GH_TOKEN``, else ``GITHUB_TOKEN`` (blank values ignored, surrounding
    whitespace stripped), else what ``gh auth token`` says; None without one."""
    for var in VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return value
    return _from_gh()


def source() -> str:
    """Where :func:`token` took the token from (for messages), without the token."""
    for var in VARS:
        if os.environ.get(var, "").strip():
            return var
    return "gh auth token" if _from_gh() else "none"


def _from_gh() -> str | None:
    if os.environ.get("ISSUE_FLOW_GH_AUTH", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    import shutil
    import subprocess

    gh = shutil.which("gh")
    if gh is None:
        return None
    host = os.environ.get("GH_HOST", "")
    key = f"{gh}\0{host}"
    if key not in _gh_cache:
        value: str | None = None
        try:
            proc = subprocess.run(
                [gh, "auth", "token"], capture_output=True, timeout=GH_TIMEOUT, stdin=subprocess.DEVNULL,
                env={k: v for k, v in os.environ.items() if k not in VARS},
            )
            if proc.returncode == 0:
                value = proc.stdout.decode("utf-8", "replace").strip() or None
        except (OSError, subprocess.SubprocessError, ValueError):
            value = None
        _gh_cache[key] = value
    return _gh_cache[key]


def _b64_cores(secret: bytes) -> list[str]:
    """The part of base64(anything + secret + anything) that depends on the secret alone,
    for each of the three alignments."""
    import base64

    cores = []
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + secret).decode("ascii").rstrip("=")
        lead = 4 if shift else 0  # characters mixing the prefix and the secret
        usable = (shift + len(secret)) // 3 * 4  # whole groups only: the tail mixes the suffix
        core = enc[lead:usable]
        if len(core) >= 8:
            cores.append(core)
    return cores


def secrets() -> list[str]:
    """Every string to hide, longest first (so no longer form is left half replaced)."""
    found: set[str] = set()
    values = [os.environ.get(v, "") for v in VARS]
    cached = [v for v in _gh_cache.values() if v]
    for raw in [*values, *cached]:
        stripped = raw.strip()
        forms = {raw, stripped}
        head, sep, rest = stripped.partition("_")
        if sep and len(head) <= 4 and len(rest) >= 16:  # ghp_…, gho_…, ghs_…: the part after the prefix
            forms.add(rest)
        for form in forms:
            if len(form) >= MIN_SECRET:
                import base64  # only when there is a secret: off the start-up path

                found.add(form)
                found.update(_b64_cores(form.encode("utf-8")))
                found.add(base64.urlsafe_b64encode(form.encode("utf-8")).decode("ascii").rstrip("="))
    return sorted(found, key=len, reverse=True)


def redact(text: str) -> str:
    """``text`` with every form of every token replaced by ``***``."""
    if not text:
        return text
    for s in secrets():
        if s in text:
            text = text.replace(s, "***")
    return text


MIN_SECRET_IN_FILES = 8  # file contents: a short value would match ordinary text


def redact_bytes(data: bytes) -> bytes:
    """``data`` (a file's bytes, a log) with every form of every token replaced by ``***``."""
    if not data:
        return data
    for s in secrets():
        if len(s) < MIN_SECRET_IN_FILES:
            continue
        b = s.encode("utf-8")
        if b in data:
            data = data.replace(b, b"***")
    return data


def redact_log_records() -> None:
    """Every log record's message through the redaction (PyGithub's, urllib3's, ours)."""
    import logging

    make = logging.getLogRecordFactory()
    if getattr(make, "_issue_flow", False):
        return

    def factory(*args, **kwargs):
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to logging
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return record

    factory._issue_flow = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
