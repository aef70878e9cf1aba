"""Repository root discovery and configuration.

Configuration lives in ``[tool.issue-flow]`` of ``pyproject.toml`` or at the top level of
``.issue-flow.toml``. Every key has a default that works on a repository laid out like
the corpus (component at the root, backend under ``packages/<name>/``), so most
repositories need no configuration at all. Reading uses the standard library's TOML
parser (fast); ``init`` writes with tomlkit so a user's comments survive.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from issue_flow import config_fields
from issue_flow.config_fields import field as _field
from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record

CONFIG_FILE = ".issue-flow.toml"
DEFAULT_API_URL = _field("api_url").default
STATE_DIR = ".issue-flow"


@record
class Package:
    """A versioned package: ``manifest`` is a package.json or pyproject.toml path."""

    name: str
    manifest: str
    tag_prefix: str = _field("tag_prefix", config_fields.PACKAGE_FIELDS).default


@record
class Gate:
    """A release gate and where its result comes from (the keys: ``config_fields.GATE_FIELDS``)."""

    name: str
    command: str | None = None
    report: str | None = None
    format: str | None = None  # junit | jest-json | eslint (guessed from the file if None)
    check: str | None = None  # GitHub check-run or status context name
    required: bool = True
    timeout: float = 1800.0


DEFAULT_GATES = [Gate(**g) for g in config_fields.DEFAULT_GATES]


def _default(key: str) -> Any:
    return factory(lambda: config_fields.default_of(_field(key)))


@record
class Config:
    """The loaded configuration; each key's type, default and meaning are in ``config_fields.FIELDS``."""

    root: Path
    source: Path | None = None
    repository: str | None = None
    api_url: str = DEFAULT_API_URL
    docs: str = _field("docs").default
    releases: str = _field("releases").default
    templates: str | None = None
    default_branch: str = _field("default_branch").default
    criteria_headings: list[str] = _default("criteria_headings")
    lint: dict = _default("lint")  # [lint] ignore = ["KIND [PATH-GLOB]", ...]
    packages: list[Package] = factory(list)
    gates: list[Gate] = factory(lambda: [Gate(**vars(g)) for g in DEFAULT_GATES])
    release: dict[str, Any] = _default("release")  # the [release] table, read by workflows.release.release_settings
    configured: frozenset[str] = frozenset()  # the keys the file sets (not defaults), for rules that differ

    @property
    def docs_dir(self) -> Path:
        return self.root / self.docs

    @property
    def releases_dir(self) -> Path:
        return self.root / self.releases

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def templates_dir(self) -> Path | None:
        return self.root / self.templates if self.templates else None

    def require_repository(self) -> str:
        if not self.repository:
            raise IssueFlowError(
                "no GitHub repository known: set 'repository' in the configuration, "
                "GITHUB_REPOSITORY, or a GitHub 'origin' remote"
            )
        return self.repository

    def package(self, name: str) -> Package:
        for pkg in self.packages:
            if name in (pkg.name, pkg.manifest, _npm_name(self.root / pkg.manifest)):
                return pkg
        known = ", ".join(p.name for p in self.packages) or "none"
        raise IssueFlowError(f"unknown package {name!r} (configured: {known})")


# --------------------------------------------------------------------------- root


def _has_tool_section(pyproject: Path) -> bool:
    """Whether pyproject.toml has a ``tool.issue-flow`` table, however TOML spells it
    (``[tool.issue-flow]``, ``[tool."issue-flow"]``, dotted keys, an inline table)."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "issue-flow" not in text:  # the cheap test first: most pyproject files say nothing of it
        return False
    try:
        tool = _parse_toml(pyproject).get("tool", {})
    except IssueFlowError:
        return "[tool.issue-flow" in text  # malformed: let load_config say so
    return not isinstance(tool, dict) or "issue-flow" in tool  # a 'tool' that is no table: say so


def find_root(start: Path | None = None) -> Path:
    """Walk up to the directory holding the configuration or ``.git``."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_FILE).is_file() or (d / ".git").exists():
            return d
        if (d / "pyproject.toml").is_file() and _has_tool_section(d / "pyproject.toml"):
            return d
    raise IssueFlowError(f"no repository found above {here} (no .git and no {CONFIG_FILE})")


# --------------------------------------------------------------------------- load


