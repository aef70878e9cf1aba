"""Closing an issue: what ``issue-flow close N`` will post, close and tick.

:func:`build` reads the issue folder and returns a :class:`Closing`: the two comment bodies,
the folder URL, and a :class:`~issue_flow.plan.Plan` holding the local edits (no remote call
yet; the command adds them, so that ``--dry-run`` needs neither a token nor a request).

Rules:

- **The close item** is the criterion whose bold label, text or status-row label starts with
  "Close" (``Close this issue and update #459…``, the templates' ``Close``); failing that, one
  starting with "Issue closed" (the corpus #459). It is ticked with evidence
  ``closed as completed; pointer on #P``. TRACKING steps naming ``close #N`` and
  ``update #P … resolution`` are ticked too (``closed as completed`` / ``pointer posted on #P``).
- **Refusal:** every other criterion must be ticked, the follow-up with the consumer included:
  closing is the last step of the workflow and the follow-up comes before it (#462's TRACKING
  lists it first). ``--force`` closes anyway and ticks nothing else.
- **Released versions** come from the evidence of the release item's status row once it is
  done (``✅ 0.9.2 / 0.2.2`` written by ``release`` or ``check --note``): the release item is
  the criterion whose names start with "Release" or "Patch release", else the TRACKING step
  starting with "Patch release". Never from the criterion's own text ("e.g. 0.9.2 / 0.2.2").
  ``--resolution TEXT`` replaces them: when TEXT is a list of versions it reads as versions
  ("Resolved by #462 in v0.9.3 / 0.2.3"), otherwise as free text ("Resolved by #462: TEXT").
  Neither found is bad input (exit 2) naming ``--resolution``.
- **Folder URL:** ``{web}/{owner/name}/tree/{branch}/{folder}`` where ``web`` comes from the API
  URL (:func:`web_base`: ``https://api.github.com`` → ``https://github.com``, GitHub Enterprise
  Server ``https://HOST/api/v3`` → ``https://HOST``; the test server follows the same rule) and
  ``branch`` is the configured ``default_branch`` when the configuration file sets it, else
  the remote's default branch (``origin/HEAD``), else ``main``. No request is spent on either.
- **The parent's README** gains the pointer once: if its "Follow-ups" section links the child,
  that list line gets `` — resolved in v0.9.2 / 0.2.2``; otherwise a paragraph
  ``**Resolution:** Resolved by [#462](../ISSUE-462/README.md) in v0.9.2 / 0.2.2.`` is added
  after the header lines at the top (``**GitHub:**``, ``**From:**``…). A line already holding the
  pointer is left alone.
- **Comments** end with a hidden marker (``<!-- issue-flow:close #N -->``,
  ``<!-- issue-flow:resolution #N -->``); the adapter looks for it before posting.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issue_flow.config import Config
from issue_flow.errors import CheckFailed, IssueFlowError
from issue_flow.model.document import Document

_VERSION = r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?"
_VERSIONS = re.compile(rf"^\s*({_VERSION}(?:\s*(?:/|,|and|&)\s*{_VERSION})*)\s*\.?\s*$")
_HEADER = re.compile(r"\s*\*\*([A-Za-z][\w /()-]*?)(?::\*\*|\*\*:)[ \t]*(.*)$")


def close_marker(number: int) -> str:
    return f"<!-- issue-flow:close #{number} -->"


def resolution_marker(number: int) -> str:
    return f"<!-- issue-flow:resolution #{number} -->"


# --------------------------------------------------------------------------- URLs


def web_base(api_url: str) -> str:
    """The web address matching a REST API base URL (one rule for all: :mod:`issue_flow.links`)."""
    from issue_flow import links

    return links.web_base(api_url)


def default_branch(cfg: Config) -> str:
    from issue_flow.config import raw_config

    try:
        table, _ = raw_config(cfg.root)
    except IssueFlowError:
        table = {}
    if "default_branch" in table:
        return cfg.default_branch
    try:
        from issue_flow.adapters import git

        branch = git.default_branch(cfg.root)
    except IssueFlowError:
        branch = None
    return branch or cfg.default_branch


def folder_url(cfg: Config, rel: str) -> str:
    from issue_flow import links

    cfg.require_repository()
    return links.tree_url(cfg, default_branch(cfg), rel)


# --------------------------------------------------------------------------- items


def _starts(item: Any, *prefixes: str) -> bool:
    return any(n.startswith(p) for n in item.names for p in prefixes)


def find_close_item(pool: list[Any]) -> Any | None:
    crits = [it for it in pool if it.kind == "criterion"]
    for prefixes in (("close",), ("issue closed",)):
        for it in crits:
            if _starts(it, *prefixes):
                return it
    return None


def parse_versions(text: str) -> list[str] | None:
    """``"0.9.2 / 0.2.2"`` → ``["0.9.2", "0.2.2"]``; None when ``text`` is not a version list."""
    m = _VERSIONS.match(text or "")
    if not m:
        return None
    return re.findall(_VERSION, m.group(1))


def released_versions(folder: Any, pool: list[Any]) -> list[str]:
    """Versions from the done release item's status-row evidence (leading version list)."""
    candidates = [it for it in pool if it.kind == "criterion" and _starts(it, "release", "patch release")]
    candidates += [it for it in pool if it.kind == "step" and _starts(it, "patch release")]
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


# --------------------------------------------------------------------------- the parent README


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :] or "\n"


def add_resolution_pointer(doc: Document, child: int, link: str, resolution: Resolution) -> bool:
    """Add the pointer to ``child`` in the parent's README (in memory). False if already there."""
    lines = doc.lines
    kinds = doc.structure.kinds
    child_ref = re.compile(rf"#{child}(?!\d)")

    # 1. a Follow-ups section that links the child: extend that line
    span = doc.section(r"^follow[- ]?ups?\b")
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


