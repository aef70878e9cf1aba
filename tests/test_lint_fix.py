"""``lint --fix``: safe repairs only, only on the lines that carry a finding, idempotent."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from conftest import assert_one_line_error, git, run_cli, snapshot


def lint(root: Path, *args: str):
    return run_cli("lint", *args, cwd=root)


def problems(root: Path, *args: str) -> list[dict]:
    return json.loads(lint(root, "--json", *args).out)["problems"]


def _changed_lines(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, list[tuple[str, int]]]:
    """Per changed file: ('-', old line number) for replaced/removed lines, ('+', n) for added."""
    out: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path):
            continue
        a = before.get(path, b"").decode().split("\n")
        b = after.get(path, b"").decode().split("\n")
        ops = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                ops += [("-", i + 1) for i in range(i1, i2)]
            if tag == "insert":
                ops.append(("+", i1))
        out[path] = ops
    return out


def test_fix_on_the_corpus_changes_only_finding_lines_and_converges(corpus_copy):
    before = snapshot(corpus_copy / "docs")
    found = problems(corpus_copy)
    res = lint(corpus_copy, "--fix", "--json")
    assert res.code == 1  # dead links with no clear target remain
    data = json.loads(res.out)
    fixed = data["fix"]["fixed"]
    assert len(fixed) >= 8
    after = snapshot(corpus_copy / "docs")
    lines_of = {}
    for p in found:
        lines_of.setdefault("docs/" + p["path"].split("docs/", 1)[1] if p["path"].startswith("docs/") else p["path"], set()).add(p["line"])
    backlink_parents = {p["path"] for p in fixed if p["kind"] == "backlink"}
    for path, ops in _changed_lines(before, after).items():
        full = "docs/" + path
        for op, line in ops:
            if op == "-":
                assert line in lines_of.get(full, set()), (full, line)
            else:
                assert full in backlink_parents, (full, line)  # only a back-link adds lines
    # a second lint reports none of what was fixed
    left = {(p["path"], p["line"], p["message"]) for p in problems(corpus_copy)}
    for p in fixed:
        if p["kind"] == "dead-link":
            assert (p["path"], p["line"], p["message"]) not in left
        else:
            assert not [q for q in left if q[0] == p["path"] and "link back" in q[2]]
    # fixing again changes nothing
    again = json.loads(lint(corpus_copy, "--fix", "--json").out)
    assert again["fix"]["fixed"] == [] and snapshot(corpus_copy / "docs") == after


def test_fix_dry_run_prints_the_diff_and_writes_nothing(corpus_copy):
    before = snapshot(corpus_copy)
    res = lint(corpus_copy, "--fix", "--dry-run")
    assert res.code == 1
    assert "+- [#462](../ISSUE-462/README.md)" in res.out
    assert "would fix" in res.out
    assert snapshot(corpus_copy) == before


def _drift_repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    p = root / "docs/issues/ISSUE-5/README.md"
    p.parent.mkdir(parents=True)
    p.write_text(
        "# Issue #5: x\n\n## Acceptance criteria\n\n- [x] **Alpha** – a\n- [ ] **Beta** – b\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| Alpha | ⬜ not yet |\n| Beta | ✅ done |\n"
    )
    return root


def test_drift_is_fixed_towards_the_named_side(tmp_path):
    root = _drift_repo(tmp_path)
    readme = root / "docs/issues/ISSUE-5/README.md"
    original = readme.read_text()
    assert [p["kind"] for p in problems(root)] == ["drift", "drift"]
    assert lint(root, "--fix").code == 1  # no side named: drift is left
    assert readme.read_text() == original
    assert lint(root, "--fix", "checklist").code == 0
    text = readme.read_text()
    assert "| Alpha | ✅ done |" in text and "| Beta | ⬜ not started |" in text  # the cells' own case
    assert "- [x] **Alpha**" in text and "- [ ] **Beta**" in text
    readme.write_text(original)
    assert lint(root, "--fix", "status").code == 0
    text = readme.read_text()
    assert "- [ ] **Alpha** – a" in text and "- [x] **Beta** – b" in text
    assert "| Alpha | ⬜ not yet |" in text


def test_ignore_rules_by_kind_and_path(tmp_path):
    root = _drift_repo(tmp_path)
    (root / ".issue-flow.toml").write_text('[lint]\nignore = ["drift docs/issues/ISSUE-5/*"]\n')
    res = lint(root, "--json")
    assert res.code == 0 and json.loads(res.out)["ignored"] == 2
    (root / ".issue-flow.toml").write_text('[lint]\nignore = ["drift docs/other/*"]\n')
    assert lint(root).code == 1
    (root / ".issue-flow.toml").write_text("[lint]\nignores = []\n")
    assert_one_line_error(lint(root))


def test_changed_checks_only_files_changed_since_a_ref(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    old = root / "docs/issues/ISSUE-1/README.md"
    old.parent.mkdir(parents=True)
    old.write_text("# Issue #1: old\n\nSee [gone](./gone.md).\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "old")
    new = root / "docs/issues/ISSUE-2/README.md"
    new.parent.mkdir(parents=True)
    new.write_text("# Issue #2: new\n\nSee [missing](./missing.md).\n")
    assert {p["path"] for p in problems(root)} == {"docs/issues/ISSUE-1/README.md", "docs/issues/ISSUE-2/README.md"}
    assert {p["path"] for p in problems(root, "--changed", "main")} == {"docs/issues/ISSUE-2/README.md"}
    assert_one_line_error(lint(root, "--changed", "no-such-ref"))


def test_repeated_findings_are_grouped(tmp_path):
    root = tmp_path / "r"
    (root / ".git").mkdir(parents=True)
    for n in (1, 2, 3):
        p = root / f"docs/issues/ISSUE-{n}/README.md"
        p.parent.mkdir(parents=True)
        p.write_text(f"# Issue #{n}: x\n\nRun [it](./RUN-PROXY.md).\n")
    (root / "docs/BACKEND").mkdir(parents=True)
    (root / "docs/BACKEND/RUN-PROXY.md").write_text("# run\n")
    out = lint(root).out
    assert "dead-link ×3: link target does not exist: ./RUN-PROXY.md" in out
    assert lint(root, "--fix").code == 0
    assert "Run [it](../../BACKEND/RUN-PROXY.md)." in (root / "docs/issues/ISSUE-2/README.md").read_text()


def test_pre_commit_hook_is_declared():
    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "issue-flow-lint"]
    assert hook["entry"].startswith("issue-flow lint") and hook["pass_filenames"] is False
