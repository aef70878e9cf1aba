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
    from issue_flow.model.issues import IssueFolder, discover, load_issue
    from issue_flow.model.summaries import SCHEMA, SummaryCache

    disc = discover(cfg)
    if number is not None:
        load_issue(cfg, number, disc)  # a clear error for an unknown number
    skipped = [{"path": s.path, "reason": s.reason} for s in disc.skipped]
    cache = SummaryCache(cfg.root)
    summaries = []
    keys = set()
    for ref in sorted(disc.folders.values(), key=lambda r: r.number):
        folder = IssueFolder(cfg, ref)
        keys.add(cache.key(folder))
        try:
            summaries.append(cache.summary(folder))
        except IssueFlowError as exc:
            if number == ref.number:
                raise
            skipped.append({"path": folder.rel, "reason": exc.message})
        folder.forget()
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


def render(data: dict) -> str:
    lines = []
    for it in data["issues"]:
        t, c, p = it["tasks"], it["criteria"], it["phases"]
        parts = [f"#{it['number']:<5}", f"tasks {t['done']}/{t['total']}"]
        if c["total"]:
            parts.append(f"criteria {c['done']}/{c['total']}")
        if it["pairing"] != "none":
            parts.append(f"(paired by {it['pairing']} with {it['status_rows']} rows)")
        if p["total"]:
            parts.append(f"phases {p['done']}/{p['total']}")
        if it["parent"]:
            parts.append(f"parent #{it['parent']}")
        if it["children"]:
            parts.append("children " + ", ".join(f"#{n}" for n in it["children"]))
        title = it["title"]
        if len(title) > 60:
            title = title[:57] + "..."
        lines.append("  ".join(parts) + f"  {title}")
        for d in it["drift"]:
            lines.append(f"        drift: {d}")
        for d in it.get("unpaired", []):
            lines.append(f"        unpaired: {d}")
        if "open_items" in it:
            for doc in it["documents"]:
                dt = doc["tasks"]
                lines.append(f"  {doc['path']}: {dt['done']}/{dt['total']}")
                for sec in doc["sections"]:
                    if sec["section"]:
                        lines.append(f"    {sec['section'][:70]}: {sec['done']}/{sec['total']}")
            if it["open_items"]:
                lines.append(f"  open items ({len(it['open_items'])}):")
                for o in it["open_items"]:
                    lines.append(f"    {o['address']}  {o['name'][:70]}")
    if data["skipped"]:
        lines.append(f"skipped {len(data['skipped'])}:")
        for s in data["skipped"]:
            lines.append(f"  {s['path']}: {s['reason']}")
    if not data["issues"]:
        lines.insert(0, "no issues found")
    return "\n".join(lines)


@click.command()
@click.argument("number", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def command(app, number: str | None, as_json: bool) -> None:
    """Progress of every issue, or of issue NUMBER with its open items.

    An issue is all of its documents: a folder (README, TRACKING and every other Markdown
    file), loose ISSUE-N-SLUG.md files, folders naming several issues, epics and the
    issues nested in them. For each: tasks done/total (every task item and status row of
    its documents), acceptance criteria and how they pair with the status table that
    mirrors them, TRACKING phases, parent and children, and drift.

    \b
    Examples:
      issue-flow status
      issue-flow status 462          # open items with their addresses
      issue-flow status --json
    """
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json

    n = parse_number(number) if number is not None else None
    data = collect(app.config, n)
    if as_json:
        emit_json(data)
    else:
        click.echo(render(data))
