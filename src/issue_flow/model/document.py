"""A byte-exact Markdown document with the structure issue documents use.

Loading and saving without a change gives back the same bytes: the file is split into
lines that keep their own endings (LF, CRLF, none on the last line), and an edit replaces
one line's text between known offsets. Nothing is ever re-rendered from a parse.

What is exposed: the title line, header key lines (``**GitHub:** …`` and ``**GitHub**: …``),
headings, task items (state, nesting, bold label) and GitHub tables with a ``Status``
column (marker + evidence text per row).
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from issue_flow import fsutil
from issue_flow.errors import IssueFlowError
from issue_flow.model.scan import Scan, scan, split_cells
from issue_flow.records import record

_LINE = re.compile(r"[^\n]*\n|[^\n]+$")
_BOLD_LABEL = re.compile(r"\*\*(.+?)\*\*")
_HEADER = re.compile(r"\s*\*\*([A-Za-z][\w /-]*?)(?::\*\*|\*\*:)[ \t]*(.*)$")

# Status markers, longest first so '**Done**' wins over 'Done'. Value: True done,
# False open, None neither (N/A).
MARKERS: dict[str, bool | None] = {
    "✅": True,
    "✔️": True,
    "✔": True,
    "☑️": True,
    "[x]": True,
    "[X]": True,
    "**Done**": True,
    "_Done_": True,
    "Done": True,
    "DONE": True,
    "Pass": True,
    "PASS": True,
    "Passed": True,
    "⬜": False,
    "⬜️": False,
    "[ ]": False,
    "❌": False,
    "⚠️": False,
    "⚠": False,
    "🔄": False,
    "⏳": False,
    "🟡": False,
    "**Pending**": False,
    "_Pending_": False,
    "Pending": False,
    "TODO": False,
    "Todo": False,
    "Fail": False,
    "FAIL": False,
    "Failed": False,
    "N/A": None,
    "n/a": None,
}
_BY_LENGTH = sorted(MARKERS, key=len, reverse=True)
_BOUNDARY = " \t.,;:)]|—–-"


_BY_FIRST: dict[str, list[str]] = {}
for _m in _BY_LENGTH:
    _BY_FIRST.setdefault(_m[0], []).append(_m)


def match_marker(body: str) -> str | None:
    """The status marker ``body`` starts with, if any.

    Word markers need a boundary after them ("Done." yes, "Doneness" no); symbols do not.
    """
    for m in _BY_FIRST.get(body[:1], ()):
        if body.startswith(m):
            if m[-1].isalnum() and len(body) > len(m) and body[len(m)] not in _BOUNDARY:
                continue
            return m
    return None


# The marker written when a row changes state, by the family of the marker it had.
_COUNTERPART = {
    "[x]": ("[x]", "[ ]"),
    "[X]": ("[X]", "[ ]"),
    "[ ]": ("[x]", "[ ]"),
    "**Done**": ("**Done**", "**Pending**"),
    "**Pending**": ("**Done**", "**Pending**"),
    "_Done_": ("_Done_", "_Pending_"),
    "_Pending_": ("_Done_", "_Pending_"),
    "Done": ("Done", "Pending"),
    "DONE": ("DONE", "TODO"),
    "TODO": ("DONE", "TODO"),
    "Todo": ("Done", "Todo"),
    "Pending": ("Done", "Pending"),
    "Pass": ("Pass", "Pending"),
    "PASS": ("PASS", "Pending"),
    "Passed": ("Passed", "Pending"),
    "Fail": ("Pass", "Fail"),
    "FAIL": ("PASS", "FAIL"),
    "Failed": ("Passed", "Failed"),
}


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; ``''.join(result) == text``."""
    return _LINE.findall(text)


_LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*_`~]")


def strip_markup(text: str) -> str:
    """Plain words of inline Markdown, for matching labels (not for writing)."""
    if "](" in text:
        text = _LINK_TEXT.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def norm(text: str) -> str:
    """Normalised form used to compare labels: plain words, case-folded."""
    return strip_markup(text).casefold().strip(" .:–—-")


@record
class Task:
    line: int
    depth: int
    checked: bool
    box_offset: int  # index of the character between the brackets
    text: str  # content after the checkbox, without line ending
    label: str | None  # bold label at the start of the content, if any

    @property
    def name(self) -> str:
        return self.label or strip_markup(self.text)


@record
class Row:
    line: int
    cells: list[str]  # raw cell texts (between pipes, untrimmed)
    spans: list[tuple[int, int]]
    ok: bool  # the cell count matches the header

    @property
    def label(self) -> str:
        return self.cells[0].strip() if self.cells else ""


@record
class StatusCell:
    marker: str | None
    done: bool | None
    evidence: str


@record
class Table:
    header_line: int
    headers: list[str]
    rows: list[Row]
    status_col: int | None  # index of the Status column

    def status(self, row: Row) -> StatusCell:
        if self.status_col is None or not row.ok:
            return StatusCell(None, None, "")
        return parse_status(row.cells[self.status_col])


@record
class Heading:
    line: int
    level: int
    text: str


@record
class HeaderLine:
    line: int
    key: str
    value: str

    @property
    def number(self) -> int | None:
        m = re.search(r"#(\d+)", self.value) or re.search(r"/issues/(\d+)", self.value)
        return int(m.group(1)) if m else None

    @property
    def url(self) -> str | None:
        m = re.search(r"\]\((\S+?)\)", self.value)
        return m.group(1) if m else None


def parse_status(cell: str) -> StatusCell:
    body = cell.strip()
    m = match_marker(body)
    if m is None:
        return StatusCell(None, None, body)
    return StatusCell(m, MARKERS[m], body[len(m) :].strip())


class Document:
    """One Markdown file, kept as lines with their endings."""

    def __init__(self, path: Path | None, text: str):
        self.path = Path(path) if path is not None else None
        self.lines: list[str] = split_lines(text)
        self._original = text

    # ------------------------------------------------------------------ I/O

    @classmethod
    def load(cls, path: Path) -> "Document":
        data = fsutil.read_bytes(path)
        return cls(path, fsutil.decode_utf8(data, path))

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> "Document":
        return cls(path, fsutil.decode_utf8(data, path or "<document>"))

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def to_bytes(self) -> bytes:
        return self.text.encode("utf-8")

    @property
    def original_bytes(self) -> bytes:
        return self._original.encode("utf-8")

    @property
    def changed(self) -> bool:
        return self.text != self._original

    # ------------------------------------------------------------ structure

    @cached_property
    def structure(self) -> Scan:
        return scan(self.lines)

    def line_text(self, i: int) -> str:
        return self.lines[i].rstrip("\r\n")

    @cached_property
    def headings(self) -> list[Heading]:
        return [Heading(h.line, h.level, h.text) for h in self.structure.headings]

    @cached_property
    def title(self) -> Heading | None:
        for h in self.headings:
            if h.level == 1:
                return h
        return None

    @cached_property
    def tasks(self) -> list[Task]:
        out = []
        for it in self.structure.tasks:
            text = self.line_text(it.line)
            box = it.task_col + 1
            content = text[box + 2 :].strip()
            m = _BOLD_LABEL.match(content)
            label = strip_markup(m.group(1)).strip(" :") if m else None
            out.append(Task(it.line, it.depth, text[box] in "xX", box, content, label or None))
        return out

    @cached_property
    def tables(self) -> list[Table]:
        out = []
        for t in self.structure.tables:
            head = self.line_text(t.header)
            hspans = split_cells(head)
            headers = [strip_markup(head[a:b]) for a, b in hspans]
            status_col = next((k for k, h in enumerate(headers) if h.strip().casefold() == "status"), None)
            rows = []
            for ln in t.body:
                text = self.line_text(ln)
                spans = split_cells(text)
                rows.append(Row(ln, [text[a:b] for a, b in spans], spans, len(spans) == len(hspans)))
            out.append(Table(t.header, headers, rows, status_col))
        return out

    @property
    def status_tables(self) -> list[Table]:
        return [t for t in self.tables if t.status_col is not None]

    @cached_property
    def _headers(self) -> dict[str, HeaderLine]:
        """Every ``**Key:** value`` line outside code, by case-folded key (first one wins)."""
        found: dict[str, HeaderLine] = {}
        kinds = self.structure.kinds
        for i, line in enumerate(self.lines):
            if kinds[i] != "text" or "**" not in line:
                continue
            m = _HEADER.match(line.rstrip("\r\n"))
            if m:
                found.setdefault(m.group(1).strip().casefold(), HeaderLine(i, m.group(1), m.group(2).rstrip()))
        return found

    def header(self, key: str) -> HeaderLine | None:
        """The first ``**Key:** value`` / ``**Key**: value`` line outside code."""
        return self._headers.get(key.casefold())

    def section(self, pattern: str) -> tuple[int, int] | None:
        """Line range (start, end) of the first heading matching ``pattern`` (regex, case-
        insensitive) up to the next heading of the same or a higher level."""
        rx = re.compile(pattern, re.IGNORECASE)
        heads = self.headings
        for k, h in enumerate(heads):
            if rx.search(h.text):
                end = len(self.lines)
                for later in heads[k + 1 :]:
                    if later.level <= h.level:
                        end = later.line
                        break
                return h.line, end
        return None

    # ---------------------------------------------------------------- edits

    def _replace(self, i: int, new_text: str) -> None:
        line = self.lines[i]
        ending = line[len(line.rstrip("\r\n")) :]
        self.lines[i] = new_text + ending

    def set_task(self, task: Task, checked: bool) -> None:
        """Change only the character between the task's brackets."""
        text = self.line_text(task.line)
        current = text[task.box_offset]
        if (current in "xX") == checked:
            return
        self._replace(task.line, text[: task.box_offset] + ("x" if checked else " ") + text[task.box_offset + 1 :])
        task.checked = checked

    def set_status(self, table: Table, row: Row, done: bool, note: str | None = None) -> None:
        """Set a row's status marker; evidence text is kept unless ``note`` replaces it."""
        if table.status_col is None:
            raise IssueFlowError("table has no Status column")
        if not row.ok:
            raise IssueFlowError(
                f"{self.path or 'document'}:{row.line + 1}: row has the wrong number of cells; left as it is"
            )
        text = self.line_text(row.line)
        a, b = row.spans[table.status_col]
        cell = text[a:b]
        new_cell = status_cell_text(cell, done, note)
        if new_cell == cell:
            return
        new_text = text[:a] + new_cell + text[b:]
        self._replace(row.line, new_text)
        row.cells[table.status_col] = new_cell
        shift = len(new_cell) - len(cell)
        row.spans = [
            (s, e) if k < table.status_col else ((s, e + shift) if k == table.status_col else (s + shift, e + shift))
            for k, (s, e) in enumerate(row.spans)
        ]


def escape_cell(text: str) -> str:
    """Make free text safe inside a table cell (one line, pipes escaped)."""
    text = " ".join(text.split())
    # A pipe is escaped unless an odd run of backslashes already escapes it ('\\|' is an
    # escaped backslash followed by a cell separator, so it needs one more).
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", text)


def status_cell_text(cell: str, done: bool, note: str | None = None) -> str:
    """The new text of a Status cell: marker switched, evidence kept, padding kept."""
    body = cell.strip()
    old_marker = match_marker(body)
    if old_marker is not None:
        rest = body[len(old_marker) :]
        pair = _COUNTERPART.get(old_marker, ("✅", "⬜"))
        if MARKERS[old_marker] == done and note is None:
            return cell
        marker = pair[0] if done else pair[1]
    else:
        rest = (" " + body) if body else ""
        marker = "✅" if done else "⬜"
    if note is not None:
        rest = (" " + escape_cell(note)) if note.strip() else ""
    return replace_cell_body(cell, marker + rest)


def replace_cell_body(cell: str, new_body: str) -> str:
    """``cell`` with its text replaced by ``new_body``, keeping its padding where it can.

    Aligned tables keep their column width when the text grows into the padding (at
    least one space stays) and when it shrinks (the padding grows back).
    """
    body = cell.strip()
    if body:
        lead = cell[: len(cell) - len(cell.lstrip())] or " "
        trail = cell[len(cell.rstrip()) :]
    else:  # an empty cell: its width is all padding
        lead, trail = (" ", cell[1:]) if cell else (" ", "")
    grow = len(new_body) - len(body)
    if grow > 0 and len(trail) > 1:
        trail = " " * max(1, len(trail) - grow)
    elif grow < 0 and len(trail) > 1:
        trail = trail + " " * (-grow)
    elif not trail:
        trail = " "
    return lead + new_body + trail
