"""A GitHub issue's body read as the model reads documents: its task list (the remote side
of ``sync``), and the criteria and summary of an issue folder (for ``new``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from issue_flow.model.document import Document, Task

CRITERIA_HEADING = r"acceptance criteria"  # the section of a body that holds the criteria


def remote_tasks(doc: Document) -> list[Task]:
    """The task list of an issue body: the top-level tasks under an "Acceptance criteria"
    heading when the body has one (and tasks there), else the top-level tasks of the whole
    body. Read with the fence- and comment-aware scanner, so tasks in code fences or HTML
    comments are not tasks. ``sync`` pairs these with the README's criteria, ``new`` turns
    them into the README's criteria, so both read the body the same way."""
    tasks = doc.tasks
    span = doc.section(CRITERIA_HEADING)
    if span is not None:
        inside = [t for t in tasks if span[0] < t.line < span[1]]
        if inside:
            tasks = inside
    if not tasks:
        return []
    top = min(t.depth for t in tasks)
    return [t for t in tasks if t.depth == top]


@dataclass
class Criterion:
    """One acceptance criterion: bold label (pairs it with its status row), Markdown text.

    The checklist line is ``- [ ] **<label_md>**<sep><text>``: ``label_md`` is the label as
    Markdown (None: ``label`` escaped), ``sep`` what separates it from the text. Criteria
    read from an issue body keep the item's own Markdown and separator, so the README line
    says what the GitHub task says.
    """

    label: str
    text: str = ""
    done: bool = False
    label_md: str | None = None
    sep: str = " – "



# ------------------------------------------------------------------ the issue body
#
# The criteria are the body's task list as ``issue-flow sync`` reads it
# (:func:`remote_tasks`: the top-level tasks under an "Acceptance
# criteria" heading when there is one, else all top-level tasks; not in fences or comments).
# Each becomes one line: the item's first paragraph, its lines joined. The README needs a
# bold label on every criterion (its status row pairs with it by label); an item without
# one gets a label made of its own first words, set in bold *in place*, so the README line
# reads exactly as the GitHub task minus the bold markers and ``sync`` pairs the two by text:
#
#   "Tests – regression test"     -> "**Tests** – regression test"  (words before – — - :)
#   "Short one."                  -> "**Short one**."                (six words or fewer)
#   "Reproduce with the proxy running against …" -> "**Reproduce with the proxy running** against …"
#
# A label is used only when its plain text writes to a table cell unchanged (no pipe, no
# bracket, balanced code spans …) and is not already taken; else more (or fewer) words are
# tried, and as a last resort the label is written escaped in front of the item's text.

_SEPARATOR = re.compile(r"\s+[-–—]{1,2}\s+|:\s+")
_TRAILING = " .,;:!?"
_MAX_LABEL_WORDS = 8
_SHORT_WORDS = 6
_FIRST_WORDS = 5


def read_issue_body(body: str | None) -> tuple[list[Criterion], str | None]:
    """(criteria, Summary Markdown or None) of a GitHub issue body."""
    from issue_flow.model.document import Document, norm

    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return [], None
    doc = Document(None, text)
    tasks = remote_tasks(doc)
    if not tasks:
        return [], _summary(doc, set())

    # Left out of the Summary: every section whose heading names the acceptance criteria
    # (the README has its own, and finds it by the first such heading), and the criteria
    # items found elsewhere (with their continuation lines and nested items).
    infos = {it.line: it for it in doc.structure.tasks}
    drop: set[int] = set()
    heads = doc.headings
    for k, h in enumerate(heads):
        if re.search(CRITERIA_HEADING, h.text, re.IGNORECASE):
            end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(doc.lines))
            drop.update(range(h.line, end))
    for t in tasks:
        if t.line not in drop:
            drop.update(range(t.line, _item_end(doc, t.line, infos[t.line].content_col)))

    criteria: list[Criterion] = []
    taken = {norm(t.label) for t in tasks if t.label}  # derived labels must not repeat these
    for t in tasks:
        content = _one_line(doc, t.line, t.text)
        criteria.append(_criterion(content, t.label, t.checked, taken))
    return criteria, _summary(doc, drop)


def _one_line(doc, line: int, first: str) -> str:
    """The item's first paragraph (its first line and the lines continuing it), one line."""
    from issue_flow.model.scan import TEXT

    kinds = doc.structure.kinds
    parts = [first.strip()]
    j = line + 1
    while j < len(doc.lines) and kinds[j] == TEXT:
        parts.append(doc.line_text(j).strip())
        j += 1
    out = []
    for k, part in enumerate(parts):
        if k < len(parts) - 1 and part.endswith("\\") and not part.endswith("\\\\"):
            part = part[:-1].rstrip()  # a hard line break
        out.append(part)
    return " ".join(p for p in out if p)


