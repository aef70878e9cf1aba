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


def _fake_git(folder, log):
    """A ``git`` that notes its arguments and its open descriptors, then runs the real one."""
    import shutil

    real = shutil.which("git")
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'for fd in /proc/$$/fd/*; do readlink "$fd"; done >> "{log}.fd"\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def test_git_is_the_first_on_path_for_every_call(repo, tmp_path, monkeypatch):
    """run_git and the background commands both run the git that PATH names first (found
    once per PATH value: a changed PATH is looked up again)."""
    import os

    from issue_flow.adapters.git_background import Background

    log = tmp_path / "calls.log"
    assert git.resolve(repo, "HEAD")  # git found for the first PATH
    monkeypatch.setenv("PATH", str(_fake_git(tmp_path / "bin", log).parent) + ":" + os.environ["PATH"])
    head = git.resolve(repo, "HEAD")
    assert Background(repo, "rev-parse", "HEAD").result().strip() == head
    calls = log.read_text().splitlines()
    assert calls[0].startswith(f"-C {repo} rev-parse")
    assert calls[-1] == f"-C {repo} rev-parse HEAD"
    assert len(calls) == 2


def test_git_child_sees_no_descriptor_of_ours(repo, tmp_path, monkeypatch):
    """git is started without closing descriptors one by one (so the fast spawn path is
    taken): that is safe because every file this process opens is not inheritable, as
    Python makes them. The child sees its three standard streams and nothing of ours."""
    import os

    from issue_flow.adapters.git_background import Background

    log = tmp_path / "calls.log"
    monkeypatch.setenv("PATH", str(_fake_git(tmp_path / "bin", log).parent) + ":" + os.environ["PATH"])
    held = [open(tmp_path / f"held-{k}", "w") for k in range(3)]  # noqa: SIM115
    try:
        git.resolve(repo, "HEAD")
        Background(repo, "rev-parse", "HEAD").result()
    finally:
        for h in held:
            h.close()
    targets = log.with_name("calls.log.fd").read_text().splitlines()
    assert len(log.read_text().splitlines()) == 2 and targets
    assert not [t for t in targets if "held-" in t], targets


def test_git_missing_is_one_line_error(repo, tmp_path, monkeypatch):
    from issue_flow.adapters.git_background import Background

    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(IssueFlowError, match="^git not found: install git or put it on PATH$"):
        git.resolve(repo, "HEAD")
    assert Background(repo, "rev-parse", "HEAD").result() is None


def test_head_read_from_the_files_agrees_with_git(repo, tmp_path):
    """head_sha reads HEAD from ``.git`` where it can (a branch, detached, packed refs) and
    asks git otherwise (a worktree's ``.git`` file): the answer is git's in every case."""
    first = sh(repo, "rev-parse", "HEAD")
    assert git.head_sha(repo) == first
    (repo / "b.txt").write_text("b\n")
    sh(repo, "add", "b.txt")
    sh(repo, "commit", "-q", "-m", "second")
    second = sh(repo, "rev-parse", "HEAD")
    assert git.head_sha(repo) == second
    sh(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert git.head_sha(repo) == second
    sh(repo, "checkout", "-q", "--detach", first)
    assert git.head_sha(repo) == first
    sh(repo, "checkout", "-q", "main")
    sh(repo, "worktree", "add", "-q", str(tmp_path / "wt"), first)
    assert (tmp_path / "wt" / ".git").is_file()
    assert git.head_sha(tmp_path / "wt") == first
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/../../../outside\n")
    with pytest.raises(IssueFlowError):
        git.head_sha(repo)  # not read from the files: git says what is wrong


def test_head_of_an_unborn_branch_is_no_commit_yet(tmp_path, monkeypatch):
    root = init_git_repo(tmp_path / "fresh", monkeypatch)
    with pytest.raises(IssueFlowError, match="no commit yet"):
        git.head_sha(root)
