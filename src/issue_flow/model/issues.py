"""The document model of an issue folder: criteria, status table, phases, parent.

An issue folder is ``<docs>/ISSUE-N/`` (or ``ISSUE-N-SLUG/``, or nested one level under an
epic folder such as ``epic-546/ISSUE-554/``) holding ``README.md`` and usually
``TRACKING.md`` and ``ANALYSIS.md``. Real trees also hold folders named for several
issues (``ISSUE-512-515``, ``ISSUES-490-379-346-333``) and loose ``ISSUE-N-SLUG.md``
files: discovery lists what it can and says what it skipped and why.

Criteria are the top-level task items under the README's "Acceptance criteria" heading.
They are paired with the rows of the README's status table by bold label when both
sides have labels, else by position when the counts agree, else not at all (reported).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from issue_flow.config import Config
from issue_flow.errors import IssueFlowError
from issue_flow.model.document import Document, Row, Table, Task, norm, strip_markup
from issue_flow.records import factory, record

_FOLDER = re.compile(r"ISSUE-(\d+)(?:-([A-Za-z][\w.-]*))?$", re.IGNORECASE)
_MULTI = re.compile(r"ISSUES?-(\d+(?:-\d+)+)(?:-.*)?$", re.IGNORECASE)
_EPIC = re.compile(r"epic-(\d+)$", re.IGNORECASE)
_LOOSE = re.compile(r"ISSUES?-\d+.*\.md$", re.IGNORECASE)

PARENT_KEYS = ("Parent", "Epic (parent)", "Epic", "Parent issue")
GITHUB_KEYS = ("GitHub", "GitHub Issue", "GitHub issue")


@record
class FolderRef:
    number: int
    path: Path
    kind: str = "issue"  # issue | epic


@record
class Skipped:
    path: str
    reason: str


@record
class Discovery:
    folders: dict[int, FolderRef] = factory(dict)
    skipped: list[Skipped] = factory(list)


def discover(cfg: Config) -> Discovery:
    """Find issue folders under the docs folder without reading their files."""
    docs = cfg.docs_dir
    found = Discovery()
    if not docs.is_dir():
        raise IssueFlowError(f"{cfg.docs}: docs folder not found (set 'docs' in the configuration)")

    def rel(p: Path) -> str:
        return p.relative_to(cfg.root).as_posix()

    def visit(folder: Path, nested: bool) -> None:
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            found.skipped.append(Skipped(rel(folder), f"cannot read ({exc.strerror})"))
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                m = _FOLDER.match(name)
                multi = _MULTI.match(name)
                epic = _EPIC.match(name)
                if m and not multi:
                    number = int(m.group(1))
                    if not (entry / "README.md").is_file():
                        found.skipped.append(Skipped(rel(entry), "no README.md"))
                    elif number in found.folders:
                        other = rel(found.folders[number].path)
                        found.skipped.append(Skipped(rel(entry), f"issue #{number} already in {other}"))
                    else:
                        found.folders[number] = FolderRef(number, entry)
                elif multi:
                    numbers = multi.group(1).replace("-", ", ")
                    found.skipped.append(Skipped(rel(entry), f"names several issues ({numbers})"))
                elif not nested:
                    if epic and (entry / "README.md").is_file():
                        number = int(epic.group(1))
                        if number not in found.folders:
                            found.folders[number] = FolderRef(number, entry, kind="epic")
                    visit(entry, nested=True)
            elif _LOOSE.match(name):
                found.skipped.append(Skipped(rel(entry), "loose file, not an issue folder"))

    visit(docs, nested=False)
    return found


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


class IssueFolder:
    """One issue folder, loaded lazily (only the files a command reads)."""

    def __init__(self, cfg: Config, ref: FolderRef):
        self.cfg = cfg
        self.number = ref.number
        self.path = ref.path
        self.kind = ref.kind

    _CACHED = ("readme", "tracking", "criteria", "status_table", "pairing", "phases")

    def forget(self) -> None:
        """Drop the documents read so far (a long walk keeps memory flat)."""
        for name in self._CACHED:
            self.__dict__.pop(name, None)

    @property
    def rel(self) -> str:
        return self.path.relative_to(self.cfg.root).as_posix()

    def doc(self, name: str) -> Document | None:
        path = self.path / name
        return Document.load(path) if path.is_file() else None

    @cached_property
    def readme(self) -> Document:
        path = self.path / "README.md"
        if not path.is_file():
            raise IssueFlowError(f"{self.rel} is not an issue folder (no README.md)")
        return Document.load(path)

    @cached_property
    def tracking(self) -> Document | None:
        return self.doc("TRACKING.md")

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
        """The title as written in the README's heading (inline Markdown), without the
        ``Issue #N:`` prefix."""
        t = self.readme.title
        if t is None:
            return ""
        return re.sub(r"^(?:Issue|ISSUE|Epic|EPIC|PR)[\s-]*#?\d*\s*[:—–-]?\s*", "", t.text).strip() or t.text

    @property
    def title(self) -> str:
        """The title for display: Markdown escapes removed."""
        return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", self.title_markdown)

    @property
    def parent(self) -> int | None:
        h = self.header(PARENT_KEYS)
        return h.number if h else None

    # ---------------------------------------------------------- criteria

    @cached_property
    def criteria(self) -> list[Task]:
        span = self.readme.section(r"acceptance criteria")
        if span is None:
            return []
        tasks = [t for t in self.readme.tasks if span[0] < t.line < span[1]]
        if not tasks:
            return []
        top = min(t.depth for t in tasks)
        return [t for t in tasks if t.depth == top]

    @cached_property
    def status_table(self) -> Table | None:
        tables = self.readme.status_tables
        if not tables:
            return None
        for h in self.readme.headings:
            if re.search(r"\bstatus\b", h.text, re.IGNORECASE):
                span = self.readme.section(re.escape(h.text))
                for t in tables:
                    if span and span[0] < t.header_line < span[1]:
                        return t
        return tables[0]

    @cached_property
    def pairing(self) -> tuple[str, list[Pair]]:
        """('label' | 'position' | 'none', pairs). Unpaired items appear with None."""
        crit = self.criteria
        table = self.status_table
        rows = [r for r in table.rows if r.ok] if table else []
        if not crit and not rows:
            return "none", []
        by_label = {norm(r.label): r for r in rows}
        if crit and rows and all(c.label for c in crit) and all(norm(c.label) in by_label for c in crit):
            pairs = [Pair(c, by_label[norm(c.label)]) for c in crit]
            used = {id(p.row) for p in pairs}
            pairs += [Pair(None, r) for r in rows if id(r) not in used]
            return "label", pairs
        if crit and len(crit) == len(rows):
            return "position", [Pair(c, r) for c, r in zip(crit, rows)]
        return "none", [Pair(c, None) for c in crit] + [Pair(None, r) for r in rows]

    def drift(self) -> list[str]:
        """Criteria whose checkbox disagrees with their status row (N/A and free text never drift)."""
        mode, pairs = self.pairing
        out = []
        table = self.status_table
        if mode == "none":
            if self.criteria and table is not None:
                out.append(
                    f"{len(self.criteria)} criteria and {len([r for r in table.rows if r.ok])} status rows "
                    "do not pair by label or position"
                )
            return out
        for p in pairs:
            if p.criterion is None or p.row is None or table is None:
                continue
            done = table.status(p.row).done
            if done is None:
                continue
            if done != p.criterion.checked:
                box = "checked" if p.criterion.checked else "unchecked"
                out.append(f"'{p.criterion.name[:60]}' is {box} but its status row says {table.status(p.row).marker}")
        return out

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
            # tables directly under this heading (not under a sub-heading)
            stop = min(end, sub) if sub is not None else end
            tables = [t for t in doc.status_tables if h.line < t.header_line < stop]
            if tables:
                out.append(Phase(strip_markup(h.text), h.line, tables))
        return out

    def progress(self) -> dict:
        crit = self.criteria
        phases = self.phases
        mode, pairs = self.pairing
        return {
            "criteria_done": sum(1 for c in crit if c.checked),
            "criteria_total": len(crit),
            "phases_done": sum(1 for p in phases if p.done),
            "phases_total": len(phases),
            "pairing": mode,
            "status_rows": len([r for r in self.status_table.rows if r.ok]) if self.status_table else 0,
        }


def load_issue(cfg: Config, number: int, discovery: Discovery | None = None) -> IssueFolder:
    disc = discovery or discover(cfg)
    ref = disc.folders.get(number)
    if ref is None:
        for s in disc.skipped:
            if re.search(rf"(?<!\d){number}(?!\d)", Path(s.path).name):
                raise IssueFlowError(f"{s.path} is not an issue folder ({s.reason})")
        raise IssueFlowError(f"no issue folder for #{number} under {cfg.docs}")
    folder = IssueFolder(cfg, ref)
    folder.readme  # noqa: B018 - fail early with a clear message
    return folder


def parse_number(value: str, what: str = "issue number") -> int:
    """A positive issue number; anything else (0, -1, 'abc', '../x') is bad input."""
    text = str(value).strip().lstrip("#")
    if not re.fullmatch(r"\d{1,9}", text) or int(text) == 0:
        raise IssueFlowError(f"{what} must be a positive whole number, not {value!r}")
    return int(text)
