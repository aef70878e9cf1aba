"""Gate results written into TRACKING rows (``issue-flow ci update N``) and read from reports.

**Which rows.** A row of a status table in the issue's ``TRACKING.md`` *names* a gate when its
first cell (the Step), read as plain text, mentions as a whole word, case-insensitively:

- the gate's name (``lint``, ``test:mock``, ``proxy-integration``) or its check-run name;
- the script of its command (``npm run lint`` → ``lint``; ``pnpm``/``yarn run`` alike;
  plain ``npm test`` gives nothing, "test" is too common a word);
- the base name of a test file in its command
  (``npx jest tests/integration/openai-proxy-integration.test.ts`` → ``openai-proxy-integration``).

"Whole word" means not preceded by a letter, digit, ``_`` or ``:``, and not followed by one
of those or ``-``: ``lint`` does not match in ``eslint``, ``linting`` or ``lint-staged``, and
``test:mock`` does not match ``test:mock:watch``; ``proxy-integration`` does match inside
``openai-proxy-integration``. Rows with the wrong number of cells, and tables without a
Status column, are never touched.

**What is written.** The Status cell of each such row becomes a marker and the evidence of
every gate it names, in configuration order, joined by ``; ``: ✅ when they all passed,
❌ when one failed. What the cell said before is kept after " — " (a user's text is never
lost); gate evidence from an earlier run is recognised and replaced, so running twice
writes the same bytes. Per gate::

    lint passed                                   (an ESLint report, or no counts)
    test:mock 96 suites, 922 tests                (suites shown when more than one)
    proxy-integration 40 tests, 2 skipped
    lint failed: 2 errors in src/a.ts
    test:mock 2 of 922 tests failed: A › b, C › d (and 3 more)

**Which results.** Only results recorded for HEAD are written. A row is written only when
every gate it names has a result for HEAD; other rows are left as they are and reported
(a result recorded for another commit only is *stale*), and the command exits 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from issue_flow.config import Config, Gate
from issue_flow.errors import CheckFailed, IssueFlowError

_NAMES_SHOWN = 5
_GENERIC_SCRIPTS = {"test", "start", "build", "run", "install", "ci"}


# --------------------------------------------------------------------------- naming


def gate_aliases(gate: Gate) -> list[str]:
    """The words that name ``gate`` in a Step cell (see the module docstring)."""
    out = [gate.name]
    if gate.check:
        out.append(gate.check)
    command = gate.command or ""
    for m in re.finditer(r"\b(?:npm|pnpm|yarn)\s+run\s+([\w:.-]+)", command):
        if m.group(1) not in _GENERIC_SCRIPTS:
            out.append(m.group(1))
    for m in re.finditer(r"([\w./-]+)\.(?:test|spec)\.[cm]?[jt]sx?\b", command):
        out.append(m.group(1).rsplit("/", 1)[-1])
    seen: list[str] = []
    for alias in out:
        if alias and alias.casefold() not in (s.casefold() for s in seen):
            seen.append(alias)
    return seen


def _alias_pattern(alias: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w:]){re.escape(alias)}(?![\w:-])", re.IGNORECASE)


def gates_named(text: str, gates: Iterable[Gate]) -> list[Gate]:
    """The gates whose name or alias ``text`` (a Step cell, markup allowed) mentions."""
    from issue_flow.model.document import strip_markup

    plain = strip_markup(text)
    return [g for g in gates if any(_alias_pattern(a).search(plain) for a in gate_aliases(g))]


# --------------------------------------------------------------------------- evidence


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += f" (and {len(names) - _NAMES_SHOWN} more)"
    return shown


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def gate_evidence(gate: Gate, entry: dict[str, Any]) -> str:
    """One gate's evidence text (see the module docstring)."""
    name = gate.name
    fmt = entry.get("format") or gate.format
    tests = entry.get("tests")
    suites = entry.get("suites")
    skipped = entry.get("skipped") or 0
    bad = (entry.get("failures") or 0) + (entry.get("errors") or 0)
    failed = list(entry.get("failed_names") or [])
    passed = entry.get("status") == "pass"
    if fmt == "eslint":
        if passed:
            return f"{name} passed"
        text = f"{name} failed" + (f": {plural(bad, 'error')}" if bad else "")
        return text + (f" in {_names(failed)}" if failed else "")
    if passed:
        if tests is None:
            return f"{name} passed"
        parts = [plural(suites, "suite")] if isinstance(suites, int) and suites > 1 else []
        parts.append(plural(tests, "test"))
        if skipped:
            parts.append(f"{skipped} skipped")
        return f"{name} " + ", ".join(parts)
    if tests is not None and bad:
        text = f"{name} {bad} of {plural(tests, 'test')} failed"
    else:
        detail = str(entry.get("detail") or "").strip()
        text = f"{name} failed" + (f" ({detail})" if detail else "")
    return text + (f": {_names(failed)}" if failed else "")


