"""``issue-flow check N ITEM``: one tick changes the checklist line and the status row together."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import assert_one_line_error, refused, run_cli, snapshot

ENV = {"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository with a scaffolded follow-up #12 (parent #11) and a bug #13."""
    root = tmp_path / "repo"
    (root / "docs/issues/ISSUE-11").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".issue-flow.toml").write_text('repository = "o/r"\n')
    (root / "docs/issues/ISSUE-11/README.md").write_text("# Issue #11: the parent\n")
    for args in (("12", "--parent", "11", "--title", "still broken"), ("13", "--kind", "bug", "--title", "a bug")):
        res = run_cli("new", *args, "--offline", cwd=root, env=ENV)
        assert res.code == 0, res
    return root


def check(root: Path, *args: str):
    return run_cli("check", *args, cwd=root, env=ENV)


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    diff = list(difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(), n=0, lineterm=""))[2:]
    return [ln[1:] for ln in diff if ln.startswith("-") and not ln.startswith("---")], [
        ln[1:] for ln in diff if ln.startswith("+") and not ln.startswith("+++")
    ]


def readme(root: Path, n: int = 12) -> Path:
    return root / f"docs/issues/ISSUE-{n}/README.md"


def tracking(root: Path, n: int = 12) -> Path:
    return root / f"docs/issues/ISSUE-{n}/TRACKING.md"


def lint_clean(root: Path, n: str = "12") -> None:
    res = run_cli("lint", n, cwd=root, env=ENV)
    assert res.code == 0, res


# -------------------------------------------------------------------- naming an item


def test_by_label_changes_the_checklist_line_and_the_status_row(repo):
    before = readme(repo).read_bytes()
    res = check(repo, "12", "Log excerpt")
    assert res.code == 0, res
    assert "ticked criterion 1" in res.out and "checklist, status row" in res.out
    removed, added = changed_lines(before, readme(repo).read_bytes())
    assert len(removed) == 2 and removed[0].startswith("- [ ] **Log excerpt** – A log excerpt")
    assert removed[1] == "| Log excerpt | ⬜ |"
    assert added[0] == removed[0].replace("- [ ]", "- [x]", 1)
    assert added[1] == "| Log excerpt | ✅ |"
    lint_clean(repo)


def test_by_unique_prefix(repo):
    res = check(repo, "12", "root cau")
    assert res.code == 0, res
    assert "'Root cause fix'" in res.out
    assert "| Root cause fix | ✅ |" in readme(repo).read_text()
    lint_clean(repo)


@pytest.mark.parametrize("number, label", [("1", "Log excerpt"), ("3", "Root cause fix"), ("7", "Close")])
def test_by_criterion_number(repo, number, label):
    res = check(repo, "12", number, "--force")
    assert res.code == 0, res
    assert f"| {label} | ✅ |" in readme(repo).read_text()
    lint_clean(repo)


def test_by_step_number_changes_only_tracking(repo):
    before_readme = readme(repo).read_bytes()
    before = tracking(repo).read_bytes()
    res = check(repo, "12", "2.1")
    assert res.code == 0, res
    assert "ticked step 2.1" in res.out
    assert readme(repo).read_bytes() == before_readme
    removed, added = changed_lines(before, tracking(repo).read_bytes())
    assert removed == ["| Implement the fix, test first (TDD) | ⬜ |"]
    assert added == ["| Implement the fix, test first (TDD) | ✅ |"]


def test_undo_restores_the_bytes(repo):
    before = snapshot(repo)
    assert check(repo, "12", "Analysis").code == 0
    assert snapshot(repo) != before
    res = check(repo, "12", "Analysis", "--undo")
    assert res.code == 0, res
    assert "unticked" in res.out
    assert snapshot(repo) == before


def test_note_becomes_evidence_and_survives_undo(repo):
    res = check(repo, "12", "Tests", "--note", "lint passed; test:mock 96 suites | 922 tests")
    assert res.code == 0, res
    text = readme(repo).read_text()
    assert "| Tests | ✅ lint passed; test:mock 96 suites \\| 922 tests |" in text
    assert "- [x] **Tests** –" in text
    # another tick comes between: --undo is then an untick that keeps the evidence
    assert check(repo, "12", "Analysis").code == 0
    assert check(repo, "12", "Tests", "--undo").code == 0
    text = readme(repo).read_text()
    assert "| Tests | ⬜ lint passed; test:mock 96 suites \\| 922 tests |" in text
    assert "- [ ] **Tests** –" in text
    lint_clean(repo)


def test_undo_right_after_a_note_restores_the_exact_bytes(repo):
    before = snapshot(repo)
    assert check(repo, "12", "Tests", "--note", "0.9.2 / 0.2.2").code == 0
    res = check(repo, "12", "Tests", "--undo")
    assert res.code == 0 and "restored" in res.out, res
    assert snapshot(repo) == before


