"""The use-case of ``issue-flow lint``: every finding of the tree (or of one issue), typed.

Findings: drift between a criterion and its status row, criteria and status rows that
cannot be paired, repeated criterion labels (from the document model), title/GitHub header
lines whose number disagrees with the folder, a parent whose README does not link back to
the child, relative links whose target does not exist (in every Markdown file under the
docs folder), and files that cannot be read. Each has a :class:`Kind`; nothing downstream
reads a message to learn what a finding is.

How it stays fast on large trees (docs/performance.md):

- **Each file is read once**: one ``read``, one UTF-8 decode, shared by the model (which
  builds its documents from that text, :class:`_Folder`) and the link reading
  (:func:`issue_flow.linkcheck.file_links`, from the bytes when the scanner is not needed).
- The model is asked only for what lint reports: an issue's primary document and TRACKING
  (pairing, title, header lines); its other documents are read for their links only. A
  document is scanned whole only when that is needed: the title and header lines come from
  its first lines, and a document with no status table has no criteria read
  (:mod:`issue_flow.model.partial`).
- Issues are independent tasks, run on every core above a few hundred documents
  (:mod:`issue_flow.parallel`); a task sends back tuples of strings and numbers.
- Back-links are checked after the tasks, one read of each parent for all of its children
  (a child-by-child search of the parent's text grew with children × parent size).
"""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path
from typing import Any, Callable

from issue_flow.errors import IssueFlowError
from issue_flow.paths import rel_posix
from issue_flow.records import record


class Kind(str, Enum):
    """What a finding is (its JSON ``kind``)."""

    DRIFT = "drift"
    UNPAIRED = "unpaired"
    DUPLICATE_LABEL = "duplicate-label"
    HEADER = "header"
    BACKLINK = "backlink"
    DEAD_LINK = "dead-link"
    UNREADABLE = "unreadable"


_KIND_OF = {k.value: k for k in Kind}


@record
class Finding:
    path: str  # relative to the repository root, with '/'
    line: int | None  # 1-based; None for a whole file
    kind: Kind
    message: str
    hint: str | None = None  # a suggestion (lint --fix found candidates it would not choose)
    target: str | None = None  # dead-link: the link's destination as written
    parent: int | None = None  # backlink: the parent issue …
    child: int | None = None  # … and the child it does not link back to

    def as_dict(self) -> dict:
        """The finding as ``lint --json`` prints it."""
        d = {"path": self.path, "line": self.line, "kind": self.kind.value, "message": self.message}
        if self.hint is not None:
            d["hint"] = self.hint
        return d


@record
class Report:
    findings: list[Finding]
    files: int  # Markdown files whose links were checked
    folders: int  # issues checked
    ignored: int = 0  # findings dropped by ignore rules or --changed

    def as_dict(self) -> dict:
        return {"problems": [f.as_dict() for f in self.findings], "files": self.files,
                "folders": self.folders, "ignored": self.ignored}


def collect(cfg, number: int | None) -> dict:
    """Every finding as ``lint --json`` prints it (without ignore rules)."""
    r = check(cfg, number)
    return {"problems": [f.as_dict() for f in r.findings], "files": r.files, "folders": r.folders}


def report(cfg, number: int | None, rules: list[str], only: set[str] | None) -> Report:
    """The findings lint reports: all of them but those an ignore rule or ``only`` (the
    files changed, for ``--changed``) leaves out."""
    r = check(cfg, number)
    kept = [f for f in r.findings if not ignored(rules, f) and (only is None or f.path in only)]
    return Report(kept, r.files, r.folders, len(r.findings) - len(kept))


def ignored(rules: list[str], finding: Finding) -> bool:
    """Does an ignore rule ``"KIND [PATH-GLOB]"`` (or ``"* GLOB"``) match the finding?"""
    from fnmatch import fnmatch

    for rule in rules:
        kind, _, glob = rule.strip().partition(" ")
        if kind not in ("*", finding.kind.value):
            continue
        if not glob.strip() or fnmatch(finding.path, glob.strip()):
            return True
    return False


# --------------------------------------------------------------------------- the checks

_TITLE_NUMBER = re.compile(r"#(\d+)")
_REPOSITORY = re.compile(r"github\.com/([\w.-]+/[\w.-]+)/issues/")
_BACKLINKS = re.compile(r"(?:#|ISSUE-)(\d+)")


_FOLDER_CLASS: type | None = None


