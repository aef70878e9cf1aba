"""``issue-flow report``: every issue on one static page, or as a Markdown job summary.

The data is ``status --json`` (:func:`issue_flow.workflows.status.collect`) plus, for
each issue, its open items (one more pass over the issues, each loaded once and dropped)
and the release folders under ``docs/releases/``. Both outputs render from templates
under ``templates/report/`` (overridable like every template): ``index.html.j2``
(autoescaped: every text from a document is untrusted) and ``summary.md.j2`` (every
text through the Markdown filters). The page needs nothing but itself: its stylesheet is
inline and allowed by its hash in the page's Content-Security-Policy, there is no script,
and nothing is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path
from typing import Any

from issue_flow.errors import IssueFlowError
from issue_flow.workflows.report_releases import inside, release_folders

GENERATOR = "issue-flow report"
_MARKER = f'<meta name="generator" content="{GENERATOR}">'
BAR_WIDTH = 10


# --------------------------------------------------------------------------- data


def build(cfg) -> dict[str, Any]:
    """Everything the page and the summary show."""
    from issue_flow import links
    from issue_flow.workflows.status import collect

    data = collect(cfg, None)
    issues = data["issues"]
    opens = _open_items(cfg, {i["number"] for i in issues})
    known = {i["number"] for i in issues}
    releases = release_folders(cfg, known)
    shipped: dict[int, list[str]] = {}
    for rel in releases:
        for n in rel["issues"]:
            shipped.setdefault(n, []).append(rel["name"])
    repo = getattr(cfg, "repository", None)
    branch = getattr(cfg, "default_branch", None) or "main"
    done = total = 0
    for issue in issues:
        issue["open_items"] = opens.get(issue["number"], [])
        issue["released_in"] = shipped.get(issue["number"], [])
        issue["url"] = _web(links.issue_url(cfg, issue["number"])) if repo else None
        issue["pct"] = _pct(issue["tasks"])
        issue["parent_known"] = issue["parent"] in known
        for doc in issue["documents"]:
            doc["name"] = _doc_name(issue["path"], doc["path"])
            doc["url"] = _web(links.blob_url(cfg, branch, doc["path"])) if repo else None
            doc["pct"] = _pct(doc["tasks"])
        done += issue["tasks"]["done"]
        total += issue["tasks"]["total"]
    return {
        "issues": issues,
        "skipped": data["skipped"],
        "tree": _tree(issues),
        "releases": releases,
        "totals": {
            "issues": len(issues),
            "tasks": {"done": done, "total": total},
            "pct": _pct({"done": done, "total": total}),
            "open": sum(len(i["open_items"]) for i in issues),
            "drift": sum(1 for i in issues if i["drift"] or i["unpaired"]),
            "complete": sum(1 for i in issues if i["tasks"]["total"] and i["tasks"]["done"] == i["tasks"]["total"]),
        },
        "repository": repo,
    }


def _web(url: str | None) -> str | None:
    """A link only when it is an http(s) URL (the API URL comes from the configuration)."""
    return url if url and re.match(r"https?://[^\s\"'<>]+$", url) else None


def _pct(counts: dict[str, int]) -> int | None:
    return None if not counts["total"] else int(100 * counts["done"] / counts["total"])


def _doc_name(issue_path: str, doc_path: str) -> str:
    """A document as shown under its issue: relative to the issue's folder when inside it."""
    if doc_path != issue_path and doc_path.startswith(issue_path.rstrip("/") + "/"):
        return doc_path[len(issue_path.rstrip("/")) + 1 :]
    return doc_path


def _open_items(cfg, numbers: set[int]) -> dict[int, list[dict]]:
    """The open items of every issue: each issue loaded once and dropped before the next.

    Kept, like the summaries of ``status``, in a cache keyed by the identity of the issue's
    files (path, modification time in nanoseconds, size, inode) outside the work tree; a file
    changed within the last two seconds is never cached. Any problem with the cache means
    reading the documents.
    """
    from issue_flow.workflows.status import open_items
    from issue_flow.model.issues import IssueFolder, discover

    cache = _ItemsCache(cfg)
    out: dict[int, list[dict]] = {}
    for ref in discover(cfg).folders.values():
        if ref.number not in numbers:
            continue  # an issue status skipped: it is listed with the skipped ones
        folder = IssueFolder(cfg, ref)
        key = f"{ref.number}:{folder.rel}"
        ident, safe = _identity(folder.files)
        hit = cache.get(key, ident)
        if hit is not None:
            out[ref.number] = hit
            continue
        try:
            out[ref.number] = open_items(folder)
        except IssueFlowError:
            out[ref.number] = []
        finally:
            folder.forget()
        cache.put(key, ident if safe else None, out[ref.number])
    cache.save()
    return out


