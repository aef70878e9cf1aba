"""Reliability: the GitHub token never shows (issue 7, part 3).

PRODUCT.md section 4: the token comes from GITHUB_TOKEN or GH_TOKEN and is "never printed,
never written to a file or a log". Every test here runs with distinctive tokens made for this
session, and an autouse guard checks, after each test of this module, that no form of any of
them (as is, without its ``ghp_`` prefix, base64 as in a Basic header) appears

- in anything written to the real stdout/stderr file descriptors (``capfd``: warnings,
  logging handlers, child processes), and
- in any file under the test's temporary directory: the repository with ``.git`` and
  ``.issue-flow/``, and the GitHub Actions files ``$GITHUB_STEP_SUMMARY`` / ``$GITHUB_OUTPUT``.

Each command's own stdout/stderr (captured by ``run_cli``) is checked by :func:`run`.
Covered: a representative session against the GitHub test server (new with GitHub and a
sub-issue, check, sync push and pull, gate from check runs and statuses, release, close and
its rerun, in and out of GitHub Actions mode), a bad token (401) and an unreachable server for
every command that talks to GitHub, the adapter's exceptions (message, repr, traceback, chain),
DEBUG logging, a real process, a token in the origin remote's URL, and the log of a gate
command that prints its environment.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import socket
import traceback
from pathlib import Path

import pytest
from conftest import assert_one_line_error, git, run_cli, run_process
from test_reliability_inputs import ENV, build_base, head

TOKEN = "ghp_RELIABLEtoken" + secrets.token_hex(12)  # the good one, registered on the server
BAD_TOKEN = "ghp_UNKNOWNtoken" + secrets.token_hex(12)  # answered 401
GH_ONLY_TOKEN = "gho_GHTOKENonly" + secrets.token_hex(12)  # given as GH_TOKEN
ALL_TOKENS = (TOKEN, BAD_TOKEN, GH_ONLY_TOKEN)


def token_forms(token: str) -> list[bytes]:
    raw = token.encode()
    return [
        raw,
        raw.split(b"_", 1)[1],  # without the ghp_ prefix
        base64.b64encode(raw),
        base64.b64encode(b"x-access-token:" + raw),
        base64.b64encode(b":" + raw),
    ]


def leaks(data: bytes | str) -> list[str]:
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    return [t for t in ALL_TOKENS if any(form in data for form in token_forms(t))]


def files_with_token(top: Path) -> list[str]:
    found = []
    for p in sorted(top.rglob("*")):
        if p.is_file() and not p.is_symlink():
            if leaks(p.read_bytes()):
                found.append(str(p.relative_to(top)))
    return found


@pytest.fixture(autouse=True)
def no_token_anywhere(tmp_path, capfd, request):
    """The guard: after every test of this module, no token on the real file descriptors
    and none in any file under the test's temporary directory. (Quiet when the test itself
    failed already: one report per problem.)"""
    failed_before = request.session.testsfailed
    yield
    out, err = capfd.readouterr()
    if request.session.testsfailed > failed_before:
        return
    assert not leaks(out + err), "a token reached stdout/stderr"
    assert not files_with_token(tmp_path), f"a token was written to {files_with_token(tmp_path)}"


def run(*args: str, cwd: Path, env: dict):
    res = run_cli(*args, cwd=cwd, env=env)
    assert not leaks(res.out + res.err), (args, res)
    return res


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def env_for(server, token: str = TOKEN, **extra) -> dict:
    env = dict(ENV)
    env.update(
        GITHUB_TOKEN=token,
        GITHUB_API_URL=server.url,
        GITHUB_REPOSITORY=server.repo,
        ISSUE_FLOW_GITHUB_TIMEOUT="1",
        ISSUE_FLOW_GITHUB_RETRIES="0",
        ISSUE_FLOW_GITHUB_THROTTLE="0",
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_CONFIG_NOSYSTEM="1",
        SOURCE_DATE_EPOCH="1771329600",
    )
    env.update(extra)
    return env


@pytest.fixture
def repo(tmp_path) -> Path:
    """The reliability base repository (#7 scaffolded offline, two packages, two gates)."""
    return build_base(tmp_path / "repo")


BODY_8 = "The parent, on GitHub.\r\n\r\n## Acceptance criteria\r\n\r\n- [ ] **Fix** – the fix\r\n- [ ] **Close** – close it\r\n"
BODY_9 = (
    "Still seen on 0.9.1 | with [table](https://example.com/x) characters.\r\n\r\n## Acceptance criteria\r\n\r\n"
    "- [ ] **Fix** – no second `response.create`\r\n"
    "- [ ] **Tests** – regression test\r\n"
    "- [ ] **Patch release** – patch release and publish\r\n"
    "- [ ] **Docs** – documentation updated\r\n"
    "- [ ] **Close** – close and point #8 at it\r\n"
)


def test_a_session_of_commands_never_shows_the_token(gh_server, repo, tmp_path):
    server = gh_server
    server.add_token(TOKEN, "write")
    server.add_issue(8, "Parent | with [link](chars)", body=BODY_8, labels=["bug"])
    server.add_issue(9, "Follow-up: still seen", body=BODY_9, labels=["follow-up"])
    env = env_for(server)
    summary, output = tmp_path / "step-summary.md", tmp_path / "github-output.txt"
    actions = dict(env, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output))

    steps = [
        (("new", "8"), env, 0),
        (("new", "9", "--parent", "8", "--dry-run"), env, 0),
        (("new", "9", "--parent", "8"), env, 0),
        (("status", "--json"), env, 0),
        (("check", "9", "Fix", "--note", "fixed in abc123"), env, 0),
        (("check", "9", "Tests"), env, 0),
        (("sync", "9", "--dry-run"), env, 1),  # first sync: ticked here, open there, no base: conflicts
        (("sync", "9", "--push", "--json"), env, 0),
        (("sync", "9"), env, 0),
    ]
    for args, e, code in steps:
        res = run(*args, cwd=repo, env=e)
        assert res.code == code, (args, res)
    assert server.sub_issues(8) and "- [x] **Fix**" in server.issue(9)["body"]

    # Ticked on GitHub since the last sync: pulled into the README.
    with server._lock:
        issue = server._repo(None).issues[9]
        issue["body"] = issue["body"].replace("- [ ] **Docs**", "- [x] **Docs**")
    res = run("sync", "9", cwd=repo, env=env)
    assert res.code == 0 and "- [x] **Docs**" in (repo / "docs/issues/ISSUE-9/README.md").read_text(), res

    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "work on #9")
    sha = head(repo)
    server.add_check_run(sha, "lint", conclusion="success")
    server.add_status(sha, "test:mock", "success")
    for args, e, code in [
        (("gate",), env, 0),
        (("gate", "--json"), actions, 0),
        (("release", "9", "--patch", "--dry-run"), env, 0),
        (("release", "9", "--patch"), actions, 0),
        (("close", "9", "--force", "--dry-run"), env, 0),
        (("close", "9", "--force"), actions, 0),
        (("close", "9", "--force", "--json"), env, 0),  # the rerun: looks, posts nothing
        (("lint",), env, 0),
    ]:
        res = run(*args, cwd=repo, env=e)
        assert res.code == code, (args, res)

    assert server.issue(9)["state"] == "closed"
    assert len(server.comments(9)) == 1 and len(server.comments(8)) == 1
    assert summary.is_file() and output.is_file()  # the Actions files were written (and are scanned by the guard)
    assert (repo / ".issue-flow" / "sync" / "ISSUE-9.json").is_file()
    # Nothing the tool sent carries the token either (comments, bodies, titles).
    sent = json.dumps([r.body for r in server.requests if r.body is not None])
    assert not leaks(sent)


