"""Relative links of Markdown documents, and whether their targets exist.

Fast on large trees, with the findings of a markdown-it-py reading:

- A document with no ``](`` and no ``]:`` anywhere holds no link: it is not scanned at all.
- A document whose code can be told without the block scanner (:func:`quick_links`: fences
  only at column 0, no line starting with ``<``, no link line indented four columns or by a
  tab, no reference definition, no lone CR) is read from its bytes: only the lines holding
  ``](`` are looked at, found with ``bytes.find``; no line list, no block scan.
- Otherwise the document's line scan (shared with the issue checks) says which lines are
  code, fences or HTML comments.
- Of the lines outside code, one whose links are simple (no code span, escape, entity,
  nested brackets or parentheses in a link; no angle bracket on the line) is read with
  one compiled pattern, and any other line with ``](`` goes through markdown-it-py's
  inline parser, as every such line did before (tests/test_lint_findings.py and
  tests/test_lint_links.py compare the readings on every corpus file).
- A target is looked up in the listing of its folder, read once per folder
  (:class:`Listings`), instead of a ``stat`` per link.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from issue_flow.model import compiled

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)")
# [label](dest) or ![alt](dest "title"): no brackets in the label, no parentheses or spaces in dest
_SIMPLE = re.compile(r"""!?\[[^\[\]]*\]\([ \t]*([^\s()]*)(?:[ \t]+(?:"[^"]*"|'[^']*'))?[ \t]*\)""")
_ESCAPE_OR_ENTITY = re.compile(r"[\\&]")
_DELIMITERS = frozenset("[]()<>!`\\")
_TICKS = re.compile(r"`+")


def _blank_code_spans(line: str) -> tuple[str, list[tuple[int, int]]]:
    """``line`` with each code span replaced by as many ``x`` (a code span is a run of n
    backticks up to the next run of exactly n, as in CommonMark), and the spans."""
    spans = []
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(line)]
    k = 0
    while k < len(runs):
        a, b = runs[k]
        n = b - a
        close = next((j for j in range(k + 1, len(runs)) if runs[j][1] - runs[j][0] == n), None)
        if close is None:
            k += 1  # a run with no closer is literal text
            continue
        spans.append((a, runs[close][1]))
        k = close + 1
    if not spans:
        return line, spans
    parts = []
    last = 0
    for a, b in spans:
        parts.append(line[last:a])
        parts.append("x" * (b - a))
        last = b
    parts.append(line[last:])
    return "".join(parts), spans
_TEXTUAL = frozenset(("text", "item", "table", "heading", "quote"))

_md = None


def _parser():
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark")
    return _md


def _inline(line: str) -> list[str]:
    out = []
    for tok in _parser().parseInline(line)[0].children or []:
        href = tok.attrGet("href") if tok.type == "link_open" else tok.attrGet("src") if tok.type == "image" else None
        if href:
            out.append(unquote(str(href)))
    return out


def _simple(line: str) -> list[str] | None:
    """The hrefs of a line whose every ``](`` is a simple link, else None.

    An HTML tag or autolink (``<``) may hold brackets: the full parser. An entity (``&``)
    or a backslash escape outside every link is text that cannot open or close a link
    (an entity is never a bracket; an escape of anything but a bracket, parenthesis,
    backtick, ``<``, ``>``, ``!`` or a backslash changes no delimiter); inside a link, it
    may change the target: the full parser.
    """
    if "<" in line or "\\`" in line:
        return None
    spans: list[tuple[int, int]] = []
    if "`" in line:
        line, spans = _blank_code_spans(line)
    found = list(_SIMPLE.finditer(line))
    if len(found) != line.count("]("):
        return None
    for m in found:  # a code span may sit in a label; one in a target: the full parser
        a, b = m.start(1), m.end()
        if any(x < b and y > a for x, y in spans):
            return None
    if ("&" in line or "\\" in line) and not _plain_outside(line, found):
        return None
    return [unquote(m.group(1)) for m in found if m.group(1)]


def _plain_outside(line: str, found: list[re.Match[str]]) -> bool:
    """Is every ``&`` and ``\\`` of ``line`` (code spans blanked) outside the links
    ``found``, and no backslash before a character that could change a delimiter?"""
    for m in _ESCAPE_OR_ENTITY.finditer(line):
        k = m.start()
        if m.group() == "\\" and line[k + 1 : k + 2] in _DELIMITERS:
            return False
        if any(f.start() <= k < f.end() for f in found):
            return False
    return True


def has_links(text: str) -> bool:
    return "](" in text or "]:" in text


