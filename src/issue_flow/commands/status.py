"""``issue-flow status [N] [--json]``: progress of every issue, or the open items of one."""

from __future__ import annotations

import click

from issue_flow.errors import IssueFlowError


def collect(cfg, number: int | None) -> dict:
    """Summaries of every issue (or of one), with children worked out from the parents.

    One pass: each issue is summarised (from the cache when its documents did not change)
    and dropped before the next, so memory stays flat on large trees. ``status N`` also
    lists the issue's open items with their addresses.
    """
    from issue_flow.model.issues import discover, load_issue
    from issue_flow.model.summaries import SCHEMA, SummaryCache

    disc = discover(cfg)
    if number is not None:
        load_issue(cfg, number, disc)  # a clear error for an unknown number
    skipped = [{"path": s.path, "reason": s.reason} for s in disc.skipped]
    cache = SummaryCache(cfg.root)
    summaries, errors, keys = cache.summaries(cfg, sorted(disc.folders.values(), key=lambda r: r.number))
    for ref, message in errors:
        if number == ref.number:
            raise IssueFlowError(message)
        skipped.append({"path": ref.path.relative_to(cfg.root).as_posix(), "reason": message, "error": True})
    if number is None:
        cache.forget_others(keys)
    cache.save()
    children: dict[int, list[int]] = {}
    for s in summaries:
        parent = s["parent"]
        if parent is not None and parent != s["number"]:
            children.setdefault(parent, []).append(s["number"])
    out = []
    for s in summaries:
        if number is not None and s["number"] != number:
            continue
        entry = dict(s)
        entry["children"] = sorted(children.get(s["number"], []))
        if number is not None:
            entry["open_items"] = open_items(load_issue(cfg, number, disc))
        out.append(entry)
    return {"schema": SCHEMA, "issues": out, "skipped": skipped if number is None else []}


def open_items(folder) -> list[dict]:
    """The items of one issue that are not done, with their addresses."""
    from issue_flow.model.items import items

    out = []
    for it in items(folder):
        if it.done is True:
            continue
        if it.done is None and it.row is not None and it.table is not None and it.table.status(it.row).marker:
            continue  # N/A
        out.append({"address": it.address, "kind": it.kind, "index": it.index, "name": it.name, "section": it.section})
    return out


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

    n = parse_number(number) if number is not None else None
    p = parse_number(parent, "--parent") if parent is not None else None
    data = collect(app.config, n)
    data = view.select(data, open_only=open_only, drift=drift, parent=p, label=label)
    if as_json:
        emit_json(data)
        return
    colour = view.use_colour(sys.stdout.isatty())
    if n is not None and data["issues"]:
        click.echo(view.render_one(data["issues"][0], columns=view.width(), colour=colour))
    else:
        click.echo(view.render_list(data, columns=view.width(), colour=colour, verbose=verbose, tree=tree))