# --------------------------------------------------------------------------- the plan


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
        return f"in {self.phrase}" if self.versions else f"({_sentence(self.text or '')})"

    @property
    def sentence_tail(self) -> str:
        """What follows "Resolved by #N": `` in v0.9.2 / 0.2.2.`` or ``: TEXT.``."""
        return f" in {self.phrase}." if self.versions else f": {_sentence(self.text or '')}."


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sentence(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


@dataclass
class Closing:
    number: int
    parent: int | None
    folder_rel: str
    folder_url: str
    resolution: Resolution
    closure_body: str
    pointer_body: str | None
    plan: Any
    ticked: list[str] = field(default_factory=list)


REASONS = {"completed": "completed", "not-planned": "not_planned", "not_planned": "not_planned"}


def build(
    cfg: Config, number: int, *, resolution_text: str | None = None, force: bool = False, reason: str = "completed"
) -> Closing:
    """The closing of #number. ``reason`` is ``completed`` or ``not_planned``: an issue closed
    as not planned needs neither ticked criteria nor released versions, and its parent
    gets a pointer on GitHub only (no "Resolved by" line in its README)."""
    from issue_flow.model import items as itemmod
    from issue_flow.model.issues import discover, load_issue
    from issue_flow.plan import Plan

    disc = discover(cfg)
    folder = load_issue(cfg, number, disc)
    pool = itemmod.items(folder)
    close_item = find_close_item(pool)

    planned = reason != "not_planned"
    said = "completed" if planned else "not planned"
    if not force and planned:
        still_open = [it for it in pool if it.kind == "criterion" and it is not close_item and it.done is False]
        if still_open:
            shown = "; ".join(f"{it.index} '{_cut(it.name)}'" for it in still_open[:5])
            more = f" and {len(still_open) - 5} more" if len(still_open) > 5 else ""
            raise CheckFailed(
                f"#{number} has open criteria: {shown}{more}; tick them with 'issue-flow check' or use --force"
            )
        if close_item is not None:
            itemmod.check_order(folder, close_item, True, pool)

    if resolution_text is not None and resolution_text.strip():
        versions = parse_versions(resolution_text)
        resolution = Resolution(versions=versions) if versions else Resolution(text=resolution_text.strip())
    elif not planned:
        resolution = Resolution(text=None)
    else:
        versions = released_versions(folder, pool)
        if not versions:
            raise IssueFlowError(
                f"#{number}: no released versions found in the status row of its release item; "
                "pass --resolution TEXT (e.g. --resolution '0.9.2 / 0.2.2')"
            )
        from issue_flow.releasing import published_only  # [release] close_published_only

        resolution = Resolution(versions=published_only(cfg, versions, number))

    parent = folder.parent
    if parent == number:
        parent = None
    rel = folder.rel
    url = folder_url(cfg, rel)
    link = f"[{rel}/]({url})"

    if resolution.versions:
        closure_first = f"Closed as {said}: released in {resolution.phrase}."
    elif resolution.text:
        closure_first = f"Closed as {said}: {_sentence(resolution.text)}."
    else:
        closure_first = f"Closed as {said}."
    closure_body = f"{closure_first}\n\nIssue folder, with the analysis and tracking: {link}\n\n{close_marker(number)}\n"
    pointer_body = None
    if parent is not None and planned:
        pointer_body = (
            f"Resolved by #{number}{resolution.sentence_tail}\n\nIssue folder: {link}\n\n{resolution_marker(number)}\n"
        )
    elif parent is not None:
        tail = f": {_sentence(resolution.text)}." if resolution.text else "."
        pointer_body = f"#{number} was closed as not planned{tail}\n\nIssue folder: {link}\n\n{resolution_marker(number)}\n"

    plan = Plan()
    ticked: list[str] = []
    if close_item is not None:
        note = f"closed as {said}" + (f"; pointer on #{parent}" if parent is not None else "")
        if itemmod.tick(close_item, True, note):
            ticked.append(close_item.describe())
    else:
        plan.note(f"note: #{number} has no close criterion (a label starting with 'Close'); no checklist line ticked")

    close_step = re.compile(rf"\bclose #{number}(?!\d)")
    update_step = re.compile(rf"\bupdate #{parent}(?!\d).*\bresolution\b") if parent is not None else None
    for it in pool:
        if it.kind != "step" or it.row is None:
            continue
        name = it.names[0]
        note = None
        if close_step.search(name):
            note = f"closed as {said}"
        elif update_step is not None and update_step.search(name):
            note = f"pointer posted on #{parent}"
        if note is not None:
            try:
                if itemmod.tick(it, True, note):
                    ticked.append(it.describe())
            except IssueFlowError:
                plan.note(f"note: {it.describe()} has a malformed row; left as it is")

    why = f"close #{number}"
    for doc in (folder.readme, folder.tracking):
        if doc is not None and doc.changed:
            plan.write(doc.path, doc.original_bytes, doc.to_bytes(), why)

    if parent is not None and planned:
        ref = disc.folders.get(parent)
        if ref is None:
            plan.note(f"note: no folder for parent #{parent} under {cfg.docs}; only the GitHub pointer is posted")
        else:
            from issue_flow.model.issues import IssueFolder

            parent_folder = IssueFolder(cfg, ref)
            doc = parent_folder.readme
            target = folder.path / "README.md"
            link_rel = Path(os.path.relpath(target, parent_folder.path)).as_posix()
            if add_resolution_pointer(doc, number, link_rel, resolution):
                plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"resolution pointer to #{number}")
    return Closing(number, parent, rel, url, resolution, closure_body, pointer_body, plan, ticked)
