"""Gate results stored per commit: ``.issue-flow/results/<sha>.json``, read, checked, merged.

Why a module of its own: the results file is the one piece of gate evidence every
writer and reader shares (``gate --record``/``--run``, ``ci record``, the release's gate
check, ``ci update``), and its format is a contract with CI, which may write it itself.
The file is JSON: ``{gate name: {status, tests, failures, errors, skipped, duration,
source, sha, failed_names}}`` with ``status`` ``pass`` or ``fail``; the other fields may
be null. A report file carries no SHA, so :func:`record_from_reports` binds it to the SHA
it is given (the caller passes HEAD at record time). Split from ``workflows/gate.py``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from issue_flow import fsutil
from issue_flow.config import Config, Gate
from issue_flow.errors import IssueFlowError
from issue_flow.plan import Action
from issue_flow.records import record

RECORDED_STATUSES = ("pass", "fail")
SHA_PATTERN = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


# --------------------------------------------------------------------------- results files


def check_sha(sha: str) -> str:
    """A full hexadecimal commit SHA (it names a file, so nothing else is accepted)."""
    if not isinstance(sha, str) or not SHA_PATTERN.fullmatch(sha):
        raise IssueFlowError(f"not a full commit SHA: {sha!r}")
    return sha


def results_dir(cfg: Config) -> Path:
    return cfg.state_dir / "results"


def results_path(cfg: Config, sha: str) -> Path:
    return results_dir(cfg) / f"{check_sha(sha)}.json"


def rel_path(cfg: Config, path: Path) -> str:
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


def read_results_file(path: Path, where: str) -> dict[str, dict[str, Any]]:
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
    return read_results_file(path, rel_path(cfg, path))


def save_results(cfg: Config, sha: str, entries: dict[str, dict[str, Any]]) -> Path:
    """Merge ``entries`` into the results file of ``sha`` (atomic, under the repo lock)."""
    path = results_path(cfg, sha)
    private_dir(path.parent)
    with fsutil.repo_lock(cfg.root):
        current = read_results_file(path, rel_path(cfg, path))
        for name, entry in entries.items():
            current[name] = _validate_entry(name, dict(entry, sha=sha), rel_path(cfg, path))
        data = (json.dumps(current, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        fsutil.atomic_write(path, data)
    return path


def make_entry(status: str, *, sha: str, source: str, summary: Any = None, duration: float | None = None, detail: str = "") -> dict[str, Any]:
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
        out[gate.name] = make_entry(status, sha=sha, source=f"report {gate.report}", summary=summary)
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
        where = rel_path(self.cfg, results_path(self.cfg, self.sha))
        return f"record gate results {', '.join(self.entries)} for {self.sha[:12]} in {where}"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        where = rel_path(self.cfg, results_path(self.cfg, self.sha))
        return {"action": self.kind, "sha": self.sha, "gates": list(self.entries), "path": where,
                "status_of": {name: e.get("status") for name, e in self.entries.items()}}

    def already_done(self) -> bool:
        current = load_results(self.cfg, self.sha)
        return all(current.get(name) == dict(e, sha=self.sha) for name, e in self.entries.items())

    def apply(self) -> Path:
        self.result = save_results(self.cfg, self.sha, self.entries)
        return self.result



def private_dir(path: Path) -> None:
    """Make ``path`` (results, logs, reports) with a ``.gitignore`` of ``*``: git status never shows them.

    They are this machine's evidence about commits, not part of any commit.
    """
    fsutil.resolve_target(path / ".gitignore", fsutil.repository())  # inside the repository, links followed
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_bytes(b"# written by issue-flow: gate results, logs and reports are not committed\n*\n")
        except OSError:
            pass
