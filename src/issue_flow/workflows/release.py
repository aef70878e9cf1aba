"""The plan of a release: version bumps, locks, release docs, the issue's release item.

:func:`plan_release` reads everything it needs, decides, and returns a :class:`Release`
holding one :class:`~issue_flow.plan.Plan` (file writes only; the command adds the git
calls of ``--commit`` / ``--tag`` and the GitHub Release). Nothing is written here. The
rules (docs/decisions.md, "release"):

* Packages: the configured ones (``cfg.packages``), or the ``--package`` names (a
  package's name, its manifest path or its npm name, each optionally ``=PART`` with PART
  ``patch``, ``minor``, ``major`` or an explicit version ``1.2.3``), kept in configuration
  order. The first configured package is the component: its version names the release.
* Versions: :func:`issue_flow.adapters.manifests.bump` (semver's bumps, npm's rule for
  prereleases; ``--pre NAME``: ``0.9.2-beta.1``, then ``beta.2``).
* Locks, exact fields only: the package's own ``package-lock.json`` (top-level
  ``version`` and ``packages[""].version``); the root lock's entry of a workspace package
  (``packages["packages/x"].version``); the entry of the package in the locks listed in
  ``[release] locks`` (``test-app/package-lock.json``: ``packages[".."].version``). Other
  tracked locks that record a released package's old version are reported, not changed.
  A lock that was out of step before the bump is reported ("… said 0.1.2; now 0.2.2").
* Tags are ``tag_prefix + new version``; a tag that is not a valid git tag name, or
  that exists already, is refused before anything is written or committed.
* Release docs go to ``<releases>/<folder>`` where folder is ``[release] folder``
  (default ``v{version}``, the component's new version) or, when the component is not
  released, ``[release] other_folder`` (default ``{name}-v{version}``: never a backend
  version among the component's folders). A folder that exists is used as it is (never
  written; checked by the release-docs check); otherwise every ``release/*.j2`` template
  is rendered into it (PACKAGE-STRUCTURE.md only with ``[release] package_structure``),
  listing every issue whose folder changed since the previous tag.
* The release item (:func:`is_release_label`) is ticked with the versions as evidence
  (not by a prerelease, which leaves it alone: ``--pre`` again makes the next one).
  Already ticked: its evidence holding the packages' current versions means released
  (``Release.already``: nothing to write, maybe a commit, tags or the GitHub Release to
  finish); otherwise this release's versions are added to the evidence (a second release
  for the same issue: "0.10.2" then "0.10.2 / 0.2.7").

This module is the plan end to end (the settings, the :class:`Release`, the order of the
decisions); the pieces live apart: the versions and tags in
:mod:`~issue_flow.workflows.release_versions`, the locks in
:mod:`~issue_flow.workflows.release_locks`, the docs folder in
:mod:`~issue_flow.workflows.release_notes`, the release item in
:mod:`~issue_flow.workflows.release_item`. Running a release (gates, lock, commit, tags,
GitHub Release) is :mod:`~issue_flow.workflows.release_run`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from issue_flow.adapters.git_background import Background
from issue_flow.config import Config
from issue_flow.errors import IssueFlowError
from issue_flow.plan import FileWrite, Plan
from issue_flow.records import factory, record
from issue_flow.workflows.release_item import item_evidence, evidence_versions, find_release_item, merged_evidence
from issue_flow.workflows.release_locks import LOCKS_LISTING, Locks
from issue_flow.workflows.release_notes import (
    diff_since,
    docs_folder,
    existing_docs,
    plan_docs,
    release_date,
    released_issues,
    render_docs,
)
from issue_flow.workflows.release_versions import Bump, check_tag_name, listable, local_tags, plan_bump, select_parts, tags_at_head


# --------------------------------------------------------------------------- settings

@record
class Settings:
    """The ``[release]`` table of the configuration (keys, types and defaults:
    ``config_fields.RELEASE_FIELDS``)."""

    folder: str
    other_folder: str
    package_structure: bool
    locks: list[str]
    report_locks: bool
    registry: str | None
    close_published_only: bool


def default_settings() -> Settings:
    """The settings of an empty ``[release]`` table."""
    from issue_flow.config_fields import RELEASE_FIELDS, defaults

    return Settings(**defaults(RELEASE_FIELDS))


def release_settings(cfg: Config) -> Settings:
    """The ``[release]`` settings, defaults filled in from the field table.

    Keys, types and lock paths were checked when the configuration loaded
    (``config_fields.validate``); what only a release fills in, the placeholders of the
    folder rules, is checked here (one-line error naming the key)."""
    table = getattr(cfg, "release", None) or {}
    src = cfg.source.name if getattr(cfg, "source", None) else "configuration"
    s = default_settings()
    for key, value in table.items():
        setattr(s, key, value)
    for key in ("folder", "other_folder"):
        try:
            getattr(s, key).format(version="0.0.0", name="x", component="0.0.0")
        except (KeyError, IndexError, ValueError) as exc:
            raise IssueFlowError(
                f"{src}: 'release.{key}' may use {{version}}, {{name}} and {{component}} only ({exc})"
            ) from None
    return s


@record
class Release:
    cfg: Config
    number: int
    bumps: list[Bump]
    plan: Plan = factory(Plan)
    docs_dir: Path | None = None
    docs_existing: bool = False  # the release folder was there already: used as it is
    item: Any = None  # items.Item of the release item, None when there is none
    evidence: str | None = None
    warnings: list[str] = factory(list)
    notes: list[str] = factory(list)  # lock notes, reported locks
    date: str = ""
    already: bool = False  # released before: nothing to write (maybe a commit, tags, a GitHub Release)
    issue_files: list[Path] = factory(list)
    previous_tag: str | None = None
    issues: list[dict[str, Any]] = factory(list)
    settings: Settings = factory(default_settings)

    @property
    def versions(self) -> str:
        """``0.9.2 / 0.2.2``: the new versions (the current ones when ``already``)."""
        return " / ".join(b.old if self.already else b.new for b in self.bumps)

    @property
    def lead(self) -> Bump:
        """The bump that names the release: the component's, else the first one."""
        return self.bumps[0]

    @property
    def doc_version(self) -> str:
        return self.lead.old if self.already else self.lead.new

    @property
    def tag(self) -> str:
        """The tag of the GitHub Release (the lead package's)."""
        return self.lead.package.tag_prefix + self.doc_version

    @property
    def kind(self) -> str:
        """patch | minor | major: of the component when released, else the highest one."""
        order = ("patch", "minor", "major")
        if self.component_released:
            return self.lead.kind
        return max((b.kind for b in self.bumps), key=order.index)

    @property
    def prerelease(self) -> bool:
        return "-" in self.doc_version.split("+", 1)[0]

    @property
    def component_released(self) -> bool:
        return bool(self.cfg.packages) and self.lead.package is self.cfg.packages[0]

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.cfg.root)).as_posix()

    @property
    def files(self) -> list[str]:
        return [self.rel(w.path) for w in self.plan.writes]


