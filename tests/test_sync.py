"""``issue-flow sync N``: three-way checkbox sync with the GitHub issue, end to end.

Everything goes through the real HTTP test server (tests/ghserver.py) with the environment
a workflow would have (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY). Request budgets,
byte-exact remote bodies and the behaviour under faults are read from the server's state
and request log.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from ghserver import WRITE_FAULTS
from conftest import assert_one_line_error, git, refused, run_cli, snapshot

from issue_flow.workflows import sync_merge as syncing

N = 7
ISSUE_PATH = f"/repos/acme/widgets/issues/{N}"
BASE_REL = f".issue-flow/sync/ISSUE-{N}.json"
README_REL = f"docs/issues/ISSUE-{N}/README.md"

# (key in the base, checklist text, status-row label)
ITEMS = [
    ("label:root cause identified", "**Root cause identified** – message order captured", "Root cause identified"),
    ("label:fix", "**Fix** – no second `response.create` while one is active", "Fix"),
    ("label:tests", "**Tests** – regression test in test:mock", "Tests"),
    ("label:release", "**Release** – patch release and publish", "Release"),
    (
        "text:follow up with the consumer (not before the release)",
        "Follow up with the consumer (not before the release)",
        "Follow up",
    ),
]
A, B, C, D, E = (k for k, _, _ in ITEMS)


def readme(ticked: set[str]) -> bytes:
    box = {k: "x" if k in ticked else " " for k, _, _ in ITEMS}
    mark = {k: "✅" if k in ticked else "⬜" for k, _, _ in ITEMS}
    text = (
        f"# Issue #{N}: session.update race\n\n"
        f"**GitHub:** [#{N}](https://github.com/acme/widgets/issues/{N})\n\n"
        "## Acceptance criteria\n\n"
        + "".join(f"- [{box[k]}] {t}\n" for k, t, _ in ITEMS)
        + "\n## Status\n\n| Criterion | Status |\n|---|---|\n"
        + "".join(f"| {label} | {mark[k]} |\n" for k, _, label in ITEMS)
    )
    return text.encode()


def body(ticked: set[str]) -> str:
    """The GitHub body: CRLF (as the web editor writes it), text edited by others, no final newline."""
    box = {k: "x" if k in ticked else " " for k, _, _ in ITEMS}
    text = {k: t for k, t, _ in ITEMS}
    text[B] = "**Fix** – no second `response.create` (wording edited on GitHub)  "
    return (
        "Reported by a consumer: `conversation_already_has_active_response` 🎙️\r\n"
        "\r\n"
        "## Acceptance criteria\r\n"
        "\r\n"
        + "".join(f"- [{box[k]}] {text[k]}\r\n" for k, _, _ in ITEMS)
        + "\r\n```md\r\n- [x] not a task (in a fence)\r\n```\r\n"
        "<!-- - [ ] not a task either -->\r\n"
        "_edited by @octocat_"
    )


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "docs" / "issues" / f"ISSUE-{N}").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / README_REL).write_bytes(readme({C}))
    return root


@pytest.fixture
def env(gh_env) -> dict:
    return gh_env


def sync(root: Path, env: dict, *args: str, token: str | None = None):
    """``issue-flow sync 7 ARGS`` (or ``sync ARGS`` when ARGS start with a number)."""
    if not (args and args[0].isdigit()):
        args = (str(N), *args)
    res = run_cli("sync", *args, cwd=root, env=env)
    for secret in {env.get("GITHUB_TOKEN"), token} - {None}:
        assert secret not in res.out and secret not in res.err, res
    return res


def set_remote(server, text: str) -> None:
    with server._lock:
        server._repo(None).issues[N]["body"] = text


def write_base(root: Path, base: dict[str, bool]) -> None:
    path = root / BASE_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(syncing.dump_base(N, base))


def base_of(root: Path) -> dict[str, bool]:
    return json.loads((root / BASE_REL).read_bytes())["items"]


def log(server) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests]


def count_stores(server) -> list:
    """Record every PATCH the server actually performed (a faulted, unperformed one is not)."""
    stores: list = []
    real = server._patch_issue

    def patched(r, m, req, b):
        result = real(r, m, req, b)
        stores.append(b)
        return result

    server._patch_issue = patched
    return stores


def in_sync(root: Path, server, ticked: set[str]) -> None:
    """Both sides and the base say ``ticked``; a plain sync then costs one GET and changes nothing."""
    assert (root / README_REL).read_bytes() == readme(ticked)
    assert server.issue(N)["body"] == body(ticked)
    assert base_of(root) == {k: k in ticked for k, _, _ in ITEMS}


@pytest.fixture
def synced(repo, gh_server, env) -> Path:
    """A repository whose last sync saw C ticked on both sides (the base exists)."""
    gh_server.add_issue(N, "session.update race", body=body({C}))
    res = sync(repo, env)
    assert res.code == 0, res
    gh_server.clear_log()
    return repo


# ------------------------------------------------------------------ budgets and the happy paths


def test_first_sync_of_equal_sides_records_the_base_in_one_request(repo, gh_server, env):
    gh_server.add_issue(N, "session.update race", body=body({C}))
    before = snapshot(repo)
    res = sync(repo, env)
    assert res.code == 0, res
    assert log(gh_server) == [("GET", ISSUE_PATH)]
    assert base_of(repo) == {A: False, B: False, C: True, D: False, E: False}
    after = snapshot(repo)
    assert set(after) - set(before) == {BASE_REL}
    assert after[README_REL] == before[README_REL]
    assert gh_server.issue(N)["body"] == body({C})


def test_unchanged_sync_costs_exactly_one_request_and_writes_nothing(synced, gh_server, env):
    before = snapshot(synced)
    res = sync(synced, env)
    assert res.code == 0, res
    assert "in sync" in res.out
    assert log(gh_server) == [("GET", ISSUE_PATH)]
    assert snapshot(synced) == before


def test_a_local_tick_is_pushed_in_two_requests_keeping_every_other_byte(synced, gh_server, env):
    (synced / README_REL).write_bytes(readme({A, C}))
    res = sync(synced, env)
    assert res.code == 0, res
    assert log(gh_server) == [("GET", ISSUE_PATH), ("PATCH", ISSUE_PATH)]
    remote = gh_server.issue(N)["body"]
    assert remote == body({A, C})  # byte for byte: CRLF, trailing spaces, fence, emoji, no final newline
    assert remote.count("\r\n") == body({C}).count("\r\n") and "\n" not in remote.replace("\r\n", "")
    assert gh_server.requests[-1].body == {"body": body({A, C})}
    assert (synced / README_REL).read_bytes() == readme({A, C})
    assert base_of(synced)[A] is True
    assert "Root cause identified" in res.out


def test_a_remote_tick_is_pulled_in_one_request_with_its_status_row(synced, gh_server, env):
    set_remote(gh_server, body({B, C}))
    res = sync(synced, env)
    assert res.code == 0, res
    assert log(gh_server) == [("GET", ISSUE_PATH)]
    in_sync(synced, gh_server, {B, C})  # README checklist line and status row both ticked


def test_unticks_travel_both_ways_and_both_directions_in_one_run(synced, gh_server, env):
    (synced / README_REL).write_bytes(readme({A}))  # C unticked locally
    set_remote(gh_server, body({C, D}))  # D ticked remotely
    res = sync(synced, env)
    assert res.code == 0, res
    assert [m for m, _ in log(gh_server)] == ["GET", "PATCH"]
    in_sync(synced, gh_server, {A, D})
    gh_server.clear_log()
    again = sync(synced, env)
    assert again.code == 0 and log(gh_server) == [("GET", ISSUE_PATH)]


def test_both_sides_changed_to_the_same_value_only_updates_the_base(synced, gh_server, env):
    (synced / README_REL).write_bytes(readme({B, C}))
    set_remote(gh_server, body({B, C}))
    res = sync(synced, env)
    assert res.code == 0, res
    assert log(gh_server) == [("GET", ISSUE_PATH)]
    in_sync(synced, gh_server, {B, C})


def test_remote_already_patched_by_an_interrupted_run_converges_without_a_patch(synced, gh_server, env):
    # A previous run's PATCH landed but its local write (README + base) never happened.
    (synced / README_REL).write_bytes(readme({A, C}))
    set_remote(gh_server, body({A, C}))
    res = sync(synced, env)
    assert res.code == 0, res
    assert gh_server.count("PATCH") == 0
    in_sync(synced, gh_server, {A, C})


# ------------------------------------------------------------------ conflicts


def test_first_sync_with_differences_is_a_conflict_and_changes_nothing(repo, gh_server, env):
    gh_server.add_issue(N, "t", body=body({C, D}))
    (repo / README_REL).write_bytes(readme({A, C}))
    before = snapshot(repo)
    res = sync(repo, env)
    assert_one_line_error(res, 1)
    assert "Root cause identified" in res.err and "Release" in res.err
    assert "--pull" in res.err and "--push" in res.err
    assert snapshot(repo) == before  # no base either
    assert gh_server.issue(N)["body"] == body({C, D})
    assert log(gh_server) == [("GET", ISSUE_PATH)]


def test_box_ticked_locally_and_unticked_remotely_since_the_base_is_a_conflict(synced, gh_server, env):
    # E was unknown to the last sync (added to both sides since, as it was added on GitHub
    # unticked and ticked locally); a one-side change (B pulled) must not be applied either.
    write_base(synced, {A: False, B: False, C: True, D: False})
    (synced / README_REL).write_bytes(readme({C, E}))
    set_remote(gh_server, body({B, C}))
    res = refused(synced, lambda: sync(synced, env), 1)
    assert "Follow up with the consumer" in res.err
    assert "ticked in the README" in res.err and "unticked on GitHub" in res.err
    assert gh_server.issue(N)["body"] == body({B, C})
    assert gh_server.count("PATCH") == 0


@pytest.mark.parametrize("flag, winner", [("--push", {A, C}), ("--pull", {C, D})])
def test_pull_or_push_decides_conflicts(repo, gh_server, env, flag, winner):
    gh_server.add_issue(N, "t", body=body({C, D}))
    (repo / README_REL).write_bytes(readme({A, C}))
    res = sync(repo, env, flag)
    assert res.code == 0, res
    assert [m for m, _ in log(gh_server)] == (["GET", "PATCH"] if flag == "--push" else ["GET"])
    in_sync(repo, gh_server, winner)


def test_pull_and_push_together_is_bad_input(synced, gh_server, env):
    res = sync(synced, env, "--pull", "--push")
    assert_one_line_error(res, 2)
    assert gh_server.requests == []


def test_a_conflict_with_json_reports_it(repo, gh_server, env):
    gh_server.add_issue(N, "t", body=body({C, D}))
    res = sync(repo, env, "--json")
    assert res.code == 1
    doc = json.loads(res.out)
    assert [c["item"] for c in doc["conflicts"]] == ["Release"]
    assert doc["remote_call"] is None and doc["files"] == []


# ------------------------------------------------------------------ reporting and dry runs


def test_items_on_one_side_only_are_reported_not_an_error(synced, gh_server, env):
    text = body({C}).replace("- [ ] **Release**", "- [ ] **Ship it**") + "\r\n- [x] Tell the docs team"
    set_remote(gh_server, text)
    res = sync(synced, env)
    assert res.code == 0, res
    assert "only in the README: 'Release'" in res.out
    assert "only on GitHub: 'Ship it'" in res.out and "'Tell the docs team'" in res.out
    assert gh_server.issue(N)["body"] == text and gh_server.count("PATCH") == 0
    assert D not in base_of(synced)


def test_an_issue_without_a_task_list_reports_and_writes_nothing(repo, gh_server, env):
    gh_server.add_issue(N, "t", body=None)
    before = snapshot(repo)
    res = sync(repo, env)
    assert res.code == 0, res
    assert res.out.count("only in the README") == len(ITEMS)
    assert snapshot(repo) == before and log(gh_server) == [("GET", ISSUE_PATH)]


def test_dry_run_prints_the_diff_and_the_remote_call_and_changes_nothing(synced, gh_server, env):
    (synced / README_REL).write_bytes(readme({A, C}))
    set_remote(gh_server, body({C, D}))
    before = snapshot(synced)
    res = sync(synced, env, "--dry-run")
    assert res.code == 0, res
    assert f"PATCH issue #{N} body: tick 'Root cause identified'" in res.out
    assert "+- [x] **Release** – patch release and publish" in res.out
    assert "+| Release | ✅ |" in res.out
    assert log(gh_server) == [("GET", ISSUE_PATH)]
    assert snapshot(synced) == before
    assert gh_server.issue(N)["body"] == body({C, D})


def test_json_reports_what_changed(synced, gh_server, env):
    (synced / README_REL).write_bytes(readme({A, C}))
    set_remote(gh_server, body({C, D}))
    res = sync(synced, env, "--json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert doc["issue"] == N and doc["repository"] == "acme/widgets" and doc["dry_run"] is False
    assert doc["local"] == [{"item": "Release", "checked": True}]
    assert doc["remote"] == [{"item": "Root cause identified", "checked": True}]
    assert doc["conflicts"] == [] and doc["only_local"] == [] and doc["only_remote"] == []
    assert doc["remote_call"] == f"PATCH issue #{N} body: tick 'Root cause identified'"
    assert sorted(doc["files"]) == sorted([README_REL, BASE_REL])
    in_sync(synced, gh_server, {A, C, D})


def test_an_oversized_body_is_refused_before_sending(synced, gh_server, env):
    huge = body({C}) + "\r\n" + "y" * 65_600
    set_remote(gh_server, huge)
    (synced / README_REL).write_bytes(readme({A, C}))
    res = refused(synced, lambda: sync(synced, env), 2)
    assert "65,536" in res.err
    assert gh_server.count("PATCH") == 0


def test_a_malformed_base_is_bad_input(synced, gh_server, env):
    (synced / BASE_REL).write_bytes(b"{not json")
    res = sync(synced, env)
    assert_one_line_error(res, 2)
    assert BASE_REL in res.err


# ------------------------------------------------------------------ bad input


def test_unknown_issue(repo, gh_server, env):
    res = refused(repo, lambda: sync(repo, env), 2)
    assert f"issue #{N} not found in acme/widgets" in res.err


def test_no_local_folder_fails_before_any_request(repo, gh_server, env):
    res = sync(repo, env.copy(), "8")
    assert_one_line_error(res)
    assert "#8" in res.err and gh_server.requests == []


def test_bad_token(repo, gh_server, env):
    gh_server.add_issue(N, "t", body=body({C}))
    bad = "ghp_WRONGtoken9999999999999999999999"
    res = refused(repo, lambda: sync(repo, {**env, "GITHUB_TOKEN": bad}), 2)
    assert "401" in res.err and "token" in res.err


def test_no_permission_to_read(repo, gh_server, env):
    gh_server.add_issue(N, "t", body=body({C}))
    none = gh_server.add_token("ghp_NOACCESStoken00000000000000000000", "none")
    res = refused(repo, lambda: sync(repo, {**env, "GITHUB_TOKEN": none}), 2)
    assert "403" in res.err and "permission" in res.err
    assert gh_server.count() == 1  # a plain 403 is not retried


def test_no_permission_to_write(synced, gh_server, env):
    ro = gh_server.add_token("ghp_READONLYtoken00000000000000000000", "read")
    (synced / README_REL).write_bytes(readme({A, C}))
    res = refused(synced, lambda: sync(synced, {**env, "GITHUB_TOKEN": ro}), 2)
    assert "403" in res.err and "permission" in res.err
    assert gh_server.issue(N)["body"] == body({C})


def test_unreachable_server(repo, env):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/api/v3"
    res = refused(repo, lambda: sync(repo, {**env, "GITHUB_API_URL": url, "ISSUE_FLOW_GITHUB_RETRIES": "0"}), 2)
    assert f"cannot reach GitHub API at {url}" in res.err


def test_no_token(repo, gh_server, env):
    res = sync(repo, {**env, "GITHUB_TOKEN": None, "GH_TOKEN": None})
    assert_one_line_error(res)
    assert "no GitHub token: set GITHUB_TOKEN or GH_TOKEN" in res.err
    assert gh_server.requests == []


def test_no_repository_known(repo, gh_server, env):
    res = sync(repo, {**env, "GITHUB_REPOSITORY": None})
    assert_one_line_error(res)
    assert "no GitHub repository known" in res.err


@pytest.mark.parametrize("var, value", [("ISSUE_FLOW_GITHUB_TIMEOUT", "soon"), ("ISSUE_FLOW_GITHUB_RETRIES", "-1")])
def test_bad_client_settings_name_the_variable(repo, gh_server, env, var, value):
    res = sync(repo, {**env, var: value})
    assert_one_line_error(res)
    assert var in res.err and gh_server.requests == []


def test_open_github_without_a_token(repo, monkeypatch):
    from issue_flow.config import load_config
    from issue_flow.errors import IssueFlowError
    from issue_flow.github_session import open_github

    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/widgets")
    cfg = load_config(repo)
    assert open_github(cfg, required=False) is None
    with pytest.raises(IssueFlowError, match="no GitHub token"):
        open_github(cfg)
    monkeypatch.setenv("GH_TOKEN", "ghp_fromGH")
    gh = open_github(cfg, required=False)
    assert gh is not None and gh.repository == "acme/widgets" and "ghp_fromGH" not in repr(gh)


# ------------------------------------------------------------------ faults


FAULTS = WRITE_FAULTS


@pytest.mark.parametrize("retries", ["2", "0"])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_push_under_faults_converges_on_rerun(synced, gh_server, env, github_waits, fault, method, retries):
    # Since the base {A:-, B:-, C:x, D:-}: A ticked locally (push), B ticked on GitHub (pull),
    # E new on both sides and different (a conflict that --push settles for the README).
    write_base(synced, {A: False, B: False, C: True, D: False})
    (synced / README_REL).write_bytes(readme({A, C, E}))
    set_remote(gh_server, body({B, C}))
    stores = count_stores(gh_server)
    run_env = {**env, "ISSUE_FLOW_GITHUB_RETRIES": retries}
    before = snapshot(synced)

    gh_server.inject(method, rf"/issues/{N}$", **FAULTS[fault])
    first = sync(synced, run_env, "--push")
    # With retries the adapter rides every fault out. Without, a read fails, and so does a
    # write that did not land (500, rate limit); one that landed is found by the look after it.
    survives = retries != "0" or (method == "PATCH" and fault in ("answer-lost", "stored-502"))
    if survives:
        assert first.code == 0, first
        assert "Traceback" not in first.err
        if fault == "403-retry-after":
            assert github_waits == [1.0]  # the wait GitHub asked for, once (recorded, not slept)
    else:
        assert_one_line_error(first, 2)
        assert snapshot(synced) == before  # nothing local written after a failed run
        assert len(stores) == 0

    gh_server.faults.clear()
    again = sync(synced, run_env, "--push")
    assert again.code == 0, (first, again)
    in_sync(synced, gh_server, {A, B, C, E})
    assert len(stores) == 1  # one PATCH performed overall: no duplicate write
    assert stores[0] == {"body": body({A, B, C, E})}
    leftovers = [p for p in snapshot(synced) if p.endswith(".tmp")]
    assert leftovers == []

    gh_server.clear_log()
    final = sync(synced, env)
    assert final.code == 0 and log(gh_server) == [("GET", ISSUE_PATH)]
