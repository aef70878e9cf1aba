"""A document read in part answers as the document scanned whole (issue_flow.model.partial).

A scan of the first lines gives the kinds and headings of all but its last line; the title,
the header lines and the status tables read without a whole scan are those of a whole
scan; a text in which no header row above a delimiter row names a Status column holds no
status table.
"""

from __future__ import annotations

import random

from issue_flow.model.document import Document, split_lines, strip_markup
from issue_flow.model.partial import may_hold_status_table, may_hold_task, prefix_scan
from issue_flow.model.scan import scan

SHAPES = [
    "", "", " ", "\t", "# Title #12", "## Acceptance criteria", "Setext title", "===", "---", "-", "- ", "* * *",
    "1.", "2) x", "- [ ] open task", "- [x] **Label** – done task", "  - [ ] nested task", "    - [x] deeper",
    "\t- [ ] tab nested", "  continuation text", "    indented code", "lazy line", "```", "```js", "  ```", "~~~",
    "- ```", "<!-- comment start", "<!-- one-line comment -->", "-->", "<div>", "</div>",
    "| Step | Status |", "| **Status** | Item |", "|------|--------|", "|---|---|", "| :-- | --: |", "---|---",
    "| Do it | ✅ yes |", "a | b", "Status | x", "| `Status` |", "| St*at*us |", "| [Status](s.md) |", "-", "|",
    "> quoted", "> - [ ] quoted task", "**GitHub:** [#12](https://github.com/o/r/issues/12)",
    "**Parent:** #3", "  **GitHub**: #9", "**Issue:** #4", "Text with **bold** words.",
]


def random_text(rnd: random.Random) -> str:
    lines = [rnd.choice(SHAPES) for _ in range(rnd.randint(1, 40))]
    eol = rnd.choice(["\n", "\n", "\r\n", "\r"])
    return eol.join(lines) + (eol if rnd.random() < 0.8 else "")


def facts(s, below: int) -> tuple:
    return (s.kinds[:below], [(h.line, h.level, h.text, h.setext) for h in s.headings if h.line < below])


def assert_cuts_exact(text: str, cuts) -> None:
    lines = split_lines(text)
    whole = scan(lines)
    for m in cuts:
        assert facts(scan(lines[:m]), m - 1) == facts(whole, m - 1), (m, text[:300])


def assert_read_in_part_as_whole(text: str) -> None:
    part, whole = Document(None, text), Document(None, text)
    whole.structure  # noqa: B018 - the whole scan first: the general path
    for key in ("GitHub", "GitHub Issue", "Issue", "Parent", "Epic", "Labels"):
        assert part.header(key) == whole.header(key), (key, text[:300])
    assert part.title == whole.title, text[:300]
    assert part.status_tables == whole.status_tables, text[:300]


def test_a_scan_of_the_first_lines_is_exact_but_for_its_last_line_on_the_corpus(corpus):
    files = sorted(corpus.rglob("*.md"))
    assert len(files) > 200
    rnd = random.Random(5)
    for path in files:
        text = path.read_text(encoding="utf-8")
        n = len(split_lines(text))
        assert_cuts_exact(text, range(1, n + 1) if n <= 60 else sorted(rnd.sample(range(1, n + 1), 40)))


def test_a_scan_of_the_first_lines_is_exact_but_for_its_last_line_on_random_documents():
    rnd = random.Random(16)
    for _ in range(4_000):
        text = random_text(rnd)
        assert_cuts_exact(text, range(1, len(split_lines(text)) + 1))


def test_title_headers_and_status_tables_read_in_part_are_those_of_a_whole_scan(corpus):
    for path in sorted(corpus.rglob("*.md")):
        assert_read_in_part_as_whole(path.read_text(encoding="utf-8"))
    rnd = random.Random(17)
    for _ in range(20_000):
        assert_read_in_part_as_whole(random_text(rnd))


def test_status_tables_are_never_missed_on_random_documents():
    rnd = random.Random(18)
    seen = 0
    for _ in range(20_000):
        text = random_text(rnd)
        found = bool(Document(None, text).status_tables)  # read in part
        whole = Document(None, text)
        whole.structure  # noqa: B018
        has = any(t.status_col is not None for t in whole.tables)
        seen += has
        assert not has or may_hold_status_table(text, strip_markup), text
        assert found == has
    assert seen > 1_000  # the generator makes status tables


