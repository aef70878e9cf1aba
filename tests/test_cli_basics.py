"""Entry point, configuration, init and the one-line error contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_one_line_error, git, run_cli, run_process, snapshot


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    issue = root / "docs" / "issues" / "ISSUE-7"
    issue.mkdir(parents=True)
    (issue / "README.md").write_text(
        "# Issue #7: demo\n\n**GitHub:** [#7](https://github.com/acme/widget/issues/7)\n\n"
        "## Acceptance criteria\n\n- [x] **One** – first\n- [ ] **Two** – second\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| One | ✅ |\n| Two | ⬜ |\n",
        encoding="utf-8",
    )
    (root / "package.json").write_text('{\n  "name": "@acme/widget",\n  "version": "1.2.3"\n}\n')
    (root / "packages" / "server").mkdir(parents=True)
    (root / "packages" / "server" / "package.json").write_text('{"name": "server", "version": "0.1.0"}\n')
    git(root, "init", "-q", "-b", "main")
    return root


def test_help_and_version():
    res = run_cli("--help")
    assert res.code == 0 and "status" in res.out and "release" in res.out
    assert run_cli("--version").out.strip().startswith("issue-flow, version ")
    for cmd in ("init", "status", "lint", "check", "new", "gate", "release", "sync", "close", "ci"):
        r = run_cli(cmd, "--help")
        assert r.code == 0 and "Usage:" in r.out, (cmd, r)


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\nfrom issue_flow.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('github', 'markdown_it', 'jinja2', 'tomlkit', 'semver', 'defusedxml',\n"
        "         'issue_flow.model', 'issue_flow.model.document', 'subprocess', 'base64', 'shutil') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


@pytest.mark.parametrize("module", ["github", "logging"])
def test_status_does_not_import_what_only_github_commands_need(repo, module):
    code = (
        "import sys\nfrom issue_flow.cli import main\n"
        "try:\n    main(['status'])\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', {module!r} in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo).stdout
    assert "LOADED False" in out


def test_unknown_command_and_bad_option_exit_2(repo):
    before = snapshot(repo)
    res = run_cli("frobnicate", cwd=repo)
    assert_one_line_error(res)
    assert "No such command 'frobnicate'" in res.err and res.out == "", res
    res = run_cli("status", "--nope", cwd=repo)
    assert_one_line_error(res)
    assert "No such option '--nope'" in res.err and res.out == "", res
    assert snapshot(repo) == before


def test_status_in_a_plain_repo(repo):
    res = run_cli("status", "--json", cwd=repo)
    assert res.code == 0, res
    (issue,) = json.loads(res.out)["issues"]
    assert issue["criteria"] == {"done": 1, "total": 2} and issue["pairing"] == "label"


def test_root_is_found_from_a_subdirectory(repo):
    res = run_cli("status", "7", cwd=repo / "docs" / "issues")
    assert res.code == 0 and "#7" in res.out


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "../x", "7/../8", "1e3", ""])
def test_bad_issue_numbers(repo, bad):
    before = snapshot(repo)
    assert_one_line_error(run_cli("status", bad, cwd=repo))
    assert snapshot(repo) == before


def test_malformed_config_is_one_line_exit_2(repo):
    (repo / ".issue-flow.toml").write_text("docs = [unclosed\n")
    res = run_cli("status", cwd=repo)
    assert_one_line_error(res)
    assert ".issue-flow.toml" in res.err and "malformed TOML" in res.err


@pytest.mark.parametrize(
    "text,needle",
    [
        ("docs = 3\n", "'docs' must be a str"),
        ("surprise = 1\n", "unknown key"),
        ('repository = "not a repo"\n', "owner/name"),
        ("[[packages]]\nname = 'x'\n", "needs 'manifest'"),
        ("[[gates]]\nname = 'x'\nformat = 'xml'\n", "format must be"),
        ("docs = 'nowhere'\n", "docs folder not found"),
    ],
)
def test_invalid_config_values(repo, text, needle):
    (repo / ".issue-flow.toml").write_text(text)
    res = run_cli("status", cwd=repo)
    assert_one_line_error(res)
    assert needle in res.err


def test_pyproject_section_is_read(repo):
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.issue-flow]\ndocs = "notes"\n')
    (repo / "docs").rename(repo / "notes")
    res = run_cli("status", "7", cwd=repo)
    assert res.code == 0, res
    assert "#7" in res.out and "1/2" in res.out, res  # the folder under notes/, its ticks counted
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_cli("status", "7", cwd=repo).code == 2  # without the section, docs/ has no #7


def test_environment_defaults_for_repository_and_api(repo, monkeypatch):
    from issue_flow.config import load_config

    monkeypatch.setenv("GITHUB_REPOSITORY", "env/repo")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3/")
    cfg = load_config(repo)
    assert cfg.repository == "env/repo" and cfg.api_url == "http://127.0.0.1:9/api/v3"
    (repo / ".issue-flow.toml").write_text('repository = "cfg/repo"\napi_url = "https://ghe.example/api/v3"\n')
    cfg = load_config(repo)
    assert cfg.repository == "cfg/repo" and cfg.api_url == "https://ghe.example/api/v3"


def test_repository_from_origin_remote(repo, monkeypatch):
    from issue_flow.config import load_config

    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    git(repo, "remote", "add", "origin", "git@github.com:acme/widget.git")
    assert load_config(repo).repository == "acme/widget"


def test_init_detects_packages_and_keeps_comments(repo, monkeypatch):
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    res = run_cli("init", "--dry-run", cwd=repo)
    assert res.code == 0 and not (repo / ".issue-flow.toml").exists()
    assert "create .issue-flow.toml" in res.out
    res = run_cli("init", cwd=repo)
    assert res.code == 0, res
    text = (repo / ".issue-flow.toml").read_text()
    assert 'manifest = "package.json"' in text and 'manifest = "packages/server/package.json"' in text
    assert 'tag_prefix = "server-v"' in text
    assert "no package.json scripts (lint, test) found to propose as gates" in text  # none: no scripts
    edited = text.replace('docs = "docs/issues"', '# where the folders live\ndocs = "docs/issues"  # keep me')
    edited = edited.replace('default_branch = "main"\n', "")
    (repo / ".issue-flow.toml").write_text(edited)
    res = run_cli("init", cwd=repo)
    assert res.code == 0, res
    again = (repo / ".issue-flow.toml").read_text()
    assert "# where the folders live\n" in again and "# keep me" in again
    assert 'default_branch = "main"' in again
    assert run_cli("init", cwd=repo).out.strip().endswith("up to date")
    assert run_cli("status", cwd=repo).code == 0


def test_init_keeps_the_crlf_line_endings_of_a_config(repo):
    (repo / ".issue-flow.toml").write_bytes(b'# ours\r\ndocs = "docs/issues"  # keep\r\n')
    res = run_cli("init", cwd=repo)
    assert res.code == 0, res
    data = (repo / ".issue-flow.toml").read_bytes()
    assert data.startswith(b'# ours\r\ndocs = "docs/issues"  # keep\r\n') and b"default_branch" in data
    assert data.count(b"\n") == data.count(b"\r\n")  # every line added is CRLF too


def test_init_into_pyproject_keeps_the_rest(repo):
    original = '[project]\nname = "x"  # the name\nversion = "1.0.0"\n'
    (repo / "pyproject.toml").write_text(original)
    res = run_cli("init", "--pyproject", cwd=repo)
    assert res.code == 0, res
    text = (repo / "pyproject.toml").read_text()
    assert text.startswith(original) and "[tool.issue-flow]" in text


def test_no_traceback_in_a_real_process(repo):
    (repo / ".issue-flow.toml").write_text("docs = [\n")
    res = run_process("status", cwd=repo)
    assert_one_line_error(res)


def test_not_utf8_readme_is_one_line_error(repo):
    (repo / "docs" / "issues" / "ISSUE-7" / "README.md").write_bytes(b"# Issue #7: \xff\xfe bad\n")
    res = run_cli("status", "7", cwd=repo)
    assert_one_line_error(res)
    assert "not UTF-8" in res.err
    res = run_cli("status", cwd=repo)
    assert res.code == 0 and "not UTF-8" in res.out


@pytest.mark.parametrize(
    "text",
    [
        'docs = "../elsewhere"\n',
        'docs = "/tmp"\n',
        'releases = "a/../../b"\n',
        '[[packages]]\nmanifest = "../package.json"\n',
        '[[gates]]\nname = "lint"\nreport = "/etc/passwd"\n',
    ],
)
def test_paths_outside_the_repository_are_refused(repo, text):
    (repo / ".issue-flow.toml").write_text(text)
    res = run_cli("status", cwd=repo)
    assert_one_line_error(res)
    assert "inside the repository" in res.err



def test_an_absent_tool_skips_locally_and_fails_under_ci(monkeypatch):
    from conftest import require_tools

    monkeypatch.delenv("CI", raising=False)
    require_tools("sh")  # present: nothing happens
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-xyz"):
        require_tools("sh", "no-such-tool-xyz")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_tools("no-such-tool-xyz")


def test_help_is_as_wide_as_clicks_own_rule():
    """--help names its width itself (no shutil): COLUMNS, at most 80, minus 2, at least 50."""
    def widest(columns: str) -> int:
        env = dict(os.environ, COLUMNS=columns)
        out = subprocess.run([sys.executable, "-m", "issue_flow", "--help"], capture_output=True, text=True, env=env).stdout
        return max(len(line) for line in out.splitlines())

    assert 70 < widest("200") <= 78
    assert widest("60") <= 58
    assert 45 < widest("20") <= 50
