"""A fence-aware line scanner for the Markdown structure issue-flow needs.

A full markdown-it-py parse of every corpus file takes most of a second, which would make
``issue-flow status`` slow. Issue documents need only a few block facts per line: is it
inside a code fence, an HTML comment or an indented code block; is it a heading, a table
line or a list item (and is that item a task). This scanner classifies lines in one pass
following the CommonMark/GFM block rules that matter for those facts. A differential test
(tests/test_scan_differential.py) checks it against markdown-it-py on every corpus file.

The scanner never changes text: it reports line numbers; edits are made by
:mod:`issue_flow.model.document`, one line at a time.

Over ~400 lines on purpose (one module of about 500 lines): the block rules are one state machine whose
states (fence, comment, indented code, list nesting, table) read each other's variables;
cut apart, every piece would need the whole state anyway.

Two implementations of one function: :func:`scan_python` below is the reference and the
fallback; ``_cscan.c`` beside it is the same state machine compiled (built at install
time by ``hatch_build.py``, a C compiler permitting). :data:`scan` is the compiled one when
``issue_flow.model._cscan`` imports, else :func:`scan_python`; ``ISSUE_FLOW_PURE_PYTHON=1``
(any value but empty or ``0``) in the environment forces the Python one.
tests/test_scan_compiled.py checks that both give the same result field for field.
"""

from __future__ import annotations

import re

from issue_flow.model import compiled
from issue_flow.records import factory, record

# Line kinds
BLANK = "blank"
FENCE = "fence"  # a fence delimiter or a line inside fenced code
CODE = "code"  # indented code block
HTML = "html"  # inside an HTML comment block
HEADING = "heading"
TABLE = "table"  # header, delimiter or body row of a GFM table
ITEM = "item"  # first line of a list item
QUOTE = "quote"  # blockquote line (left alone)
HR = "hr"
TEXT = "text"  # paragraph text or list-item continuation

_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_ITEM = re.compile(r"([-*+]|\d{1,9}[.)])([ \t]+|$)")
_TASK = re.compile(r"\[([ xX])\][ \t]+\S")
_SETEXT = re.compile(r"=+[ \t]*|-+[ \t]*")
_HR = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_DELIM_CELL = re.compile(r":?-+:?$")
_HTML_BLOCK_START_SRC = (
    r"<(?:script|pre|style|textarea)(?:\s|>|$)|<!--|<\?|<![A-Za-z]|<!\[CDATA\[|"
    r"</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    r"details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|"
    r"head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|"
    r"option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)"
    r"(?:\s|/?>|$)"
)
_html_rx: re.Pattern[str] | None = None
# An HTML block of raw text (kind 1) opens and closes so (compiled by re's cache on use).
_RAW_OPEN = r"<(?:script|pre|style|textarea)"
_RAW_CLOSE = r"</(?:script|pre|style|textarea)>"


def _html_block_start(body: str) -> bool:
    """Does ``body`` (starting with '<') open an HTML block of kinds 1-6? Compiled lazily."""
    global _html_rx
    if _html_rx is None:
        _html_rx = re.compile(_HTML_BLOCK_START_SRC, re.IGNORECASE)
    return _html_rx.match(body) is not None


@record
class ItemInfo:
    """A list item's first line."""

    line: int
    indent: int  # columns before the marker
    marker: str  # '-', '*', '+', '1.', '1)'
    content_col: int  # column where the item's content starts
    task_col: int | None  # character offset of '[' when the item is a task, else None
    depth: int  # nesting depth, 0 for a top-level item


@record
class TableInfo:
    header: int  # line index of the header row
    delimiter: int
    body: list[int] = factory(list)
    indent: int = 0


@record
class HeadingInfo:
    line: int  # the ATX heading's line, or a setext heading's underline
    level: int
    text: str
    setext: bool = False


@record
class Scan:
    kinds: list[str]
    items: list[ItemInfo]
    tables: list[TableInfo]
    headings: list[HeadingInfo]

    @property
    def tasks(self) -> list[ItemInfo]:
        return [i for i in self.items if i.task_col is not None]


def indentation(text: str) -> tuple[int, int]:
    """(columns, characters) of leading whitespace, tabs to the next multiple of 4."""
    n = len(text) - len(text.lstrip(" \t"))
    if "\t" not in text[:n]:
        return n, n
    col = 0
    n = 0
    for ch in text:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
        n += 1
    return col, n


