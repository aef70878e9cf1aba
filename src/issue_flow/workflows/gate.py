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

The results file is JSON: ``{gate name: {status, tests, failures, errors, skipped,
duration, source, sha, failed_names}}`` with ``status`` ``pass`` or ``fail``; the
other fields may be null. A report file carries no SHA, so :func:`record_from_reports`
binds it to the SHA it is given (the caller passes HEAD at record time).
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from issue_flow import fsutil
from issue_flow.config import Config, Gate
from issue_flow.errors import IssueFlowError
from issue_flow.plan import Action, Plan, execute
from issue_flow.records import factory, record

STATUSES = ("pass", "fail", "missing", "stale", "pending")
RECORDED_STATUSES = ("pass", "fail")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_MAX_NAMES_SHOWN = 10
# Check-run conclusions that satisfy a gate, as they satisfy a required check on GitHub.
PASSING_CONCLUSIONS = ("success", "neutral", "skipped")
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


# --------------------------------------------------------------------------- results files


def check_sha(sha: str) -> str:
    """A full hexadecimal commit SHA (it names a file, so nothing else is accepted)."""
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise IssueFlowError(f"not a full commit SHA: {sha!r}")
    return sha


def results_dir(cfg: Config) -> Path:
    return cfg.state_dir / "results"


def results_path(cfg: Config, sha: str) -> Path:
    return results_dir(cfg) / f"{check_sha(sha)}.json"


def _rel(cfg: Config, path: Path) -> str:
    try:
        return path.relative_to(cfg.root).as_posix()
    except ValueError:
        return str(path)


