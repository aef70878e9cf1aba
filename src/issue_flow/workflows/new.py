"""``issue-flow new N``: scaffold ``docs/issues/ISSUE-N/`` from templates.

The folder's files (README, TRACKING, ANALYSIS for the built-in kinds) are rendered from
the kind's Jinja templates (:mod:`issue_flow.templating`) and the issue's data, an
:class:`IssueData`, which comes from one of two places:

- **GitHub** (a token in ``GITHUB_TOKEN``/``GH_TOKEN``, a known repository, no
  ``--offline``): one ``GET`` of issue #N gives the title (``--title`` overrides it), the
  labels, the web URL, the Summary and the acceptance criteria (see
  :func:`read_issue_body`). With ``--parent P`` the parent's title is the heading of its
  local README when it has a folder (no request), else the title of #P (one ``GET``), and
  the child is linked as a GitHub sub-issue of P (one ``POST``, a planned call: printed,
  not sent, under ``--dry-run``). ``new N --parent P`` costs at most 4 requests (GET #N,
  GET #P, POST; a server without sub-issues answers the POST 404 and the adapter reads #P
  once more to tell "unsupported" from "no such parent"; that case is a one-line warning
  and the folder is still created).
- **The command line** (``--offline``, no token, or no repository known): ``--title`` is
  required, the criteria are the kind's defaults; without a token a one-line note says the
  command worked offline.

The link is sent *before* the files are written: if it fails nothing is written, and if the
files then fail to be written a rerun links nothing twice (GitHub answers 422 and the
adapter sees the link is there). Every local check (the folder exists, an unknown kind, an
empty title) fails before the first request; an error from GitHub (404, 401, 403,
unreachable) is a one-line error, exit 2, and nothing is written.

The kind, when ``--kind`` is not given: ``follow-up`` with ``--parent``; else the first of
the issue's labels that names a kind (case-insensitive, a ``type:``/``kind/`` prefix
ignored; ``enhancement`` and ``feature request`` mean ``feature``, ``defect`` means
``bug``, ``followup`` means ``follow-up``; a configured kind is selected by its name);
else ``bug``.

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

from issue_flow.errors import IssueFlowError
from issue_flow.model.followups import add_follow_up
from issue_flow.model.issue_body import Criterion, read_issue_body

DEFAULT_KIND = "bug"
DEFAULT_CHILD_KIND = "follow-up"


@dataclass
class IssueData:
    """What a new folder is made from.

    ``title`` and ``parent_title`` are plain text (escaped where they are written);
    ``body`` is Markdown for the Summary; ``criteria`` replace the kind's defaults when
    given (e.g. the task list of the GitHub issue's body); ``url`` is the issue's web
    URL (built from the configured repository when None); ``github_id`` is the issue's
    GitHub id (what the sub-issue link sends), None when not read from GitHub.
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
    github_id: int | None = None


def clean_title(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise IssueFlowError("--title is empty")
    return clean


def issue_data_from_options(
    number: int, *, title: str | None, kind: str | None, parent: int | None, why: str | None = None
) -> IssueData:
    """The issue's data from the command line alone (``--offline``, or no token).

    ``why`` says, in the error for a missing ``--title``, why GitHub was not asked.
    """
    if title is None:
        because = why or "--offline: the title is not read from GitHub"
        raise IssueFlowError(f"no title for #{number}: pass --title ({because})")
    return IssueData(number=number, title=clean_title(title), kind=kind, parent=parent)


def issue_data_from_github(gh, number: int, *, title: str | None, kind: str | None, parent: int | None) -> IssueData:
    """The issue's data from issue #number on GitHub (one GET); ``title`` overrides its title."""
    issue = gh.get_issue(number)
    criteria, summary = read_issue_body(issue.body)
    if title is not None:
        clean = clean_title(title)
    else:
        clean = " ".join(issue.title.split())
        if not clean:
            raise IssueFlowError(f"issue #{number} has an empty title on GitHub: pass --title")
    return IssueData(
        number=number,
        title=clean,
        kind=kind,
        parent=parent,
        labels=list(issue.labels),
        body=summary,
        criteria=criteria or None,
        url=issue.html_url or None,
        github_id=issue.id,
    )


def choose_kind(data: IssueData, kinds: list[str]) -> str:
    """``--kind``; else follow-up with a parent; else the issue's labels; else bug."""
    if data.kind:
        return data.kind
    if data.parent is not None:
        return DEFAULT_CHILD_KIND
    return kind_from_labels(data.labels, kinds) or DEFAULT_KIND


_LABEL_ALIASES = {
    "enhancement": "feature",
    "feature request": "feature",
    "feature-request": "feature",
    "defect": "bug",
    "followup": "follow-up",
    "follow up": "follow-up",
}


def kind_from_labels(labels: list[str], kinds: list[str]) -> str | None:
    """The first label that names a kind (``Type: Bug`` -> bug, ``enhancement`` -> feature)."""
    for label in labels:
        key = " ".join(str(label).casefold().split())
        key = re.sub(r"^(?:type|kind)\s*[:/]\s*", "", key)
        name = key if key in kinds else _LABEL_ALIASES.get(key)
        if name is not None and name in kinds:
            return name
    return None


def _href(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


# ------------------------------------------------------------------------ the plan


def _discover(cfg):
    from issue_flow.model.issues import Discovery, discover

    return discover(cfg) if cfg.docs_dir.is_dir() else Discovery()


def _empty_dir(folder) -> bool:
    """An empty folder (left by an interrupted ``new``) may be filled."""
    try:
        return folder.is_dir() and not any(folder.iterdir())
    except OSError:
        return False


def check_free(cfg, number: int, disc=None):
    """Refuse when #number already has a folder (or its path exists). Returns the discovery."""
    disc = _discover(cfg) if disc is None else disc
    folder = cfg.docs_dir / f"ISSUE-{number}"
    rel = folder.relative_to(cfg.root).as_posix()
    if number in disc.folders:
        other = disc.folders[number].path.relative_to(cfg.root).as_posix()
        raise IssueFlowError(f"#{number} already has a folder: {other} exists; nothing written")
    if folder.is_symlink() or (folder.exists() and not _empty_dir(folder)):
        raise IssueFlowError(f"{rel} already exists; refusing to overwrite it")
    return disc


def plan_new(cfg, data: IssueData, *, gh=None, disc=None):
    """Build the plan that creates the folder (and edits the parent). Returns (plan, warnings).

    With ``gh`` (the GitHub adapter): the parent's title is read from GitHub when it has
    no local folder with a title (and ``data.parent_title`` is not given), and the plan
    links the child as a sub-issue of the parent (a call sent before the files are
    written; its result is True when linked, False when the server has no sub-issues).
    """
    from issue_flow import links
    from issue_flow.model.document import norm
    from issue_flow.model.issues import IssueFolder
    from issue_flow.plan import GitHubCall, Plan
    from issue_flow.mdescape import md_inline
    from issue_flow.templating import Templates, today

    number = data.number
    if data.parent is not None and data.parent == number:
        raise IssueFlowError(f"#{number} cannot be its own parent")
    templates = Templates(cfg.templates_dir, cfg.root)
    kind = choose_kind(data, templates.kinds())
    templates.check_kind(kind)

    disc = check_free(cfg, number, disc)
    folder = cfg.docs_dir / f"ISSUE-{number}"
    rel = folder.relative_to(cfg.root).as_posix()

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
            title_md = parent_folder.title_markdown or title_md
            readme_href = _href(parent_folder.primary_path, folder)
            for name in ("README.md", "TRACKING.md", "ANALYSIS.md"):
                if (parent_folder.folder / name).is_file():
                    docs.append({"name": name, "href": _href(parent_folder.folder / name, folder)})
        else:
            from issue_flow.model.issues import issue_numbers

            for s in disc.skipped:
                if data.parent in (issue_numbers(Path(s.path).name) or []) and "outside the repository" in s.reason:
                    raise IssueFlowError(f"parent #{data.parent}: {s.path} {s.reason.split(';')[0].replace('a link', 'is a link')}; nothing written")
            warnings.append(
                f"no issue folder for parent #{data.parent} under {cfg.docs}: #{number} links to it, "
                "but no Follow-ups line is written"
            )
        if title_md is None and gh is not None:
            # The local README's title wins (no request); GitHub's only when there is none.
            parent_issue = gh.get_issue(data.parent)
            title_md = md_inline(parent_issue.title) if parent_issue.title.strip() else None
        parent_ctx = {
            "number": data.parent,
            "url": links.issue_url(cfg, data.parent),
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
            "url": data.url or links.issue_url(cfg, number),
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
        criteria = [
            {
                "label": c.label,
                "label_md": c.label_md if c.label_md is not None else md_inline(c.label),
                "sep": c.sep,
                "text": c.text,
                "done": c.done,
            }
            for c in data.criteria
        ]
    else:
        criteria = [
            {
                "label": c["label"],
                "label_md": md_inline(c["label"]),
                "sep": " – ",
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
    if gh is not None and data.parent is not None and data.github_id is not None:
        parent_n, child_id = data.parent, data.github_id
        plan.add(
            GitHubCall(
                f"POST /repos/{gh.repository}/issues/{parent_n}/sub_issues (link #{number} as a sub-issue of #{parent_n})",
                lambda: gh.add_sub_issue(parent_n, child_id),
                {"issue": number, "sub_issue_of": parent_n},
            ),
            before_writes=True,
        )
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


# --------------------------------------------------------------------------- the use-case


@dataclass
class Scaffold:
    """What ``new`` is about to do: the plan, and what to say once it ran."""

    plan: Any
    data: IssueData
    kind: str
    folder_rel: str
    gh: Any = None  # the GitHub adapter, None when working offline
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def linking(self) -> bool:
        """Does the plan link the issue as a sub-issue (its first call)?"""
        return bool(self.plan.pre_calls)


def check_options(number: int, *, parent: int | None, kind: str | None, title: str | None) -> None:
    """The refusals that need nothing but the command line."""
    if parent == number:
        raise IssueFlowError(f"#{number} cannot be its own parent")
    if kind is not None and not kind.strip():
        raise IssueFlowError("--kind is empty")
    if title is not None:
        clean_title(title)


def scaffold(cfg, number: int, *, parent: int | None, kind: str | None, title: str | None, offline: bool) -> Scaffold:
    """Plan the new folder of #number (the caller holds the repository lock).

    Every local check (the folder exists, an unknown kind) runs before the first request;
    then the data come from GitHub when it can be asked, else from the options.
    """
    from issue_flow.github_session import optional_github
    from issue_flow.templating import Templates

    check_options(number, parent=parent, kind=kind, title=title)
    gh, offline_why = (None, None) if offline else optional_github(cfg)
    notes: list[str] = []
    disc = check_free(cfg, number)
    templates = Templates(cfg.templates_dir, cfg.root)
    if kind is not None:
        templates.check_kind(kind)
    if gh is None:
        why = offline_why
        if why == "no GitHub token":
            why += ": set GITHUB_TOKEN or GH_TOKEN to read it from GitHub"
        data = issue_data_from_options(number, title=title, kind=kind, parent=parent, why=why)
        if offline_why:
            notes.append(f"{offline_why}: working offline (title from --title)")
    else:
        data = issue_data_from_github(gh, number, title=title, kind=kind, parent=parent)
    plan, warnings = plan_new(cfg, data, gh=gh, disc=disc)
    rel = (cfg.docs_dir / f"ISSUE-{number}").relative_to(cfg.root).as_posix()
    return Scaffold(plan, data, choose_kind(data, templates.kinds()), rel, gh, warnings, notes)
