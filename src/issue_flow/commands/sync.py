"""``issue-flow sync N [--pull|--push]``: three-way checkbox sync with the GitHub issue.

The README's acceptance criteria, the task list of issue #N's body and the base recorded at
the last sync (``.issue-flow/sync/ISSUE-N.json``) are merged by :mod:`issue_flow.syncing`
(which documents the rules). What it costs and in which order things happen:

1. Everything local is read first (issue folder, base) so a local problem fails before any
   request; the repository lock is held from here to the end.
2. One ``GET`` of the issue. Nothing to change costs exactly this one request.
3. Any conflict: report, exit 1, nothing written anywhere.
4. The remote edit runs first (``PATCH``, sent without a second read because the body was
   just read; after a failure the adapter looks before it sends again), then the README and
   the base are written together, atomically. A failure at any point leaves a state a rerun
   converges from: the PATCH did not land (nothing changed: the rerun does it all again), or
   it landed and the local write did not (the rerun sees the item equal on both sides and only
   records it). The base is never written ahead of the remote, so it never claims GitHub
   holds a state it does not.

A pushed tick also changes nothing but checkbox characters in the body (CRLF and other
people's text are kept); a pulled tick changes the README checklist line and its paired
status-table row, as ``issue-flow check`` does (ordering constraints are not enforced on
pulled state: GitHub already holds it).
"""

from __future__ import annotations

from typing import Any

import click

from issue_flow.errors import CheckFailed, IssueFlowError


def _read_base(path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IssueFlowError(f"{path}: cannot read ({exc.strerror})") from None


def plan_sync(cfg: Any, number: int, *, prefer: str | None) -> dict[str, Any]:
    """Read both sides and the base, merge, and build the plan (nothing is applied here)."""
    from issue_flow.model import items as itemmod
    from issue_flow import syncing
    from issue_flow.adapters.github import MAX_BODY
    from issue_flow.github_session import open_github
    from issue_flow.model.issues import load_issue
    from issue_flow.model.document import Document
    from issue_flow.plan import Plan

    folder = load_issue(cfg, number)
    criteria = folder.criteria
    base_path = cfg.state_dir / "sync" / f"ISSUE-{number}.json"
    base_rel = base_path.relative_to(cfg.root).as_posix()
    base_bytes = _read_base(base_path)
    base = syncing.load_base(base_bytes, base_rel) if base_bytes is not None else None

    gh = open_github(cfg)
    assert gh is not None
    issue = gh.get_issue(number)
    remote_tasks = syncing.remote_tasks(Document(None, issue.body))
    merged = syncing.merge(syncing.boxes(criteria), syncing.boxes(remote_tasks), base, prefer)

    plan = Plan()
    result: dict[str, Any] = {"merge": merged, "plan": plan, "repository": gh.repository, "remote_call": None}
    for it in merged.only_local:
        plan.note(f"only in the README: '{it.name}' (not on GitHub; left alone)")
    for it in merged.only_remote:
        plan.note(f"only on GitHub: '{it.name}' (not in the README's acceptance criteria; left alone)")
    if merged.conflicts:
        return result

    if merged.pushes:
        new_body = syncing.edit_body(issue.body, {it.remote_index: bool(it.local) for it in merged.pushes})
        if len(new_body) > MAX_BODY:
            raise IssueFlowError(
                f"the body of issue #{number} is {len(new_body):,} characters; GitHub accepts at most "
                f"{MAX_BODY:,}; nothing sent, nothing changed"
            )
        summary = f"PATCH issue #{number} body: {syncing.describe(merged.pushes)}"
        old_body = issue.body
        plan.call(
            summary,
            lambda: gh.edit_issue_body(number, new_body, old_body, read_first=False),
            before_writes=True,
        )
        result["remote_call"] = summary

    if merged.pulls:
        _mode, pairs = folder.pairing
        row_of = {id(p.criterion): p.row for p in pairs if p.criterion is not None}
        for it in merged.pulls:
            assert it.local_index is not None
            c = criteria[it.local_index]
            item = itemmod.Item(
                "criterion",
                str(it.local_index + 1),
                c.name,
                [],
                criterion=c,
                row=row_of.get(id(c)),
                table=folder.status_table,
                doc=folder.readme,
            )
            itemmod.tick(item, bool(it.remote))  # the checklist line and its status row
        readme = folder.readme
        why = f"sync #{number}: {syncing.describe(merged.pulls)}"
        plan.write(readme.path, readme.original_bytes, readme.to_bytes(), why)

    new_base = merged.new_base()
    if (base is None and new_base) or (base is not None and base != new_base):
        plan.write(base_path, base_bytes, syncing.dump_base(number, new_base), f"sync base of #{number}")
    return result


def _conflict_message(number: int, conflicts: list) -> str:
    listed = "; ".join(f"'{it.name}' ({it.reason})" for it in conflicts)
    many = f"{len(conflicts)} conflicts" if len(conflicts) > 1 else "a conflict"
    return (
        f"sync #{number}: {many}: {listed}; nothing changed on either side; run again with "
        "--pull (GitHub wins) or --push (the README wins)"
    )


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
    from issue_flow import fsutil, syncing
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan

    if pull and push:
        raise click.UsageError("--pull and --push exclude each other: name one winner")
    n = parse_number(number)
    cfg = app.config
    prefer = "remote" if pull else "local" if push else None
    with fsutil.repo_lock(cfg.root):
        res = plan_sync(cfg, n, prefer=prefer)
        merged: syncing.Merge = res["merge"]
        plan = res["plan"]
        conflicts = merged.conflicts
        if as_json:
            if not conflicts and not dry_run:
                plan.apply()
            emit_json(
                {
                    "issue": n,
                    "repository": res["repository"],
                    "dry_run": dry_run,
                    "local": [{"item": it.name, "checked": it.result} for it in merged.pulls],
                    "remote": [{"item": it.name, "checked": it.result} for it in merged.pushes],
                    "conflicts": [
                        {"item": it.name, "local": it.local, "remote": it.remote, "reason": it.reason}
                        for it in conflicts
                    ],
                    "only_local": [it.name for it in merged.only_local],
                    "only_remote": [it.name for it in merged.only_remote],
                    "remote_call": res["remote_call"],
                    "files": [] if conflicts else [w.path.relative_to(cfg.root).as_posix() for w in plan.writes],
                }
            )
        elif conflicts:
            for note in plan.notes:
                click.echo(note)
        else:
            run_plan(plan, dry_run=dry_run, root=cfg.root)
        if conflicts:
            raise CheckFailed(_conflict_message(n, conflicts))
    if as_json:
        return
    changes = []
    if merged.pulls:
        changes.append(f"README: {syncing.describe(merged.pulls)}")
    if merged.pushes:
        changes.append(f"GitHub: {syncing.describe(merged.pushes)}")
    where = f"{res['repository']}#{n}"
    if not changes:
        recorded = " (base recorded)" if plan.writes and not dry_run else ""
        click.echo(f"#{n} is in sync with {where}{recorded}")
    elif dry_run:
        click.echo(f"dry run: would sync #{n} with {where}: {'; '.join(changes)}; nothing changed")
    else:
        click.echo(f"synced #{n} with {where}: {'; '.join(changes)}")
