"""The byte-exact document model on hand-written fixtures."""

from __future__ import annotations

import pytest

from issue_flow.model.document import Document
from issue_flow.model.status import parse_status, status_cell_text

DOC = (
    "# Issue #7: a \\| title\r\n"
    "\r\n"
    "**GitHub:** [#7 thing](https://github.com/o/r/issues/7)  \r\n"
    "**Parent**: [#3](https://github.com/o/r/issues/3) — the parent\r\n"
    "\r\n"
    "## Acceptance criteria\r\n"
    "\r\n"
    "- [x] **Alpha** – first ✅️ done   \r\n"
    "* [ ] **Beta**: second\r\n"
    "  - [X] nested child\r\n"
    "+ [ ] plus marker\r\n"
    "1. [ ] ordered dot\r\n"
    "2) [x] ordered paren\r\n"
    "- [-] not a task\r\n"
    "- [ ]\r\n"
    "- ~~[ ]~~ struck through\r\n"
    "\r\n"
    "```md\r\n"
    "- [ ] inside a fence\r\n"
    "```\r\n"
    "<!--\r\n"
    "- [ ] inside a comment\r\n"
    "-->\r\n"
    "\r\n"
    "| Criterion | Status |\r\n"
    "|-----------|--------|\r\n"
    "| Alpha     | ✅ done, see [x](./x.md) |\r\n"
    "| Beta      | ⬜       |\r\n"
    "| bad | row | extra |\r\n"
    "| - [ ] cell | ⬜ |\r\n"
    "\r\n"
    "no final newline"
)


def test_round_trip_is_byte_exact():
    doc = Document.from_bytes(DOC.encode())
    assert doc.to_bytes() == DOC.encode()
    assert not doc.changed


@pytest.mark.parametrize(
    "raw",
    [b"", b"\n", b"a", b"a\r\nb\r\n", b"\xef\xbb\xbf# BOM\n", b"x  \n\ny\t\n", "✅️ emoji\n".encode()],
)
def test_round_trip_edge_bytes(raw):
    assert Document.from_bytes(raw).to_bytes() == raw


def test_tasks_follow_githubs_rule():
    doc = Document.from_bytes(DOC.encode())
    got = [(t.text, t.checked, t.depth, t.label) for t in doc.tasks]
    assert got == [
        ("**Alpha** – first ✅️ done", True, 0, "Alpha"),
        ("**Beta**: second", False, 0, "Beta"),
        ("nested child", True, 1, None),
        ("plus marker", False, 0, None),
        ("ordered dot", False, 0, None),
        ("ordered paren", True, 0, None),
    ]


def test_headers_in_both_forms():
    doc = Document.from_bytes(DOC.encode())
    gh = doc.header("GitHub")
    parent = doc.header("Parent")
    assert gh.number == 7 and gh.url == "https://github.com/o/r/issues/7"
    assert parent.number == 3 and parent.line == 3
    assert doc.title.text == "Issue #7: a \\| title"


def test_status_table_rows_and_bad_rows():
    doc = Document.from_bytes(DOC.encode())
    (table,) = doc.status_tables
    assert table.headers == ["Criterion", "Status"]
    labels = [(r.label, r.ok) for r in table.rows]
    assert labels == [("Alpha", True), ("Beta", True), ("bad", False), ("- [ ] cell", True)]
    st = table.status(table.rows[0])
    # the status word after the symbol belongs to the marker (a tick rewrites it)
    assert (st.marker, st.done, st.evidence) == ("✅ done", True, ", see [x](./x.md)")


def _changed_lines(a: bytes, b: bytes) -> list[int]:
    la, lb = a.split(b"\n"), b.split(b"\n")
    assert len(la) == len(lb)
    return [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]


def test_set_task_changes_one_character():
    raw = DOC.encode()
    doc = Document.from_bytes(raw)
    beta = doc.tasks[1]
    doc.set_task(beta, True)
    new = doc.to_bytes()
    assert _changed_lines(raw, new) == [8]
    assert new.split(b"\r\n")[8] == b"* [x] **Beta**: second"
    doc.set_task(beta, False)
    assert doc.to_bytes() == raw


def test_set_status_keeps_evidence_and_endings():
    raw = DOC.encode()
    doc = Document.from_bytes(raw)
    table = doc.status_tables[0]
    doc.set_status(table, table.rows[0], False)
    new = doc.to_bytes()
    assert _changed_lines(raw, new) == [26]
    assert "| Alpha     | ⬜ not started, see [x](./x.md) |\r\n".encode() in new
    doc.set_status(table, table.rows[1], True, note="v1.2 | v3")
    assert "| Beta      | ✅ v1.2 \\| v3 |\r\n".encode() in doc.to_bytes()


def test_wrong_cell_count_row_is_never_edited():
    doc = Document.from_bytes(DOC.encode())
    table = doc.status_tables[0]
    from issue_flow.errors import IssueFlowError

    with pytest.raises(IssueFlowError):
        doc.set_status(table, table.rows[2], True)
    assert doc.to_bytes() == DOC.encode()


@pytest.mark.parametrize(
    "cell,done,marker,evidence",
    [
        ("✅ Lint passed. test:mock passed (96 suites, 922 tests).", True, "✅", "Lint passed. test:mock passed (96 suites, 922 tests)."),
        ("⬜ Optional: later", False, "⬜", "Optional: later"),
        ("**Done**", True, "**Done**", ""),
        ("_Done_ yes", True, "_Done_", "yes"),
        ("Pending", False, "Pending", ""),
        ("Pass", True, "Pass", ""),
        ("Fail: 2 tests", False, "Fail", ": 2 tests"),
        ("N/A", None, "N/A", ""),
        ("[x] ok", True, "[x]", "ok"),
        ("⚠️ flaky", False, "⚠️", "flaky"),
        ("🔄 running", False, "🔄", "running"),
        ("⏳", False, "⏳", ""),
        ("❌ broke", False, "❌", "broke"),
        ("free text only", None, None, "free text only"),
        ("Doneness", None, None, "Doneness"),
    ],
)
def test_markers(cell, done, marker, evidence):
    st = parse_status(cell)
    assert (st.marker, st.done, st.evidence) == (marker, done, evidence)


@pytest.mark.parametrize(
    "cell,done,note,expected",
    [
        (" ⬜       ", True, None, " ✅       "),
        (" ✅ evidence ", False, None, " ⬜ evidence "),
        (" Pending ", True, None, " Done "),
        (" **Done** ", False, None, " **Pending** "),
        (" [ ] ", True, None, " [x] "),
        (" ⬜       ", True, "0.9.2 / 0.2.2", " ✅ 0.9.2 / 0.2.2 "),
        (" ✅ same ", True, None, " ✅ same "),
        (" text ", True, None, " ✅ text "),
        ("", True, None, " ✅ "),
    ],
)
def test_status_cell_text(cell, done, note, expected):
    assert status_cell_text(cell, done, note) == expected


def test_a_nul_byte_is_refused_at_its_character_offset_and_other_text_is_not():
    import pytest

    from issue_flow.errors import IssueFlowError
    from issue_flow.fsutil import decode_utf8

    with pytest.raises(IssueFlowError, match=r"^f.md: not a text file \(NUL byte at 2\)$"):
        decode_utf8("é✅\x00x".encode(), "f.md")  # the third character, the sixth byte
    with pytest.raises(IssueFlowError, match=r"not UTF-8 text \(byte 1\)"):
        decode_utf8(b"a\xff\x00", "f.md")
    assert decode_utf8("é✅ 0 \\0".encode(), "f.md") == "é✅ 0 \\0"
