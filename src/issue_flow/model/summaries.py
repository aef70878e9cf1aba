"""Per-folder summaries for ``status``, cached by file identity.

``status`` over a large tree spends nearly all its time reading and scanning every
README and TRACKING file. A folder's summary (title, progress, pairing, parent, drift)
depends only on those two files, so it is kept in a cache keyed by their identity
(modification time in nanoseconds, size, inode), as git's index does for the work tree.
A file whose identity changed is read again; a file changed within the last two seconds
is never cached (its next change might keep the same modification time).

The cache lives in ``.git/issue-flow/status-cache.json`` (never in the work tree), or
under ``$XDG_CACHE_HOME/issue-flow/`` for a tree without ``.git``. It is an optimisation
only: a missing, stale or unreadable cache means the files are read; a cache that cannot
be written is ignored; ``ISSUE_FLOW_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from issue_flow import __version__
from issue_flow.errors import IssueFlowError

CACHE_VERSION = f"1/{__version__}"
FILES = ("README.md", "TRACKING.md")
RACY_SECONDS = 2.0


def summarize(folder: Any) -> dict[str, Any]:
    """The summary of one issue folder (reads README and TRACKING)."""
    prog = folder.progress()
    return {
        "number": folder.number,
        "path": folder.rel,
        "kind": folder.kind,
        "title": folder.title,
        "criteria": {"done": prog["criteria_done"], "total": prog["criteria_total"]},
        "status_rows": prog["status_rows"],
        "pairing": prog["pairing"],
        "phases": {"done": prog["phases_done"], "total": prog["phases_total"]},
        "parent": folder.parent,
        "drift": folder.drift(),
    }


def _identity(folder_path: Path) -> tuple[list[Any] | None, bool]:
    """([mtime_ns, size, inode] per file or None), and whether it is safe to cache."""
    now = time.time_ns()
    ident: list[Any] = []
    safe = True
    for name in FILES:
        try:
            st = os.stat(folder_path / name)
        except FileNotFoundError:
            ident.append(None)
            continue
        except OSError:
            return None, False
        ident.append([st.st_mtime_ns, st.st_size, st.st_ino])
        if now - st.st_mtime_ns < RACY_SECONDS * 1e9:
            safe = False
    return ident, safe


def cache_path(root: Path) -> Path | None:
    if os.environ.get("ISSUE_FLOW_NO_CACHE"):
        return None
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / "issue-flow" / "status-cache.json"
    from issue_flow.fsutil import cache_dir, hasher

    folder = cache_dir("status")
    if folder is None:
        return None
    h = hasher()
    h.update(str(root.resolve()).encode())
    return folder / f"{h.hexdigest()}.json"


class SummaryCache:
    def __init__(self, root: Path):
        self.path = cache_path(root)
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if self.path is not None:
            try:
                data = json.loads(self.path.read_bytes())
                if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
                    entries = data.get("entries")
                    self.entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError, RecursionError):
                self.entries = {}

    def summary(self, folder: Any) -> dict[str, Any]:
        """The folder's summary, from the cache when its files did not change."""
        ident, safe = _identity(folder.path)
        key = folder.rel
        hit = self.entries.get(key)
        if ident is not None and isinstance(hit, dict) and hit.get("id") == ident and isinstance(hit.get("summary"), dict):
            return hit["summary"]
        summary = summarize(folder)
        if ident is not None and safe:
            self.entries[key] = {"id": ident, "summary": summary}
            self.dirty = True
        elif key in self.entries:
            del self.entries[key]
            self.dirty = True
        return summary

    def forget_others(self, keep: set[str]) -> None:
        for key in [k for k in self.entries if k not in keep]:
            del self.entries[key]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        from issue_flow import fsutil

        data = json.dumps({"version": CACHE_VERSION, "entries": self.entries}, separators=(",", ":"))
        try:
            fsutil.atomic_write(self.path, data.encode("utf-8"))
        except (OSError, IssueFlowError):
            pass  # an optimisation only
