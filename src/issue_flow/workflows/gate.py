"""Release gates: where each gate's result for a commit comes from, and what it says.

A gate (``config.Gate``) passes for a commit only on evidence about *that* commit.
Evidence, in the order it is looked for:

1. a result recorded for the SHA in ``.issue-flow/results/<sha>.json`` (written by
   ``issue-flow gate --run``, ``gate --record``, ``ci record``, or by CI itself);
2. with ``run=True`` and a configured command: running the command (exit code 0 =
   pass; the report file, when the run wrote it, gives the counts), which is recorded;
3. with a GitHub client: the commit's check run (else commit status) named
   ``gate.check``; one that has not completed is *pending*, which does not pass;
4. a result recorded for another commit only: *stale*, which does not pass;
5. nothing: *missing*.

This module judges (:func:`evaluate`) and shows (:func:`format_table`,
:func:`markdown_table`) the gates; it reads evidence and starts nothing. The pieces it
reads from live apart, so that judging gates loads only what it needs: the results
files in :mod:`~issue_flow.workflows.gate_results`, the running of a gate's command in
:mod:`~issue_flow.workflows.gate_run` (loaded for ``run``/``rerun`` only), the check runs
in :mod:`~issue_flow.workflows.gate_github` (loaded with a GitHub client only).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from issue_flow.adapters.process import Clock
from issue_flow.config import Config, Gate
from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record
from issue_flow.workflows.gate_results import SHA_PATTERN, read_results_file, check_sha, load_results, results_dir

STATUSES = ("pass", "fail", "missing", "stale", "pending")
_MAX_NAMES_SHOWN = 10
GITHUB_ERROR = "GitHub: "  # detail of a gate left missing because GitHub could not be asked

Echo = Callable[[str], None]


@record
class GateResult:
    name: str
    status: str
    required: bool = True
    tests: int | None = None
    failures: int | None = None
    errors: int | None = None
    skipped: int | None = None
    duration: float | None = None
    source: str = ""
    sha: str | None = None
    failed_names: list[str] = factory(list)
    detail: str = ""
    log: str | None = None  # the log of the run that gave the result, when it was run here

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: a duration that is not a finite number is null."""
        d = {name: getattr(self, name) for name in self.__match_args__}
        d["failed_names"] = list(d["failed_names"])
        if isinstance(d["duration"], float) and not math.isfinite(d["duration"]):
            d["duration"] = None
        return d


# --------------------------------------------------------------------------- evaluation


def result_from_entry(gate: Gate, entry: dict[str, Any], status: str, source: str) -> GateResult:
    """A :class:`GateResult` for ``gate`` from a recorded results entry."""
    return GateResult(
        name=gate.name,
        status=status,
        required=gate.required,
        tests=entry.get("tests"),
        failures=entry.get("failures"),
        errors=entry.get("errors"),
        skipped=entry.get("skipped"),
        duration=entry.get("duration"),
        source=source,
        sha=entry.get("sha"),
        failed_names=list(entry.get("failed_names") or []),
        detail=str(entry.get("detail") or ""),
        log=entry.get("log"),
    )


class _OtherCommits:
    """Results recorded for other commits, newest file first (for *stale*)."""

    def __init__(self, cfg: Config, sha: str):
        self.cfg = cfg
        self.sha = sha
        self._files: list[tuple[str, dict[str, dict[str, Any]]]] | None = None

    def files(self) -> list[tuple[str, dict[str, dict[str, Any]]]]:
        if self._files is None:
            found = []
            directory = results_dir(self.cfg)
            paths = directory.glob("*.json") if directory.is_dir() else []
            for path in paths:
                other = path.stem
                if other == self.sha or not SHA_PATTERN.fullmatch(other):
                    continue
                try:
                    found.append((path.stat().st_mtime_ns, other, read_results_file(path, str(path))))
                except IssueFlowError:
                    continue  # another commit's broken file is not this commit's problem
            found.sort(key=lambda x: x[0], reverse=True)
            self._files = [(other, data) for _, other, data in found]
        return self._files

    def latest(self, gate: Gate) -> tuple[str, dict[str, Any]] | None:
        for other, data in self.files():
            if gate.name in data:
                return other, data[gate.name]
        return None


def _stale(gate: Gate, other_sha: str, entry: dict[str, Any]) -> GateResult:
    res = result_from_entry(gate, entry, "stale", f"recorded for {other_sha[:12]}")
    res.sha = other_sha
    res.detail = f"it was {entry.get('status')} there"
    return res


