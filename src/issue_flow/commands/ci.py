"""``issue-flow ci record`` / ``issue-flow ci update N``: gate results in CI.

``record`` binds the configured gates' report files (JUnit, jest --json, ESLint) to a
commit, HEAD unless ``--sha`` names another, in ``.issue-flow/results/<sha>.json``, and
prints the table. Recording a failing result is not a failure of the command (exit 0);
``--strict`` exits 1 when a required gate failed or has no report.

``update N`` writes the results recorded for HEAD into the TRACKING rows of #N that name
those gates (rules in :mod:`issue_flow.workflows.ci`). Results recorded for another commit
are stale and never written: a row that would need one is left alone, and the command
exits 1 naming the gates.

In GitHub Actions (``GITHUB_ACTIONS=true``) both append a Markdown summary to
``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import os
import re
from typing import Any

import click


def _in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _sha(cfg: Any, rev: str | None) -> str:
    from issue_flow.adapters import git

    if rev is None:
        return git.head_sha(cfg.root)
    if re.fullmatch(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?", rev.strip()):
        return rev.strip().lower()  # a full SHA is taken as given (a shallow clone may lack it)
    return git.resolve(cfg.root, rev)


@click.group("ci")
def command() -> None:
    """Record gate results in CI and write them into TRACKING rows.

    \b
    Examples:
      issue-flow ci record --strict   # after the test steps, from their report files
      issue-flow ci update 462        # the recorded results into #462's TRACKING rows
    """


@command.command("record")
@click.option("--sha", "rev", metavar="SHA", default=None, help="Commit the reports belong to (default HEAD).")
@click.option("--strict", is_flag=True, help="Exit 1 when a required gate failed or has no report.")
@click.option("--dry-run", is_flag=True, help="Read the reports and print the table; record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def record(app: Any, rev: str | None, strict: bool, dry_run: bool, as_json: bool) -> None:
    """Record the gates' report files as the results of the current commit.

    \b
    Examples:
      issue-flow ci record
      issue-flow ci record --strict --json
    """
    from issue_flow.errors import CheckFailed
    from issue_flow.workflows import ci as ci_tracking
    from issue_flow.workflows import gate as gates
    from issue_flow.workflows.gate_results import GateRecord, read_reports, results_path
    from issue_flow.output import actions_summary, emit_json
    from issue_flow.plan import Plan, execute

    cfg = app.config
    sha = _sha(cfg, rev)
    entries = read_reports(cfg, sha)
    plan = Plan(root=cfg.root)
    if entries:
        plan.add(GateRecord(cfg, sha, entries))
    outcome = execute(plan, dry_run=dry_run)
    results = ci_tracking.recorded_table(cfg, sha, entries)
    if as_json:
        data = {"sha": sha, "recorded": not dry_run and bool(entries), "gates": [r.to_dict() for r in results]}
        emit_json({"plan": outcome.to_data(cfg.root), **data})
    else:
        click.echo(gates.format_table(results, sha))
        if dry_run:
            click.echo("dry run: nothing recorded")
        elif entries:
            where = os.path.relpath(results_path(cfg, sha), cfg.root)
            click.echo(f"recorded {', '.join(entries)} in {where}")
        else:
            click.echo("nothing recorded: no report file found")
    if _in_actions() and not dry_run:
        actions_summary(gates.markdown_table(results, sha, "issue-flow ci record"))
    if strict and gates.failing(results):
        raise CheckFailed(gates.summary_message(results, sha))


@command.command("update")
@click.argument("number")
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows written as JSON.")
@click.pass_obj
def update(app: Any, number: str, dry_run: bool, as_json: bool) -> None:
    """Write the gate results recorded for HEAD into the TRACKING rows of issue NUMBER
    that name those gates (marker and evidence text).

    \b
    Examples:
      issue-flow ci update 462 --dry-run
      issue-flow ci update 462
    """
    from issue_flow import fsutil
    from issue_flow.workflows import ci as ci_tracking
    from issue_flow.adapters import git
    from issue_flow.errors import CheckFailed
    from issue_flow.model.issues import parse_number
    from issue_flow.output import actions_summary, emit_json, run_plan
    from issue_flow.plan import execute

    n = parse_number(number)
    cfg = app.config
    sha = git.head_sha(cfg.root)
    with fsutil.repo_lock(cfg.root):
        upd = ci_tracking.plan_update(cfg, n, sha)
        if as_json:
            outcome = execute(upd.plan, cfg.root, dry_run=dry_run)
        else:
            run_plan(upd.plan, dry_run=dry_run, root=cfg.root)
    rel = os.path.relpath(upd.path, cfg.root)
    changed = upd.changed
    if as_json:
        emit_json(
            {
                "plan": outcome.to_data(cfg.root),
                "issue": n,
                "sha": sha,
                "file": rel,
                "rows": [
                    {"line": r.line, "step": r.step, "gates": r.gates, "text": r.new, "changed": r.changed}
                    for r in upd.rows
                ],
                "skipped": [{"line": line, "step": step, "gates": g} for line, step, g in upd.skipped],
                "problems": upd.problems,
                "dry_run": dry_run,
            }
        )
    elif upd.rows:
        n_rows = ci_tracking.plural(len(changed), "row")
        if dry_run:
            click.echo(f"would write the gate results of {sha[:12]} into {n_rows} of #{n}")
        elif changed:
            click.echo(f"wrote the gate results of {sha[:12]} into {n_rows} of #{n} ({rel})")
        else:
            click.echo(f"{ci_tracking.plural(len(upd.rows), 'row')} of #{n} already show the gate results of {sha[:12]}")
    if _in_actions() and not dry_run:
        lines = [f"### issue-flow ci update #{n} ({sha[:12]})", ""]
        for r in upd.rows:
            lines.append(f"- `{rel}` line {r.line}: {r.new.strip()}")
        if upd.skipped:
            lines.append(f"- not written: {upd.problem_message()}")
        actions_summary("\n".join(lines) + "\n")
    if upd.skipped:
        raise CheckFailed(upd.problem_message())
