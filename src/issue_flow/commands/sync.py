"""``issue-flow sync N [--pull|--push]``: three-way checkbox sync with the GitHub issue.

Parses the options, runs :mod:`issue_flow.workflows.sync` (the order of the reads and
writes) under the repository lock, and prints the outcome; the merge rules are in
:mod:`issue_flow.workflows.sync_merge`.
"""

from __future__ import annotations

from typing import Any

import click

from issue_flow.errors import CheckFailed


@click.command()
@click.argument("number")
@click.option("--pull", "pull", is_flag=True, help="In a conflict, GitHub's checkbox wins.")
@click.option("--push", "push", is_flag=True, help="In a conflict, the README's checkbox wins.")
@click.option("--dry-run", is_flag=True, help="Print the diff and the GitHub call; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def command(app: Any, number: str, pull: bool, push: bool, dry_run: bool, as_json: bool) -> None:
    """Sync the checkboxes of issue NUMBER's acceptance criteria with its GitHub issue.

    A box changed on one side since the last sync is copied to the other. A box that
    differs with no earlier sync to say which side changed is a conflict: reported
    (exit 1) and nothing is changed anywhere, unless --pull or --push names the winner.
    Only checkbox characters of the GitHub body change. The state at the last sync is kept
    in .issue-flow/sync/ISSUE-N.json (commit it).

    \b
    Examples:
      issue-flow sync 462 --dry-run   # the diff and the GitHub call, nothing sent
      issue-flow sync 462
      issue-flow sync 462 --pull      # in a conflict, GitHub's checkbox wins
    """
    from issue_flow import fsutil
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan
    from issue_flow.plan import execute
    from issue_flow.workflows import sync as workflow

    if pull and push:
        raise click.UsageError("--pull and --push exclude each other: name one winner")
    n = parse_number(number)
    cfg = app.config
    prefer = "remote" if pull else "local" if push else None
    with fsutil.repo_lock(cfg.root):
        res = workflow.plan_sync(cfg, n, prefer=prefer)
        plan = res["plan"]
        conflicts = res["merge"].conflicts
        if as_json:
            # With conflicts the plan holds nothing to do: it is shown, never applied.
            outcome = execute(plan, cfg.root, dry_run=dry_run or bool(conflicts))
            emit_json({"plan": outcome.to_data(cfg.root), **workflow.report(res, n, cfg.root, dry_run=dry_run)})
        elif conflicts:
            for note in plan.notes:
                click.echo(note)
        else:
            run_plan(plan, dry_run=dry_run, root=cfg.root)
        if conflicts:
            raise CheckFailed(workflow.conflict_message(n, conflicts))
    if not as_json:
        click.echo(workflow.outcome_line(res, n, dry_run=dry_run))