# --------------------------------------------------------------------------- the plan


def plan_release(
    cfg: Config,
    number: int,
    packages: list[str] | tuple[str, ...] | None = None,
    *,
    part: str | None = "patch",
    pre: str | None = None,
) -> Release:
    """Everything the release of issue ``number`` would write (see the module docstring)."""
    from issue_flow.model.issues import load_issue

    settings = release_settings(cfg)
    folder = load_issue(cfg, number)
    selected = select_parts(cfg, packages, part)
    bumps, writes = [], []
    for pkg, own in selected:
        bump, pkg_writes = plan_bump(cfg, pkg, own, pre)
        bumps.append(bump)
        writes.extend(pkg_writes)
    rel = Release(cfg, number, bumps, date=release_date(), settings=settings)
    # git, while the issue is read and the locks scanned (collected when needed)
    listed = Background(cfg.root, *LOCKS_LISTING) if settings.report_locks else None
    diff = diff_since(cfg, bumps[0].package.tag_prefix + bumps[0].old)
    wanted = [b.tag for b in bumps] + [b.package.tag_prefix + b.old for b in bumps]
    known = local_tags(cfg.root, wanted)  # read from .git; None: ask git (in the background)
    tags = None if known is not None else Background(cfg.root, "tag", "--list", *[t for t in wanted if listable(t)])
    try:
        return _plan(cfg, rel, folder, writes, listed, diff, tags, known)
    finally:
        for job in (listed, diff, tags):
            if job is not None:
                job.result()  # reaped (long finished by now)


