"""The configuration described once: every key with its type, default and help text.

The keys used to be listed in the loader, in ``init`` (with a comment per key), in the
README and in the ``[release]`` settings, and the lists disagreed. Everything now comes
from :data:`FIELDS`:

- :func:`validate`, which :func:`issue_flow.config.load_config` calls: types, required
  keys, paths inside the repository, and unknown keys, answered with "did you mean" when a
  known key is close (an unknown key is an error, exit 2: a mistyped ``requried = false``
  that were only warned about would leave a gate required and stop a release later);
- the comment ``init`` writes beside each key (the field's ``help``);
- the JSON Schema (draft 2020-12) shipped as ``schema/issue-flow.schema.json`` for editors
  (:func:`schema_text`; a test checks the shipped file is the generated one).

Nothing here imports anything heavy: the configuration is loaded by every command.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from issue_flow.errors import IssueFlowError
from issue_flow.records import record

SCHEMA_FILE = Path(__file__).parent / "schema" / "issue-flow.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
REPOSITORY_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"  # ASCII, as GitHub names are (and as JSON Schema's \w is)

# kinds: the TOML value each holds, the Python type named in error messages, the JSON Schema type
PYTHON_TYPES: dict[str, type] = {"string": str, "boolean": bool, "number": float, "strings": list, "table": dict, "tables": list}
_JSON_TYPES = {"string": "string", "boolean": "boolean", "number": "number", "strings": "array", "table": "object", "tables": "array"}


@record
class Field:
    """One key: ``kind`` is string, boolean, number, strings (a list of text), table or tables
    (an array of tables, ``[[gates]]``); ``fields`` are a table's own keys."""

    key: str
    kind: str
    help: str  # the comment init writes and the schema's description
    default: Any = None
    default_note: str | None = None  # a default found at load time rather than a constant
    fields: tuple = ()
    required: bool = False  # a key every table of an array of tables must have
    choices: tuple = ()
    path: bool = False  # a path (or, for strings, paths) inside the repository
    positive: bool = False
    unit: str = ""
    min_items: int = 0
    blank_items: bool = True  # whether the items of a strings field may be blank
    error: str | None = None  # the message for a list whose items are not fit
    pattern: str | None = None


DEFAULT_GATES: list[dict[str, Any]] = [
    {"name": "lint", "command": "npm run lint", "report": "reports/eslint.json", "format": "eslint", "check": "lint",
     "required": True, "timeout": 1800.0},
    {"name": "test:mock", "command": "npm run test:mock", "report": "reports/junit-test-mock.xml", "format": "junit",
     "check": "test:mock", "required": True, "timeout": 1800.0},
    {"name": "proxy-integration", "command": "npx jest tests/integration/openai-proxy-integration.test.ts",
     "report": "reports/junit-proxy-integration.xml", "format": "junit", "check": "proxy-integration",
     "required": True, "timeout": 1800.0},
]

PACKAGE_FIELDS = (
    Field("name", "string", "the name in tags, outputs (version-<name>) and --package",
          default_note="the manifest's folder name, root for a manifest at the root"),
    Field("manifest", "string", "the file whose version is bumped (its lock file too)", required=True, path=True),
    Field("tag_prefix", "string", "a tag is this prefix and the version (v: v1.2.3)", default="v"),
)

GATE_FIELDS = (
    Field("name", "string", "the gate's name in tables, TRACKING evidence and `gate --rerun NAME`", required=True),
    Field("command", "string", "run by `gate --run`; counts from its report, else from its output's summary lines"),
    Field("report", "string", "a report file read for the result instead of the command's output", path=True),
    Field("format", "string", "the report's format", choices=("junit", "jest-json", "eslint"),
          default_note="guessed from the file"),
    Field("check", "string", "the GitHub check run (a workflow job's name) or status context that also answers for this gate"),
    Field("required", "boolean", "a required gate that does not pass stops `release`", default=True),
    Field("timeout", "number", "how long the command may run, in seconds", default=1800.0, positive=True, unit="seconds"),
)

