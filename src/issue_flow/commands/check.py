"""``issue-flow check N ITEM``: tick one item of an issue everywhere it is written.

A criterion's checklist line and its status-table row change together in one atomic
write; any other task or row changes alone. ``--note`` becomes the row's evidence text
(replacing what it said). Ordering constraints declared by the templates are enforced
unless ``--force``.

``--undo`` right after a ``check`` of the same item restores the exact bytes the tick
replaced; otherwise it unticks the item. The plan is built by
:mod:`issue_flow.workflows.check`; this module parses, runs it and prints.
"""

from __future__ import annotations

import click


@click.command()
@click.argument("number")
@click.argument("item")
@click.option("--undo", is_flag=True, help="Untick instead of tick (right after a check: restore the exact bytes).")
@click.option("--note", metavar="TEXT", default=None, help="Evidence text for the status row (replaces what it said).")
@click.option("--force", is_flag=True, help="Tick even if it breaks an ordering constraint.")
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def command(app, number: str, item: str, undo: bool, note: str | None, force: bool, dry_run: bool, as_json: bool) -> None:
    """Tick ITEM of issue NUMBER: its checklist line and its status row together.

    ITEM is any task or status row of any of the issue's documents, named by its label
    (a bold label, a row's label cell), a unique prefix of its text (3 characters or a
    whole word), its address (DOC#SECTION:K or DOC:K, as 'status N' lists them), or its
    number: 3 is the third acceptance criterion, 2.1 the first step of the second
    TRACKING phase. A name that fits several items is refused with the list.

    \b
    Examples:
      issue-flow check 462 "Patch release" --note "0.9.2 / 0.2.2"
      issue-flow check 571 TRACKING.md#review--close-out:3
      issue-flow check 462 3 --undo
    """
    from issue_flow import fsutil
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan
    from issue_flow.plan import execute
    from issue_flow.workflows.check import plan_check, write_journal

    n = parse_number(number)
    cfg = app.config
    with fsutil.repo_lock(cfg.root):
        plan, it, changed, entry = plan_check(cfg, n, item, done=not undo, note=note, force=force)
        if as_json:
            outcome = execute(plan, cfg.root, dry_run=dry_run)
            emit_json(
                {
                    "plan": outcome.to_data(cfg.root),
                    "issue": n,
                    "item": {"kind": it.kind, "index": it.index, "name": it.name, "address": it.address},
                    "done": not undo,
                    "changed": changed,
                    "files": [str(w.path.relative_to(cfg.root)) for w in plan.writes],
                    "notes": list(plan.notes),
                    "dry_run": dry_run,
                }
            )
        else:
            run_plan(plan, dry_run=dry_run, root=cfg.root, quiet=True)
        if not dry_run and plan.writes:
            write_journal(cfg, entry)
    if as_json:
        return
    verb = "ticked" if not undo else "unticked"
    at = f" at {it.address}" if it.kind in ("criterion", "step") else ""
    if not changed:
        click.echo(f"{it.describe()} already {'done' if not undo else 'open'}; nothing to change")
    elif dry_run:
        click.echo(f"would have {verb} {it.describe()} ({', '.join(changed)}){at}")
    else:
        click.echo(f"{verb} {it.describe()} ({', '.join(changed)}){at}")
