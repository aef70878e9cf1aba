"""``--repo OWNER/NAME`` on every command that talks to GitHub (and before the command).

It overrides the configured repository, ``GITHUB_REPOSITORY`` and the origin remote; the
requests received by the test server show which repository was asked.
"""

from __future__ import annotations

import pytest
from conftest import assert_one_line_error, git, init_git_repo, run_cli

from issue_flow.cli import GITHUB_COMMANDS


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = init_git_repo(tmp_path / "r", monkeypatch)
    (root / ".issue-flow.toml").write_text('repository = "acme/widgets"\n\n[[gates]]\nname = "ci"\ncheck = "Jest Tests"\n')
    git(root, "add", "-A")
    git(root, "commit", "-qm", "x")
    return root


@pytest.mark.parametrize("name", GITHUB_COMMANDS)
def test_every_github_command_has_repo(name):
    res = run_cli(name, "--help")
    assert res.code == 0 and "--repo OWNER/NAME" in res.out, res


def test_gate_asks_the_repository_named_by_repo(repo, gh_server, gh_env):
    gh_server.add_repo("other/thing")
    sha = git(repo, "rev-parse", "HEAD").strip()
    gh_server.add_check_run(sha, "Jest Tests", repo="other/thing")
    res = run_cli("gate", cwd=repo, env=gh_env)
    assert res.code == 1 and "missing" in res.out  # acme/widgets (the configuration) has no such check
    gh_server.clear_log()
    for args in (["gate", "--repo", "other/thing"], ["--repo", "other/thing", "gate"]):
        res = run_cli(*args, cwd=repo, env=gh_env)
        assert res.code == 0, res
        assert "check run 'Jest Tests'" in res.out
    paths = {r.path for r in gh_server.requests}
    assert paths == {f"/repos/other/thing/commits/{sha}/check-runs"}


def test_close_posts_on_the_repository_named_by_repo(repo, gh_server, gh_env):
    gh_server.add_repo("other/thing")
    gh_server.add_issue(7, "crash", repo="other/thing")
    folder = repo / "docs" / "issues" / "ISSUE-7"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("# Issue #7: crash\n\n## Acceptance criteria\n\n- [x] **Fix** – done\n- [ ] **Close** – close it\n")
    res = run_cli("close", "7", "--repo", "other/thing", "--resolution", "0.9.2 / 0.2.2", cwd=repo, env=gh_env)
    assert res.code == 0, res
    assert gh_server.issue(7, repo="other/thing")["state"] == "closed"
    assert all(r.path.startswith("/repos/other/thing/") for r in gh_server.requests)


@pytest.mark.parametrize("value", ["bad", "a/b/c", "a b/c", ""])
def test_a_bad_repo_is_one_line_exit_2(repo, value):
    assert_one_line_error(run_cli("gate", "--repo", value, cwd=repo))
    assert_one_line_error(run_cli("--repo", value, "gate", cwd=repo))