def link_lines_python(lines: list[str]) -> list[int]:
    """The lines holding ``](`` or ``]:`` (the only ones that can hold a link or a reference
    definition); the reference of the compiled twin that :data:`link_lines` is when built."""
    return [i for i, line in enumerate(lines) if "](" in line or "]:" in line]


link_lines = getattr(compiled.module(), "link_lines", link_lines_python)


def links(doc) -> list[tuple[int, str]]:
    """(line number, href) of every link, image and link reference definition of ``doc``
    outside code fences, indented code and HTML comments."""
    if not has_links(doc._original) and not (doc.changed and has_links(doc.text)):
        return []
    lines = doc.lines
    found = [(i, lines[i]) for i in link_lines(lines)]
    if not found:
        return []
    # The kinds of the lines up to the last one with a link: a scan of the first lines when
    # the document is not scanned yet (the rest cannot change them; model/partial.py).
    kinds = doc.kinds_through(found[-1][0])
    out: list[tuple[int, str]] = []
    for i, line in found:
        if "](" in line:
            if kinds[i] not in _TEXTUAL:
                continue
            text = line.rstrip("\r\n")
            hrefs = _simple(text)
            for href in _inline(text) if hrefs is None else hrefs:
                out.append((i + 1, href))
        elif "]:" in line and kinds[i] == "text":
            m = _REFDEF.match(line)
            if m:
                out.append((i + 1, unquote(m.group(1))))
    return out


# What can turn a line into code or HTML for the scanner: a line whose first visible
# character is '<' (HTML blocks start so), a fence delimiter line, and a line that may be a
# reference definition (read only on lines the scanner calls paragraph text). Each pattern
# starts with a literal, so the regular expression engine skips ahead at C speed.
_HTML_LINE = re.compile(rb"\n[ \t]*<")
_HTML_FIRST = re.compile(rb"[ \t]*<")
_FENCE_LINE = re.compile(rb"\n[ \t]*(?:```|~~~)")
_FENCE_FIRST = re.compile(rb"[ \t]*(?:```|~~~)")
_FENCE_RUN = re.compile(rb"(`{3,}|~{3,})(.*)")
_REFDEF_START = re.compile(rb" {0,3}\[[^\]\n]+\]:")


def _fences(data: bytes) -> list[tuple[int, int]] | None:
    """Byte ranges of the fenced code blocks (delimiters included) when every fence line
    starts at column 0, else None (an indented fence may belong to a list item, whose end
    closes it: the scanner decides). Outside lists a fence opens on a line starting with
    three or more backticks (no backtick after them) or tildes and closes on a line of at
    least as many of the same character and nothing else but spaces, as the scanner reads."""
    starts = [m.start() + 1 for m in _FENCE_LINE.finditer(data)]
    if _FENCE_FIRST.match(data):
        starts.insert(0, 0)
    out: list[tuple[int, int]] = []
    fence: tuple[bytes, int, int] | None = None  # character, run length, start
    for p in starts:
        if data[p : p + 1] in (b" ", b"\t"):
            return None
        end = data.find(b"\n", p)
        end = len(data) if end == -1 else end + 1
        m = _FENCE_RUN.match(data, p, end)
        assert m is not None
        run, rest = m.group(1), m.group(2).rstrip(b"\r\n")
        if fence is None:
            if run[:1] == b"`" and b"`" in rest:
                continue  # not a fence: a line of text
            fence = (run[:1], len(run), p)
        elif run[:1] == fence[0] and len(run) >= fence[1] and not rest.decode("utf-8").strip():
            out.append((fence[2], end))
            fence = None
    if fence is not None:
        out.append((fence[2], len(data)))
    return out


