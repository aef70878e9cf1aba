"""The test server itself speaks GitHub's REST API the way the adapter tests rely on."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request

import pytest


def call(server, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method)
    req.add_header("Authorization", f"token {token or server.token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"null")


def test_auth_and_rate_limit_headers(gh_server):
    gh_server.add_issue(1, "t")
    status, headers, doc = call(gh_server, "GET", "/repos/acme/widgets/issues/1", token="nope")
    assert (status, doc["message"]) == (401, "Bad credentials")
    status, headers, doc = call(gh_server, "GET", "/repos/acme/widgets/issues/1")
    assert status == 200
    for name in ("Limit", "Remaining", "Reset", "Used", "Resource"):
        assert f"X-RateLimit-{name}" in headers
    assert doc["url"] == f"{gh_server.url}/repos/acme/widgets/issues/1"
    assert call(gh_server, "GET", "/repos/acme/widgets/issues/9")[2] == {"message": "Not Found"}
    assert call(gh_server, "GET", "/repos/acme/other")[0] == 404


def test_read_only_token_cannot_write(gh_server):
    gh_server.add_issue(1, "t")
    ro = gh_server.add_token("ro-token", "read")
    assert call(gh_server, "GET", "/repos/acme/widgets/issues/1", token=ro)[0] == 200
    status, headers, doc = call(gh_server, "PATCH", "/repos/acme/widgets/issues/1", {"body": "x"}, token=ro)
    assert status == 403 and "Retry-After" not in headers


def test_patch_validates_like_github(gh_server):
    gh_server.add_issue(1, "t")
    path = "/repos/acme/widgets/issues/1"
    assert call(gh_server, "PATCH", path, {"body": "x" * 65537})[0] == 422
    assert call(gh_server, "PATCH", path, {"state": "closed", "state_reason": "done"})[0] == 422
    status, _, doc = call(gh_server, "PATCH", path, {"state": "closed"})
    assert (status, doc["state"], doc["state_reason"]) == (200, "closed", "completed")
    status, _, doc = call(gh_server, "PATCH", path, {"state": "open"})
    assert (doc["state"], doc["state_reason"]) == ("open", "reopened")
    status, _, doc = call(gh_server, "PATCH", path, {"labels": ["bug", {"name": "p1"}], "title": "new"})
    assert [x["name"] for x in doc["labels"]] == ["bug", "p1"] and doc["title"] == "new"


def test_comment_pagination_links(gh_server):
    gh_server.add_issue(1, "t")
    for i in range(5):
        gh_server.add_comment(1, f"c{i}")
    status, headers, doc = call(gh_server, "GET", "/repos/acme/widgets/issues/1/comments?per_page=2&page=2")
    assert [c["body"] for c in doc] == ["c2", "c3"]
    link = headers["Link"]
    assert f'<{gh_server.url}/repos/acme/widgets/issues/1/comments?per_page=2&page=3>; rel="next"' in link
    assert 'page=3>; rel="last"' in link and 'page=1>; rel="first"' in link and 'page=1>; rel="prev"' in link
    assert call(gh_server, "POST", "/repos/acme/widgets/issues/1/comments", {"body": "y" * 65537})[0] == 422


def test_sub_issues(gh_server):
    gh_server.add_issue(1, "parent")
    child = gh_server.add_issue(2, "child")
    path = "/repos/acme/widgets/issues/1/sub_issues"
    status, _, doc = call(gh_server, "POST", path, {"sub_issue_id": child["id"]})
    assert (status, doc["number"]) == (201, 2)
    assert call(gh_server, "POST", path, {"sub_issue_id": child["id"]})[0] == 422
    assert [c["number"] for c in call(gh_server, "GET", path)[2]] == [2]
    assert gh_server.issue(1)["sub_issues_summary"]["total"] == 1
    gh_server.sub_issues_supported = False
    assert call(gh_server, "GET", path)[0] == 404


def test_checks_and_combined_status(gh_server):
    gh_server.add_check_run("abc", "lint", "completed", "failure")
    gh_server.add_status("abc", "ci", "pending")
    gh_server.add_status("abc", "ci", "success")
    doc = call(gh_server, "GET", "/repos/acme/widgets/commits/abc/check-runs")[2]
    assert doc["total_count"] == 1 and doc["check_runs"][0]["conclusion"] == "failure"
    doc = call(gh_server, "GET", "/repos/acme/widgets/commits/abc/status")[2]
    assert doc["state"] == "success" and [s["state"] for s in doc["statuses"]] == ["success"]


def test_faults(gh_server):
    gh_server.add_issue(1, "t")
    comments = "/repos/acme/widgets/issues/1/comments"
    gh_server.inject("POST", r"/comments$", store_then_fail=True)
    assert call(gh_server, "POST", comments, {"body": "a"})[0] == 502
    assert [c["body"] for c in gh_server.comments(1)] == ["a"]  # stored anyway
    gh_server.inject("POST", r"/comments$", status=500, times=2)
    assert [call(gh_server, "POST", comments, {"body": "b"})[0] for _ in range(3)] == [500, 500, 201]
    assert len(gh_server.comments(1)) == 2  # the two 500s stored nothing
    gh_server.inject("GET", r"/issues/1$", retry_after=7)
    status, headers, doc = call(gh_server, "GET", "/repos/acme/widgets/issues/1")
    assert (status, headers["Retry-After"]) == (403, "7") and "secondary rate limit" in doc["message"]
    gh_server.inject("GET", r"/issues/1$", status=429, reset_in=30)
    status, headers, _ = call(gh_server, "GET", "/repos/acme/widgets/issues/1")
    assert status == 429 and headers["X-RateLimit-Remaining"] == "0"
    assert int(headers["X-RateLimit-Reset"]) >= int(time.time()) + 29
    gh_server.inject("GET", r"/issues/1$", delay=0.3)
    start = time.monotonic()
    assert call(gh_server, "GET", "/repos/acme/widgets/issues/1")[0] == 200
    assert time.monotonic() - start >= 0.3
    gh_server.inject("POST", r"/comments$", drop=True)
    with pytest.raises((OSError, http.client.HTTPException)):
        call(gh_server, "POST", comments, {"body": "c"})
    assert [c["body"] for c in gh_server.comments(1)][-1] == "c"  # performed, the answer lost
    gh_server.inject("POST", r"/comments$", status=502, drop=True)
    with pytest.raises((OSError, http.client.HTTPException)):
        call(gh_server, "POST", comments, {"body": "d"})
    assert len(gh_server.comments(1)) == 3  # lost on the way in: nothing stored
    assert call(gh_server, "GET", "/repos/acme/widgets/issues/1")[0] == 200  # the server still serves
    assert gh_server.count("POST") == 6  # faulted requests are logged too
    gh_server.clear_log()
    assert gh_server.requests == []