def _parse_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise IssueFlowError(f"{path.name}: not UTF-8 text") from None
    except IsADirectoryError:
        raise IssueFlowError(f"{path.name} is a directory, not a file") from None
    except OSError as exc:
        raise IssueFlowError(f"{path.name}: cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IssueFlowError(f"{path.name}: malformed TOML ({exc})") from None
    except RecursionError:
        raise IssueFlowError(f"{path.name}: malformed TOML (nested too deeply)") from None


def raw_config(root: Path) -> tuple[dict[str, Any], Path | None]:
    """The configuration table and the file it came from (None when there is none)."""
    dedicated = root / CONFIG_FILE
    if dedicated.is_dir():
        raise IssueFlowError(f"{CONFIG_FILE} is a directory, not a file")
    if dedicated.is_file():
        return _parse_toml(dedicated), dedicated
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and _has_tool_section(pyproject):
        data = _parse_toml(pyproject)
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise IssueFlowError("pyproject.toml: 'tool' must be a table")
        table = tool.get("issue-flow")
        if table is not None:
            if not isinstance(table, dict):
                raise IssueFlowError("pyproject.toml: [tool.issue-flow] must be a table")
            return table, pyproject
    return {}, None


def load_config(root: Path | None = None) -> Config:
    root = find_root() if root is None else Path(root)
    from issue_flow import fsutil

    fsutil.set_repository(root)
    fsutil.recover_if_interrupted(root)
    table, source = raw_config(root)
    src = source.name if source else "configuration"
    config_fields.validate(table, src, root)  # types, paths, unknown keys: one line on the first problem
    cfg = Config(root=root, source=source, configured=frozenset(table))
    for f in config_fields.FIELDS:
        if f.key in table and f.kind in ("string", "strings", "table"):
            setattr(cfg, f.key, config_fields.fresh(table[f.key]))
    cfg.criteria_headings = [h.strip() for h in cfg.criteria_headings]
    if cfg.repository is None:
        cfg.repository = os.environ.get("GITHUB_REPOSITORY") or git_remote_repository(root)
    if "api_url" not in table and os.environ.get("GITHUB_API_URL"):
        cfg.api_url = os.environ["GITHUB_API_URL"]
    cfg.api_url = cfg.api_url.rstrip("/")
    if cfg.repository is not None and not re.fullmatch(_field("repository").pattern, cfg.repository):
        raise IssueFlowError(f"{src}: repository must look like owner/name, not {cfg.repository!r}")
    if "packages" in table:
        cfg.packages = [_package(p) for p in table["packages"]]
    else:
        cfg.packages = detect_packages(root)
    if "gates" in table:
        blank = config_fields.defaults(config_fields.GATE_FIELDS)
        cfg.gates = [Gate(**{**blank, **g, "timeout": float(g.get("timeout", blank["timeout"]))}) for g in table["gates"]]
    return cfg


def _package(item: dict[str, Any]) -> Package:
    blank = config_fields.defaults(config_fields.PACKAGE_FIELDS)
    return Package(**{**blank, "name": short_name(item["manifest"]), **item})


# --------------------------------------------------------------------------- detection


def _npm_name(manifest: Path) -> str | None:
    if manifest.name != "package.json":
        return None
    import json

    try:
        data = json.loads(manifest.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def short_name(manifest: str) -> str:
    parts = Path(manifest).parts
    return parts[-2] if len(parts) >= 2 else "root"


def detect_packages(root: Path) -> list[Package]:
    """Root ``package.json`` (tags ``v…``) plus ``packages/*/package.json`` (tags ``name-v…``)."""
    found: list[Package] = []
    if (root / "package.json").is_file():
        npm = _npm_name(root / "package.json")
        name = npm.rsplit("/", 1)[-1] if npm else "root"
        found.append(Package(name=name, manifest="package.json", tag_prefix="v"))
    pkgs = root / "packages"
    if pkgs.is_dir():
        for manifest in sorted(pkgs.glob("*/package.json")):
            rel = manifest.relative_to(root).as_posix()
            name = manifest.parent.name
            found.append(Package(name=name, manifest=rel, tag_prefix=f"{name}-v"))
    if not found and (root / "pyproject.toml").is_file():
        found.append(Package(name="root", manifest="pyproject.toml", tag_prefix="v"))
    return found


_REMOTE = re.compile(r"github\.com[:/]+([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")


def git_remote_repository(root: Path) -> str | None:
    """``owner/name`` of a GitHub ``origin`` remote, read from .git/config (no subprocess)."""
    cfg = root / ".git" / "config"
    try:
        text = cfg.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    section = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            section = s
        elif section == '[remote "origin"]' and s.startswith("url"):
            url = s.split("=", 1)[1].strip()
            m = _REMOTE.search(url)
            if m:
                return f"{m.group(1)}/{m.group(2)}"
    return None
