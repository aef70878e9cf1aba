"""The plan executor (``issue_flow.plan``): typed actions, dry run, data, apply, resume.

A real git repository in a temporary folder: the actions' effects are read back from git
(commits, tags) and from the files' bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, init_git_repo

from issue_flow.adapters import git as gitx
from issue_flow.errors import IssueFlowError
from issue_flow.plan import GitCommit, GitHubCall, GitTag, Plan, PlanFailed, execute


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    root = init_git_repo(tmp_path / "r", monkeypatch)
    (root / "a.txt").write_bytes(b"one\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def release_plan(root: Path) -> tuple[Plan, GitCommit, GitTag]:
    plan = Plan(root=root)
    plan.write(root / "a.txt", b"one\n", b"two\n", "bump")
    plan.write(root / "b.txt", None, b"new\n", "notes")
    commit = plan.add(GitCommit(root, ["a.txt", "b.txt"], "release 2\n"))
    tag = plan.add(GitTag(root, "v2", "v2", commit))
    return plan, commit, tag


def commits(root: Path) -> list[str]:
    return git(root, "log", "--format=%s").split("\n")[:-1]


def test_dry_run_describes_every_action_and_changes_nothing(repo):
    plan, _, _ = release_plan(repo)
    before = git(repo, "rev-parse", "HEAD")
    outcome = execute(plan, dry_run=True)
    assert [s.status for s in outcome.steps] == ["planned"] * 4
    text = plan.render(repo)
    assert "edit a.txt  (bump)" in text and "+two" in text and "create b.txt  (notes)" in text
    assert "call git commit 2 files: 'release 2'" in text and "call git tag v2 (annotated, on the release commit)" in text
    assert [d["action"] for d in outcome.to_data(repo)] == ["write", "write", "git-commit", "git-tag"]
    assert outcome.to_data(repo)[2]["paths"] == ["a.txt", "b.txt"]
    assert (repo / "a.txt").read_bytes() == b"one\n" and not (repo / "b.txt").exists()
    assert git(repo, "rev-parse", "HEAD") == before and git(repo, "tag") == ""


def test_apply_writes_commits_and_tags_with_typed_results(repo):
    plan, commit, tag = release_plan(repo)
    outcome = execute(plan)
    assert [s.status for s in outcome.steps] == ["done"] * 4
    head = git(repo, "rev-parse", "HEAD").strip()
    assert commit.sha == head and outcome.result(commit) == head and outcome.result(tag) == "v2"
    assert git(repo, "rev-parse", "v2^{commit}").strip() == head
    assert (repo / "b.txt").read_bytes() == b"new\n"
    assert commits(repo) == ["release 2", "base"]


def test_rerun_of_an_applied_plan_is_all_already_done(repo):
    plan, _, _ = release_plan(repo)
    execute(plan)
    again, commit, _ = release_plan(repo)
    outcome = execute(again)
    assert [s.status for s in outcome.steps] == ["already done"] * 4
    assert commit.sha == git(repo, "rev-parse", "HEAD").strip()
    assert commits(repo) == ["release 2", "base"]  # no second commit


def test_a_failing_commit_stops_with_one_line_then_a_rerun_resumes(repo):
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    plan, _, _ = release_plan(repo)
    with pytest.raises(PlanFailed) as err:
        execute(plan)
    msg = err.value.message
    assert "\n" not in msg
    assert msg.startswith("not committed: ") and "done: 2 files written" in msg and "tag v2" in msg.split("; not done:")[1]
    assert [s.status for s in err.value.outcome.steps] == ["done", "done", "failed", "not run"]
    assert (repo / "a.txt").read_bytes() == b"two\n" and commits(repo) == ["base"]
    hook.unlink()
    again, _, _ = release_plan(repo)
    outcome = execute(again)
    assert [s.status for s in outcome.steps] == ["already done", "already done", "done", "done"]
    assert commits(repo) == ["release 2", "base"]


def test_a_tag_on_another_commit_is_never_moved(repo):
    git(repo, "tag", "-a", "-m", "old", "v2")
    old = git(repo, "rev-parse", "v2^{commit}").strip()
    plan, _, _ = release_plan(repo)
    with pytest.raises(PlanFailed, match=r"tag v2 already exists on [0-9a-f]{12}") as err:
        execute(plan)
    assert "done: 2 files written, commit of 2 files" in err.value.message
    assert git(repo, "rev-parse", "v2^{commit}").strip() == old
    assert isinstance(err.value, IssueFlowError) and err.value.exit_code == 2


def test_github_call_looks_before_it_acts(repo):
    made = []
    plan = Plan(root=repo)
    found = {"url": "https://example.test/r/1"}
    call = plan.add(GitHubCall("create the thing", lambda: made.append(1) or "new", {"tag": "v2"}, check=lambda: found))
    outcome = execute(plan)
    assert outcome.steps[0].status == "already done" and outcome.result(call) == found and made == []
    assert plan.to_data(repo) == [{"action": "github", "summary": "create the thing", "tag": "v2"}]


def test_a_file_changed_on_disk_since_the_plan_stops_everything(repo):
    plan, _, _ = release_plan(repo)
    (repo / "a.txt").write_bytes(b"someone else\n")
    with pytest.raises(IssueFlowError, match="changed on disk"):
        execute(plan)
    assert not (repo / "b.txt").exists() and commits(repo) == ["base"]


def test_git_failures_carry_their_type(repo, tmp_path):
    with pytest.raises(gitx.NothingToCommit):
        gitx.commit(repo, ["a.txt"], "nothing\n")
    git(repo, "tag", "-a", "-m", "x", "v1")
    with pytest.raises(gitx.TagExists):
        gitx.tag(repo, "v1", "again")
    with pytest.raises(gitx.NotARepository):
        gitx.head_sha(tmp_path)
    assert gitx.changed(repo, ["a.txt"]) == []
    (repo / "a.txt").write_bytes(b"x\n")
    assert gitx.changed(repo, ["a.txt"]) == ["a.txt"]
