"""The plan of a patch release: version bumps, release docs, the issue's release item.

:func:`plan_release` reads everything it needs, decides, and returns a :class:`Release`
holding one :class:`~issue_flow.plan.Plan` (file writes only; the command adds the git
calls of ``--commit`` / ``--tag``). Nothing is written here. The rules:

* Packages: the configured ones (``cfg.packages``), or the ``--package`` names (a
  package's name, its manifest path or its npm name), kept in configuration order, so
  the first one is the component whose version names the release (``docs/releases/vX.Y.Z``).
* Versions: ``manifests.bump_patch`` (``0.9.1`` -> ``0.9.2``; a prerelease
  ``0.9.2-beta.1`` releases as ``0.9.2``). A ``package.json``'s lock beside it changes
  in its top-level ``version`` and ``packages[""].version`` only; a lock that disagreed
  with its manifest before the bump is reported ("… said 0.1.2; now 0.2.2").
* Tags are ``tag_prefix + new version``; one that exists already is refused.
* Release docs: every ``release/*.j2`` template (built-in: CHANGELOG.md, RELEASE-NOTES.md;
  a configured templates folder may override them or add more). An existing file with
  other content is refused; one with the same content is left alone (so a rerun on the
  same day is idempotent), and other files already in the folder are kept.
* The release item ("Patch release", else "Release", prefixes allowed: ``items.resolve``)
  is ticked with the versions as evidence by ``items.check_order`` and ``items.tick``,
  as ``commands.check.plan_check`` does (so an ordering constraint declared in the README
  is enforced as there: exit 1). No release item: a warning, the release goes on.
* Already released: when the release item is ticked and its evidence is the packages'
  current versions, there is nothing to write (``Release.already``; the command may still
  finish a commit or tags an interrupted run did not make). Ticked with other evidence:
  refused, the item must be unticked to release again.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issue_flow import fsutil
from issue_flow.config import Config, Package
from issue_flow.errors import IssueFlowError
from issue_flow.plan import FileWrite, Plan

RELEASE_ITEM_QUERIES = ("Patch release", "Release")
RELEASE_TEMPLATES = "release"


@dataclass
class Bump:
    """One package's patch bump."""

    package: Package
    manifest: str  # repository-relative, POSIX
    display: str  # npm / PyPI name when the manifest has one, else the configured name
    ecosystem: str  # npm | python
    old: str
    new: str
    tag: str
    lock: str | None = None
    lock_old: str | None = None
    lock_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.package.name,
            "display_name": self.display,
            "manifest": self.manifest,
            "old": self.old,
            "new": self.new,
            "tag": self.tag,
            "lock": self.lock,
            "lock_old": self.lock_old,
            "lock_note": self.lock_note,
            "ecosystem": self.ecosystem,
        }


@dataclass
class Release:
    cfg: Config
    number: int
    bumps: list[Bump]
    plan: Plan = field(default_factory=Plan)
    docs_dir: Path | None = None
    item: Any = None  # items.Item of the release item, None when there is none
    evidence: str | None = None
    warnings: list[str] = field(default_factory=list)
    date: str = ""
    already: bool = False  # released before: nothing to write (maybe a commit or tags to finish)
    issue_files: list[Path] = field(default_factory=list)

    @property
    def versions(self) -> str:
        """``0.9.2 / 0.2.2``: the new versions (the current ones when ``already``)."""
        return " / ".join(b.old if self.already else b.new for b in self.bumps)

    @property
    def doc_version(self) -> str:
        return self.bumps[0].new

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.cfg.root)).as_posix()

    @property
    def files(self) -> list[str]:
        return [self.rel(w.path) for w in self.plan.writes]


# --------------------------------------------------------------------------- writes


# --------------------------------------------------------------------------- packages


def select_packages(cfg: Config, names: list[str] | tuple[str, ...] | None) -> list[Package]:
    """The packages to release, in configuration order (``names`` empty: all of them)."""
    if not cfg.packages:
        raise IssueFlowError(
            "no packages to release: none configured ([[packages]] with 'manifest') and no package.json "
            "or pyproject.toml found"
        )
    if not names:
        return list(cfg.packages)
    chosen = {id(cfg.package(name)) for name in names}  # unknown name: exit 2, naming the known ones
    return [p for p in cfg.packages if id(p) in chosen]


