"""Bad values and refused writes are one line, exit 2 (issue 12): never ``internal error``.

Each row breaks one thing in a copy of the small repository of the reliability suite and
runs one command in-process; the contract is the suite's: exit 2, one line
``issue-flow: error: …`` naming the problem, no traceback, the tree unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import assert_one_line_error, copy_tree, run_cli, snapshot
from test_reliability_inputs import CONFIG, ENV


@pytest.fixture
def repo(base_repo, tmp_path) -> Path:
    return copy_tree(base_repo, tmp_path / "repo")


def pyproject_only(repo: Path, text: str) -> None:
    (repo / ".issue-flow.toml").unlink()
    (repo / "pyproject.toml").write_text(text + '[project]\nname = "x"\nversion = "0.1.0"\n')


CASES = {
    "pyproject-tool-not-a-table": (lambda r: pyproject_only(r, 'tool = "x"  # issue-flow reads [tool.issue-flow]\n'), ("status",), r"'tool' must be a table"),
    "pyproject-issue-flow-not-a-table": (lambda r: pyproject_only(r, '[tool]\n"issue-flow" = 3\n'), ("status",),
                                         r"\[tool.issue-flow\] must be a table"),
    "config-is-a-directory": (lambda r: ((r / ".issue-flow.toml").unlink(), (r / ".issue-flow.toml").mkdir()), ("status",),
                              r"\.issue-flow\.toml.*directory"),
    "config-docs-nul": (lambda r: (r / ".issue-flow.toml").write_text('docs = "docs/\\u0000x"\n'), ("status",), r"'docs'"),
    "config-docs-too-long": (lambda r: (r / ".issue-flow.toml").write_text(f'docs = "{"d" * 300}"\n'), ("status",),
                             r"'docs'.*too long"),
    "config-manifest-nul": (lambda r: (r / ".issue-flow.toml").write_text(
        CONFIG.replace('manifest = "package.json"', 'manifest = "pack\\u0000age.json"')), ("status",), r"packages\[0\]\.manifest"),
    "config-report-too-long": (lambda r: (r / ".issue-flow.toml").write_text(
        CONFIG.replace('report = "reports/junit.xml"', f'report = "reports/{"j" * 300}.xml"')), ("status",), r"gates\[1\]\.report"),
    "note-not-utf8": (None, ("check", "7", "Tests", "--note", "caf\udce9"), r"not valid UTF-8"),
    "title-not-utf8": (None, ("new", "8", "--offline", "--title", "\udcff\udcfe"), r"not valid UTF-8"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_value_is_one_line(repo, case):
    setup, args, pattern = CASES[case]
    if setup is not None:
        setup(repo)
    before = snapshot(repo)
    res = run_cli(*args, cwd=repo, env=ENV)
    assert_one_line_error(res)
    assert "internal error" not in res.err, res
    import re

    assert re.search(pattern, res.err), res
    assert snapshot(repo) == before


@pytest.mark.parametrize("form", [
    '[tool."issue-flow"]\nrepository = "acme/quoted"\n',
    '[tool]\nissue-flow.repository = "acme/dotted"\n',
    'tool = { issue-flow = { repository = "acme/inline" } }\n',
])
def test_every_toml_spelling_of_the_pyproject_table_is_read(repo, form):
    pyproject_only(repo, form)
    from issue_flow.config import find_root, load_config

    cfg = load_config(repo)
    assert cfg.repository == form.split('"acme/')[1].split('"')[0].join(["acme/", ""])
    assert cfg.source == repo / "pyproject.toml"
    sub = repo / "docs"
    (repo / ".git").rename(repo / ".git-away")
    try:
        assert find_root(sub) == repo
    finally:
        (repo / ".git-away").rename(repo / ".git")


def test_unwritable_actions_files_are_refused_before_any_work(repo, tmp_path):
    (tmp_path / "summary-dir").mkdir()
    before = snapshot(repo)
    res = run_cli("check", "7", "Tests", cwd=repo, env=dict(ENV, GITHUB_STEP_SUMMARY=str(tmp_path / "summary-dir")))
    assert_one_line_error(res)
    assert "GITHUB_STEP_SUMMARY" in res.err and snapshot(repo) == before
    res = run_cli("check", "7", "Tests", cwd=repo, env=dict(ENV, GITHUB_OUTPUT=str(tmp_path / "missing" / "out")))
    assert_one_line_error(res)
    assert "GITHUB_OUTPUT" in res.err and snapshot(repo) == before


def test_an_actions_file_failing_after_the_work_is_a_warning_not_an_error(tmp_path, monkeypatch, capsys):
    from issue_flow import output

    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "gone" / "out"))
    output.actions_output(versions="0.9.2")
    err = capsys.readouterr().err
    assert err.startswith("issue-flow: warning: $GITHUB_OUTPUT") and "the work itself is done" in err


def test_an_oserror_nobody_expected_is_one_line(repo, monkeypatch):
    from issue_flow.model import issues

    def broken(*a, **k):
        raise OSError(5, "Input/output error", str(repo / "docs/issues"))

    monkeypatch.setattr(issues, "discover", broken)
    res = run_cli("status", cwd=repo, env=ENV)
    assert_one_line_error(res)
    assert "Input/output error" in res.err and "internal error" not in res.err
