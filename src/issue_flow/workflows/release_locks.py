"""The lock files a release bumps, and the other locks that still hold the old version.

Why a module of its own: lock files are edited field by field, never re-serialised
(exact fields only: the package's own ``package-lock.json``, the root lock's entry of a
workspace package, the entry of the package in the locks of ``[release] locks``), one
write per file even when a root lock holds several packages, and a lock out of step is
reported, not silently fixed. That bookkeeping is independent of how the versions were
chosen (:mod:`issue_flow.workflows.release_versions`). Split from ``workflows/release.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from issue_flow import fsutil
from issue_flow.adapters.git_background import Background
from issue_flow.config import Config
from issue_flow.errors import IssueFlowError

if TYPE_CHECKING:
    from issue_flow.workflows.release import Release, Settings
    from issue_flow.workflows.release_versions import Bump


LOCKS_LISTING = ("ls-files", "-z", "--", "*package-lock.json", "*npm-shrinkwrap.json")


class Locks:
    """Every lock edit of a release, merged per file (a root lock may hold several)."""

    def __init__(self, cfg: Config, settings: Settings):
        self.cfg = cfg
        self.settings = settings
        self.changes: dict[Path, dict[tuple[str, ...], str]] = {}
        self.owner: dict[tuple[Path, tuple[str, ...]], Bump] = {}
        self.required: set[Path] = set()
        self.listed: Background | None = None  # git ls-files of the locks, started early

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
        listed = (self.listed or Background(self.cfg.root, *LOCKS_LISTING)).result()
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