def _validate_entry(name: str, entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise IssueFlowError(f"{where}: gate {name!r}: expected an object")
    status = entry.get("status")
    if status not in RECORDED_STATUSES:
        raise IssueFlowError(f"{where}: gate {name!r}: status must be pass or fail, not {status!r}")
    for key in ("tests", "failures", "errors", "skipped"):
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise IssueFlowError(f"{where}: gate {name!r}: {key} must be an integer or null")
    duration = entry.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration) or duration < 0
    ):
        raise IssueFlowError(f"{where}: gate {name!r}: duration must be a finite number of seconds or null, not {duration!r}")
    names = entry.get("failed_names", [])
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise IssueFlowError(f"{where}: gate {name!r}: failed_names must be a list of strings")
    for key in ("sha", "source", "log", "command", "detail"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise IssueFlowError(f"{where}: gate {name!r}: {key} must be a string")
    return entry


def _read_results_file(path: Path, where: str) -> dict[str, dict[str, Any]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise IssueFlowError(f"{where}: cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise IssueFlowError(f"{where}: malformed gate results (not JSON)") from None
    if not isinstance(doc, dict):
        raise IssueFlowError(f"{where}: malformed gate results (expected an object of gate name -> result)")
    return {name: _validate_entry(name, entry, where) for name, entry in doc.items()}


def load_results(cfg: Config, sha: str) -> dict[str, dict[str, Any]]:
    """The results recorded for ``sha`` (empty when none); a malformed file is an error."""
    path = results_path(cfg, sha)
    return _read_results_file(path, _rel(cfg, path))


def save_results(cfg: Config, sha: str, entries: dict[str, dict[str, Any]]) -> Path:
    """Merge ``entries`` into the results file of ``sha`` (atomic, under the repo lock)."""
    path = results_path(cfg, sha)
    _private_dir(path.parent)
    with fsutil.repo_lock(cfg.root):
        current = _read_results_file(path, _rel(cfg, path))
        for name, entry in entries.items():
            current[name] = _validate_entry(name, dict(entry, sha=sha), _rel(cfg, path))
        data = (json.dumps(current, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        fsutil.atomic_write(path, data)
    return path


def _entry(status: str, *, sha: str, source: str, summary: Any = None, duration: float | None = None, detail: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": status,
        "tests": None,
        "failures": None,
        "errors": None,
        "skipped": None,
        "duration": None if duration is None else round(duration, 3),
        "source": source,
        "sha": sha,
        "failed_names": [],
    }
    if summary is not None:
        entry.update(
            tests=summary.tests,
            failures=summary.failures,
            errors=summary.errors,
            skipped=summary.skipped,
            failed_names=list(summary.failed_names),
            suites=summary.suites,  # for evidence text ("96 suites, 922 tests"); extra keys are kept as is
            format=summary.format,
        )
        if summary.duration_s is not None:
            entry["duration"] = round(summary.duration_s, 3)
    if detail:
        entry["detail"] = detail
    return entry


def read_reports(cfg: Config, sha: str, gates: Iterable[Gate] | None = None) -> dict[str, dict[str, Any]]:
    """The result entry, for ``sha``, of every gate whose report file exists (nothing saved).

    A report file carries no SHA: the caller binds it to the commit it names, which must
    be the commit the reports were produced from (HEAD at record time). A malformed
    report raises IssueFlowError naming the file.
    """
    from issue_flow.adapters.reports import parse_report

    check_sha(sha)
    out: dict[str, dict[str, Any]] = {}
    for gate in cfg.gates if gates is None else gates:
        if not gate.report:
            continue
        path = cfg.root / gate.report
        if not path.is_file():
            continue
        summary = parse_report(path, gate.format)
        status = "pass" if summary.passed else "fail"
        out[gate.name] = _entry(status, sha=sha, source=f"report {gate.report}", summary=summary)
    return out


def record_from_reports(cfg: Config, sha: str, gates: Iterable[Gate] | None = None) -> dict[str, dict[str, Any]]:
    """Record, for ``sha``, the result of every gate whose report file exists (see
    :func:`read_reports`); returns the recorded entries."""
    recorded = read_reports(cfg, sha, gates)
    if recorded:
        GateRecord(cfg, sha, recorded).apply()
    return recorded


@record
class GateRecord(Action):
    """Gate results merged into ``.issue-flow/results/<sha>.json`` (a plan action).

    Already done when the file holds these very entries for the commit."""

    cfg: Config
    sha: str
    entries: dict

    kind = "gate-record"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"gate results of {', '.join(self.entries)}"

    def describe(self, root: Path | None = None) -> str:
        where = _rel(self.cfg, results_path(self.cfg, self.sha))
        return f"record gate results {', '.join(self.entries)} for {self.sha[:12]} in {where}"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        where = _rel(self.cfg, results_path(self.cfg, self.sha))
        return {"action": self.kind, "sha": self.sha, "gates": list(self.entries), "path": where,
                "status_of": {name: e.get("status") for name, e in self.entries.items()}}

    def already_done(self) -> bool:
        current = load_results(self.cfg, self.sha)
        return all(current.get(name) == dict(e, sha=self.sha) for name, e in self.entries.items())

    def apply(self) -> Path:
        self.result = save_results(self.cfg, self.sha, self.entries)
        return self.result


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
        return _rel(self.cfg, log_path(self.cfg, self.gate, self.sha)), _rel(self.cfg, results_path(self.cfg, self.sha))

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


# --------------------------------------------------------------------------- running


class Clock:
    """Time as the gate runner sees it; tests pass one that does not wait."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_CLOCK = Clock()
POLL_SECONDS = 0.05  # how often a running command is looked at
PROGRESS_SECONDS = 10.0  # how often "still running" is said
TAIL_LINES = 20  # lines of the log shown when a gate fails

_SHELL_META = re.compile(r"[;&|<>`$(){}\n\\*?]")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")
_NPM_RUN = {"run", "run-script", "rum", "urn"}
_NPM_TEST = {"test", "t", "tst"}
RUNNER_ARGS = {  # runner -> (report format, the arguments that make it write one)
    "jest": ("jest-json", "--json --outputFile={path}"),
    "eslint": ("eslint", "-f json -o {path}"),
}
_FORMAT_RUNNER = {"jest-json": "jest", "eslint": "eslint"}


def log_path(cfg: Config, gate: Gate, sha: str) -> Path:
    return cfg.state_dir / "logs" / f"{_safe(gate.name)}-{sha[:12]}.log"


def own_report_path(cfg: Config, gate: Gate, sha: str) -> Path:
    """Where issue-flow asks a gate's runner to write its report (under ``.issue-flow/``)."""
    return cfg.state_dir / "reports" / f"{_safe(gate.name)}-{sha[:12]}.json"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "gate"


def _private_dir(path: Path) -> None:
    """Make ``path`` (results, logs, reports) with a ``.gitignore`` of ``*``: git status never shows them.

    They are this machine's evidence about commits, not part of any commit.
    """
    fsutil.resolve_target(path / ".gitignore", fsutil._repository)  # inside the repository, links followed
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_bytes(b"# written by issue-flow: gate results, logs and reports are not committed\n*\n")
        except OSError:
            pass


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
    args = template.format(path=shlex.quote(_rel(cfg, path)))
    return Prepared(f"{gate.command} {separator}{args}", path, fmt, own_report=True)


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _kill(proc: subprocess.Popen) -> None:
    """End the command's whole process group: SIGTERM, then SIGKILL after 5 s."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _end_group(pgid: int) -> None:
    """Processes the command left behind in its group (a server it started) are ended too."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


from issue_flow.tokens import VARS as _TOKEN_VARS  # noqa: E402  (the one token reader)


def _gate_environment() -> dict[str, str]:
    """The environment of a gate command: ours without the GitHub token.

    Test runners and linters do not need it, and a verbose one that prints its
    environment would otherwise write the token into the gate's log.
    """
    return {k: v for k, v in os.environ.items() if k not in _TOKEN_VARS}


def _tokens() -> list[bytes]:
    from issue_flow import tokens

    return [s.encode() for s in tokens.secrets()]


def _redact_bytes(data: bytes, tokens: list[bytes]) -> bytes:
    from issue_flow.tokens import redact_bytes

    return redact_bytes(data) if tokens else data


def _redact_file(path: Path) -> None:
    """Replace any GitHub token found in a log file by ``***`` (belt and braces)."""
    tokens = _tokens()
    if not tokens:
        return
    data = path.read_bytes()
    clean = _redact_bytes(data, tokens)
    if clean != data:
        fsutil.atomic_write(path, clean)


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


def tail(text: str, lines: int = TAIL_LINES) -> list[str]:
    rows = [row.rstrip() for row in text.splitlines()]
    while rows and not rows[-1]:
        rows.pop()
    return rows[-lines:]


class _Terminated(Exception):
    """SIGTERM arrived while a gate command ran."""


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
    _private_dir(log.parent)
    if prep.own_report and prep.report is not None:
        _private_dir(prep.report.parent)
        try:
            prep.report.unlink()
        except FileNotFoundError:
            pass
    before = _stamp(prep.report)
    say = echo or (lambda _msg: None)
    say(f"{gate.name}: {prep.command}  (log: {_rel(cfg, log)})")
    tokens = _tokens()
    timed_out = False
    start = clock.now()
    import threading

    with open(log, "wb") as fh:
        try:
            proc = subprocess.Popen(
                prep.command,
                shell=True,
                cwd=cfg.root,
                env=_gate_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise IssueFlowError(f"gate {gate.name!r}: cannot start its command ({exc.strerror})") from None

        def pump() -> None:
            assert proc.stdout is not None
            for line in iter(proc.stdout.readline, b""):
                fh.write(line)
                fh.flush()
                if verbose:
                    say("  " + _redact_bytes(line, tokens).decode("utf-8", "replace").rstrip("\r\n"))

        reader = threading.Thread(target=pump, name=f"gate-{gate.name}-output", daemon=True)
        reader.start()
        old_handler = None
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            def on_term(signum: int, frame: Any) -> None:
                raise _Terminated()

            old_handler = signal.signal(signal.SIGTERM, on_term)
        try:
            next_note = start + progress_every
            while True:
                code = proc.poll()
                if code is not None:
                    break
                now = clock.now()
                if now - start >= gate.timeout:
                    timed_out = True
                    _kill(proc)
                    code = proc.returncode
                    break
                if now >= next_note:
                    say(f"{gate.name}: running, {now - start:.0f}s")
                    next_note = now + progress_every
                clock.sleep(POLL_SECONDS)
        except (KeyboardInterrupt, _Terminated) as exc:
            _kill(proc)
            reader.join(timeout=5)
            if isinstance(exc, _Terminated):
                raise IssueFlowError(f"gate {gate.name!r}: terminated (SIGTERM); its command was stopped, nothing recorded") from None
            raise
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, old_handler if old_handler is not None else signal.SIG_DFL)
        reader.join(timeout=2)
        if reader.is_alive():  # something the command started still holds its output open
            _end_group(proc.pid)
            reader.join(timeout=5)
    elapsed = clock.now() - start
    _redact_file(log)
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
    entry = _entry(status, sha=sha, source="run", summary=summary, duration=elapsed, detail="; ".join(details))
    if summary is not None and summary.duration_s is None:
        entry["duration"] = round(elapsed, 3)
    entry["log"] = _rel(cfg, log)
    entry["command"] = prep.command
    note = f"; {entry['detail']}" if entry.get("detail") else ""
    say(f"{gate.name}: {status} in {elapsed:.1f}s{_counts_text(summary)}{note}")
    if status == "fail":
        rows = tail(_redact_bytes(log_text.encode("utf-8"), tokens).decode("utf-8", "replace"))
        if rows:
            say(f"  last {len(rows)} lines of {_rel(cfg, log)}:")
            for row in rows:
                say(f"  | {row}")
    return entry


# --------------------------------------------------------------------------- GitHub


class _GitHubView:
    """The check runs and statuses of one commit, fetched once and only when needed."""

    def __init__(self, github: Any, sha: str):
        self.github = github
        self.sha = sha
        self._runs: list[Any] | None = None
        self._statuses: list[Any] | None = None
        self.error: str | None = None

    def _fetch(self, attr: str) -> list[Any]:
        try:
            return list(getattr(self.github, attr)(self.sha) or [])
        except IssueFlowError as exc:
            self.error = exc.message
        except Exception as exc:  # an adapter error must not hide the local evidence
            self.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        return []

    def result(self, gate: Gate) -> GateResult | None:
        name = gate.check
        if not name:
            return None
        if self._runs is None:
            self._runs = self._fetch("check_runs")
        runs = [r for r in self._runs if getattr(r, "name", None) == name]
        if runs:
            base = GateResult(gate.name, "pending", gate.required, source=f"check run {name!r}", sha=self.sha)
            unfinished = [r for r in runs if getattr(r, "status", None) != "completed"]
            if unfinished:
                base.detail = f"status {getattr(unfinished[0], 'status', None)}"
                return base
            conclusions = [getattr(r, "conclusion", None) for r in runs]
            bad = [c for c in conclusions if c not in PASSING_CONCLUSIONS]
            base.status = "fail" if bad else "pass"
            if bad:
                base.detail = f"conclusion {bad[0]}"
            return base
        if self._statuses is None:
            self._statuses = self._fetch("commit_statuses")
        for st in self._statuses:  # newest first, as GitHub lists them
            if getattr(st, "context", None) == name:
                state = getattr(st, "state", None)
                status = {"success": "pass", "pending": "pending"}.get(state, "fail")
                return GateResult(
                    gate.name, status, gate.required, source=f"status {name!r}", sha=self.sha,
                    detail="" if status == "pass" else f"state {state}",
                )
        return None


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
                if other == self.sha or not _SHA.fullmatch(other):
                    continue
                try:
                    found.append((path.stat().st_mtime_ns, other, _read_results_file(path, str(path))))
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
        plan = plan_gates(cfg, sha, run=True, rerun=rerun, echo=echo, verbose=verbose, clock=clock)
        execute(plan)
        ran = [*ran, *(a.gate.name for a in plan.calls)]
    done = set(ran)
    recorded = load_results(cfg, sha)
    recorded.update({n: dict(e, sha=sha) for n, e in (pending or {}).items()})
    gh = _GitHubView(github, sha) if github is not None else None
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
