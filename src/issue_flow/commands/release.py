"""``issue-flow release N --patch|--minor|--major|--pre NAME``: bump, document, tick, only when the gates pass.

The work is planned by :mod:`issue_flow.workflows.release` (one :class:`~issue_flow.plan.Plan`);
this module checks the preconditions in order, prints, applies and reports:

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

import contextlib
import re
from typing import Any

import click

from issue_flow.errors import CheckFailed, IssueFlowError
from issue_flow.records import factory, record


def _github(cfg: Any) -> Any:
    """The GitHub adapter for the commit's check runs and statuses, or None.

    Only with a token (GITHUB_TOKEN / GH_TOKEN) and a known repository; otherwise the
    gates are judged from local evidence alone (so --dry-run needs no token). Building
    the adapter sends no request; GitHub is asked only about gates with no result
    recorded locally for HEAD.
    """
    from issue_flow import tokens

    if not tokens.token() or not cfg.repository:
        return None
    from issue_flow.github_session import open_github

    return open_github(cfg, required=False)


def _output_key(name: str) -> str:
    return "version-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "package")


def _actions(rel: Any, done: Done) -> None:
    from issue_flow.output import actions_output, actions_summary

    values = {"versions": rel.versions}
    for b in rel.bumps:
        values[_output_key(b.package.name)] = b.old if rel.already else b.new
    for b in rel.bumps:  # tag-<package> and released: documented in action.yml and the README
        values["tag-" + _output_key(b.package.name)[len("version-"):]] = b.package.tag_prefix + (b.old if rel.already else b.new)
    values["released"] = "false" if rel.already else "true"
    actions_output(**values)
    if rel.already:
        actions_summary(f"### Release of #{rel.number}\n\nAlready released: {rel.versions}; nothing to do.\n")
        return
    lines = [f"### Release {rel.versions} (#{rel.number})", "", "| Package | Previous | New | Tag |", "|---|---|---|---|"]
    for b in rel.bumps:
        tag = f"`{b.tag}`" if b.tag in done.tags else "—"
        lines.append(f"| `{b.display}` | {b.old} | {b.new} | {tag} |")
    lines.append("")
    lines += [f"- {n}" for n in rel.notes]
    if rel.docs_dir is not None:
        lines.append(f"- Release docs: `{rel.rel(rel.docs_dir)}/`")
    if done.commit:
        lines.append(f"- Commit: `{done.commit[:12]}`")
    actions_summary("\n".join(lines) + "\n")


@record
class Done:
    """What a run made, read from the executor's outcome (not filled in by closures)."""

    commit: str | None = None
    tags: list[str] = factory(list)
    github_release: dict | None = None

    @classmethod
    def of(cls, outcome: Any, acts: "Acts") -> "Done":
        made = {id(s.action): s for s in outcome.steps if s.status == "done"}
        done = cls()
        if acts.commit is not None and id(acts.commit) in made:
            done.commit = acts.commit.sha
        done.tags = [t.name for t in acts.tags if id(t) in made]
        if acts.github is not None:
            step = next((s for s in outcome.steps if s.action is acts.github), None)
            if step is not None and step.status in ("done", "already done"):
                done.github_release = step.result
        return done


@record
class Acts:
    """The git and GitHub actions a release adds to its plan."""

    commit: Any = None
    tags: list = factory(list)
    github: Any = None


def add_git_actions(rel: Any, *, commit: bool, tag: bool, finishing: bool = False) -> Acts:
    """``--commit`` (one commit of every written file) and ``--tag`` (one annotated tag
    per package, at that commit) as plan actions.

    ``finishing``: a rerun of a release already written; the release's files
    (manifests, locks, issue README/TRACKING, release docs) are committed unless they hold
    no change, and each package's tag for its current version is made unless it exists.
    """
    from issue_flow.plan import GitCommit, GitTag

    acts = Acts()
    root = rel.cfg.root
    if finishing:
        paths = [b.manifest for b in rel.bumps] + [lock for b in rel.bumps for lock in (b.locks or ([b.lock] if b.lock else []))]
        paths += [rel.rel(p) for p in rel.issue_files]
        if rel.docs_dir is not None and rel.docs_dir.is_dir():
            paths += [rel.rel(p) for p in sorted(rel.docs_dir.iterdir()) if p.is_file()]
    else:
        paths = rel.files
    if commit:
        acts.commit = rel.plan.add(GitCommit(root, paths, _commit_message(rel)))
    if tag:
        for b in rel.bumps:
            version = b.old if finishing else b.new
            name = b.package.tag_prefix + version
            target = acts.commit if acts.commit is not None else "HEAD"
            acts.tags.append(rel.plan.add(GitTag(root, name, f"{b.display} {version} (#{rel.number})", target, exists_ok=finishing)))
    return acts


