"""``lint`` and ``status`` give the same answers however they read the tree.

The findings of ``lint`` over the corpus and the ``status --json`` of the corpus read without
the cache are compared with snapshots taken before ``lint`` and cold ``status`` were rebuilt
for speed (tests/snapshots/lint-corpus.json, status-corpus.json); the link checker is also
compared with markdown-it-py's reading of every link, and the parallel path (worker
processes, used on large trees) with the serial one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import require_corpus, run_cli

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


@pytest.fixture
def corpus() -> Path:
    return require_corpus()


def _lint(root: Path) -> dict:
    from issue_flow.commands import lint
    from issue_flow.config import load_config

    return lint.collect(load_config(root), None)


def test_lint_findings_on_the_corpus_are_those_of_before(corpus):
    want = json.loads((SNAPSHOTS / "lint-corpus.json").read_text(encoding="utf-8"))
    got = _lint(corpus)
    assert got["files"] == want["files"]
    assert got["folders"] == want["folders"]
    assert got["problems"] == want["problems"]  # same findings, same order


def test_lint_cli_json_keeps_its_shape(corpus):
    res = run_cli("-C", str(corpus), "lint", "--json")
    assert res.code == 1
    data = json.loads(res.out)
    want = json.loads((SNAPSHOTS / "lint-corpus.json").read_text(encoding="utf-8"))
    assert data["problems"] == want["problems"]
    assert set(want["problems"][0]) == {"path", "line", "kind", "message"}


def test_status_without_cache_is_that_of_before(corpus, monkeypatch):
    monkeypatch.setenv("ISSUE_FLOW_NO_CACHE", "1")
    res = run_cli("-C", str(corpus), "status", "--json")
    assert res.code == 0, res
    assert json.loads(res.out) == json.loads((SNAPSHOTS / "status-corpus.json").read_text(encoding="utf-8"))


def test_status_with_a_warm_cache_is_the_same(corpus, tmp_path):
    root = tmp_path / "c"
    shutil.copytree(corpus / "docs", root / "docs")
    first = run_cli("-C", str(root), "status", "--json")
    second = run_cli("-C", str(root), "status", "--json")
    assert first.code == second.code == 0
    assert json.loads(first.out) == json.loads(second.out)


def test_parallel_lint_finds_what_serial_lint_finds(corpus, monkeypatch):
    from issue_flow import parallel

    serial = _lint(corpus)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "2")
    parallel = _lint(corpus)
    assert parallel == serial


def test_parallel_status_is_serial_status(corpus, monkeypatch):
    from issue_flow import parallel
    from issue_flow.workflows import status
    from issue_flow.config import load_config

    monkeypatch.setenv("ISSUE_FLOW_NO_CACHE", "1")
    cfg = load_config(corpus)
    serial = status.collect(cfg, None)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "2")
    assert status.collect(cfg, None) == serial


def _reference_links(doc) -> list[tuple[int, str]]:
    """The links as lint read them before: markdown-it-py's inline parser over each line
    the scanner calls text, item, table, heading or quote; link reference definitions."""
    import re
    from urllib.parse import unquote

    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    refdef = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)")
    kinds = doc.structure.kinds
    out = []
    for i, line in enumerate(doc.lines):
        if kinds[i] not in ("text", "item", "table", "heading", "quote"):
            continue
        if "](" in line:
            for tok in md.parseInline(line.rstrip("\r\n"))[0].children or []:
                href = tok.attrGet("href") if tok.type == "link_open" else tok.attrGet("src") if tok.type == "image" else None
                if href:
                    out.append((i + 1, unquote(str(href))))
        elif kinds[i] == "text" and "]:" in line:
            m = refdef.match(line)
            if m:
                out.append((i + 1, unquote(m.group(1))))
    return out


def test_link_scanner_reads_every_corpus_file_as_markdown_it_does(corpus):
    from issue_flow.linkcheck import links
    from issue_flow.model.document import Document

    files = sorted((corpus / "docs").rglob("*.md"))
    assert len(files) > 200
    for path in files:
        doc = Document.load(path)
        assert links(doc) == _reference_links(doc), path


@pytest.mark.parametrize(
    "line, hrefs",
    [
        ("see [a](./A.md) and ![i](img/x.png)", ["./A.md", "img/x.png"]),
        ("`[not](./code.md)` but [yes](./B.md)", ["./B.md"]),
        (r"\[escaped](./C.md) [real](D.md)", ["D.md"]),
        ("[t](<./with space.md>)", ["./with space.md"]),
        ('[t](./E.md "title")', ["./E.md"]),
        ("[t](./F%20G.md)", ["./F G.md"]),
        ("[a [nested] label](./H.md)", ["./H.md"]),
        ("[t](./I.md#part)", ["./I.md#part"]),
        ("[t](https://example.com/x.md)", ["https://example.com/x.md"]),
        ("[t]( ./J.md )", ["./J.md"]),
        ("[t](./K(1).md)", ["./K(1).md"]),
        ("``[x](./L.md)`` [y](./M.md)", ["./M.md"]),
        ("[t](./N.md) trailing `code [z](./O.md)`", ["./N.md"]),
        ("[link *emph*](./P.md)", ["./P.md"]),
        ("[![badge](./b.svg)](./Q.md)", ["./b.svg", "./Q.md"]),
    ],
)
def test_links_on_one_line_are_those_markdown_it_reads(line, hrefs):
    from issue_flow.linkcheck import links
    from issue_flow.model.document import Document

    doc = Document(None, line + "\n")
    assert sorted(h for _, h in links(doc)) == sorted(hrefs)
    assert sorted(h for _, h in _reference_links(doc)) == sorted(hrefs)


@pytest.mark.parametrize(
    "line",
    [
        "[a `b](c) d`", "`a [b` c](d)", "[x](a`b`)", "[a `]` b](c)", "``[x](y)`` `[z](w)` [v](u)",
        "` `` ` [a](b) `x", "[a](b) ``` [c](d)", "[t](./x.md) &amp; [u](./y&amp;.md)", r"[a\]](b) [c](d)",
        "<span>[a](b)</span>", "[a](b)[c](d)", "![i](<a b.png>)", "[a](b 'c')", "[a](b \"c\" )",
        "Docs & CI [a](./b.md): x & y", "[a](b&amp;c)", "[a&amp;b](c)", "&#91;[a](b)", "[a&#93;](b)",
        "&lbrack;a](b) [c](d)", r"\[a](b)", r"\\[a](b)", r"[a\*b](c)", r'\"x\" [a](b) \"y\"',
        r"\`[a](b)`", r"`\`[a](b)", r"[a](b) \(c\) \d \_e\_", r"\![a](b)", "[a](b)\\", r"\ [a](b)",
        r"[a](b) \] [c](d)", "[a](b) &amp; `&x [c](d)`", r"[a](b\_c) x",
    ],
)
def test_tricky_lines_read_as_markdown_it_reads_them(line):
    from issue_flow.linkcheck import links
    from issue_flow.model.document import Document

    doc = Document(None, line + "\n")
    assert links(doc) == _reference_links(doc)
