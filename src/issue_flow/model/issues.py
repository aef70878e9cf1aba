"""Issues as sets of documents: discovery, and the model of one issue.

An issue is every Markdown document that belongs to it (see docs/decisions.md):

- a folder ``ISSUE-N`` / ``ISSUE-N-SLUG`` (its ``README.md``, ``TRACKING.md``, ``ANALYSIS.md``
  and every other ``.md`` file in it and in its plain subfolders);
- a loose file ``ISSUE-N.md`` / ``ISSUE-N-SLUG.md``;
- a folder or file naming several issues (``ISSUE-512-515``, ``ISSUES-490-379-346-333``):
  its documents belong to each issue it names;
- an epic folder ``epic-N`` (its own documents are issue N) and the issue folders nested in
  it (``epic-546/ISSUE-554``), nested folders under any plain folder too.

Everything found for one number is one issue. Its **primary document** is the folder's
``README.md``, else its only document, else the first loose file, else its first file; the
title, the header lines (GitHub, Parent) and the **criteria** are read from it.

Criteria are the task items under the primary document's criteria headings (any heading
starting with one of ``criteria_headings``: "Acceptance", "Definition of done" by default,
numbering and emphasis ignored); a README or loose file with no such heading has its
top-level task items as its checklist. They are paired (:mod:`.pairing`) with the status
table of the primary document that mirrors them: a table whose label column is headed
"Criterion"/"Criteria"/"Acceptance", or whose pairs cover more than half of the criteria *and* more than half of
its rows. Only such a table can have unpaired rows or criteria to report; a table that
does not mirror the criteria (a plan, a test matrix) is left unpaired, its rows items of
their own.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

from issue_flow.config import Config
from issue_flow.errors import IssueFlowError
# discovery is re-exported: callers find issues and load one from this module
from issue_flow.model.discovery import Discovery, FolderRef, Skipped, discover, issue_numbers  # noqa: F401
from issue_flow.model.document import Document, Row, Table, Task, norm, strip_markup
from issue_flow.paths import rel_posix
from issue_flow.records import record

PARENT_KEYS = ("Parent", "Epic (parent)", "Epic", "Parent issue")
GITHUB_KEYS = ("GitHub", "GitHub Issue", "GitHub issue", "Issue")
DEFAULT_CRITERIA_HEADINGS = ("Acceptance", "Definition of done")
_MIRROR_HEADERS = frozenset({"criterion", "criteria", "acceptance", "acceptance criterion", "acceptance criteria"})


@record
class Pair:
    criterion: Task | None
    row: Row | None


@record
class Phase:
    title: str
    heading_line: int
    tables: list[Table]

    @property
    def rows(self) -> list[Row]:
        return [r for t in self.tables for r in t.rows if r.ok]

    def row_states(self) -> list[bool | None]:
        return [t.status(r).done for t in self.tables for r in t.rows if r.ok]

    @property
    def done(self) -> bool:
        """Every row done, N/A or free text (no open marker), and at least one done."""
        states = self.row_states()
        return any(s is True for s in states) and all(s is not False for s in states)


@record
class Finding:
    """A problem in an issue's documents, typed (lint and status read ``kind``)."""

    kind: str  # drift | unpaired | duplicate-label
    path: Path
    line: int | None  # 1-based
    message: str


_SECTION_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[A-Z][.)])\s+")
_TITLE_PREFIX = re.compile(r"^(?:Issues?|ISSUES?|Epic|EPIC|PR)[\s-]*#?[\d,–—\s&-]*\s*[:—–-]?\s*")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _heading_words(text: str) -> str:
    t = strip_markup(text).strip()
    t = _SECTION_NUMBER.sub("", t)  # numbered sections
    return t.casefold()


