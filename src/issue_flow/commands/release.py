"""``issue-flow release N --patch|--minor|--major|--pre NAME``: bump, document, tick, only when the gates pass.

Parses the options, calls :func:`issue_flow.workflows.release_run.run_release` (the
use-case: gates, lock, plan, commit, tags, GitHub Release) and prints what it did:

1. bad input (issue, ``--package`` names, versions, an existing tag or release folder
   with other content): exit 2. A release item already ticked with the packages'
   current versions means the release was made: exit 0 after making the commit and
   tags an interrupted ``--commit`` / ``--tag`` run left out (usually: nothing to do);
2. a dirty tree: exit 2 (not under ``--dry-run``);
3. a required gate that does not pass for HEAD: exit 1 (``--dry-run`` still shows the
   gate table and the plan, then exits 1);
4. apply: every file at once (atomically), then ``--commit`` / ``--tag``, then the GitHub
   Release (``--github-release``); then the release-docs check, GitHub Actions outputs
   and summary.
"""

from __future__ import annotations

from typing import Any

import click

from issue_flow.errors import CheckFailed, IssueFlowError


def _actions(run: Any) -> None:
    from issue_flow.output import actions_output, actions_summary
    from issue_flow.workflows.release_run import actions_markdown, actions_values

    actions_output(**actions_values(run.rel))
    actions_summary(actions_markdown(run.rel, run.done))


def _github_line(gr: dict) -> str:
    return f"GitHub Release {gr['tag']} {'created' if gr['created'] else 'exists'}: {gr['url']}"


def _check_parts(patch: bool, minor: bool, major: bool, pre: str | None, packages: tuple[str, ...]) -> str | None:
    parts = [name for name, on in (("patch", patch), ("minor", minor), ("major", major)) if on]
    if len(parts) > 1:
        raise IssueFlowError(f"--{parts[0]} and --{parts[1]} exclude each other: say one part")
    if pre is not None:
        from issue_flow.adapters.manifests import check_pre_name

        check_pre_name(pre)
    if parts:
        return parts[0]
    if pre is None and not (packages and all("=" in p for p in packages)):
        raise IssueFlowError(
            "say which part to bump: --patch, --minor, --major, --pre NAME, or --package NAME=PART for each package"
        )
    return None if pre is not None else "patch"


EXAMPLES = """
\b
Examples:
  issue-flow release 462 --patch --commit --tag    # 0.9.1 / 0.2.1 -> 0.9.2 / 0.2.2; push; then --github-release
  issue-flow release 570 --package voice-agent-react=minor --package voice-agent-backend=patch --dry-run
  issue-flow release 480 --pre beta                # 0.9.1 -> 0.9.2-beta.1; again: beta.2
"""


