"""Plain text as Markdown that renders as that text: the escaping filters of the templates.

Titles and labels come from people (and from GitHub): they may hold any of the characters
Markdown gives a meaning. These functions turn plain text into Markdown that renders as
that text, on one line, in the place it is used (inline, a table cell, a link's text).
Apart from :mod:`issue_flow.templating` because the document model writes titles and
labels too (the parent's Follow-ups line, criteria read from an issue body) and needs
neither Jinja nor the template folders; the templates get them as filters (:data:`FILTERS`).
"""

from __future__ import annotations

import re
from typing import Any

_ALWAYS = set("\\`*[]<>|~")


def md_inline(value: Any) -> str:
    """Plain text -> inline Markdown (one line) that renders as the same text.

    Escapes what could start emphasis, code, links, HTML, strike-through or a table cell
    (``\\ ` * [ ] < > | ~``), an ``_`` that is not inside a word, an ``&`` that would read as
    an entity, and a trailing run of ``#`` (an ATX heading's closing sequence).
    """
    text = " ".join(str(value).split())
    out: list[str] = []
    n = len(text)
    trailing_hashes = len(text) - len(text.rstrip("#"))
    for i, ch in enumerate(text):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_":
            before = text[i - 1] if i > 0 else " "
            after = text[i + 1] if i + 1 < n else " "
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif ch == "&" and re.match(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", text[i:]):
            out.append("\\&")
        elif ch == "#" and i >= n - trailing_hashes:
            out.append("\\#")
        else:
            out.append(ch)
    return "".join(out)


def md_cell(value: Any) -> str:
    """Plain text -> the text of a GitHub table cell (pipes escaped, one line)."""
    return md_inline(value)


def md_link_text(value: Any) -> str:
    """Plain text -> the text between ``[`` and ``]`` of a link.

    Brackets are escaped (as everywhere), and so is a ``(`` right after a ``]``, so that
    no ``](`` appears inside the link text: simple readers that take the first ``](`` of
    a ``**GitHub:**`` line as the start of its URL still find the right one.
    """
    return md_inline(value).replace("](", "]\\(")


def md_cell_raw(value: Any) -> str:
    """Markdown source -> a table cell: one line, unescaped pipes escaped, markup kept."""
    text = " ".join(str(value).split())
    out: list[str] = []
    backslashes = 0
    for ch in text:
        if ch == "|" and backslashes % 2 == 0:
            out.append("\\")
        out.append(ch)
        backslashes = backslashes + 1 if ch == "\\" else 0
    return "".join(out)


FILTERS = {
    "md_inline": md_inline,
    "md_cell": md_cell,
    "md_link_text": md_link_text,
    "md_cell_raw": md_cell_raw,
}
