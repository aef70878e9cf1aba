"""``issue-flow new N`` reading issue #N (and its parent) from GitHub, end to end.

Everything goes through the real HTTP test server (tests/ghserver.py) with the environment a
workflow would have (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY). Request counts are
read from the server's log, the sub-issue link from the server's state.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_one_line_error, refused, run_cli, snapshot

REPO_PATH = "/repos/acme/widgets"

# The body as GitHub's web editor stores it: CRLF, a criteria section among other sections,
# a continuation line, a nested task (not a criterion), tasks in a fence and a comment
# (not tasks), items with and without a bold label, one ticked with "X". (The item with a
# continuation line has a bold label: ``sync`` reads a remote task's first line only, so an
# unlabeled multi-line item, collapsed to one line here, would not pair with it by text.)
BODY = (
    "A consumer still sees `conversation_already_has_active_response` on 0.9.1.\r\n"
    "\r\n"
    "## Acceptance criteria\r\n"
    "\r\n"
    "- [x] **Root cause identified** – message order captured\r\n"
    "- [ ] **Fix:** no second `response.create` while one is active\r\n"
    "- [ ] Tests – regression test in test:mock\r\n"
    "  - [ ] nested, not a criterion\r\n"
    "- [X] Follow up with the consumer (not before the release)\r\n"
    "- [ ] **Release**: patch release\r\n"
    "  and publish\r\n"
    "\r\n"
    "```md\r\n"
    "- [x] not a task (in a fence)\r\n"
    "```\r\n"
    "<!-- - [ ] not a task either -->\r\n"
    "\r\n"
    "## Notes\r\n"
    "\r\n"
    "Seen with the OpenAI proxy only.\r\n"
)

CHECKLIST = [
    "- [x] **Root cause identified** – message order captured",
    "- [ ] **Fix:** no second `response.create` while one is active",
    "- [ ] **Tests** – regression test in test:mock",
    "- [x] **Follow up with the consumer** (not before the release)",
    "- [ ] **Release**: patch release and publish",
]
ROWS = [
    "| Root cause identified | ✅ |",
    "| Fix | ⬜ |",
    "| Tests | ⬜ |",
    "| Follow up with the consumer | ✅ |",
    "| Release | ⬜ |",
]


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # a checkout: the repository lock lives in .git
    (root / ".issue-flow.toml").write_text("", encoding="utf-8")  # repository from GITHUB_REPOSITORY
    (root / "docs" / "issues").mkdir(parents=True)
    return root


@pytest.fixture
def env(gh_env) -> dict:
    return gh_env


def run(root: Path, env: dict, *args: str):
    res = run_cli(*args, cwd=root, env=env)
    for secret in {env.get("GITHUB_TOKEN"), env.get("GH_TOKEN")} - {None}:
        assert secret not in res.out and secret not in res.err, res
    return res


def new(root: Path, env: dict, *args: str):
    return run(root, env, "new", *args)


def log(server) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests]


def status_of(root: Path, env: dict, n: int) -> dict:
    res = run(root, env, "status", str(n), "--json")
    assert res.code == 0, res
    return json.loads(res.out)["issues"][0]


def parent_folder(root: Path, n: int, title: str) -> Path:
    folder = root / "docs" / "issues" / f"ISSUE-{n}"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(f"# Issue #{n}: {title}\n\n**GitHub:** #{n}\n", encoding="utf-8")
    return folder


# ------------------------------------------------------------------ data from #N


def test_title_labels_body_and_criteria_come_from_the_issue(repo, gh_server, env):
    gh_server.add_issue(7, "session.update race", body=BODY, labels=["bug", "proxy"])
    res = new(repo, env, "7")
    assert res.code == 0, res
    assert log(gh_server) == [("GET", f"{REPO_PATH}/issues/7")]
    assert "scaffolded #7 (bug)" in res.out

    readme = (repo / "docs/issues/ISSUE-7/README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert lines[0] == "# Issue #7: session.update race"
    assert f"**GitHub:** [#7 session.update race]({gh_server.root}/acme/widgets/issues/7)" in lines
    assert "**Labels:** bug, proxy" in lines
    assert "\r" not in readme

    # The criteria: top-level tasks of the criteria section, one line each, checked state
    # copied, every item with a bold label, and a status row with the same label.
    assert [ln for ln in lines if ln.startswith("- [")] == CHECKLIST
    assert [ln for ln in lines if ln.startswith("| ") and ln.endswith(" |") and "Criterion" not in ln] == ROWS
    assert "nested, not a criterion" not in readme

    # The Summary keeps the rest of the body (the criteria section is not repeated there).
    summary = readme.split("## Summary", 1)[1].split("## Context", 1)[0]
    assert "A consumer still sees `conversation_already_has_active_response` on 0.9.1." in summary
    assert "Seen with the OpenAI proxy only." in summary
    # The body's criteria section is replaced by the README's own, as a whole.
    assert "not a task" not in readme
    assert readme.count("Acceptance criteria") == 1
    assert "### Notes" in summary  # body headings sit below the README's sections

    # The kind came from the label "bug".
    tracking = (repo / "docs/issues/ISSUE-7/TRACKING.md").read_text(encoding="utf-8")
    assert "## Phase 1 – Investigate" in tracking

    item = status_of(repo, env, 7)
    assert item["pairing"] == "label"
    assert item["criteria"] == {"done": 2, "total": 5}
    assert item["status_rows"] == 5
    assert item["drift"] == []
    assert run(repo, env, "lint", "7").code == 0

    # The new folder and the issue are in sync at once: every item pairs, nothing to copy.
    gh_server.clear_log()
    res = run(repo, env, "sync", "7")
    assert res.code == 0, res
    assert "in sync" in res.out
    assert "only in the README" not in res.out and "only on GitHub" not in res.out
    assert log(gh_server) == [("GET", f"{REPO_PATH}/issues/7")]


def test_title_option_overrides_the_github_title(repo, gh_server, env):
    gh_server.add_issue(8, "GitHub title", body="")
    res = new(repo, env, "8", "--title", "My   own\ntitle")
    assert res.code == 0, res
    readme = (repo / "docs/issues/ISSUE-8/README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Issue #8: My own title\n")
    assert "GitHub title" not in readme


def test_a_body_without_tasks_keeps_the_kinds_criteria(repo, gh_server, env):
    gh_server.add_issue(9, "no tasks", body="Just a description.\r\n\r\n# Big heading\r\n\r\nMore.", labels=["enhancement"])
    res = new(repo, env, "9")
    assert res.code == 0, res
    assert "scaffolded #9 (feature)" in res.out  # label "enhancement" selects the kind
    readme = (repo / "docs/issues/ISSUE-9/README.md").read_text(encoding="utf-8")
    assert "Just a description." in readme
    assert "### Big heading" in readme
    assert [h for h in readme.splitlines() if h.startswith("# ")] == ["# Issue #9: no tasks"]
    assert "- [ ] **Design agreed** – " in readme
    item = status_of(repo, env, 9)
    assert item["pairing"] == "label" and item["drift"] == []


def test_tasks_without_a_criteria_heading_are_all_top_level_tasks(repo, gh_server, env):
    body = (
        "Steps:\n\n"
        "- [ ] Reproduce with the proxy running against the real API and record the log of one session\n"
        "- [x] `session.update` ordering: fixed\n"
        "- [ ] Reproduce with the proxy again\n"
        "\nThanks!\n"
    )
    gh_server.add_issue(10, "all tasks", body=body, labels=["Type: Bug"])
    res = new(repo, env, "10", "--kind", "feature")
    assert res.code == 0, res
    assert "scaffolded #10 (feature)" in res.out  # --kind wins over labels
    readme = (repo / "docs/issues/ISSUE-10/README.md").read_text(encoding="utf-8")
    checklist = [ln for ln in readme.splitlines() if ln.startswith("- [")]
    assert len(checklist) == 3
    assert all(ln[6:8] == "**" for ln in checklist)
    assert checklist[1] == "- [x] **`session.update` ordering**: fixed"
    # derived labels are unique, so the folder pairs by label
    labels = [ln.split("**")[1] for ln in checklist]
    assert len({lb.casefold() for lb in labels}) == 3
    summary = readme.split("## Summary", 1)[1].split("## Context", 1)[0]
    assert "Steps:" in summary and "Thanks!" in summary and "- [" not in summary
    item = status_of(repo, env, 10)
    assert item["pairing"] == "label"
    assert item["criteria"] == {"done": 1, "total": 3}
    assert item["drift"] == []
    gh_server.clear_log()
    res = run(repo, env, "sync", "10")
    assert res.code == 0, res
    assert "only in the README" not in res.out and "only on GitHub" not in res.out


def test_labels_select_the_kind_and_a_parent_selects_follow_up(repo, gh_server, env):
    gh_server.add_issue(1, "parent", body="")
    gh_server.add_issue(2, "child bug", body="", labels=["bug"])
    gh_server.add_issue(3, "a feature", body="", labels=["question", "Feature"])
    gh_server.add_issue(4, "nothing", body="", labels=["question"])
    assert "(follow-up)" in new(repo, env, "2", "--parent", "1").out
    assert "(feature)" in new(repo, env, "3").out
    assert "(bug)" in new(repo, env, "4").out


# ------------------------------------------------------------------ parent and sub-issue


def test_parent_title_from_github_and_sub_issue_linked_in_three_requests(repo, gh_server, env):
    gh_server.add_issue(459, "session.update race condition (OpenAI proxy)", body="")
    child = gh_server.add_issue(462, "still occurs on 0.9.1", body=BODY, labels=["bug"])
    res = new(repo, env, "462", "--parent", "459")
    assert res.code == 0, res
    assert log(gh_server) == [
        ("GET", f"{REPO_PATH}/issues/462"),
        ("GET", f"{REPO_PATH}/issues/459"),
        ("POST", f"{REPO_PATH}/issues/459/sub_issues"),
    ]
    assert len(gh_server.requests) <= 4
    assert gh_server.requests[-1].body == {"sub_issue_id": child["id"]}
    assert [i["number"] for i in gh_server.sub_issues(459)] == [462]
    assert "linked #462 as a sub-issue of #459" in res.out
    readme = (repo / "docs/issues/ISSUE-462/README.md").read_text(encoding="utf-8")
    assert (
        f"**Parent:** [#459]({gh_server.root}/acme/widgets/issues/459) — session.update race condition (OpenAI proxy)"
        in readme.splitlines()
    )
    assert "## Phase 1 – Get log and analyse" in (repo / "docs/issues/ISSUE-462/TRACKING.md").read_text()
    assert status_of(repo, env, 462)["parent"] == 459


def test_a_local_parent_folder_gives_the_title_without_a_request(repo, gh_server, env):
    gh_server.add_issue(459, "the GitHub title", body="")
    gh_server.add_issue(462, "child", body="")
    parent_folder(repo, 459, "the local title")
    res = new(repo, env, "462", "--parent", "459")
    assert res.code == 0, res
    assert log(gh_server) == [("GET", f"{REPO_PATH}/issues/462"), ("POST", f"{REPO_PATH}/issues/459/sub_issues")]
    readme = (repo / "docs/issues/ISSUE-462/README.md").read_text(encoding="utf-8")
    assert "— the local title" in readme and "the GitHub title" not in readme
    parent = (repo / "docs/issues/ISSUE-459/README.md").read_text(encoding="utf-8")
    assert "- [#462](../ISSUE-462/README.md) — child" in parent
    assert [i["number"] for i in gh_server.sub_issues(459)] == [462]


def test_dry_run_sends_no_post_and_writes_nothing(repo, gh_server, env):
    gh_server.add_issue(459, "parent", body="")
    gh_server.add_issue(462, "child", body=BODY)
    before = snapshot(repo)
    res = new(repo, env, "462", "--parent", "459", "--dry-run")
    assert res.code == 0, res
    assert snapshot(repo) == before
    assert all(r.method == "GET" for r in gh_server.requests)
    assert gh_server.sub_issues(459) == []
    assert "call POST /repos/acme/widgets/issues/459/sub_issues" in res.out
    assert "create docs/issues/ISSUE-462/README.md" in res.out
    assert "would scaffold #462" in res.out


def test_sub_issues_unsupported_is_a_one_line_note_and_the_folder_is_created(repo, gh_server, env):
    gh_server.sub_issues_supported = False
    gh_server.add_issue(459, "parent", body="")
    gh_server.add_issue(462, "child", body="")
    res = new(repo, env, "462", "--parent", "459")
    assert res.code == 0, res
    assert len(gh_server.requests) <= 4
    notes = [ln for ln in res.err.splitlines() if "sub-issue" in ln]
    assert len(notes) == 1 and "not linked" in notes[0] and "#459" in notes[0]
    assert (repo / "docs/issues/ISSUE-462/README.md").is_file()
    assert "linked #462" not in res.out


def test_rerun_after_the_link_landed_converges(repo, gh_server, env):
    """The link goes out before the files: a rerun after a failed write links nothing twice."""
    gh_server.add_issue(459, "parent", body="")
    gh_server.add_issue(462, "child", body="")
    assert new(repo, env, "462", "--parent", "459", "--dry-run").code == 0
    child_id = gh_server.issue(462)["id"]
    from issue_flow.adapters.github import GitHub

    assert GitHub(gh_server.url, gh_server.repo, gh_server.token, throttle=0).add_sub_issue(459, child_id)
    res = new(repo, env, "462", "--parent", "459")
    assert res.code == 0, res
    assert [i["number"] for i in gh_server.sub_issues(459)] == [462]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("case", ["unknown issue", "unknown parent", "bad token", "no permission", "unreachable"])
def test_github_errors_are_one_line_exit_2_and_write_nothing(repo, gh_server, env, case):
    gh_server.add_issue(462, "child", body="")
    parent_folder(repo, 1, "a local parent")
    args = ["462"]
    if case == "unknown issue":
        args = ["463"]
        words = ["#463", "not found"]
    elif case == "unknown parent":
        args = ["462", "--parent", "459"]
        words = ["#459", "not found"]
    elif case == "bad token":
        env = {**env, "GITHUB_TOKEN": "ghp_WRONGtoken9999999999999999999999"}
        words = ["401", "token"]
    elif case == "no permission":
        env = {**env, "GITHUB_TOKEN": gh_server.add_token("ghp_NOACCESStoken00000000000000000000", "none")}
        words = ["403", "permission"]
    else:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        env = {**env, "GITHUB_API_URL": f"http://127.0.0.1:{port}/api/v3", "ISSUE_FLOW_GITHUB_RETRIES": "0"}
        words = ["cannot reach GitHub API"]
    res = refused(repo, lambda: new(repo, env, *args), 2)
    for w in words:
        assert w in res.err, res
    assert all(r.method == "GET" for r in gh_server.requests)


def test_a_failed_link_writes_nothing(repo, gh_server, env):
    gh_server.add_issue(459, "parent", body="")
    gh_server.add_issue(462, "child", body="")
    read_only = gh_server.add_token("ghp_READONLYtoken00000000000000000000", "read")
    res = refused(repo, lambda: new(repo, {**env, "GITHUB_TOKEN": read_only}, "462", "--parent", "459"), 2)
    assert "403" in res.err and "sub-issue" in res.err


def test_local_problems_fail_before_any_request(repo, gh_server, env):
    gh_server.add_issue(462, "child", body="")
    parent_folder(repo, 462, "exists already")
    res = new(repo, env, "462")
    assert_one_line_error(res)
    assert "exists" in res.err
    res = new(repo, env, "463", "--kind", "nope")
    assert_one_line_error(res)
    assert "unknown kind" in res.err
    assert gh_server.requests == []


# ------------------------------------------------------------------ offline


def test_without_a_token_it_works_offline_and_needs_a_title(repo, gh_server, env):
    gh_server.add_issue(462, "child", body=BODY)
    offline_env = {**env, "GITHUB_TOKEN": None, "GH_TOKEN": None}
    res = refused(repo, lambda: new(repo, offline_env, "462"), 2)
    assert "--title" in res.err and "token" in res.err

    res = new(repo, offline_env, "462", "--title", "offline title")
    assert res.code == 0, res
    notes = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(notes) == 1 and "no GitHub token: working offline (title from --title)" in notes[0]
    assert gh_server.requests == []
    readme = (repo / "docs/issues/ISSUE-462/README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Issue #462: offline title\n")
    assert "- [ ] **Root cause identified** – Code paths located" in readme  # the kind's defaults


def test_offline_flag_sends_nothing_and_says_nothing(repo, gh_server, env):
    gh_server.add_issue(462, "child", body=BODY)
    res = new(repo, env, "462", "--offline")
    assert_one_line_error(res)
    assert "--title" in res.err
    res = new(repo, env, "462", "--offline", "--title", "t")
    assert res.code == 0, res
    assert res.err.strip() == ""
    assert gh_server.requests == []


def test_new_imports_no_github_client_at_import():
    code = (
        "import sys, issue_flow.commands.new\n"
        "heavy = [m for m in ('github', 'jinja2', 'requests', 'urllib3') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ reading a body


def test_criteria_from_body_rules():
    from issue_flow.model.issue_body import read_issue_body

    body = (
        "## Acceptance Criteria\n\n"
        "- [ ] **Bold label** no separator\n"
        "1. [x] Numbered: item\n"
        "* [ ] A very long item that has no separator at all and goes on for many words\n"
        "- [ ] A very long item that has no separator at all and goes on differently\n"
        "- [ ] Pipes | in the label: text\n"
        "- [ ] Short one.\n"
        "- [ ] Continued on\n  the next line\\\n  and one more\n"
        "\n## Other\n\n- [ ] not a criterion (outside the section)\n"
    )
    criteria, summary = read_issue_body(body)
    got = [(c.label, c.done) for c in criteria]
    assert got[0] == ("Bold label", False)
    assert got[1] == ("Numbered", True)
    assert got[5] == ("Short one", False)
    assert len(criteria) == 7
    assert len({c.label.casefold() for c in criteria}) == 7  # derived labels are unique
    last = criteria[6]
    assert f"{last.label_md}{last.sep}{last.text}" == "Continued on the next line and one more"
    assert all("|" not in c.label_md or "\\|" in c.label_md for c in criteria if c.label_md)
    assert summary is not None and "not a criterion" in summary and "Acceptance" not in summary

    # An "Acceptance criteria" heading without tasks (tasks elsewhere) is not copied either:
    # the README finds its own criteria by the first such heading.
    criteria, summary = read_issue_body("## Acceptance criteria\n\nSee below.\n\n## Todo\n\n- [ ] One: a\n")
    assert [c.label for c in criteria] == ["One"]
    assert summary == "### Todo"

    criteria, summary = read_issue_body("")
    assert criteria == [] and summary is None
    criteria, summary = read_issue_body("Only text\r\n")
    assert criteria == [] and summary == "Only text"
