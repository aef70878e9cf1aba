"""``issue-flow check N ITEM``: tick one criterion or step everywhere it is written.

A criterion's checklist line in the README and its status-table row change together in
one atomic write; a TRACKING step's row changes alone. ``--note`` becomes the row's
evidence text. Ordering constraints declared by the templates are enforced unless
``--force``.
"""

from __future__ import annotations

import click


def plan_check(cfg, number: int, query: str, *, done: bool, note: str | None, force: bool):
    """Build the plan for one tick. Returns (plan, item, changed-parts)."""
    from issue_flow.model import items as itemmod
    from issue_flow.model.issues import load_issue
    from issue_flow.plan import Plan

    folder = load_issue(cfg, number)
    pool = itemmod.items(folder)
    item = itemmod.resolve(folder, query, pool)
    if not force:
        itemmod.check_order(folder, item, done, pool)
    changed = itemmod.tick(item, done, note)
    plan = Plan()
    for doc in (folder.readme, folder.tracking):
        if doc is not None and doc.changed:
            plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"{'tick' if done else 'untick'} {item.describe()}")
    if item.kind == "criterion" and item.row is None:
        plan.note(f"note: {item.describe()} has no paired status row; only the checklist changes")
    return plan, item, changed


@click.command()
@click.argument("number")
@click.argument("item")
@click.option("--undo", is_flag=True, help="Untick instead of tick.")
@click.option("--note", metavar="TEXT", default=None, help="Evidence text for the status row.")
@click.option("--force", is_flag=True, help="Tick even if it breaks an ordering constraint.")
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def command(app, number: str, item: str, undo: bool, note: str | None, force: bool, dry_run: bool, as_json: bool) -> None:
    """Tick ITEM of issue NUMBER: its checklist line and its status row together.

    ITEM is a criterion's bold label or status-row label, a step's first cell, a unique
    prefix of the item's text, or its number: 3 is the third acceptance criterion,
    2.1 the first step of the second TRACKING phase.
    """
    from issue_flow import fsutil
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan

    n = parse_number(number)
    cfg = app.config
    with fsutil.repo_lock(cfg.root):
        plan, it, changed = plan_check(cfg, n, item, done=not undo, note=note, force=force)
        if as_json:
            if not dry_run:
                plan.apply()
            emit_json(
                {
                    "issue": n,
                    "item": {"kind": it.kind, "index": it.index, "name": it.name},
                    "done": not undo,
                    "changed": changed,
                    "files": [str(w.path.relative_to(cfg.root)) for w in plan.writes],
                    "dry_run": dry_run,
                }
            )
            return
        run_plan(plan, dry_run=dry_run, root=cfg.root, quiet=True)
    verb = "ticked" if not undo else "unticked"
    if not changed:
        click.echo(f"{it.describe()} already {'done' if not undo else 'open'}; nothing to change")
    elif dry_run:
        click.echo(f"would have {verb} {it.describe()} ({', '.join(changed)})")
    else:
        click.echo(f"{verb} {it.describe()} ({', '.join(changed)})")
