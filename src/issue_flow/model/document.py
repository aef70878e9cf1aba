"""A byte-exact Markdown document with the structure issue documents use.

Loading and saving without a change gives back the same bytes: the file is split into
lines that keep their own endings (LF, CRLF, none on the last line), and an edit replaces
one line's text between known offsets. Nothing is ever re-rendered from a parse.

What is exposed: the title line, header key lines (``**GitHub:** …`` and ``**GitHub**: …``),
headings, task items (state, nesting, bold label) and GitHub tables with a ``Status``
column (marker + evidence text per row; what a cell says is read by :mod:`.status`).
Line endings are LF, CRLF or a lone CR, each line keeping its own.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from issue_flow import fsutil
from issue_flow.errors import IssueFlowError
from issue_flow.model import compiled
from issue_flow.model.partial import may_hold_status_table, may_hold_task, prefix_scan, table_head
from issue_flow.model.scan import Scan, scan, split_cells
from issue_flow.model.status import StatusCell, Style, parse_status, status_cell_text, table_style
from issue_flow.records import record

BOLD_LABEL = re.compile(r"\*\*(.+?)\*\*")
TICKED = "xX"  # what between a task's brackets says it is done ('[ ]' is open)
_HEADER = re.compile(r"\s*\*\*([A-Za-z][\w /-]*?)(?::\*\*|\*\*:)[ \t]*(.*)$")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


# What str.splitlines ends a line at besides LF, CR and CRLF (not line ends in Markdown).
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; ``''.join(result) == text``."""
    if not any(c in text for c in _OTHER_BREAKS):  # (eight substring searches beat one regex 4 to 1)
        return text.splitlines(keepends=True)  # the same lines, at C speed
    return _LINE.findall(text)


def bold_lines_python(lines: list[str]) -> list[int]:
    """The lines whose first character that is not whitespace starts ``**``: the only ones
    ``_HEADER`` can match. The reference of the compiled twin that :data:`bold_lines` is when
    it is built (a loop over every line of every document was a twentieth of ``lint``)."""
    return [i for i, line in enumerate(lines) if line.lstrip().startswith("**")]


bold_lines = getattr(compiled.module(), "bold_lines", bold_lines_python)

_LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"[*`~]|(?<!\w)_|_(?!\w)")  # an underscore inside a word is kept


def strip_markup_python(text: str) -> str:
    """Plain words of inline Markdown, for matching labels (not for writing). The reference
    of the compiled twin that :data:`strip_markup` is when it is built (tests/test_strip_compiled.py)."""
    if "](" in text:
        text = _LINK_TEXT.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


strip_markup = getattr(compiled.module(), "strip_markup", strip_markup_python)


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
class Table:
    header_line: int
    headers: list[str]
    rows: list[Row]
    status_col: int | None  # index of the Status column
    label_col: int = 0  # the column that names a row (see label_column)

    def label(self, row: Row) -> str:
        """The row's label: its label cell as plain words."""
        if not row.cells:
            return ""
        k = self.label_col if self.label_col < len(row.cells) else 0
        return strip_markup(row.cells[k].strip())

    def status(self, row: Row) -> StatusCell:
        if self.status_col is None or not row.ok:
            return StatusCell(None, None, "")
        return parse_status(row.cells[self.status_col])

    @property
    def style(self) -> Style:
        """The marker style most of its rows use (computed from the current cells)."""
        return table_style(self.status(r) for r in self.rows if r.ok)


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


