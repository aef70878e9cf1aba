"""Running a gate's command for a commit: what to run, where its counts come from, its log.

Why a module of its own: running is the one part of the gates that starts processes
and writes logs; judging the gates (:mod:`issue_flow.workflows.gate`) reads evidence
only, so ``gate`` without ``--run`` and the release's gate check never load this module.
The process itself (process group, timeout, kill, redaction) is
:mod:`issue_flow.adapters.process`. Split from ``workflows/gate.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
from pathlib import Path
from typing import Any, Callable, Iterable

from issue_flow import fsutil
from issue_flow.adapters import process
from issue_flow.adapters.process import REAL_CLOCK, Clock, tail
from issue_flow.config import Config, Gate
from issue_flow.errors import IssueFlowError
from issue_flow.plan import Action, Plan
from issue_flow.records import record
from issue_flow.workflows.gate_results import GateRecord, make_entry, private_dir, rel_path, check_sha, load_results
from issue_flow.workflows.gate_results import read_reports, results_path, save_results

Echo = Callable[[str], None]
PROGRESS_SECONDS = 10.0  # how often "still running" is said

_SHELL_META = re.compile(r"[;&|<>`$(){}\n\\*?]")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")
_NPM_RUN = {"run", "run-script", "rum", "urn"}
_NPM_TEST = {"test", "t", "tst"}
RUNNER_ARGS = {  # runner -> (report format, the arguments that make it write one)
    "jest": ("jest-json", "--json --outputFile={path}"),
    "eslint": ("eslint", "-f json -o {path}"),
}
_FORMAT_RUNNER = {"jest-json": "jest", "eslint": "eslint"}


@record
class GateRun(Action):
    """Run a gate's command, write its log, record its result (a plan action).

    A failing gate is a result, not a failed action; a command that cannot start, or a
    run ended by SIGTERM, is (nothing is recorded then)."""

    cfg: Config
    gate: Gate
    sha: str
    echo: Any = None
    verbose: bool = False
    clock: Any = None

    kind = "gate-run"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"run of gate {self.gate.name}"

    def _paths(self) -> tuple[str, str]:
        return rel_path(self.cfg, log_path(self.cfg, self.gate, self.sha)), rel_path(self.cfg, results_path(self.cfg, self.sha))

    def describe(self, root: Path | None = None) -> str:
        log, results = self._paths()
        command = prepare(self.cfg, self.gate, self.sha).command
        return (
            f"run gate {self.gate.name}: {command}\n"
            f"write {log}  (its output, tokens redacted)\n"
            f"record its result for {self.sha[:12]} in {results}"
        )

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        log, results = self._paths()
        command = prepare(self.cfg, self.gate, self.sha).command
        return {"action": self.kind, "gate": self.gate.name, "command": command, "sha": self.sha, "log": log, "path": results}

    def apply(self) -> dict[str, Any]:
        entry = run_gate(self.cfg, self.gate, self.sha, self.echo, verbose=self.verbose, clock=self.clock)
        save_results(self.cfg, self.sha, {self.gate.name: entry})
        self.result = entry
        return entry



def plan_gates(
    cfg: Config,
    sha: str,
    *,
    record: bool = False,
    run: bool = False,
    rerun: bool | Iterable[str] = (),
    echo: Echo | None = None,
    verbose: bool = False,
    clock: Clock | None = None,
) -> Plan:
    """What ``gate --record --run`` does for ``sha``, as a plan: first the report files
    recorded (:class:`GateRecord`), then a :class:`GateRun` for each gate with a command
    that has no result for the commit (or that ``rerun`` names)."""
    check_sha(sha)
    again = rerun_names(cfg, rerun)
    plan = Plan(root=cfg.root)
    recorded = {n: e for n, e in load_results(cfg, sha).items() if e.get("sha") in (None, sha)}
    if record:
        entries = read_reports(cfg, sha)
        if entries:
            plan.add(GateRecord(cfg, sha, entries))
            recorded.update(entries)
    if run or again:
        for gate in cfg.gates:
            if gate.command and (gate.name in again or gate.name not in recorded):
                plan.add(GateRun(cfg, gate, sha, echo, verbose, clock))
    return plan



def log_path(cfg: Config, gate: Gate, sha: str) -> Path:
    return cfg.state_dir / "logs" / f"{_safe(gate.name)}-{sha[:12]}.log"


def own_report_path(cfg: Config, gate: Gate, sha: str) -> Path:
    """Where issue-flow asks a gate's runner to write its report (under ``.issue-flow/``)."""
    return cfg.state_dir / "reports" / f"{_safe(gate.name)}-{sha[:12]}.json"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "gate"



