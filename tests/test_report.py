"""``issue-flow report``: the static page and the Markdown job summary of every issue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import assert_one_line_error, copy_tree, git, refused, run_cli, snapshot

HOSTILE = "<script>alert(1)</script> | *bold* & [x](javascript:alert(2))"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    """Three issues (a parent, its child with drift and a hostile title, a loose file), one release."""
    root = tmp_path / "repo"
    _write(
        root / "docs/issues/ISSUE-1/README.md",
        "# Issue #1: parent work\n\n## Acceptance criteria\n\n- [x] **One** – first\n- [ ] **Two** – second\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| One | ✅ |\n| Two | ⬜ |\n",
    )
    _write(
        root / "docs/issues/ISSUE-1/TRACKING.md",
        "# Tracking\n\n## Investigate\n\n| Step | Status |\n|---|---|\n| Reproduce | ✅ |\n| Root cause | ⬜ |\n",
    )
    _write(
        root / "docs/issues/ISSUE-2/README.md",
        f"# Issue #2: {HOSTILE}\n\n**Parent:** #1\n\n## Acceptance criteria\n\n"
        "- [x] **Fix** – done here\n- [ ] **Release** – <b>not yet</b>\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| Fix | ⬜ |\n| Release | ⬜ |\n",
    )
    _write(root / "docs/issues/ISSUE-3-notes.md", "# Loose notes\n\n- [ ] look at the logs\n")
    _write(
        root / "docs/releases/v1.0.0/RELEASE-NOTES.md",
        "# Release Notes - v1.0.0\n\n**Release Date**: 2026-01-02  \n**Type**: Patch\n\nFixes #1 and #99.\n",
    )
    _write(root / "docs/releases/v1.0.0/CHANGELOG.md", "# Changelog - v1.0.0\n\n- Fixed (Issue #2)\n")
    _write(root / "docs/releases/v0.9.0/CHANGELOG.md", "# Changelog - v0.9.0\n")
    git(root, "init", "-q", "-b", "main")
    return root


def _status(root: Path) -> dict:
    res = run_cli("status", "--json", cwd=root)
    assert res.code == 0, res
    return json.loads(res.out)


# --------------------------------------------------------------------------- a DOM reader


class Page(HTMLParser):
    """The elements of a page as (tag, attrs, text) with their nesting, from the standard library."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        self.errors: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": "", "parent": self.stack[-1] if self.stack else None}
        self.elements.append(el)
        if tag not in self.VOID:
            self.stack.append(el)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1]["tag"] != tag:
            self.errors.append(f"unbalanced </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        for el in self.stack:
            el["text"] += data

    def find(self, tag=None, **attrs) -> list[dict]:
        out = []
        for el in self.elements:
            if tag is not None and el["tag"] != tag:
                continue
            if all(el["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items()):
                out.append(el)
        return out

    def within(self, el: dict, tag: str) -> list[dict]:
        out = []
        for other in self.elements:
            p = other["parent"]
            while p is not None and p is not el:
                p = p["parent"]
            if p is el and other["tag"] == tag:
                out.append(other)
        return out


def _html(root: Path, *extra: str) -> tuple[str, Page]:
    res = run_cli("report", "--html", "site", *extra, cwd=root)
    assert res.code == 0, res
    html = (root / "site/index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.errors == [] and page.stack == [], page.errors
    return html, page


# --------------------------------------------------------------------------- HTML


def test_html_has_every_issue_with_the_progress_of_status_json(repo):
    status = _status(repo)
    html, page = _html(repo)
    cards = {int(a["attrs"]["data-number"]): a for a in page.find("article")}
    assert sorted(cards) == [i["number"] for i in status["issues"]] == [1, 2, 3]
    for issue in status["issues"]:
        card = cards[issue["number"]]
        done, total = issue["tasks"]["done"], issue["tasks"]["total"]
        assert card["attrs"]["data-done"] == str(done) and card["attrs"]["data-total"] == str(total)
        bars = [p for p in page.within(card, "progress") if "tasks" in p["attrs"].get("class", "")]
        assert len(bars) == 1  # every issue of the fixture has something to count
        assert bars[0]["attrs"]["value"] == str(done) and bars[0]["attrs"]["max"] == str(total)
        assert f"{done}/{total}" in card["text"]
        # one bar per document, with that document's counts
        doc_bars = [p for p in page.within(card, "progress") if "doc" in p["attrs"].get("class", "")]
        assert [(p["attrs"]["value"], p["attrs"]["max"]) for p in doc_bars] == [
            (str(d["tasks"]["done"]), str(d["tasks"]["total"])) for d in issue["documents"] if d["tasks"]["total"]
        ]
    assert status["issues"][0]["tasks"] == {"done": 3, "total": 6}  # the fixture's figures, not a tautology


def test_html_escapes_issue_text_and_loads_nothing_from_outside(repo):
    html, page = _html(repo)
    assert "<script" not in html and "<b>" not in html
    assert page.find("script") == [] and page.find("b") == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    title = page.find("h3", id="issue-2-title")[0]
    assert HOSTILE in " ".join(title["text"].split())
    # nothing fetched: no external stylesheet, script, image or font; a CSP that forbids them
    for el in page.elements:
        for attr in ("src", "srcset"):
            assert attr not in el["attrs"], el
        if el["tag"] == "link":
            assert el["attrs"].get("href", "").startswith("data:"), el
    assert "url(" not in html and "@import" not in html
    csp = page.find("meta", http_equiv="Content-Security-Policy")
    assert len(csp) == 1 and "default-src 'none'" in csp[0]["attrs"]["content"]
    assert "unsafe-inline" not in csp[0]["attrs"]["content"]
    assert "javascript:" not in " ".join(a["attrs"].get("href", "") for a in page.find("a"))


def test_html_is_accessible_in_structure(repo):
    html, page = _html(repo)
    assert page.find("html")[0]["attrs"].get("lang") == "en"
    assert len(page.find("h1")) == 1
    assert page.find("meta", name="viewport")
    ids = [el["attrs"]["id"] for el in page.elements if "id" in el["attrs"]]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for bar in page.find("progress"):
        label = bar["attrs"].get("aria-label") or bar["attrs"].get("aria-labelledby")
        assert label, bar
        for ref in (bar["attrs"].get("aria-labelledby") or "").split():
            assert ref in ids, bar
    # headings do not skip a level
    levels = [int(el["tag"][1]) for el in page.elements if re.fullmatch(r"h[1-6]", el["tag"])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    # every in-page link has a target
    for a in page.find("a"):
        href = a["attrs"].get("href", "")
        if href.startswith("#"):
            assert href[1:] in ids, href


def test_html_shows_tree_drift_open_items_and_releases(repo):
    html, page = _html(repo)
    tree = page.find("section", id="tree")[0]
    # #2 is a child of #1: its link sits in a list nested in #1's list item
    child_links = [a for a in page.within(tree, "a") if a["attrs"].get("href") == "#issue-2"]
    assert len(child_links) == 1
    li = child_links[0]["parent"]
    while li["tag"] != "li":
        li = li["parent"]
    outer = li["parent"]["parent"]
    assert outer["tag"] == "li" and any(a["attrs"].get("href") == "#issue-1" for a in page.within(outer, "a"))
    card2 = page.find("article", id="issue-2")[0]
    assert "Fix" in card2["text"] and "drift" in card2["text"].lower()
    opens = " ".join(page.within(card2, "details")[0]["text"].split())
    assert "Release" in opens and "README.md#acceptance-criteria:2" in opens
    assert "Fix" not in opens.replace("README.md", "")  # ticked items are not open
    rel = page.find("section", id="releases")[0]
    rows = [r for r in page.within(rel, "tr") if page.within(r, "td")]
    assert [page.within(r, "td")[0]["text"] for r in rows] == ["v1.0.0", "v0.9.0"]  # newest first
    first = " | ".join(c["text"] for c in page.within(rows[0], "td"))
    assert "2026-01-02" in first and "Patch" in first and "#1" in first and "#2" in first
    assert "#99" not in first  # only issues the tree has
    skipped = " ".join(page.find("section", id="summary")[0]["text"].split())
    assert "3 issues" in skipped


def test_html_links_to_github_when_the_repository_is_known(repo):
    (repo / ".issue-flow.toml").write_text('repository = "acme/widget"\n', encoding="utf-8")
    html, page = _html(repo)
    hrefs = {a["attrs"]["href"] for a in page.find("a")}
    assert "https://github.com/acme/widget/issues/2" in hrefs
    assert "https://github.com/acme/widget/blob/main/docs/issues/ISSUE-1/TRACKING.md" in hrefs


# --------------------------------------------------------------------------- writing


def test_html_dry_run_writes_nothing(repo):
    before = snapshot(repo)
    res = run_cli("report", "--html", "site", "--dry-run", cwd=repo)
    assert res.code == 0, res
    assert "would write site/index.html" in res.out and "3 issues" in res.out
    assert snapshot(repo) == before


def test_html_rewrites_its_own_page_and_says_so(repo):
    res = run_cli("report", "--html", "site", cwd=repo)
    assert res.code == 0 and res.out.strip().startswith("created site/index.html"), res
    (repo / "site/other.txt").write_text("kept", encoding="utf-8")
    _write(repo / "docs/issues/ISSUE-3-notes.md", "# Loose notes\n\n- [x] look at the logs\n")
    res = run_cli("report", "--html", "site", cwd=repo)
    assert res.code == 0 and res.out.strip().startswith("updated site/index.html"), res
    page = Page((repo / "site/index.html").read_text(encoding="utf-8"))
    assert page.find("article", id="issue-3")[0]["attrs"]["data-done"] == "1"
    assert (repo / "site/other.txt").read_text() == "kept"


def test_html_refuses_to_overwrite_a_page_it_did_not_write(repo):
    _write(repo / "site/index.html", "<!doctype html><title>my site</title>\n")
    refused(repo, lambda: run_cli("report", "--html", "site", cwd=repo))


def test_html_outside_the_repository_only_when_absolute(repo, tmp_path):
    res = refused(repo, lambda: run_cli("report", "--html", "../out", cwd=repo))
    assert "outside the repository" in res.err
    assert not (tmp_path / "out").exists()
    target = tmp_path / "elsewhere" / "report"
    res = run_cli("report", "--html", str(target), cwd=repo)
    assert res.code == 0, res
    assert 'data-number="2"' in (target / "index.html").read_text(encoding="utf-8")


def test_html_relative_link_out_of_the_repository_is_refused(repo, tmp_path):
    (tmp_path / "outside").mkdir()
    (repo / "site").symlink_to(tmp_path / "outside")
    res = refused(repo, lambda: run_cli("report", "--html", "site", cwd=repo))
    assert "outside the repository" in res.err
    assert list((tmp_path / "outside").iterdir()) == []


def test_html_dir_that_is_a_file_is_refused(repo):
    _write(repo / "site", "a file\n")
    res = refused(repo, lambda: run_cli("report", "--html", "site", cwd=repo))
    assert "not a directory" in res.err


def test_needs_html_or_markdown(repo):
    res = run_cli("report", cwd=repo)
    assert_one_line_error(res)
    assert "--html" in res.err and "--markdown" in res.err
    assert_one_line_error(run_cli("report", "--markdown", "--dry-run", cwd=repo))


# --------------------------------------------------------------------------- Markdown


def _md_rows(md: str, first_header: str) -> list[list[str]]:
    lines = md.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"| {first_header} |"))
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]])
    width = len(re.split(r"(?<!\\)\|", lines[start])) - 2
    assert all(len(r) == width for r in rows), rows
    return rows