_RACY_NS = 2_000_000_000


def _identity(files) -> tuple[list | None, bool]:
    """([path, mtime_ns, size, inode] per file), and whether it is old enough to cache."""
    import time

    now = time.time_ns()
    ident: list = []
    safe = True
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            return None, False
        ident.append([str(path), st.st_mtime_ns, st.st_size, st.st_ino])
        safe = safe and now - st.st_mtime_ns >= _RACY_NS
    return ident, safe


class _ItemsCache:
    """Open items per issue in ``.git/issue-flow/report-cache.json`` (or the user's cache)."""

    def __init__(self, cfg):
        import json

        from issue_flow import __version__
        from issue_flow.model.summaries import cache_path

        self.path = cache_path(Path(cfg.root), "report-cache.json")
        self.tag = json.dumps([__version__, list(getattr(cfg, "criteria_headings", []))])
        self.old: dict = {}
        self.new: dict = {}
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("tag") == self.tag and isinstance(data.get("entries"), dict):
                self.old = data["entries"]
        except (OSError, ValueError, RecursionError):
            self.old = {}

    def get(self, key: str, ident) -> list[dict] | None:
        hit = self.old.get(key)
        if ident is None or not isinstance(hit, dict) or hit.get("id") != ident or not isinstance(hit.get("items"), list):
            return None
        items = hit["items"]
        if not all(isinstance(i, dict) and isinstance(i.get("address"), str) for i in items):
            return None
        self.new[key] = hit
        return items

    def put(self, key: str, ident, items: list[dict]) -> None:
        if ident is not None:
            self.new[key] = {"id": ident, "items": items}

    def save(self) -> None:
        import json

        if self.path is None or self.new == self.old:
            return
        try:
            from issue_flow import fsutil

            self.path.parent.mkdir(parents=True, exist_ok=True)
            fsutil.atomic_write(self.path, json.dumps({"tag": self.tag, "entries": self.new}).encode("utf-8"))
        except (OSError, IssueFlowError):
            pass


def _tree(issues: list[dict]) -> list[dict]:
    """The families: every issue with children, from its root down; each issue once.

    A root is an issue whose parent is not an issue of the tree (or has none). Issues left
    over after walking from the roots sit on a cycle of parents: the lowest number of each
    cycle becomes a root (marked), so the walk always ends and nothing is lost.
    """
    by_number = {i["number"]: i for i in issues}
    seen: set[int] = set()

    def node(n: int, cycle: bool = False) -> dict:
        seen.add(n)
        issue = by_number[n]
        kids = [node(c) for c in issue["children"] if c in by_number and c not in seen]
        return {"number": n, "title": issue["title"], "tasks": issue["tasks"], "pct": issue["pct"],
                "parent": issue["parent"] if not issue["parent_known"] else None, "cycle": cycle, "children": kids}

    roots = []
    for i in issues:
        own = i["parent"] is None or not i["parent_known"] or i["parent"] == i["number"]
        if own and (i["children"] or i["parent"] not in (None, i["number"])):
            roots.append(node(i["number"]))  # a family's root, or a child whose parent has no folder
    for i in issues:
        if i["number"] in seen or i["parent"] is None:
            continue
        n, path = i["number"], []
        while n in by_number and n not in path:  # up the parents to the cycle above
            path.append(n)
            n = by_number[n]["parent"]
        if n in by_number and n not in seen:
            roots.append(node(n, cycle=True))
    return roots


# --------------------------------------------------------------------------- rendering


