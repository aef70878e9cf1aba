"""``issue-flow close N``: closure comment, close as completed, pointer on the parent, ticks.

The remote calls run first, in this order, each looking before it writes:

1. the closure comment on #N (list its comments for the marker, post if absent);
2. close #N with ``state_reason=completed`` (read it, patch if not already so);
3. the pointer comment on the parent #P (list, post if absent).

A clean close makes six requests; a rerun after success makes three reads and writes
nothing. Only when all calls have succeeded are the local files written (the close item
and TRACKING steps of #N ticked, the pointer line in #P's README), in one atomic step, so
the files never claim a close that did not happen; a rerun after any partial failure
finishes the job. See :mod:`issue_flow.closing` for the rules (close item, refusal,
versions, URLs).
"""

from __future__ import annotations

import os
from typing import Any

import click


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.rstrip("\n").split("\n"))


def _removed(comment: Any, what: str, number: int) -> None:
    n = getattr(comment, "removed", 0)
    if n:
        click.echo(f"removed {n} duplicate {what}{'s' if n > 1 else ''} on #{number} (stored late by GitHub); kept the first")


def _summary(closing: Any, results: dict[str, Any], files: list[str]) -> str:
    lines = [f"### issue-flow close #{closing.number}", ""]
    c = results.get("closure")
    if c is not None:
        lines.append(f"- Closure comment on #{closing.number}: {c.html_url}")
    issue = results.get("issue")
    if issue is not None:
        lines.append(f"- #{closing.number} {issue.state}" + (f" as {issue.state_reason}" if issue.state_reason else ""))
    p = results.get("pointer")
    if p is not None:
        lines.append(f"- Resolution pointer on #{closing.parent}: {p.html_url}")
    lines.append(f"- Resolution: {closing.resolution.phrase}")
    for f in files:
        lines.append(f"- Updated `{f}`")
    return "\n".join(lines) + "\n"


@click.command("close")
@click.argument("number")
@click.option("--resolution", metavar="TEXT", default=None, help="Released versions or free text (default: the release item's evidence).")
@click.option("--force", is_flag=True, help="Close even while other criteria are open.")
@click.option(
    "--reason",
    metavar="completed|not-planned",
    default="completed",
    help="Why it is closed (GitHub's state_reason): completed (default) or not-planned (no release needed).",
)
@click.option("--dry-run", is_flag=True, help="Print the calls and the file diffs; send and change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def command(app: Any, number: str, resolution: str | None, force: bool, reason: str, dry_run: bool, as_json: bool) -> None:
    """Close issue NUMBER: a closure comment linking its folder, close it as completed, post
    a resolution pointer on its parent, and tick its close item.

    Refuses (exit 1) while criteria other than the close item are open, unless --force
    or --reason not-planned. Comments carry hidden markers and are looked for before
    posting: a rerun after any failure finishes the job, and a duplicate that GitHub stored
    late (after answering an error or a timeout) is deleted, so one of each remains.

    \b
    Examples:
      issue-flow close 462 --dry-run
      issue-flow close 462 --resolution "0.9.2 / 0.2.2"
      issue-flow close 470 --reason not-planned --resolution "superseded by #471"
    """
    from issue_flow import closing as closing_mod
    from issue_flow import fsutil
    from issue_flow.github_session import open_github
    from issue_flow.model.issues import parse_number
    from issue_flow.output import actions_summary, emit_json, run_plan

    n = parse_number(number)
    from issue_flow.errors import IssueFlowError

    state_reason = closing_mod.REASONS.get(reason.strip().lower())
    if state_reason is None:
        raise IssueFlowError(f"--reason must be completed or not-planned, not {reason!r}")
    said = state_reason.replace("_", " ")
    cfg = app.config
    cfg.require_repository()
    gh = None if dry_run else open_github(cfg, required=True)

    with fsutil.repo_lock(cfg.root):
        closing = closing_mod.build(cfg, n, resolution_text=resolution, force=force, reason=state_reason)
        plan = closing.plan
        results: dict[str, Any] = {}
        parent = closing.parent

        def post_closure() -> Any:
            results["closure"] = gh.create_comment(n, closing.closure_body, closing_mod.close_marker(n))
            return results["closure"]

        def close_issue() -> Any:
            results["issue"] = gh.close_issue(n, state_reason)
            return results["issue"]

        def post_pointer() -> Any:
            results["pointer"] = gh.create_comment(parent, closing.pointer_body, closing_mod.resolution_marker(n))
            return results["pointer"]

        plan.call(f"comment on #{n} (unless one holding its marker is there):\n{_indent(closing.closure_body)}", post_closure, before_writes=True)
        plan.call(f"close #{n} as {said} (unless it already is)", close_issue, before_writes=True)
        if parent is not None and closing.pointer_body is not None:
            plan.call(
                f"comment on #{parent} (unless one holding its marker is there):\n{_indent(closing.pointer_body)}",
                post_pointer,
                before_writes=True,
            )

        files = [os.path.relpath(w.path, cfg.root) for w in plan.writes]
        if as_json:
            for note in plan.notes:
                click.echo(note, err=True)
            if not dry_run:
                plan.apply()
        else:
            run_plan(plan, dry_run=dry_run, root=cfg.root)

    if as_json:
        issue = results.get("issue")
        emit_json(
            {
                "issue": n,
                "parent": parent,
                "resolution": closing.resolution.phrase,
                "folder_url": closing.folder_url,
                "closure_comment": results["closure"].html_url if "closure" in results else None,
                "duplicates_removed": sum(getattr(results.get(k), "removed", 0) for k in ("closure", "pointer")),
                "pointer_comment": results["pointer"].html_url if "pointer" in results else None,
                "state": issue.state if issue else None,
                "state_reason": issue.state_reason if issue else None,
                "ticked": closing.ticked,
                "files": files,
                "dry_run": dry_run,
            }
        )
    elif not dry_run:
        if "closure" in results:
            click.echo(f"closure comment on #{n}: {results['closure'].html_url}")
            _removed(results["closure"], "closure comment", n)
        if "issue" in results:
            click.echo(f"#{n} is {results['issue'].state} ({results['issue'].state_reason})")
        if "pointer" in results:
            click.echo(f"resolution pointer on #{parent}: {results['pointer'].html_url}")
            _removed(results["pointer"], "resolution pointer", parent)
        for t in closing.ticked:
            click.echo(f"ticked {t}")
    if not dry_run and os.environ.get("GITHUB_ACTIONS") == "true":
        actions_summary(_summary(closing, results, files))
