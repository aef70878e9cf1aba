"""The release folders of the report: each one's date, type, documents and the issues it names.

Apart from :mod:`issue_flow.workflows.report` (the issues, the page and the summary) because
this reads another tree, ``docs/releases/``: the first 256 KB of each release document, for
its ``Release Date:`` / ``Release Type:`` header lines and the ``#N`` it mentions, newest
version first.
"""

from __future__ import annotations

import re
from pathlib import Path

_READ_LIMIT = 256 * 1024  # bytes of a release document read for its date, type and issues
_ISSUE_REF = re.compile(r"(?<![\w&/#])#(\d{1,9})\b")
_FIELD = re.compile(r"^\s*[*_]{0,2}(Release Date|Date|Release Type|Type)[*_]{0,2}\s*:\s*[*_]{0,2}\s*(.+?)\s*$", re.I | re.M)
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")


def version_key(name: str):
    m = _VERSION.match(name)
    if not m:
        return (1, name)  # not a version: after the versions, by name
    major, minor, patch, pre = m.groups()
    # newest first: negate the numbers; a release sorts before its prereleases
    return (0, -int(major), -int(minor), -int(patch), 0 if pre is None else 1, pre or "")


def release_folders(cfg, known: set[int]) -> list[dict]:
    """The release folders: name, date and type (from the notes' header lines), documents,
    and the issues of the tree that their documents name (``#N``)."""
    folder = Path(cfg.releases_dir)
    if not folder.is_dir():
        return []
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: version_key(p.name)):
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        docs = sorted(p.name for p in entry.iterdir() if p.is_file() and p.suffix.lower() == ".md")
        fields: dict[str, str] = {}
        issues: set[int] = set()
        for name in sorted(docs, key=lambda n: (n != "RELEASE-NOTES.md", n != "CHANGELOG.md", n)):
            text = _head(entry / name)
            for m in _FIELD.finditer(text):
                key = "date" if "date" in m.group(1).lower() else "type"
                fields.setdefault(key, m.group(2).strip("*_ "))
            issues.update(int(n) for n in _ISSUE_REF.findall(text) if int(n) in known)
        rel = entry.relative_to(cfg.root).as_posix() if inside(entry, cfg.root) else entry.as_posix()
        out.append({"name": entry.name, "path": rel, "date": fields.get("date"), "type": fields.get("type"),
                    "documents": docs, "issues": sorted(issues)})
    return out


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(_READ_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""


def inside(path: Path, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False
