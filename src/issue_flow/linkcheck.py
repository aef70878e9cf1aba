"""Relative links of Markdown documents, and whether their targets exist.

Fast on large trees, with the findings of a markdown-it-py reading:

- A document with no ``](`` and no ``]:`` anywhere holds no link: it is not scanned at all.
- Otherwise the document's line scan (shared with the issue checks) says which lines are
  code, fences or HTML comments; of the rest, a line with a simple link (no code span,
  escape, angle bracket, entity, nested brackets or parentheses in the target) is read
  with one compiled pattern, and any other line with ``](`` goes through markdown-it-py's
  inline parser, as every such line did before (tests/test_lint_findings.py compares the
  two readings on every corpus file).
- A target is looked up in the listing of its folder, read once per folder
  (:class:`Listings`), instead of a ``stat`` per link.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)")
# [label](dest) or ![alt](dest "title"): no brackets in the label, no parentheses or spaces in dest
_SIMPLE = re.compile(r"""!?\[[^\[\]]*\]\([ \t]*([^\s()]*)(?:[ \t]+(?:"[^"]*"|'[^']*'))?[ \t]*\)""")
_HARD = re.compile(r"[\\<&]")  # escapes, autolinks/HTML, entities: the full parser
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
    """The hrefs of a line whose every ``](`` is a simple link, else None."""
    if _HARD.search(line):
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
    return [unquote(m.group(1)) for m in found if m.group(1)]


def has_links(text: str) -> bool:
    return "](" in text or "]:" in text


def links(doc) -> list[tuple[int, str]]:
    """(line number, href) of every link, image and link reference definition of ``doc``
    outside code fences, indented code and HTML comments."""
    if not has_links(doc._original) and not (doc.changed and has_links(doc.text)):
        return []
    lines = doc.lines
    kinds = doc.structure.kinds
    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
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
    found = []
    listings = listings or Listings()
    parent = str(path.parent)
    sroot = str(root)
    for line, href in links(doc):
        if href.startswith(("#", "//")) or _SCHEME.match(href):
            continue
        target = href.split("#", 1)[0].split("?", 1)[0]
        if not target:
            continue
        base = sroot if target.startswith("/") else parent
        resolved = os.path.normpath(os.path.join(base, target.lstrip("/")))
        if not listings.exists(resolved):
            found.append((line, href))
    return found
