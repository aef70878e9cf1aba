"""Per-issue summaries for ``status``, cached by file identity.

``status`` over a large tree spends nearly all its time reading and scanning every
document. An issue's summary (title, tasks per document and section, criteria, pairing,
parent, drift) depends only on its documents, so it is kept in a cache keyed by their identity
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
from issue_flow.paths import rel_posix

CACHE_VERSION = f"3/{__version__}"
RACY_SECONDS = 2.0
SCHEMA = 2  # of ``status --json``


def summarize(folder: Any) -> dict[str, Any]:
    """The summary of one issue (reads every one of its documents)."""
    per_doc: dict[str, dict[str, Any]] = {}
    names = []
    for path in folder.files:
        name = folder.name_of(path)
        names.append(name)
        per_doc[name] = {"path": rel_posix(folder.cfg.root, path), "tasks": {"done": 0, "total": 0}, "sections": {}}
    if any("#" in n or ":" in n for n in names):
        done, total = _count_by_address(folder, per_doc)
    else:
        done, total = _count(folder, per_doc, names)
    return _summary(folder, per_doc, done, total)


def _count(folder: Any, per_doc: dict[str, dict[str, Any]], names: list[str]) -> tuple[int, int]:
    """Tasks done and total of the issue, per document and section, added to ``per_doc``.

    What :func:`issue_flow.model.items.items` gives, counted without building the items:
    ``status`` needs the counts of every issue, not the items' names and addresses (whose
    plain-word labels and heading anchors cost most of the time). A criterion paired with a
    status row is two lines of one document: it counts twice, in the criterion's section.
    """
    crit = folder.criteria
    readme = folder.readme
    mirror = folder.status_table
    row_of = {id(p.criterion): p.row for p in folder.pairing[1] if p.criterion is not None}
    crit_ids = {id(c) for c in crit}
    paired_rows = {id(r) for r in row_of.values() if r is not None}
    totals = [0, 0]  # done, total

    def add(entry: dict[str, Any], section: str, st: bool | None) -> None:
        totals[1] += 1
        totals[0] += st is True
        entry["tasks"]["total"] += 1
        entry["tasks"]["done"] += st is True
        sec = entry["sections"].get(section)
        if sec is None:
            sec = entry["sections"][section] = {"section": section, "done": 0, "total": 0}
        sec["total"] += 1
        sec["done"] += st is True

    later: list[tuple[dict[str, Any], str, bool | None]] = []  # the other items, after the criteria
    crit_section: dict[int, str] = {}
    for path, name in zip(folder.files, names):
        doc = folder.load(path)
        entry = per_doc[name]
        is_readme = doc is readme
        # A task is (line, the Task, None) in the primary document (its criteria are
        # Tasks), (line, ticked, None) in the others.
        entries: list[tuple[int, Any, Any]] = (
            [(t.line, t, None) for t in doc.tasks] if is_readme else [(line, st, None) for line, st in doc.task_states()]
        )
        for table in doc.status_tables:
            entries += [(r.line, r, table) for r in table.rows if r.ok]
        if not entries:
            continue  # nothing to count: its headings are not needed (nor a scan for them)
        entries.sort(key=lambda e: e[0])
        for (line, obj, table), section in zip(entries, _section_paths(doc, [e[0] for e in entries])):
            if table is None:
                if not is_readme:
                    later.append((entry, section, obj))
                    continue
                if id(obj) in crit_ids:
                    crit_section[id(obj)] = section
                    continue
                later.append((entry, section, obj.checked))
            elif not (is_readme and id(obj) in paired_rows):
                cell = table.status(obj)
                if cell.done is None and cell.marker is not None:
                    continue  # N/A: neither done nor open
                later.append((entry, section, cell.done))
    if crit:
        entry = per_doc.get(names[folder.files.index(folder.primary_path)])
        for c in crit:
            section = crit_section[id(c)]
            add(entry, section, c.checked)
            row = row_of.get(id(c))
            if row is not None and mirror is not None:
                cell = mirror.status(row)
                if not (cell.done is None and cell.marker is not None):
                    add(entry, section, cell.done)
    for entry, section, st in later:
        add(entry, section, st)
    return totals[0], totals[1]


def _section_paths(doc: Any, lines: list[int]) -> list[str]:
    """The heading path (titles below the document's title, as plain words) above each of
    ``lines`` (in order); a heading's plain words are worked out only when an item is under it."""
    from issue_flow.model.document import strip_markup

    heads = doc.headings
    out = []
    hk = 0
    stack: list[tuple[int, str]] = []
    path = ""
    dirty = False
    for line in lines:
        while hk < len(heads) and heads[hk].line < line:
            h = heads[hk]
            while stack and stack[-1][0] >= h.level:
                stack.pop()
                dirty = True
            if h.level > 1:  # the title is the document's, not a section's
                stack.append((h.level, h.text))
                dirty = True
            hk += 1
        if dirty:
            path = " / ".join(strip_markup(t) for _, t in stack)
            dirty = False
        out.append(path)
    return out


def _count_by_address(folder: Any, per_doc: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """:func:`_count` from the items themselves, for documents whose names hold '#' or ':'
    (their items' addresses name the document only in part)."""
    from issue_flow.model.items import items

    pool = items(folder)
    done = total = 0
    for it in pool:
        dname = it.address.split("#", 1)[0].rsplit(":", 1)[0]
        entry = per_doc.get(dname)
        # a criterion paired with a row is two lines of one document: it counts twice
        states = []
        if it.criterion is not None:
            states.append(it.criterion.checked)
        if it.row is not None and it.table is not None:
            states.append(it.table.status(it.row).done)
        for st in states:
            if st is None and it.row is not None and it.table is not None and it.table.status(it.row).marker is not None:
                continue  # N/A: neither done nor open
            total += 1
            done += st is True
            if entry is not None:
                entry["tasks"]["total"] += 1
                entry["tasks"]["done"] += st is True
                sec = entry["sections"].setdefault(it.section, {"section": it.section, "done": 0, "total": 0})
                sec["total"] += 1
                sec["done"] += st is True
    return done, total


def _summary(folder: Any, per_doc: dict[str, dict[str, Any]], done: int, total: int) -> dict[str, Any]:
    prog = folder.progress()
    documents = []
    for d in per_doc.values():
        d["sections"] = list(d["sections"].values())
        documents.append(d)
    findings = folder.findings()
    return {
        "number": folder.number,
        "path": folder.rel,
        "kind": folder.kind,
        "title": folder.title,
        "tasks": {"done": done, "total": total},
        "documents": documents,
        "criteria": {"done": prog["criteria_done"], "total": prog["criteria_total"]},
        "status_rows": prog["status_rows"],
        "pairing": prog["pairing"],
        "phases": {"done": prog["phases_done"], "total": prog["phases_total"]},
        "parent": folder.parent,
        "labels": folder.labels,
        "drift": [f.message for f in findings if f.kind == "drift"],
        "unpaired": [f.message for f in findings if f.kind == "unpaired"],
    }


def _identity(files: list[Path]) -> tuple[list[Any] | None, bool]:
    """([name, mtime_ns, size, inode] per file or None), and whether it is safe to cache."""
    now = time.time_ns()
    ident: list[Any] = []
    safe = True
    for path in files:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            ident.append(None)
            continue
        except OSError:
            return None, False
        ident.append([str(path), st.st_mtime_ns, st.st_size, st.st_ino])
        if now - st.st_mtime_ns < RACY_SECONDS * 1e9:
            safe = False
    return ident, safe


def cache_path(root: Path, name: str = "status-cache.json") -> Path | None:
    """Where issue-flow keeps a file of local state for ``root`` (never in the work tree):
    ``.git/issue-flow/NAME``, else a per-root file in the user's cache folder."""
    if os.environ.get("ISSUE_FLOW_NO_CACHE"):
        return None
    git_dir = root / ".git"
    if git_dir.is_dir():
        return git_dir / "issue-flow" / name
    from issue_flow.fsutil import cache_dir, hasher

    folder = cache_dir("status")
    if folder is None:
        return None
    h = hasher()
    h.update(str(root.resolve()).encode())
    return folder / f"{h.hexdigest()}-{name}"


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

    @staticmethod
    def key(folder: Any) -> str:
        return f"{folder.number}:{folder.rel}"

    def _hit(self, key: str, ident: list[Any] | None) -> dict[str, Any] | None:
        """The cached summary under ``key`` if its files still have identity ``ident``."""
        hit = self.entries.get(key)
        if ident is None or not isinstance(hit, dict) or hit.get("id") != ident:
            return None
        summary = hit.get("summary")
        return summary if isinstance(summary, dict) and _well_formed(summary) else None

    def summary(self, folder: Any) -> dict[str, Any]:
        """The folder's summary, from the cache when its files did not change."""
        ident, safe = _identity(folder.files)
        key = self.key(folder)
        hit = self._hit(key, ident)
        if hit is not None:
            return hit
        summary = summarize(folder)
        if ident is not None and safe:
            self.entries[key] = {"id": ident, "summary": summary}
            self.dirty = True
        elif key in self.entries:
            del self.entries[key]
            self.dirty = True
        return summary

    def summaries(self, cfg: Any, refs: list[Any]) -> tuple[list[dict[str, Any]], list[tuple[Any, str]], set[str]]:
        """The summaries of the issues ``refs`` in order (from the cache where their files did
        not change), the issues that could not be read (ref, message), and the cache keys.

        The issues to read are read one at a time and dropped (memory stays flat); on a large
        tree they are read in worker processes (:mod:`issue_flow.parallel`).
        """
        from issue_flow import parallel
        from issue_flow.model.issues import IssueFolder

        out: list[dict[str, Any] | None] = []
        keys: set[str] = set()
        todo: list[tuple[int, Any, str, Any, bool]] = []  # (position, ref, key, identity, safe)
        for ref in refs:
            if self.path is None:  # no cache (ISSUE_FLOW_NO_CACHE, or nowhere to keep one)
                todo.append((len(out), ref, "", None, False))  # nothing to look up or stat
                out.append(None)
                continue
            folder = IssueFolder(cfg, ref)
            key = self.key(folder)
            keys.add(key)
            ident, safe = _identity(folder.files)
            hit = self._hit(key, ident)
            if hit is not None:
                out.append(hit)
            else:
                todo.append((len(out), ref, key, ident, safe))
                out.append(None)

        def work(k: int) -> tuple[bool, Any]:
            folder = IssueFolder(cfg, todo[k][1])
            try:
                return True, summarize(folder)
            except IssueFlowError as exc:
                return False, exc.message
            finally:
                folder.forget()

        failed: dict[int, str] = {}
        files = sum(len(t[1].files) for t in todo)
        weights = [len(t[1].files) for t in todo]
        for (pos, ref, key, ident, safe), (ok, value) in zip(todo, parallel.map_in_order(work, len(todo), files, weights)):
            if not ok:
                failed[pos] = value
                continue
            out[pos] = value
            if ident is not None and safe:
                self.entries[key] = {"id": ident, "summary": value}
                self.dirty = True
            elif key in self.entries:
                del self.entries[key]
                self.dirty = True
        errors = [(refs[pos], msg) for pos, msg in sorted(failed.items())]
        return [s for s in out if s is not None], errors, keys

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


_FIELDS = {"number": int, "path": str, "title": str, "tasks": dict, "documents": list, "criteria": dict,
           "phases": dict, "drift": list, "labels": list, "unpaired": list, "pairing": str, "status_rows": int}


def _well_formed(summary: dict[str, Any]) -> bool:
    """A cache entry is used only when every field has its type (else it is recomputed)."""
    return all(isinstance(summary.get(k), t) and not isinstance(summary.get(k), bool) for k, t in _FIELDS.items())
