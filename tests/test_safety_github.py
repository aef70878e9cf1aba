"""GitHub answers validated, duplicates converged, close reasons (issue 12).

Against the GitHub test server (tests/ghserver.py):

- a closure comment and a parent pointer that the server stores 2.5 s *after* answering
  502 (the client re-posts, then the late one lands): one rerun leaves exactly one of each
  and says it removed the duplicates;
- answers that are not GitHub's (a 200 HTML page, a 301 to another host, fields of the
  wrong type) are one line, exit 2, and nothing is ticked;
- ``close --reason not-planned``; waits GitHub asks for are announced; client settings
  beyond reason are refused; the sub-issue error names the child by its number.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest import assert_one_line_error, copy_tree, run_cli, snapshot
from test_reliability_inputs import ENV, build_base

CLOSE_MARK = "<!-- issue-flow:close #8 -->"
POINTER_MARK = "<!-- issue-flow:resolution #8 -->"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """#7 and its follow-up #8, every criterion of #8 ticked but Close (released 0.9.2 / 0.2.2)."""
    root = build_base(tmp_path_factory.mktemp("safety-github") / "repo")
    res = run_cli("new", "8", "--parent", "7", "--offline", "--title", "still failing", cwd=root, env=ENV)
    assert res.code == 0, res
    for args in (("1",), ("2",), ("3",), ("4",), ("5", "--note", "0.9.2 / 0.2.2"), ("6",)):
        res = run_cli("check", "8", *args, cwd=root, env=ENV)
        assert res.code == 0, res
    return root


@pytest.fixture
def repo(prepared, tmp_path) -> Path:
    return copy_tree(prepared, tmp_path / "repo")


@pytest.fixture
def server(gh_server):
    gh_server.add_issue(7, "session.update race")
    gh_server.add_issue(8, "still failing")
    return gh_server


def env_for(server, **extra) -> dict:
    env = dict(ENV, GITHUB_REPOSITORY=server.repo, GITHUB_API_URL=server.url, GITHUB_TOKEN=server.token,
               ISSUE_FLOW_GITHUB_TIMEOUT="1", ISSUE_FLOW_GITHUB_RETRIES="2")
    env.update(extra)
    return env


def marked(server, number: int, marker: str) -> int:
    return sum(marker in c["body"] for c in server.comments(number))


# --------------------------------------------------------------------------- late-landing duplicates


def test_a_closure_comment_and_pointer_stored_late_after_a_502_converge_to_one_after_a_rerun(server, repo):
    late = threading.Event()
    server.inject("POST", r"/issues/8/comments$", land_after=late)
    server.inject("POST", r"/issues/7/comments$", land_after=late)
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    late.set()  # the first posts land now, after the client re-posted them
    server.wait_landed()
    assert marked(server, 8, CLOSE_MARK) == 2 and marked(server, 7, POINTER_MARK) == 2
    first_closure = [c["id"] for c in server.comments(8) if CLOSE_MARK in c["body"]][0]
    server.clear_log()
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    assert marked(server, 8, CLOSE_MARK) == 1 and marked(server, 7, POINTER_MARK) == 1
    assert [c["id"] for c in server.comments(8) if CLOSE_MARK in c["body"]] == [first_closure]  # the first is kept
    assert server.count("DELETE") == 2 and server.count("POST") == 0
    assert "removed 1 duplicate closure comment on #8" in res.out
    assert "removed 1 duplicate resolution pointer on #7" in res.out
    # and one more run changes nothing
    server.clear_log()
    assert run_cli("close", "8", cwd=repo, env=env_for(server)).code == 0
    assert server.count("DELETE") == 0 and server.count("POST") == 0 and server.count("PATCH") == 0


def test_a_comment_stored_after_the_client_timed_out_converges_too(server, repo):
    server.inject("POST", r"/issues/8/comments$", delay=1.6)  # stored at once, answered after the 1 s timeout
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    assert marked(server, 8, CLOSE_MARK) == 1 and marked(server, 7, POINTER_MARK) == 1


# --------------------------------------------------------------------------- answers that are not GitHub's


def test_a_200_html_answer_to_the_closure_post_is_not_success(server, repo):
    server.inject("POST", r"/issues/8/comments$", raw=(200, "text/html", "<html><body>Sign in to the proxy</body></html>"),
                  times=None)
    before = snapshot(repo)
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "not GitHub's" in res.err and "None" not in res.err
    assert snapshot(repo) == before  # nothing ticked
    assert server.issue(8)["state"] == "open"