def test_markdown_has_every_issue_with_the_progress_of_status_json(repo):
    status = _status(repo)
    res = run_cli("report", "--markdown", cwd=repo)
    assert res.code == 0, res
    md = res.out
    rows = _md_rows(md, "Issue")
    assert [int(re.search(r"#(\d+)", r[0]).group(1)) for r in rows] == [1, 2, 3]
    for issue, row in zip(status["issues"], rows):
        assert row[3] == f"{issue['tasks']['done']}/{issue['tasks']['total']}", row
    assert rows[0][4].startswith("█████░░░░░ 50%"), rows[0]
    assert "\\<script\\>" in md and "<script>" not in md and "<b>" not in md
    assert re.search(r"^- #1 .*\n  - #2 ", md, re.M), md  # the tree
    assert "Fix" in md.split("## Drift", 1)[1].split("##", 1)[0]
    rel = _md_rows(md, "Release")
    assert [r[0] for r in rel] == ["v1.0.0", "v0.9.0"] and "#1" in rel[0][3] and "#99" not in rel[0][3]
    assert "README.md#acceptance-criteria:2" in md.split("## Open items", 1)[1]


def test_markdown_over_githubs_summary_limit_drops_the_item_lists(repo, monkeypatch):
    from issue_flow.workflows import report

    full = run_cli("report", "--markdown", cwd=repo).out
    monkeypatch.setattr(report, "SUMMARY_LIMIT", len(full.encode("utf-8")) - 1)
    short = run_cli("report", "--markdown", cwd=repo).out
    assert "README.md#acceptance-criteria:2" in full and "README.md#acceptance-criteria:2" not in short
    assert "- #2: 1 open item" in short and "1 MiB" in short
    assert _md_rows(short, "Issue") == _md_rows(full, "Issue")


