"""Releases on a copy of the whole corpus tree (issue 13): the real v0.9.2 folder written before
the bump is used as it is; minor and backend-only releases; every other byte kept."""

from __future__ import annotations

import json

from conftest import snapshot
from test_release import BACKEND, commit_all, release, sh


def setup(root, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1771329600")
    for key, value in (("user.name", "T"), ("user.email", "t@example.com"), ("tag.gpgsign", "false")):
        sh(root, "config", key, value)
    (root / ".issue-flow.toml").write_text('[[gates]]\nname = "none"\nrequired = false\n')
    commit_all(root, "config")
    return root


def changed(before, after):
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def test_the_real_v0_9_2_folder_is_used_as_it_is(corpus_copy, monkeypatch):
    root = setup(corpus_copy, monkeypatch)
    before = snapshot(root)
    dry = release(root, "462", "--patch", "--dry-run")
    assert dry.code == 0, dry
    assert "docs/releases/v0.9.2/ exists: used as it is (nothing written there)" in dry.out
    res = release(root, "462", "--patch", "--commit", "--tag")
    assert res.code == 0, res
    after = snapshot(root)
    assert changed(before, after) == {
        "package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json",
        "docs/issues/ISSUE-462/README.md",
    }
    assert json.loads(after["package.json"])["version"] == "0.9.2"
    assert json.loads(after[f"{BACKEND}/package-lock.json"])["version"] == "0.2.2"  # was 0.1.2: reported
    assert f"{BACKEND}/package-lock.json said 0.1.2; now 0.2.2" in res.out
    assert sh(root, "tag", "--list").split() == ["v0.9.2", "voice-agent-backend-v0.2.2"]


def test_minor_and_backend_only_on_the_corpus(corpus_copy, monkeypatch):
    root = setup(corpus_copy, monkeypatch)
    res = release(root, "462", "--package", "voice-agent-backend=minor", "--commit", "--tag")
    assert res.code == 0, res
    assert json.loads((root / BACKEND / "package.json").read_text())["version"] == "0.3.0"
    assert (root / "docs/releases/voice-agent-backend-v0.3.0/CHANGELOG.md").is_file()
    assert sorted(p.name for p in (root / "docs/releases").iterdir()) == ["v0.9.1", "v0.9.2", "voice-agent-backend-v0.3.0"]
    res = release(root, "462", "--minor", "--package", "voice-agent-react", "--dry-run")
    assert res.code == 0, res
    assert "voice-agent-react 0.9.1 -> 0.10.0  (minor, tag v0.10.0)" in res.out
    assert "+++ b/docs/releases/v0.10.0/CHANGELOG.md" in res.out