def evaluate(
    cfg: Config,
    sha: str,
    github: Any = None,
    *,
    run: bool = False,
    rerun: bool | Iterable[str] = (),
    echo: Echo | None = None,
    verbose: bool = False,
    clock: Clock | None = None,
    pending: dict[str, dict[str, Any]] | None = None,
    ran: Iterable[str] = (),
) -> list[GateResult]:
    """The result of every configured gate for ``sha`` (see the module docstring).

    ``rerun`` (True for every gate, or some gate names; implies ``run``) runs a gate's
    command again even when a result is recorded for the commit, and records the new one
    (the runs are a plan of :class:`GateRun` applied by the executor first). ``pending``:
    entries a dry run would record, judged as if recorded; ``ran``: gates the caller's
    plan just ran (their source is "run").
    """
    check_sha(sha)
    if run or rerun:
        from issue_flow.plan import execute
        from issue_flow.workflows.gate_run import plan_gates

        plan = plan_gates(cfg, sha, run=True, rerun=rerun, echo=echo, verbose=verbose, clock=clock)
        execute(plan)
        ran = [*ran, *(a.gate.name for a in plan.calls)]
    done = set(ran)
    recorded = load_results(cfg, sha)
    recorded.update({n: dict(e, sha=sha) for n, e in (pending or {}).items()})
    gh = None
    if github is not None:
        from issue_flow.workflows.gate_github import GitHubView

        gh = GitHubView(github, sha)
    others = _OtherCommits(cfg, sha)
    results: list[GateResult] = []
    for gate in cfg.gates:
        entry = recorded.get(gate.name)
        stale: GateResult | None = None
        if entry is not None:
            entry_sha = entry.get("sha")
            if gate.name in done:
                results.append(result_from_entry(gate, entry, entry["status"], "run"))
                continue
            if entry_sha in (None, sha):
                source = f"recorded: {entry['source']}" if entry.get("source") else "recorded"
                results.append(result_from_entry(gate, dict(entry, sha=sha), entry["status"], source))
                continue
            stale = _stale(gate, entry_sha, entry)
        res = gh.result(gate) if gh is not None else None
        if res is not None:
            results.append(res)
            continue
        if stale is None:
            latest = others.latest(gate)
            if latest is not None:
                stale = _stale(gate, *latest)
        if stale is not None:
            results.append(stale)
            continue
        where = "nothing recorded" + (", no GitHub check" if gh is not None and gate.check else "")
        missing = GateResult(gate.name, "missing", gate.required, source=where, sha=sha)
        if gh is not None and gh.error and gate.check:
            missing.detail = f"{GITHUB_ERROR}{gh.error}"
        elif run and not gate.command:
            missing.detail = "no command configured"
        results.append(missing)
    return results


def github_unreachable(results: Iterable[GateResult]) -> str | None:
    """The GitHub error behind required gates left missing, if any (exit 2, not 1)."""
    for r in results:
        if r.required and r.status == "missing" and r.detail.startswith(GITHUB_ERROR):
            return r.detail[len(GITHUB_ERROR):]
    return None


def failing(results: Iterable[GateResult]) -> list[GateResult]:
    """The required gates that do not pass."""
    return [r for r in results if r.required and not r.passed]



# --------------------------------------------------------------------------- output


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def format_table(results: list[GateResult], sha: str | None = None) -> str:
    """One line per gate: ``lint  pass  tests=…  failures=…  skipped=…  duration=…s  (source)``."""
    lines = [f"gates for {sha[:12]}"] if sha else []
    if not results:
        lines.append("no gates configured")
        return "\n".join(lines)
    width = max(len(r.name) for r in results)
    for r in results:
        duration = "-" if r.duration is None else f"{r.duration:.1f}s"
        cols = [
            r.name.ljust(width),
            r.status.ljust(7),
            f"tests={_fmt(r.tests)}".ljust(11),
            f"failures={_fmt(r.failures)}".ljust(12),
        ]
        if r.errors:
            cols.append(f"errors={r.errors}")
        cols += [f"skipped={_fmt(r.skipped)}".ljust(11), f"duration={duration}".ljust(16)]
        note = r.source + (f"; {r.detail}" if r.detail else "")
        cols.append(f"({note})")
        if not r.required:
            cols.append("optional")
        lines.append("  ".join(cols).rstrip())
        for name in r.failed_names[:_MAX_NAMES_SHOWN]:
            lines.append(f"    failed: {name}")
        if len(r.failed_names) > _MAX_NAMES_SHOWN:
            lines.append(f"    … and {len(r.failed_names) - _MAX_NAMES_SHOWN} more")
    return "\n".join(lines)


def summary_message(results: list[GateResult], sha: str) -> str:
    bad = failing(results)
    return f"gates not passing for {sha[:12]}: " + ", ".join(f"{r.name} {r.status}" for r in bad)


def markdown_table(results: list[Any], sha: str, title: str) -> str:
    """The results as a Markdown table, for the GitHub Actions job summary."""
    icon = {"pass": "✅ pass", "fail": "❌ fail"}
    lines = [
        f"### {title} ({sha[:12]})",
        "",
        "| Gate | Result | Tests | Failures | Skipped | Duration |",
        "|---|---|---|---|---|---|",
    ]

    def fmt(v: Any) -> str:
        return "-" if v is None else str(v)

    for r in results:
        duration = "-" if r.duration is None else f"{r.duration:.1f}s"
        status = icon.get(r.status, f"⚠️ {r.status}")
        failures = None if r.failures is None else r.failures + (r.errors or 0)
        lines.append(f"| {r.name} | {status} | {fmt(r.tests)} | {fmt(failures)} | {fmt(r.skipped)} | {duration} |")
    return "\n".join(lines) + "\n"
