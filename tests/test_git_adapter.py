"""The thin git wrapper (adapters/git.py), on throw-away repositories."""

from __future__ import annotations

import subprocess

import pytest
from conftest import init_git_repo

from issue_flow.adapters import git
from issue_flow.errors import IssueFlowError


def sh(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = init_git_repo(tmp_path / "repo", monkeypatch)
    (root / "a.txt").write_text("a\n")
    sh(root, "add", "a.txt")
    sh(root, "commit", "-q", "-m", "first")
    return root


def test_head_and_resolve(repo):
    head = git.head_sha(repo)
    assert len(head) == 40 and head == sh(repo, "rev-parse", "HEAD")
    assert git.resolve(repo, "HEAD") == head
    assert git.resolve(repo, head[:8]) == head
    assert git.resolve(repo, "main") == head


@pytest.mark.parametrize("bad", ["nope", "0" * 40, "--output=/tmp/x", "HEAD~5", ""])
def test_resolve_unknown_is_one_line_error(repo, bad):
    with pytest.raises(IssueFlowError) as exc:
        git.resolve(repo, bad)
    assert "\n" not in str(exc.value)


def test_not_a_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(IssueFlowError, match="not a git repository"):
        git.head_sha(plain)


def test_no_commit_yet(tmp_path):
    sh(tmp_path, "init", "-q")
    with pytest.raises(IssueFlowError, match="no commit"):
        git.head_sha(tmp_path)


def test_is_clean_ignores_state_dir(repo):
    assert git.is_clean(repo)
    (repo / ".issue-flow" / "results").mkdir(parents=True)
    (repo / ".issue-flow" / "results" / "x.json").write_text("{}")
    assert git.is_clean(repo)
    assert not git.is_clean(repo, ignore=())
    (repo / "new file.txt").write_text("x")
    assert not git.is_clean(repo)
    (repo / "new file.txt").unlink()
    (repo / "a.txt").write_text("changed\n")
    assert not git.is_clean(repo)
    sh(repo, "checkout", "a.txt")
    sh(repo, "mv", "a.txt", "b.txt")
    assert not git.is_clean(repo)


def test_commit_and_tag(repo):
    (repo / "a.txt").write_text("two\n")
    (repo / "new.txt").write_text("new\n")
    (repo / "other.txt").write_text("not committed\n")
    sha = git.commit(repo, ["a.txt", "new.txt"], "release: 0.9.2")
    assert sha == git.head_sha(repo)
    assert sh(repo, "log", "-1", "--format=%s") == "release: 0.9.2"
    assert sorted(sh(repo, "show", "--name-only", "--format=", "HEAD").split()) == ["a.txt", "new.txt"]
    assert sh(repo, "status", "--porcelain") == "?? other.txt"
    assert not git.tag_exists(repo, "v0.9.2")
    git.tag(repo, "v0.9.2", "v0.9.2")
    assert git.tag_exists(repo, "v0.9.2")
    assert sh(repo, "cat-file", "-t", "v0.9.2") == "tag"  # annotated
    with pytest.raises(IssueFlowError, match="v0.9.2"):
        git.tag(repo, "v0.9.2", "again")
    with pytest.raises(IssueFlowError):
        git.tag(repo, "bad..name", "x")
    assert not git.tag_exists(repo, "bad..name")


def test_commit_nothing_is_an_error(repo):
    with pytest.raises(IssueFlowError):
        git.commit(repo, ["a.txt"], "nothing changed")


def test_default_branch(repo, tmp_path):
    assert git.default_branch(repo) is None  # no remote
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    assert git.default_branch(clone) == "main"
    assert git.current_branch(repo) == "main"


def test_existing_tags_in_one_call(repo):
    from issue_flow.adapters import git as gitmod

    gitmod.tag(repo, "v1.0.0", "one")
    assert gitmod.existing_tags(repo, ["v1.0.0", "v1.0.1", "x-v1.0.0", "*", ""]) == {"v1.0.0"}
    assert gitmod.existing_tags(repo, []) == set()
