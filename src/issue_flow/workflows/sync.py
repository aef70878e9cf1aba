"""``sync N``: the plan that copies checkboxes between the README and GitHub issue #N.

The README's acceptance criteria, the task list of issue #N's body and the base recorded at
the last sync (``.issue-flow/sync/ISSUE-N.json``) are merged by
:mod:`issue_flow.workflows.sync_merge` (which documents the rules). What it costs and in
which order things happen:

1. Everything local is read first (issue folder, base) so a local problem fails before any
   request; the command holds the repository lock from here to the end.
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

from pathlib import Path
from typing import Any

from issue_flow.errors import IssueFlowError


def _read_base(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IssueFlowError(f"{path}: cannot read ({exc.strerror})") from None


def plan_sync(cfg: Any, number: int, *, prefer: str | None) -> dict[str, Any]:
    """Read both sides and the base, merge, and build the plan (nothing is applied here).

    The answer holds ``merge`` (a :class:`~issue_flow.workflows.sync_merge.Merge`),
    ``plan``, ``repository`` and ``remote_call`` (the summary of the PATCH, or None).
    """
    from issue_flow.adapters.github import MAX_BODY
    from issue_flow.github_session import open_github
    from issue_flow.model import items as itemmod
    from issue_flow.model.document import Document
    from issue_flow.model.issue_body import remote_tasks as read_remote_tasks
    from issue_flow.model.issues import load_issue
    from issue_flow.plan import GitHubCall, Plan
    from issue_flow.workflows import sync_merge as merging

    folder = load_issue(cfg, number)
    criteria = folder.criteria
    base_path = cfg.state_dir / "sync" / f"ISSUE-{number}.json"
    base_rel = base_path.relative_to(cfg.root).as_posix()
    base_bytes = _read_base(base_path)
    base = merging.load_base(base_bytes, base_rel) if base_bytes is not None else None

    gh = open_github(cfg)
    assert gh is not None
    issue = gh.get_issue(number)
    remote_tasks = read_remote_tasks(Document(None, issue.body))
    merged = merging.merge(merging.boxes(criteria), merging.boxes(remote_tasks), base, prefer)

    plan = Plan()
    result: dict[str, Any] = {"merge": merged, "plan": plan, "repository": gh.repository, "remote_call": None}
    for it in merged.only_local:
        plan.note(f"only in the README: '{it.name}' (not on GitHub; left alone)")
    for it in merged.only_remote:
        plan.note(f"only on GitHub: '{it.name}' (not in the README's acceptance criteria; left alone)")
    if merged.conflicts:
        return result

    if merged.pushes:
        new_body = merging.edit_body(issue.body, {it.remote_index: bool(it.local) for it in merged.pushes})
        if len(new_body) > MAX_BODY:
            raise IssueFlowError(
                f"the body of issue #{number} is {len(new_body):,} characters; GitHub accepts at most "
                f"{MAX_BODY:,}; nothing sent, nothing changed"
            )
        summary = f"PATCH issue #{number} body: {merging.describe(merged.pushes)}"
        old_body = issue.body
        plan.add(
            GitHubCall(
                summary,
                lambda: gh.edit_issue_body(number, new_body, old_body, read_first=False),
                {"issue": number, "edit": "body checkboxes"},
            ),
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
        why = f"sync #{number}: {merging.describe(merged.pulls)}"
        plan.write(readme.path, readme.original_bytes, readme.to_bytes(), why)

    new_base = merged.new_base()
    if (base is None and new_base) or (base is not None and base != new_base):
        plan.write(base_path, base_bytes, merging.dump_base(number, new_base), f"sync base of #{number}")
    return result


def conflict_message(number: int, conflicts: list) -> str:
    """The one line of a sync that stops on conflicts (exit 1)."""
    listed = "; ".join(f"'{it.name}' ({it.reason})" for it in conflicts)
    many = f"{len(conflicts)} conflicts" if len(conflicts) > 1 else "a conflict"
    return (
        f"sync #{number}: {many}: {listed}; nothing changed on either side; run again with "
        "--pull (GitHub wins) or --push (the README wins)"
    )


def report(res: dict[str, Any], number: int, root: Path, *, dry_run: bool) -> dict[str, Any]:
    """What ``sync --json`` prints for the answer of :func:`plan_sync`, after the plan."""
    merged, plan = res["merge"], res["plan"]
    conflicts = merged.conflicts
    return {
        "issue": number,
        "repository": res["repository"],
        "dry_run": dry_run,
        "local": [{"item": it.name, "checked": it.result} for it in merged.pulls],
        "remote": [{"item": it.name, "checked": it.result} for it in merged.pushes],
        "conflicts": [
            {"item": it.name, "local": it.local, "remote": it.remote, "reason": it.reason} for it in conflicts
        ],
        "only_local": [it.name for it in merged.only_local],
        "only_remote": [it.name for it in merged.only_remote],
        "remote_call": res["remote_call"],
        "files": [] if conflicts else [w.path.relative_to(root).as_posix() for w in plan.writes],
    }


def outcome_line(res: dict[str, Any], number: int, *, dry_run: bool) -> str:
    """The line a sync ends with: in sync, would sync, or synced (and what changed where)."""
    from issue_flow.workflows.sync_merge import describe

    merged, plan = res["merge"], res["plan"]
    changes = []
    if merged.pulls:
        changes.append(f"README: {describe(merged.pulls)}")
    if merged.pushes:
        changes.append(f"GitHub: {describe(merged.pushes)}")
    where = f"{res['repository']}#{number}"
    if not changes:
        recorded = " (base recorded)" if plan.writes and not dry_run else ""
        return f"#{number} is in sync with {where}{recorded}"
    if dry_run:
        return f"dry run: would sync #{number} with {where}: {'; '.join(changes)}; nothing changed"
    return f"synced #{number} with {where}: {'; '.join(changes)}"
