"""The release-docs check: is ``docs/releases/vX.Y.Z/`` complete for its release type?

issue-flow's counterpart of the corpus project's ``npm run validate:release-docs vX.Y.Z``
(its release checklist: "Validate Documentation: run validation to ensure all required
documents are present"). The required files per release type:

* ``patch``: ``CHANGELOG.md`` and ``RELEASE-NOTES.md`` — the two documents
  ``issue-flow release --patch`` writes from its templates (the corpus's checklist calls
  a patch's docs "minimal": a Keep a Changelog CHANGELOG and release notes);
* ``minor`` / ``major``: those two plus ``MIGRATION.md``, ``API-CHANGES.md``,
  ``NEW-FEATURES.md``, ``EXAMPLES.md`` and ``PACKAGE-STRUCTURE.md`` — the full set of the
  corpus's ``v0.9.1`` and ``v0.9.2`` folders and of its checklist's "Documentation
  Standards".

A file that is absent, is not a regular file, or holds nothing but whitespace counts
as missing. ``0.9.2`` and ``v0.9.2`` name the same release; the folder is
``<releases>/v0.9.2`` (a folder named ``0.9.2`` is accepted when that is what exists).
Nothing here writes or imports anything heavy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from issue_flow.config import Config
from issue_flow.errors import IssueFlowError

PATCH_FILES: tuple[str, ...] = ("CHANGELOG.md", "RELEASE-NOTES.md")
FULL_FILES: tuple[str, ...] = PATCH_FILES + (
    "MIGRATION.md",
    "API-CHANGES.md",
    "NEW-FEATURES.md",
    "EXAMPLES.md",
    "PACKAGE-STRUCTURE.md",
)
REQUIRED: dict[str, tuple[str, ...]] = {"patch": PATCH_FILES, "minor": FULL_FILES, "major": FULL_FILES}

# semver 2.0 (the prerelease and build parts loosely): safe as one path component.
_VERSION = re.compile(r"(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def normalize_version(version: str) -> str:
    """``v0.9.2`` / ``V0.9.2`` / ``0.9.2`` -> ``0.9.2``; anything else is a one-line error."""
    text = str(version)
    bare = text[1:] if text[:1] in ("v", "V") else text
    if not _VERSION.fullmatch(bare) or ".." in bare:
        raise IssueFlowError(f"release version {text!r} is not a version like 0.9.2 or v0.9.2")
    return bare


def folder_name(version: str) -> str:
    return f"v{normalize_version(version)}"


def required_files(kind: str = "patch") -> tuple[str, ...]:
    try:
        return REQUIRED[kind]
    except (KeyError, TypeError):
        raise IssueFlowError(f"release type {kind!r}: expected patch, minor or major") from None


def release_dir(cfg: Config, version: str) -> Path:
    """Where the docs of ``version`` live: ``<releases>/vX.Y.Z`` (or an existing ``X.Y.Z``)."""
    bare = normalize_version(version)
    preferred = cfg.releases_dir / f"v{bare}"
    plain = cfg.releases_dir / bare
    if not preferred.is_dir() and plain.is_dir():
        return plain
    return preferred


def missing_files(present: Iterable[str], kind: str = "patch") -> list[str]:
    """The required files of ``kind`` not among the names ``present`` (required order)."""
    have = set(present)
    return [name for name in required_files(kind) if name not in have]


def _has_content(path: Path) -> bool:
    try:
        if not path.is_file():
            return False
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(65536)
                if not chunk:
                    return False
                if chunk.strip():
                    return True
    except OSError:
        return False


def check_release_docs(cfg: Config, version: str, kind: str = "patch") -> list[str]:
    """The required release documents of ``version`` that are missing (or empty).

    An empty list means the release folder is complete for its ``kind`` (patch, minor or
    major). Raises IssueFlowError (exit 2) on a version or kind that makes no sense.
    """
    required = required_files(kind)
    folder = release_dir(cfg, version)
    return [name for name in required if not _has_content(folder / name)]


def check_folder(folder: Path | None, kind: str = "patch") -> list[str]:
    """The required release documents of ``kind`` missing (or empty) in ``folder``."""
    required = required_files(kind)
    if folder is None:
        return list(required)
    return [name for name in required if not _has_content(folder / name)]


def describe(cfg: Config, version: str, missing: list[str]) -> str:
    """One line for a report: ``docs/releases/v0.9.2: missing RELEASE-NOTES.md``."""
    folder = release_dir(cfg, version)
    try:
        shown = folder.relative_to(cfg.root).as_posix()
    except ValueError:
        shown = str(folder)
    if not missing:
        return f"{shown}: release docs complete"
    return f"{shown}: missing {', '.join(missing)}"
