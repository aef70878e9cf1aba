"""``issue-flow status [N] [--json]``: progress of every issue folder, or of one."""

from __future__ import annotations

import click

from issue_flow.errors import IssueFlowError


def collect(cfg, number: int | None) -> dict:
    from issue_flow.issues import IssueFolder, discover, load_issue

    disc = discover(cfg)
    skipped = [{"path": s.path, "reason": s.reason} for s in disc.skipped]
    folders: list[IssueFolder] = []
    for ref in disc.folders.values():
        folders.append(IssueFolder(cfg, ref))
    # parents of every folder, to list children (reads each README's header lines)
    parents: dict[int, int | None] = {}
    readable: list[IssueFolder] = []
    for f in folders:
        try:
            parents[f.number] = f.parent
            readable.append(f)
        except IssueFlowError as exc:
            if number == f.number:
                raise
            skipped.append({"path": f.rel, "reason": exc.message})
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None and parent != child:
            children.setdefault(parent, []).append(child)

    if number is not None:
        chosen = [load_issue(cfg, number, disc)]
    else:
        chosen = readable
    out = []
    for f in sorted(chosen, key=lambda f: f.number):
        try:
            prog = f.progress()
            drift = f.drift()
        except IssueFlowError as exc:
            if number is not None:
                raise
            skipped.append({"path": f.rel, "reason": exc.message})
            continue
        out.append(
            {
                "number": f.number,
                "path": f.rel,
                "kind": f.kind,
                "title": f.title,
                "criteria": {"done": prog["criteria_done"], "total": prog["criteria_total"]},
                "status_rows": prog["status_rows"],
                "pairing": prog["pairing"],
                "phases": {"done": prog["phases_done"], "total": prog["phases_total"]},
                "parent": parents.get(f.number),
                "children": sorted(children.get(f.number, [])),
                "drift": drift,
            }
        )
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
    from issue_flow.issues import parse_number
    from issue_flow.output import emit_json

    n = parse_number(number) if number is not None else None
    data = collect(app.config, n)
    if as_json:
        emit_json(data)
    else:
        click.echo(render(data))
