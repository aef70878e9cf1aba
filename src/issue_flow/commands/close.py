"""``issue-flow close N``: closure comment, close as completed, pointer on the parent, ticks.

Parses the options, runs :mod:`issue_flow.workflows.close` (which documents the order of
the calls and the rules) under the repository lock, and prints what happened.
"""

from __future__ import annotations

import os
from typing import Any

import click


def _removed(comment: Any, what: str, number: int) -> None:
    n = getattr(comment, "removed", 0)
    if n:
        click.echo(f"removed {n} duplicate {what}{'s' if n > 1 else ''} on #{number} (stored late by GitHub); kept the first")


@click.command("close")
@click.argument("number")
@click.option("--resolution", metavar="TEXT", default=None, help="Released versions or free text (default: the release item's evidence).")
@click.option("--force", is_flag=True, help="Close even while other criteria are open.")
@click.option(
    "--reason",
    metavar="completed|not-planned",
    default="completed",
    help="Why it is closed (GitHub's state_reason): completed (default) or not-planned (no release needed).",
)
@click.option("--dry-run", is_flag=True, help="Print the calls and the file diffs; send and change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def command(app: Any, number: str, resolution: str | None, force: bool, reason: str, dry_run: bool, as_json: bool) -> None:
    """Close issue NUMBER: a closure comment linking its folder, close it as completed, post
    a resolution pointer on its parent, and tick its close item.

    Refuses (exit 1) while criteria other than the close item are open, unless --force
    or --reason not-planned. Comments carry hidden markers and are looked for before
    posting: a rerun after any failure finishes the job, and a duplicate that GitHub stored
    late (after answering an error or a timeout) is deleted, so one of each remains.

    \b
    Examples:
      issue-flow close 462 --dry-run
      issue-flow close 462 --resolution "0.9.2 / 0.2.2"
      issue-flow close 470 --reason not-planned --resolution "superseded by #471"
    """
    from issue_flow import fsutil
    from issue_flow.errors import IssueFlowError
    from issue_flow.github_session import open_github
    from issue_flow.model.issues import parse_number
    from issue_flow.output import actions_summary, emit_json, run_plan
    from issue_flow.plan import execute
    from issue_flow.workflows import close as workflow

    n = parse_number(number)
    state_reason = workflow.REASONS.get(reason.strip().lower())
    if state_reason is None:
        raise IssueFlowError(f"--reason must be completed or not-planned, not {reason!r}")
    cfg = app.config
    cfg.require_repository()
    gh = None if dry_run else open_github(cfg, required=True)

    with fsutil.repo_lock(cfg.root):
        closing = workflow.build(cfg, n, resolution_text=resolution, force=force, reason=state_reason)
        workflow.add_calls(closing, gh)
        plan = closing.plan
        if as_json:
            for note in plan.notes:
                click.echo(note, err=True)
            outcome = execute(plan, cfg.root, dry_run=dry_run)
        else:
            run_plan(plan, dry_run=dry_run, root=cfg.root)

    results, parent = closing.results, closing.parent
    if as_json:
        emit_json({"plan": outcome.to_data(cfg.root), **workflow.report(closing, cfg.root, dry_run=dry_run)})
    elif not dry_run:
        if "closure" in results:
            click.echo(f"closure comment on #{n}: {results['closure'].html_url}")
            _removed(results["closure"], "closure comment", n)
        if "issue" in results:
            click.echo(f"#{n} is {results['issue'].state} ({results['issue'].state_reason})")
        if "pointer" in results:
            click.echo(f"resolution pointer on #{parent}: {results['pointer'].html_url}")
            _removed(results["pointer"], "resolution pointer", parent)
        for t in closing.ticked:
            click.echo(f"ticked {t}")
    if not dry_run and os.environ.get("GITHUB_ACTIONS") == "true":
        actions_summary(workflow.actions_summary(closing, cfg.root))
