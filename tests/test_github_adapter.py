"""The GitHub adapter against a real HTTP server speaking GitHub's REST API (tests/ghserver.py).

Nothing here patches PyGithub: every behaviour (pagination, retries, look-before-retry,
errors) is observed from the outside, by the state of the server and its request log.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time

import pytest

from issue_flow.adapters.github import (
    CheckData,
    CommentData,
    GitHub,
    IssueData,
    RemoteChanged,
    StatusData,
)
from issue_flow.tokens import token as token_from_env
from issue_flow.errors import IssueFlowError

MARK = "<!-- issue-flow:close:462 -->"
ISSUE = r"/issues/1$"
COMMENTS = r"/issues/1/comments$"


def client(server, **kw) -> GitHub:
    opts = dict(timeout=1, max_retries=3, max_wait=5, throttle=0, backoff=0)
    opts.update(kw)
    token = opts.pop("token", server.token)
    return GitHub(server.url, server.repo, token, **opts)


@pytest.fixture
def gh(gh_server):
    gh_server.add_issue(1, "session.update race", body="- [ ] one\r\n- [x] two\r\n", labels=["bug", "p1"])
    gh_server.add_issue(2, "follow-up")
    return client(gh_server)


def assert_clean(exc: BaseException, token: str) -> None:
    """One line, no token anywhere, no chained PyGithub/requests exception behind it."""
    msg = str(exc)
    assert "\n" not in msg and msg.strip() == msg and msg
    assert token not in msg and token not in repr(exc)
    assert exc.__cause__ is None
    assert exc.__context__ is None
    assert exc.__suppress_context__ or exc.__context__ is None


# ------------------------------------------------------------------ module and construction


def test_importing_the_adapter_does_not_import_pygithub():
    code = "import issue_flow.adapters.github, sys; print('github' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_token_from_env_prefers_gh_token_as_gh_does(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("ISSUE_FLOW_GH_AUTH", "0")
    assert token_from_env() is None
    monkeypatch.setenv("GITHUB_TOKEN", "github-two")
    assert token_from_env() == "github-two"
    monkeypatch.setenv("GH_TOKEN", "gh-one")
    assert token_from_env() == "gh-one"
    monkeypatch.setenv("GH_TOKEN", "  ")
    assert token_from_env() == "github-two"


def test_constructing_sends_no_request_and_repr_hides_the_token(gh_server):
    gh = client(gh_server)
    assert gh_server.requests == []
    assert gh_server.token not in repr(gh)
    assert gh_server.token not in str(vars(gh))


def test_empty_or_malformed_token_is_refused_without_echoing_it(gh_server):
    with pytest.raises(IssueFlowError, match="token"):
        GitHub(gh_server.url, gh_server.repo, "")
    bad = "ghp_secret\nInjected: header"
    with pytest.raises(IssueFlowError) as info:
        GitHub(gh_server.url, gh_server.repo, bad)
    assert "ghp_secret" not in str(info.value)
    assert gh_server.requests == []


# ------------------------------------------------------------------ reads


def test_get_issue_returns_plain_data_in_one_request(gh, gh_server):
    issue = gh.get_issue(1)
    assert isinstance(issue, IssueData)
    assert issue.number == 1
    assert issue.id == gh_server.issue(1)["id"]
    assert issue.title == "session.update race"
    assert issue.body == "- [ ] one\r\n- [x] two\r\n"  # CRLF kept
    assert issue.labels == ["bug", "p1"]
    assert (issue.state, issue.state_reason) == ("open", None)
    assert issue.html_url == f"{gh_server.root}/acme/widgets/issues/1"
    assert [(r.method, r.path) for r in gh_server.requests] == [("GET", "/repos/acme/widgets/issues/1")]


def test_get_issue_with_null_body_gives_empty_string(gh_server):
    gh_server.add_issue(3, "no body", body=None)
    assert client(gh_server).get_issue(3).body == ""


def test_repository_info(gh, gh_server):
    info = gh.repository_info()
    assert info.full_name == "acme/widgets"
    assert info.default_branch == "main"
    assert info.html_url == f"{gh_server.root}/acme/widgets"


def test_list_comments_follows_link_pagination(gh, gh_server):
    for i in range(250):
        gh_server.add_comment(1, f"comment {i}")
    comments = gh.list_comments(1)
    assert [c.body for c in comments] == [f"comment {i}" for i in range(250)]
    assert all(isinstance(c, CommentData) and c.html_url.startswith(gh_server.root) for c in comments)
    gets = [r for r in gh_server.requests if r.method == "GET"]
    assert len(gets) == 3
    assert [r.query.get("page", "1") for r in gets] == ["1", "2", "3"]
    assert all(r.query["per_page"] == "100" for r in gets)


def test_reads_are_retried_on_5xx(gh, gh_server):
    gh_server.inject("GET", ISSUE, status=502, times=2)
    assert gh.get_issue(1).title == "session.update race"
    assert gh_server.count("GET", ISSUE) == 3


def test_reads_give_up_after_max_retries(gh, gh_server):
    gh_server.inject("GET", ISSUE, status=500, times=None)
    with pytest.raises(IssueFlowError) as info:
        gh.get_issue(1)
    assert "500" in str(info.value)
    assert gh_server.count("GET", ISSUE) == 4  # 1 + max_retries
    assert_clean(info.value, gh_server.token)


def test_reads_are_retried_after_a_timeout(gh, gh_server):
    gh_server.inject("GET", ISSUE, delay=1.2)
    assert gh.get_issue(1).number == 1
    assert gh_server.count("GET", ISSUE) == 2


def test_read_timeouts_exhausted_name_the_timeout(gh_server):
    gh_server.add_issue(1, "t")
    gh = client(gh_server, max_retries=0)
    gh_server.inject("GET", ISSUE, delay=1.2)
    with pytest.raises(IssueFlowError, match="did not answer within 1 s") as info:
        gh.get_issue(1)
    assert_clean(info.value, gh_server.token)


@pytest.mark.real_time  # the one read that sleeps its Retry-After for real
def test_reads_wait_for_retry_after(gh, gh_server):
    gh_server.inject("GET", ISSUE, status=429, retry_after=1)
    start = time.monotonic()
    assert gh.get_issue(1).number == 1
    assert time.monotonic() - start >= 0.9
    assert gh_server.count("GET", ISSUE) == 2


def test_reads_wait_for_a_primary_rate_limit_reset(gh, gh_server, github_waits):
    gh_server.inject("GET", ISSUE, reset_in=0)
    assert gh.get_issue(1).number == 1
    assert gh_server.count("GET", ISSUE) == 2
    assert len(github_waits) == 1 and 0 < github_waits[0] <= 1  # until the reset, plus a second's margin


def test_a_read_waits_what_retry_after_says(gh, gh_server, github_waits, capsys):
    gh_server.inject("GET", ISSUE, status=429, retry_after=4)
    assert gh.get_issue(1).number == 1
    assert github_waits == [4.0]
    assert "waiting 4 s" in capsys.readouterr().err


@pytest.mark.parametrize("fault", [dict(retry_after=120), dict(reset_in=3600), dict(status=429, retry_after=600)])
def test_rate_limit_beyond_max_wait_fails_at_once(gh, gh_server, fault):
    gh_server.inject("GET", ISSUE, **fault)
    start = time.monotonic()
    with pytest.raises(IssueFlowError, match="rate limit") as info:
        gh.get_issue(1)
    assert time.monotonic() - start < 1
    assert gh_server.count("GET", ISSUE) == 1
    assert_clean(info.value, gh_server.token)


def test_check_runs_and_statuses(gh, gh_server):
    sha = "0123456789abcdef0123456789abcdef01234567"
    gh_server.add_check_run(sha, "lint", "completed", "success")
    gh_server.add_check_run(sha, "test:mock", "in_progress", None)
    gh_server.add_status(sha, "proxy-integration", "pending")
    gh_server.add_status(sha, "proxy-integration", "failure")
    gh_server.add_status(sha, "deploy", "success")
    runs = gh.check_runs(sha)
    assert runs == [CheckData("lint", "completed", "success"), CheckData("test:mock", "in_progress", None)]
    statuses = gh.commit_statuses(sha)
    assert statuses == [StatusData("proxy-integration", "failure"), StatusData("deploy", "success")]
    assert gh.check_runs("f" * 40) == [] and gh.commit_statuses("f" * 40) == []


# ------------------------------------------------------------------ comments


def test_create_comment_is_idempotent_by_marker(gh, gh_server):
    body = f"Closed: see docs/issues/ISSUE-1/\n\n{MARK}"
    first = gh.create_comment(1, body, MARK)
    assert isinstance(first, CommentData) and first.body == body
    again = gh.create_comment(1, body, MARK)
    assert again.id == first.id
    assert len(gh_server.comments(1)) == 1
    assert gh_server.count("POST") == 1


def test_create_comment_requires_the_marker_in_the_body(gh, gh_server):
    with pytest.raises(IssueFlowError, match="marker"):
        gh.create_comment(1, "no marker here", MARK)
    assert gh_server.requests == []


def test_create_comment_refuses_an_oversized_body_before_sending(gh, gh_server):
    body = "x" * 65537 + MARK
    with pytest.raises(IssueFlowError, match="65,536|65536"):
        gh.create_comment(1, body, MARK)
    assert gh_server.requests == []


@pytest.mark.parametrize(
    "fault, posts",
    [
        (dict(status=500), 2),  # not stored: looked, then posted again
        (dict(status=503, times=2), 3),
        (dict(store_then_fail=True), 1),  # stored, answered 502: looked, found, done
        (dict(delay=1.2), 1),  # stored, answer too late: looked, found, done
        (dict(status=502, delay=1.2), 2),  # timed out and not stored: posted again
        (dict(status=403, retry_after=1), 2),  # secondary rate limit: waited, posted again
        (dict(status=429, retry_after=1), 2),
    ],
)
def test_create_comment_survives_faults_without_duplicates(gh, gh_server, github_waits, fault, posts):
    body = f"Resolved by #462 in v0.9.2 / 0.2.2\n{MARK}"
    gh_server.inject("POST", COMMENTS, **fault)
    comment = gh.create_comment(1, body, MARK)
    stored = gh_server.comments(1)
    assert [c["body"] for c in stored] == [body]
    assert comment.id == stored[0]["id"]
    assert gh_server.count("POST", COMMENTS) == posts
    if "retry_after" in fault:
        assert github_waits == [fault["retry_after"]]  # waited what GitHub asked, once


@pytest.mark.real_time  # the one write that sleeps its Retry-After for real
def test_a_write_sleeps_its_retry_after_for_real(gh, gh_server):
    gh_server.inject("POST", COMMENTS, status=403, retry_after=1)
    start = time.monotonic()
    gh.create_comment(1, f"x {MARK}", MARK)
    assert time.monotonic() - start >= 0.9
    assert gh_server.count("POST", COMMENTS) == 2 and len(gh_server.comments(1)) == 1


def test_create_comment_gives_up_when_posts_keep_failing(gh, gh_server):
    gh_server.inject("POST", COMMENTS, status=500, times=None)
    with pytest.raises(IssueFlowError, match="500") as info:
        gh.create_comment(1, f"x {MARK}", MARK)
    assert gh_server.count("POST", COMMENTS) == 4
    assert gh_server.comments(1) == []
    assert_clean(info.value, gh_server.token)


def test_create_comment_rate_limited_beyond_max_wait_fails(gh, gh_server):
    gh_server.inject("POST", COMMENTS, status=403, retry_after=3600)
    with pytest.raises(IssueFlowError, match="rate limit"):
        gh.create_comment(1, f"x {MARK}", MARK)
    assert gh_server.count("POST", COMMENTS) == 1


# ------------------------------------------------------------------ issue body and state


def test_edit_issue_body_reads_then_patches_once(gh, gh_server):
    old = gh_server.issue(1)["body"]
    new = old.replace("[ ] one", "[x] one")
    result = gh.edit_issue_body(1, new, old)
    assert isinstance(result, IssueData) and result.body == new
    assert gh_server.issue(1)["body"] == new
    assert [r.method for r in gh_server.requests] == ["GET", "PATCH"]
    assert gh_server.requests[-1].body == {"body": new}


def test_edit_issue_body_does_nothing_when_already_there(gh, gh_server):
    body = gh_server.issue(1)["body"]
    gh.edit_issue_body(1, body, "something older")
    assert gh_server.count("PATCH") == 0


def test_edit_issue_body_refuses_when_changed_remotely(gh, gh_server):
    with pytest.raises(RemoteChanged, match="#1"):
        gh.edit_issue_body(1, "mine", "what I read before")
    assert gh_server.count("PATCH") == 0
    assert gh_server.issue(1)["body"] == "- [ ] one\r\n- [x] two\r\n"


def test_edit_issue_body_refuses_an_oversized_body_before_sending(gh, gh_server):
    with pytest.raises(IssueFlowError, match="65,536|65536"):
        gh.edit_issue_body(1, "y" * 65537, gh_server.issue(1)["body"])
    assert gh_server.requests == []


@pytest.mark.parametrize(
    "fault, patches",
    [
        (dict(status=500), 2),
        (dict(store_then_fail=True), 1),
        (dict(drop=True), 1),  # stored, the answer lost (timeouts: see create_comment above)
        (dict(status=502, drop=True), 2),  # lost on the way in: patched again
        (dict(status=403, retry_after=1), 2),
    ],
)
def test_edit_issue_body_survives_faults(gh, gh_server, fault, patches):
    old = gh_server.issue(1)["body"]
    new = old.replace("[ ] one", "[x] one")
    gh_server.inject("PATCH", ISSUE, **fault)
    assert gh.edit_issue_body(1, new, old).body == new
    assert gh_server.issue(1)["body"] == new
    assert gh_server.count("PATCH", ISSUE) == patches


def test_edit_issue_body_after_a_lost_answer_detects_a_concurrent_edit(gh, gh_server):
    old = gh_server.issue(1)["body"]
    gh_server.inject("PATCH", ISSUE, status=502)
    # Someone edits the issue between our failed PATCH and the look that follows it.
    real_get = gh_server._get_issue

    def racing_get(r, m, req, body):
        if gh_server.count("PATCH") == 1:
            r.issues[1]["body"] = "edited by a human"
        return real_get(r, m, req, body)

    gh_server._get_issue = racing_get
    with pytest.raises(RemoteChanged):
        gh.edit_issue_body(1, "mine", old)
    assert gh_server.issue(1)["body"] == "edited by a human"
    assert gh_server.count("PATCH") == 1


def test_close_issue(gh, gh_server):
    closed = gh.close_issue(1)
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    assert (gh_server.issue(1)["state"], gh_server.issue(1)["state_reason"]) == ("closed", "completed")
    assert gh_server.count("PATCH") == 1
    assert gh_server.requests[-1].body == {"state": "closed", "state_reason": "completed"}
    gh.close_issue(1)  # already closed: nothing sent
    assert gh_server.count("PATCH") == 1


def test_close_issue_rejects_an_unknown_reason_before_sending(gh, gh_server):
    with pytest.raises(IssueFlowError, match="state_reason"):
        gh.close_issue(1, "reopened")
    assert gh_server.requests == []


@pytest.mark.parametrize(
    "fault, patches",
    [(dict(status=500), 2), (dict(store_then_fail=True), 1), (dict(drop=True), 1), (dict(status=429, retry_after=1), 2)],
)
def test_close_issue_survives_faults(gh, gh_server, fault, patches):
    gh_server.inject("PATCH", ISSUE, **fault)
    assert gh.close_issue(1, "not_planned").state == "closed"
    assert (gh_server.issue(1)["state"], gh_server.issue(1)["state_reason"]) == ("closed", "not_planned")
    assert gh_server.count("PATCH", ISSUE) == patches


# ------------------------------------------------------------------ sub-issues


def test_add_sub_issue_links_once(gh, gh_server):
    child = gh_server.issue(2)["id"]
    assert gh.add_sub_issue(1, child) is True
    assert [c["number"] for c in gh_server.sub_issues(1)] == [2]
    assert gh.add_sub_issue(1, child) is True  # already linked: still true, not linked twice
    assert [c["number"] for c in gh_server.sub_issues(1)] == [2]


def test_add_sub_issue_survives_a_stored_then_failed_post(gh, gh_server):
    gh_server.inject("POST", r"/sub_issues$", store_then_fail=True)
    assert gh.add_sub_issue(1, gh_server.issue(2)["id"]) is True
    assert [c["number"] for c in gh_server.sub_issues(1)] == [2]
    assert gh_server.count("POST") == 1


def test_add_sub_issue_unsupported_returns_false(gh, gh_server):
    gh_server.sub_issues_supported = False
    assert gh.add_sub_issue(1, gh_server.issue(2)["id"]) is False


def test_add_sub_issue_to_a_missing_parent_is_an_error(gh, gh_server):
    with pytest.raises(IssueFlowError, match=r"issue #99 not found in acme/widgets"):
        gh.add_sub_issue(99, gh_server.issue(2)["id"])


def test_add_sub_issue_child_with_another_parent_is_an_error(gh, gh_server):
    gh_server.add_issue(3, "other parent")
    child = gh_server.issue(2)["id"]
    assert gh.add_sub_issue(3, child)
    with pytest.raises(IssueFlowError, match="422"):
        gh.add_sub_issue(1, child)


# ------------------------------------------------------------------ errors


def test_bad_credentials(gh_server):
    gh_server.add_issue(1, "t")
    bad = "ghp_WRONGtoken9999999999999999999999"
    gh = client(gh_server, token=bad)
    with pytest.raises(IssueFlowError, match="401") as info:
        gh.get_issue(1)
    assert "credentials" in str(info.value)
    assert_clean(info.value, bad)
    assert gh_server.count() == 1  # never retried


def test_no_permission_on_write(gh_server):
    gh_server.add_issue(1, "t", body="old")
    ro = gh_server.add_token("ghp_READONLYtoken00000000000000000000", "read")
    gh = client(gh_server, token=ro)
    with pytest.raises(IssueFlowError, match="403") as info:
        gh.edit_issue_body(1, "new", "old")
    assert "permission" in str(info.value)
    assert_clean(info.value, ro)
    assert gh_server.count("PATCH") == 1


def test_no_permission_on_read_is_not_retried(gh_server):
    gh_server.add_issue(1, "t")
    none = gh_server.add_token("ghp_NOACCESStoken00000000000000000000", "none")
    with pytest.raises(IssueFlowError, match="permission") as info:
        client(gh_server, token=none).get_issue(1)
    assert_clean(info.value, none)
    assert gh_server.count() == 1


def test_issue_not_found(gh, gh_server):
    with pytest.raises(IssueFlowError) as info:
        gh.get_issue(99)
    assert str(info.value) == "issue #99 not found in acme/widgets"
    assert_clean(info.value, gh_server.token)
    with pytest.raises(IssueFlowError, match=r"issue #99 not found in acme/widgets"):
        gh.create_comment(99, f"x {MARK}", MARK)
    with pytest.raises(IssueFlowError, match=r"issue #99 not found in acme/widgets"):
        gh.close_issue(99)


def test_unreachable_server(caplog):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/api/v3"
    token = "ghp_UNREACHABLEtoken000000000000000000"
    gh = GitHub(url, "acme/widgets", token, timeout=1, max_retries=1, throttle=0, backoff=0)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IssueFlowError) as info:
        gh.get_issue(1)
    assert str(info.value).startswith(f"cannot reach GitHub API at {url}")
    assert_clean(info.value, token)
    with pytest.raises(IssueFlowError, match="cannot reach"):
        gh.create_comment(1, f"x {MARK}", MARK)
    assert token not in caplog.text


def test_token_never_logged(gh, gh_server, caplog):
    caplog.set_level(logging.DEBUG)
    gh_server.inject("POST", COMMENTS, status=500)
    gh.get_issue(1)
    gh.create_comment(1, f"x {MARK}", MARK)
    gh.edit_issue_body(1, "new", gh_server.issue(1)["body"])
    assert caplog.text  # PyGithub and urllib3 did log at DEBUG
    assert gh_server.token not in caplog.text
