"""``issue-flow lint [N] [--json]``: report problems without changing anything.

Problems: drift between a criterion and its status row, criteria and status rows that
cannot be paired, relative links whose target does not exist (in every Markdown file
under the docs folder), title/GitHub header lines whose number disagrees with the folder,
and a parent whose README does not link back to the child.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from issue_flow.errors import CheckFailed, IssueFlowError

def _problem(cfg, path: Path, line: int | None, kind: str, message: str) -> dict:
    return {
        "path": path.relative_to(cfg.root).as_posix() if path.is_absolute() else str(path),
        "line": line,
        "kind": kind,
        "message": message,
    }


def links(doc) -> list[tuple[int, str]]:
    """(line number, href) of every link, image and link reference definition of ``doc``
    outside code (see :mod:`issue_flow.linkcheck`)."""
    from issue_flow.linkcheck import links as _links

    return _links(doc)


def dead_links(cfg, path: Path, doc, listings=None) -> list[dict]:
    from issue_flow.linkcheck import dead_links as _dead

    return [_problem(cfg, path, line, "dead-link", f"link target does not exist: {href}")
            for line, href in _dead(cfg.root, path, doc, listings)]


def folder_problems(cfg, folder, disc) -> list[dict]:
    from issue_flow.model.issues import GITHUB_KEYS, IssueFolder

    out = []
    readme = folder.readme
    rpath = folder.primary_path
    for f in folder.findings():
        out.append(_problem(cfg, f.path, f.line, f.kind, f.message))
    # Title and GitHub header lines must name this folder's issue.
    title = readme.title
    shared = disc.folders[folder.number].shared if folder.number in disc.folders else False
    if title is not None and folder.kind == "issue" and not shared and folder.has_readme:
        m = re.search(r"#(\d+)", title.text)
        if m and int(m.group(1)) != folder.number:
            out.append(_problem(cfg, rpath, title.line + 1, "header", f"title names #{m.group(1)}, folder is #{folder.number}"))
    for doc in (readme, folder.tracking):
        if doc is None or shared:
            continue
        h = folder.header(GITHUB_KEYS, doc)
        if h is None:
            continue
        if h.number is not None and h.number != folder.number:
            out.append(
                _problem(cfg, doc.path, h.line + 1, "header", f"GitHub line names #{h.number}, folder is #{folder.number}")
            )
        url = h.url
        if url and cfg.repository:
            m = re.search(r"github\.com/([\w.-]+/[\w.-]+)/issues/", url)
            if m and m.group(1).lower() != cfg.repository.lower():
                out.append(
                    _problem(cfg, doc.path, h.line + 1, "header", f"GitHub line links {m.group(1)}, repository is {cfg.repository}")
                )
    # The parent should link back to this child.
    parent = folder.parent
    if parent is not None and parent != folder.number and parent in disc.folders:
        pf = IssueFolder(cfg, disc.folders[parent])
        try:
            ptext = pf.readme.text
        except IssueFlowError:
            ptext = ""
        if not re.search(rf"(#|ISSUE-){folder.number}(?!\d)", ptext):
            out.append(
                _problem(cfg, pf.primary_path, None, "backlink", f"parent #{parent} does not link back to #{folder.number}")
            )
    return out


def collect(cfg, number: int | None) -> dict:
    """Issue checks per folder, then the links of every Markdown file under the docs folder.

    A folder's own files are checked right after the folder, reusing the documents the
    issue checks read, and dropped before the next folder. The folders (and then the other
    files) are independent tasks: on a large tree they run in worker processes
    (:mod:`issue_flow.parallel`), their findings joined in the serial order.
    """
    from issue_flow import parallel
    from issue_flow.linkcheck import Listings
    from issue_flow.model.document import Document
    from issue_flow.model.issues import IssueFolder, discover, load_issue

    disc = discover(cfg)
    if number is not None:
        folders = [load_issue(cfg, number, disc)]
        files = list(folders[0].files)
    else:
        folders = [IssueFolder(cfg, ref) for ref in disc.folders.values()]
        files = sorted(cfg.docs_dir.rglob("*.md"))
    pending = set(files)
    tasks: list[tuple] = []  # (folder or None, the files whose links it checks)
    for f in sorted(folders, key=lambda f: f.number):
        mine = [p for p in f.files if p in pending]
        pending.difference_update(mine)
        tasks.append((f, mine))
    rest = sorted(pending)
    for k in range(0, len(rest), 16):
        tasks.append((None, rest[k : k + 16]))
    listings = Listings()

    def work(k: int) -> list[dict]:
        f, paths = tasks[k]
        out: list[dict] = []
        if f is not None:
            try:
                out += folder_problems(cfg, f, disc)
            except IssueFlowError as exc:
                if number is not None:
                    raise
                out.append(_problem(cfg, f.path, None, "unreadable", exc.message))
        for path in paths:
            try:
                doc = (f._docs.get(path) if f is not None else None) or Document.load(path)
            except IssueFlowError as exc:
                if number is not None:
                    raise
                out.append(_problem(cfg, path, None, "unreadable", exc.message))
                continue
            out += dead_links(cfg, path, doc, listings)
        if f is not None:
            f.forget()  # drop the parsed documents before the next issue
        return out

    problems: list[dict] = []
    weights = [len(t[1]) + (2 if t[0] is not None else 0) for t in tasks]
    for found in parallel.map_in_order(work, len(tasks), len(files) if number is None else 0, weights):
        problems += found
    return {"problems": problems, "files": len(files), "folders": len(folders)}


def ignored(rules: list[str], problem: dict) -> bool:
    """Does an ignore rule ``"KIND [PATH-GLOB]"`` (or ``"* GLOB"``) match the finding?"""
    from fnmatch import fnmatch

    for rule in rules:
        kind, _, glob = rule.strip().partition(" ")
        if kind not in ("*", problem["kind"]):
            continue
        if not glob.strip() or fnmatch(problem["path"], glob.strip()):
            return True
    return False


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


def _grouped(problems: list[dict]) -> list[str]:
    """Findings for people: dead links to one target on one line, however often they occur."""
    lines: list[str] = []
    groups: dict[str, list[dict]] = {}
    for p in problems:
        if p["kind"] == "dead-link":
            groups.setdefault(p["message"], []).append(p)
        else:
            where = p["path"] + (f":{p['line']}" if p["line"] else "")
            lines.append(f"{where}: {p['kind']}: {p['message']}" + (f" ({p['hint']})" if p.get("hint") else ""))
    for message, ps in groups.items():
        if len(ps) == 1:
            p = ps[0]
            lines.append(f"{p['path']}:{p['line']}: dead-link: {message}" + (f" ({p['hint']})" if p.get("hint") else ""))
            continue
        where = ", ".join(f"{p['path']}:{p['line']}" for p in ps[:4]) + (f", and {len(ps) - 4} more" if len(ps) > 4 else "")
        hint = next((p["hint"] for p in ps if p.get("hint")), None)
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
    from issue_flow import fsutil
    from issue_flow.model.issues import parse_number
    from issue_flow.output import emit_json, run_plan

    cfg = app.config
    n = parse_number(number) if number is not None else None
    rules = list((getattr(cfg, "lint", None) or {}).get("ignore", []))
    only = changed_files(cfg, changed) if changed is not None else None

    def found() -> dict:
        data = collect(cfg, n)
        kept = [p for p in data["problems"] if not ignored(rules, p) and (only is None or p["path"] in only)]
        return dict(data, problems=kept, ignored=len(data["problems"]) - len(kept))

    data = found()
    result: dict = {}
    if fix is not None:
        from issue_flow.workflows.lint_fix import plan_fix

        with fsutil.repo_lock(cfg.root):
            plan, fixed, hints = plan_fix(cfg, n, data["problems"], None if fix == "links" else fix)
            for k, hint in hints.items():
                data["problems"][k]["hint"] = hint
            result = {"fixed": [data["problems"][k] for k in fixed], "files": [w.path.relative_to(cfg.root).as_posix() for w in plan.writes]}
            if as_json:
                if not dry_run:
                    plan.apply(cfg.root)
            else:
                if plan.writes:
                    run_plan(plan, dry_run=dry_run, root=cfg.root)
        if not dry_run:  # what is left, read again from the files
            keyed = {(p["path"], p["line"], p["message"]): p.get("hint") for p in data["problems"]}
            data = found()
            for p in data["problems"]:
                if keyed.get((p["path"], p["line"], p["message"])):
                    p["hint"] = keyed[(p["path"], p["line"], p["message"])]
        else:
            fixed_set = set(fixed)
            data = dict(data, problems=[p for k, p in enumerate(data["problems"]) if k not in fixed_set])
    if as_json:
        emit_json(dict(data, **({"fix": result, "dry_run": dry_run} if fix is not None else {})))
    else:
        for line in _grouped(data["problems"]):
            click.echo(line)
        if fix is not None:
            click.echo(f"{'would fix' if dry_run else 'fixed'} {len(result['fixed'])} problem(s) in {len(result['files'])} file(s)")
        extra = f" ({data['ignored']} ignored)" if data.get("ignored") else ""
        click.echo(f"{len(data['problems'])} problem(s) in {data['files']} file(s), {data['folders']} issue(s){extra}")
    if data["problems"]:
        raise CheckFailed(f"lint found {len(data['problems'])} problem(s)")
