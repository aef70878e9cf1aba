"""What a close says was resolved, and how the parent's README records it.

Split from :mod:`issue_flow.workflows.close` (which plans the close itself) because these are
rules about text: which versions a done release item names (``✅ 0.9.2 / 0.2.2``), how a
resolution reads in a comment ("Resolved by #462 in v0.9.2 / 0.2.2.") and in a Follow-ups
line ("— resolved in v0.9.2 / 0.2.2"), and the surgical edit of the parent's README that adds
the pointer once. The rules are in the docstring of :mod:`issue_flow.workflows.close`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from issue_flow.model.document import Document
from issue_flow.model.followups import follow_ups_section

_VERSION = r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?"
_VERSIONS = re.compile(rf"^\s*({_VERSION}(?:\s*(?:/|,|and|&)\s*{_VERSION})*)\s*\.?\s*$")
_HEADER = re.compile(r"\s*\*\*([A-Za-z][\w /()-]*?)(?::\*\*|\*\*:)[ \t]*(.*)$")


def names_start(item: Any, *prefixes: str) -> bool:
    return any(n.startswith(p) for n in item.names for p in prefixes)


def parse_versions(text: str) -> list[str] | None:
    """``"0.9.2 / 0.2.2"`` → ``["0.9.2", "0.2.2"]``; None when ``text`` is not a version list."""
    m = _VERSIONS.match(text or "")
    if not m:
        return None
    return re.findall(_VERSION, m.group(1))


def released_versions(folder: Any, pool: list[Any]) -> list[str]:
    """Versions from the done release item's status-row evidence (leading version list)."""
    candidates = [it for it in pool if it.kind == "criterion" and names_start(it, "release", "patch release")]
    candidates += [it for it in pool if it.kind == "step" and names_start(it, "patch release")]
    for it in candidates:
        if it.row is None or it.table is None:
            continue
        cell = it.table.status(it.row)
        if cell.done is not True:
            continue
        m = re.match(rf"\s*({_VERSION}(?:\s*(?:/|,|and|&)\s*{_VERSION})*)", cell.evidence)
        if m:
            return re.findall(_VERSION, m.group(1))
    return []


def versions_phrase(versions: list[str]) -> str:
    """``["0.9.2", "0.2.2"]`` → ``"v0.9.2 / 0.2.2"`` (as the pointer reads: "in v0.9.2 / 0.2.2")."""
    first = versions[0] if versions[0].startswith("v") else f"v{versions[0]}"
    return " / ".join([first, *versions[1:]])


def sentence(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


@dataclass
@dataclass
class Resolution:
    """How the issue was resolved: released versions, or free text."""

    versions: list[str] = field(default_factory=list)
    text: str | None = None

    @property
    def phrase(self) -> str:
        return versions_phrase(self.versions) if self.versions else (self.text or "")

    @property
    def short(self) -> str:
        """For a Follow-ups list line: ``in v0.9.2 / 0.2.2``, or ``(TEXT)`` for free text."""
        return f"in {self.phrase}" if self.versions else f"({sentence(self.text or '')})"

    @property
    def sentence_tail(self) -> str:
        """What follows "Resolved by #N": `` in v0.9.2 / 0.2.2.`` or ``: TEXT.``."""
        return f" in {self.phrase}." if self.versions else f": {sentence(self.text or '')}."


# --------------------------------------------------------------------------- the parent README


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :] or "\n"


def add_resolution_pointer(doc: Document, child: int, link: str, resolution: Resolution) -> bool:
    """Add the pointer to ``child`` in the parent's README (in memory). False if already there."""
    lines = doc.lines
    kinds = doc.structure.kinds
    child_ref = re.compile(rf"#{child}(?!\d)")

    # 1. a Follow-ups section that links the child: extend that line
    span = follow_ups_section(doc)
    if span is not None:
        for i in range(span[0] + 1, span[1]):
            text = doc.line_text(i)
            if kinds[i] == "item" and child_ref.search(text):
                if re.search(r"\bresolved\b", text, re.IGNORECASE):
                    return False
                lines[i] = text + f" — resolved {resolution.short}" + _eol(lines[i])
                return True

    # 2. a **Resolution:** paragraph after the header lines at the top
    pointer = re.compile(rf"^\s*\*\*Resolution(?::\*\*|\*\*:).*#{child}(?!\d)")
    for i in range(len(lines)):
        if kinds[i] == "text" and pointer.match(doc.line_text(i)):
            return False
    first_section = next((h.line for h in doc.headings if h.level >= 2), len(lines))
    last_header = None
    title = doc.title.line if doc.title is not None else None
    for i in range(0, first_section):
        if kinds[i] == "hr":
            break
        if kinds[i] == "text" and _HEADER.match(doc.line_text(i)):
            last_header = i
    anchor = last_header if last_header is not None else title
    new_line = f"**Resolution:** Resolved by [#{child}]({link}){resolution.sentence_tail}"
    if anchor is None:
        eol = _eol(lines[0]) if lines else "\n"
        insert = [new_line + eol, eol] if lines else [new_line + eol]
        lines[0:0] = insert
        return True
    eol = _eol(lines[anchor])
    if not lines[anchor].endswith(("\n", "\r")):
        lines[anchor] = lines[anchor] + eol
    insert = [eol, new_line + eol]
    nxt = anchor + 1
    if nxt < len(lines) and lines[nxt].strip():
        insert.append(eol)
    lines[nxt:nxt] = insert
    return True