def test_a_document_without_a_status_table_is_not_scanned_whole():
    lines = ["# Issue #7: a title", "", "**GitHub:** [#7](https://github.com/o/r/issues/7)", "**Parent:** #3", ""]
    lines += [f"- [ ] task {k}" for k in range(200)]
    doc = Document(None, "\n".join(lines) + "\n")
    assert doc.title is not None and doc.title.text == "Issue #7: a title"
    assert doc.header("GitHub").line == 2 and doc.header("Parent").number == 3
    assert doc.status_tables == []
    assert "structure" not in doc.__dict__
    assert len(doc.structure.tasks) == 200  # asked, the whole scan is made


def test_a_header_line_in_code_is_skipped_for_the_next_one():
    text = "# T\n```\n**GitHub:** #1\n```\n" + "text\n" * 100 + "**GitHub:** #2\n"
    doc = Document(None, text)
    assert doc.header("GitHub").number == 2


def test_prefix_scan_grows_geometrically_and_ends_whole():
    lines = [f"line {k}\n" for k in range(1000)]
    got = prefix_scan(lines, 0, None)
    assert got[1] == 7 and len(got[0].kinds) == 8
    got = prefix_scan(lines, 40, got)
    assert got[1] == 41
    assert prefix_scan(lines, 10, got) is got
    got = prefix_scan(lines, 400, got)
    assert got[1] == 401
    got = prefix_scan(lines, 600, got)  # most of the document: all of it
    assert got[1] == 1000 and len(got[0].kinds) == 1000


def test_tasks_are_never_missed_and_a_text_without_a_box_is_not_scanned(corpus):
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.md"))]
    rnd = random.Random(19)
    texts += [random_text(rnd) for _ in range(20_000)]
    texts += ["- [\t] tab in the box\n- [-] dash\n- [] empty\n- [ ]\n", "* [X] done\n", "1) [x] y\n"]
    without = 0
    for text in texts:
        part, whole = Document(None, text), Document(None, text)
        assert part.tasks == whole.tasks, text[:300]  # ``part`` may skip the scan, ``whole`` is asked first below
        if not may_hold_task(text):
            without += 1
            assert not scan(split_lines(text)).tasks, text[:300]
            assert "structure" not in part.__dict__
    assert without > 1_000 and without < len(texts)


def test_status_counts_a_document_with_neither_tasks_nor_status_table_without_scanning_it(tmp_path):
    from issue_flow.config import load_config
    from issue_flow.model.issues import load_issue
    from issue_flow.model.summaries import summarize

    issue = tmp_path / "docs" / "issues" / "ISSUE-5"
    issue.mkdir(parents=True)
    (issue / "README.md").write_text("# Issue #5: t\n\n## Acceptance criteria\n\n- [x] **A** – a\n- [ ] **B** – b\n")
    (issue / "ANALYSIS.md").write_text("# Analysis\n\n## Log\n\n" + "Some words, a [link](README.md).\n" * 300)
    (tmp_path / ".issue-flow.toml").write_text("")
    folder = load_issue(load_config(tmp_path), 5)
    got = summarize(folder)
    by_path = {d["path"]: d for d in got["documents"]}
    assert by_path["docs/issues/ISSUE-5/ANALYSIS.md"]["tasks"] == {"done": 0, "total": 0}
    assert by_path["docs/issues/ISSUE-5/README.md"]["tasks"] == {"done": 1, "total": 2}
    analysis = folder.load(issue / "ANALYSIS.md")
    assert "structure" not in analysis.__dict__
    assert "lines" not in analysis.__dict__  # not even split into lines


def test_a_document_never_split_is_its_text_and_unchanged():
    doc = Document(None, "a\r\nb\rc")
    assert doc.text == "a\r\nb\rc" and not doc.changed and "lines" not in doc.__dict__
    assert doc.lines == ["a\r\n", "b\r", "c"] and not doc.changed
    doc.lines[1] = "B\r"
    assert doc.changed and doc.text == "a\r\nB\rc" and doc.original_bytes == b"a\r\nb\rc"


def test_task_states_are_the_tasks_lines_and_boxes_without_building_the_tasks(corpus):
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.md"))]
    rnd = random.Random(23)
    texts += [random_text(rnd) for _ in range(5_000)]
    texts += ["- [\t] tab\n- [X] big\n- [x] small\n- [ ] open\n", "1) [x] y\r\n  - [ ] z"]
    for text in texts:
        part, whole = Document(None, text), Document(None, text)
        assert part.task_states() == [(t.line, t.checked) for t in whole.tasks], text[:300]
        assert "tasks" not in part.__dict__
        assert whole.task_states() == [(t.line, t.checked) for t in whole.tasks]
