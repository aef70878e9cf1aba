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
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from pathlib import Path
from typing import Any

from issue_flow import fsutil
from issue_flow.config import Config, Package
from issue_flow.errors import IssueFlowError
from issue_flow.plan import FileWrite, Plan
from issue_flow.records import factory, record

RELEASE_TEMPLATES = "release"
# templates rendered only when a [release] setting asks for them
OPTIONAL_TEMPLATES = {"PACKAGE-STRUCTURE.md": "package_structure"}
MAX_LISTED_ISSUES = 200



# --------------------------------------------------------------------------- settings

DEFAULT_FOLDER = "v{version}"


@record
class Settings:
    """The ``[release]`` table of the configuration."""

    folder: str = DEFAULT_FOLDER
    other_folder: str = "{name}-v{version}"
    package_structure: bool = False
    locks: list[str] = factory(list)
    report_locks: bool = True
    registry: str | None = None
    close_published_only: bool = False


_SETTING_TYPES: dict[str, type] = {
    "folder": str,
    "other_folder": str,
    "package_structure": bool,
    "locks": list,
    "report_locks": bool,
    "registry": str,
    "close_published_only": bool,
}


def release_settings(cfg: Config) -> Settings:
    """The validated ``[release]`` settings (one-line error naming a bad key)."""
    table = getattr(cfg, "release", None) or {}
    src = cfg.source.name if getattr(cfg, "source", None) else "configuration"
    unknown = sorted(set(table) - set(_SETTING_TYPES))
    if unknown:
        raise IssueFlowError(f"{src}: unknown key(s) in [release]: {', '.join(unknown)} (known: {', '.join(_SETTING_TYPES)})")
    s = Settings()
    for key, kind in _SETTING_TYPES.items():
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, kind):
            raise IssueFlowError(f"{src}: 'release.{key}' must be a {kind.__name__}")
        setattr(s, key, value)
    if not all(isinstance(x, str) for x in s.locks):
        raise IssueFlowError(f"{src}: 'release.locks' must be a list of paths")
    for lock in s.locks:
        if Path(lock).is_absolute() or ".." in Path(lock).parts or not lock.strip():
            raise IssueFlowError(f"{src}: 'release.locks' must name paths inside the repository, not {lock!r}")
    for key in ("folder", "other_folder"):
        try:
            getattr(s, key).format(version="0.0.0", name="x", component="0.0.0")
        except (KeyError, IndexError, ValueError) as exc:
            raise IssueFlowError(
                f"{src}: 'release.{key}' may use {{version}}, {{name}} and {{component}} only ({exc})"
            ) from None
    return s


# --------------------------------------------------------------------------- data


@record
class Bump:
    """One package's bump."""

    package: Package
    manifest: str  # repository-relative, POSIX
    display: str  # npm / PyPI name when the manifest has one, else the configured name
    ecosystem: str  # npm | python
    old: str
    new: str
    tag: str
    part: str = "patch"  # patch | minor | major | explicit
    pre: str | None = None
    lock: str | None = None
    lock_old: str | None = None
    lock_note: str | None = None
    notes: list[str] = factory(list)  # other lock notes (workspace entries)
    locks: list[str] = factory(list)  # every lock file changed for this package

    @property
    def kind(self) -> str:
        from issue_flow.adapters.manifests import release_kind

        return release_kind(self.old, self.new)

    @property
    def prerelease(self) -> bool:
        return "-" in self.new.split("+", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.package.name,
            "display_name": self.display,
            "manifest": self.manifest,
            "old": self.old,
            "new": self.new,
            "tag": self.tag,
            "part": self.part,
            "pre": self.pre,
            "kind": self.kind,
            "prerelease": self.prerelease,
            "lock": self.lock,
            "lock_old": self.lock_old,
            "lock_note": self.lock_note,
            "locks": self.locks,
            "ecosystem": self.ecosystem,
        }


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
    settings: Settings = factory(Settings)

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


# --------------------------------------------------------------------------- packages


def select_packages(cfg: Config, names: list[str] | tuple[str, ...] | None) -> list[Package]:
    """The packages to release, in configuration order (``names`` empty: all of them)."""
    return [p for p, _ in select_parts(cfg, names, "patch")]


