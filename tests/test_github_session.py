"""When GitHub can be asked: the repository is looked at before the token, since the token
may have to come from ``gh auth token`` (a process on every run of release and gate)."""

from __future__ import annotations

import os
import stat

from issue_flow import tokens
from issue_flow.config import load_config
from issue_flow.github_session import optional_github


def _fake_gh(tmp_path, monkeypatch):
    """A ``gh`` on PATH that notes each call and prints a token."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "gh-calls"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho gho_abcdefghijklmnopqrstuvwxyz0123\n')
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("ISSUE_FLOW_GH_AUTH", "1")
    monkeypatch.setattr(tokens, "_gh_cache", {})
    return calls


def _repo(tmp_path, repository: str | None):
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    (root / ".issue-flow.toml").write_text(f'repository = "{repository}"\n' if repository else "")
    return load_config(root)


def test_without_a_repository_gh_is_not_asked_for_a_token(tmp_path, monkeypatch):
    calls = _fake_gh(tmp_path, monkeypatch)
    cfg = _repo(tmp_path, None)
    cfg.repository = None  # no remote either
    assert optional_github(cfg) == (None, "no GitHub repository known")
    assert not calls.exists()


def test_with_a_repository_the_token_comes_from_gh(tmp_path, monkeypatch):
    calls = _fake_gh(tmp_path, monkeypatch)
    cfg = _repo(tmp_path, "acme/widget")
    gh, why = optional_github(cfg)
    assert why is None and gh is not None
    assert calls.read_text().split() == ["auth", "token"]
