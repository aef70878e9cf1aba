"""Output shared by the commands: JSON, plans, GitHub Actions summaries."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from issue_flow.plan import Plan


def emit_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def run_plan(plan: Plan, *, dry_run: bool, root: Path, quiet: bool = False, outcome: bool = False) -> Any:
    """The executor for text output: print the plan's notes, then under --dry-run the
    plan, else apply it (``plan.execute``) and name the files written.

    Returns the results of the non-file actions, or with ``outcome`` the whole
    :class:`~issue_flow.plan.Outcome` (what each action became)."""
    from issue_flow.plan import FileWrite, execute

    for note in plan.notes:
        click.echo(note)
    if dry_run:
        click.echo(plan.render(root))
    done = execute(plan, root, dry_run=dry_run)
    if not dry_run and not quiet:
        for s in done.steps:
            if isinstance(s.action, FileWrite) and s.status == "done":
                w = s.action
                click.echo(f"{'created' if w.old is None else 'updated'} {os.path.relpath(w.path, root)}")
    if outcome:
        return done
    return [] if dry_run else [s.result for s in done.steps if not isinstance(s.action, FileWrite)]


def _append(var: str, text: str) -> None:
    """Append to the file named by ``$var`` (redacted). A file that cannot be written is a
    warning, not an error: it is written last, after the work it reports on is done, and
    failing then would say "error" about a release that happened."""
    from issue_flow.tokens import redact

    path = os.environ.get(var)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(redact(text))
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        click.echo(f"issue-flow: warning: ${var} ({path}) cannot be written ({reason}); the work itself is done", err=True)


def actions_summary(markdown: str) -> None:
    """Append to $GITHUB_STEP_SUMMARY when running in GitHub Actions."""
    _append("GITHUB_STEP_SUMMARY", markdown.rstrip("\n") + "\n")


def actions_output(**values: str) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT when running in GitHub Actions."""
    _append("GITHUB_OUTPUT", "".join(f"{key}={' '.join(str(value).splitlines())}\n" for key, value in values.items()))
