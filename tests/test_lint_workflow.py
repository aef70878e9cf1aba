"""lint's use-case (issue-flow.workflows.lint): typed findings, one read per file, linear steps.

- Every finding has a :class:`Kind`; drift and unpaired findings are told apart by it (the
  JSON keeps its ``kind`` strings).
- The model and the link reading share one read of each file.
- A parent with many children is read once for all of their back-link checks, and its
  findings come out in the order of before.
- ``commands/lint.py`` only reads arguments and prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import require_corpus, run_cli

from issue_flow import fsutil
from issue_flow.config import load_config
from issue_flow.workflows import lint as wf


def test_every_finding_of_the_corpus_is_typed():
    corpus = require_corpus()
    report = wf.check(load_config(corpus))
    assert report.findings
    assert all(isinstance(f.kind, wf.Kind) for f in report.findings)
    kinds = {f.kind for f in report.findings}
    assert {wf.Kind.DEAD_LINK, wf.Kind.BACKLINK} <= kinds
    for f in report.findings:
        if f.kind is wf.Kind.DEAD_LINK:
            assert f.target and f.message == f"link target does not exist: {f.target}"
        if f.kind is wf.Kind.BACKLINK:
            assert f.message == f"parent #{f.parent} does not link back to #{f.child}"
    snapshot = json.loads((Path(__file__).parent / "snapshots" / "lint-corpus.json").read_text(encoding="utf-8"))
    assert [f.as_dict() for f in report.findings] == snapshot["problems"]


def _drift_repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    d = root / "docs/issues/ISSUE-5"
    d.mkdir(parents=True)
    (d / "README.md").write_text(
        "# Issue #5: x\n\n## Acceptance criteria\n\n- [x] **Alpha** – a\n- [ ] **Beta** – b\n- [ ] **Gamma** – c\n\n"
        "| Criterion | Status |\n|---|---|\n| Alpha | ⬜ not yet |\n| Beta | ⬜ not yet |\n| Something else | ✅ |\n"
    )
    return root


def test_drift_and_unpaired_are_told_apart_by_kind(tmp_path):
    report = wf.check(load_config(_drift_repo(tmp_path)))
    by_kind = {}
    for f in report.findings:
        by_kind.setdefault(f.kind, []).append(f.line)
    assert by_kind[wf.Kind.DRIFT] == [5]
    assert sorted(by_kind[wf.Kind.UNPAIRED]) == [7, 13]
    res = run_cli("lint", "--json", cwd=tmp_path / "r")
    assert sorted(p["kind"] for p in json.loads(res.out)["problems"]) == ["drift", "unpaired", "unpaired"]


def _family(tmp_path: Path, children: int) -> Path:
    root = tmp_path / "fam"
    (root / ".git").mkdir(parents=True)
    parent = root / "docs/issues/ISSUE-1"
    parent.mkdir(parents=True)
    linked = [n for n in range(2, children + 2) if n % 3]
    body = "# Issue #1: epic\n\n## Follow-ups\n\n" + "".join(f"- #{n} child\n" for n in linked)
    (parent / "README.md").write_text(body)
    for n in range(2, children + 2):
        d = root / f"docs/issues/ISSUE-{n}"
        d.mkdir()
        (d / "README.md").write_text(f"# Issue #{n}: child\n\n**Parent:** #1\n\nSee [notes](./NOTES.md).\n")
    return root


def test_a_parent_is_read_once_for_all_of_its_children(tmp_path, monkeypatch):
    root = _family(tmp_path, 60)
    reads: dict[str, int] = {}
    real = fsutil.read_bytes

    def counting(path):
        reads[str(path)] = reads.get(str(path), 0) + 1
        return real(path)

    monkeypatch.setattr(fsutil, "read_bytes", counting)
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "1")
    report = wf.check(load_config(root))
    parent = str(root / "docs/issues/ISSUE-1/README.md")
    assert reads[parent] <= 2  # its own checks, then every child's back-link
    assert all(v == 1 for k, v in reads.items() if k != parent)  # one read per file
    missing = [f.child for f in report.findings if f.kind is wf.Kind.BACKLINK]
    assert missing == [n for n in range(2, 62) if n % 3 == 0]
    # each child's findings in the order of before: its back-link, then its dead link
    kinds = [(f.path.split("/")[2], f.kind.value) for f in report.findings]
    assert kinds[:4] == [("ISSUE-2", "dead-link"), ("ISSUE-1", "backlink"), ("ISSUE-3", "dead-link"), ("ISSUE-4", "dead-link")]


def test_back_links_match_the_number_exactly(tmp_path):
    root = _family(tmp_path, 3)  # children 2, 3, 4
    (root / "docs/issues/ISSUE-1/README.md").write_text("# Issue #1: epic\n\n#20 ISSUE-30 #003 ISSUE-4x\n")
    report = wf.check(load_config(root))
    assert [f.child for f in report.findings if f.kind is wf.Kind.BACKLINK] == [2, 3]  # "ISSUE-4x" names #4
    (root / "docs/issues/ISSUE-1/README.md").write_text("# Issue #1: epic\n\n#2, ISSUE-3 and ##4.\n")
    report = wf.check(load_config(root))
    assert [f.child for f in report.findings if f.kind is wf.Kind.BACKLINK] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_unreadable_files_are_findings(tmp_path, monkeypatch, jobs):
    from issue_flow import parallel

    root = _family(tmp_path, 2)
    (root / "docs/issues/ISSUE-2/README.md").write_bytes(b"# Issue #2\n\xff\n")
    (root / "docs/issues/ISSUE-3/NOTES.md").write_bytes(b"nul \x00 byte\n")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setenv("ISSUE_FLOW_JOBS", jobs)
    got = [(f.path, f.kind.value, f.message.split(": ", 1)[1]) for f in wf.check(load_config(root)).findings
           if f.kind is wf.Kind.UNREADABLE]
    assert got == [
        ("docs/issues/ISSUE-2", "unreadable", "not UTF-8 text (byte 11)"),
        ("docs/issues/ISSUE-2/README.md", "unreadable", "not UTF-8 text (byte 11)"),
        ("docs/issues/ISSUE-3/NOTES.md", "unreadable", "not a text file (NUL byte at 4)"),
    ]


def test_the_command_only_reads_arguments_and_prints():
    src = Path(wf.__file__).parents[1] / "commands" / "lint.py"
    text = src.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 130
    assert "workflows import lint" in text and "def check" not in text and "parallel" not in text


def test_the_files_checked_are_those_rglob_finds(tmp_path):
    top = tmp_path / "docs"
    for rel in ("a/b.md", "a-c.md", "a/x.md/inner.md", ".hidden/h.md", "UP.MD", "z/deep/er/e.md", "n.md.txt"):
        p = top / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x\n")
    (top / "linked-dir").symlink_to(top / "a")
    (top / "dangling.md").symlink_to(top / "nowhere.md")
    (top / "to-b.md").symlink_to(top / "a" / "b.md")
    assert wf.markdown_files(top) == [str(p) for p in sorted(top.rglob("*.md"))]
