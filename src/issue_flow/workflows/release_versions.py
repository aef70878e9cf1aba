"""The new version of each released package, its manifest edit and its tag.

Why a module of its own: the version rules (which packages a ``--package NAME[=PART]``
names, semver's bumps and npm's rule for prereleases, an explicit version, the tag
``tag_prefix + version`` and git's rule for its name) are decided before any file or
document of a release is looked at, and ``published`` selects packages the same way.
:mod:`issue_flow.workflows.release_locks` then plans the lock files; the release itself
is :mod:`issue_flow.workflows.release`. Split from ``workflows/release.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from issue_flow import fsutil
from issue_flow.config import Config, Package
from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record


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
    """The bump of one package and its manifest write (locks are planned by :class:`Locks`)."""
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


# --------------------------------------------------------------------------- tags


def listable(tag: str) -> bool:
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
        found = {t for t in tags if listable(t) and (gitdir / "refs" / "tags" / t).is_file()}
        rest = [t for t in tags if listable(t) and t not in found]
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


def tags_at_head(cfg: Config, tags: list[str], taken: set[str]) -> bool:
    """Do all ``tags`` exist and point at HEAD (the release commit)?"""
    if not tags or not all(t in taken for t in tags):
        return False
    from issue_flow.adapters import git

    try:
        out = git.run_git(cfg.root, "rev-parse", "HEAD", *[f"refs/tags/{t}^{{commit}}" for t in tags], check=False)
    except (IssueFlowError, OSError):
        return False
    shas = out.stdout.split()
    return out.returncode == 0 and len(shas) == len(tags) + 1 and len(set(shas)) == 1
