"""``issue-flow status [N] [--json]``: progress of every issue, or the open items of one.

Parses the arguments, asks :func:`issue_flow.workflows.status.status` for the data, and
prints it (as JSON, or through :mod:`issue_flow.commands.status_view`).
"""

from __future__ import annotations

import click


@click.command()
@click.argument("number", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--open", "open_only", is_flag=True, help="Only issues with open items.")
@click.option("--drift", is_flag=True, help="Only issues with drift or unpaired items.")
@click.option("--parent", metavar="N", default=None, help="Only the children of issue N.")
@click.option("--label", metavar="NAME", default=None, help="Only issues whose **Labels:** line names NAME.")
@click.option("--tree", is_flag=True, help="Show parents with their children below them.")
@click.option("--verbose", "-v", is_flag=True, help="List the skipped entries one by one.")
@click.pass_obj
def command(app, number: str | None, as_json: bool, open_only: bool, drift: bool, parent: str | None,
            label: str | None, tree: bool, verbose: bool) -> None:
    """Progress of every issue, or of issue NUMBER with its open items.

    An issue is all of its documents: a folder (README, TRACKING and every other Markdown
    file), loose ISSUE-N-SLUG.md files, folders naming several issues, epics and the
    issues nested in them. For each: tasks done/total (every task item and status row of
    its documents), acceptance criteria and how they pair with the status table that
    mirrors them, TRACKING phases, parent and children, and drift. The list fits the
    terminal (COLUMNS is honoured); colour only on a terminal, never with NO_COLOR.

    \b
    Examples:
      issue-flow status --open --tree
      issue-flow status 462          # each document's open items, with addresses
      issue-flow status --json | jq '.issues[] | select(.drift != [])'
    """
    import sys

    from issue_flow.commands import status_view as view
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json
    from issue_flow.workflows.status import status

    n = parse_number(number) if number is not None else None
    p = parse_number(parent, "--parent") if parent is not None else None
    data = status(app.config, n, open_only=open_only, drift=drift, parent=p, label=label)
    if as_json:
        emit_json(data)
        return
    colour = view.use_colour(sys.stdout.isatty())
    if n is not None and data["issues"]:
        click.echo(view.render_one(data["issues"][0], columns=view.width(), colour=colour))
    else:
        click.echo(view.render_list(data, columns=view.width(), colour=colour, verbose=verbose, tree=tree))
