"""The real corpus: byte-exact round trips, one-line toggles, and the figures of #459/#462."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import assert_one_line_error, run_cli, snapshot
from mdref import reference

from issue_flow.model.document import Document


def _docs(corpus: Path) -> list[Path]:
    files = sorted(p for p in (corpus / "docs").rglob("*") if p.is_file())
    assert len(files) > 200
    return files


def test_every_docs_file_round_trips_byte_identical(corpus):
    for path in _docs(corpus):
        raw = path.read_bytes()
        try:
            doc = Document.from_bytes(raw, path)
        except Exception:
            assert not path.suffix == ".md", path
            continue
        assert doc.to_bytes() == raw, path


def _diff_lines(a: bytes, b: bytes) -> list[int]:
    la, lb = a.split(b"\n"), b.split(b"\n")
    assert len(la) == len(lb)
    return [i for i, (x, y) in enumerate(zip(la, lb)) if x != y]


def test_toggling_any_task_or_marker_changes_exactly_one_line(corpus):
    toggled_tasks = toggled_rows = 0
    for path in _docs(corpus):
        if path.suffix != ".md":
            continue
        raw = path.read_bytes()
        base = Document.from_bytes(raw, path)
        for k in range(len(base.tasks)):
            doc = Document.from_bytes(raw, path)
            task = doc.tasks[k]
            doc.set_task(task, not task.checked)
            changed = _diff_lines(raw, doc.to_bytes())
            assert changed == [task.line], (path, task.line)
            toggled_tasks += 1
        for t_no, table in enumerate(base.status_tables):
            for r_no, row in enumerate(table.rows):
                if not row.ok:
                    continue
                doc = Document.from_bytes(raw, path)
                t = doc.status_tables[t_no]
                r = t.rows[r_no]
                state = t.status(r).done
                doc.set_status(t, r, not bool(state))
                changed = _diff_lines(raw, doc.to_bytes())
                assert changed == [r.line], (path, r.line)
                # the evidence text survives the marker change
                ev_before = t.status(row).evidence if state is not None else None
                if ev_before:
                    assert ev_before in doc.line_text(r.line)
                toggled_rows += 1
    assert toggled_tasks > 1000 and toggled_rows > 250


def test_rows_with_wrong_cell_count_are_reported_not_editable(corpus):
    bad = 0
    for path in _docs(corpus):
        if path.suffix == ".md":
            doc = Document.load(path)
            for t in doc.tables:
                for r in t.rows:
                    if not r.ok:
                        bad += 1
                        assert t.status(r).marker is None  # never read, never written
    assert bad >= 10  # the unescaped '|' inside regexes of the corpus


def test_status_459_pairs_six_criteria_by_label(corpus):
    res = run_cli("-C", str(corpus), "status", "459", "--json")
    assert res.code == 0, res
    (issue,) = json.loads(res.out)["issues"]
    assert issue["criteria"] == {"done": 5, "total": 6}
    assert issue["pairing"] == "label" and issue["status_rows"] == 6
    assert issue["phases"] == {"done": 3, "total": 5}
    assert 462 in issue["children"]
    assert issue["drift"] == []


def test_status_462_pairs_seven_criteria_by_position(corpus):
    res = run_cli("-C", str(corpus), "status", "462", "--json")
    assert res.code == 0, res
    (issue,) = json.loads(res.out)["issues"]
    assert issue["criteria"] == {"done": 4, "total": 7}
    assert issue["pairing"] == "position" and issue["status_rows"] == 7
    assert issue["parent"] == 459


def test_status_of_whole_tree_reads_every_dialect(corpus):
    res = run_cli("-C", str(corpus), "status", "--json")
    assert res.code == 0, res
    data = json.loads(res.out)
    assert data["schema"] == 2
    by_number = {i["number"]: i for i in data["issues"]}
    # folders, loose files, a folder naming several issues, folders without README, epics
    assert {459, 462, 554, 555, 546, 512, 515, 318, 489, 195, 571} <= set(by_number)
    assert by_number[512]["path"] == by_number[515]["path"] == "docs/issues/ISSUE-512-515"
    assert by_number[546]["kind"] == "epic"
    skipped = {s["path"]: s["reason"] for s in data["skipped"]}
    assert "no issue number" in skipped["docs/issues/ISSUE-package-distribution.md"]
    # every issue whose documents hold a task or a status row shows a non-zero total
    for issue in data["issues"]:
        boxes = 0
        for d in issue["documents"]:  # task items as markdown-it-py finds them
            boxes += len(reference((corpus / d["path"]).read_text(encoding="utf-8"))["tasks"])
        if boxes:
            assert issue["tasks"]["total"] >= boxes, issue["number"]
    assert by_number[571]["tasks"] == {"done": 38, "total": 44} or by_number[571]["tasks"]["total"] > 7
    tracking = next(d for d in by_number[571]["documents"] if d["path"].endswith("ISSUE-571/TRACKING.md"))
    assert tracking["tasks"] == {"done": 6, "total": 7}
    text = run_cli("-C", str(corpus), "status")
    assert text.code == 0 and "#462" in text.out and "#512" in text.out


def _naive_dead_links(corpus: Path) -> set[tuple[str, int]]:
    """An independent finder: regex over lines outside fences and code spans."""
    found = set()
    for p in sorted((corpus / "docs" / "issues").rglob("*.md")):
        fence = False
        for i, line in enumerate(p.read_text(encoding="utf-8").split("\n")):
            if re.match(r"\s*(```|~~~)", line):
                fence = not fence
                continue
            if fence:
                continue
            for m in re.finditer(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", re.sub(r"`[^`]*`", "", line)):
                href = unquote(m.group(1).strip("<>"))
                if re.match(r"[a-z]+:", href) or href.startswith("#"):
                    continue
                target = href.split("#")[0]
                base = corpus if target.startswith("/") else p.parent
                if target and not os.path.exists(os.path.normpath(os.path.join(base, target.lstrip("/")))):
                    found.add((p.relative_to(corpus).as_posix(), i + 1))
    return found


def test_lint_over_corpus_reports_every_dead_relative_link(corpus):
    before = snapshot(corpus / "docs")
    res = run_cli("-C", str(corpus), "lint", "--json")
    assert res.code == 1, res
    assert "Traceback" not in res.err
    problems = json.loads(res.out)["problems"]
    dead = {(p["path"], p["line"]) for p in problems if p["kind"] == "dead-link"}
    assert dead == _naive_dead_links(corpus)
    assert len(dead) >= 85
    assert ("docs/issues/ISSUE-459/README.md", 23) in dead  # ../../packages/… is not in the subset
    assert snapshot(corpus / "docs") == before


def test_lint_reports_missing_backlink_and_no_false_pairing_findings(corpus):
    res = run_cli("-C", str(corpus), "lint", "--json")
    problems = json.loads(res.out)["problems"]
    kinds = {(p["kind"], p["path"]) for p in problems}
    assert ("backlink", "docs/issues/ISSUE-459/README.md") in kinds
    # #407's status table tracks its plan, not its criteria: nothing is unpaired there,
    # and no issue of the corpus reports drift that its documents do not show
    assert not [p for p in problems if p["kind"] in ("unpaired", "drift")], problems


def test_unknown_issue_number_is_exit_2(corpus):
    assert_one_line_error(run_cli("-C", str(corpus), "status", "99999"))


def test_folders_without_readme_and_multi_issue_folders_are_issues(corpus):
    res = run_cli("-C", str(corpus), "status", "489", "--json")
    assert res.code == 0, res
    (issue,) = json.loads(res.out)["issues"]
    assert issue["tasks"]["total"] > 0 and len(issue["documents"]) > 1
    res = run_cli("-C", str(corpus), "status", "515", "--json")
    (issue,) = json.loads(res.out)["issues"]
    assert issue["path"] == "docs/issues/ISSUE-512-515" and issue["tasks"]["total"] > 50


def _one_changed_line(repo: Path, rel: str, before: bytes) -> tuple[str, str]:
    after = (repo / rel).read_bytes()
    (pair,) = [(a, b) for a, b in zip(before.decode().split("\n"), after.decode().split("\n")) if a != b]
    return pair


@pytest.mark.parametrize(
    "number,name,rel,old,new",
    [
        # #571: a TRACKING file that is a checklist, the item named by its bold label
        ("571", "RED", "docs/issues/ISSUE-571/TRACKING.md",
         "- [x] **RED:** Failing test that sends a client message before upstream `open` and expects it on the "
         "upstream side after connect (attach-upgrade / `createOpenAIWss`).", None),
        # #407: a row of a wider phase table, named by its Item cell; the legend's words
        ("407", "CONVERSATION-STORAGE", "docs/issues/ISSUE-407/README.md",
         "| **2** | CONVERSATION-STORAGE / other refs (if needed) | ✅ Done | Best-practice + link to #407 |",
         "| **2** | CONVERSATION-STORAGE / other refs (if needed) | ⬜ Not started | Best-practice + link to #407 |"),
        # #554: a row named by the start of its code cell, a table written in words
        ("554", "npm audit --audit-level", "docs/issues/epic-546/ISSUE-554/TRACKING.md",
         "| `npm audit --audit-level=high` | **Done** — 0 vulnerabilities |",
         "| `npm audit --audit-level=high` | **Pending** — 0 vulnerabilities |"),
    ],
    ids=["571-tracking-checklist", "407-phase-table", "554-word-table"],
)
def test_check_untick_then_tick_a_real_item(corpus_copy, number, name, rel, old, new):
    before = (corpus_copy / rel).read_bytes()
    res = run_cli("check", number, name, "--undo", cwd=corpus_copy)
    assert res.code == 0, res
    assert _one_changed_line(corpus_copy, rel, before) == (old, new or old.replace("[x]", "[ ]", 1))
    assert run_cli("check", number, name, cwd=corpus_copy).code == 0
    assert (corpus_copy / rel).read_bytes() == before


def test_check_any_item_of_every_corpus_issue_changes_exactly_its_lines(corpus_copy):
    """Every item of every issue, named by its address: the tick (or untick) changes its
    own lines and nothing else, and undo gives the bytes back."""
    from issue_flow.config import load_config
    from issue_flow.model import items as itemmod
    from issue_flow.model.issues import IssueFolder, discover

    cfg = load_config(corpus_copy)
    disc = discover(cfg)
    tried = 0
    for number, ref in sorted(disc.folders.items()):
        folder = IssueFolder(cfg, ref)
        pool = itemmod.items(folder)
        for it in pool[:: max(1, len(pool) // 6)]:  # a sample of each issue's items
            path = it.doc.path
            before = path.read_bytes()
            args = ["check", str(number), it.address] + (["--undo"] if it.done else [])
            res = run_cli(*args, cwd=corpus_copy)
            assert res.code == 0, (number, it.address, res)
            after = path.read_bytes()
            changed = [k for k, (a, b) in enumerate(zip(before.split(b"\n"), after.split(b"\n"))) if a != b]
            assert changed and set(changed) <= set(it.lines), (number, it.address, changed, it.lines)
            path.write_bytes(before)
            tried += 1
    assert tried > 150