RELEASE_FIELDS = (
    Field("folder", "string", "the release docs folder under <releases> ({version}, {name}, {component})", default="v{version}"),
    Field("other_folder", "string", "the folder when the component is not released", default="{name}-v{version}"),
    Field("package_structure", "boolean", "also render PACKAGE-STRUCTURE.md into the release docs", default=False),
    Field("locks", "strings", "more lock files whose entry of a released package is bumped", default=[], path=True,
          error="'release.locks' must be a list of paths"),
    Field("report_locks", "boolean", "report other tracked locks that still hold a released package's old version", default=True),
    Field("registry", "string", "the npm registry `published` and `close` ask", default_note="npm's own"),
    Field("close_published_only", "boolean", "`close` names only versions the registry has", default=False),
)

FIELDS = (
    Field("repository", "string", "GitHub owner/name; --repo overrides it",
          default_note="GITHUB_REPOSITORY, else the GitHub origin remote", pattern=REPOSITORY_PATTERN),
    Field("api_url", "string", "the GitHub REST API: https://HOST/api/v3 on Enterprise Server, https://api.NAME.ghe.com on GHE.com",
          default="https://api.github.com", default_note="GITHUB_API_URL, else https://api.github.com"),
    Field("docs", "string", "one folder per issue: <docs>/ISSUE-N/", default="docs/issues", path=True),
    Field("releases", "string", "release notes: <releases>/vX.Y.Z/", default="docs/releases", path=True),
    Field("templates", "string", "a folder whose templates override the built-in ones file by file", path=True,
          default_note="the built-in templates"),
    Field("default_branch", "string", "the branch closure comments link to", default="main"),
    Field("criteria_headings", "strings", "headings (prefixes, case-insensitive) whose task items are an issue's criteria",
          default=["Acceptance", "Definition of done"], min_items=1, blank_items=False,
          error="'criteria_headings' must be a list of heading prefixes (text)"),
    Field("lint", "table", "what lint reports", default={}, fields=(
        Field("ignore", "strings", 'findings not reported: "KIND [PATH-GLOB]"', default=[], blank_items=False,
              error='lint.ignore must be a list of rules like "dead-link docs/old/**"'),
    )),
    Field("packages", "tables", "the versioned packages; the first is the component, whose version names a release",
          default_note="package.json and packages/*/package.json, else pyproject.toml", fields=PACKAGE_FIELDS),
    Field("gates", "tables", "what must pass before a release", default=DEFAULT_GATES, fields=GATE_FIELDS),
    Field("release", "table", "how release writes versions, locks and release docs", default={}, fields=RELEASE_FIELDS),
)


def field(key: str, fields: tuple = FIELDS) -> Field:
    for f in fields:
        if f.key == key:
            return f
    raise KeyError(key)


def fresh(value: Any) -> Any:
    """A copy of a TOML value whose lists and tables are new (``copy`` costs an import at start-up)."""
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh(v) for v in value]
    return value


def default_of(f: Field) -> Any:
    """A fresh copy of the field's default (lists and tables are never shared)."""
    return fresh(f.default)


def defaults(fields: tuple) -> dict[str, Any]:
    return {f.key: default_of(f) for f in fields}


# --------------------------------------------------------------------------- validation


def validate(table: dict[str, Any], src: str, root: Path) -> None:
    """Check a configuration table against :data:`FIELDS`; the first problem is a one-line error."""
    _check_table(table, FIELDS, "", "", src, root)


def _check_table(table: dict, fields: tuple, label: str, prefix: str, src: str, root: Path) -> None:
    """``label`` names the table in messages on unknown keys (``[release]``, ``gates[0]``);
    ``prefix`` starts the name of each of its keys (``release.``, ``gates[0].``)."""
    known = [f.key for f in fields]
    unknown = [k for k in table if k not in known]
    if unknown:
        raise IssueFlowError(f"{src}: " + "; ".join(_unknown(k, known, label) for k in unknown))
    for f in fields:
        if f.key in table:
            _check_value(f, table[f.key], prefix + f.key, src, root)