def _plan(
    cfg: Config,
    rel: Release,
    folder: Any,
    writes: list,
    listed: Background | None,
    diff: Background,
    tags: Background | None,
    known: set[str] | None,
) -> Release:
    from issue_flow.adapters import git
    from issue_flow.model import items

    number, bumps, settings = rel.number, rel.bumps, rel.settings
    pool = items.items(folder)
    item, why = find_release_item(folder, pool)
    recorded: list[str] = []
    rest = ""
    prerelease = any(b.prerelease for b in bumps)
    current_tags = [b.package.tag_prefix + b.old for b in bumps]
    wanted = [b.tag for b in bumps] + current_tags
    listing = tags.result() if tags is not None else None
    if known is not None:
        taken = known
    elif listing is not None:
        taken = set(listing.split()) & set(wanted)
    else:
        taken = git.existing_tags(cfg.root, wanted)
    if item is not None and item.done and not prerelease:
        recorded, rest = evidence_versions(item_evidence(item))
    if not prerelease and (item is None or item.done):
        # released before: the item's evidence holds the current versions, or (an item
        # without a status row, or none at all) their tags are on HEAD
        if (item is not None and all(b.old in recorded for b in bumps)) or tags_at_head(cfg, current_tags, taken):
            rel.already, rel.item, rel.evidence = True, item, item_evidence(item)
            rel.docs_dir = docs_folder(cfg, settings, bumps, current=True)
            rel.docs_existing = rel.docs_dir.is_dir()
            rel.issue_files = [d.path for d in _docs_of(folder) if d is not None and d.path.is_file()]
            locks = Locks(cfg, settings)  # which files a commit finishing the release takes
            locks.plan(bumps)
            for (lock, _key), bump in locks.owner.items():
                if locks.rel(lock) not in bump.locks:
                    bump.locks.append(locks.rel(lock))
            return rel

    for bump in bumps:
        check_tag_name(bump.tag)
    prev_tags = current_tags
    for bump in bumps:
        if bump.tag in taken:
            raise IssueFlowError(f"tag {bump.tag} already exists: {bump.display} {bump.new} was released before")
    rel.previous_tag = prev_tags[0] if prev_tags[0] in taken else None

    locks = Locks(cfg, settings)
    locks.listed = listed
    locks.plan(bumps)
    writes.extend(locks.writes(bumps, rel))
    for path, old, new in writes:
        if old != new:  # (each file written once: lock edits are merged per file)
            rel.plan.writes.append(FileWrite(path, old, new, f"{rel.kind} release"))
    for bump in bumps:
        for note in ([bump.lock_note] if bump.lock_note else []) + bump.notes:
            rel.notes.append(note)
    rel.notes.extend(locks.report_others(bumps))
    for note in rel.notes:
        rel.plan.note(f"note: {note}")

    rel.docs_dir = docs_folder(cfg, settings, bumps)
    rel.docs_existing = existing_docs(rel)
    if rel.docs_existing:
        rel.plan.note(f"note: {rel.rel(rel.docs_dir)}/ exists: used as it is (nothing written there)")
    else:
        rel.issues = released_issues(cfg, rel, folder, diff)
        plan_docs(rel, render_docs(cfg, rel, folder))

    if item is None:
        rel.warnings.append(f"#{number} has no release item to tick ({why}); the release goes on without it")
    elif prerelease:  # a preview: the release item waits for the release itself
        rel.plan.note(f"note: {rel.versions} is a prerelease: {item.describe()} is left as it is")
    else:  # as commands.check.plan_check does, on the folder already loaded
        evidence = merged_evidence(recorded, rest, bumps) if item.done else rel.versions
        if not item.done:
            items.check_order(folder, item, True, pool)
        items.tick(item, True, evidence)
        seen = set()
        for doc in [getattr(it, "doc", None) for it in pool] + list(_docs_of(folder)):
            if doc is None or id(doc) in seen:
                continue
            seen.add(id(doc))  # each document once: ``changed`` compares its whole text
            if doc.changed:
                rel.plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"tick {item.describe()}")
        rel.item, rel.evidence = item, evidence
    return rel


def published_only(cfg: Config, versions: list[str], number: int) -> list[str]:
    """``versions`` as close writes them: with ``[release] close_published_only``, only those
    of the configured npm packages that are on their registry (one GET each, as
    ``issue-flow published``); none of them published is exit 1 (publish first)."""
    settings = release_settings(cfg)
    if not settings.close_published_only:
        return versions
    from issue_flow.workflows.published import check_packages
    from issue_flow.errors import CheckFailed

    rows = [r for r in check_packages(cfg, (), None) if r["checked"] and r["version"] in versions]
    unpublished = {r["version"] for r in rows if not r["published"]}
    kept = [v for v in versions if v not in unpublished]
    if not kept:
        shown = ", ".join(f"{r['name']}@{r['version']}" for r in rows) or " / ".join(versions)
        raise CheckFailed(f"#{number}: none of its released versions is on the registry yet ({shown}): publish first")
    return kept


def _docs_of(folder: Any) -> list[Any]:
    return [d for d in (folder.readme, folder.tracking) if d is not None]