def _folder_class() -> type:
    """:class:`IssueFolder` reading through lint's cache (defined on first use: the model
    is imported lazily)."""
    global _FOLDER_CLASS
    if _FOLDER_CLASS is not None:
        return _FOLDER_CLASS
    from issue_flow.model.document import Document
    from issue_flow.model.issues import IssueFolder

    class _Folder(IssueFolder):
        """An issue whose documents are built from the bytes lint has read (each file read
        and decoded once, for the model and for the links)."""

        def __init__(self, cfg, ref):
            super().__init__(cfg, ref)
            self.read_cache: dict[Path, tuple[bytes, str] | IssueFlowError] = {}

        def read(self, path: Path) -> tuple[bytes, str]:
            got = self.read_cache.get(path)
            if got is None:
                got = self.read_cache[path] = _read(path)
            if isinstance(got, IssueFlowError):
                raise IssueFlowError(got.message)
            return got

        def read_document(self, path: Path) -> Document:
            return Document(path, self.read(path)[1])

        def forget(self) -> None:
            super().forget()
            self.read_cache.clear()

    _FOLDER_CLASS = _Folder
    return _Folder


def _read(path) -> tuple[bytes, str] | IssueFlowError:
    """A file's bytes and their text, or the one-line error every command gives for it."""
    from issue_flow import fsutil

    try:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except (OSError, ValueError):
            data = fsutil.read_bytes(path)  # its error message (or the file, if it is back)
        return data, fsutil.decode_utf8(data, path)
    except IssueFlowError as exc:
        return exc


def markdown_files(top: Path) -> list[str]:
    """``sorted(top.rglob("*.md"))`` as strings, from one ``os.scandir`` per folder: every
    entry whose name ends in ``.md`` (symbolic links and folders too), in every folder
    below ``top`` but those reached through a symbolic link, in path order (by parts)."""
    if os.name != "posix":
        return [str(p) for p in sorted(top.rglob("*.md"))]
    out: list[str] = []

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except PermissionError:
            return
        for e in entries:
            if e.name.endswith(".md"):
                out.append(e.path)
            try:
                sub = e.is_dir(follow_symlinks=False)
            except OSError:
                sub = False
            if sub:
                walk(e.path)

    walk(str(top))
    out.sort(key=lambda s: s.split("/"))
    return out


def _issue_findings(cfg, folder, disc, rel) -> list[tuple]:
    """The model's findings, then title and GitHub header lines, as tuples."""
    from issue_flow.model.issues import GITHUB_KEYS

    out: list[tuple] = [(rel(f.path), f.line, f.kind, f.message) for f in folder.findings()]
    readme = folder.readme
    title = readme.title
    shared = disc.folders[folder.number].shared if folder.number in disc.folders else False
    if title is not None and folder.kind == "issue" and not shared and folder.has_readme:
        m = _TITLE_NUMBER.search(title.text)
        if m and int(m.group(1)) != folder.number:
            out.append((rel(folder.primary_path), title.line + 1, "header", f"title names #{m.group(1)}, folder is #{folder.number}"))
    for doc in (readme, folder.tracking):
        if doc is None or shared:
            continue
        h = folder.header(GITHUB_KEYS, doc)
        if h is None:
            continue
        if h.number is not None and h.number != folder.number:
            out.append((rel(doc.path), h.line + 1, "header", f"GitHub line names #{h.number}, folder is #{folder.number}"))
        url = h.url
        if url and cfg.repository:
            m = _REPOSITORY.search(url)
            if m and m.group(1).lower() != cfg.repository.lower():
                out.append((rel(doc.path), h.line + 1, "header", f"GitHub line links {m.group(1)}, repository is {cfg.repository}"))
    return out