def split_cells(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of a table row's cells, split on unescaped pipes.

    Leading and trailing pipes (and the whitespace outside them) are not cells, as in GFM.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    if "\\" not in text:  # no escapes: every pipe splits (the common case, found at C speed)
        pos = text.find("|")
        while pos != -1:
            spans.append((start, pos))
            start = pos + 1
            pos = text.find("|", start)
    else:
        escaped = False
        for pos, ch in enumerate(text):
            if ch == "|" and not escaped:
                spans.append((start, pos))
                start = pos + 1
            escaped = ch == "\\" and not escaped
    spans.append((start, len(text)))
    if spans and not text[spans[0][0] : spans[0][1]].strip():
        spans.pop(0)
    if spans and not text[spans[-1][0] : spans[-1][1]].strip():
        spans.pop()
    return spans


def delimiter_cells(text: str) -> int | None:
    """Number of columns of a GFM delimiter row, or None if ``text`` is not one."""
    s = text.strip()
    if not s or s[0] not in "|-:":
        return None
    if len(s) > 1 and s[0] == "-" and s[1] in " \t":
        return None
    if any(ch not in "|-: \t" for ch in s):
        return None
    parts = text.strip().split("|")
    count = 0
    for i, part in enumerate(parts):
        t = part.strip()
        if not t:
            if i == 0 or i == len(parts) - 1:
                continue
            return None
        if not _DELIM_CELL.match(t):
            return None
        count += 1
    return count


def _header_cells(text: str) -> int:
    s = text.strip()
    if "|" not in s:
        return 0
    return len(split_cells(s)) if s.strip("|").strip() or s.count("|") > 1 else 0


def scan_python(lines: list[str]) -> Scan:
    """Classify each line (``lines`` may carry their line endings).

    The reference scanner and the fallback of the compiled one (:data:`scan`, which gives
    the same result): a change to the rules is made here and in ``_cscan.c`` alike.
    """
    texts = [ln.rstrip("\r\n") for ln in lines]
    n = len(texts)
    kinds = [TEXT] * n
    items: list[ItemInfo] = []
    tables: list[TableInfo] = []
    headings: list[HeadingInfo] = []

    fence: tuple[str, int, int] | None = None  # char, length, indent of the opener
    html_end: str | None = None  # what ends the current HTML block ('-->' or '' for blank line)
    table: TableInfo | None = None
    stack: list[int] = []  # content columns of the open list items
    prev_blank = True
    para = False  # a paragraph is open (indented code cannot interrupt it)
    quote = False  # the open paragraph is a blockquote's (lazy lines continue it)
    empty_item = -2  # line of a list item opened with no content (it ends at a blank line)
    para_start = 0  # first line of the open paragraph
    para_depth = 0  # list nesting of the open paragraph (a setext underline must share it)

    i = 0
    while i < n:
        text = texts[i]
        if not text and fence is None and html_end is None:  # an empty line (a quarter of them)
            if empty_item == i - 1 and stack:
                stack.pop()  # an item that starts empty ends at a blank line (CommonMark)
            kinds[i] = BLANK
            prev_blank = True
            para = quote = False
            table = None
            i += 1
            continue
        if text[:1] in _WHITE:
            body = text.lstrip(" \t")
            nch = len(text) - len(body)
            col = nch if "\t" not in text[:nch] else indentation(text)[0]
            blank = not body.strip()
        else:  # most lines start at column 0 with something visible
            col = nch = 0
            body = text
            blank = not text

        if fence is not None and not stack:
            # Inside a fence outside lists only a line starting with the fence's character
            # can close it: skip to the next such line.
            ch = fence[0]
            j = i
            while j < n and texts[j].lstrip(" \t")[:1] != ch:
                j += 1
            if j > i:
                kinds[i:j] = [FENCE] * (j - i)
                i = j
                continue
        if fence is not None:
            if stack and not blank and col < stack[-1] and fence[2] >= stack[-1]:
                # the list item that held the fence ended: the fence closes with it
                fence = None
                continue
            kinds[i] = FENCE
            m = _FENCE_OPEN.match(body) if body[:1] == fence[0] and (col - fence[2] < 4 or col < 4) else None
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1] and not m.group(2).strip():
                fence = None
            i += 1
            continue

        if html_end is not None:
            if html_end == "" and blank:
                html_end = None
                kinds[i] = BLANK
                prev_blank = True
                i += 1
                continue
            kinds[i] = HTML
            if html_end and html_end in text:
                html_end = None
            i += 1
            continue

        if blank:
            if empty_item == i - 1 and stack:
                stack.pop()  # an item that starts empty ends at a blank line (CommonMark)
            kinds[i] = BLANK
            prev_blank = True
            para = False
            quote = False
            table = None
            i += 1
            continue

        was_quote, quote = quote, False
        c0 = body[0]
        # A thematic break (looked for once: three rules below ask)
        hr = c0 in "*-_" and body.count(c0) >= 3 and _HR.match(body) is not None
        # Leave open list items whose content column this line does not reach.
        base = 0
        if stack:
            # Only paragraph text may continue an item lazily (less indented); any other
            # block that starts left of the item's content column ends the item.
            if prev_blank or not para or (hr if c0 in "*-_" else _starts_block(body)):
                while stack and col < stack[-1]:
                    stack.pop()
            base = stack[-1] if stack else 0
        rel = col - base

        if c0 not in _BLOCK_START and 0 <= rel < 4:
            # Plain words (or a pipe): a table row, a table header, or paragraph text.
            prev_blank = False
            if table is not None:
                kinds[i] = TABLE
                table.body.append(i)
            elif not was_quote and "|" in body and _table_header(texts, i, body, base):
                table = TableInfo(header=i, delimiter=i + 1, indent=col)
                tables.append(table)
                kinds[i] = kinds[i + 1] = TABLE
                para = False
                i += 2
                continue
            else:
                kinds[i] = TEXT
                if not para:
                    para_start, para_depth = i, len(stack)
                para = True
                quote = was_quote
                if not stack:
                    # More lines of plain words at column 0 continue this paragraph and
                    # change nothing else: skip to the first line that might.
                    j = i + 1
                    while j < n:
                        t = texts[j]
                        if not t or t[0] in _PLAIN_STOP or "|" in t:
                            break
                        j += 1
                    if j > i + 1:
                        kinds[i + 1 : j] = [TEXT] * (j - i - 1)
                        i = j
                        continue
            i += 1
            continue

        # Table body rows continue until a blank line or another block starts.
        if table is not None:
            if rel < 4 and not (hr if c0 in "*-_" else _starts_block(body)) and not _ITEM.match(body):
                kinds[i] = TABLE
                table.body.append(i)
                i += 1
                prev_blank = False
                continue
            table = None

        if rel >= 4 and not para:
            kinds[i] = CODE
            prev_blank = False
            i += 1
            continue

        m = _FENCE_OPEN.match(body) if c0 in "`~" else None
        if m and rel < 4 and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            fence = (m.group(1)[0], len(m.group(1)), col)
            kinds[i] = FENCE
            para = False
            prev_blank = False
            i += 1
            continue

        if body.startswith(">") and rel < 4:
            kinds[i] = QUOTE
            para = bool(body.lstrip(">").strip())  # lazy lines may continue its paragraph
            quote = True
            prev_blank = False
            i += 1
            continue

        if rel < 4 and body.startswith("<") and _html_block_start(body):
            # HTML block types 1-6 (7, a lone tag, cannot interrupt a paragraph: keep simple)
            kinds[i] = HTML
            if body.startswith("<!--"):
                if "-->" not in body[4:]:
                    html_end = "-->"
            elif re.match(_RAW_OPEN, body, re.I):
                if not re.search(_RAW_CLOSE, body, re.I):
                    html_end = "</"
            elif body.startswith("<?"):
                html_end = None if "?>" in body else "?>"
            elif body.startswith("<![CDATA["):
                html_end = None if "]]>" in body else "]]>"
            elif body.startswith("<!"):
                html_end = None if ">" in body else ">"
            else:
                html_end = ""
            para = False
            prev_blank = False
            i += 1
            continue

        hm = _HEADING.match(body) if rel < 4 and c0 == "#" else None
        if hm and body.startswith("#"):
            kinds[i] = HEADING
            headings.append(HeadingInfo(i, len(hm.group(1)), (hm.group(2) or "").strip()))
            para = False
            prev_blank = False
            i += 1
            continue

        if para and c0 in "=-" and not was_quote and 0 <= rel < 4 and len(stack) == para_depth and _SETEXT.fullmatch(body):
            # Setext heading: the open paragraph is its text, this line its underline
            # (it wins over a thematic break, as in CommonMark).
            kinds[i] = HEADING
            text = " ".join(t.strip() for t in texts[para_start:i])
            headings.append(HeadingInfo(i, 1 if body.lstrip()[0] == "=" else 2, text, True))
            para = False
            prev_blank = False
            i += 1
            continue

        if hr and rel < 4:
            kinds[i] = HR
            para = False
            prev_blank = False
            i += 1
            continue

        # An item is measured against the innermost container its marker sits in.
        outer = max((c for c in stack if c <= col), default=0) if col and stack else 0
        im = _ITEM.match(body) if c0 in _ITEM_START and col - outer < 4 else None
        if im and not (para and not stack and not was_quote and _cannot_interrupt(im, body)):
            marker, pad = im.group(1, 2)
            pad_n = len(pad)
            pad_col = pad_n if "\t" not in pad else indentation(pad)[0]
            rest = body[im.end() :]
            has_text = bool(rest.strip())
            if not has_text:
                content_col = col + len(marker) + 1
            elif pad_col > 4:
                content_col = col + len(marker) + 1
            else:
                content_col = col + len(marker) + pad_col
            # a sibling or a shallower item closes deeper ones
            while stack and col < stack[-1]:
                stack.pop()
            depth = len(stack)
            task_col = None
            if rest[:1] == "[" and 1 <= pad_col <= 4 and _TASK.match(rest):
                task_col = nch + len(marker) + pad_n
            items.append(ItemInfo(i, col, marker, content_col, task_col, depth))
            stack.append(content_col)
            quote = False
            kinds[i] = ITEM
            para = has_text
            empty_item = -2 if para else i
            para_start, para_depth = i + 1, len(stack)  # an underline needs text after the marker line
            prev_blank = False
            i += 1
            continue

        # Table: this line is a header row when the next line is a matching delimiter row.
        if 0 <= rel < 4 and not was_quote and "|" in body and _table_header(texts, i, body, base):
            table = TableInfo(header=i, delimiter=i + 1, indent=col)
            tables.append(table)
            kinds[i] = kinds[i + 1] = TABLE
            para = False
            prev_blank = False
            i += 2
            continue

        kinds[i] = TEXT
        if not para:
            para_start, para_depth = i, len(stack)
        para = True
        quote = was_quote
        prev_blank = False
        i += 1

    return Scan(kinds, items, tables, headings)


