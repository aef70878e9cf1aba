"""``issue-flow close N``: closure comment, close as completed, pointer on the parent, local ticks.

Everything runs against the GitHub-compatible test server (tests/ghserver.py) on the real
#459/#462 folders of the corpus. The fault matrix injects, at every request position of a
clean close, a 500, a lost answer, a "stored but 502" and a 403 with ``Retry-After: 1``; after
at most one rerun the final state must be exactly one closure comment, one pointer, the
issue closed as completed and the local items ticked once.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from ghserver import WRITE_FAULTS
from conftest import (
    CORPUS,
    assert_one_line_error,
    copy_tree,
    refused,
    require_corpus,
    run_cli,
    snapshot,
)

CLOSE_MARK = "<!-- issue-flow:close #462 -->"
POINTER_MARK = "<!-- issue-flow:resolution #462 -->"
README_462 = "docs/issues/ISSUE-462/README.md"
TRACKING_462 = "docs/issues/ISSUE-462/TRACKING.md"
README_459 = "docs/issues/ISSUE-459/README.md"

# The lines a close of #462 changes, and nothing else (exact texts).
CHANGED_462_README = (
    [
        "- [ ] Close this issue and update #459 with resolution pointer.",
        "| Close #462, update #459 | ⬜     |",
    ],
    [
        "- [x] Close this issue and update #459 with resolution pointer.",
        "| Close #462, update #459 | ✅ closed as completed; pointer on #459 |",
    ],
)
CHANGED_462_TRACKING = (
    [
        "| Close #462 on GitHub with comment linking to `docs/issues/ISSUE-462/` | ⬜ |",
        "| Update #459 with resolution pointer | ⬜ |",
    ],
    [
        "| Close #462 on GitHub with comment linking to `docs/issues/ISSUE-462/` | ✅ closed as completed |",
        "| Update #459 with resolution pointer | ✅ pointer posted on #459 |",
    ],
)
RESOLUTION_LINE = "**Resolution:** Resolved by [#462](../ISSUE-462/README.md) in v0.9.2 / 0.2.2."


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    diff = list(difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(), n=0, lineterm=""))[2:]
    removed = [ln[1:] for ln in diff if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in diff if ln.startswith("+") and not ln.startswith("+++")]
    return removed, added


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """#459 and #462 of the corpus, with #462 released (0.9.2 / 0.2.2) and followed up."""
    require_corpus()
    root = tmp_path_factory.mktemp("prepared") / "repo"
    root.mkdir()
    (root / ".issue-flow.toml").write_text("")
    for n in (459, 462):
        copy_tree(CORPUS / f"docs/issues/ISSUE-{n}", root / f"docs/issues/ISSUE-{n}")
    env = {"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}
    for args in (("Patch release", "--note", "0.9.2 / 0.2.2"), ("Follow up voice-commerce",)):
        res = run_cli("check", "462", *args, cwd=root, env=env)
        assert res.code == 0, res
    return root


@pytest.fixture
def repo(prepared, tmp_path) -> Path:
    return copy_tree(prepared, tmp_path / "repo")


@pytest.fixture
def server(gh_server):
    gh_server.add_issue(459, "Bug: session.update race condition causes conversation_already_has_active_response")
    gh_server.add_issue(462, "Fix: conversation_already_has_active_response still occurs on 0.9.1/0.2.1")
    return gh_server


def env_for(server, **extra) -> dict:
    env = {
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
        "GITHUB_TOKEN": server.token,
        "GH_TOKEN": None,
        "GITHUB_ACTIONS": None,
        "GITHUB_STEP_SUMMARY": None,
        "GITHUB_OUTPUT": None,
        # small client timeouts and no back-off, so the fault matrix stays fast
        "ISSUE_FLOW_GITHUB_TIMEOUT": "1",
        "ISSUE_FLOW_GITHUB_RETRIES": "2",
        "ISSUE_FLOW_GITHUB_THROTTLE": "0",
    }
    env.update(extra)
    return env


def close(root: Path, server, *args: str, **extra):
    return run_cli("close", *args, cwd=root, env=env_for(server, **extra))


def folder_url(server) -> str:
    return f"{server.root}/{server.repo}/tree/main/docs/issues/ISSUE-462"


def assert_final_state(root: Path, server, before: dict[str, bytes]) -> None:
    """One closure comment, one pointer, #462 closed as completed, local lines ticked once."""
    closing = [c for c in server.comments(462) if CLOSE_MARK in c["body"]]
    assert len(server.comments(462)) == 1 and len(closing) == 1, server.comments(462)
    body = closing[0]["body"]
    assert "v0.9.2 / 0.2.2" in body and folder_url(server) in body
    pointers = [c for c in server.comments(459) if POINTER_MARK in c["body"]]
    assert len(server.comments(459)) == 1 and len(pointers) == 1, server.comments(459)
    assert "Resolved by #462 in v0.9.2 / 0.2.2" in pointers[0]["body"]
    assert folder_url(server) in pointers[0]["body"]
    issue = server.issue(462)
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert server.issue(459)["state"] == "open"

    after = snapshot(root)
    assert changed_lines(before[README_462], after[README_462]) == CHANGED_462_README
    assert changed_lines(before[TRACKING_462], after[TRACKING_462]) == CHANGED_462_TRACKING
    assert changed_lines(before[README_459], after[README_459]) == ([], ["", RESOLUTION_LINE])
    others = {k for k in after if k not in (README_462, TRACKING_462, README_459)}
    assert {k: after[k] for k in others} == {k: before[k] for k in others if k in before}


# --------------------------------------------------------------------------- a clean close


def test_clean_close_makes_six_requests_and_changes_exactly_these_lines(repo, server):
    before = snapshot(repo)
    res = close(repo, server, "462")
    assert res.code == 0, res
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/repos/acme/widgets/issues/462/comments"),
        ("POST", "/repos/acme/widgets/issues/462/comments"),
        ("GET", "/repos/acme/widgets/issues/462"),
        ("PATCH", "/repos/acme/widgets/issues/462"),
        ("GET", "/repos/acme/widgets/issues/459/comments"),
        ("POST", "/repos/acme/widgets/issues/459/comments"),
    ]
    assert server.requests[3].body == {"state": "closed", "state_reason": "completed"}
    assert_final_state(repo, server, before)
    closure = server.comments(462)[0]["body"]
    assert closure.startswith("Closed as completed: released in v0.9.2 / 0.2.2.")
    assert f"[docs/issues/ISSUE-462/]({folder_url(server)})" in closure
    assert closure.rstrip().endswith(CLOSE_MARK)
    pointer = server.comments(459)[0]["body"]
    assert pointer.startswith("Resolved by #462 in v0.9.2 / 0.2.2.")
    assert pointer.rstrip().endswith(POINTER_MARK)
    assert "#462" in res.out and "#459" in res.out
    # the 459 README: the pointer line sits after the header lines, as a paragraph of its own
    text = (repo / README_459).read_text()
    assert "**From:** voice-commerce" in text.split(RESOLUTION_LINE)[0].splitlines()[-2]