COMMANDS_THAT_CALL_GITHUB = [
    pytest.param(("sync", "7"), id="sync"),
    pytest.param(("close", "7", "--force", "--resolution", "0.9.2 / 0.2.2"), id="close"),
    pytest.param(("new", "8"), id="new"),
    pytest.param(("new", "8", "--parent", "7", "--title", "T"), id="new-parent"),
    pytest.param(("gate",), id="gate"),
    pytest.param(("release", "7", "--patch", "--dry-run"), id="release-dry-run"),
]


def _assert_failed_cleanly(res, args) -> None:
    if args[0] == "release":
        # GitHub's answer only makes the gates "missing": exit 1, the cause in the table.
        assert_one_line_error(res, 1)
    elif args[0] == "gate":
        # gate cannot say yes or no when GitHub cannot be asked: an error, exit 2 (issue 12)
        assert res.code == 2 and "Traceback" not in res.err, res
    else:
        assert_one_line_error(res, 2)
    assert "internal error" not in res.err, res


@pytest.mark.parametrize("args", COMMANDS_THAT_CALL_GITHUB)
def test_a_bad_token_401_is_one_line_without_the_token(args, gh_server, repo):
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – x\n")
    gh_server.add_issue(8, "another", body="")
    res = run(*args, cwd=repo, env=env_for(gh_server, BAD_TOKEN))
    _assert_failed_cleanly(res, args)
    assert "401" in res.err + res.out or "credentials" in (res.err + res.out).lower(), res
    assert gh_server.count("POST") == 0 and gh_server.count("PATCH") == 0


