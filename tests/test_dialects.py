"""Every dialect real issue trees are written in: each shape read, counted, ticked and paired.

The fixtures are written here (not taken from the corpus) so that each shape is specified
on its own: tasks under any heading, TRACKING checklists, status tables straight under the
title, tables with more columns, status words as markers, loose files, folders naming
several issues, epics, setext headings, CR-only files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_one_line_error, run_cli, snapshot

from issue_flow.model.pairing import Side, pair, similarity, words
from issue_flow.model.status import Style, parse_status, status_body


def write(root: Path, rel: str, text: str, newline: str = "\n") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return p


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, "docs/issues/ISSUE-571/README.md", """# Issue #571 — relay drops early messages

**GitHub:** [#571](https://github.com/o/r/issues/571)

## Acceptance (from GitHub #571)

- Messages sent before open are forwarded.
""")
    write(root, "docs/issues/ISSUE-571/TRACKING.md", """# Issue #571 — Tracking

## TDD / implementation

- [x] **RED:** Failing test that sends a message before open.
- [ ] **GREEN:** Queue and flush.
- [x] **`npm test`** — green.

## Review / close-out

- [ ] **Publish:** GitHub Release v0.11.1.
""")
    write(root, "docs/issues/ISSUE-407/README.md", """# Issue #407: Move function calls to the backend

## Acceptance criteria

- [x] Test-app no longer executes function logic in the browser.
- [ ] Documentation recommends backend execution.

## Status (tracking)

| Phase | Item | Status | Notes |
|-------|------|--------|-------|
| **1** | Backend contract for function execution | ✅ Done | contract |
| **1** | Implement backend handler | ⬜ Not started | |
| **2** | Docs updated | 🔄 In progress | README |

**Legend:** ⬜ Not started | 🔄 In progress | ✅ Done
""")
    write(root, "docs/issues/epic-546/README.md", """# Epic #546: TLS and packaging

## Epic checklist (report Section 7)

- [x] TLS documented
- [ ] Packaging smoke test
""")
    write(root, "docs/issues/epic-546/ISSUE-554/TRACKING.md", """# Tracking — #554

| Step | Status |
|------|--------|
| `npm run lint` | **Done** — exit 0; 4 warnings |
| `npm audit --audit-level=high` | Pending |
| E2E proxy mode | **Run, FAIL (1 failed, 25s timeout)** |
| Release notes | _Done_ |
| Smoke test | N/A |
""")
    write(root, "docs/issues/ISSUE-318-useEffect-not-running.md", """# Issue #318: useEffect not running

## Tasks / next steps

1. [x] Reproduce in the test-app
2. [ ] Fix the build
""")
    write(root, "docs/issues/ISSUE-512-515/README.md", """# Issues 512–515: unmapped events

### #512 — warnings

- [x] **RED:** failing test for 512.
- [ ] **GREEN:** proxy logs a warning.

### #515 — release

- [ ] **Publish:** patch release.
""")
    write(root, "docs/issues/ISSUES-490-379/NOTES.md", """Notes on 490 and 379
====================

- [ ] Decide ownership
""")
    write(root, "docs/issues/ISSUE-600/README.md", """# Issue #600: status straight under the title

| Item | Status |
|------|--------|
| Repro | **Done** — on 0.9.1 |
| Fix | Not started |
""", newline="\r")
    return root


def status_json(root: Path, *args: str) -> dict:
    res = run_cli("status", *args, "--json", cwd=root)
    assert res.code == 0, res
    return json.loads(res.out)


def by_number(root: Path) -> dict[int, dict]:
    return {i["number"]: i for i in status_json(root)["issues"]}


# ------------------------------------------------------------------- status


def test_every_shape_is_an_issue_with_its_items_counted(tree):
    issues = by_number(tree)
    assert {571, 407, 546, 554, 318, 512, 515, 490, 379, 600} <= set(issues)
    assert issues[571]["tasks"] == {"done": 2, "total": 4}  # the TRACKING checklist
    assert issues[407]["tasks"] == {"done": 2, "total": 5}  # 2 criteria + 3 rows (Item column)
    assert issues[546]["kind"] == "epic" and issues[546]["tasks"] == {"done": 1, "total": 2}
    # **Done** and _Done_ are done, Pending and a FAIL are open, N/A counts for nothing
    assert issues[554]["tasks"] == {"done": 2, "total": 4}
    assert issues[318]["tasks"] == {"done": 1, "total": 2}  # a loose file, numbered tasks
    assert issues[512]["tasks"] == issues[515]["tasks"] == {"done": 1, "total": 3}
    assert issues[490]["tasks"] == {"done": 0, "total": 1}
    assert issues[600]["tasks"] == {"done": 1, "total": 2}  # CR-only line endings
    for n, issue in issues.items():
        assert issue["tasks"]["total"] > 0, n


def test_breakdown_per_document_and_section(tree):
    (issue,) = status_json(tree, "571")["issues"]
    tracking = next(d for d in issue["documents"] if d["path"].endswith("TRACKING.md"))
    assert tracking["tasks"] == {"done": 2, "total": 4}
    assert [(s["section"], s["done"], s["total"]) for s in tracking["sections"]] == [
        ("TDD / implementation", 2, 3),
        ("Review / close-out", 0, 1),
    ]
    addresses = [o["address"] for o in issue["open_items"]]
    assert addresses == ["TRACKING.md#tdd--implementation:2", "TRACKING.md#review--close-out:1"]
    text = run_cli("status", "571", cwd=tree)
    assert text.code == 0 and "TRACKING.md#review--close-out:1" in text.out


def test_setext_headings_are_sections(tree):
    (issue,) = status_json(tree, "490")["issues"]
    assert issue["title"] == "Notes on 490 and 379"


# -------------------------------------------------------------------- check


def check(root: Path, *args: str):
    return run_cli("check", *args, cwd=root)


def changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


def test_check_a_tracking_checklist_item_by_bold_label(tree):
    path = tree / "docs/issues/ISSUE-571/TRACKING.md"
    before = path.read_bytes()
    res = check(tree, "571", "GREEN")
    assert res.code == 0, res
    assert changed_lines(before, path.read_bytes()) == [
        (b"- [ ] **GREEN:** Queue and flush.\n", b"- [x] **GREEN:** Queue and flush.\n")
    ]


def test_check_a_row_of_a_wide_table_by_its_item_cell(tree):
    path = tree / "docs/issues/ISSUE-407/README.md"
    before = path.read_bytes()
    assert check(tree, "407", "Implement backend handler").code == 0
    assert changed_lines(before, path.read_bytes()) == [
        (
            "| **1** | Implement backend handler | ⬜ Not started | |\n".encode(),
            "| **1** | Implement backend handler | ✅ Done | |\n".encode(),
        )
    ]


def test_a_tick_rewrites_a_status_word_that_says_the_opposite(tree):
    path = tree / "docs/issues/epic-546/ISSUE-554/TRACKING.md"
    before = path.read_bytes()
    assert check(tree, "554", "E2E proxy mode").code == 0
    assert check(tree, "554", "npm audit").code == 0
    lines = changed_lines(before, path.read_bytes())
    assert lines == [
        (b"| `npm audit --audit-level=high` | Pending |\n", b"| `npm audit --audit-level=high` | Done |\n"),
        (b"| E2E proxy mode | **Run, FAIL (1 failed, 25s timeout)** |\n", b"| E2E proxy mode | **PASS** |\n"),
    ]


def test_a_number_that_is_also_a_row_label_is_ambiguous(tree):
    before = snapshot(tree)
    res = check(tree, "407", "1")
    assert_one_line_error(res)
    assert "ambiguous" in res.err and "Test-app no longer" in res.err and "Backend contract" in res.err
    assert snapshot(tree) == before


def test_a_name_in_several_sections_is_ambiguous_and_an_address_is_not(tree):
    before = snapshot(tree)
    res = check(tree, "512", "Publish")
    assert res.code == 0, res  # one Publish item in #512/#515's documents
    res = check(tree, "512", "GRE")
    assert res.code == 0, res
    write(tree, "docs/issues/ISSUE-512-515/TDD-513.md", "# 513\n\n## Plan\n\n- [x] **GREEN:** 513 passes.\n")
    res = check(tree, "512", "GREEN", "--undo")  # both are done: which to untick is not to be guessed
    assert_one_line_error(res)
    assert "README.md#512--warnings:2" in res.err and "TDD-513.md#plan:1" in res.err
    res = check(tree, "512", "TDD-513.md#plan:1", "--undo")
    assert res.code == 0, res
    assert "- [ ] **GREEN:** 513 passes." in (tree / "docs/issues/ISSUE-512-515/TDD-513.md").read_text()
    assert before != snapshot(tree)


def test_prefix_needs_three_characters_or_a_whole_word(tree):
    assert_one_line_error(check(tree, "318", "Re"))
    assert check(tree, "318", "Fix").code == 0
    assert "2. [x] Fix the build" in (tree / "docs/issues/ISSUE-318-useEffect-not-running.md").read_text()


def test_a_word_table_gets_a_word_and_undo_restores_exact_bytes(tree):
    path = tree / "docs/issues/ISSUE-600/README.md"
    before = path.read_bytes()
    assert check(tree, "600", "Fix").code == 0
    after = path.read_bytes()
    assert changed_lines(before.replace(b"\r", b"\n"), after.replace(b"\r", b"\n")) == [
        (b"| Fix | Not started |\n", b"| Fix | Done |\n")
    ]
    assert b"\r\n" not in after and after.count(b"\r") == before.count(b"\r")
    assert check(tree, "600", "Fix", "--undo").code == 0
    assert path.read_bytes() == before


def test_note_on_a_done_item_says_it_replaces_the_evidence(tree):
    res = check(tree, "554", "npm run lint", "--note", "exit 0; 0 warnings")
    assert res.code == 0, res
    assert "replaces the evidence" in res.out and "4 warnings" in res.out
    text = (tree / "docs/issues/epic-546/ISSUE-554/TRACKING.md").read_text()
    assert "| `npm run lint` | **Done** exit 0; 0 warnings |" in text


def test_row_without_closing_pipe_gets_no_extra_space(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    path = write(root, "docs/issues/ISSUE-9/README.md", "# Issue #9: x\n\n| Step | Status\n|---|---\n| Ship | ⬜\n")
    assert check(root, "9", "Ship").code == 0
    assert path.read_text().endswith("| Ship | ✅\n")


# ------------------------------------------------------------------ pairing


def test_similarity_of_reworded_labels():
    assert similarity(words("Root cause fix"), words("Fix the root cause (proxy or component)")) == 1.0
    assert similarity(words("Analysis"), words("Analyse: session.update count")) == 1.0
    assert similarity(words("Docs updated on completion"), words("Issue closed")) == 0.0


def _sides(texts):
    return [Side(t.casefold(), words(t)) for t in texts]


def test_position_pairs_only_when_most_labels_agree_and_never_unrelated_ones():
    crit = _sides(["Root cause identified", "Gating implemented", "Docs updated on completion"])
    rows = _sides(["Root cause identified", "Gating implemented", "Issue closed"])
    p = pair(crit, rows)
    assert p.pairs == [(0, 0), (1, 1)] and p.unpaired_criteria == [2] and p.unpaired_rows == [2]
    crit = _sides(["Get proxy log excerpt", "Tests: add tests; lint passes", "Release: patch release"])
    rows = _sides(["Proxy log excerpt", "Tests / no regression", "Patch release"])
    p = pair(crit, rows)
    assert p.pairs == [(0, 0), (1, 1), (2, 2)] and p.mode == "position"


def test_duplicate_labels_pair_in_order_and_lint_names_them(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    path = write(root, "docs/issues/ISSUE-7/README.md", """# Issue #7: twice

## Acceptance criteria

- [ ] **Tests** – unit
- [ ] **Tests** – integration

## Status

| Criterion | Status |
|---|---|
| Tests | ⬜ unit |
| Tests | ⬜ integration |
""")
    assert check(root, "7", "2").code == 0
    text = path.read_text()
    assert "- [x] **Tests** – integration" in text and "| Tests | ✅ integration |" in text
    assert "| Tests | ⬜ unit |" in text
    res = run_cli("lint", "7", "--json", cwd=root)
    kinds = [p["kind"] for p in json.loads(res.out)["problems"]]
    assert "duplicate-label" in kinds


def test_a_plan_table_is_not_a_mirror_and_reports_nothing(tree):
    res = run_cli("lint", "407", "--json", cwd=tree)
    assert res.code == 0, res
    (issue,) = status_json(tree, "407")["issues"]
    assert issue["pairing"] == "none" and issue["drift"] == [] and issue["unpaired"] == []


def test_a_mirror_table_reports_unpaired_sides_by_name(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    write(root, "docs/issues/ISSUE-8/README.md", """# Issue #8: mirror

## Acceptance criteria

- [x] **Root cause identified** – found
- [ ] **Docs updated on completion** – later

## Status

| Criterion | Status |
|---|---|
| Root cause identified | ✅ |
| Issue closed | ⬜ |
""")
    res = run_cli("lint", "8", "--json", cwd=root)
    assert res.code == 1
    msgs = [p["message"] for p in json.loads(res.out)["problems"] if p["kind"] == "unpaired"]
    assert any("Docs updated on completion" in m for m in msgs)
    assert any("Issue closed" in m for m in msgs)
    assert not [p for p in json.loads(res.out)["problems"] if p["kind"] == "drift"]


# ------------------------------------------------------------------ markers


@pytest.mark.parametrize(
    "cell,done",
    [
        ("✅ Lint passed", True), ("⬜ Not started", False), ("**Done** — exit 0", True),
        ("**Done (2026-03-28)** — PASS", True), ("_Done_", True), ("Not started", False),
        ("In progress", False), ("Pending", False), ("FAIL", False), ("N/A", None),
        ("**Run, FAIL (1 failed)**", False), ("Implemented in listen-tls.ts", True),
        ("Open question: which port", None), ("Doneness", None),
    ],
)
def test_status_words(cell, done):
    assert parse_status(cell).done is done


@pytest.mark.parametrize(
    "cell,done,expected",
    [
        ("⬜ Not started", True, "✅ Done"),
        ("✅ Not started", True, "✅ Done"),
        ("✅ Done", False, "⬜ Not started"),
        ("**Run, FAIL (x)**", True, "**PASS**"),
        ("FAIL", True, "PASS"),
        ("**Done** — exit 0", False, "**Pending** — exit 0"),
        ("free text", True, "✅ free text"),
    ],
)
def test_a_new_state_is_written_in_the_cell_style(cell, done, expected):
    assert status_body(cell, done, None, Style()) == expected


def test_criteria_headings_are_configurable(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    write(root, "docs/issues/ISSUE-3/README.md", "# Issue #3: x\n\n## Exit criteria\n\n- [ ] **Ship** it\n\n## Notes\n\n- [ ] later\n")
    (issue,) = status_json(root, "3")["issues"]
    # "Exit criteria" is no criteria heading by default: the README's task lists are its checklist
    assert issue["criteria"]["total"] == 2
    write(root, ".issue-flow.toml", 'criteria_headings = ["Exit criteria"]\n')
    (issue,) = status_json(root, "3")["issues"]
    assert issue["criteria"] == {"done": 0, "total": 1}
    write(root, ".issue-flow.toml", "criteria_headings = [1]\n")
    assert_one_line_error(run_cli("status", cwd=root))


def test_a_name_in_several_documents_ticks_the_one_not_yet_done(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    write(root, "docs/issues/ISSUE-4/RELEASE-v1.md", "# v1\n\n- [x] Tests passing\n")
    write(root, "docs/issues/ISSUE-4/RELEASE-v2.md", "# v2\n\n- [ ] Tests passing\n")
    write(root, "docs/issues/ISSUE-4/RELEASE-v3.md", "# v3\n\n- [ ] Tests passing\n")
    res = check(root, "4", "Tests passing")
    assert_one_line_error(res)  # two are open: which one is not for issue-flow to guess
    (root / "docs/issues/ISSUE-4/RELEASE-v3.md").write_text("# v3\n\n- [x] Tests passing\n")
    assert check(root, "4", "Tests passing").code == 0
    assert (root / "docs/issues/ISSUE-4/RELEASE-v2.md").read_text() == "# v2\n\n- [x] Tests passing\n"
    assert (root / "docs/issues/ISSUE-4/RELEASE-v1.md").read_text() == "# v1\n\n- [x] Tests passing\n"


def test_discovery_says_which_issues_are_folders_and_the_model_believes_it(tree):
    from issue_flow.config import load_config
    from issue_flow.model.issues import IssueFolder, discover

    cfg = load_config(tree)
    found = discover(cfg).folders
    assert {n: ref.is_dir for n, ref in found.items() if n in (571, 554, 318, 512, 490)} == {
        571: True, 554: True, 318: False, 512: True, 490: True}
    loose, folder = IssueFolder(cfg, found[318]), IssueFolder(cfg, found[571])
    assert not loose._is_folder and folder._is_folder
    assert loose.folder == found[318].path.parent and folder.folder == found[571].path
    # a number found both as a loose file and as a folder lives in the folder
    write(tree, "docs/issues/ISSUE-318/README.md", "# Issue #318: now a folder\n")
    ref = discover(cfg).folders[318]
    assert ref.is_dir is True and ref.path.name == "ISSUE-318" and len(ref.files) == 2
    assert IssueFolder(cfg, ref)._is_folder
