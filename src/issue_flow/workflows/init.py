"""The use-case of ``issue-flow init``: the configuration to write, as a plan, proposing what the
repository already has.

The configuration goes to ``.issue-flow.toml`` (or to ``[tool.issue-flow]`` of
``pyproject.toml`` with ``--pyproject``). It is written with tomlkit: a second ``init``
adds only the keys that are missing and keeps every value and comment the user wrote.

Proposed, from the repository's own files (nothing of them is changed):

- packages: the root ``package.json`` and ``packages/*/package.json`` (or a pyproject.toml);
- gates, from ``package.json`` scripts: ``lint``; ``test:mock``, else ``test``; a script
  whose name holds ``integration``, else (when the tests run with jest) the test files
  under ``tests/integration/``; a Python project without them gets ``python -m pytest``;
- each gate's GitHub check: the name of a job in ``.github/workflows/*.yml`` that looks
  like it (``Lint``, ``Jest Tests (Unit & Integration)``), as GitHub names its check runs.

Every key written carries a comment saying what it does: the help text of its field in
:mod:`issue_flow.config_fields` (a gate's ``command`` says how its runner is asked for a report).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issue_flow.config_fields import GATE_FIELDS
from issue_flow.errors import IssueFlowError

HEADER = "issue-flow configuration: see `issue-flow init --help`; every key is optional (its JSON Schema: `issue-flow init --schema`)"


# --------------------------------------------------------------------------- proposals


@dataclass
class Proposal:
    """A gate ``init`` proposes, with a comment for each of its keys."""

    name: str
    command: str
    check: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


def _package_json(root: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((root / "package.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def _script_runner(root: Path) -> tuple[str, str]:
    """(how a script is run, how `test` is run) for the repository's package manager."""
    if (root / "pnpm-lock.yaml").is_file():
        return "pnpm run {}", "pnpm test"
    if (root / "yarn.lock").is_file():
        return "yarn {}", "yarn test"
    return "npm run {}", "npm test"


_NO_TEST = re.compile(r"no test specified")


