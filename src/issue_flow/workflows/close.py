"""Closing an issue: what ``issue-flow close N`` posts, closes and ticks, as one plan.

:func:`build` reads the issue folder and returns a :class:`Closing`: the two comment bodies,
the folder URL, and a :class:`~issue_flow.plan.Plan` holding the local edits (no remote call
yet, so that ``--dry-run`` needs neither a token nor a request). :func:`add_calls` adds the
remote calls, in this order, each looking before it writes:

1. the closure comment on #N (list its comments for the marker, post if absent);
2. close #N with ``state_reason=completed`` (read it, patch if not already so);
3. the pointer comment on the parent #P (list, post if absent).

They run before the file writes: a clean close makes six requests, a rerun after success
three reads and no write; the files (the close item and TRACKING steps of #N ticked, the
pointer line in #P's README) are written only once every call has succeeded, so they never
claim a close that did not happen, and a rerun after any partial failure finishes the job.
:func:`report` and :func:`actions_summary` say what happened.

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
  URL (:mod:`issue_flow.links`: ``https://api.github.com`` → ``https://github.com``, GitHub
  Enterprise Server ``https://HOST/api/v3`` → ``https://HOST``, ``https://api.NAME.ghe.com`` →
  ``https://NAME.ghe.com``) and ``branch`` is the configured ``default_branch`` when the
  configuration file sets it, else the remote's default branch (``origin/HEAD``), else ``main``. No request is spent on either.
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
from issue_flow.workflows.close_resolution import (
    Resolution,
    add_resolution_pointer,
    names_start,
    parse_versions,
    released_versions,
    sentence,
)


def close_marker(number: int) -> str:
    return f"<!-- issue-flow:close #{number} -->"


def resolution_marker(number: int) -> str:
    return f"<!-- issue-flow:resolution #{number} -->"


# --------------------------------------------------------------------------- URLs


def default_branch(cfg: Config) -> str:
    if "default_branch" in cfg.configured:
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


def find_close_item(pool: list[Any]) -> Any | None:
    crits = [it for it in pool if it.kind == "criterion"]
    for prefixes in (("close",), ("issue closed",)):
        for it in crits:
            if names_start(it, *prefixes):
                return it
    return None


# --------------------------------------------------------------------------- the plan


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    reason: str = "completed"
    # The remote calls of the plan (``closure``, ``issue``, ``pointer``), see add_calls.
    calls: dict[str, Any] = field(default_factory=dict)

    @property
    def results(self) -> dict[str, Any]:
        """What each remote call answered, for the calls that ran."""
        return {k: a.result for k, a in self.calls.items() if a.result is not None}


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
        from issue_flow.workflows.release import published_only  # [release] close_published_only

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
        closure_first = f"Closed as {said}: {sentence(resolution.text)}."
    else:
        closure_first = f"Closed as {said}."
    closure_body = f"{closure_first}\n\nIssue folder, with the analysis and tracking: {link}\n\n{close_marker(number)}\n"
    pointer_body = None
    if parent is not None and planned:
        pointer_body = (
            f"Resolved by #{number}{resolution.sentence_tail}\n\nIssue folder: {link}\n\n{resolution_marker(number)}\n"
        )
    elif parent is not None:
        tail = f": {sentence(resolution.text)}." if resolution.text else "."
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
    return Closing(number, parent, rel, url, resolution, closure_body, pointer_body, plan, ticked, reason)


# --------------------------------------------------------------------------- remote calls


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.rstrip("\n").split("\n"))


def add_calls(closing: Closing, gh: Any) -> None:
    """Add the remote calls to the plan, before its file writes (see the module docstring).

    ``gh`` is the GitHub adapter, or None under ``--dry-run`` (the calls are only shown).
    Each is a :class:`~issue_flow.plan.GitHubCall`; what it answered is its ``result``,
    read back by :attr:`Closing.results` once the plan ran.
    """
    from issue_flow.plan import GitHubCall

    n, parent, plan = closing.number, closing.parent, closing.plan
    said = closing.reason.replace("_", " ")

    def add(key: str, summary: str, run: Any, **data: Any) -> None:
        closing.calls[key] = plan.add(GitHubCall(summary, run, {"issue": n, **data}), before_writes=True)

    add(
        "closure",
        f"comment on #{n} (unless one holding its marker is there):\n{_indent(closing.closure_body)}",
        lambda: gh.create_comment(n, closing.closure_body, close_marker(n)),
        comment="closure",
    )
    add("issue", f"close #{n} as {said} (unless it already is)", lambda: gh.close_issue(n, closing.reason),
        state_reason=closing.reason)
    if parent is not None and closing.pointer_body is not None:
        add(
            "pointer",
            f"comment on #{parent} (unless one holding its marker is there):\n{_indent(closing.pointer_body)}",
            lambda: gh.create_comment(parent, closing.pointer_body, resolution_marker(n)),
            comment="resolution pointer",
            on=parent,
        )


def files(closing: Closing, root: Path) -> list[str]:
    """The files the plan writes, relative to the repository."""
    return [os.path.relpath(w.path, root) for w in closing.plan.writes]


def report(closing: Closing, root: Path, *, dry_run: bool) -> dict[str, Any]:
    """What ``close --json`` prints after the plan (``{"plan": [...], **report}``)."""
    results = closing.results
    issue = results.get("issue")
    return {
        "issue": closing.number,
        "parent": closing.parent,
        "resolution": closing.resolution.phrase,
        "folder_url": closing.folder_url,
        "closure_comment": results["closure"].html_url if "closure" in results else None,
        "duplicates_removed": sum(getattr(results.get(k), "removed", 0) for k in ("closure", "pointer")),
        "pointer_comment": results["pointer"].html_url if "pointer" in results else None,
        "state": issue.state if issue else None,
        "state_reason": issue.state_reason if issue else None,
        "ticked": closing.ticked,
        "files": files(closing, root),
        "dry_run": dry_run,
    }


def actions_summary(closing: Closing, root: Path) -> str:
    """The GitHub Actions job summary of a close (Markdown)."""
    results = closing.results
    lines = [f"### issue-flow close #{closing.number}", ""]
    c = results.get("closure")
    if c is not None:
        lines.append(f"- Closure comment on #{closing.number}: {c.html_url}")
    issue = results.get("issue")
    if issue is not None:
        lines.append(f"- #{closing.number} {issue.state}" + (f" as {issue.state_reason}" if issue.state_reason else ""))
    p = results.get("pointer")
    if p is not None:
        lines.append(f"- Resolution pointer on #{closing.parent}: {p.html_url}")
    lines.append(f"- Resolution: {closing.resolution.phrase}")
    for f in files(closing, root):
        lines.append(f"- Updated `{f}`")
    return "\n".join(lines) + "\n"
