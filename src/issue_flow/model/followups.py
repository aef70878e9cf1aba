"""The parent's README gains a child in its Follow-ups list (``new --parent``, ``lint --fix``).

Which section is the Follow-ups list is decided here once (:func:`follow_ups_section`), for
this edit and for ``close``'s pointer to the resolved child.

A surgical edit that only adds lines:

- a ``## Follow-ups`` section exists: the item is appended after its last line;
- else a new section goes before the parent's "Docs in this folder" section (with the
  ``---`` separator when the document separates its sections that way);
- else at the end of the README.

The parent's line endings are kept; a child already listed there is not added again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from issue_flow.model.document import Document

# "Follow-ups", "Followups", "Follow up", "Follow-up work", "**Follow-ups** (open)" … —
# matched on the heading's words, its markup left out.
FOLLOW_UPS_HEADING = re.compile(r"follow[- ]?ups?\b", re.IGNORECASE)
_DOCS_SECTION = re.compile(r"doc(?:ument)?s in this folder\b", re.IGNORECASE)


def _line_ending(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def follow_ups_section(doc: Document) -> tuple[int, int] | None:
    """(heading line, end line) of the parent's Follow-ups list: the first heading, other
    than the document's title, whose words start with "Follow-up(s)" (any spelling of
    :data:`FOLLOW_UPS_HEADING`, markup aside), up to the next heading of its level or
    higher; None when there is none. The title is left out because it names the issue (an
    issue may be called "Follow-up to …"), not a list."""
    from issue_flow.model.document import strip_markup

    heads = doc.headings
    title = doc.title
    for k, h in enumerate(heads):
        if title is not None and h.line == title.line:
            continue
        if FOLLOW_UPS_HEADING.match(strip_markup(h.text)):
            end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(doc.lines))
            return h.line, end
    return None


def add_follow_up(text: str, number: int, href: str, title: str) -> str | None:
    """``text`` with ``- [#N](href) — title`` in its Follow-ups list; None if already listed.

    Only lines are added (except that a missing final newline is added when the new lines
    go at the very end). Line endings follow the document's.
    """
    from issue_flow.model.document import Document, strip_markup
    from issue_flow.model.scan import BLANK, CODE, FENCE, HR, HTML, ITEM
    from issue_flow.mdescape import md_inline

    doc = Document(None, text)
    lines = list(doc.lines)
    kinds = doc.structure.kinds
    heads = doc.headings
    eol = _line_ending(lines)
    item = f"- [#{number}]({href}) — {md_inline(title)}{eol}"

    section = follow_ups_section(doc)
    if section is not None:
        start, end = section
        body = range(start + 1, end)
        listed = re.compile(rf"(?:#|ISSUE-){number}(?!\d)")
        if any(listed.search(lines[i]) for i in body if kinds[i] not in (FENCE, CODE, HTML)):
            return None
        content = [i for i in body if kinds[i] not in (BLANK, HR)]
        if content and any(kinds[i] == ITEM for i in content):
            at, new = content[-1] + 1, [item]
        elif content:
            at, new = content[-1] + 1, [eol, item]
        else:
            at, new = start + 1, [eol, item]
    else:
        docs_head = next((h for h in heads if h.level >= 2 and _DOCS_SECTION.match(strip_markup(h.text))), None)
        if docs_head is not None:
            at = docs_head.line
            prev = at - 1
            while prev >= 0 and kinds[prev] == BLANK:
                prev -= 1
            new = [f"{'#' * docs_head.level} Follow-ups{eol}", eol, item, eol]
            if prev >= 0 and kinds[prev] == HR:
                new += [f"---{eol}", eol]
            if at > 0 and kinds[at - 1] != BLANK:
                new.insert(0, eol)
        else:
            at = len(lines)
            new = []
            if lines and lines[-1].strip():
                new.append(eol)
            if _separates_sections(kinds, heads):
                new += [f"---{eol}", eol]
            new += [f"## Follow-ups{eol}", eol, item]
    if at > 0 and at == len(lines) and not lines[-1].endswith("\n"):
        lines[-1] += eol
    lines[at:at] = new
    return "".join(lines)


def _separates_sections(kinds: list[str], heads) -> bool:
    """Does the document put a ``---`` line before its second-level headings?"""
    from issue_flow.model.scan import BLANK, HR

    for h in heads:
        if h.level != 2:
            continue
        prev = h.line - 1
        while prev >= 0 and kinds[prev] == BLANK:
            prev -= 1
        if prev >= 0 and kinds[prev] == HR:
            return True
    return False
