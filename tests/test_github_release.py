"""``release --github-release``: the GitHub Release of the component's tag (issue 13, part 5).

Over real HTTP against the test server (tests/ghserver.py, its ``/releases`` endpoints), in
the repository of tests/test_release.py. The release is looked for before it is created
(drafts included), so a rerun never makes a second one; the fault matrix injects, at each
request position, a 500, a lost answer, a stored-then-502 and a rate limit, then reruns once.
"""

from __future__ import annotations

import pytest
from ghserver import WRITE_FAULTS
from conftest import assert_one_line_error, snapshot
from test_release import BACKEND, commit_all, head, record, release, repo, sh  # noqa: F401

from issue_flow.adapters.github import GitHub
from issue_flow.adapters.github_releases import create_release, find_release


@pytest.fixture
def env(gh_server):
    return {
        "GITHUB_TOKEN": gh_server.token,
        "GITHUB_API_URL": gh_server.url,
        "GITHUB_REPOSITORY": gh_server.repo,
        "ISSUE_FLOW_GITHUB_TIMEOUT": "1",
        "ISSUE_FLOW_GITHUB_RETRIES": "2",
        "ISSUE_FLOW_GITHUB_THROTTLE": "0",
    }


def posts(server):
    return [r for r in server.requests if r.method == "POST"]


def test_release_creates_the_github_release_with_the_notes(repo, gh_server, env):
    res = release(repo, "462", "--patch", "--commit", "--tag", "--github-release", env=env)
    assert res.code == 0, res
    (post,) = posts(gh_server)
    assert post.path == f"/repos/{gh_server.repo}/releases"
    notes = (repo / "docs/releases/v0.9.2/RELEASE-NOTES.md").read_text()
    assert post.body["tag_name"] == "v0.9.2" and post.body["name"] == "v0.9.2"
    assert post.body["body"] == notes
    assert post.body["draft"] is False and post.body["prerelease"] is False
    assert post.body["target_commitish"] == head(repo)
    (made,) = gh_server.releases()
    assert made["html_url"] == f"{gh_server.root}/{gh_server.repo}/releases/tag/v0.9.2"
    assert f"GitHub Release v0.9.2 created: {made['html_url']}" in res.out
    # a rerun finds it: one GET, no POST
    gh_server.clear_log()
    again = release(repo, "462", "--patch", "--commit", "--tag", "--github-release", env=env)
    assert again.code == 0 and "already released" in again.out and "GitHub Release v0.9.2 exists" in again.out, again
    assert [r.method for r in gh_server.requests] == ["GET"]
    assert len(gh_server.releases()) == 1


def test_release_push_then_github_release_as_the_workflow_does(repo, gh_server, env):
    assert release(repo, "462", "--patch", "--commit", "--tag", env=env).code == 0
    assert gh_server.releases() == []  # not without --github-release
    res = release(repo, "462", "--patch", "--github-release", "--json", env=env)
    assert res.code == 0, res
    import json

    out = json.loads(res.out)
    assert out["already_released"] is True and out["github_release"]["created"] is True
    assert [r["tag_name"] for r in gh_server.releases()] == ["v0.9.2"]


def test_draft_and_prerelease(repo, gh_server, env):
    res = release(repo, "462", "--pre", "rc", "--commit", "--tag", "--github-release", "--draft", env=env)
    assert res.code == 0, res
    (made,) = gh_server.releases()
    assert made["tag_name"] == "v0.9.2-rc.1" and made["draft"] is True and made["prerelease"] is True
    # a draft is not found by GET /releases/tags/{tag}: it is found by listing, and not made twice
    res = release(repo, "462", "--patch", "--github-release", env=env)  # the release item is open: a new release
    assert res.code == 2 and "--github-release needs the tag" in res.err
    gh = GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0)
    found, created = create_release(gh, "v0.9.2-rc.1", "v0.9.2-rc.1", "notes", draft=True)
    assert created is False and found.draft is True and len(gh_server.releases()) == 1


def test_dry_run_shows_the_call_and_sends_nothing(repo, gh_server, env):
    res = release(repo, "462", "--patch", "--commit", "--tag", "--github-release", "--dry-run", env=env)
    assert res.code == 0, res
    assert "call create the GitHub Release v0.9.2 with the notes of docs/releases/v0.9.2/RELEASE-NOTES.md" in res.out
    assert gh_server.requests == [] or all(r.method == "GET" for r in gh_server.requests)


def test_no_token_refuses_before_anything_is_written(repo, gh_server, env):
    before = snapshot(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag", "--github-release", env={**env, "GITHUB_TOKEN": None, "GH_TOKEN": None})
    assert_one_line_error(res, 2)
    assert "token" in res.err
    assert snapshot(repo) == before and sh(repo, "tag", "--list") == ""


def test_a_long_body_is_refused_before_sending(gh_server):
    from issue_flow.errors import IssueFlowError

    gh = GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0)
    with pytest.raises(IssueFlowError, match="125,000"):
        create_release(gh, "v1.0.0", "v1.0.0", "x" * 125_001)
    assert gh_server.requests == []


def test_find_release_pages_through_many_releases(gh_server):
    gh = GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0)
    for k in range(120):
        create_release(gh, f"v0.0.{k}", f"v0.0.{k}", "n")
    gh_server.clear_log()
    found = find_release(gh, "v0.0.0")  # the oldest: on the second page
    assert found is not None and found.tag_name == "v0.0.0"
    assert len(gh_server.requests) == 2
    assert find_release(gh, "v9.9.9") is None


POSITIONS = [("GET", r"/releases$"), ("POST", r"/releases$")]
FAULTS = WRITE_FAULTS


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("position", range(len(POSITIONS)), ids=[f"{m}{p}" for m, p in POSITIONS])
def test_fault_matrix(repo, gh_server, env, github_waits, position, fault):
    method, path = POSITIONS[position]
    gh_server.inject(method, path, **FAULTS[fault])
    args = ("462", "--patch", "--commit", "--tag", "--github-release")
    res = release(repo, *args, env=env)
    if res.code != 0:  # at most one rerun finishes the job
        assert_one_line_error(res, 2)
        assert "GitHub Release v0.9.2 was not created" in res.err and "run the same command again" in res.err
        res = release(repo, *args, env=env)
    assert res.code == 0, res
    assert gh_server.faults == []  # the fault was met
    assert [r["tag_name"] for r in gh_server.releases()] == ["v0.9.2"]  # exactly one, whatever happened
    assert sh(repo, "tag", "--list").splitlines() == ["v0.9.2", "voice-agent-backend-v0.2.2"]
    assert sh(repo, "log", "--format=%s").count("chore: release") == 1
    assert len(posts(gh_server)) <= 1 + (1 if fault in ("500", "403-retry-after") and method == "POST" else 0)
    if fault == "403-retry-after":
        assert github_waits == [1.0]  # the wait GitHub asked for, once (recorded, not slept)