def select_parts(
    cfg: Config, names: list[str] | tuple[str, ...] | None, part: str | None
) -> list[tuple[Package, str | None]]:
    """(package, its part) in configuration order: ``--package NAME[=PART]`` or all.

    PART is patch, minor, major or an explicit version; without it the package takes
    ``part`` (the --patch/--minor/--major flag, or None for ``--pre`` alone).
    """
    if not cfg.packages:
        raise IssueFlowError(
            "no packages to release: none configured ([[packages]] with 'manifest') and no package.json "
            "or pyproject.toml found"
        )
    if not names:
        return [(p, part) for p in cfg.packages]
    chosen: dict[int, str | None] = {}
    for raw in names:
        name, sep, value = raw.partition("=")
        pkg = cfg.package(name)  # unknown name: exit 2, naming the known ones
        own: str | None = part
        if sep:
            value = value.strip()
            if value not in ("patch", "minor", "major") and not re.fullmatch(r"v?\d+\.\d+\.\d+\S*", value):
                raise IssueFlowError(f"--package {raw}: the part must be patch, minor, major or a version like 1.2.3")
            own = value[1:] if value.startswith("v") and value[1:2].isdigit() else value
        if id(pkg) in chosen and chosen[id(pkg)] != own:
            raise IssueFlowError(f"--package {raw}: {pkg.name} is named twice with different parts")
        chosen[id(pkg)] = own
    return [(p, chosen[id(p)]) for p in cfg.packages if id(p) in chosen]


def _manifest_info(rel: str, data: bytes) -> tuple[str, str | None, str]:
    """(version, published name or None, ecosystem) of a package.json or pyproject.toml."""
    if rel.endswith(".toml"):
        from issue_flow.adapters import manifests

        # (version, table) from [project] or [tool.poetry]; errors name ``rel``
        version = manifests.pyproject_version_table(data, rel)[0]
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


def new_version(old: str, part: str | None, pre: str | None, source: str) -> str:
    """The version ``old`` becomes for ``part`` (patch/minor/major/explicit) and ``pre``."""
    from issue_flow.adapters import manifests

    if part is not None and part not in manifests.PARTS:
        if pre is not None:
            raise IssueFlowError(f"--pre {pre} with an explicit version {part}: give the prerelease in the version")
        return manifests.check_explicit(old, part, source)
    return manifests.bump(old, part, pre, source)


def plan_bump(
    cfg: Config, pkg: Package, part: str | None = "patch", pre: str | None = None
) -> tuple[Bump, list[tuple[Path, bytes, bytes]]]:
    """The bump of one package and its manifest write (locks are planned by :class:`_Locks`)."""
    from issue_flow.adapters import manifests

    path = cfg.root / pkg.manifest
    rel = Path(pkg.manifest).as_posix()
    data = fsutil.read_bytes(path)
    old, published, ecosystem = _manifest_info(rel, data)
    new = new_version(old, part, pre, rel)
    shown_part = part if part in manifests.PARTS or part is None else "explicit"
    bump = Bump(pkg, rel, published or pkg.name, ecosystem, old, new, pkg.tag_prefix + new, shown_part or "patch", pre)
    if ecosystem == "python":
        new_data = manifests.set_pyproject_version(data, new, rel)
    else:
        new_data = manifests.set_package_json_version(data, new, rel)
    return bump, [(path, data, new_data)]


LOCKS_LISTING = ("ls-files", "-z", "--", "*package-lock.json", "*npm-shrinkwrap.json")


