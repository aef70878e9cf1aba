"""``issue-flow status [N] [--json]``: progress of every issue folder, or of one."""

from __future__ import annotations

import click

from issue_flow.errors import IssueFlowError


def collect(cfg, number: int | None) -> dict:
    """Summaries of every folder (or of one), with children worked out from the parents.

    One pass: each folder is summarised (from the cache when its files did not change)
    and dropped before the next, so memory stays flat on large trees.
    """
    from issue_flow.model.issues import IssueFolder, discover, load_issue
    from issue_flow.model.summaries import SummaryCache

    disc = discover(cfg)
    if number is not None:
        load_issue(cfg, number, disc)  # a clear error for an unknown or odd folder
    skipped = [{"path": s.path, "reason": s.reason} for s in disc.skipped]
    cache = SummaryCache(cfg.root)
    summaries = []
    for ref in sorted(disc.folders.values(), key=lambda r: r.number):
        folder = IssueFolder(cfg, ref)
        try:
            summaries.append(cache.summary(folder))
        except IssueFlowError as exc:
            if number == ref.number:
                raise
            skipped.append({"path": folder.rel, "reason": exc.message})
    if number is None:
        cache.forget_others({s["path"] for s in summaries})
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
        drift = entry.pop("drift")
        entry["drift"] = drift
        out.append(entry)
    return {"issues": out, "skipped": skipped if number is None else []}


def render(data: dict) -> str:
    lines = []
    for it in data["issues"]:
        c, p = it["criteria"], it["phases"]
        parts = [f"#{it['number']:<5}", f"criteria {c['done']}/{c['total']}"]
        if it["pairing"] != "none":
            parts.append(f"(paired by {it['pairing']} with {it['status_rows']} rows)")
        elif it["status_rows"]:
            parts.append(f"(not paired with {it['status_rows']} rows)")
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
    if data["skipped"]:
        lines.append(f"skipped {len(data['skipped'])}:")
        for s in data["skipped"]:
            lines.append(f"  {s['path']}: {s['reason']}")
    if not data["issues"]:
        lines.insert(0, "no issue folders found")
    return "\n".join(lines)


@click.command()
@click.argument("number", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_obj
def command(app, number: str | None, as_json: bool) -> None:
    """Progress of every issue folder, or of issue NUMBER.

    For each folder: acceptance criteria done/total and how they pair with the status
    table (by label, by position, or not at all), TRACKING phases done/total, parent and
    children, and drift between checklist and status table. Folders that cannot be read
    as one issue (several numbers in the name, no README.md, loose files) are listed as
    skipped with the reason.
    """
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json

    n = parse_number(number) if number is not None else None
    data = collect(app.config, n)
    if as_json:
        emit_json(data)
    else:
        click.echo(render(data))
