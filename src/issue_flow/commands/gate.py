"""``issue-flow gate``: the release gates for a commit, pass/fail/missing/stale/pending.

Exit 0 only when every required gate passes; 1 otherwise (after printing the table);
2 on bad input (an unknown SHA, a malformed results or report file, a bad timeout) and
when GitHub could not be asked about a gate that needed it.
"""

from __future__ import annotations

from typing import Any

import click

from issue_flow.errors import CheckFailed, IssueFlowError


def _github_client(cfg: Any) -> Any:
    """The GitHub adapter for the commit's check runs and statuses, or None.

    Only when a token is in the environment (GITHUB_TOKEN / GH_TOKEN) and a repository
    is known; otherwise gates are judged from local evidence alone. Building the client
    sends no request; GitHub is asked only about gates with no result recorded locally.
    """
    from issue_flow.github_session import optional_github

    return optional_github(cfg)[0]


EXAMPLES = """
\b
Examples:
  issue-flow gate --run               # run each gate that has no result yet (--verbose: its output)
  issue-flow gate --rerun lint        # run one gate again (--rerun alone: every gate)
  issue-flow gate --sha v0.9.1 --json
"""

_ALL = "\0all"


@click.command("gate", epilog=EXAMPLES)
@click.option("--sha", "rev", metavar="SHA", default=None, help="Commit to judge (a SHA or any revision; default HEAD).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON list.")
@click.option("--run", "run", is_flag=True, help="Run the command of each gate that has no result for the commit, and record it.")
@click.option(
    "--rerun",
    "rerun",
    metavar="[GATE]",
    is_flag=False,
    flag_value=_ALL,
    default=None,
    multiple=True,
    help="Run again (and record) every gate, or the one named, even when a result is recorded. Implies --run.",
)
@click.option("-v", "--verbose", is_flag=True, help="Stream the output of the commands --run runs.")
@click.option(
    "--record",
    "record",
    is_flag=True,
    help="First record the gates' report files as the results of HEAD (a report carries no SHA).",
)
@click.option("--dry-run", is_flag=True, help="Show what --record / --run would record, run and log; do nothing.")
@click.pass_obj
def command(
    app: Any, rev: str | None, as_json: bool, run: bool, rerun: tuple[str, ...], verbose: bool, record: bool, dry_run: bool
) -> None:
    """Release gate results for a commit.

    For each configured gate: a result recorded for the commit in
    .issue-flow/results/<sha>.json; else (with --run) the gate's command, run now;
    else the commit's GitHub check run or status. A result recorded for another
    commit is stale; pending, stale and missing gates do not pass.

    A gate command that runs jest or ESLint (directly or through an npm script) is
    asked for its JSON report under .issue-flow/reports/; any other command's
    counts come from the closing summary lines of its output (jest, node --test,
    pytest, mocha). Output goes to .issue-flow/logs/; its last lines are shown
    when a gate fails.

    With --record, --run or --rerun, --json prints {"plan": [the records and runs, each
    with its status], "sha": …, "gates": [the results]}; --dry-run prints that plan (the
    commands, the logs they would write, the records) and the results as they stand,
    and exits 0: nothing was judged.
    """
    from issue_flow.adapters import git
    from issue_flow.workflows import gate as gates
    from issue_flow.workflows.gate_results import GateRecord
    from issue_flow.workflows.gate_run import GateRun, plan_gates
    from issue_flow.output import actions_summary, emit_json
    from issue_flow.plan import execute

    cfg = app.config
    again: bool | set[str] = True if _ALL in rerun else {r for r in rerun if r}
    head = git.head_sha(cfg.root) if rev is None or record else None
    sha = git.resolve(cfg.root, rev) if rev is not None else head
    assert sha is not None
    if record and sha != head:
        raise IssueFlowError("--record binds report files to HEAD; it cannot record them for another commit (--sha)")

    def progress(msg: str) -> None:
        click.echo(msg, err=True)

    plan = plan_gates(cfg, sha, record=record, run=run, rerun=again, echo=progress, verbose=verbose)
    writes = record or run or bool(again)
    if dry_run and not as_json:
        click.echo(plan.render(cfg.root))
    outcome = execute(plan, dry_run=dry_run)
    records = [a for a in plan.calls if isinstance(a, GateRecord)]
    if records and not dry_run:
        names = ", ".join(records[0].entries)
        click.echo(f"recorded for {sha[:12]} from report files: {names}", err=True)
    elif record and not records:
        click.echo(f"recorded for {sha[:12]} from report files: none (no report file found)", err=True)
    pending = records[0].entries if records and dry_run else None
    ran = [] if dry_run else [a.gate.name for a in plan.calls if isinstance(a, GateRun)]
    results = gates.evaluate(cfg, sha, _github_client(cfg), pending=pending, ran=ran)
    if as_json:
        data = [r.to_dict() for r in results]
        emit_json({"plan": outcome.to_data(cfg.root), "sha": sha, "gates": data} if writes else data)
    else:
        click.echo(gates.format_table(results, sha))
    if dry_run:
        return
    actions_summary(gates.markdown_table(results, sha, "issue-flow gate"))
    unreachable = gates.github_unreachable(results)
    if unreachable:
        raise IssueFlowError(f"GitHub could not be asked about the checks of {sha[:12]}: {unreachable}")
    if gates.failing(results):
        raise CheckFailed(gates.summary_message(results, sha))
