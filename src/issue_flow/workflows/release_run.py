"""A release run, end to end: the gate check, the repository lock, the plan, commit, tags,
the GitHub Release, and the result.

Why a module of its own: this is the use-case ``issue-flow release`` calls; the command
(:mod:`issue_flow.commands.release`) parses the options and prints, this module decides
and acts, in this order:

1. ``--github-release`` (not under ``--dry-run``): the GitHub client is opened first, so
   a missing token stops the run before anything is done; ``--record`` records the
   gates' report files as the results of HEAD (before the repository lock: recording
   takes it too);
2. under the repository lock (not under ``--dry-run``): the release is planned
   (:func:`issue_flow.workflows.release.plan_release`). Released before: the commit,
   tags and GitHub Release an interrupted run left out are made (state ``already``);
3. a dirty tree: exit 2 (not under ``--dry-run``); a required gate that does not pass
   for HEAD, or ``--dry-run``: nothing is applied (state ``held``; the command shows
   the plan and exits 1 when a gate fails);
4. otherwise the command's ``apply`` runs the plan (every file at once, then
   ``--commit`` / ``--tag``, then the GitHub Release), and the release-docs check adds
   its warnings (state ``released``).

What was made is read from the executor's :class:`~issue_flow.plan.Outcome`
(:class:`Done`); nothing is printed here except what ``say_err`` is given.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Callable

from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record


def github_for_gates(cfg: Any) -> Any:
    """The GitHub adapter for the commit's check runs and statuses, or None.

    Only with a token (GITHUB_TOKEN / GH_TOKEN) and a known repository; otherwise the
    gates are judged from local evidence alone (so --dry-run needs no token). Building
    the adapter sends no request; GitHub is asked only about gates with no result
    recorded locally for HEAD.
    """
    from issue_flow.github_session import optional_github

    return optional_github(cfg)[0]


def output_key(name: str) -> str:
    return "version-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "package")


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


@record
class Run:
    """What :func:`run_release` did: ``state`` is ``already``, ``held`` or ``released``."""

    rel: Any
    head: str
    state: str
    records: Any  # the --record plan (GateRecord), empty without --record
    recorded: Any  # its outcome
    outcome: Any = None
    results: list = factory(list)
    failing: list = factory(list)
    done: Done = factory(Done)

    def plan_data(self, root: Any) -> list[dict[str, Any]]:
        """The --json "plan": the records, then the release's actions, each with its status."""
        return self.recorded.to_data(root) + self.outcome.to_data(root)

    def to_dict(self, *, dry_run: bool) -> dict[str, Any]:
        released = self.state == "released"
        return {"plan": self.plan_data(self.rel.cfg.root), **result(self.rel, self.results, self.head, released=released, dry_run=dry_run, done=self.done)}


def actions_values(rel: Any) -> dict[str, str]:
    """The GitHub Actions outputs of a release: versions, version-<package>, tag-<package>, released."""
    values = {"versions": rel.versions}
    for b in rel.bumps:
        values[output_key(b.package.name)] = b.old if rel.already else b.new
    for b in rel.bumps:  # tag-<package> and released: documented in action.yml and the README
        values["tag-" + output_key(b.package.name)[len("version-"):]] = b.package.tag_prefix + (b.old if rel.already else b.new)
    values["released"] = "false" if rel.already else "true"
    return values


def actions_markdown(rel: Any, done: Done) -> str:
    """The GitHub Actions job summary of a release."""
    if rel.already:
        return f"### Release of #{rel.number}\n\nAlready released: {rel.versions}; nothing to do.\n"
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
    return "\n".join(lines) + "\n"


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
        acts.commit = rel.plan.add(GitCommit(root, paths, commit_message(rel)))
    if tag:
        for b in rel.bumps:
            version = b.old if finishing else b.new
            name = b.package.tag_prefix + version
            target = acts.commit if acts.commit is not None else "HEAD"
            acts.tags.append(rel.plan.add(GitTag(root, name, f"{b.display} {version} (#{rel.number})", target, exists_ok=finishing)))
    return acts


def commit_message(rel: Any) -> str:
    if rel.already:  # finishing an interrupted release: the versions are the current ones
        body = [f"{b.display} {b.old}" for b in rel.bumps]
    else:
        body = [f"{b.display} {b.old} -> {b.new}" for b in rel.bumps] + [n for n in rel.notes if " said " in n]
    return f"chore: release {rel.versions} (#{rel.number})\n\n" + "\n".join(body) + "\n"


