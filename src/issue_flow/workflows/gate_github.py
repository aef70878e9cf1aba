"""The GitHub side of a gate: the commit's check run (else commit status) named ``gate.check``.

Why a module of its own: it is the only gate evidence that needs the network, so the
judging of gates (:mod:`issue_flow.workflows.gate`) loads it only when a GitHub client
was given. A check run that has not completed is *pending*; a conclusion among
:data:`PASSING_CONCLUSIONS` passes, as it satisfies a required check on GitHub. An
adapter error is kept in ``error`` (the gate is then missing, and the command exits 2),
never raised: it must not hide the local evidence. Split from ``workflows/gate.py``.
"""

from __future__ import annotations

from typing import Any

from issue_flow.config import Gate
from issue_flow.errors import IssueFlowError
from issue_flow.workflows.gate import GateResult

# Check-run conclusions that satisfy a gate, as they satisfy a required check on GitHub.
PASSING_CONCLUSIONS = ("success", "neutral", "skipped")


class GitHubView:
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
