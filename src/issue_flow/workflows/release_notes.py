"""What a release writes into its docs folder: the folder, the issues it lists, the documents.

Why a module of its own: the release documents are the part of a release read by people
(RELEASE-NOTES.md, CHANGELOG.md, PACKAGE-STRUCTURE.md, rendered from the ``release/*.j2``
templates). Their folder follows the ``[release] folder`` rules; they list the release's
issue, then every issue whose files under the docs folder changed since the previous tag.
The check of a release folder's content is :mod:`issue_flow.workflows.release_docs`.
Split from ``workflows/release.py``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from issue_flow import fsutil
from issue_flow.adapters.git_background import Background
from issue_flow.config import Config
from issue_flow.errors import IssueFlowError

if TYPE_CHECKING:
    from issue_flow.workflows.release import Release, Settings
    from issue_flow.workflows.release_versions import Bump

RELEASE_TEMPLATES = "release"
# templates rendered only when a [release] setting asks for them
OPTIONAL_TEMPLATES = {"PACKAGE-STRUCTURE.md": "package_structure"}
MAX_LISTED_ISSUES = 200
DEFAULT_FOLDER = "v{version}"


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


def diff_since(cfg: Config, tag: str) -> Background:
    """``git diff --name-only`` of the docs folder between the tag and HEAD, started now."""
    return Background(cfg.root, "diff", "--name-only", "-z", f"refs/tags/{tag}", "HEAD", "--", cfg.docs)


def changed_issues(cfg: Config, previous_tag: str | None, diff: Background | None = None) -> list[int]:
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


def released_issues(cfg: Config, rel: Release, folder: Any, diff: Background | None = None) -> list[dict[str, Any]]:
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


def plan_docs(rel: Release, docs: dict[str, bytes]) -> None:
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