def _commit_message(rel: Any) -> str:
    if rel.already:  # finishing an interrupted release: the versions are the current ones
        body = [f"{b.display} {b.old}" for b in rel.bumps]
    else:
        body = [f"{b.display} {b.old} -> {b.new}" for b in rel.bumps] + [n for n in rel.notes if " said " in n]
    return f"chore: release {rel.versions} (#{rel.number})\n\n" + "\n".join(body) + "\n"


def _check_planned_docs(rel: Any) -> None:
    """The release-docs check on what the release folder would hold after the plan."""
    from issue_flow.workflows.release_docs import missing_files

    if rel.docs_dir is None:
        return
    present = {p.name for p in rel.docs_dir.iterdir()} if rel.docs_dir.is_dir() else set()
    present |= {w.path.name for w in rel.plan.writes if w.path.parent == rel.docs_dir}
    missing = missing_files(present, rel.kind)
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} would lack {', '.join(missing)} (release-docs check, {rel.kind})")


def _result(rel: Any, results: list, head: str, *, released: bool, dry_run: bool, done: Done) -> dict[str, Any]:
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
        "kind": rel.kind,
        "prerelease": rel.prerelease,
        "release_docs": rel.rel(rel.docs_dir) if rel.docs_dir is not None else None,
        "release_docs_existing": rel.docs_existing,
        "issues": [i["number"] for i in rel.issues],
        "github_release": done.github_release,
        "files": rel.files if released or dry_run else [],  # written (or, under --dry-run, to be written)
        "item": item,
        "commit": done.commit,
        "tags": done.tags,
        "gates": [r.to_dict() for r in results],
        "notes": rel.notes,
        "warnings": rel.warnings,
    }


def release_notes(rel: Any) -> str:
    """The body of the GitHub Release: RELEASE-NOTES.md of the release folder, else its
    CHANGELOG.md, else one line naming the versions and the issue."""
    if rel.docs_dir is not None:
        for name in ("RELEASE-NOTES.md", "CHANGELOG.md"):
            path = rel.docs_dir / name
            if path.is_file():
                try:
                    return path.read_bytes().decode("utf-8")
                except UnicodeDecodeError:
                    raise IssueFlowError(f"{rel.rel(path)}: not UTF-8 text; cannot use it as release notes") from None
    return f"Release {rel.versions} (#{rel.number}).\n"