def _item_end(doc, line: int, content_col: int) -> int:
    """The line after the last line of the list item starting at ``line``."""
    from issue_flow.model.scan import BLANK, TEXT, indentation

    kinds = doc.structure.kinds
    last = line
    j = line + 1
    while j < len(doc.lines):
        if kinds[j] == BLANK:
            j += 1
            continue
        col, _n = indentation(doc.line_text(j))
        if col >= content_col or (kinds[j] == TEXT and j == last + 1):
            last = j
            j += 1
            continue
        break
    return last + 1


def _usable(label_md: str) -> str | None:
    """The plain label of Markdown ``label_md`` set in bold, if it pairs with a status row."""
    from issue_flow.model.document import norm, strip_markup
    from issue_flow.mdescape import md_cell

    if not label_md or label_md != label_md.strip() or "*" in label_md or "\n" in label_md:
        return None
    if label_md.count("`") % 2 or label_md.count("[") != label_md.count("]") or "<" in label_md:
        return None
    label = strip_markup(label_md).strip(" :")
    if not label or not norm(label) or norm(md_cell(label)) != norm(label) or '"' in label:
        return None
    return label


def _split_trailing(prefix: str) -> tuple[str, str]:
    head = prefix.rstrip(_TRAILING)
    return head, prefix[len(head) :]


def _candidates(content: str):
    """(label Markdown, separator, text) splits of an item without a bold label, best first."""
    m = _SEPARATOR.search(content)
    if m is not None and m.start() > 0:
        prefix = content[: m.start()]
        if len(prefix.split()) <= _MAX_LABEL_WORDS:
            head, tail = _split_trailing(prefix)
            yield head, tail + m.group(0), content[m.end() :]
    words = [w for w in re.finditer(r"\S+", content)]
    if len(words) <= _SHORT_WORDS:
        head, tail = _split_trailing(content)
        yield head, tail, ""
    order = list(range(_FIRST_WORDS, len(words) + 1)) + list(range(min(_FIRST_WORDS, len(words)) - 1, 0, -1))
    for k in order:
        end = words[k - 1].end()
        head, tail = _split_trailing(content[:end])
        rest_start = words[k].start() if k < len(words) else len(content)
        yield head, tail + content[end:rest_start], content[rest_start:]


def _criterion(content: str, label: str | None, done: bool, taken: set[str]) -> Criterion:
    from issue_flow.model.document import BOLD_LABEL, norm, strip_markup
    from issue_flow.mdescape import md_inline

    if label:
        m = BOLD_LABEL.match(content)
        rest = content[m.end() :] if m else content
        sm = re.match(r"\s*[-–—:]+\s*|\s+", rest)
        sep = sm.group(0) if sm else ""
        raw = m.group(1) if m else None
        if raw is not None and _usable(raw) == label:
            return Criterion(label, rest[len(sep) :], done, label_md=raw, sep=sep)
        return Criterion(label, rest[len(sep) :], done, label_md=None, sep=sep or " – ")

    first_usable: tuple[str, str, str, str] | None = None
    for head, sep, text in _candidates(content):
        plain = _usable(head)
        if plain is None:
            continue
        if first_usable is None:
            first_usable = (plain, head, sep, text)
        if norm(plain) not in taken:
            taken.add(norm(plain))
            return Criterion(plain, text, done, label_md=head, sep=sep)
    # No label of its own words: an escaped label in front of the whole text.
    base = first_usable[0] if first_usable else " ".join(strip_markup(content).split()[:_FIRST_WORDS]) or "Criterion"
    plain, k = base, 2
    while norm(plain) in taken:
        plain, k = f"{base} ({k})", k + 1
    taken.add(norm(plain))
    return Criterion(plain, content, done, label_md=md_inline(plain), sep=" – ")


def _summary(doc, drop: set[int]) -> str | None:
    """The body without the lines in ``drop``, its ATX headings set below the README's
    (### and deeper), runs of blank lines made single; None when nothing is left."""
    from issue_flow.model.scan import HEADING

    kinds = doc.structure.kinds
    heading = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
    kept = [(kinds[i], doc.line_text(i)) for i in range(len(doc.lines)) if i not in drop]
    levels = [len(m.group(1)) for kind, text in kept if kind == HEADING and (m := heading.match(text))]
    shift = max(0, 3 - min(levels)) if levels else 0
    out: list[str] = []
    for kind, text in kept:
        m = heading.match(text) if kind == HEADING and shift else None
        if m:
            text = "#" * min(6, len(m.group(1)) + shift) + text[m.end() :]
        if not text.strip():
            if out and out[-1] == "":
                continue
            text = ""
        out.append(text)
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) if out else None