def row_evidence(named: list[Gate], entries: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(marker, evidence) for a row naming ``named``: ✅ all passed, ❌ one failed."""
    ok = all(entries[g.name].get("status") == "pass" for g in named)
    return ("✅" if ok else "❌"), "; ".join(gate_evidence(g, entries[g.name]) for g in named)


EVIDENCE_SEP = " — "


def gate_cell(cell: str, marker: str, evidence: str, gate_names: Iterable[str] = ()) -> str:
    """The new text of a Status cell: ``marker evidence``, then what the cell said before.

    The user's own evidence is never lost: it follows the gate evidence after " — ". Gate
    evidence written by an earlier run (it starts with a gate name and "passed", "failed"
    or a count) is replaced, so a rerun writes the same bytes.
    """
    from issue_flow.model.status import escape_cell, parse_status, replace_cell_body

    kept = parse_status(cell).evidence if parse_status(cell).marker else cell.strip()
    names = [re.escape(n) for n in gate_names]
    if names and re.match(rf"(?:{'|'.join(names)}) (?:passed|failed|\d)", kept):
        kept = kept.split(EVIDENCE_SEP, 1)[1] if EVIDENCE_SEP in kept else ""
    new_body = f"{marker} {escape_cell(evidence)}".rstrip()
    if kept:
        new_body += EVIDENCE_SEP + kept
    return replace_cell_body(cell, new_body)


# --------------------------------------------------------------------------- reports


def recorded_table(cfg: Config, sha: str, entries: dict[str, dict[str, Any]]) -> list[Any]:
    """A :class:`gates.GateResult` per configured gate: recorded now, or missing (why)."""
    from issue_flow.workflows.gate import GateResult, result_from_entry

    out = []
    for gate in cfg.gates:
        entry = entries.get(gate.name)
        if entry is None:
            why = f"no report file at {gate.report}" if gate.report else "no report file configured"
            out.append(GateResult(gate.name, "missing", gate.required, source=why, sha=sha))
            continue
        out.append(result_from_entry(gate, dict(entry, sha=sha), entry["status"], entry.get("source") or ""))
    return out


# --------------------------------------------------------------------------- update


@dataclass
class RowUpdate:
    line: int  # 1-based
    step: str
    gates: list[str]
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass
class Update:
    number: int
    sha: str
    path: Path
    plan: Any
    rows: list[RowUpdate] = field(default_factory=list)
    skipped: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, step, gates)
    problems: dict[str, str] = field(default_factory=dict)  # gate -> why it has no result for HEAD

    @property
    def changed(self) -> list[RowUpdate]:
        return [r for r in self.rows if r.changed]

    def problem_message(self) -> str:
        gates_text = "; ".join(f"{g}: {why}" for g, why in self.problems.items())
        return (
            f"{plural(len(self.skipped), 'TRACKING row')} of #{self.number} left unchanged, "
            f"results missing for HEAD {self.sha[:12]}: {gates_text}"
        )


def _stale_source(cfg: Config, sha: str, gate: str) -> str | None:
    """The newest other commit that has a result for ``gate`` (its SHA), if any."""
    from issue_flow.workflows import gate_results as gates

    directory = gates.results_dir(cfg)
    if not directory.is_dir():
        return None
    found = []
    for path in directory.glob("*.json"):
        other = path.stem
        if other == sha or not re.fullmatch(r"[0-9a-f]{40}(?:[0-9a-f]{24})?", other):
            continue
        try:
            data = gates.load_results(cfg, other)
        except IssueFlowError:
            continue  # another commit's broken file is not this commit's problem
        if gate in data:
            found.append((path.stat().st_mtime_ns, other))
    return max(found)[1] if found else None


def plan_update(cfg: Config, number: int, sha: str) -> Update:
    """The plan writing the results recorded for ``sha`` into #number's TRACKING rows."""
    from issue_flow.workflows import gate_results as gates
    from issue_flow.model.issues import load_issue
    from issue_flow.plan import Plan

    folder = load_issue(cfg, number)
    doc = folder.tracking
    if doc is None:
        raise IssueFlowError(f"#{number} has no TRACKING.md in {folder.rel}")
    recorded = {
        name: entry for name, entry in gates.load_results(cfg, sha).items() if entry.get("sha") in (None, sha)
    }
    update = Update(number, sha, doc.path, Plan())
    targets = []
    for table in doc.status_tables:
        for row in table.rows:
            if not row.ok or table.status_col is None or table.status_col == 0:
                continue
            named = gates_named(row.label, cfg.gates)
            if named:
                targets.append((table, row, named))
    if not targets:
        names = ", ".join(g.name for g in cfg.gates) or "none configured"
        raise CheckFailed(f"TRACKING.md of #{number} names no gate in its Step cells (gates: {names})")

    for table, row, named in targets:
        missing = [g.name for g in named if g.name not in recorded]
        text = doc.line_text(row.line)
        if missing:
            update.skipped.append((row.line + 1, row.label, missing))
            for g in missing:
                if g not in update.problems:
                    other = _stale_source(cfg, sha, g)
                    update.problems[g] = f"stale, recorded for {other[:12]}" if other else "no result recorded"
            continue
        marker, evidence = row_evidence(named, recorded)
        a, b = row.spans[table.status_col]
        new_text = text[:a] + gate_cell(text[a:b], marker, evidence, [g.name for g in cfg.gates]) + text[b:]
        update.rows.append(RowUpdate(row.line + 1, row.label, [g.name for g in named], text, new_text))
        if new_text != text:
            line = doc.lines[row.line]
            doc.lines[row.line] = new_text + line[len(line.rstrip("\r\n")) :]
    if doc.changed:
        update.plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"gate results of {sha[:12]}")
    return update