class _Locks:
    """Every lock edit of a release, merged per file (a root lock may hold several)."""

    def __init__(self, cfg: Config, settings: Settings):
        self.cfg = cfg
        self.settings = settings
        self.changes: dict[Path, dict[tuple[str, ...], str]] = {}
        self.owner: dict[tuple[Path, tuple[str, ...]], Bump] = {}
        self.required: set[Path] = set()
        self.listed: _Background | None = None  # git ls-files of the locks, started early

    def rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.cfg.root)).as_posix()

    def add(self, lock: Path, key: tuple[str, ...], new: str, bump: Bump) -> None:
        self.changes.setdefault(lock, {})[key] = new
        self.owner[(lock, key)] = bump

    def plan(self, bumps: list[Bump]) -> None:
        from issue_flow.adapters import manifests

        root = self.cfg.root
        root_lock = root / "package-lock.json"
        configured = [root / p for p in self.settings.locks]
        for lock in configured:
            if not lock.is_file():
                raise IssueFlowError(f"release.locks names {self.rel(lock)}, which does not exist")
        for bump in bumps:
            if bump.ecosystem != "npm":
                continue
            manifest = root / bump.manifest
            own = manifests.lockfile_for(manifest)
            if own is not None:
                self.add(own, ("version",), bump.new, bump)
                self.add(own, ("packages", "", "version"), bump.new, bump)
                self.required.add(own)
            if root_lock.is_file() and root_lock != own:
                key = manifests.workspace_entry(root, manifest)
                if key is not None:
                    self.add(root_lock, key, bump.new, bump)
            for lock in configured:
                if lock in (own, root_lock):
                    continue
                key = manifests.workspace_entry(lock.parent, manifest)
                if key is not None:
                    self.add(lock, key, bump.new, bump)

    def writes(self, bumps: list[Bump], rel: Release) -> list[tuple[Path, bytes, bytes]]:
        from issue_flow.adapters import manifests

        out = []
        for lock, changes in self.changes.items():
            lock_rel = self.rel(lock)
            data = fsutil.read_bytes(lock)
            new_data, olds = manifests.set_json_strings(data, changes, lock_rel)
            if lock in self.required and olds.get(("version",)) is None:
                raise IssueFlowError(f"{lock_rel}: no top-level \"version\" to bump")
            touched = False
            for key, old_value in olds.items():
                if old_value is None:
                    continue
                touched = True
                bump = self.owner[(lock, key)]
                if lock_rel not in bump.locks:
                    bump.locks.append(lock_rel)
                if key == ("version",):
                    top = old_value
                    root_pkg = olds.get(("packages", "", "version"))
                    bump.lock, bump.lock_old = lock_rel, top
                    if top != bump.old or root_pkg not in (None, bump.old):
                        said = top if root_pkg in (None, top) else f'{top} (packages[""] {root_pkg})'
                        bump.lock_note = f"{lock_rel} said {said}; now {bump.new}"
                elif key[:2] != ("packages", "") and old_value != bump.old:
                    note = f"{lock_rel} packages[{json.dumps(key[1])}] said {old_value}; now {bump.new}"
                    bump.notes.append(note)
            if lock in self.changes and not touched and lock != self.cfg.root / "package-lock.json":
                rel.warnings.append(f"{lock_rel} (release.locks) records none of the released packages; left as it is")
            if new_data != data:
                out.append((lock, data, new_data))
        return out

    def report_others(self, bumps: list[Bump]) -> list[str]:
        """Tracked locks not changed that record a released package's old version."""
        from issue_flow.adapters import manifests

        npm = [b for b in bumps if b.ecosystem == "npm"]
        if not npm or not self.settings.report_locks:
            return []
        listed = (self.listed or _Background(self.cfg.root, *LOCKS_LISTING)).result()
        if listed is None:
            return []
        handled = set(self.changes)
        notes = []
        for rel_path in sorted(p for p in listed.split("\0") if p):
            lock = self.cfg.root / rel_path
            if lock in handled or "node_modules" in rel_path.split("/") or not lock.is_file():
                continue
            keys = {}
            for b in npm:
                key = manifests.workspace_entry(lock.parent, self.cfg.root / b.manifest)
                if key is not None:
                    keys[key] = b
                keys[("packages", f"node_modules/{b.display}", "version")] = b  # installed from a registry
            if not keys:
                continue
            try:
                _, olds = manifests.set_json_strings(fsutil.read_bytes(lock), {k: b.new for k, b in keys.items()}, rel_path)
            except IssueFlowError:
                continue  # a lock we cannot read is not ours to judge
            for key, old_value in olds.items():
                b = keys[key]
                if old_value == b.old:
                    notes.append(
                        f"{rel_path} records {b.display} {b.old} (packages[{json.dumps(key[1])}]); not bumped "
                        f"(list it in [release] locks to bump it)"
                    )
        return notes


# --------------------------------------------------------------------------- git, in the background