def test_rerun_after_success_posts_nothing_and_changes_nothing(repo, server):
    assert close(repo, server, "462").code == 0
    done = snapshot(repo)
    server.clear_log()
    res = close(repo, server, "462")
    assert res.code == 0, res
    assert [r.method for r in server.requests] == ["GET", "GET", "GET"]
    assert snapshot(repo) == done
    assert len(server.comments(462)) == 1 and len(server.comments(459)) == 1


def test_json_output(repo, server):
    res = close(repo, server, "462", "--json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert doc["issue"] == 462 and doc["parent"] == 459
    assert doc["resolution"] == "v0.9.2 / 0.2.2"
    assert doc["state"] == "closed" and doc["state_reason"] == "completed"
    assert doc["closure_comment"] == server.comments(462)[0]["html_url"]
    assert doc["pointer_comment"] == server.comments(459)[0]["html_url"]
    assert doc["folder_url"] == folder_url(server)
    assert sorted(doc["files"]) == sorted([README_459, README_462, TRACKING_462])
    assert doc["dry_run"] is False


def test_dry_run_prints_the_plan_and_sends_nothing(repo, server):
    before = snapshot(repo)
    res = close(repo, server, "462", "--dry-run")
    assert res.code == 0, res
    assert server.requests == []
    assert snapshot(repo) == before
    assert "call comment on #462" in res.out
    assert "call close #462 as completed" in res.out
    assert "call comment on #459" in res.out
    assert "+- [x] Close this issue and update #459 with resolution pointer." in res.out
    assert "+" + RESOLUTION_LINE in res.out
    assert CLOSE_MARK in res.out


def test_dry_run_needs_no_token(repo, server):
    before = snapshot(repo)
    res = close(repo, server, "462", "--dry-run", GITHUB_TOKEN=None)
    assert res.code == 0, res
    assert "#462" in res.out, res
    assert snapshot(repo) == before and server.requests == []  # nothing written, GitHub not asked


def test_no_token_is_a_one_line_error_and_changes_nothing(repo, server):
    before = snapshot(repo)
    res = close(repo, server, "462", GITHUB_TOKEN=None)
    assert_one_line_error(res, 2)
    assert "GITHUB_TOKEN" in res.err
    assert snapshot(repo) == before and server.requests == []


# --------------------------------------------------------------------------- refusals


def test_refuses_while_another_criterion_is_open(repo, server):
    run_cli("check", "462", "Follow up voice-commerce", "--undo", cwd=repo, env=env_for(server))
    before = snapshot(repo)
    res = close(repo, server, "462")
    assert_one_line_error(res, 1)
    assert "Follow up with voice-commerce" in res.err and "--force" in res.err
    assert server.requests == [] and snapshot(repo) == before


def test_force_closes_with_open_criteria(repo, server):
    run_cli("check", "462", "Follow up voice-commerce", "--undo", cwd=repo, env=env_for(server))
    res = close(repo, server, "462", "--force")
    assert res.code == 0, res
    assert server.issue(462)["state"] == "closed"
    text = (repo / README_462).read_text()
    assert "- [x] Close this issue and update #459 with resolution pointer." in text
    assert "- [ ] Follow up with voice-commerce" in text  # --force does not tick anything else


def test_no_released_version_and_no_resolution_is_bad_input(repo, server):
    run_cli("check", "462", "Patch release", "--note", "published", cwd=repo, env=env_for(server))
    res = close(repo, server, "462")
    assert_one_line_error(res, 2)
    assert "--resolution" in res.err
    assert server.requests == []


def test_resolution_text_replaces_the_versions(repo, server):
    run_cli("check", "462", "Patch release", "--note", "published", cwd=repo, env=env_for(server))
    res = close(repo, server, "462", "--resolution", "fixed by a proxy configuration change")
    assert res.code == 0, res
    assert server.comments(462)[0]["body"].startswith("Closed as completed: fixed by a proxy configuration change.")
    assert server.comments(459)[0]["body"].startswith("Resolved by #462: fixed by a proxy configuration change.")
    assert "**Resolution:** Resolved by [#462](../ISSUE-462/README.md): fixed by a proxy configuration change." in (
        repo / README_459
    ).read_text()


def test_resolution_that_names_versions_reads_as_versions(repo, server):
    res = close(repo, server, "462", "--resolution", "0.9.3 / 0.2.3")
    assert res.code == 0, res
    assert server.comments(459)[0]["body"].startswith("Resolved by #462 in v0.9.3 / 0.2.3.")


def test_unknown_issue_folder_is_bad_input(repo, server):
    res = close(repo, server, "999")
    assert_one_line_error(res, 2)
    assert server.requests == []


def test_issue_missing_on_github_is_a_one_line_error(repo, gh_server):
    res = refused(repo, lambda: close(repo, gh_server, "462"), 2)
    assert "#462" in res.err


# --------------------------------------------------------------------------- shapes


def test_issue_without_parent_posts_no_pointer(repo, server):
    readme = repo / README_462
    text = readme.read_text()
    readme.write_text("\n".join(ln for ln in text.split("\n") if not ln.startswith("**Parent:**")))
    res = close(repo, server, "462")
    assert res.code == 0, res
    assert [r.method for r in server.requests] == ["GET", "POST", "GET", "PATCH"]
    assert server.comments(459) == []
    assert "| Close #462, update #459 | ✅ closed as completed |" in readme.read_text()


def test_bug_459_close_item_is_issue_closed(tmp_path, server, corpus):
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".issue-flow.toml").write_text("")
    copy_tree(corpus / "docs/issues/ISSUE-459", root / "docs/issues/ISSUE-459")
    res = close(root, server, "459", "--resolution", "0.9.1 / 0.2.1")
    assert res.code == 0, res
    readme = (root / README_459).read_text()
    assert "- [x] **Issue closed** – #459 closed with resolution" in readme
    assert "| Issue closed           | ✅ closed as completed |" in readme
    tracking = (root / "docs/issues/ISSUE-459/TRACKING.md").read_text()
    assert "| Close #459 on GitHub with comment linking to `docs/issues/ISSUE-459/` (README + TRACKING) | ✅ closed as completed |" in tracking
    assert len(server.comments(459)) == 1 and server.issue(459)["state_reason"] == "completed"


