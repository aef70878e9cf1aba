"""Which packages a repository has beyond its root: npm ``workspaces`` globs and pnpm-workspace.yaml.

Split from :mod:`issue_flow.adapters.manifests` (which reads and changes one manifest)
because this walks the tree: ``init`` uses :func:`discover_packages` to list every package
a release may bump, without a YAML library and never inside ``node_modules``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def workspace_globs(root: Path) -> list[str]:
    """The workspace patterns of a repository: ``workspaces`` of the root package.json
    (an array, or ``{"packages": [...]}``) and ``packages:`` of ``pnpm-workspace.yaml``."""
    globs: list[str] = []
    pkg = root / "package.json"
    if pkg.is_file():
        try:
            doc = json.loads(pkg.read_bytes())
        except (OSError, ValueError, RecursionError):
            doc = None
        ws = doc.get("workspaces") if isinstance(doc, dict) else None
        if isinstance(ws, dict):
            ws = ws.get("packages")
        if isinstance(ws, list):
            globs += [g for g in ws if isinstance(g, str)]
    pnpm = root / "pnpm-workspace.yaml"
    if pnpm.is_file():
        try:
            globs += _pnpm_packages(pnpm.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            pass
    return globs


def _pnpm_packages(text: str) -> list[str]:
    """The ``packages:`` list of a pnpm-workspace.yaml (block or flow style; no YAML library)."""
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"packages\s*:\s*(.*)$", line)
        if not m:
            continue
        rest = m.group(1).split(" #", 1)[0].strip()
        if rest.startswith("["):
            out += [_unquote(x) for x in rest.strip("[]").split(",") if x.strip()]
            break
        for item in lines[i + 1 :]:
            if not item.strip() or item.lstrip().startswith("#"):
                continue
            im = re.match(r"\s+-\s*(.+?)\s*$", item) or re.match(r"-\s*(.+?)\s*$", item)
            if im is None:
                break
            out.append(_unquote(im.group(1).split(" #", 1)[0].strip()))
        break
    return [g for g in out if g]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def workspace_manifests(root: Path) -> list[str]:
    """Repository-relative package.json paths of the workspace packages (sorted, no
    duplicates; ``!pattern`` excludes; ``node_modules`` never)."""
    root = Path(root)
    include: set[str] = set()
    exclude: set[str] = set()
    for pattern in workspace_globs(root):
        neg = pattern.startswith("!")
        pat = pattern[1:] if neg else pattern
        pat = pat.strip().strip("/")
        if pat.startswith("./"):
            pat = pat[2:]
        if not pat or ".." in Path(pat).parts or Path(pat).is_absolute():
            continue
        hits = set()
        for manifest in root.glob(f"{pat}/package.json"):
            rel = manifest.relative_to(root).as_posix()
            if "node_modules" not in rel.split("/"):
                hits.add(rel)
        (exclude if neg else include).update(hits)
    return sorted(include - exclude - {"package.json"})


def discover_packages(root: Path, detected: list[Any]) -> list[Any]:
    """``detected`` (config.detect_packages) plus the workspace packages it missed
    (``workspaces`` globs, ``pnpm-workspace.yaml``), tagged ``NAME-vX.Y.Z``."""
    from issue_flow.config import Package

    have = {p.manifest for p in detected}
    out = list(detected)
    names = {p.name for p in detected}
    for rel in workspace_manifests(Path(root)):
        if rel in have:
            continue
        name = Path(rel).parent.name
        if name in names:
            name = Path(rel).parent.as_posix().replace("/", "-")
        names.add(name)
        out.append(Package(name=name, manifest=rel, tag_prefix=f"{name}-v"))
    return out