def add_github_release(rel: Any, gh: Any, acts: Acts, *, draft: bool) -> None:
    """Add the creation of the GitHub Release (look before create) to the plan."""
    from issue_flow.plan import GitHubCall

    tag = rel.tag
    kind = "draft " if draft else ""
    pre = "prerelease " if rel.prerelease else ""

    def run() -> dict[str, Any]:
        from issue_flow.adapters import github_releases as github

        body = release_notes(rel)
        target = acts.commit.sha if acts.commit is not None else None
        found, created = github.create_release(gh, tag, tag, body, draft=draft, prerelease=rel.prerelease, target=target)
        return {"tag": tag, "url": found.html_url, "created": created, "draft": found.draft, "prerelease": found.prerelease}

    notes = rel.rel(rel.docs_dir / "RELEASE-NOTES.md") if rel.docs_dir is not None else "a one-line note"
    summary = f"create the {kind}{pre}GitHub Release {tag} with the notes of {notes} (unless one exists for the tag)"
    data = {"tag": tag, "draft": draft, "prerelease": rel.prerelease, "notes": notes}
    acts.github = rel.plan.add(GitHubCall(summary, run, data, failure=f"GitHub Release {tag} was not created"))


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
    from issue_flow import fsutil
    from issue_flow.workflows import gate as gates
    from issue_flow.workflows import release as releasing
    from issue_flow.adapters import git
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan
    from issue_flow.plan import Outcome, Plan, execute

    n = parse_number(number)
    if tag and not commit:
        raise IssueFlowError("--tag needs --commit: a release tag must point at the commit holding the bump")
    if draft and not github_release:
        raise IssueFlowError("--draft needs --github-release: it says how to create the GitHub Release")
    cfg = app.config
    echo_err = lambda msg: click.echo(msg, err=True)  # noqa: E731
    gh = None
    if github_release and not dry_run:
        from issue_flow.github_session import open_github

        cfg.require_repository()
        gh = open_github(cfg, required=True)  # before anything is written: no token, nothing done

    records = Plan(root=cfg.root)  # --record: before the repository lock (recording takes it too)
    if record:
        head = git.head_sha(cfg.root)
        records = gates.plan_gates(cfg, head, record=True)
        recorded = execute(records, dry_run=dry_run)
        if not dry_run:
            names = ", ".join(records.calls[0].entries) if records.calls else "none (no report file found)"
            echo_err(f"recorded for {head[:12]} from report files: {names}")
    else:
        recorded = Outcome()
    pending = records.calls[0].entries if record and dry_run and records.calls else None

    def plan_data(outcome: Any) -> list[dict[str, Any]]:
        return recorded.to_data(cfg.root) + outcome.to_data(cfg.root)

    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(fsutil.repo_lock(cfg.root))
        # HEAD's SHA from git while the release is planned (same answer as git.head_sha)
        asked = releasing._Background(cfg.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        try:
            rel = releasing.plan_release(cfg, n, packages, part=part, pre=pre)
        finally:
            answer = (asked.result() or "").strip()
        head = answer if re.fullmatch(r"[0-9a-f]{40,64}", answer) else git.head_sha(cfg.root)
        if rel.already:
            if github_release and not dry_run and not tag and not git.tag_exists(cfg.root, rel.tag):
                raise IssueFlowError(f"tag {rel.tag} does not exist: add --commit --tag to make it before the GitHub Release")
            acts = add_git_actions(rel, commit=commit, tag=tag, finishing=True)
            if github_release:
                add_github_release(rel, gh, acts, draft=draft)
            if dry_run and not as_json and records.calls:
                click.echo(records.render(cfg.root))
            outcome = execute(rel.plan, cfg.root, dry_run=dry_run)
            done = Done.of(outcome, acts)
            if as_json:
                emit_json({"plan": plan_data(outcome), **_result(rel, [], head, released=False, dry_run=dry_run, done=done)})
            else:
                finished = [f"committed {done.commit[:12]}"] if done.commit else []
                finished += [f"tagged {', '.join(done.tags)}"] if done.tags else []
                gr = done.github_release
                if gr:
                    finished.append(f"GitHub Release {gr['tag']} {'created' if gr['created'] else 'exists'}: {gr['url']}")
                what = "; ".join(finished) or "nothing to do"
                why = f"{rel.item.describe()} is ticked" if rel.item is not None else "its tags are on HEAD"
                click.echo(f"#{n} already released: {rel.versions} ({why}); {what}")
                if dry_run and rel.plan.calls:
                    click.echo(rel.plan.render(cfg.root))
            if not dry_run:
                _actions(rel, done)
            return
        if github_release and not tag:
            raise IssueFlowError(
                f"--github-release needs the tag {rel.tag}: add --commit --tag (or release, push, and rerun with --github-release)"
            )
        if not dry_run:
            git.require_clean(cfg.root)  # the refusal names the files
        results = gates.evaluate(cfg, head, _github(cfg), pending=pending)
        failing = gates.failing(results)
        acts = add_git_actions(rel, commit=commit, tag=tag)
        if github_release:
            add_github_release(rel, gh, acts, draft=draft)
        if failing or dry_run:
            if dry_run:
                _check_planned_docs(rel)
            outcome = execute(rel.plan, cfg.root, dry_run=True)
            if as_json:
                emit_json({"plan": plan_data(outcome), **_result(rel, results, head, released=False, dry_run=dry_run, done=Done())})
            else:
                if records.calls:
                    click.echo(records.render(cfg.root))
                click.echo(gates.format_table(results, head))
                if dry_run:
                    for b in rel.bumps:
                        click.echo(f"{b.package.name} {b.old} -> {b.new}  ({b.kind}, tag {b.tag})")
                    run_plan(rel.plan, dry_run=True, root=cfg.root)
            for w in rel.warnings:
                echo_err(f"issue-flow: warning: {w}")
            if failing:
                raise CheckFailed(gates.summary_message(results, head))
            return
        if as_json:
            outcome = execute(rel.plan, cfg.root)
        else:
            for b in rel.bumps:
                click.echo(f"{b.package.name} {b.old} -> {b.new}")
            outcome = run_plan(rel.plan, dry_run=False, root=cfg.root, outcome=True)
        done = Done.of(outcome, acts)

    from issue_flow.workflows.release_docs import check_folder

    missing = check_folder(rel.docs_dir, rel.kind)
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} lacks {', '.join(missing)} (release-docs check, {rel.kind})")
    for w in rel.warnings:
        echo_err(f"issue-flow: warning: {w}")
    _actions(rel, done)
    if as_json:
        emit_json({"plan": plan_data(outcome), **_result(rel, results, head, released=True, dry_run=False, done=done)})
        return
    if rel.item is not None:
        click.echo(f"ticked {rel.item.describe()} with '{rel.evidence}'")
    if done.commit:
        click.echo(f"committed {done.commit[:12]}")
    if done.tags:
        click.echo(f"tagged {', '.join(done.tags)}")
    gr = done.github_release
    if gr:
        click.echo(f"GitHub Release {gr['tag']} {'created' if gr['created'] else 'exists'}: {gr['url']}")
    click.echo(f"released {rel.versions} for #{n}")
