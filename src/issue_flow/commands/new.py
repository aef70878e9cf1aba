"""``issue-flow new N``: scaffold ``docs/issues/ISSUE-N/`` from templates.

Parses the options, runs :mod:`issue_flow.workflows.new` (where the data come from, the
kind, the parent's Follow-ups line, the sub-issue link and the refusals) under the
repository lock, and prints what was scaffolded.
"""

from __future__ import annotations

import click


@click.command()
@click.argument("number")
@click.option("--parent", metavar="P", default=None, help="The parent issue (a follow-up's original issue).")
@click.option(
    "--kind",
    metavar="KIND",
    default=None,
    help="bug, follow-up, feature, or a kind of the configured templates folder. Default: "
    "follow-up with --parent; else the first GitHub label naming a kind (bug, defect -> bug; "
    "feature, enhancement, feature request -> feature; follow-up; a 'type:' or 'kind/' prefix "
    "is ignored); else bug.",
)
@click.option("--title", metavar="T", default=None, help="The title (default: the GitHub issue's; required offline).")
@click.option(
    "--offline", is_flag=True, help="Do not contact GitHub: title from --title, criteria from the template."
)
@click.option("--dry-run", is_flag=True, help="Print the files it would write and the GitHub call; change nothing.")
@click.pass_obj
def command(app, number: str, parent: str | None, kind: str | None, title: str | None, offline: bool, dry_run: bool) -> None:
    """Scaffold docs/issues/ISSUE-NUMBER (README, TRACKING, ANALYSIS) from templates.

    With a GitHub token (GH_TOKEN or GITHUB_TOKEN) and without --offline, the title,
    labels, summary and acceptance criteria come from issue NUMBER: the task list of its
    body (under an "Acceptance criteria" heading if it has one), each task one criterion
    with its checkbox state and a status row of the same bold label. Without a token it
    works offline and --title is required.

    With --parent P the README names its parent (its title from P's README, else from
    GitHub), the parent's README gains a line in its "Follow-ups" list, and the issue is
    linked as a GitHub sub-issue of P (where the server supports it). Refuses to
    overwrite an existing folder.

    \b
    Examples:
      issue-flow new 462 --parent 459        # title and criteria from GitHub #462
      issue-flow new 480 --offline --title "Idle timeout fires early" --kind bug
      issue-flow new 462 --parent 459 --dry-run
    """
    from issue_flow import fsutil
    from issue_flow.model.issues import parse_number
    from issue_flow.output import run_plan
    from issue_flow.workflows import new as workflow

    n = parse_number(number)
    p = parse_number(parent, "parent issue number") if parent is not None else None
    workflow.check_options(n, parent=p, kind=kind, title=title)
    cfg = app.config
    with fsutil.repo_lock(cfg.root):
        new = workflow.scaffold(cfg, n, parent=p, kind=kind, title=title, offline=offline)
        results = run_plan(new.plan, dry_run=dry_run, root=cfg.root)
    # Warnings and notes once the plan ran, so that an error stays the only line on stderr.
    for w in new.warnings:
        click.echo(f"issue-flow: warning: {w}", err=True)
    for note in new.notes:
        click.echo(f"issue-flow: note: {note}", err=True)
    gh = new.gh
    source = f" from {gh.repository}#{n}" if gh is not None else ""
    click.echo(f"{'would scaffold' if dry_run else 'scaffolded'} #{n} ({new.kind}){source} in {new.folder_rel}")
    if new.linking and not dry_run and gh is not None:
        if results and results[0] is True:
            click.echo(f"linked #{n} as a sub-issue of #{p} on {gh.repository}")
        else:
            click.echo(
                f"issue-flow: warning: the GitHub server does not support sub-issues: #{n} not linked to #{p}",
                err=True,
            )