def quick_links(data: bytes) -> list[tuple[int, str]] | None:
    """The links of a document (its UTF-8 bytes) as :func:`links` reads them, when they can
    be read without the block scanner; None when the scanner must decide.

    Without HTML blocks, reference definitions and indented fences, a line holding ``](``
    is in code only when inside a fence (found by :func:`_fences`) or indented four columns
    or more (tabs count to the next multiple of four, so a tab sends the document to the
    scanner); every other such line is text, an item, a table row, a heading or a quote,
    whose links :func:`links` reads. Lines are counted by LF, so a lone CR (a line end of
    its own) sends the document to the scanner too.
    """
    if b"](" not in data and b"]:" not in data:
        return []
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    if _HTML_LINE.search(data) or _HTML_FIRST.match(data):
        return None
    find = data.find
    pos = find(b"]:")
    while pos != -1:
        start = data.rfind(b"\n", 0, pos) + 1
        if _REFDEF_START.match(data, start):
            return None  # maybe a reference definition: its kind decides
        pos = find(b"]:", pos + 2)
    fences: list[tuple[int, int]] = []
    if b"```" in data or b"~~~" in data:
        got = _fences(data)
        if got is None:
            return None
        fences = got
    out: list[tuple[int, str]] = []
    line = 1
    counted = 0
    k = 0  # the next fence that may hold a link
    pos = find(b"](")
    while pos != -1:
        start = data.rfind(b"\n", 0, pos) + 1
        end = find(b"\n", pos)
        if end == -1:
            end = len(data)
        while k < len(fences) and fences[k][1] <= start:
            k += 1
        if k < len(fences) and fences[k][0] <= start:
            pos = find(b"](", end)  # a line of fenced code
            continue
        line += data.count(b"\n", counted, start)
        counted = start
        raw = data[start:end]
        if raw[:1] in (b" ", b"\t"):
            lead = len(raw) - len(raw.lstrip(b" \t"))
            if lead >= 4 or b"\t" in raw[:lead]:
                return None  # maybe indented code: the scanner knows
        text = raw.decode("utf-8").rstrip("\r\n")
        hrefs = _simple(text)
        for href in _inline(text) if hrefs is None else hrefs:
            out.append((line, href))
        pos = find(b"](", end)
    return out


# Where a link that ``dead_targets`` looks up can start: a ``](`` or ``]:`` not followed
# (after a reference definition's blanks) by a scheme, ``#`` or ``//``, which it skips.
_RELATIVE_START = re.compile(rb"\](?:\((?![A-Za-z][A-Za-z0-9+.-]*:|#|//)|:(?![ \t]*(?:[A-Za-z][A-Za-z0-9+.-]*:|#|//)))")


def may_link_relatively(data: bytes) -> bool:
    """Could ``data`` hold a link whose target :func:`dead_targets` looks up? False only
    when every ``](`` and ``]:`` in it is followed by a scheme (``https:``), ``#`` or
    ``//``: every link read from such a text (all of them start there, as written) is one
    that names no file of the tree, so it is not read at all. Prose and documents with
    web links only are a fifth of the corpus's files."""
    return _RELATIVE_START.search(data) is not None


def file_links(data: bytes, text: str, doc=None) -> list[tuple[int, str]]:
    """The links of a file (its bytes and their text): :func:`quick_links` when it can
    tell, else :func:`links` of ``doc`` (a :class:`Document` of ``text``, made if None)."""
    if doc is not None and "structure" in doc.__dict__ and not doc.changed:
        return links(doc)  # already scanned: the kinds cost nothing more
    quick = quick_links(data)
    if quick is not None:
        return quick
    if doc is None:
        from issue_flow.model.document import Document

        doc = Document(None, text)
    return links(doc)


class Listings:
    """Which names each folder holds, read once per folder (``os.scandir``)."""

    def __init__(self) -> None:
        self._dirs: dict[str, dict[str, bool] | None] = {}

    def _listing(self, folder: str) -> dict[str, bool] | None:
        try:
            return self._dirs[folder]
        except KeyError:
            pass
        try:
            with os.scandir(folder) as it:
                names = {e.name: e.is_symlink() for e in it}
        except (OSError, ValueError):
            names = None  # missing, not a folder, unreadable, or not a path
        self._dirs[folder] = names
        return names

    def exists(self, path: str) -> bool:
        """``os.path.exists`` of a normalised absolute path, from the listings."""
        folder, name = os.path.split(path)
        if not name:  # the file system's root
            return os.path.exists(path)
        names = self._listing(folder)
        if names is None:
            return False
        link = names.get(name)
        if link is None:
            return False
        return os.path.exists(path) if link else True  # a link may lead nowhere


def dead_links(root: Path, path: Path, doc, listings: Listings | None = None) -> list[tuple[int, str]]:
    """(line, href) of each relative link of ``doc`` (at ``path``) whose target does not exist."""
    return dead_targets(str(root), str(path.parent), links(doc), listings or Listings())


def dead_targets(root: str, folder: str, hrefs: list[tuple[int, str]], listings: Listings) -> list[tuple[int, str]]:
    """The (line, href) of ``hrefs`` (links of a document in ``folder``) that are relative
    and lead nowhere: ``/x`` from ``root``, anything else from ``folder``; the fragment and
    query are not part of the target."""
    found = []
    exists = listings.exists
    for line, href in hrefs:
        if href.startswith(("#", "//")) or _SCHEME.match(href):
            continue
        target = href.split("#", 1)[0].split("?", 1)[0]
        if not target:
            continue
        base = root if target.startswith("/") else folder
        if not exists(os.path.normpath(os.path.join(base, target.lstrip("/")))):
            found.append((line, href))
    return found