def test_links_only_to_web_urls(repo):
    (repo / ".issue-flow.toml").write_text('repository = "acme/widget"\napi_url = "javascript:alert(1)//"\n', encoding="utf-8")
    html, page = _html(repo)
    hrefs = [a["attrs"]["href"] for a in page.find("a")]
    assert hrefs and all(h.startswith("#") for h in hrefs), hrefs
    assert "[#2](" not in run_cli("report", "--markdown", cwd=repo).out


def test_markdown_and_html_together(repo):
    res = run_cli("report", "--markdown", "--html", "site", cwd=repo)
    assert res.code == 0, res
    assert "| Issue |" in res.out and (repo / "site/index.html").is_file()


def test_parent_cycle_is_shown_once_and_ends(repo):
    _write(repo / "docs/issues/ISSUE-1/README.md", "# Issue #1: loop\n\n**Parent:** #2\n\n- [ ] a\n")
    res = run_cli("report", "--markdown", cwd=repo)
    assert res.code == 0, res
    tree = res.out.split("## Tree", 1)[1].split("\n## ", 1)[0]
    assert tree.count("#1 ") == 1 and tree.count("#2 ") == 1, tree


def test_empty_tree(tmp_path):
    root = tmp_path / "empty"
    (root / "docs/issues").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    res = run_cli("report", "--markdown", "--html", "out", cwd=root)
    assert res.code == 0, res
    assert "0 issues" in res.out
    assert 'class="issue"' not in (root / "out/index.html").read_text(encoding="utf-8")