def _manifest_info(rel: str, data: bytes) -> tuple[str, str | None, str]:
    """(version, published name or None, ecosystem) of a package.json or pyproject.toml."""
    if rel.endswith(".toml"):
        from issue_flow.adapters import manifests

        # (version, table) from [project] or [tool.poetry]; errors name ``rel``
        version = manifests._pyproject_version_table(data, rel)[0]
        return version, _pyproject_name(data), "python"
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise IssueFlowError(f"{rel}: malformed JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str):
        raise IssueFlowError(f"{rel}: no top-level \"version\" string")
    name = doc.get("name")
    return doc["version"], name if isinstance(name, str) and name else None, "npm"


def _pyproject_name(data: bytes) -> str | None:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    for table in (doc.get("project"), (doc.get("tool") or {}).get("poetry")):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            return table["name"]
    return None


def plan_bump(cfg: Config, pkg: Package) -> tuple[Bump, list[tuple[Path, bytes, bytes]]]:
    """The bump of one package and its file writes (manifest, then its lock)."""
    from issue_flow.adapters import manifests

    path = cfg.root / pkg.manifest
    rel = Path(pkg.manifest).as_posix()
    data = fsutil.read_bytes(path)
    old, published, ecosystem = _manifest_info(rel, data)
    new = manifests.bump_patch(old, source=rel)
    bump = Bump(pkg, rel, published or pkg.name, ecosystem, old, new, pkg.tag_prefix + new)
    if ecosystem == "python":
        new_data = manifests.set_pyproject_version(data, new, rel)
    else:
        new_data = manifests.set_package_json_version(data, new, rel)
    writes = [(path, data, new_data)]
    lock = manifests.lockfile_for(path)
    if lock is not None:
        lock_rel = Path(os.path.relpath(lock, cfg.root)).as_posix()
        lock_data = fsutil.read_bytes(lock)
        lock_new, top, root_pkg = manifests.set_lock_version(lock_data, new, lock_rel)
        bump.lock, bump.lock_old = lock_rel, top
        if top != old or root_pkg not in (None, old):
            said = top if root_pkg in (None, top) else f"{top} (packages[\"\"] {root_pkg})"
            bump.lock_note = f"{lock_rel} said {said}; now {new}"
        writes.append((lock, lock_data, lock_new))
    return bump, writes


# --------------------------------------------------------------------------- the issue


def find_release_item(folder: Any, pool: list | None = None) -> tuple[Any, str | None]:
    """(the release item, None) or (None, why there is none)."""
    from issue_flow.model import items

    pool = items.items(folder) if pool is None else pool
    why = ""
    for query in RELEASE_ITEM_QUERIES:
        try:
            return items.resolve(folder, query, pool), None
        except IssueFlowError as exc:
            why = exc.message
    return None, why


def _evidence(item: Any) -> str:
    if item.row is None or item.table is None:
        return ""
    return item.table.status(item.row).evidence


def _issue_url(cfg: Config, folder: Any) -> str | None:
    from issue_flow.model.issues import GITHUB_KEYS

    header = folder.header(GITHUB_KEYS)
    url = header.url if header is not None else None
    if url and url.startswith(("https://", "http://")):
        return url
    if cfg.repository and cfg.api_url == "https://api.github.com":
        return f"https://github.com/{cfg.repository}/issues/{folder.number}"
    return None


def release_date() -> str:
    """Today (ISO), or the day of ``SOURCE_DATE_EPOCH`` (UTC) for reproducible docs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


# --------------------------------------------------------------------------- release docs


def render_docs(cfg: Config, rel: Release, folder: Any) -> dict[str, bytes]:
    """File name -> content of every release document, rendered from ``release/*.j2``."""
    from issue_flow.templating import Templates

    templates = Templates(cfg.templates_dir, cfg.root)
    outputs = templates.outputs(RELEASE_TEMPLATES)
    if not outputs:
        raise IssueFlowError("no release templates found (release/*.j2 in the templates folders)")
    assert rel.docs_dir is not None
    context = {
        "version": rel.doc_version,
        "date": rel.date,
        "kind": "patch",
        "versions": rel.versions,
        "repository": cfg.repository,
        "issue": {
            "number": rel.number,
            "title": folder.title,
            "url": _issue_url(cfg, folder),
            "parent": folder.parent,
            "folder": folder.rel,
            "folder_link": Path(os.path.relpath(folder.path, rel.docs_dir)).as_posix() + "/",
        },
        "packages": [b.to_dict() for b in rel.bumps],
    }
    texts = templates.render_all([name for name, _ in outputs], context)
    return {out: texts[name].encode("utf-8") for name, out in outputs}


def _plan_docs(rel: Release, docs: dict[str, bytes]) -> None:
    assert rel.docs_dir is not None
    shown = rel.rel(rel.docs_dir)
    if rel.docs_dir.exists() and not rel.docs_dir.is_dir():
        raise IssueFlowError(f"{shown} exists and is not a folder")
    conflicts = []
    for name, data in docs.items():
        path = rel.docs_dir / name
        old = path.read_bytes() if path.is_file() else None
        if path.exists() and old is None:
            conflicts.append(name)
        elif old is not None and old != data:
            conflicts.append(name)
        else:
            rel.plan.write(path, old, data, f"release {rel.doc_version}")
    if conflicts:
        raise IssueFlowError(
            f"{shown} already exists with other content in {', '.join(conflicts)}: "
            "refusing to overwrite it (move it away to release again)"
        )


# --------------------------------------------------------------------------- the plan


def plan_release(cfg: Config, number: int, packages: list[str] | tuple[str, ...] | None = None) -> Release:
    """Everything the release of issue ``number`` would write (see the module docstring)."""
    from issue_flow.model import items
    from issue_flow.adapters import git
    from issue_flow.model.issues import load_issue
    from issue_flow.releasedocs import release_dir

    folder = load_issue(cfg, number)
    selected = select_packages(cfg, packages)
    bumps, writes = [], []
    for pkg in selected:
        bump, pkg_writes = plan_bump(cfg, pkg)
        bumps.append(bump)
        writes.extend(pkg_writes)
    rel = Release(cfg, number, bumps, date=release_date())

    pool = items.items(folder)
    item, why = find_release_item(folder, pool)
    if item is not None and item.done:
        current = " / ".join(b.old for b in bumps)
        evidence = _evidence(item)
        if evidence == current:
            rel.already, rel.item, rel.evidence = True, item, evidence
            rel.docs_dir = release_dir(cfg, bumps[0].old)
            rel.issue_files = [p for p in (folder.path / "README.md", folder.path / "TRACKING.md") if p.is_file()]
            return rel
        said = f"'{evidence}'" if evidence else "no versions"
        raise IssueFlowError(
            f"#{number}: the release item ({item.describe()}) is already ticked with {said}, "
            f"but the packages are at {current}: untick it to release again "
            f"(issue-flow check {number} {item.index} --undo)"
        )

    taken = git.existing_tags(cfg.root, [b.tag for b in bumps])
    for bump in bumps:
        if bump.tag in taken:
            raise IssueFlowError(f"tag {bump.tag} already exists: {bump.display} {bump.new} was released before")
    for path, old, new in writes:
        if old != new:  # (a manifest written once: no merging with other writes needed)
            rel.plan.writes.append(FileWrite(path, old, new, "patch release"))
    for bump in bumps:
        if bump.lock_note:
            rel.plan.note(f"note: {bump.lock_note}")

    rel.docs_dir = release_dir(cfg, rel.doc_version)
    _plan_docs(rel, render_docs(cfg, rel, folder))

    if item is None:
        rel.warnings.append(f"#{number} has no release item to tick ({why}); the release goes on without it")
    else:  # as commands.check.plan_check does, on the folder already loaded
        items.check_order(folder, item, True, pool)
        items.tick(item, True, rel.versions)
        for doc in (folder.readme, folder.tracking):
            if doc is not None and doc.changed:
                rel.plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"tick {item.describe()}")
        rel.item, rel.evidence = item, rel.versions
    return rel
