"""``issue-flow lint [N] [--json] [--fix [SIDE]] [--changed [BASE]]``: report problems.

The findings are built by :mod:`issue_flow.workflows.lint` (and the repairs of ``--fix`` by
:mod:`issue_flow.workflows.lint_fix`); this module reads the arguments and prints.
"""

from __future__ import annotations

import click

from issue_flow.errors import CheckFailed, IssueFlowError
from issue_flow.workflows.lint import collect  # noqa: F401 - lint's findings as JSON, for callers


def changed_files(cfg, base: str) -> set[str]:
    """Files changed since ``base`` (committed, staged, unstaged or new), relative to the root."""
    import subprocess

    def git(*args: str) -> str:
        try:
            p = subprocess.run(["git", *args], cwd=cfg.root, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            raise IssueFlowError(f"--changed: git cannot be run ({exc})") from None
        if p.returncode != 0:
            raise IssueFlowError(f"--changed: git {' '.join(args[:2])} failed: {(p.stderr.strip().splitlines() or ['?'])[-1]}")
        return p.stdout

    ref = base or cfg.default_branch
    merge_base = git("merge-base", ref, "HEAD").strip()
    out = git("diff", "--name-only", merge_base) + git("ls-files", "--others", "--exclude-standard")
    return {line.strip() for line in out.splitlines() if line.strip()}


def _grouped(findings) -> list[str]:
    """Findings for people: dead links to one target on one line, however often they occur."""
    lines: list[str] = []
    groups: dict[str, list] = {}
    for p in findings:
        if p.kind == "dead-link":
            groups.setdefault(p.message, []).append(p)
        else:
            where = p.path + (f":{p.line}" if p.line else "")
            lines.append(f"{where}: {p.kind.value}: {p.message}" + (f" ({p.hint})" if p.hint else ""))
    for message, ps in groups.items():
        if len(ps) == 1:
            p = ps[0]
            lines.append(f"{p.path}:{p.line}: dead-link: {message}" + (f" ({p.hint})" if p.hint else ""))
            continue
        where = ", ".join(f"{p.path}:{p.line}" for p in ps[:4]) + (f", and {len(ps) - 4} more" if len(ps) > 4 else "")
        hint = next((p.hint for p in ps if p.hint), None)
        lines.append(f"dead-link ×{len(ps)}: {message}" + (f" ({hint})" if hint else "") + f": {where}")
    return lines


@click.command()
@click.argument("number", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--fix", "fix", is_flag=False, flag_value="links", default=None,
    type=click.Choice(["links", "checklist", "status"]),
    help="Repair what is safe: dead links with one clear target and missing back-links; "
    "with 'checklist' or 'status' also drift, in favour of that side.",
)
@click.option("--changed", "changed", is_flag=False, flag_value="", default=None, metavar="[BASE]",
              help="Only findings in files changed since BASE (default: the default branch).")
@click.option("--dry-run", is_flag=True, help="With --fix: print the diff; change nothing.")
@click.pass_obj
def command(app, number: str | None, as_json: bool, fix: str | None, changed: str | None, dry_run: bool) -> None:
    """Report drift, unpaired criteria, dead relative links, header mismatches and missing
    back-links; with --fix, repair what can be repaired safely.

    Exit 0 when clean, 1 when problems remain. Ignore rules in the configuration:
    [lint] ignore = ["dead-link docs/issues/ISSUE-1*/**", "backlink"] (KIND and a path glob).

    \b
    Examples:
      issue-flow lint
      issue-flow lint --fix status --dry-run   # drift: the status rows win
      issue-flow lint --changed origin/main    # a pull request's files only
    """
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan
    from issue_flow.workflows import lint

    cfg = app.config
    n = parse_number(number) if number is not None else None
    rules = list((getattr(cfg, "lint", None) or {}).get("ignore", []))
    only = changed_files(cfg, changed) if changed is not None else None
    found = lint.report(cfg, n, rules, only)
    result: dict = {}
    if fix is not None:
        def apply(plan) -> None:
            if as_json:
                if not dry_run:
                    plan.apply(cfg.root)
            elif plan.writes:
                run_plan(plan, dry_run=dry_run, root=cfg.root)

        found, result = lint.fix(cfg, n, found, None if fix == "links" else fix, apply,
                                 rules=rules, only=only, dry_run=dry_run)
    if as_json:
        data = found.as_dict()
        emit_json(dict(data, **({"fix": result, "dry_run": dry_run} if fix is not None else {})))
    else:
        lines = list(_grouped(found.findings))
        if lines:  # one write: thousands of findings, each through click.echo, cost 30 ms
            click.echo("\n".join(lines))
        if fix is not None:
            click.echo(f"{'would fix' if dry_run else 'fixed'} {len(result['fixed'])} problem(s) in {len(result['files'])} file(s)")
        extra = f" ({found.ignored} ignored)" if found.ignored else ""
        click.echo(f"{len(found.findings)} problem(s) in {found.files} file(s), {found.folders} issue(s){extra}")
    if found.findings:
        raise CheckFailed(f"lint found {len(found.findings)} problem(s)")