def test_open_items_are_cached_by_file_identity(repo, monkeypatch):
    import os
    import time

    from issue_flow.workflows import status

    def age(path: Path) -> None:  # older than the two seconds a fresh file is never cached
        old = time.time() - 10
        os.utime(path, (old, old))

    for p in (repo / "docs").rglob("*.md"):
        age(p)
    calls = []
    real = status.open_items
    monkeypatch.setattr(status, "open_items", lambda folder: calls.append(folder.number) or real(folder))
    first = run_cli("report", "--markdown", cwd=repo)
    assert first.code == 0 and sorted(calls) == [1, 2, 3], (first, calls)
    calls.clear()
    again = run_cli("report", "--markdown", cwd=repo)
    assert again.out == first.out and calls == []
    notes = repo / "docs/issues/ISSUE-3-notes.md"
    _write(notes, "# Loose notes\n\n- [ ] look at the logs\n- [ ] and the traces\n")
    age(notes)
    third = run_cli("report", "--markdown", cwd=repo)
    assert calls == [3] and "and the traces" in third.out
    monkeypatch.setenv("ISSUE_FLOW_NO_CACHE", "1")
    calls.clear()
    assert run_cli("report", "--markdown", cwd=repo).out == third.out and sorted(calls) == [1, 2, 3]


# --------------------------------------------------------------------------- help and imports


def test_help_ends_with_examples():
    res = run_cli("report", "--help")
    assert res.code == 0
    tail = res.out.rstrip().splitlines()[-4:]
    assert "Examples:" in "\n".join(res.out.splitlines()[-6:])
    assert all(ln.strip().startswith("issue-flow report") for ln in tail[-3:]), tail
    assert "report" in run_cli("--help").out


def test_help_does_not_import_jinja2():
    code = (
        "import sys\nfrom issue_flow.cli import main\n"
        "for args in (['--help'], ['report', '--help']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print('HEAVY', [m for m in ('jinja2', 'markdown_it', 'issue_flow.model') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out, out


# --------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus_repo(tmp_path_factory):
    from conftest import require_corpus

    root = copy_tree(require_corpus(), tmp_path_factory.mktemp("report") / "repo")
    git(root, "init", "-q", "-b", "main")
    return root


def test_corpus_markdown_and_html_match_status_json(corpus_repo):
    status = _status(corpus_repo)
    assert len(status["issues"]) > 60
    md = run_cli("report", "--markdown", cwd=corpus_repo)
    assert md.code == 0, md
    rows = _md_rows(md.out, "Issue")
    assert [(int(re.search(r"#(\d+)", r[0]).group(1)), r[3]) for r in rows] == [
        (i["number"], f"{i['tasks']['done']}/{i['tasks']['total']}") for i in status["issues"]
    ]
    html, page = _html(corpus_repo)
    cards = page.find("article")
    assert [(int(c["attrs"]["data-number"]), c["attrs"]["data-done"], c["attrs"]["data-total"]) for c in cards] == [
        (i["number"], str(i["tasks"]["done"]), str(i["tasks"]["total"])) for i in status["issues"]
    ]
    rel = page.find("section", id="releases")[0]
    first = [r for r in page.within(rel, "tr") if page.within(r, "td")][0]
    assert page.within(first, "td")[0]["text"] == "v0.9.2" and "#462" in first["text"]


def test_corpus_open_items_match_status_n(corpus_repo):
    html, page = _html(corpus_repo)
    for number in (459, 462):
        res = run_cli("status", str(number), "--json", cwd=corpus_repo)
        expected = [o["address"] for o in json.loads(res.out)["issues"][0]["open_items"]]
        assert expected, number
        card = page.find("article", id=f"issue-{number}")[0]
        shown = [c["text"].strip() for c in page.within(card, "code") if "addr" in c["attrs"].get("class", "")]
        assert shown == expected, number