@pytest.mark.parametrize("args", COMMANDS_THAT_CALL_GITHUB)
def test_an_unreachable_server_is_one_line_without_the_token(args, repo):
    url = f"http://127.0.0.1:{closed_port()}/api/v3"
    env = dict(ENV, GITHUB_TOKEN=TOKEN, GITHUB_API_URL=url, GITHUB_REPOSITORY="acme/widgets")
    res = run(*args, cwd=repo, env=env)
    _assert_failed_cleanly(res, args)


def test_gh_token_is_used_and_not_shown(gh_server, repo):
    gh_server.add_token(GH_ONLY_TOKEN, "write")
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – x\n")
    env = env_for(gh_server, GITHUB_TOKEN=None, GH_TOKEN=GH_ONLY_TOKEN)
    res = run("sync", "7", "--dry-run", cwd=repo, env=env)
    assert res.code == 0, res
    res = run("sync", "7", "--dry-run", cwd=repo, env=dict(env, GH_TOKEN=GH_ONLY_TOKEN + " bad"))
    assert_one_line_error(res, 2)


def test_adapter_exceptions_carry_no_token(gh_server):
    from issue_flow.adapters.github import GitHub
    from issue_flow.errors import IssueFlowError

    cases = [
        GitHub(gh_server.url, gh_server.repo, BAD_TOKEN, timeout=1, max_retries=0),  # 401
        GitHub(f"http://127.0.0.1:{closed_port()}/api/v3", gh_server.repo, TOKEN, timeout=1, max_retries=0),  # refused
    ]
    gh_server.add_token(TOKEN, "read")
    gh_server.add_issue(7, "x", body="- [ ] a\n")
    cases.append(GitHub(gh_server.url, gh_server.repo, TOKEN, timeout=1, max_retries=0))  # 403 on writes
    calls = [
        lambda gh: gh.get_issue(7),
        lambda gh: gh.create_comment(7, "hello", "<!-- m -->"),
        lambda gh: gh.edit_issue_body(7, "- [x] a\n", "- [ ] a\n"),
        lambda gh: gh.close_issue(7),
        lambda gh: gh.check_runs("a" * 40),
    ]
    raised = 0
    for gh in cases:
        assert not leaks(repr(gh)) and not leaks(str(gh))
        for call in calls:
            try:
                call(gh)
            except IssueFlowError as exc:
                raised += 1
                text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                assert not leaks(str(exc)) and not leaks(repr(exc)) and not leaks(text), text
                chained = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
                assert chained is None or not leaks(repr(chained)), repr(chained)
    assert raised >= 10


