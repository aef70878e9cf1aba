"""``issue-flow release N --patch``: bump, document and tick, only when the gates pass.

The work is planned by :mod:`issue_flow.releasing` (one :class:`~issue_flow.plan.Plan`);
this module checks the preconditions in order, prints, applies and reports:

1. bad input (issue, ``--package`` names, versions, an existing tag or release folder
   with other content): exit 2. A release item already ticked with the packages'
   current versions means the release was made: exit 0 after making the commit and
   tags an interrupted ``--commit`` / ``--tag`` run left out (usually: nothing to do);
2. a dirty tree: exit 2 (not under ``--dry-run``);
3. a required gate that does not pass for HEAD: exit 1 (``--dry-run`` still shows the
   gate table and the plan, then exits 1);
4. apply: every file at once (atomically), then ``--commit`` / ``--tag``; then the
   release-docs check, GitHub Actions outputs and summary.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Any

import click

from issue_flow.errors import CheckFailed, IssueFlowError


def _github(cfg: Any) -> Any:
    """The GitHub adapter for the commit's check runs and statuses, or None.

    Only with a token (GITHUB_TOKEN / GH_TOKEN) and a known repository; otherwise the
    gates are judged from local evidence alone (so --dry-run needs no token). Building
    the adapter sends no request; GitHub is asked only about gates with no result
    recorded locally for HEAD.
    """
    if not (os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")) or not cfg.repository:
        return None
    from issue_flow.github_session import open_github

    return open_github(cfg, required=False)


def _output_key(name: str) -> str:
    return "version-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "package")


def _actions(rel: Any, done: dict[str, Any]) -> None:
    from issue_flow.output import actions_output, actions_summary

    values = {"versions": rel.versions}
    for b in rel.bumps:
        values[_output_key(b.package.name)] = b.old if rel.already else b.new
    actions_output(**values)
    if rel.already:
        actions_summary(f"### Release of #{rel.number}\n\nAlready released: {rel.versions}; nothing to do.\n")
        return
    lines = [f"### Release {rel.versions} (#{rel.number})", "", "| Package | Previous | New | Tag |", "|---|---|---|---|"]
    for b in rel.bumps:
        tag = f"`{b.tag}`" if b.tag in done["tags"] else "—"
        lines.append(f"| `{b.display}` | {b.old} | {b.new} | {tag} |")
    lines.append("")
    lines += [f"- {b.lock_note}" for b in rel.bumps if b.lock_note]
    if rel.docs_dir is not None:
        lines.append(f"- Release docs: `{rel.rel(rel.docs_dir)}/`")
    if done["commit"]:
        lines.append(f"- Commit: `{done['commit'][:12]}`")
    actions_summary("\n".join(lines) + "\n")


def add_git_calls(rel: Any, *, commit: bool, tag: bool) -> dict[str, Any]:
    """Add ``--commit`` (one commit of every written file) and ``--tag`` (one annotated
    tag per package, at that commit) to the plan. Returns the dict the calls fill in
    (``commit``: the new SHA, ``tags``: the tags created)."""
    from issue_flow.adapters import git

    done: dict[str, Any] = {"commit": None, "tags": []}
    if not commit:
        return done
    root = rel.cfg.root
    paths = rel.files
    message = _commit_message(rel)
    subject = message.splitlines()[0]

    def run_commit() -> str:
        try:
            done["commit"] = git.commit(root, paths, message)
        except IssueFlowError as exc:
            raise IssueFlowError(f"files written but not committed: {exc.message}") from None
        return done["commit"]

    rel.plan.call(f"git commit {len(paths)} files: {subject!r}", run_commit)
    if not tag:
        return done
    for b in rel.bumps:

        def run_tag(b: Any = b) -> str:
            try:
                git.tag(root, b.tag, f"{b.display} {b.new} (#{rel.number})", done["commit"])
            except IssueFlowError as exc:
                made = ", ".join(done["tags"]) or "no tag"
                raise IssueFlowError(f"committed {done['commit'][:12]} and made {made}, then: {exc.message}") from None
            done["tags"].append(b.tag)
            return b.tag

        rel.plan.call(f"git tag {b.tag} (annotated, on the release commit)", run_tag)
    return done


def _finish(rel: Any, *, commit: bool, tag: bool) -> dict[str, Any]:
    """A rerun of a release already written: make the commit and the tags still missing.

    (A run whose commit or tag step failed left its files written and its item ticked.)
    With --commit, the release's files (manifests, locks, issue README/TRACKING, release
    docs) are committed if they hold changes; with --tag, each package's tag for its
    current version is made on HEAD if it does not exist. Nothing else: no gate is asked.
    """
    from issue_flow.adapters import git

    done: dict[str, Any] = {"commit": None, "tags": []}
    root = rel.cfg.root
    if commit and not git.is_clean(root):
        paths = [b.manifest for b in rel.bumps] + [b.lock for b in rel.bumps if b.lock]
        paths += [rel.rel(p) for p in rel.issue_files]
        if rel.docs_dir is not None and rel.docs_dir.is_dir():
            paths += [rel.rel(p) for p in sorted(rel.docs_dir.iterdir()) if p.is_file()]
        try:
            done["commit"] = git.commit(root, paths, _commit_message(rel))
        except IssueFlowError as exc:
            if not exc.message.startswith("nothing to commit"):
                raise
    if tag:
        for b in rel.bumps:
            name = b.package.tag_prefix + b.old
            if not git.tag_exists(root, name):
                git.tag(root, name, f"{b.display} {b.old} (#{rel.number})", "HEAD")
                done["tags"].append(name)
    return done


def _commit_message(rel: Any) -> str:
    if rel.already:  # finishing an interrupted release: the versions are the current ones
        body = [f"{b.display} {b.old}" for b in rel.bumps]
    else:
        body = [f"{b.display} {b.old} -> {b.new}" for b in rel.bumps] + [b.lock_note for b in rel.bumps if b.lock_note]
    return f"chore: release {rel.versions} (#{rel.number})\n\n" + "\n".join(body) + "\n"


def _check_planned_docs(rel: Any) -> None:
    """The release-docs check on what the release folder would hold after the plan."""
    from issue_flow.releasedocs import missing_files

    if rel.docs_dir is None:
        return
    present = {p.name for p in rel.docs_dir.iterdir()} if rel.docs_dir.is_dir() else set()
    present |= {w.path.name for w in rel.plan.writes if w.path.parent == rel.docs_dir}
    missing = missing_files(present, "patch")
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} would lack {', '.join(missing)} (release-docs check)")


def _result(rel: Any, results: list, head: str, *, released: bool, dry_run: bool, done: dict[str, Any]) -> dict[str, Any]:
    item = None
    if rel.item is not None:
        item = {"kind": rel.item.kind, "index": rel.item.index, "name": rel.item.name, "evidence": rel.evidence}
    return {
        "issue": rel.number,
        "released": released,
        "already_released": rel.already,
        "dry_run": dry_run,
        "sha": head,
        "versions": rel.versions,
        "packages": [b.to_dict() for b in rel.bumps],
        "release_docs": rel.rel(rel.docs_dir) if rel.docs_dir is not None else None,
        "files": rel.files if released or dry_run else [],  # written (or, under --dry-run, to be written)
        "item": item,
        "commit": done["commit"],
        "tags": done["tags"],
        "gates": [r.to_dict() for r in results],
        "notes": [b.lock_note for b in rel.bumps if b.lock_note],
        "warnings": rel.warnings,
    }


@click.command("release")
@click.argument("number")
@click.option("--patch", is_flag=True, help="Make a patch release (the only kind there is; required).")
@click.option(
    "--package",
    "packages",
    metavar="NAME",
    multiple=True,
    help="Release only this package (its configured name, manifest path or npm name); repeatable. Default: all.",
)
@click.option("--commit", is_flag=True, help="Make one commit of every file the release writes.")
@click.option("--tag", is_flag=True, help="Make one annotated tag per package on that commit (needs --commit).")
@click.option("--record", is_flag=True, help="First record the gates' report files as the results of HEAD (as gate --record).")
@click.option("--dry-run", is_flag=True, help="Show the gates, the diffs and the git calls; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.pass_obj
def command(
    app: Any, number: str, patch: bool, packages: tuple[str, ...], commit: bool, tag: bool, record: bool, dry_run: bool, as_json: bool
) -> None:
    """Patch-release the packages for issue NUMBER, only when every required gate passes.

    Refuses (exit 1) unless every required gate passes for HEAD, and (exit 2) on a dirty
    tree or when a new tag exists already. Bumps the patch version of each configured
    package (or each --package): package.json and exactly the top-level and
    packages[""] versions of its package-lock.json, or pyproject.toml; reports a lock
    that was out of step. Writes docs/releases/vX.Y.Z/ (X.Y.Z: the first package's new
    version) from the release templates, then ticks the issue's release item with the
    versions as evidence ("✅ 0.9.2 / 0.2.2"). All files are written at once, atomically.

    --commit makes one commit holding every file written (manifests, locks, release
    docs, the issue README); --tag adds one annotated tag per package (its tag prefix +
    its new version) on that commit.

    A rerun after success is a no-op (exit 0, nothing written): the release item is
    ticked with the packages' current versions. If an earlier run was interrupted after
    writing, a rerun with --commit/--tag makes the missing commit and tags. A release
    item ticked with anything else is refused until it is unticked. --dry-run needs no clean tree and no token:
    it prints the gate results, the lock notes, every diff and the git calls, writes
    nothing, and exits 1 when a gate does not pass. In GitHub Actions the new versions
    go to $GITHUB_OUTPUT (versions=…, version-<package>=…) and a summary to
    $GITHUB_STEP_SUMMARY.
    """
    _release(app, number, patch, packages, commit, tag, record, dry_run, as_json)


def _release(
    app: Any, number: str, patch: bool, packages: tuple[str, ...], commit: bool, tag: bool, record: bool, dry_run: bool, as_json: bool
) -> None:
    from issue_flow import fsutil, gates, releasing
    from issue_flow.adapters import git
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan

    n = parse_number(number)
    if not patch:
        raise IssueFlowError("say --patch: issue-flow makes patch releases only")
    if tag and not commit:
        raise IssueFlowError("--tag needs --commit: a release tag must point at the commit holding the bump")
    if record and dry_run:
        raise IssueFlowError("--record writes gate results; run 'issue-flow gate --record' first, or drop --dry-run")
    cfg = app.config
    echo_err = lambda msg: click.echo(msg, err=True)  # noqa: E731

    if record:  # before the repository lock: recording takes it too
        head = git.head_sha(cfg.root)
        recorded = gates.record_from_reports(cfg, head)
        echo_err(f"recorded for {head[:12]} from report files: {', '.join(recorded) or 'none (no report file found)'}")

    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(fsutil.repo_lock(cfg.root))
        head = git.head_sha(cfg.root)
        rel = releasing.plan_release(cfg, n, packages)
        done: dict[str, Any] = {"commit": None, "tags": []}
        if rel.already:
            if not dry_run:
                done = _finish(rel, commit=commit, tag=tag)
            if as_json:
                emit_json(_result(rel, [], head, released=False, dry_run=dry_run, done=done))
            else:
                finished = [f"committed {done['commit'][:12]}"] if done["commit"] else []
                finished += [f"tagged {', '.join(done['tags'])}"] if done["tags"] else []
                what = "; ".join(finished) or "nothing to do"
                click.echo(f"#{n} already released: {rel.versions} ({rel.item.describe()} is ticked); {what}")
            if not dry_run:
                _actions(rel, done)
            return
        if not dry_run and not git.is_clean(cfg.root):
            raise IssueFlowError("the working tree has uncommitted changes: commit or stash them first (git status)")
        results = gates.evaluate(cfg, head, _github(cfg))
        failing = gates.failing(results)
        if failing or dry_run:
            done = add_git_calls(rel, commit=commit, tag=tag) if dry_run else done
            if dry_run:
                _check_planned_docs(rel)
            if as_json:
                emit_json(_result(rel, results, head, released=False, dry_run=dry_run, done=done))
            else:
                click.echo(gates.format_table(results, head))
                if dry_run:
                    for b in rel.bumps:
                        click.echo(f"{b.package.name} {b.old} -> {b.new}  (tag {b.tag})")
                    run_plan(rel.plan, dry_run=True, root=cfg.root)
            for w in rel.warnings:
                echo_err(f"issue-flow: warning: {w}")
            if failing:
                raise CheckFailed(gates.summary_message(results, head))
            return
        done = add_git_calls(rel, commit=commit, tag=tag)
        if as_json:
            rel.plan.apply()
        else:
            for b in rel.bumps:
                click.echo(f"{b.package.name} {b.old} -> {b.new}")
            run_plan(rel.plan, dry_run=False, root=cfg.root)

    from issue_flow.releasedocs import check_release_docs

    missing = check_release_docs(cfg, rel.doc_version, "patch")
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} lacks {', '.join(missing)} (release-docs check)")
    for w in rel.warnings:
        echo_err(f"issue-flow: warning: {w}")
    _actions(rel, done)
    if as_json:
        emit_json(_result(rel, results, head, released=True, dry_run=False, done=done))
        return
    if rel.item is not None:
        click.echo(f"ticked {rel.item.describe()} with '{rel.evidence}'")
    if done["commit"]:
        click.echo(f"committed {done['commit'][:12]}")
    if done["tags"]:
        click.echo(f"tagged {', '.join(done['tags'])}")
    click.echo(f"released {rel.versions} for #{n}")
