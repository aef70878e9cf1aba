"""``issue-flow new N``: scaffold ``docs/issues/ISSUE-N/`` from templates.

The folder's files (README, TRACKING, ANALYSIS for the built-in kinds) are rendered from
the kind's Jinja templates (:mod:`issue_flow.templating`) and the issue's data, an
:class:`IssueData`. Today that data comes from the command line (``--title``) and the
kind's default criteria; reading it from GitHub (title, labels, the body's task list) will
fill the same object, so nothing below the data changes.

With ``--parent P`` the child's README names its parent (link and title), and the
parent's README gains one line in its "Follow-ups" list, by a surgical edit that only adds
lines (see :func:`add_follow_up`):

- a ``## Follow-ups`` section exists: the item is appended after its last line;
- else a new section goes before the parent's "Docs in this folder" section (with the
  ``---`` separator when the document separates its sections that way);
- else at the end of the README.

The parent's line endings are kept; a child already listed there is not added again. A
parent without an issue folder is allowed (the parent may be tracked on GitHub only):
the child still links to it, a warning says that no Follow-ups line was written.

Refused, with a one-line error (exit 2) and nothing written: a number that is not a
positive whole number, a parent equal to the child, an unknown kind, a missing or empty
title, and an existing folder for the issue (``ISSUE-N``, ``ISSUE-N-slug``, or nested in
an epic folder): ``new`` never overwrites.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from issue_flow.errors import IssueFlowError

DEFAULT_KIND = "bug"
DEFAULT_CHILD_KIND = "follow-up"
_FOLLOW_UPS = re.compile(r"follow[- ]?ups\s*$", re.IGNORECASE)
_DOCS_SECTION = re.compile(r"doc(?:ument)?s in this folder\b", re.IGNORECASE)


@dataclass
class Criterion:
    """One acceptance criterion: bold label (pairs it with its status row), Markdown text."""

    label: str
    text: str = ""
    done: bool = False


@dataclass
class IssueData:
    """What a new folder is made from.

    ``title`` and ``parent_title`` are plain text (escaped where they are written);
    ``body`` is Markdown for the Summary; ``criteria`` replace the kind's defaults when
    given (e.g. the task list of the GitHub issue's body); ``url`` is the issue's web
    URL (built from the configured repository when None).
    """

    number: int
    title: str
    kind: str | None = None
    parent: int | None = None
    labels: list[str] = field(default_factory=list)
    body: str | None = None
    criteria: list[Criterion] | None = None
    url: str | None = None
    parent_title: str | None = None


def issue_data_from_options(number: int, *, title: str | None, kind: str | None, parent: int | None) -> IssueData:
    """The issue's data from the command line alone (``--offline``, and for now always)."""
    if title is None:
        raise IssueFlowError(f"no title for #{number}: pass --title (reading the issue from GitHub is not supported yet)")
    clean = " ".join(title.split())
    if not clean:
        raise IssueFlowError("--title is empty")
    return IssueData(number=number, title=clean, kind=kind, parent=parent)


# --------------------------------------------------------------------------- links


def web_base(cfg) -> str:
    """The web root the issue links point at (github.com, or a GitHub Enterprise Server)."""
    api = cfg.api_url.rstrip("/")
    if api == "https://api.github.com":
        return "https://github.com"
    if api.endswith("/api/v3"):
        return api[: -len("/api/v3")]
    return api


def issue_url(cfg, number: int) -> str | None:
    if not cfg.repository:
        return None
    return f"{web_base(cfg)}/{cfg.repository}/issues/{number}"


def _href(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


# ------------------------------------------------------------------------ the plan


def plan_new(cfg, data: IssueData):
    """Build the plan that creates the folder (and edits the parent). Returns (plan, warnings)."""
    from issue_flow.issues import Discovery, IssueFolder, discover
    from issue_flow.markdown.document import norm
    from issue_flow.plan import Plan
    from issue_flow.templating import Templates, md_inline, today

    number = data.number
    if data.parent is not None and data.parent == number:
        raise IssueFlowError(f"#{number} cannot be its own parent")
    kind = data.kind or (DEFAULT_CHILD_KIND if data.parent is not None else DEFAULT_KIND)
    templates = Templates(cfg.templates_dir, cfg.root)
    templates.check_kind(kind)

    disc = discover(cfg) if cfg.docs_dir.is_dir() else Discovery()
    folder = cfg.docs_dir / f"ISSUE-{number}"
    rel = folder.relative_to(cfg.root).as_posix()
    if number in disc.folders:
        other = disc.folders[number].path.relative_to(cfg.root).as_posix()
        raise IssueFlowError(f"#{number} already has a folder: {other} exists; nothing written")
    if folder.exists() or folder.is_symlink():
        raise IssueFlowError(f"{rel} already exists; refusing to overwrite it")

    warnings: list[str] = []
    mentions = re.compile(rf"(?<!\d){number}(?!\d)")
    for s in disc.skipped:
        if mentions.search(Path(s.path).name):
            warnings.append(f"{s.path} also names #{number} ({s.reason}); creating {rel} beside it")
    parent_ctx: dict[str, Any] | None = None
    parent_folder = None
    if data.parent is not None:
        ref = disc.folders.get(data.parent)
        title_md = md_inline(data.parent_title) if data.parent_title else None
        readme_href = None
        docs: list[dict[str, str]] = []
        if ref is not None:
            parent_folder = IssueFolder(cfg, ref)
            title_md = parent_folder.title or title_md
            readme_href = _href(parent_folder.path / "README.md", folder)
            for name in ("README.md", "TRACKING.md", "ANALYSIS.md"):
                if (parent_folder.path / name).is_file():
                    docs.append({"name": name, "href": _href(parent_folder.path / name, folder)})
        else:
            warnings.append(
                f"no issue folder for parent #{data.parent} under {cfg.docs}: #{number} links to it, "
                "but no Follow-ups line is written"
            )
        parent_ctx = {
            "number": data.parent,
            "url": issue_url(cfg, data.parent),
            "readme": readme_href,
            "title_md": title_md,
            "docs": docs,
        }

    spec = templates.kind_spec(kind)
    where = templates.show_name(f"{kind}/kind.toml")
    ctx: dict[str, Any] = {
        "issue": {
            "number": number,
            "title": data.title,
            "kind": kind,
            "url": data.url or issue_url(cfg, number),
            "labels": list(data.labels),
            "body": data.body,
        },
        "parent": parent_ctx,
        "repository": cfg.repository,
        "folder": rel,
        "docs": cfg.docs,
        "gates": [g.name for g in cfg.gates],
        "today": today(),
        "kind": {"name": kind, "description": spec.description},
    }
    if data.criteria is not None:
        criteria = [{"label": c.label, "text": c.text, "done": c.done} for c in data.criteria]
    else:
        criteria = [
            {
                "label": c["label"],
                "text": templates.render_string(c["text"], ctx, f"{where}: criteria[{k}].text"),
                "done": False,
            }
            for k, c in enumerate(spec.criteria)
        ]
    labels = {norm(c["label"]) for c in criteria}
    ctx["criteria"] = criteria
    ctx["order"] = [(a, b) for a, b in spec.order if norm(a) in labels and norm(b) in labels]
    ctx["phases"] = [
        {
            "name": templates.render_string(p["name"], ctx, f"{where}: phases[{k}].name"),
            "steps": [
                templates.render_string(s, ctx, f"{where}: phases[{k}].steps[{j}]") for j, s in enumerate(p["steps"])
            ],
        }
        for k, p in enumerate(spec.phases)
    ]

    plan = Plan()
    why = f"new {kind} issue #{number}"
    for template, output in templates.outputs(kind):
        text = templates.render(template, ctx)
        plan.write(folder / output, None, text.encode("utf-8"), why)

    if parent_folder is not None:
        readme = parent_folder.readme
        edited = add_follow_up(readme.text, number, _href(folder / "README.md", parent_folder.path), data.title)
        if edited is not None:
            plan.write(parent_folder.path / "README.md", readme.original_bytes, edited.encode("utf-8"), f"list #{number} under Follow-ups")
    return plan, warnings


# ------------------------------------------------------------- the parent's README


def _line_ending(lines: list[str]) -> str:
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def add_follow_up(text: str, number: int, href: str, title: str) -> str | None:
    """``text`` with ``- [#N](href) — title`` in its Follow-ups list; None if already listed.

    Only lines are added (except that a missing final newline is added when the new lines
    go at the very end). Line endings follow the document's.
    """
    from issue_flow.markdown.document import Document, strip_markup
    from issue_flow.markdown.scan import BLANK, CODE, FENCE, HR, HTML, ITEM
    from issue_flow.templating import md_inline

    doc = Document(None, text)
    lines = list(doc.lines)
    kinds = doc.structure.kinds
    heads = doc.headings
    eol = _line_ending(lines)
    item = f"- [#{number}]({href}) — {md_inline(title)}{eol}"

    section = None
    for k, h in enumerate(heads):
        if h.level >= 2 and _FOLLOW_UPS.match(strip_markup(h.text)):
            end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(lines))
            section = (h, end)
            break

    if section is not None:
        h, end = section
        body = range(h.line + 1, end)
        listed = re.compile(rf"(?:#|ISSUE-){number}(?!\d)")
        if any(listed.search(lines[i]) for i in body if kinds[i] not in (FENCE, CODE, HTML)):
            return None
        content = [i for i in body if kinds[i] not in (BLANK, HR)]
        if content and any(kinds[i] == ITEM for i in content):
            at, new = content[-1] + 1, [item]
        elif content:
            at, new = content[-1] + 1, [eol, item]
        else:
            at, new = h.line + 1, [eol, item]
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
    from issue_flow.markdown.scan import BLANK, HR

    for h in heads:
        if h.level != 2:
            continue
        prev = h.line - 1
        while prev >= 0 and kinds[prev] == BLANK:
            prev -= 1
        if prev >= 0 and kinds[prev] == HR:
            return True
    return False


# ---------------------------------------------------------------------------- command


@click.command()
@click.argument("number")
@click.option("--parent", metavar="P", default=None, help="The parent issue (a follow-up's original issue).")
@click.option(
    "--kind",
    metavar="KIND",
    default=None,
    help="bug, follow-up, feature, or a kind of the configured templates folder "
    "(default: follow-up with --parent, else bug).",
)
@click.option("--title", metavar="T", default=None, help="The issue's title (required for now).")
@click.option("--offline", is_flag=True, help="Do not contact GitHub: title from --title, criteria from the template.")
@click.option("--dry-run", is_flag=True, help="Print the files it would write; change nothing.")
@click.pass_obj
def command(app, number: str, parent: str | None, kind: str | None, title: str | None, offline: bool, dry_run: bool) -> None:
    """Scaffold docs/issues/ISSUE-NUMBER (README, TRACKING, ANALYSIS) from templates.

    With --parent P the README names its parent and the parent's README gains a line in
    its "Follow-ups" list. Refuses to overwrite an existing folder.
    """
    from issue_flow import fsutil
    from issue_flow.issues import parse_number
    from issue_flow.output import run_plan

    n = parse_number(number)
    p = parse_number(parent, "parent issue number") if parent is not None else None
    if p == n:
        raise IssueFlowError(f"#{n} cannot be its own parent")
    if kind is not None and not kind.strip():
        raise IssueFlowError("--kind is empty")
    data = issue_data_from_options(n, title=title, kind=kind, parent=p)
    cfg = app.config
    with fsutil.repo_lock(cfg.root):
        plan, warnings = plan_new(cfg, data)
        for w in warnings:
            click.echo(f"issue-flow: warning: {w}", err=True)
        run_plan(plan, dry_run=dry_run, root=cfg.root)
    rel = (cfg.docs_dir / f"ISSUE-{n}").relative_to(cfg.root).as_posix()
    what = data.kind or (DEFAULT_CHILD_KIND if p is not None else DEFAULT_KIND)
    click.echo(f"{'would scaffold' if dry_run else 'scaffolded'} #{n} ({what}) in {rel}")