def test_follow_ups_section_line_gets_the_resolution(tmp_path, server):
    root = tmp_path / "repo"
    (root / "docs/issues/ISSUE-11").mkdir(parents=True)
    (root / "docs/issues/ISSUE-12").mkdir(parents=True)
    (root / ".issue-flow.toml").write_text("")
    parent = (
        "# Issue #11: parent\n\n**GitHub:** #11\n\n## Follow-ups\n\n"
        "- [#12](../ISSUE-12/README.md) — still broken\n- [#13](../ISSUE-13/README.md) — other\n\n## Docs\n"
    )
    (root / "docs/issues/ISSUE-11/README.md").write_text(parent)
    (root / "docs/issues/ISSUE-12/README.md").write_text(
        "# Issue #12: still broken\n\n**Parent:** #11\n\n## Acceptance criteria\n\n"
        "- [x] **Patch release** – released\n- [ ] **Close** – close it\n\n## Status\n\n"
        "| Criterion | Status |\n|---|---|\n| Patch release | ✅ 1.2.4 |\n| Close | ⬜ |\n"
    )
    server.add_issue(11, "parent")
    server.add_issue(12, "child")
    res = close(root, server, "12")
    assert res.code == 0, res
    text = (root / "docs/issues/ISSUE-11/README.md").read_text()
    assert text == parent.replace(
        "- [#12](../ISSUE-12/README.md) — still broken\n",
        "- [#12](../ISSUE-12/README.md) — still broken — resolved in v1.2.4\n",
    )
    assert server.comments(11)[0]["body"].startswith("Resolved by #12 in v1.2.4.")
    # idempotent: a rerun leaves the line alone
    assert close(root, server, "12").code == 0
    assert (root / "docs/issues/ISSUE-11/README.md").read_text().count("resolved in") == 1