_WHITE = (" ", "\t")
_ITEM_START = frozenset("-*+0123456789")
# First characters of every block but a paragraph or a table: fences, HTML, quotes,
# headings, thematic breaks, list items and setext underlines.
_BLOCK_START = frozenset("`~<>#*-+_=0123456789")
_PLAIN_STOP = _BLOCK_START | frozenset(" \t")


def _table_header(texts: list[str], i: int, body: str, base: int) -> bool:
    """Do lines i and i+1 open a GFM table (a header row, then a matching delimiter row)?"""
    if i + 1 >= len(texts):
        return False
    dcount = delimiter_cells(texts[i + 1])
    if dcount is None or dcount != _header_cells(body):
        return False
    ncol, _ = indentation(texts[i + 1])
    return 0 <= ncol - base < 4


def _starts_block(body: str) -> bool:
    """Would this line start a block that ends a table (GFM terminators)?"""
    c = body[:1]
    if c not in _BLOCK_START:
        return False
    if c == ">":
        return True
    if c == "#":
        return _HEADING.match(body) is not None
    if c in "`~":
        return _FENCE_OPEN.match(body) is not None
    if c in "*-_":
        return _HR.match(body) is not None
    if c == "<":
        return _html_block_start(body)
    return False


def _cannot_interrupt(m: re.Match[str], body: str) -> bool:
    """A list item may interrupt a paragraph only if non-empty and (if ordered) starting at 1."""
    marker = m.group(1)
    rest = body[m.end(1) :].strip()
    if not rest:
        return True
    if marker[0].isdigit() and int(marker[:-1]) != 1:
        return True
    return False


def _compiled_scan():
    """The compiled scanner, handed this module's record classes, kinds and HTML helpers,
    or None when it is not built (asked whatever ISSUE_FLOW_PURE_PYTHON says: the tests
    compare it with scan_python)."""
    _cscan = compiled.built()  # this module's own compiled half
    if _cscan is None:
        return None
    from functools import partial

    _cscan.init(
        Scan,
        ItemInfo,
        TableInfo,
        HeadingInfo,
        (BLANK, FENCE, CODE, HTML, HEADING, TABLE, ITEM, QUOTE, HR, TEXT),
        _html_block_start,
        partial(re.match, _RAW_OPEN, flags=re.I),  # as scan_python asks
        partial(re.search, _RAW_CLOSE, flags=re.I),
        scan_python,  # for a sequence that is not a list of str
    )
    return _cscan.scan


# Classify each line (``lines`` may carry their line endings): the compiled scanner when it
# is built and used (model/compiled.py), else scan_python; both give one Scan.
scan = (compiled.module() is not None and _compiled_scan()) or scan_python