def test_json_output(repo):
    res = check(repo, "12", "1.1", "--json")
    assert res.code == 0, res
    data = json.loads(res.out)
    assert data["item"] == {"kind": "step", "index": "1.1", "name": data["item"]["name"], "address": data["item"]["address"]}
    assert data["item"]["address"].startswith("TRACKING.md#")
    assert data["files"] == ["docs/issues/ISSUE-12/TRACKING.md"] and data["done"] is True


# -------------------------------------------------------------------------- refusals


def test_ambiguous_item_lists_candidates_and_writes_nothing(repo):
    res = refused(repo, lambda: check(repo, "12", "Update README"), 2)
    assert "ambiguous" in res.err
    for index in ("1.5", "2.3", "3.5"):
        assert index in res.err


@pytest.mark.parametrize("item", ["no such thing", "9", "4.1", "1.99", "   "])
def test_unknown_item_is_exit_2(repo, item):
    refused(repo, lambda: check(repo, "12", item), 2)


@pytest.mark.parametrize("number", ["0", "abc", "../12", "99"])
def test_bad_issue_number(repo, number):
    before = snapshot(repo)
    assert_one_line_error(check(repo, number, "1"))
    assert snapshot(repo) == before


def test_ordering_constraint_refused_unless_force(repo):
    before = snapshot(repo)
    res = check(repo, "12", "Follow up")
    assert_one_line_error(res, code=1)
    assert "Patch release" in res.err and "--force" in res.err
    assert snapshot(repo) == before
    # the release first, then the follow-up is allowed
    assert check(repo, "12", "Patch release", "--note", "0.9.2 / 0.2.2").code == 0
    assert check(repo, "12", "Follow up").code == 0
    # and the release may not be unticked while the follow-up is done
    before = snapshot(repo)
    res = check(repo, "12", "Patch release", "--undo")
    assert_one_line_error(res, code=1)
    assert snapshot(repo) == before
    assert check(repo, "12", "Patch release", "--undo", "--force").code == 0
    lint_clean(repo)


def test_force_ticks_out_of_order(repo):
    res = check(repo, "12", "Follow up", "--force")
    assert res.code == 0, res
    assert "| Follow up | ✅ |" in readme(repo).read_text()


def test_bug_kind_tdd_order(repo):
    before = snapshot(repo)
    res = check(repo, "13", "Fix implemented")
    assert_one_line_error(res, code=1)
    assert "Failing test" in res.err
    assert snapshot(repo) == before
    assert check(repo, "13", "Failing test").code == 0
    assert check(repo, "13", "Fix implemented").code == 0
    lint_clean(repo, "13")


def test_rerun_is_idempotent(repo):
    assert check(repo, "12", "Analysis", "--note", "see ANALYSIS.md").code == 0
    after_first = snapshot(repo)
    res = check(repo, "12", "Analysis", "--note", "see ANALYSIS.md")
    assert res.code == 0, res
    assert "already done" in res.out
    assert snapshot(repo) == after_first
    res = check(repo, "12", "Analysis")  # without a note the evidence is kept
    assert res.code == 0 and snapshot(repo) == after_first


def test_dry_run_writes_nothing(repo):
    before = snapshot(repo)
    res = check(repo, "12", "Analysis", "--dry-run")
    assert res.code == 0, res
    assert snapshot(repo) == before
    assert "-| Analysis | ⬜ |" in res.out and "+| Analysis | ✅ |" in res.out
    assert "would have ticked" in res.out
    res = check(repo, "12", "Analysis", "--dry-run", "--json")
    assert json.loads(res.out)["dry_run"] is True
    assert snapshot(repo) == before


# ---------------------------------------------------------------------- the corpus


def test_patch_release_on_corpus_462_changes_exactly_two_lines(corpus_copy):
    path = corpus_copy / "docs/issues/ISSUE-462/README.md"
    before = path.read_bytes()
    others = {k: v for k, v in snapshot(corpus_copy).items() if k != "docs/issues/ISSUE-462/README.md"}
    res = run_cli("check", "462", "Patch release", "--note", "0.9.2 / 0.2.2", cwd=corpus_copy, env=ENV)
    assert res.code == 0, res
    after = path.read_bytes()
    removed, added = changed_lines(before, after)
    assert removed == [
        "- [ ] Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.",
        "| Patch release          | ⬜       |",
    ]
    assert added == [
        "- [x] Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.",
        "| Patch release          | ✅ 0.9.2 / 0.2.2 |",
    ]
    assert len(before.splitlines()) == len(after.splitlines())
    assert {k: v for k, v in snapshot(corpus_copy).items() if k != "docs/issues/ISSUE-462/README.md"} == others
    # a rerun changes nothing
    assert run_cli("check", "462", "Patch release", "--note", "0.9.2 / 0.2.2", cwd=corpus_copy, env=ENV).code == 0
    assert path.read_bytes() == after