@click.command("release", epilog=EXAMPLES)
@click.argument("number")
@click.option("--patch", is_flag=True, help="Bump the patch part (0.9.1 -> 0.9.2; 0.9.2-beta.1 -> 0.9.2).")
@click.option("--minor", is_flag=True, help="Bump the minor part (0.10.6 -> 0.11.0).")
@click.option("--major", is_flag=True, help="Bump the major part (0.11.0 -> 1.0.0).")
@click.option("--pre", metavar="NAME", default=None, help="Make a prerelease NAME.1 (0.9.1 -> 0.9.2-beta.1), or the next one (beta.1 -> beta.2).")
@click.option(
    "--package",
    "packages",
    metavar="NAME[=PART]",
    multiple=True,
    help="Release only this package (configured name, manifest path or npm name), optionally with its own "
    "part: patch, minor, major or a version (voice-agent-react=minor). Repeatable. Default: all, with the flag's part.",
)
@click.option("--commit", is_flag=True, help="Make one commit of every file the release writes.")
@click.option("--tag", is_flag=True, help="Make one annotated tag per package on that commit (needs --commit).")
@click.option("--github-release", "github_release", is_flag=True, help="Create the GitHub Release of the component's tag with the release notes (needs a token).")
@click.option("--draft", is_flag=True, help="With --github-release: create it as a draft.")
@click.option("--record", is_flag=True, help="First record the gates' report files as the results of HEAD (as gate --record).")
@click.option("--dry-run", is_flag=True, help="Show the gates, the versions, the diffs and the calls; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.pass_obj
def command(
    app: Any,
    number: str,
    patch: bool,
    minor: bool,
    major: bool,
    pre: str | None,
    packages: tuple[str, ...],
    commit: bool,
    tag: bool,
    github_release: bool,
    draft: bool,
    record: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Release the packages for issue NUMBER, only when every required gate passes.

    Refuses (exit 1) unless every required gate passes for HEAD, and (exit 2) on a dirty
    tree, a version that would go back, or a new tag that exists already or is not a
    valid tag name (all checked before anything is written or committed). Versions follow
    semver (the semver library; a prerelease releases as itself: 0.9.2-beta.1 --patch ->
    0.9.2). Bumps package.json and exactly these lock fields: the top-level and
    packages[""] versions of its own package-lock.json, its entry in the root lock of a
    workspace (packages["packages/x"].version), its entry in the locks listed in
    [release] locks; other tracked locks that record the old version are reported.

    Writes docs/releases/vX.Y.Z/ (X.Y.Z: the component's new version; without the
    component, [release] other_folder, default NAME-vX.Y.Z) from the release templates,
    listing every issue whose folder changed since the previous tag. A release folder
    that exists is used as it is: never overwritten. Then ticks the issue's release item
    (the criterion about releasing or publishing, or a release issue's Publish item) with
    the versions as evidence ("✅ 0.9.2 / 0.2.2"); a second release for the same issue
    adds its versions ("0.10.2 / 0.2.7"). All files are written at once, atomically.

    --commit makes one commit holding every file written; --tag adds one annotated tag per
    package on it; --github-release then creates the GitHub Release of the component's
    tag (prerelease for a prerelease version, --draft for a draft) with the notes of
    RELEASE-NOTES.md, looking first, so a rerun never makes a second one.

    A rerun after success is a no-op (exit 0): the release item is ticked with the
    packages' current versions. It still makes what an interrupted run left out: with
    --commit/--tag the commit and tags, with --github-release the GitHub Release (so a
    workflow can release, push, then rerun with --github-release). --dry-run needs no
    clean tree and no token: it prints the gate results, the versions, the lock notes,
    every diff and every call, writes nothing, and exits 1 when a gate does not pass. In
    GitHub Actions the new versions go to $GITHUB_OUTPUT (versions=…, version-<package>=…)
    and a summary to $GITHUB_STEP_SUMMARY.
    """
    part = _check_parts(patch, minor, major, pre, packages)
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan
    from issue_flow.plan import execute
    from issue_flow.workflows import gate as gates
    from issue_flow.workflows.release_run import run_release

    n = parse_number(number)
    if tag and not commit:
        raise IssueFlowError("--tag needs --commit: a release tag must point at the commit holding the bump")
    if draft and not github_release:
        raise IssueFlowError("--draft needs --github-release: it says how to create the GitHub Release")
    cfg = app.config
    echo_err = lambda msg: click.echo(msg, err=True)  # noqa: E731

    def apply(rel: Any) -> Any:
        if as_json:
            return execute(rel.plan, cfg.root)
        for b in rel.bumps:
            click.echo(f"{b.package.name} {b.old} -> {b.new}")
        return run_plan(rel.plan, dry_run=False, root=cfg.root, outcome=True)

    run = run_release(
        cfg, n, packages, part=part, pre=pre, commit=commit, tag=tag, github_release=github_release, draft=draft,
        record=record, dry_run=dry_run, apply=apply, say_err=echo_err,
    )
    rel, done, records = run.rel, run.done, run.records
    if run.state == "already":
        if as_json:
            emit_json(run.to_dict(dry_run=dry_run))
        else:
            if dry_run and records.calls:
                click.echo(records.render(cfg.root))
            finished = [f"committed {done.commit[:12]}"] if done.commit else []
            finished += [f"tagged {', '.join(done.tags)}"] if done.tags else []
            if done.github_release:
                finished.append(_github_line(done.github_release))
            what = "; ".join(finished) or "nothing to do"
            why = f"{rel.item.describe()} is ticked" if rel.item is not None else "its tags are on HEAD"
            click.echo(f"#{n} already released: {rel.versions} ({why}); {what}")
            if dry_run and rel.plan.calls:
                click.echo(rel.plan.render(cfg.root))
        if not dry_run:
            _actions(run)
        return
    if run.state == "held":
        if as_json:
            emit_json(run.to_dict(dry_run=dry_run))
        else:
            if records.calls:
                click.echo(records.render(cfg.root))
            click.echo(gates.format_table(run.results, run.head))
            if dry_run:
                for b in rel.bumps:
                    click.echo(f"{b.package.name} {b.old} -> {b.new}  ({b.kind}, tag {b.tag})")
                run_plan(rel.plan, dry_run=True, root=cfg.root)
        for w in rel.warnings:
            echo_err(f"issue-flow: warning: {w}")
        if run.failing:
            raise CheckFailed(gates.summary_message(run.results, run.head))
        return
    for w in rel.warnings:
        echo_err(f"issue-flow: warning: {w}")
    _actions(run)
    if as_json:
        emit_json(run.to_dict(dry_run=False))
        return
    if rel.item is not None:
        click.echo(f"ticked {rel.item.describe()} with '{rel.evidence}'")
    if done.commit:
        click.echo(f"committed {done.commit[:12]}")
    if done.tags:
        click.echo(f"tagged {', '.join(done.tags)}")
    if done.github_release:
        click.echo(_github_line(done.github_release))
    click.echo(f"released {rel.versions} for #{n}")