@pytest.mark.parametrize("command", [("close", "8"), ("sync", "8"), ("new", "9")])
def test_a_301_to_another_host_is_one_line(server, repo, command):
    server.inject("GET", r"/issues/\d+$", raw=(301, "text/html", ""), headers={"Location": "http://evil.example.com/x"},
                  times=None)
    before = snapshot(repo)
    res = run_cli(*command, cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "evil.example.com" in res.err and "internal error" not in res.err
    assert snapshot(repo) == before


@pytest.mark.parametrize("field,value", [("number", "8"), ("id", None), ("title", 5), ("labels", "bug"), ("state", "weird"),
                                         ("html_url", 3)])
def test_issue_fields_of_the_wrong_type_are_one_line(server, repo, field, value):
    server.inject("GET", r"/issues/8$", mutate=lambda doc: {**doc, field: value}, times=None)
    before = snapshot(repo)
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "not GitHub's" in res.err, res
    assert snapshot(repo) == before
    assert server.count("POST") <= 1 and server.count("PATCH") == 0


def test_a_comment_list_of_the_wrong_shape_is_one_line(server, repo):
    server.inject("GET", r"/issues/8/comments$", raw=(200, "application/json", '{"message": "not a list"}'), times=None)
    res = run_cli("close", "8", cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "internal error" not in res.err and server.count("POST") == 0


# --------------------------------------------------------------------------- close --reason


def test_close_as_not_planned(server, repo):
    res = run_cli("close", "8", "--reason", "not-planned", "--resolution", "superseded by #9", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    assert server.issue(8)["state"] == "closed" and server.issue(8)["state_reason"] == "not_planned"
    closure = [c["body"] for c in server.comments(8) if CLOSE_MARK in c["body"]]
    assert len(closure) == 1 and closure[0].startswith("Closed as not planned: superseded by #9.")
    readme = (repo / "docs/issues/ISSUE-8/README.md").read_text()
    assert "closed as not planned" in readme
    res = run_cli("close", "8", "--reason", "completed", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    assert server.issue(8)["state_reason"] == "completed"


def test_close_as_not_planned_needs_no_release_and_no_ticked_criteria(server, repo):
    res = run_cli("check", "8", "1", "--undo", cwd=repo, env=ENV)
    assert res.code == 0, res
    res = run_cli("close", "8", "--reason", "not-planned", cwd=repo, env=env_for(server))
    assert res.code == 0, res
    assert server.issue(8)["state_reason"] == "not_planned"


def test_close_reason_must_be_known(server, repo):
    res = run_cli("close", "8", "--reason", "wontfix", cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "completed" in res.err and "not-planned" in res.err
    assert server.count() == 0


# --------------------------------------------------------------------------- waits and settings


def test_a_wait_github_asks_for_is_announced(server, repo, github_waits):
    server.inject("GET", r"/issues/8$", status=429, retry_after=1)
    res = run_cli("close", "8", "--dry-run", cwd=repo, env=env_for(server))
    res = run_cli("sync", "8", "--dry-run", cwd=repo, env=env_for(server))
    assert "waiting 1 s" in res.err, res
    assert github_waits == [1.0]  # waited once, what GitHub asked


def test_a_429_without_retry_after_is_announced_not_silent(gh_server, github_waits, capsys):
    from issue_flow.adapters.github import GitHub

    gh_server.add_issue(8, "x")
    gh_server.inject("GET", r"/issues/8$", status=429)
    gh = GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0, max_retries=1)
    assert gh.get_issue(8).number == 8
    said = capsys.readouterr().err
    assert github_waits == [60.0]  # the minute GitHub's documentation asks for
    assert "waiting 60 s" in said and "no Retry-After" in said
    assert gh_server.count("GET", r"/issues/8$") == 2


@pytest.mark.parametrize("var,value", [("ISSUE_FLOW_GITHUB_TIMEOUT", "1e308"), ("ISSUE_FLOW_GITHUB_TIMEOUT", "inf"),
                                       ("ISSUE_FLOW_GITHUB_RETRIES", "1000000"), ("ISSUE_FLOW_GITHUB_THROTTLE", "1e9")])
def test_client_settings_beyond_reason_are_one_line(server, repo, var, value):
    res = run_cli("close", "8", cwd=repo, env=env_for(server, **{var: value}))
    assert_one_line_error(res)
    assert var in res.err
    assert server.count() == 0


def test_the_sub_issue_error_names_the_child_by_number(server, repo):
    server.add_issue(600, "child")
    server.inject("POST", r"/issues/7/sub_issues$", status=422, message="Sub-issue limit reached", times=None)
    res = run_cli("new", "600", "--parent", "7", cwd=repo, env=env_for(server))
    assert_one_line_error(res)
    assert "#600" in res.err and not re.search(r"\bid \d{6,}", res.err), res