def test_debug_logging_carries_no_token(gh_server, repo, caplog):
    gh_server.add_token(TOKEN, "write")
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – x\n")
    caplog.set_level(logging.DEBUG)
    res = run("sync", "7", "--push", cwd=repo, env=env_for(gh_server))
    assert res.code == 0, res
    res = run("close", "7", "--force", "--resolution", "0.9.2", cwd=repo, env=env_for(gh_server))
    assert res.code == 0, res
    assert caplog.records, "DEBUG logging captured nothing: the check would prove nothing"
    assert not leaks(caplog.text)


def test_a_real_process_shows_no_token(gh_server, repo):
    gh_server.add_token(TOKEN, "write")
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – x\n")
    env = {k: v for k, v in env_for(gh_server).items() if v is not None}
    res = run_process("sync", "7", "--push", cwd=repo, env=env)
    assert res.code == 0 and not leaks(res.out + res.err), res
    bad = run_process("sync", "7", cwd=repo, env=dict(env, GITHUB_TOKEN=BAD_TOKEN))
    assert_one_line_error(bad, 2)
    assert not leaks(bad.out + bad.err), bad


def test_a_token_in_the_origin_url_is_not_copied(repo):
    """CI often clones with ``https://x-access-token:TOKEN@github.com/owner/name.git``: the
    repository is read from that remote, the token in it goes nowhere."""
    git(repo, "remote", "add", "origin", f"https://x-access-token:{TOKEN}@github.com/acme/widgets.git")
    (repo / ".issue-flow.toml").unlink()
    env = dict(ENV, GITHUB_TOKEN=TOKEN)
    for args in (("init",), ("status", "--json"), ("lint",), ("close", "7", "--force", "--resolution", "0.9.2", "--dry-run")):
        res = run(*args, cwd=repo, env=env)
        assert res.code in (0, 1), (args, res)
    assert 'repository = "acme/widgets"' in (repo / ".issue-flow.toml").read_text()
    git(repo, "remote", "remove", "origin")  # the test's own copy of the token, in .git/config


def test_a_gate_command_that_prints_its_environment_does_not_put_the_token_in_the_log(repo):
    """``gate --run`` keeps each command's output in ``.issue-flow/logs/``, a file in the
    repository: a command that prints its environment (``env``, ``npm config ls -l`` …)
    must not leave the token there."""
    (repo / ".issue-flow.toml").write_text(
        'repository = "acme/widgets"\n\n[[gates]]\nname = "env"\ncommand = "env"\n'
    )
    res = run("gate", "--run", cwd=repo, env=dict(ENV, GITHUB_TOKEN=TOKEN, GITHUB_API_URL="http://127.0.0.1:9/api/v3"))
    assert res.code == 0, res
    logs = list((repo / ".issue-flow" / "logs").glob("*.log"))
    assert logs, "no gate log written"
    assert b"GITHUB_API_URL=" in logs[0].read_bytes()  # the command did print its environment
    assert not [p.name for p in logs if leaks(p.read_bytes())], "the token was written to the gate log"


def test_the_guard_is_not_blind(tmp_path):
    """The guard's scanner finds each form of a token in a file (and the test removes it)."""
    for token in ALL_TOKENS:
        for form in token_forms(token):
            probe = tmp_path / "probe.bin"
            probe.write_bytes(b"prefix " + form + b" suffix")
            assert files_with_token(tmp_path) == ["probe.bin"], (token, form)
            probe.unlink()
    assert leaks(f"Authorization: token {TOKEN}") == [TOKEN]
    assert not leaks("ghp_ and nothing else")