def _env(cfg):
    """A sandboxed environment over the configured templates folder, then the built-in one;
    HTML templates autoescaped, Markdown ones filtered by hand."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from issue_flow.mdescape import FILTERS
    from issue_flow.templating import builtin_dir

    dirs = []
    user = getattr(cfg, "templates_dir", None)
    if user is not None and Path(user).is_dir():
        dirs.append(str(user))
    builtin = builtin_dir()
    if builtin is not None:
        dirs.append(str(builtin))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(dirs),
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.clear()
    env.filters.update(FILTERS)
    env.filters["md_code"] = md_code
    env.filters["text_bar"] = text_bar
    return env


def _render(cfg, name: str, context: dict[str, Any]) -> str:
    import jinja2
    from jinja2.sandbox import SecurityError

    try:
        return _env(cfg).get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise IssueFlowError(f"template {exc.name} not found (the report's templates are missing)") from None
    except jinja2.TemplateSyntaxError as exc:
        raise IssueFlowError(f"template {exc.name or name}:{exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise IssueFlowError(f"template {name}: not allowed in a template ({exc})") from None
    except (jinja2.TemplateError, TypeError, ValueError, LookupError, ArithmeticError) as exc:
        raise IssueFlowError(f"template {name}: {type(exc).__name__}: {exc}") from None


def render_html(cfg, report: dict[str, Any]) -> str:
    css = _render(cfg, "report/style.css.j2", {})
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"
    html = _render(cfg, "report/index.html.j2", dict(report, css=css, csp=csp, generator=GENERATOR))
    if _MARKER not in html:
        raise IssueFlowError(f"template report/index.html.j2 must keep the line {_MARKER} (it marks the page as ours)")
    return html


SUMMARY_LIMIT = 1_000_000  # bytes: GitHub keeps a job summary of up to 1 MiB per step


def render_markdown(cfg, report: dict[str, Any]) -> str:
    """The summary; when it would pass GitHub's limit, without the lists of open items
    (their counts stay, and the page has them)."""
    md = _render(cfg, "report/summary.md.j2", dict(report, list_open=True))
    if len(md.encode("utf-8")) > SUMMARY_LIMIT:
        md = _render(cfg, "report/summary.md.j2", dict(report, list_open=False))
    return md


def md_code(value: Any) -> str:
    """Plain text -> a Markdown code span that shows it as it is (one line)."""
    text = " ".join(str(value).split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def text_bar(counts: dict[str, int], width: int = BAR_WIDTH) -> str:
    """``█████░░░░░ 50%`` for done/total; an em dash when there is nothing to count."""
    if not counts["total"]:
        return "—"
    full = round(width * counts["done"] / counts["total"])
    if counts["done"] < counts["total"]:
        full = min(full, width - 1)  # never a full bar before everything is done
    return "█" * full + "░" * (width - full) + f" {int(100 * counts['done'] / counts['total'])}%"


# --------------------------------------------------------------------------- writing


def target(cfg, directory: str, cwd: Path | None = None) -> Path:
    """The page a ``--html DIR`` writes (DIR/index.html), or one line saying why not.

    A relative DIR is taken from the current directory and must stay inside the
    repository (symbolic links followed); an absolute DIR may be anywhere (the caller named
    it, e.g. ``$RUNNER_TEMP/report``). An existing index.html that issue-flow did not
    write is never overwritten.
    """
    if not directory or "\0" in directory:
        raise IssueFlowError("--html: not a valid directory")
    base = Path(cwd) if cwd is not None else Path.cwd()
    given = Path(directory).expanduser()
    folder = Path(os.path.realpath(given if given.is_absolute() else base / given))
    if not given.is_absolute() and not inside(folder, cfg.root):
        raise IssueFlowError(f"--html {directory}: outside the repository (give an absolute path to write there)")
    if folder.exists() and not folder.is_dir():
        raise IssueFlowError(f"--html {directory}: not a directory")
    page = folder / "index.html"
    if page.is_symlink() or (page.exists() and not page.is_file()):
        raise IssueFlowError(f"--html {directory}: index.html there is not a regular file; nothing written")
    if page.exists():
        try:
            with open(page, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
        except OSError as exc:
            raise IssueFlowError(f"--html {directory}: cannot read index.html ({exc.strerror})") from None
        if _MARKER not in head:
            raise IssueFlowError(
                f"--html {directory}: index.html there was not written by issue-flow; not overwritten (choose another DIR)"
            )
    return page


def write(cfg, page: Path, html: str) -> bool:
    """Write the page atomically; True when it was new."""
    from issue_flow import fsutil

    new = not page.exists()
    fsutil.atomic_write(page, html.encode("utf-8"), root=cfg.root if inside(page.parent, cfg.root) else None)
    return new