def check_planned_docs(rel: Any) -> None:
    """The release-docs check on what the release folder would hold after the plan."""
    from issue_flow.workflows.release_docs import missing_files

    if rel.docs_dir is None:
        return
    present = {p.name for p in rel.docs_dir.iterdir()} if rel.docs_dir.is_dir() else set()
    present |= {w.path.name for w in rel.plan.writes if w.path.parent == rel.docs_dir}
    missing = missing_files(present, rel.kind)
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} would lack {', '.join(missing)} (release-docs check, {rel.kind})")


def result(rel: Any, results: list, head: str, *, released: bool, dry_run: bool, done: Done) -> dict[str, Any]:
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


def run_release(
    cfg: Any,
    n: int,
    packages: tuple[str, ...],
    *,
    part: str | None,
    pre: str | None,
    commit: bool,
    tag: bool,
    github_release: bool,
    draft: bool,
    record: bool,
    dry_run: bool,
    apply: Callable[[Any], Any],
    say_err: Callable[[str], None],
) -> Run:
    """Release issue ``n`` (see the module docstring); ``apply(rel)`` runs the plan of a
    release that goes ahead and returns the executor's outcome."""
    from issue_flow import fsutil
    from issue_flow.adapters import git
    from issue_flow.adapters.git_background import Background
    from issue_flow.plan import Outcome, Plan, execute
    from issue_flow.workflows import gate as gates
    from issue_flow.workflows import release as releasing

    gh = None
    if github_release and not dry_run:
        from issue_flow.github_session import open_github

        cfg.require_repository()
        gh = open_github(cfg, required=True)  # before anything is written: no token, nothing done

    records = Plan(root=cfg.root)  # --record: before the repository lock (recording takes it too)
    if record:
        from issue_flow.workflows.gate_run import plan_gates

        head = git.head_sha(cfg.root)
        records = plan_gates(cfg, head, record=True)
        recorded = execute(records, dry_run=dry_run)
        if not dry_run:
            names = ", ".join(records.calls[0].entries) if records.calls else "none (no report file found)"
            say_err(f"recorded for {head[:12]} from report files: {names}")
    else:
        recorded = Outcome()
    pending = records.calls[0].entries if record and dry_run and records.calls else None

    with contextlib.ExitStack() as stack:
        if not dry_run:
            stack.enter_context(fsutil.repo_lock(cfg.root))
        # HEAD's SHA from git while the release is planned (same answer as git.head_sha)
        asked = Background(cfg.root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        try:
            rel = releasing.plan_release(cfg, n, packages, part=part, pre=pre)
        finally:
            answer = (asked.result() or "").strip()
        head = answer if re.fullmatch(r"[0-9a-f]{40,64}", answer) else git.head_sha(cfg.root)
        run = Run(rel, head, "already", records, recorded)
        if rel.already:
            if github_release and not dry_run and not tag and not git.tag_exists(cfg.root, rel.tag):
                raise IssueFlowError(f"tag {rel.tag} does not exist: add --commit --tag to make it before the GitHub Release")
            acts = add_git_actions(rel, commit=commit, tag=tag, finishing=True)
            if github_release:
                add_github_release(rel, gh, acts, draft=draft)
            run.outcome = execute(rel.plan, cfg.root, dry_run=dry_run)
            run.done = Done.of(run.outcome, acts)
            return run
        if github_release and not tag:
            raise IssueFlowError(
                f"--github-release needs the tag {rel.tag}: add --commit --tag (or release, push, and rerun with --github-release)"
            )
        if not dry_run:
            git.require_clean(cfg.root)  # the refusal names the files
        run.results = gates.evaluate(cfg, head, github_for_gates(cfg), pending=pending)
        run.failing = gates.failing(run.results)
        acts = add_git_actions(rel, commit=commit, tag=tag)
        if github_release:
            add_github_release(rel, gh, acts, draft=draft)
        if run.failing or dry_run:
            if dry_run:
                check_planned_docs(rel)
            run.state = "held"
            run.outcome = execute(rel.plan, cfg.root, dry_run=True)
            return run
        run.state = "released"
        run.outcome = apply(rel)
        run.done = Done.of(run.outcome, acts)

    from issue_flow.workflows.release_docs import check_folder

    missing = check_folder(rel.docs_dir, rel.kind)
    if missing:
        rel.warnings.append(f"{rel.rel(rel.docs_dir)} lacks {', '.join(missing)} (release-docs check, {rel.kind})")
    return run