def workflow_jobs(root: Path) -> list[str]:
    """The check-run names of the jobs in ``.github/workflows/*.yml`` (their ``name:``, else the job id).

    Read line by line (no YAML library at run time): the keys under the top-level ``jobs:``
    and the ``name:`` at the first level inside each. Names holding an expression
    (``${{ matrix.x }}``) are left out: their check runs are named only at run time.
    """
    names: list[str] = []
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return names
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        in_jobs = False
        job_indent: int | None = None
        key_indent: int | None = None
        job: list[str] = []  # [id, name or id]
        found: list[list[str]] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip(" "))
            if indent == 0:
                in_jobs = re.match(r"jobs:\s*(#.*)?$", line) is not None
                job_indent = key_indent = None
                continue
            if not in_jobs:
                continue
            m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*):\s*(#.*)?$", line)
            if job_indent is None or indent <= job_indent:
                if m and (job_indent is None or indent == job_indent):
                    job_indent, key_indent = indent, None
                    job = [m.group(1), m.group(1)]
                    found.append(job)
                continue
            if key_indent is None:
                key_indent = indent
            if indent == key_indent:
                n = re.match(r"\s*name:\s*(.+?)\s*$", line)
                if n and job:
                    value = n.group(1)
                    if value[:1] in "\"'" and value[-1:] == value[:1]:
                        value = value[1:-1]
                    else:
                        value = re.sub(r"\s+#.*$", "", value)
                    job[1] = value
        for _, name in found:
            if "${{" not in name and name not in names:
                names.append(name)
    return names


def _match(jobs: list[str], words: tuple[str, ...], avoid: tuple[str, ...] = ()) -> str | None:
    for job in jobs:
        low = job.lower()
        if any(w in low for w in words) and not any(a in low for a in avoid):
            return job
    return None


def propose_gates(root: Path) -> list[Proposal]:
    """The gates the repository's own scripts and workflows suggest (see the module docstring)."""
    from issue_flow.workflows.gate_run import runner_of

    jobs = workflow_jobs(root)
    proposals: list[Proposal] = []
    doc = _package_json(root)
    scripts = doc.get("scripts") if doc else None
    scripts = {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(scripts, dict) else {}
    run, test = _script_runner(root)

    def note_for(command: str) -> str:
        found = runner_of(root, command)
        if found is None:
            return "run by `gate --run`; counts from its output's summary lines"
        tool = found[0]
        how = "--json --outputFile" if tool == "jest" else "-f json -o"
        return f"run by `gate --run`; it runs {tool}, which is asked for {how} under .issue-flow/reports/"

    if "lint" in scripts:
        proposals.append(Proposal("lint", run.format("lint"), _match(jobs, ("lint",))))
    test_script = "test:mock" if "test:mock" in scripts else ("test" if "test" in scripts and not _NO_TEST.search(scripts["test"]) else None)
    avoid = ("publish", "deploy", "e2e", "release")
    if test_script:
        command = test if test_script == "test" else run.format(test_script)
        proposals.append(Proposal(test_script, command, _match(jobs, ("test", "jest"), avoid)))
    integration = next((s for s in scripts if "integration" in s), None)
    if integration:
        proposals.append(Proposal(integration, run.format(integration), _match(jobs, ("integration",), avoid)))
    elif test_script and re.match(r"\s*(?:\S+=\S*\s+)*(?:npx\s+)?jest\b", scripts[test_script]):
        for folder in ("tests/integration", "test/integration", "__tests__/integration"):
            d = root / folder
            if d.is_dir() and any(d.rglob("*.test.*")):
                proposals.append(Proposal("integration", f"npx jest {folder}", _match(jobs, ("integration",), avoid)))
                break
    if not proposals and (root / "pyproject.toml").is_file() and ((root / "tests").is_dir() or (root / "test").is_dir()):
        proposals.append(Proposal("tests", "python -m pytest", _match(jobs, ("test",), avoid)))
    for p in proposals:
        p.notes.update(_helps(GATE_FIELDS, "name", "check", "required"))
        p.notes["command"] = note_for(p.command)  # more than the field's help: what its runner is asked for
    return proposals


# --------------------------------------------------------------------------- writing


def _helps(fields: tuple, *keys: str) -> dict[str, str]:
    """The comments init writes: each field's help text (``config_fields``)."""
    from issue_flow.config_fields import field

    return {k: field(k, fields).help for k in keys}


def _commented(value: Any, comment: str) -> Any:
    import tomlkit

    item = tomlkit.item(value)
    item.comment(comment)
    return item


def _fresh_table(cfg):
    import tomlkit

    from issue_flow.config_fields import FIELDS, field

    help = _helps(FIELDS, "repository", "api_url", "docs", "releases", "default_branch")
    table = tomlkit.table()
    if cfg.repository:
        table.add("repository", _commented(cfg.repository, help["repository"]))
    else:
        note = field("repository").default_note
        table.add(tomlkit.comment(f'repository = "owner/name"  # {help["repository"]} (default: {note})'))
    table.add(tomlkit.comment(f'api_url = {json.dumps(field("api_url").default)}  # {help["api_url"]}'))
    for key in ("docs", "releases", "default_branch"):
        table.add(key, _commented(getattr(cfg, key), help[key]))
    return table


def _packages(cfg):
    """The packages written by init (detected from the manifests present, workspaces included)."""
    from issue_flow.adapters.workspaces import discover_packages

    return discover_packages(cfg.root, cfg.packages)


def _packages_aot(packages):
    import tomlkit

    from issue_flow.config_fields import PACKAGE_FIELDS

    help = _helps(PACKAGE_FIELDS, "name", "manifest", "tag_prefix")
    arr = tomlkit.aot()
    for pkg in packages:
        t = tomlkit.table()
        for key in ("name", "manifest", "tag_prefix"):
            t.add(key, _commented(getattr(pkg, key), help[key]))
        arr.append(t)
    return arr


def _gates_aot(proposals: list[Proposal]):
    import tomlkit

    arr = tomlkit.aot()
    for p in proposals:
        t = tomlkit.table()
        t.add("name", _commented(p.name, p.notes["name"]))
        t.add("command", _commented(p.command, p.notes["command"]))
        if p.check:
            t.add("check", _commented(p.check, p.notes["check"]))
        t.add("required", _commented(True, p.notes["required"]))
        arr.append(t)
    return arr


def _no_check_comment(jobs: list[str]):
    import tomlkit

    if jobs:
        listed = ", ".join(json.dumps(j, ensure_ascii=False) for j in jobs)
        return tomlkit.comment(f"check = \"…\" on a gate names the GitHub check run that answers for it; jobs found: {listed}")
    return tomlkit.comment('check = "…" on a gate names the GitHub check run (workflow job name) that answers for it')


def plan_init(cfg, *, pyproject: bool):
    import tomlkit

    from issue_flow.config import CONFIG_FILE
    from issue_flow.plan import Plan

    root = cfg.root
    plan = Plan()
    if cfg.source is not None:
        path = cfg.source
    else:
        path = root / ("pyproject.toml" if pyproject else CONFIG_FILE)
    old = path.read_bytes() if path.is_file() else None
    try:
        doc = tomlkit.parse(old.decode("utf-8")) if old else tomlkit.document()
    except Exception as exc:  # tomlkit raises its own ParseError family
        raise IssueFlowError(f"{path.name}: malformed TOML ({exc})") from None
    if path.name == "pyproject.toml":
        tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
        if "issue-flow" not in tool:
            tool["issue-flow"] = tomlkit.table()
        table = tool["issue-flow"]
    else:
        table = doc
    fresh = _fresh_table(cfg)
    new_file = not table
    if new_file:
        if path.name != "pyproject.toml":
            doc.add(tomlkit.comment(HEADER))
        for key, value in fresh.value.body:
            if key is None:
                table.add(value)
            else:
                table.add(key.key, value)
    else:
        for key, value in fresh.items():
            if key not in table:
                table[key] = value
    packages = _packages(cfg)
    if "packages" not in table and packages:
        table["packages"] = _packages_aot(packages)
    if "gates" not in table:
        proposals = propose_gates(root)
        jobs = workflow_jobs(root)
        if proposals:
            if any(p.check is None for p in proposals):
                table.add(tomlkit.nl())
                table.add(_no_check_comment(jobs))
            table["gates"] = _gates_aot(proposals)
        elif new_file:
            table.add(tomlkit.nl())
            table.add(tomlkit.comment("no package.json scripts (lint, test) found to propose as gates; add them like:"))
            table.add(tomlkit.comment('[[gates]]  name = "tests"  command = "npm test"  check = "<workflow job name>"'))
    text = tomlkit.dumps(doc)
    if old and b"\r\n" in old and old.count(b"\r\n") == old.count(b"\n"):
        text = re.sub(r"(?<!\r)\n", "\r\n", text)  # a CRLF file gets CRLF lines
    new = text.encode("utf-8")
    plan.write(path, old, new, "issue-flow configuration")
    return plan, path


def next_step(cfg, path: Path) -> str:
    rel = path.relative_to(cfg.root).as_posix() if path.is_relative_to(cfg.root) else str(path)
    return (
        f"next: review {rel}, commit it (git add {rel} && git commit -m 'issue-flow configuration'), "
        "then run `issue-flow gate --run`"
    )
