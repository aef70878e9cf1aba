"""Is each released package version on its npm registry? (``issue-flow published``, and
``close`` with ``[release] close_published_only``.)

Why a module of its own: the registry check is a use-case of its own, shared by a
command and by the closing of an issue; it reads the manifests (the version a release
commit holds) and asks each package's registry, one GET per package, writing nothing.
Private packages and pyproject.toml packages are listed as not checked.
"""

from __future__ import annotations

import json
from typing import Any

from issue_flow.errors import IssueFlowError


def check_packages(cfg: Any, names: tuple[str, ...], registry: str | None) -> list[dict[str, Any]]:
    """One row per selected package: its npm name and version, its registry, published or
    not (one GET each), or why it is not checked (not npm, private)."""
    from issue_flow import fsutil
    from issue_flow.adapters import registry as reg
    from issue_flow.workflows.release import release_settings
    from issue_flow.workflows.release_versions import select_packages

    settings = release_settings(cfg)
    pkgs = select_packages(cfg, names or None)
    rows: list[dict[str, Any]] = []
    for pkg in pkgs:
        row: dict[str, Any] = {"package": pkg.name, "manifest": pkg.manifest, "name": None, "version": None,
                               "registry": None, "published": None, "checked": False, "why": None}
        rows.append(row)
        if not pkg.manifest.endswith("package.json"):
            row["why"] = "not an npm package"
            continue
        try:
            doc = json.loads(fsutil.read_bytes(cfg.root / pkg.manifest))
        except (ValueError, RecursionError):
            raise IssueFlowError(f"{pkg.manifest}: malformed JSON") from None
        name, version = doc.get("name"), doc.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            raise IssueFlowError(f"{pkg.manifest}: no \"name\" and \"version\" strings")
        row.update(name=name, version=version)
        if doc.get("private") is True:
            row["why"] = "private"
            continue
        publish = doc.get("publishConfig")
        pc = publish.get("registry") if isinstance(publish, dict) and isinstance(publish.get("registry"), str) else None
        row["registry"] = reg.registry_for(name, cfg.root, explicit=registry, publish_config=pc, configured=settings.registry)
    for row in rows:
        if row["registry"] is not None:
            row["published"] = reg.is_published(row["registry"], row["name"], row["version"])
            row["checked"] = True
    return rows