class _Background:
    """A git command started now and read later, so it runs while the plan is being made.

    (Each git process costs a few milliseconds; the two a release asks for besides the
    tags, the tracked locks and the files changed since the previous tag, overlap with
    reading the issue and scanning the locks.) Any failure reads as "no answer".
    """

    def __init__(self, root: Path, *args: str):
        import subprocess

        from issue_flow.adapters import git

        try:
            self.proc: Any = subprocess.Popen(
                ["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL, env=git._env(),
            )
        except OSError:
            self.proc = None
        self._out: str | None = None

    def result(self) -> str | None:
        """The command's output, or None when it failed."""
        if self.proc is None:
            return None
        if self._out is None:
            data, _ = self.proc.communicate()
            self._out = data.decode("utf-8", "replace") if self.proc.returncode == 0 else ""
            self._ok = self.proc.returncode == 0
        return self._out if self._ok else None


# --------------------------------------------------------------------------- tags


def _listable(tag: str) -> bool:
    return bool(tag) and not tag.startswith("-") and not any(c in tag for c in "*?[\\")


def local_tags(root: Path, tags: list[str]) -> set[str] | None:
    """Which of ``tags`` exist, read from ``.git`` without a process, or None to ask git.

    Only for a plain ``.git`` folder with the files ref backend: a tag is a file under
    ``refs/tags/`` or a line of ``packed-refs`` (git keeps it nowhere else). A worktree,
    a reftable repository or anything unexpected answers None.
    """
    gitdir = Path(root) / ".git"
    try:
        if not gitdir.is_dir() or (gitdir / "reftable").exists() or (gitdir / "commondir").exists():
            return None
        found = {t for t in tags if _listable(t) and (gitdir / "refs" / "tags" / t).is_file()}
        rest = [t for t in tags if _listable(t) and t not in found]
        packed = gitdir / "packed-refs"
        if rest and packed.is_file():
            names = set()
            for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
                parts = line.split(" ", 1)
                if len(parts) == 2 and parts[1].startswith("refs/tags/"):
                    names.add(parts[1][len("refs/tags/") :])
            found |= names & set(rest)
        return found
    except OSError:
        return None


_BAD_REF = r"[\x00-\x20\x7f~^:?*\[\\]"


def check_tag_name(tag: str) -> None:
    """git's rules for a tag name (``git check-ref-format``), checked without a process."""
    why = None
    if not tag:
        why = "it is empty"
    elif re.search(_BAD_REF, tag):
        why = "it holds a space, a control character or one of ~ ^ : ? * [ \\"
    elif ".." in tag or "@{" in tag or tag == "@" or "//" in tag:
        why = "it holds '..', '@{' or '//'"
    elif tag.startswith(("/", "-", ".")) or tag.endswith(("/", ".", ".lock")):
        why = "it starts with '/', '-' or '.', or ends with '/', '.' or '.lock'"
    elif any(part.startswith(".") or part.endswith(".lock") for part in tag.split("/")):
        why = "a part of it starts with '.' or ends with '.lock'"
    if why:
        raise IssueFlowError(f"tag {tag!r} is not a valid git tag name ({why}): check the package's tag_prefix")


from issue_flow.workflows.release_item import (  # noqa: E402  (the item this module ticks)
    _evidence,
    evidence_versions,
    find_release_item,
    is_release_label,
    merged_evidence,
)


def _issue_url(cfg: Config, folder: Any) -> str | None:
    from issue_flow import links
    from issue_flow.model.issues import GITHUB_KEYS

    header = folder.header(GITHUB_KEYS)
    url = header.url if header is not None else None
    if url and url.startswith(("https://", "http://")):
        return url
    return links.issue_url(cfg, folder.number)


def release_date() -> str:
    """Today (ISO), or the day of ``SOURCE_DATE_EPOCH`` (UTC) for reproducible docs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


# --------------------------------------------------------------------------- release docs


def docs_folder(cfg: Config, settings: Settings, bumps: list[Bump], *, current: bool = False) -> Path:
    """``<releases>/<folder>`` by the configured rule (see the module docstring)."""
    from issue_flow.workflows.release_docs import release_dir

    component = cfg.packages[0]
    lead = bumps[0]
    version = lead.old if current else lead.new
    if lead.package is component:
        rule, values = settings.folder, {"version": version, "name": component.name, "component": version}
        if rule == DEFAULT_FOLDER:  # the default: also finds a folder named 0.9.2 (no v)
            return release_dir(cfg, version)
    else:
        try:
            from issue_flow.adapters.manifests import read_version

            comp_version = read_version(cfg.root / component.manifest)
        except IssueFlowError:
            comp_version = ""
        rule, values = settings.other_folder, {"version": version, "name": lead.package.name, "component": comp_version}
    name = rule.format(**values)
    parts = Path(name).parts
    if not name.strip() or Path(name).is_absolute() or ".." in parts or any(p.startswith(".") for p in parts):
        raise IssueFlowError(f"release folder {name!r} (from the [release] rule {rule!r}) is not a folder name")
    return cfg.releases_dir / name


def diff_since(cfg: Config, tag: str) -> _Background:
    """``git diff --name-only`` of the docs folder between the tag and HEAD, started now."""
    return _Background(cfg.root, "diff", "--name-only", "-z", f"refs/tags/{tag}", "HEAD", "--", cfg.docs)


def changed_issues(cfg: Config, previous_tag: str | None, diff: _Background | None = None) -> list[int]:
    """Issue numbers whose files under the docs folder changed since ``previous_tag``."""
    if previous_tag is None:
        return []
    out = (diff or diff_since(cfg, previous_tag)).result()
    if out is None:
        return []
    numbers: list[int] = []
    for path in out.split("\0"):
        rest = path[len(cfg.docs) :].lstrip("/") if path.startswith(cfg.docs) else path
        for part in rest.split("/"):
            m = re.match(r"(?:ISSUE|epic)-(\d+)(?:$|[-_.])", part, re.IGNORECASE)
            if m:
                n = int(m.group(1))
                if n not in numbers:
                    numbers.append(n)
                break
    return sorted(numbers)


def _issue_entry(cfg: Config, folder: Any, docs_dir: Path) -> dict[str, Any]:
    return {
        "number": folder.number,
        "title": folder.title,
        "url": _issue_url(cfg, folder),
        "parent": folder.parent,
        "folder": folder.rel,
        "folder_link": Path(os.path.relpath(folder.path, docs_dir)).as_posix() + "/",
    }


def released_issues(cfg: Config, rel: Release, folder: Any, diff: _Background | None = None) -> list[dict[str, Any]]:
    """The release's issue first, then every issue whose folder changed since the previous tag."""
    from issue_flow.model.issues import IssueFolder, discover

    assert rel.docs_dir is not None
    out = [_issue_entry(cfg, folder, rel.docs_dir)]
    numbers = [n for n in changed_issues(cfg, rel.previous_tag, diff) if n != rel.number][:MAX_LISTED_ISSUES]
    if not numbers:
        return out
    disc = discover(cfg)
    for n in numbers:
        ref = disc.folders.get(n)
        if ref is None:
            out.append({"number": n, "title": "", "url": _url(cfg, n), "parent": None, "folder": None, "folder_link": None})
            continue
        try:
            out.append(_issue_entry(cfg, IssueFolder(cfg, ref), rel.docs_dir))
        except IssueFlowError:
            out.append({"number": n, "title": "", "url": _url(cfg, n), "parent": None, "folder": None, "folder_link": None})
    return out


def _url(cfg: Config, n: int) -> str | None:
    from issue_flow import links

    return links.issue_url(cfg, n)


def _package_extra(cfg: Config, bump: Bump) -> dict[str, Any]:
    """What PACKAGE-STRUCTURE.md shows of a package.json: files, main, module, types, exports."""
    extra: dict[str, Any] = {"files": [], "entry_points": []}
    if bump.ecosystem != "npm":
        return extra
    try:
        doc = json.loads(fsutil.read_bytes(cfg.root / bump.manifest))
    except (ValueError, RecursionError, IssueFlowError):
        return extra
    if isinstance(doc.get("files"), list):
        extra["files"] = [f for f in doc["files"] if isinstance(f, str)]
    for key in ("main", "module", "types", "typings", "bin"):
        value = doc.get(key)
        if isinstance(value, str):
            extra["entry_points"].append({"field": key, "path": value})
        elif isinstance(value, dict):
            extra["entry_points"] += [{"field": f"{key}.{k}", "path": v} for k, v in value.items() if isinstance(v, str)]
    exports = doc.get("exports")
    if isinstance(exports, str):
        extra["entry_points"].append({"field": "exports", "path": exports})
    elif isinstance(exports, dict):
        for k, v in exports.items():
            if isinstance(v, str):
                extra["entry_points"].append({"field": f"exports[{k}]", "path": v})
            elif isinstance(v, dict):
                extra["entry_points"] += [
                    {"field": f"exports[{k}].{c}", "path": p} for c, p in v.items() if isinstance(p, str)
                ]
    return extra


def render_docs(cfg: Config, rel: Release, folder: Any) -> dict[str, bytes]:
    """File name -> content of every release document, rendered from ``release/*.j2``."""
    from issue_flow import links
    from issue_flow.templating import Templates

    templates = Templates(cfg.templates_dir, cfg.root)
    user = cfg.templates_dir
    outputs = [
        (name, out)
        for name, out in templates.outputs(RELEASE_TEMPLATES)
        # an optional built-in template only when its setting asks; a template of one's own always
        if out not in OPTIONAL_TEMPLATES
        or getattr(rel.settings, OPTIONAL_TEMPLATES[out])
        or (user is not None and (user / name).is_file())
    ]
    if not outputs:
        raise IssueFlowError("no release templates found (release/*.j2 in the templates folders)")
    assert rel.docs_dir is not None
    issue = rel.issues[0] if rel.issues else _issue_entry(cfg, folder, rel.docs_dir)
    packages = []
    for b in rel.bumps:
        d = b.to_dict()
        d.update(_package_extra(cfg, b) if any(out == "PACKAGE-STRUCTURE.md" for _, out in outputs) else {})
        packages.append(d)
    context = {
        "version": rel.doc_version,
        "date": rel.date,
        "kind": rel.kind,
        "prerelease": rel.prerelease,
        "versions": rel.versions,
        "repository": cfg.repository,
        "tag": rel.tag,
        "previous_tag": rel.previous_tag,
        "release_url": links.release_url(cfg, rel.tag),
        "compare_url": links.compare_url(cfg, rel.previous_tag, rel.tag) if rel.previous_tag else None,
        "issue": issue,
        "issues": rel.issues or [issue],
        "packages": packages,
    }
    texts = templates.render_all([name for name, _ in outputs], context)
    return {out: texts[name].encode("utf-8") for name, out in outputs}


def _plan_docs(rel: Release, docs: dict[str, bytes]) -> None:
    assert rel.docs_dir is not None
    for name, data in docs.items():
        rel.plan.write(rel.docs_dir / name, None, data, f"release {rel.doc_version}")


def existing_docs(rel: Release) -> bool:
    """Is the release folder there already (a folder holding at least one file)?"""
    d = rel.docs_dir
    assert d is not None
    if d.exists() and not d.is_dir():
        raise IssueFlowError(f"{rel.rel(d)} exists and is not a folder")
    return d.is_dir() and any(p.is_file() for p in d.iterdir())


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
    listed = _Background(cfg.root, *LOCKS_LISTING) if settings.report_locks else None
    diff = diff_since(cfg, bumps[0].package.tag_prefix + bumps[0].old)
    wanted = [b.tag for b in bumps] + [b.package.tag_prefix + b.old for b in bumps]
    known = local_tags(cfg.root, wanted)  # read from .git; None: ask git (in the background)
    tags = None if known is not None else _Background(cfg.root, "tag", "--list", *[t for t in wanted if _listable(t)])
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
    listed: _Background | None,
    diff: _Background,
    tags: _Background | None,
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
        recorded, rest = evidence_versions(_evidence(item))
    if not prerelease and (item is None or item.done):
        # released before: the item's evidence holds the current versions, or (an item
        # without a status row, or none at all) their tags are on HEAD
        if (item is not None and all(b.old in recorded for b in bumps)) or _tags_at_head(cfg, current_tags, taken):
            rel.already, rel.item, rel.evidence = True, item, _evidence(item)
            rel.docs_dir = docs_folder(cfg, settings, bumps, current=True)
            rel.docs_existing = rel.docs_dir.is_dir()
            rel.issue_files = [d.path for d in _docs_of(folder) if d is not None and d.path.is_file()]
            locks = _Locks(cfg, settings)  # which files a commit finishing the release takes
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

    locks = _Locks(cfg, settings)
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
        _plan_docs(rel, render_docs(cfg, rel, folder))

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
            if doc is not None and id(doc) not in seen and doc.changed:
                seen.add(id(doc))
                rel.plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"tick {item.describe()}")
        rel.item, rel.evidence = item, evidence
    return rel


def _tags_at_head(cfg: Config, tags: list[str], taken: set[str]) -> bool:
    """Do all ``tags`` exist and point at HEAD (the release commit)?"""
    if not tags or not all(t in taken for t in tags):
        return False
    from issue_flow.adapters import git

    try:
        out = git._git(cfg.root, "rev-parse", "HEAD", *[f"refs/tags/{t}^{{commit}}" for t in tags], check=False)
    except (IssueFlowError, OSError):
        return False
    shas = out.stdout.split()
    return out.returncode == 0 and len(shas) == len(tags) + 1 and len(set(shas)) == 1


def published_only(cfg: Config, versions: list[str], number: int) -> list[str]:
    """``versions`` as close writes them: with ``[release] close_published_only``, only those
    of the configured npm packages that are on their registry (one GET each, as
    ``issue-flow published``); none of them published is exit 1 (publish first)."""
    settings = release_settings(cfg)
    if not settings.close_published_only:
        return versions
    from issue_flow.commands.published import check_packages
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