def check(cfg, number: int | None = None) -> Report:
    """Issue checks per issue, then the links of every Markdown file under the docs folder
    (of the issue's files only, for one issue), in that order.

    An issue's own files are checked right after the issue, from the bytes its checks
    read, and dropped before the next issue. A task (an issue, or 16 files outside any
    issue) returns its findings as tuples and, for the back-link check done here after
    all tasks, the issue's parent.
    """
    from issue_flow import parallel
    from issue_flow.linkcheck import Listings, dead_targets, file_links, links, may_link_relatively
    from issue_flow.model.issues import discover, load_issue

    root = cfg.root

    def rel(path) -> str:
        s = os.fspath(path)
        return rel_posix(root, s) if os.path.isabs(s) else s

    disc = discover(cfg)
    folder_class = _folder_class()
    if number is not None:
        folders = [load_issue(cfg, number, disc)]
        files = list(folders[0].files)
    else:
        folders = sorted((folder_class(cfg, ref) for ref in disc.folders.values()), key=lambda f: f.number)
        files = markdown_files(cfg.docs_dir)
    pending = {os.fspath(p) for p in files}
    tasks: list[tuple[Any, list]] = []  # (issue or None, the files whose links it checks)
    for f in folders:
        mine = [p for p in f.files if os.fspath(p) in pending]
        pending.difference_update(os.fspath(p) for p in mine)
        tasks.append((f, mine))
    rest = sorted(pending, key=lambda s: s.split(os.sep))
    for k in range(0, len(rest), 16):
        tasks.append((None, rest[k : k + 16]))
    listings = Listings()
    sroot = str(root)

    def work(k: int) -> tuple[list[tuple], int | None, list[tuple]]:
        f, paths = tasks[k]
        mine: list[tuple] = []
        parent = None
        if f is not None:
            try:
                mine = _issue_findings(cfg, f, disc, rel)
                parent = f.parent
            except IssueFlowError as exc:
                if number is not None:
                    raise
                mine = [(rel(f.path), None, "unreadable", exc.message)]
        found: list[tuple] = []
        reader = f.read if isinstance(f, folder_class) else None
        for path in paths:
            doc = f.loaded(path) if f is not None else None
            try:
                if doc is not None and ("structure" in doc.__dict__ or reader is None):
                    hrefs = links(doc)  # the model's document, scanned already (or one issue's)
                else:
                    got = reader(path) if reader is not None else _read(path)
                    if isinstance(got, IssueFlowError):
                        raise IssueFlowError(got.message)
                    hrefs = file_links(got[0], got[1], doc) if may_link_relatively(got[0]) else []
            except IssueFlowError as exc:
                if number is not None:
                    raise
                found.append((rel(path), None, "unreadable", exc.message))
                continue
            if hrefs:
                where = rel(path)
                for line, href in dead_targets(sroot, os.path.dirname(os.fspath(path)), hrefs, listings):
                    found.append((where, line, "dead-link", f"link target does not exist: {href}", href))
        if f is not None:
            f.forget()  # drop the documents and bytes before the next issue
        return mine, parent, found

    results = list(parallel.map_in_order(
        work, len(tasks), len(files) if number is None else 0,
        [len(t[1]) + (2 if t[0] is not None else 0) for t in tasks],
    ))
    backlinks = _backlinks(cfg, disc, [(t[0], r[1]) for t, r in zip(tasks, results)], rel)
    findings: list[Finding] = []
    kind_of = _KIND_OF  # a dict lookup per finding, not a call of the Enum
    for k, (mine, _parent, found) in enumerate(results):
        findings += [Finding(p, line, kind_of[kind], msg) for p, line, kind, msg in mine]
        if k in backlinks:
            findings.append(backlinks[k])
        findings += [Finding(p, line, kind_of[kind], msg, None, t[0] if t else None) for p, line, kind, msg, *t in found]
    return Report(findings, len(files), len(folders))


def _backlinks(cfg, disc, issues: list[tuple[Any, int | None]], rel) -> dict[int, Finding]:
    """Task index -> the finding of an issue whose parent does not link back to it: each
    parent's primary document read once, its ``#N`` / ``ISSUE-N`` numbers kept as a set."""
    from issue_flow.model.issues import IssueFolder

    linked: dict[int, tuple[str, set[str]]] = {}
    out: dict[int, Finding] = {}
    for k, (f, parent) in enumerate(issues):
        if f is None or parent is None or parent == f.number or parent not in disc.folders:
            continue
        if parent not in linked:
            pf = IssueFolder(cfg, disc.folders[parent])
            try:
                text = pf.readme.text
            except IssueFlowError:
                text = ""
            linked[parent] = (rel(pf.primary_path), set(_BACKLINKS.findall(text)))
        where, numbers = linked[parent]
        if str(f.number) not in numbers:
            out[k] = Finding(where, None, Kind.BACKLINK, f"parent #{parent} does not link back to #{f.number}",
                             parent=parent, child=f.number)
    return out


# --------------------------------------------------------------------------- --fix


def fix(cfg, number: int | None, found: Report, side: str | None, apply: Callable[[Any], None],
        *, rules: list[str], only: set[str] | None, dry_run: bool) -> tuple[Report, dict]:
    """Repair what is safe (:mod:`issue_flow.workflows.lint_fix`) under the repository lock;
    ``apply(plan)`` writes it (or shows it). Returns what is left and what was fixed."""
    from issue_flow import fsutil
    from issue_flow.workflows.lint_fix import plan_fix

    with fsutil.repo_lock(cfg.root):
        plan, fixed, hints = plan_fix(cfg, number, found.findings, side)
        for k, hint in hints.items():
            found.findings[k].hint = hint
        result = {"fixed": [found.findings[k].as_dict() for k in fixed],
                  "files": [w.path.relative_to(cfg.root).as_posix() for w in plan.writes]}
        apply(plan)
    if dry_run:
        gone = set(fixed)
        return Report([f for k, f in enumerate(found.findings) if k not in gone], found.files, found.folders, found.ignored), result
    kept = {(f.path, f.line, f.message): f.hint for f in found.findings}
    left = report(cfg, number, rules, only)  # what is left, read again from the files
    for f in left.findings:
        if kept.get((f.path, f.line, f.message)):
            f.hint = kept[(f.path, f.line, f.message)]
    return left, result