def _unknown(key: str, known: list[str], label: str) -> str:
    import difflib

    where = f" in {label}" if label else ""
    folded = {k.lower().replace("-", "_"): k for k in known}
    close = difflib.get_close_matches(str(key).lower().replace("-", "_"), list(folded), n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}{where} (did you mean {folded[close[0]]!r}?)"
    return f"unknown key {key!r}{where} (known: {', '.join(known)})"


def _expect(value: Any, kind: type, where: str, src: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise IssueFlowError(f"{src}: '{where}' must be a {kind.__name__}")
    return value


def _check_value(f: Field, value: Any, where: str, src: str, root: Path) -> None:
    if f.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (f.positive and value <= 0):
            unit = f" of {f.unit}" if f.unit else ""
            raise IssueFlowError(f"{src}: {where} must be a {'positive ' if f.positive else ''}number{unit}, not {value!r}")
        return
    _expect(value, PYTHON_TYPES[f.kind], where, src)
    if f.kind == "string":
        if f.choices and value not in f.choices:
            raise IssueFlowError(f"{src}: {where} must be {', '.join(f.choices[:-1])} or {f.choices[-1]}")
        if f.path:
            inside(root, value, where, src)
    elif f.kind == "strings":
        fit = len(value) >= f.min_items and all(isinstance(v, str) and (f.blank_items or v.strip()) for v in value)
        if not fit:
            raise IssueFlowError(f"{src}: {f.error or repr(where) + ' must be a list of text'}")
        if f.path:
            for i, v in enumerate(value):
                inside(root, v, f"{where}[{i}]", src)
    elif f.kind == "table":
        _check_table(value, f.fields, f"[{where}]", f"{where}.", src, root)
    elif f.kind == "tables":
        for i, item in enumerate(value):
            _expect(item, dict, f"{where}[{i}]", src)
            _check_table(item, f.fields, f"{where}[{i}]", f"{where}[{i}].", src, root)
            missing = [g.key for g in f.fields if g.required and g.key not in item]
            if missing:
                may = ", ".join(repr(g.key) for g in f.fields if not g.required)
                raise IssueFlowError(f"{src}: {where}[{i}] needs {', '.join(map(repr, missing))} (and may have {may})")


def inside(root: Path, value: str, key: str, src: str) -> None:
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


# --------------------------------------------------------------------------- JSON Schema


def _schema_of(f: Field) -> dict[str, Any]:
    note = f" (default: {f.default_note})" if f.default_note else ""
    s: dict[str, Any] = {"description": f.help + note, "type": _JSON_TYPES[f.kind]}
    if f.kind == "string":
        if f.choices:
            s["enum"] = list(f.choices)
        if f.pattern:
            s["pattern"] = f.pattern
        if f.path:
            s["minLength"] = 1
    elif f.kind == "number" and f.positive:
        s["exclusiveMinimum"] = 0
    elif f.kind == "strings":
        s["items"] = {"type": "string", **({} if f.blank_items and not f.path else {"minLength": 1})}
        if f.min_items:
            s["minItems"] = f.min_items
    elif f.kind in ("table", "tables"):
        obj: dict[str, Any] = {"type": "object", "properties": {g.key: _schema_of(g) for g in f.fields}}
        required = [g.key for g in f.fields if g.required]
        if required:
            obj["required"] = required
        obj["additionalProperties"] = False
        if f.kind == "table":
            s.update({k: v for k, v in obj.items() if k != "type"})
        else:
            s["items"] = obj
    if f.default is not None:
        s["default"] = default_of(f)
    return s


def schema() -> dict[str, Any]:
    """The JSON Schema of the configuration, from :data:`FIELDS`."""
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "issue-flow configuration",
        "description": "issue-flow's configuration: .issue-flow.toml at the repository root, "
        "or [tool.issue-flow] in pyproject.toml. Every key is optional.",
        "type": "object",
        "properties": {f.key: _schema_of(f) for f in FIELDS},
        "additionalProperties": False,
    }


def schema_text() -> str:
    import json

    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    """Regenerate the shipped schema after changing :data:`FIELDS`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path
