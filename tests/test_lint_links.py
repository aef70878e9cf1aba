"""Links read from a file's bytes alone are the links lint read through the line scanner.

``linkcheck.quick_links`` reads a document without the block scanner when nothing in it
can make a link line code (no fence delimiter, no line starting with ``<``, no link line
indented four columns or with a tab, no reference definition, no lone CR); otherwise it
says so (None) and the scanner decides, as before. ``linkcheck.file_links`` is the one
entry point lint uses: both must give the scanner's answer on every corpus file and on the
documents below, which put links where a scanner-less reading would go wrong. Then the
link targets: one listing per folder says what ``os.path.exists`` would (case, symbolic
links, files used as folders, ``..`` above the root).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import require_corpus

from issue_flow import linkcheck
from issue_flow.model.document import Document

TRICKY = [
    "# T\n\nsee [a](./a.md)\n",
    "plain\n\n```\n[in fence](./f.md)\n```\n[out](./o.md)\n",
    "~~~md\n[tilde fence](./t.md)\n~~~\n",
    "````\n```\n[in fence](./a.md)\n````\n[out](./b.md)\n",
    "```\n[a](./a.md)\n~~~\n[still in](./b.md)\n```\n[out](./c.md)\n",
    "``` a `b` c\n[not a fence](./a.md)\n```\n[fenced](./b.md)\n",
    "```\n[unclosed](./a.md)\n",
    "```\n[a](./a.md)\n```  x\n[still in](./b.md)\n```   \n[out](./c.md)\n",
    "```\n[a](./a.md)\n```\u00a0\n[after a closer with NBSP](./b.md)\n",
    "```[info](./i.md)\n[in](./a.md)\n```\r\n[out](./b.md)\r\n",
    "- [item](./i.md)\n```\n[fence ends the list](./f.md)\n```\n- [again](./j.md)\n",
    "| a | b |\n|---|---|\n| [c](./c.md) | d |\n```\n[f](./f.md)\n```\n",
    "text with ``` inline ``` [a](./a.md)\n",
    "- item\n\n      [indented in item](./i.md)\n\n    [code](./c.md)\n",
    "para\n    [continuation](./p.md)\n",
    "\t[tab code](./tab.md)\n",
    "  \t[space tab](./st.md)\n",
    "<!--\n[commented](./x.md)\n-->\n[after](./y.md)\n",
    "<div>\n[in html](./h.md)\n</div>\n\n[after html](./ah.md)\n",
    "  <details>\n[inside details](./d.md)\n",
    "[ref]: ./ref.md\n",
    "| a | b |\n|---|---|\n[ref]: ./in-table.md\n",
    "> [quoted](./q.md)\n> [ref]: ./qref.md\n",
    "line one\r\n[crlf](./crlf.md)\r\n",
    "lone\r[cr](./cr.md)\r",
    "form\x0cfeed [ff](./ff.md)\n\u2028[ls](./ls.md)\n",
    "no newline at the end [e](./e.md)",
    "[a](./a.md) [b](./b.md) `[c](./c.md)` ![i](./i.png)\n",
    "`` ` `` [x](<./with space.md>) [y](./y.md \"title\")\n",
    "# Heading [h](./h.md)\nSetext [s](./s.md)\n---\n",
    "| [cell](./cell.md) | b |\n|---|---|\n| [row](./row.md) | c |\n",
    "- [ ] [task](./task.md)\n  - [nested](./n.md)\n",
    "text ]( not a link\n]: nor this\n",
    "émoji ✅ [ü](./ü.md) [pct](./a%20b.md)\n",
]


def _scanner_links(data: bytes) -> list[tuple[int, str]]:
    return linkcheck.links(Document.from_bytes(data))


@pytest.mark.parametrize("text", TRICKY)
def test_quick_reading_is_the_scanners_or_declines(text):
    data = text.encode("utf-8")
    quick = linkcheck.quick_links(data)
    if quick is not None:
        assert quick == _scanner_links(data)
    assert linkcheck.file_links(data, text) == _scanner_links(data)


@pytest.mark.parametrize(
    "text",
    [
        "- item\n\n  ```\n  [in an item's fence](./f.md)\n  ```\n",
        "```\n  ```\n[still fenced](./f.md)\n```\n",
        "<!--\n[commented](./x.md)\n-->\n",
        "    [code](./c.md)\n",
        "\t[tab code](./tab.md)\n",
        "[ref]: ./ref.md\n",
        "lone\r[cr](./cr.md)\r",
    ],
)
def test_structure_that_can_hide_a_link_goes_to_the_scanner(text):
    assert linkcheck.quick_links(text.encode("utf-8")) is None


def test_documents_without_code_are_read_without_the_scanner():
    data = "# T\n\n- [a](./a.md)\n| [b](b.md) |\n> [c](../c.md)\n".encode()
    assert linkcheck.quick_links(data) == [(3, "./a.md"), (4, "b.md"), (5, "../c.md")]
    fenced = "```\n[in fence](./f.md)\n```\n[out](./o.md)\n~~~\n[t](./t.md)\n".encode()
    assert linkcheck.quick_links(fenced) == [(4, "./o.md")]


def test_every_corpus_file_reads_as_through_the_scanner():
    corpus = require_corpus()
    files = sorted((corpus / "docs").rglob("*.md"))
    assert len(files) > 200
    quick = 0
    for path in files:
        data = path.read_bytes()
        want = _scanner_links(data)
        got = linkcheck.quick_links(data)
        if got is not None:
            quick += 1
            assert got == want, path
        assert linkcheck.file_links(data, data.decode("utf-8")) == want, path
    assert quick > len(files) // 2  # the fast reading is the common case


# ------------------------------------------------------------------------ targets


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    d = root / "docs" / "issues" / "ISSUE-1"
    d.mkdir(parents=True)
    (d / "README.md").write_text("# x\n")
    (d / "Notes.md").write_text("n\n")
    (d / "sub").mkdir()
    (d / "sub" / "deep.md").write_text("d\n")
    (d / "to-readme.md").symlink_to("README.md")
    (d / "dangling.md").symlink_to("nowhere.md")
    (d / "to-sub").symlink_to("sub")
    (d / "loop").symlink_to("loop")
    return root


HREFS = [
    "README.md", "./README.md", "readme.md", "README.MD", "Notes.md", "notes.md",
    "sub", "sub/", "sub/deep.md", "sub/Deep.md", "sub/../README.md", "missing/../README.md",
    "to-readme.md", "dangling.md", "to-sub/deep.md", "to-sub/", "loop", "loop/x",
    "README.md/x", "../ISSUE-1/README.md", "../../issues/ISSUE-1/sub/deep.md",
    "../../../../../../../../etc", "/docs/issues/ISSUE-1/README.md", "/docs/issues/ISSUE-1/nope.md",
    "README.md#part", "README.md?x=1", "nope.md#README.md", "%52EADME.md", "./", ".", "..",
]


def test_link_targets_exist_exactly_when_the_file_system_says_so(tree):
    path = tree / "docs" / "issues" / "ISSUE-1" / "README.md"
    body = "".join(f"[l]({h})\n" for h in HREFS)
    doc = Document(path, body)
    listings = linkcheck.Listings()
    dead = linkcheck.dead_links(tree, path, doc, listings)
    expected = []
    for line, href in linkcheck.links(doc):
        target = href.split("#", 1)[0].split("?", 1)[0]
        base = str(tree) if target.startswith("/") else str(path.parent)
        if target and not os.path.exists(os.path.normpath(os.path.join(base, target.lstrip("/")))):
            expected.append((line, href))
    assert dead == expected
    assert {h for _, h in dead} >= {"readme.md", "README.MD", "notes.md", "sub/Deep.md", "dangling.md",
                                    "loop", "loop/x", "README.md/x", "/docs/issues/ISSUE-1/nope.md"}
    assert linkcheck.dead_links(tree, path, doc, listings) == dead  # the listings, reused


# ------------------------------------------------------------------------ relative links at all?

ABSOLUTE_ONLY = [
    "see [a](https://example.com/a) and [b](#b) and [c](mailto:x@example.com) and [d](//cdn/x)\n",
    "[ref]: https://example.com/r\n[ref2]:  #anchor\n",
    "no link at all\n",
    "[win](C:/x) is a scheme too\n",
]
MAY_BE_RELATIVE = [
    "[a](./a.md)\n", "[a]( ./a.md)\n", "[a](<./a b.md>)\n", "[a](http%3A//x)\n", "[r]: ./r.md\n", "[r]:\t<./r.md>\n",
    "[a](https://x) then [b](b.md)\n", "[a](\\./a.md)\n", "![i](img.png)\n", "[x](?q=1)\n",
]


def _relative_hrefs(data: bytes) -> list[tuple[int, str]]:
    """The links of ``data`` that ``dead_targets`` would look up (nothing exists here)."""
    class Nothing(linkcheck.Listings):
        def exists(self, path: str) -> bool:
            return False

    return linkcheck.dead_targets("/nowhere", "/nowhere/docs", linkcheck.file_links(data, data.decode("utf-8")), Nothing())


@pytest.mark.parametrize("text", ABSOLUTE_ONLY)
def test_a_text_with_absolute_links_only_is_ruled_out(text):
    data = text.encode("utf-8")
    assert not linkcheck.may_link_relatively(data)
    assert _relative_hrefs(data) == []


@pytest.mark.parametrize("text", MAY_BE_RELATIVE + TRICKY)
def test_a_text_that_may_link_relatively_is_read(text):
    data = text.encode("utf-8")
    if _relative_hrefs(data):
        assert linkcheck.may_link_relatively(data)
    if text in MAY_BE_RELATIVE:
        assert linkcheck.may_link_relatively(data)


def test_no_corpus_file_ruled_out_holds_a_relative_link():
    corpus = require_corpus()
    ruled_out = 0
    for path in sorted(corpus.rglob("*.md")):
        data = path.read_bytes()
        if not linkcheck.may_link_relatively(data):
            ruled_out += 1
            assert _relative_hrefs(data) == [], path
    assert ruled_out > 50  # prose and files with web links only are common


def _whole_scan_links(text: str) -> list[tuple[int, str]]:
    doc = Document(None, text)
    doc.structure  # noqa: B018 - scanned whole first: the general path
    return linkcheck.links(doc)


def test_links_read_from_the_lines_up_to_the_last_link_are_those_of_a_whole_scan():
    import random

    from test_partial_scan import random_text

    corpus = require_corpus()
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.md"))] + TRICKY
    rnd = random.Random(21)
    shapes = ["[a](./a.md)", "text [b](b.md) text", "[r]: ./r.md", "    [code](./c.md)", "```", "- [l](./l.md)"]
    for _ in range(10_000):
        lines = random_text(rnd).split("\n")
        lines.insert(rnd.randrange(len(lines) + 1), rnd.choice(shapes))
        texts.append("\n".join(lines))
    for text in texts:
        assert linkcheck.links(Document(None, text)) == _whole_scan_links(text), text[:300]


def test_a_document_whose_links_are_all_near_its_top_is_not_scanned_whole():
    text = "# T\n\n<div>\n[a](./a.md)\n</div>\n\n" + "".join(f"- item {k}\n" for k in range(500))
    doc = Document(None, text)
    assert linkcheck.quick_links(text.encode()) is None  # an HTML block: the scanner decides
    assert linkcheck.links(doc) == []  # inside the HTML block
    assert "structure" not in doc.__dict__