class Document:
    """One Markdown file, kept as lines with their endings."""

    def __init__(self, path: Path | None, text: str):
        self.path = path if path is None or isinstance(path, Path) else Path(path)
        self._original = text
        self._prefix: tuple[Scan, int] | None = None  # a scan of the first lines (see kind)

    # ------------------------------------------------------------------ I/O

    @classmethod
    def load(cls, path: Path) -> "Document":
        data = fsutil.read_bytes(path)
        return cls(path, fsutil.decode_utf8(data, path))

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> "Document":
        return cls(path, fsutil.decode_utf8(data, path or "<document>"))

    @cached_property
    def lines(self) -> list[str]:
        """The lines with their endings, split on first use: a third of the documents a
        ``status`` reads are counted from their text alone (no box, no status table)."""
        return split_lines(self._original)

    @property
    def text(self) -> str:
        return "".join(self.lines) if "lines" in self.__dict__ else self._original

    def to_bytes(self) -> bytes:
        return self.text.encode("utf-8")

    @property
    def original_bytes(self) -> bytes:
        return self._original.encode("utf-8")

    @property
    def changed(self) -> bool:
        return "lines" in self.__dict__ and self.text != self._original

    # ------------------------------------------------------------ structure

    @cached_property
    def structure(self) -> Scan:
        return scan(self.lines)

    def kind(self, i: int) -> str:
        """The kind of line ``i``, from a scan of the lines up to it when the document is
        not scanned whole yet (:func:`issue_flow.model.partial.prefix_scan`)."""
        if "structure" in self.__dict__:
            return self.structure.kinds[i]
        got = self._prefix = prefix_scan(self.lines, i, self._prefix)
        if got[1] == len(self.lines):
            self.__dict__["structure"] = got[0]
        return got[0].kinds[i]

    def kinds_through(self, i: int) -> list[str]:
        """Line kinds exact for lines ``0 … i`` (of a scan of the first lines when the
        document is not scanned whole yet; see :meth:`kind`)."""
        self.kind(i)
        if "structure" in self.__dict__:
            return self.structure.kinds
        assert self._prefix is not None
        return self._prefix[0].kinds

    def line_text(self, i: int) -> str:
        return self.lines[i].rstrip("\r\n")

    @cached_property
    def headings(self) -> list[Heading]:
        return [Heading(h.line, h.level, h.text) for h in self.structure.headings]

    @cached_property
    def title(self) -> Heading | None:
        """The first level-1 heading; found in the first lines when it is there, without a
        scan of the rest."""
        if "structure" not in self.__dict__ and self.lines:
            self.kind(0)  # the first lines scanned (or all of them)
        if "structure" not in self.__dict__ and self._prefix is not None:
            part, exact = self._prefix
            for h in part.headings:
                if h.line >= exact:
                    break
                if h.level == 1:
                    return Heading(h.line, h.level, h.text)
        for h in self.headings:
            if h.level == 1:
                return h
        return None

    @cached_property
    def tasks(self) -> list[Task]:
        """The task items (none, without a scan, when the text holds no box:
        :func:`issue_flow.model.partial.may_hold_task`)."""
        if "structure" not in self.__dict__ and not may_hold_task(self.text):
            return []
        out = []
        for it in self.structure.tasks:
            text = self.line_text(it.line)
            box = it.task_col + 1
            content = text[box + 2 :].strip()
            m = BOLD_LABEL.match(content)
            label = strip_markup(m.group(1)).strip(" :") if m else None
            out.append(Task(it.line, it.depth, text[box] in TICKED, box, content, label or None))
        return out

    def task_states(self) -> list[tuple[int, bool]]:
        """(line, ticked) of each task: what :attr:`tasks` says, without building them (their
        plain-word labels cost most of a count of a document's tasks; ``status`` counts
        every document but the primary one so)."""
        if "tasks" in self.__dict__:
            return [(t.line, t.checked) for t in self.tasks]
        if "structure" not in self.__dict__ and not may_hold_task(self.text):
            return []
        lines = self.lines
        return [(it.line, lines[it.line][it.task_col + 1] in TICKED) for it in self.structure.tasks]

    @cached_property
    def tables(self) -> list[Table]:
        out = []
        for t in self.structure.tables:
            hspans, headers, status_col = table_head(self.line_text(t.header), strip_markup)
            rows = []
            for ln in t.body:
                text = self.line_text(ln)
                spans = split_cells(text)
                rows.append(Row(ln, [text[a:b] for a, b in spans], spans, len(spans) == len(hspans)))
            out.append(Table(t.header, headers, rows, status_col, label_column(headers, rows, status_col)))
        return out

    @property
    def status_tables(self) -> list[Table]:
        """The tables with a Status column (none, without a scan, when no header row of
        the text names one: :func:`issue_flow.model.partial.may_hold_status_table`; none,
        without reading rows, when the scan made already finds no such header row)."""
        if "tables" not in self.__dict__:
            if "structure" in self.__dict__:  # scanned already: its tables' header rows tell
                heads = (table_head(self.line_text(t.header), strip_markup) for t in self.structure.tables)
                if all(head[2] is None for head in heads):
                    return []
            elif not self._may_hold_status_table:
                return []
        return [t for t in self.tables if t.status_col is not None]

    @cached_property
    def _may_hold_status_table(self) -> bool:
        return may_hold_status_table(self.text, strip_markup)

    @cached_property
    def _headers(self) -> dict[str, list[HeaderLine]]:
        """Every line of the ``**Key:** value`` form, by case-folded key, in order, inside
        code or not (:meth:`header` asks the kind of a line only when it needs to)."""
        found: dict[str, list[HeaderLine]] = {}
        lines = self.lines
        for i in bold_lines(lines):
            m = _HEADER.match(lines[i].rstrip("\r\n"))
            if m:
                found.setdefault(m.group(1).strip().casefold(), []).append(HeaderLine(i, m.group(1), m.group(2).rstrip()))
        return found

    def header(self, key: str) -> HeaderLine | None:
        """The first ``**Key:** value`` / ``**Key**: value`` line outside code."""
        for h in self._headers.get(key.casefold(), ()):
            if self.kind(h.line) == "text":
                return h
        return None

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
        if (current in TICKED) == checked:
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
        last = b == len(text) and not text.rstrip().endswith("|")  # no closing pipe
        new_cell = status_cell_text(cell, done, note, table.style, last=last)
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


_LABEL_HEADERS = frozenset(
    "item step task criterion criteria check gate deliverable requirement name what work "
    "milestone test area workstream goal action activity change feature scenario".split()
)
_NUMBERISH = re.compile(r"[#*_`\s]*(?:\d+(?:\.\d+)*[.)]?|[A-Za-z]?\d+(?:\.\d+)*)[*_`\s]*$")


def label_column(headers: list[str], rows: list[Row], status_col: int | None) -> int:
    """Which column names a table's rows: the first headed like a label (Item, Step,
    Criterion, …), else the first whose cells are not numbers (``**1**``, ``1.2``), else 0."""
    candidates = [k for k in range(len(headers)) if k != status_col]
    for k in candidates:
        if headers[k].strip().casefold().rstrip("s") in _LABEL_HEADERS or headers[k].strip().casefold() in _LABEL_HEADERS:
            return k
    for k in candidates:
        cells = [r.cells[k] for r in rows if r.ok and k < len(r.cells)]
        if cells and not all(_NUMBERISH.match(c) or not c.strip() for c in cells):
            return k
    return candidates[0] if candidates else 0
