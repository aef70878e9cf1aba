"""Secrets (issue 12): one token reader, one redaction, templates in a sandbox.

- the token: ``GH_TOKEN`` before ``GITHUB_TOKEN`` (as gh reads them), else ``gh auth token``
  (a fake ``gh`` on ``PATH``: used, never shown; one that hangs is given up on quickly);
- redaction of every string that leaves: a server message that echoes the token late in a
  long text (it used to be cut before redaction), the token with surrounding whitespace,
  base64 forms, ``ISSUE_FLOW_DEBUG=1`` tracebacks, log records, files and caches;
- templates from the repository render in jinja2's sandbox: no shell, no environment.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
import time
from pathlib import Path

import pytest
from conftest import assert_one_line_error, copy_tree, run_cli, snapshot
from test_reliability_inputs import ENV

TOKEN = "ghp_SAFETYtoken" + secrets.token_hex(13)
OTHER = "ghp_OTHERtoken" + secrets.token_hex(13)


def forms(token: str) -> list[str]:
    raw = token.encode()
    return [token, token.split("_", 1)[1], base64.b64encode(raw).decode(), base64.b64encode(b"x-access-token:" + raw).decode(),
            base64.b64encode(b"ab" + raw).decode()[4:-4]]


def leaked(text: str, *tokens: str) -> list[str]:
    return [f for t in (tokens or (TOKEN, OTHER)) for f in forms(t) if f in text]


def tree_leaks(top: Path, *tokens: str) -> list[str]:
    return [str(p) for p in top.rglob("*") if p.is_file() and not p.is_symlink()
            and leaked(p.read_bytes().decode("utf-8", "replace"), *tokens)]


@pytest.fixture
def repo(base_repo, tmp_path) -> Path:
    return copy_tree(base_repo, tmp_path / "repo")


def server_env(gh_server, **extra) -> dict:
    env = dict(ENV, GITHUB_API_URL=gh_server.url, GITHUB_REPOSITORY=gh_server.repo, GITHUB_TOKEN=TOKEN)
    env.update(extra)
    return env


# --------------------------------------------------------------------------- the one reader


def test_gh_token_comes_before_github_token(gh_server, repo):
    from issue_flow import tokens

    gh_server.add_token(TOKEN)
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – t")
    # GH_TOKEN is the good one; GITHUB_TOKEN would be answered 401
    res = run_cli("sync", "7", "--dry-run", cwd=repo, env=server_env(gh_server, GH_TOKEN=TOKEN, GITHUB_TOKEN=OTHER))
    assert res.code in (0, 1), res
    assert "401" not in res.err
    assert not leaked(res.out + res.err)
    os.environ["GH_TOKEN"], os.environ["GITHUB_TOKEN"] = " gh-first ", "github-second"
    try:
        assert tokens.token() == "gh-first"
    finally:
        del os.environ["GH_TOKEN"], os.environ["GITHUB_TOKEN"]


def fake_gh(tmp_path: Path, script: str) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text("#!/bin/sh\n" + script)
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def test_without_variables_the_token_of_gh_auth_token_is_used_and_never_shown(gh_server, repo, tmp_path, monkeypatch):
    from issue_flow import tokens

    gh_server.add_token(TOKEN)
    gh_server.add_issue(7, "session.update race", body="- [ ] **Tests** – t")
    path = fake_gh(tmp_path, f'[ "$1 $2" = "auth token" ] && echo "{TOKEN}" && exit 0\nexit 1\n')
    monkeypatch.setattr(tokens, "_gh_cache", {})
    env = server_env(gh_server, GITHUB_TOKEN=None, PATH=path, ISSUE_FLOW_GH_AUTH="1")
    res = run_cli("sync", "7", "--dry-run", cwd=repo, env=env)
    assert res.code in (0, 1), res
    assert gh_server.count("GET", r"/issues/7$") == 1  # it did talk to GitHub, with gh's token
    assert not leaked(res.out + res.err)
    # switched off: no token at all
    monkeypatch.setattr(tokens, "_gh_cache", {})
    res = run_cli("sync", "7", cwd=repo, env=dict(env, ISSUE_FLOW_GH_AUTH="0"))
    assert_one_line_error(res)
    assert "no GitHub token" in res.err


def test_a_gh_that_hangs_is_given_up_on_quickly(tmp_path, monkeypatch):
    from issue_flow import tokens

    monkeypatch.setattr(tokens, "_gh_cache", {})
    monkeypatch.setattr(tokens, "GH_TIMEOUT", 0.5)
    monkeypatch.setenv("PATH", fake_gh(tmp_path, "sleep 20\n"))
    monkeypatch.setenv("ISSUE_FLOW_GH_AUTH", "1")
    t0 = time.monotonic()
    assert tokens.token() is None
    assert time.monotonic() - t0 < 5


def test_every_caller_reads_the_token_through_one_module():
    """No module but tokens.py reads GITHUB_TOKEN / GH_TOKEN from the environment."""
    src = Path(__file__).resolve().parents[1] / "src" / "issue_flow"
    readers = []
    for path in src.rglob("*.py"):
        text = path.read_text()
        for needle in ('environ.get("GITHUB_TOKEN"', 'environ.get("GH_TOKEN"', 'environ["GITHUB_TOKEN"', 'environ["GH_TOKEN"',
                       '("GITHUB_TOKEN", "GH_TOKEN")', '("GH_TOKEN", "GITHUB_TOKEN")'):
            if needle in text and path.name != "tokens.py":
                readers.append(f"{path.name}: {needle}")
    assert readers == []


# --------------------------------------------------------------------------- one redaction


def test_a_long_server_message_echoing_the_token_is_redacted_before_it_is_cut(gh_server, repo):
    gh_server.add_token(TOKEN)
    gh_server.add_issue(7, "session.update race")
    message = "x" * 200 + f" token {TOKEN} was refused"  # the token straddles character 240
    gh_server.inject("GET", r"/issues/7$", status=422, message=message, times=None)
    res = run_cli("sync", "7", cwd=repo, env=server_env(gh_server))
    assert_one_line_error(res)
    assert not leaked(res.out + res.err), res
    assert not any(TOKEN[i:i + 12] in res.err for i in range(len(TOKEN) - 12)), res  # not even a piece


@pytest.mark.parametrize("how", ["as-is", "stripped", "base64", "basic-header", "no-prefix"])
def test_a_token_with_surrounding_whitespace_and_its_encodings_are_redacted(gh_server, repo, how):
    gh_server.add_token(TOKEN)
    gh_server.add_issue(7, "session.update race")
    shown = {
        "as-is": TOKEN, "stripped": TOKEN, "base64": base64.b64encode(TOKEN.encode()).decode(),
        "basic-header": "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode(),
        "no-prefix": TOKEN.split("_", 1)[1],
    }[how]
    gh_server.inject("GET", r"/issues/7$", status=403, message=f"denied for {shown}", times=None)
    res = run_cli("sync", "7", cwd=repo, env=server_env(gh_server, GITHUB_TOKEN=f"  {TOKEN}\n"))
    assert_one_line_error(res)
    assert not leaked(res.out + res.err), res


def test_debug_tracebacks_are_redacted(repo, monkeypatch):
    from issue_flow import config

    def boom(*a, **k):
        raise RuntimeError(f"unexpected, with {TOKEN} inside")

    monkeypatch.setattr(config, "load_config", boom)
    res = run_cli("status", cwd=repo, env=dict(ENV, GITHUB_TOKEN=TOKEN, ISSUE_FLOW_DEBUG="1"))
    assert res.code == 2
    assert "Traceback" in res.err and "RuntimeError" in res.err
    assert not leaked(res.out + res.err), res


def test_log_records_output_json_and_files_are_redacted(gh_server, repo, caplog):
    """A title on GitHub that holds the token: not in the README written, not in the
    render cache, not in JSON, not in a log record."""
    gh_server.add_token(TOKEN)
    gh_server.add_issue(9, f"leaks {TOKEN} here", body=f"- [ ] **Tests** – see {TOKEN}")
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("issue_flow.test").debug("a record with %s", TOKEN)
        res = run_cli("new", "9", cwd=repo, env=server_env(gh_server))
        logging.getLogger("issue_flow.test").debug("after: %s", TOKEN)
    assert res.code == 0, res
    assert not leaked(res.out + res.err)
    readme = (repo / "docs/issues/ISSUE-9/README.md").read_text()
    assert "leaks *** here" in readme
    assert tree_leaks(repo) == []
    cache = Path(os.environ["XDG_CACHE_HOME"])
    assert tree_leaks(cache, TOKEN) == []
    status = run_cli("status", "9", "--json", cwd=repo, env=server_env(gh_server))
    assert status.code == 0 and not leaked(status.out)
    from issue_flow.tokens import redact_log_records

    redact_log_records()
    os.environ["GITHUB_TOKEN"] = TOKEN
    try:
        logging.getLogger("issue_flow.test").warning("late %s", TOKEN)
    finally:
        del os.environ["GITHUB_TOKEN"]
    late = [r.getMessage() for r in caplog.records if r.getMessage().startswith("late")]
    assert late == ["late ***"]


def test_actions_files_are_redacted(tmp_path, monkeypatch):
    from issue_flow import output

    summary, out = tmp_path / "summary.md", tmp_path / "output"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    output.actions_summary(f"a summary with {TOKEN}")
    output.actions_output(versions=f"0.9.2 {TOKEN}")
    assert not leaked(summary.read_text() + out.read_text())


# --------------------------------------------------------------------------- templates in a sandbox

ATTACKS = {
    "shell-through-globals": "{{ cycler.__init__.__globals__.os.popen('echo $GITHUB_TOKEN').read() }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "environ-through-lipsum": "{{ lipsum.__globals__['os'].environ['GITHUB_TOKEN'] }}",
    "self-module": "{{ self._TemplateReference__context.environment.globals }}",
    "filter-object": "{{ (issue.title|attr('__class__')).__mro__ }}",
}


HEADER = "# Issue #{{ issue.number }}: {{ issue.title | md_inline }}\n"


def user_templates(repo: Path, readme: str, *, extra: dict[str, str] | None = None) -> None:
    folder = repo / "my-templates" / "bug"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md.j2").write_text(readme)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    cfg = repo / ".issue-flow.toml"
    cfg.write_text('templates = "my-templates"\n' + cfg.read_text())


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_template_cannot_reach_the_environment_or_a_shell(repo, tmp_path, attack):
    marker = tmp_path / "ran"
    user_templates(repo, HEADER + ATTACKS[attack].replace("echo $GITHUB_TOKEN", f"touch {marker}") + "\n")
    before = snapshot(repo)
    res = run_cli("new", "8", "--kind", "bug", "--offline", "--title", "T", cwd=repo, env=dict(ENV, GITHUB_TOKEN=TOKEN))
    assert_one_line_error(res)
    assert "my-templates/bug/README.md.j2" in res.err
    assert snapshot(repo) == before
    assert not marker.exists()
    assert not leaked(res.out + res.err)


def test_a_kind_toml_string_cannot_reach_the_environment(repo):
    user_templates(repo, HEADER,
                   extra={"kind.toml": '[[criteria]]\nlabel = "X"\ntext = "{{ cycler.__init__.__globals__.os.environ }}"\n'})
    before = snapshot(repo)
    res = run_cli("new", "8", "--kind", "bug", "--offline", "--title", "T", cwd=repo, env=dict(ENV, GITHUB_TOKEN=TOKEN))
    assert_one_line_error(res)
    assert "kind.toml" in res.err and snapshot(repo) == before


def test_endless_template_recursion_names_the_template_and_the_recursion(repo):
    user_templates(repo, HEADER + "{% include 'bug/README.md.j2' %}\n")
    res = run_cli("new", "8", "--kind", "bug", "--offline", "--title", "T", cwd=repo, env=ENV)
    assert_one_line_error(res)
    assert "my-templates/bug/README.md.j2" in res.err and "recursion" in res.err


def test_a_filter_typo_is_one_line_naming_the_template(repo):
    user_templates(repo, "# Issue #{{ issue.number }}: {{ issue.title | md_inlin }}\n")
    res = run_cli("new", "8", "--kind", "bug", "--offline", "--title", "T", cwd=repo, env=ENV)
    assert_one_line_error(res)
    assert "my-templates/bug/README.md.j2" in res.err and "md_inlin" in res.err


@pytest.mark.parametrize("toml", ['criteria = 5\n', 'description = ["x"]\n', 'phases = "Investigate"\n', 'order = 3\n',
                                  '[[criteria]]\nlabel = 7\n'])
def test_a_kind_toml_of_the_wrong_types_is_one_line(repo, toml):
    user_templates(repo, HEADER, extra={"kind.toml": toml})
    res = run_cli("new", "8", "--kind", "bug", "--offline", "--title", "T", cwd=repo, env=ENV)
    assert_one_line_error(res)
    assert "kind.toml" in res.err and "internal error" not in res.err


def test_a_short_token_value_does_not_rewrite_ordinary_file_contents(repo, monkeypatch):
    """Redaction of files skips values under 8 characters: they would match ordinary text."""
    from issue_flow import fsutil

    monkeypatch.setenv("GITHUB_TOKEN", "main")
    fsutil.write_files([(repo / "notes.md", b"the main branch\n")], root=repo)
    assert (repo / "notes.md").read_bytes() == b"the main branch\n"
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    fsutil.write_files([(repo / "notes.md", f"oops {TOKEN}\n".encode())], root=repo)
    assert (repo / "notes.md").read_bytes() == b"oops ***\n"