def _words(command: str) -> list[str] | None:
    """The words of a simple command, or None when it is more than one (pipes, &&, $…)."""
    if _SHELL_META.search(command):
        return None
    try:
        return shlex.split(command)
    except ValueError:
        return None


def _tool(words: list[str]) -> str | None:
    """``jest`` or ``eslint`` when the simple command ``words`` runs one of them."""
    i = 0
    while i < len(words) and _ASSIGNMENT.fullmatch(words[i]):
        i += 1
    if i < len(words) and os.path.basename(words[i]) == "cross-env":
        i += 1
        while i < len(words) and _ASSIGNMENT.fullmatch(words[i]):
            i += 1
    if i < len(words) and words[i] == "npx":
        i += 1
        while i < len(words) and words[i].startswith("-"):
            i += 1
    if i < len(words):
        name = os.path.basename(words[i])
        if name in RUNNER_ARGS:
            return name
    return None


def _scripts(root: Path) -> dict[str, str]:
    try:
        doc = json.loads((root / "package.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}


def package_script(words: list[str]) -> tuple[str, str] | None:
    """(script name, how extra arguments are passed) of ``npm run X``, ``yarn X``, ``pnpm X``."""
    if len(words) < 2:
        return None
    manager, sub, rest = words[0], words[1], words[2:]
    if manager == "npm":
        if sub in _NPM_TEST:
            name = "test"
        elif sub in _NPM_RUN and rest and not rest[0].startswith("-"):
            name = rest[0]
        else:
            return None
        return name, ("" if "--" in words else "-- ")
    if manager in ("yarn", "pnpm"):
        if sub == "run":
            if not rest or rest[0].startswith("-"):
                return None
            return rest[0], ""
        if sub.startswith("-"):
            return None
        return sub, ""
    return None


def runner_of(root: Path, command: str) -> tuple[str, str] | None:
    """(runner, argument separator) when ``command`` runs jest or ESLint and can take arguments.

    ``npm run lint`` whose script is ``eslint src --ext .ts,.tsx`` runs ESLint and takes
    them after ``--``; ``npx jest tests/x.test.ts`` runs jest and takes them as they are.
    Anything that is not one simple command (``a && b``, pipes, substitutions) is left as
    written: its counts come from its output's summary lines.
    """
    words = _words(command)
    if not words:
        return None
    tool = _tool(words)
    if tool is not None:
        return tool, ""
    script = package_script(words)
    if script is None:
        return None
    text = _scripts(root).get(script[0])
    inner = _words(text) if text else None
    tool = _tool(inner) if inner else None
    return (tool, script[1]) if tool else None


@record
class Prepared:
    """What ``gate --run`` runs for a gate, and where the counts come from."""

    command: str
    report: Path | None = None
    format: str | None = None
    own_report: bool = False  # issue-flow asked the runner for it (under .issue-flow/reports)


def prepare(cfg: Config, gate: Gate, sha: str) -> Prepared:
    """The command to run for ``gate`` and where its counts will be read.

    1. A configured ``report``: the command as written, its report read after the run.
    2. A command that runs jest or ESLint (directly, or through an npm/yarn/pnpm script):
       issue-flow adds ``--json --outputFile=…`` (jest) or ``-f json -o …`` (ESLint) with a
       path under ``.issue-flow/reports/``, so the repository's own scripts give counts
       without a reporter in package.json.
    3. Otherwise the closing summary lines of its output (jest, node --test, pytest, mocha).
    """
    if not gate.command:
        raise IssueFlowError(f"gate {gate.name!r} has no command to run")
    if gate.report:
        return Prepared(gate.command, cfg.root / gate.report, gate.format)
    found = runner_of(cfg.root, gate.command)
    if found is None and gate.format in _FORMAT_RUNNER:
        words = _words(gate.command)
        script = package_script(words) if words else None
        if words:
            found = (_FORMAT_RUNNER[gate.format], script[1] if script else "")
    if found is None:
        return Prepared(gate.command)
    tool, separator = found
    fmt, template = RUNNER_ARGS[tool]
    path = own_report_path(cfg, gate, sha)
    args = template.format(path=shlex.quote(rel_path(cfg, path)))
    return Prepared(f"{gate.command} {separator}{args}", path, fmt, own_report=True)


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)



_NOT_FOUND = re.compile(r"(?:^|\s)\S*sh(?:: line \d+|: \d+)?: ([^\s:]+): (?:command )?not found\s*$", re.MULTILINE)


def explain_exit(code: int | None, log_text: str) -> str:
    """The detail shown for a failed command: 127 is named for what it is."""
    if code == 127:
        m = _NOT_FOUND.search(log_text)
        what = f"command not found: {m.group(1)}" if m else "command not found (exit code 127)"
        return f"{what} — are the dependencies installed? (npm ci)"
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"



def _counts_text(summary: Any) -> str:
    if summary is None:
        return ""
    parts = [f"{summary.tests} {'files' if summary.format == 'eslint' else 'tests'}"]
    parts.append(f"{summary.failures} {'errors' if summary.format == 'eslint' else 'failures'}")
    if summary.skipped:
        parts.append(f"{summary.skipped} skipped")
    return " (" + ", ".join(parts) + ")"


def run_gate(
    cfg: Config,
    gate: Gate,
    sha: str,
    echo: Echo | None = None,
    *,
    verbose: bool = False,
    clock: Clock | None = None,
    progress_every: float = PROGRESS_SECONDS,
) -> dict[str, Any]:
    """Run the gate's command in the repository root and return its result entry.

    Output (stdout and stderr) goes to ``.issue-flow/logs/<gate>-<sha12>.log`` (and, with
    ``verbose``, to ``echo`` line by line); ``echo`` also hears the start, a line every
    ``progress_every`` seconds with the time elapsed, the end, and the log's last lines on
    failure. The command runs in its own process group, so a timeout, Ctrl-C or a SIGTERM
    sent to issue-flow ends it and its children (and the interrupted result is not
    recorded). Counts come from :func:`prepare`'s source: a report left over from an
    earlier run says nothing about this one and is not read.
    """
    clock = clock or REAL_CLOCK
    prep = prepare(cfg, gate, sha)
    log = log_path(cfg, gate, sha)
    fsutil.resolve_target(log, cfg.root)  # the log stays in the repository, links followed
    private_dir(log.parent)
    if prep.own_report and prep.report is not None:
        private_dir(prep.report.parent)
        try:
            prep.report.unlink()
        except FileNotFoundError:
            pass
    before = _stamp(prep.report)
    say = echo or (lambda _msg: None)
    say(f"{gate.name}: {prep.command}  (log: {rel_path(cfg, log)})")
    tokens = process.secrets()
    try:
        code, timed_out, elapsed = process.run_logged(
            prep.command, cwd=cfg.root, log=log, timeout=gate.timeout, label=gate.name, say=say,
            clock=clock, progress_every=progress_every, verbose=verbose, tokens=tokens,
        )
    except process.NotStarted as exc:
        raise IssueFlowError(f"gate {gate.name!r}: cannot start its command ({exc.strerror})") from None
    except process.Terminated:
        raise IssueFlowError(f"gate {gate.name!r}: terminated (SIGTERM); its command was stopped, nothing recorded") from None
    process.redact_file(log)
    log_text = log.read_bytes().decode("utf-8", "replace")
    details = []
    if timed_out:
        details.append(f"timed out after {gate.timeout:g}s")
    elif code != 0:
        details.append(explain_exit(code, log_text))
    summary = None
    from issue_flow.adapters.reports import parse_report, parse_summary

    if prep.report is not None and _stamp(prep.report) != before and prep.report.is_file():
        try:
            summary = parse_report(prep.report, prep.format)
        except IssueFlowError as exc:
            details.append(f"report unreadable: {exc.message}")
    if summary is None:
        summary = parse_summary(log_text)
    status = "pass" if code == 0 and not timed_out else "fail"
    entry = make_entry(status, sha=sha, source="run", summary=summary, duration=elapsed, detail="; ".join(details))
    if summary is not None and summary.duration_s is None:
        entry["duration"] = round(elapsed, 3)
    entry["log"] = rel_path(cfg, log)
    entry["command"] = prep.command
    note = f"; {entry['detail']}" if entry.get("detail") else ""
    say(f"{gate.name}: {status} in {elapsed:.1f}s{_counts_text(summary)}{note}")
    if status == "fail":
        rows = tail(process.redact_bytes(log_text.encode("utf-8"), tokens).decode("utf-8", "replace"))
        if rows:
            say(f"  last {len(rows)} lines of {rel_path(cfg, log)}:")
            for row in rows:
                say(f"  | {row}")
    return entry


def rerun_names(cfg: Config, rerun: bool | Iterable[str]) -> set[str]:
    """The gates ``rerun`` names (True: every gate with a command); unknown names are bad input."""
    if rerun is True:
        return {g.name for g in cfg.gates if g.command}
    if not rerun:
        return set()
    names = set(rerun)
    known = {g.name: g for g in cfg.gates}
    unknown = sorted(names - set(known))
    if unknown:
        raise IssueFlowError(f"--rerun: no gate named {', '.join(map(repr, unknown))} (configured: {', '.join(known) or 'none'})")
    without = sorted(n for n in names if not known[n].command)
    if without:
        raise IssueFlowError(f"--rerun: gate {', '.join(map(repr, without))} has no command to run")
    return names