def test_web_base_from_api_url():
    from issue_flow.links import web_base

    assert web_base("https://api.github.com") == "https://github.com"
    assert web_base("https://ghe.example.com/api/v3") == "https://ghe.example.com"
    assert web_base("https://ghe.example.com/api/v3/") == "https://ghe.example.com"
    assert web_base("http://127.0.0.1:8080/api/v3") == "http://127.0.0.1:8080"
    assert web_base("https://api.acme.ghe.com") == "https://acme.ghe.com"


def test_configured_default_branch_is_used_in_the_link(repo, server):
    (repo / ".issue-flow.toml").write_text('default_branch = "trunk"\n')
    assert close(repo, server, "462").code == 0
    assert f"{server.root}/{server.repo}/tree/trunk/docs/issues/ISSUE-462" in server.comments(462)[0]["body"]


def test_github_actions_summary(repo, server, tmp_path):
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs"
    res = close(
        repo, server, "462", GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs)
    )
    assert res.code == 0, res
    text = summary.read_text()
    assert "#462" in text and "closed as completed" in text and "#459" in text
    assert not outputs.exists()


# --------------------------------------------------------------------------- partial failures


def test_persistent_failure_of_the_pointer_then_rerun(repo, server):
    before = snapshot(repo)
    server.inject("POST", r"/issues/459/comments$", status=500, times=None)
    res = close(repo, server, "462")
    assert_one_line_error(res, 2)
    assert "#459" in res.err
    # #462 is already closed with its comment; nothing local was ticked yet
    assert server.issue(462)["state"] == "closed" and len(server.comments(462)) == 1
    assert snapshot(repo) == before
    server.faults.clear()
    res = close(repo, server, "462")
    assert res.code == 0, res
    assert_final_state(repo, server, before)


def test_persistent_failure_of_the_close_then_rerun(repo, server):
    before = snapshot(repo)
    server.inject("PATCH", r"/issues/462$", status=502, times=None)
    res = close(repo, server, "462")
    assert_one_line_error(res, 2)
    assert server.issue(462)["state"] == "open" and server.comments(459) == []
    server.faults.clear()
    assert close(repo, server, "462").code == 0
    assert_final_state(repo, server, before)


POSITIONS = [
    ("GET", r"/issues/462/comments$"),
    ("POST", r"/issues/462/comments$"),
    ("GET", r"/issues/462$"),
    ("PATCH", r"/issues/462$"),
    ("GET", r"/issues/459/comments$"),
    ("POST", r"/issues/459/comments$"),
]
FAULTS = WRITE_FAULTS


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("position", range(len(POSITIONS)), ids=[f"{m}{p}" for m, p in POSITIONS])
def test_fault_matrix(repo, server, github_waits, position, fault):
    method, path = POSITIONS[position]
    before = snapshot(repo)
    server.inject(method, path, **FAULTS[fault])
    res = close(repo, server, "462")
    if res.code != 0:  # at most one rerun
        assert_one_line_error(res, 2)
        res = close(repo, server, "462")
    assert res.code == 0, res
    assert server.faults == []  # the fault was met
    assert_final_state(repo, server, before)
    landed_posts = [r for r in server.requests if r.method == "POST"]
    assert len(landed_posts) <= 2 + (1 if fault in ("500", "403-retry-after") and method == "POST" else 0)
    if fault == "403-retry-after":
        assert github_waits == [1.0]  # the wait GitHub asked for, once (recorded, not slept)
    assert re.search(r"#462", res.out)
