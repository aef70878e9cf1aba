"""Repository root discovery and configuration.

Configuration lives in ``[tool.issue-flow]`` of ``pyproject.toml`` or at the top level of
``.issue-flow.toml``. Every key has a default that works on a repository laid out like
the corpus (component at the root, backend under ``packages/<name>/``), so most
repositories need no configuration at all. Reading uses the standard library's TOML
parser (fast); ``init`` writes with tomlkit so a user's comments survive.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record

CONFIG_FILE = ".issue-flow.toml"
DEFAULT_API_URL = "https://api.github.com"
STATE_DIR = ".issue-flow"


@record
class Package:
    """A versioned package: ``manifest`` is a package.json or pyproject.toml path."""

    name: str
    manifest: str
    tag_prefix: str = "v"


@record
class Gate:
    """A release gate and where its result comes from."""

    name: str
    command: str | None = None
    report: str | None = None
    format: str | None = None  # junit | jest-json | eslint (guessed from the file if None)
    check: str | None = None  # GitHub check-run or status context name
    required: bool = True
    timeout: float = 1800.0


DEFAULT_GATES = [
    Gate("lint", command="npm run lint", report="reports/eslint.json", format="eslint", check="lint"),
    Gate("test:mock", command="npm run test:mock", report="reports/junit-test-mock.xml", format="junit", check="test:mock"),
    Gate(
        "proxy-integration",
        command="npx jest tests/integration/openai-proxy-integration.test.ts",
        report="reports/junit-proxy-integration.xml",
        format="junit",
        check="proxy-integration",
    ),
]


@record
class Config:
    root: Path
    source: Path | None = None
    repository: str | None = None
    api_url: str = DEFAULT_API_URL
    docs: str = "docs/issues"
    releases: str = "docs/releases"
    templates: str | None = None
    default_branch: str = "main"
    # headings (prefixes, case-insensitive) whose task items are an issue's criteria
    criteria_headings: list[str] = factory(lambda: ["Acceptance", "Definition of done"])
    lint: dict = factory(dict)  # [lint] ignore = ["KIND [PATH-GLOB]", ...]
    packages: list[Package] = factory(list)
    gates: list[Gate] = factory(lambda: [Gate(**vars(g)) for g in DEFAULT_GATES])
    release: dict[str, Any] = factory(dict)  # the [release] table, read by releasing.release_settings

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


def _expect(value: Any, kind: type | tuple[type, ...], where: str, src: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool) and kind in (int, float)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise IssueFlowError(f"{src}: '{where}' must be a {names}")
    return value


def load_config(root: Path | None = None) -> Config:
    root = find_root() if root is None else Path(root)
    from issue_flow import fsutil

    fsutil.set_repository(root)
    fsutil.recover_if_interrupted(root)
    table, source = raw_config(root)
    src = source.name if source else "configuration"
    known = {"repository", "api_url", "docs", "releases", "templates", "default_branch", "packages", "gates", "release",
             "criteria_headings", "lint"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise IssueFlowError(f"{src}: unknown key(s) {', '.join(unknown)}")
    cfg = Config(root=root, source=source)
    for key in ("repository", "api_url", "docs", "releases", "templates", "default_branch"):
        if key in table:
            setattr(cfg, key, _expect(table[key], str, key, src))
    for key in ("docs", "releases", "templates"):
        value = getattr(cfg, key)
        if value is not None:
            _inside(root, value, key, src)
    if cfg.repository is None:
        cfg.repository = os.environ.get("GITHUB_REPOSITORY") or git_remote_repository(root)
    if "api_url" not in table and os.environ.get("GITHUB_API_URL"):
        cfg.api_url = os.environ["GITHUB_API_URL"]
    cfg.api_url = cfg.api_url.rstrip("/")
    if cfg.repository is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", cfg.repository):
        raise IssueFlowError(f"{src}: repository must look like owner/name, not {cfg.repository!r}")
    if "packages" in table:
        cfg.packages = [_package(p, i, src, root) for i, p in enumerate(_expect(table["packages"], list, "packages", src))]
    else:
        cfg.packages = detect_packages(root)
    if "release" in table:
        cfg.release = _expect(table["release"], dict, "release", src)
    if "lint" in table:
        lint = _expect(table["lint"], dict, "lint", src)
        unknown_lint = sorted(set(lint) - {"ignore"})
        if unknown_lint:
            raise IssueFlowError(f"{src}: unknown key(s) in [lint]: {', '.join(unknown_lint)} (known: ignore)")
        ignore = _expect(lint.get("ignore", []), list, "lint.ignore", src)
        if not all(isinstance(r, str) and r.strip() for r in ignore):
            raise IssueFlowError(f"{src}: lint.ignore must be a list of rules like \"dead-link docs/old/**\"")
        cfg.lint = {"ignore": ignore}
    if "criteria_headings" in table:
        heads = _expect(table["criteria_headings"], list, "criteria_headings", src)
        if not heads or not all(isinstance(h, str) and h.strip() for h in heads):
            raise IssueFlowError(f"{src}: 'criteria_headings' must be a list of heading prefixes (text)")
        cfg.criteria_headings = [h.strip() for h in heads]
    if "gates" in table:
        cfg.gates = [_gate(g, i, src, root) for i, g in enumerate(_expect(table["gates"], list, "gates", src))]
    return cfg


def _inside(root: Path, value: str, key: str, src: str) -> None:
    """Paths issue-flow reads and writes must lie inside the repository."""
    if not value.strip() or "\0" in value or Path(value).is_absolute() or ".." in Path(value).parts:
        raise IssueFlowError(f"{src}: '{key}' must be a path inside the repository, not {value!r}")
    if len(value) > 1024 or any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in Path(value).parts):
        raise IssueFlowError(f"{src}: '{key}' is too long a path ({len(value)} characters; a name may have 255 bytes)")
    try:
        resolved = os.path.realpath(root / value)
    except (OSError, ValueError) as exc:
        raise IssueFlowError(f"{src}: '{key}' is not a usable path ({exc})") from None
    if os.path.commonpath([resolved, os.path.realpath(root)]) != os.path.realpath(root):
        raise IssueFlowError(f"{src}: '{key}' leads outside the repository ({value!r})")


def _package(item: Any, i: int, src: str, root: Path) -> Package:
    item = _expect(item, dict, f"packages[{i}]", src)
    extra = set(item) - {"name", "manifest", "tag_prefix"}
    if extra or "manifest" not in item:
        raise IssueFlowError(f"{src}: packages[{i}] needs 'manifest' (and may have 'name', 'tag_prefix')")
    manifest = _expect(item["manifest"], str, f"packages[{i}].manifest", src)
    _inside(root, manifest, f"packages[{i}].manifest", src)
    name = _expect(item.get("name", short_name(manifest)), str, f"packages[{i}].name", src)
    prefix = _expect(item.get("tag_prefix", "v"), str, f"packages[{i}].tag_prefix", src)
    return Package(name=name, manifest=manifest, tag_prefix=prefix)


def _gate(item: Any, i: int, src: str, root: Path) -> Gate:
    item = _expect(item, dict, f"gates[{i}]", src)
    fields = {"name", "command", "report", "format", "check", "required", "timeout"}
    extra = set(item) - fields
    if extra or "name" not in item:
        raise IssueFlowError(f"{src}: gates[{i}] needs 'name' and may have {', '.join(sorted(fields - {'name'}))}")
    gate = Gate(name=_expect(item["name"], str, f"gates[{i}].name", src))
    for key in ("command", "report", "format", "check"):
        if key in item:
            setattr(gate, key, _expect(item[key], str, f"gates[{i}].{key}", src))
    if gate.report is not None:
        _inside(root, gate.report, f"gates[{i}].report", src)
    if "required" in item:
        gate.required = _expect(item["required"], bool, f"gates[{i}].required", src)
    if "timeout" in item:
        t = item["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
            raise IssueFlowError(f"{src}: gates[{i}].timeout must be a positive number of seconds, not {t!r}")
        gate.timeout = float(t)
    if gate.format not in (None, "junit", "jest-json", "eslint"):
        raise IssueFlowError(f"{src}: gates[{i}].format must be junit, jest-json or eslint")
    return gate


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