class IssueFolder:
    """One issue: all of its documents, loaded lazily (only the files a command reads)."""

    def __init__(self, cfg: Config, ref: FolderRef):
        self.cfg = cfg
        self.number = ref.number
        self.path = ref.path
        self.kind = ref.kind
        self._listed_dir = ref.is_dir  # what discovery's listing said (None: not known)
        self.files = list(ref.files) or ([ref.path / "README.md"] if self._is_folder else [ref.path])
        self._docs: dict[Path, Document] = {}

    _CACHED = ("readme", "tracking", "criteria", "status_table", "pairing", "phases", "_pairing", "primary_path", "_is_folder")

    def forget(self) -> None:
        """Drop the documents read so far (a long walk keeps memory flat)."""
        for name in self._CACHED:
            self.__dict__.pop(name, None)
        self._docs.clear()

    @property
    def rel(self) -> str:
        return rel_posix(self.cfg.root, self.path)

    @cached_property
    def _is_folder(self) -> bool:
        """Is the issue's main location a folder (not a loose file)? Asked once per issue,
        not once per document (a ``stat`` each: 3.8 per issue in ``lint``); from discovery's
        listing when the issue was found by one (no ``stat`` at all)."""
        return self._listed_dir if self._listed_dir is not None else self.path.is_dir()

    @property
    def folder(self) -> Path:
        """The folder new documents of this issue go to."""
        return self.path if self._is_folder else self.path.parent

    def name_of(self, path: Path) -> str:
        """A document's name within the issue: its file name, or its path from the folder
        when the name is not unique among the issue's documents."""
        same = [p for p in self.files if p.name == path.name]
        if len(same) <= 1:
            return path.name
        try:
            return rel_posix(self.folder, path)
        except ValueError:
            return rel_posix(self.cfg.root, path)

    def load(self, path: Path) -> Document:
        doc = self._docs.get(path)
        if doc is None:
            doc = self._docs[path] = self.read_document(path)
        return doc

    def read_document(self, path: Path) -> Document:
        """How a document is read the first time (a subclass may build it from bytes it
        already holds)."""
        return Document.load(path)

    def loaded(self, path: Path) -> Document | None:
        """The document of ``path`` if it was read already, else None (nothing is read)."""
        return self._docs.get(path)

    def use(self, path: Path, doc: Document) -> None:
        """Make ``doc`` the document of ``path`` (a copy the caller edits and writes); what
        was derived from the documents is derived again."""
        self._docs[path] = doc
        for name in self._CACHED:
            self.__dict__.pop(name, None)

    def doc(self, name: str) -> Document | None:
        path = self.folder / name
        return self.load(path) if path in self.files or path.is_file() else None

    @property
    def documents(self) -> list[Document]:
        return [self.load(p) for p in self.files]

    @cached_property
    def primary_path(self) -> Path:
        readme = self.folder / "README.md"
        if self._is_folder and readme in self.files:
            return readme
        loose = [p for p in self.files if p.parent != self.path or not self._is_folder]
        if len(self.files) == 1:
            return self.files[0]
        return loose[0] if loose else self.files[0]

    @property
    def has_readme(self) -> bool:
        """Is the primary document a README (or the issue's only document)?"""
        p = self.primary_path
        return p.name == "README.md" or len(self.files) == 1 or issue_numbers(p.name) is not None

    @cached_property
    def readme(self) -> Document:
        """The primary document (the folder's README.md when there is one)."""
        return self.load(self.primary_path)

    @cached_property
    def tracking(self) -> Document | None:
        path = self.folder / "TRACKING.md"
        return self.load(path) if path in self.files else None

    # ----------------------------------------------------------- headers

    def header(self, keys: tuple[str, ...], doc: Document | None = None):
        doc = doc or self.readme
        for key in keys:
            h = doc.header(key)
            if h is not None:
                return h
        return None

    @property
    def title_markdown(self) -> str:
        """The title as written in the primary document's heading (inline Markdown),
        without the ``Issue #N:`` prefix."""
        t = self.readme.title
        if t is None:
            return ""
        return _TITLE_PREFIX.sub("", t.text).strip() or t.text

    @property
    def title(self) -> str:
        """The title for display: Markdown escapes removed."""
        return _MARKDOWN_ESCAPE.sub(r"\1", self.title_markdown)

    @property
    def labels(self) -> list[str]:
        """The ``**Labels:**`` header line of the primary document, as a list."""
        h = self.header(("Labels", "Label"))
        if h is None:
            return []
        return [x for x in (strip_markup(v).strip(" `") for v in h.value.split(",")) if x]

    @property
    def parent(self) -> int | None:
        h = self.header(PARENT_KEYS)
        return h.number if h else None

    # ---------------------------------------------------------- criteria

    def criteria_spans(self, doc: Document) -> list[tuple[int, int]]:
        """Line ranges of the document's criteria sections."""
        prefixes = tuple(p.casefold() for p in (getattr(self.cfg, "criteria_headings", None) or DEFAULT_CRITERIA_HEADINGS))
        heads = doc.headings
        spans = []
        for k, h in enumerate(heads):
            if _heading_words(h.text).startswith(prefixes):
                end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(doc.lines))
                spans.append((h.line, end))
        return spans

    @cached_property
    def criteria(self) -> list[Task]:
        doc = self.readme
        if not doc.tasks:
            return []  # no task, no criterion: the sections are not looked for (nor scanned)
        spans = self.criteria_spans(doc)
        if spans:
            tasks = [t for t in doc.tasks if any(a < t.line < b for a, b in spans)]
        elif self.has_readme:
            tasks = list(doc.tasks)
        else:
            tasks = []
        if not tasks:
            return []
        top = min(t.depth for t in tasks)
        return [t for t in tasks if t.depth == top]

    @cached_property
    def _pairing(self) -> tuple[Table | None, Any]:
        from issue_flow.model.pairing import Side, keyed, pair, words

        tables = self.readme.status_tables  # first: without one, no criteria are read
        crit = self.criteria if tables else []
        if not crit or not tables:
            return (None, None)
        sides = [Side(*keyed(c.label or c.text), words(c.text) if c.label else ()) for c in crit]
        best: tuple[int, Table, Any] | None = None
        for t in tables:
            rows = [r for r in t.rows if r.ok]
            if not rows:
                continue
            rsides = [Side(*keyed(label)) for label in map(t.label, rows)]
            p = pair(sides, rsides)
            headed = t.headers[t.label_col].strip().casefold() in _MIRROR_HEADERS if t.headers else False
            n = len(p.pairs)
            if not (headed or (2 * n > len(crit) and 2 * n > len(rows))):
                continue
            if best is None or n > best[0]:
                best = (n, t, p)
        if best is None:
            return (None, None)
        return (best[1], best[2])

    @property
    def status_table(self) -> Table | None:
        """The README table that mirrors the criteria, if any."""
        return self._pairing[0]

    @property
    def pairing(self) -> tuple[str, list[Pair]]:
        """('label' | 'similarity' | 'position' | 'none', pairs). Unpaired sides appear with None."""
        table, p = self._pairing
        crit = self.criteria
        if table is None:
            return "none", [Pair(c, None) for c in crit]
        rows = [r for r in table.rows if r.ok]
        pairs = [Pair(crit[i], rows[j]) for i, j in p.pairs]
        pairs += [Pair(crit[i], None) for i in p.unpaired_criteria]
        pairs += [Pair(None, rows[j]) for j in p.unpaired_rows]
        return p.mode, pairs

    def row_of(self, task: Task) -> Row | None:
        for pr in self.pairing[1]:
            if pr.criterion is task:
                return pr.row
        return None

    def findings(self) -> list[Finding]:
        """Drift between paired criteria and rows; unpaired sides of a mirror table;
        labels that repeat (and so cannot name one item)."""
        out: list[Finding] = []
        doc = self.readme
        path = doc.path or self.primary_path
        table, p = self._pairing
        if table is None:
            return out  # no mirror table: nothing to pair, and labels name no rows
        crit = self.criteria
        seen: dict[str, int] = {}
        for c in crit:
            if c.label:
                key = norm(c.label)
                if key in seen:
                    out.append(Finding("duplicate-label", path, c.line + 1, f"criterion label '{c.label}' repeats (first at line {seen[key]}); name it by number or address"))
                else:
                    seen[key] = c.line + 1
        rows = [r for r in table.rows if r.ok]
        for i, j in p.pairs:
            c, r = crit[i], rows[j]
            done = table.status(r).done
            if done is None or done == c.checked:
                continue
            box = "checked" if c.checked else "unchecked"
            out.append(Finding(
                "drift", path, c.line + 1,
                f"criterion '{c.name[:60]}' (line {c.line + 1}) is {box} but its status row "
                f"'{table.label(r)[:50]}' (line {r.line + 1}) says {table.status(r).marker}",
            ))
        for i in p.unpaired_criteria:
            c = crit[i]
            near = p.closest.get(i)
            hint = f"; closest row '{table.label(rows[near[0]])[:40]}' is too different ({near[1]:.2f})" if near else ""
            out.append(Finding("unpaired", path, c.line + 1, f"criterion '{c.name[:60]}' has no row in the status table at line {table.header_line + 1}{hint}"))
        for j in p.unpaired_rows:
            r = rows[j]
            out.append(Finding("unpaired", path, r.line + 1, f"status row '{table.label(r)[:60]}' (line {r.line + 1}) has no criterion"))
        return out

    def drift(self) -> list[str]:
        return [f.message for f in self.findings() if f.kind == "drift"]

    # ------------------------------------------------------------ phases

    @cached_property
    def phases(self) -> list[Phase]:
        doc = self.tracking
        if doc is None:
            return []
        out: list[Phase] = []
        heads = doc.headings
        for k, h in enumerate(heads):
            if h.level < 2:
                continue
            end = len(doc.lines)
            nxt = next((x.line for x in heads[k + 1 :] if x.level <= h.level), None)
            sub = next((x.line for x in heads[k + 1 :]), None)
            if nxt is not None:
                end = nxt
            stop = min(end, sub) if sub is not None else end
            tables = [t for t in doc.status_tables if h.line < t.header_line < stop]
            if tables:
                out.append(Phase(strip_markup(h.text), h.line, tables))
        return out

    def progress(self) -> dict:
        crit = self.criteria
        phases = self.phases
        mode, _pairs = self.pairing
        table = self.status_table
        return {
            "criteria_done": sum(1 for c in crit if c.checked),
            "criteria_total": len(crit),
            "phases_done": sum(1 for p in phases if p.done),
            "phases_total": len(phases),
            "pairing": mode,
            "status_rows": len([r for r in table.rows if r.ok]) if table else 0,
        }


def load_issue(cfg: Config, number: int, discovery: Discovery | None = None) -> IssueFolder:
    disc = discovery or discover(cfg)
    ref = disc.folders.get(number)
    if ref is None:
        for s in disc.skipped:
            if re.search(rf"(?<!\d){number}(?!\d)", Path(s.path).name):
                raise IssueFlowError(f"{s.path} is not an issue ({s.reason})")
        raise IssueFlowError(f"no issue folder for #{number} under {cfg.docs} (nor an ISSUE-{number}-*.md file)")
    folder = IssueFolder(cfg, ref)
    readme = ref.path / "README.md"
    if ref.path.is_dir() and (readme.exists() or readme.is_symlink()) and not readme.is_file():
        raise IssueFlowError(f"{folder.rel}/README.md is not a readable file")
    folder.readme  # noqa: B018 - fail early with a clear message
    return folder


def parse_number(value: str, what: str = "issue number") -> int:
    """A positive issue number; anything else (0, -1, 'abc', '../x') is bad input."""
    text = str(value).strip().lstrip("#")
    if not re.fullmatch(r"\d{1,9}", text) or int(text) == 0:
        raise IssueFlowError(f"{what} must be a positive whole number, not {value!r}")
    return int(text)
