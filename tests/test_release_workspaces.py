"""npm workspaces and other locks (issue 13, part 4).

- a workspace package's entry in the root lock (``packages["packages/x"].version``) is bumped,
  exactly that field; a dependency sharing the version string is not;
- a lock elsewhere that records a released package (``test-app/package-lock.json``:
  ``packages[".."].version``, bumped by hand in 12 real release commits) is reported, and
  bumped when listed in ``[release] locks``;
- ``init`` finds workspace packages from ``workspaces`` globs and ``pnpm-workspace.yaml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import init_git_repo, run_cli, snapshot
from test_release import REPORTS, commit_all, record, release, write_reports

from issue_flow.adapters import workspaces

BACKEND = "packages/voice-agent-backend"


def dump(doc) -> str:
    return json.dumps(doc, indent=2) + "\n"


def workspace_repo(root: Path, monkeypatch, *, lock_for_test_app: bool = True, config: str = "") -> Path:
    init_git_repo(root, monkeypatch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1771329600")
    (root / BACKEND).mkdir(parents=True)
    (root / "package.json").write_text(dump({
        "name": "@signal-meaning/voice-agent-react", "version": "0.9.1",
        "workspaces": ["packages/*"], "dependencies": {"left-pad": "^0.2.1"},
    }))
    (root / BACKEND / "package.json").write_text(dump({"name": "@signal-meaning/voice-agent-backend", "version": "0.2.1"}))
    (root / "package-lock.json").write_text(dump({
        "name": "@signal-meaning/voice-agent-react", "version": "0.9.1", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "@signal-meaning/voice-agent-react", "version": "0.9.1", "workspaces": ["packages/*"]},
            "node_modules/@signal-meaning/voice-agent-backend": {"resolved": "packages/voice-agent-backend", "link": True},
            "node_modules/left-pad": {"version": "0.2.1", "resolved": "https://r/left-pad-0.2.1.tgz"},
            "node_modules/other": {"version": "0.9.1"},
            BACKEND: {"name": "@signal-meaning/voice-agent-backend", "version": "0.2.1"},
        },
    }))
    if lock_for_test_app:
        (root / "test-app").mkdir()
        (root / "test-app/package.json").write_text(dump({"name": "test-app", "version": "1.0.0", "private": True,
                                                           "dependencies": {"@signal-meaning/voice-agent-react": "file:.."}}))
        (root / "test-app/package-lock.json").write_text(dump({
            "name": "test-app", "version": "1.0.0", "lockfileVersion": 3,
            "packages": {
                "": {"name": "test-app", "version": "1.0.0"},
                "..": {"name": "@signal-meaning/voice-agent-react", "version": "0.9.1"},
                "node_modules/@signal-meaning/voice-agent-react": {"resolved": "..", "link": True},
            },
        }))
    (root / "docs/issues/ISSUE-7").mkdir(parents=True)
    (root / "docs/issues/ISSUE-7/README.md").write_text(
        "# Issue #7: x\n\n## Acceptance criteria\n\n- [ ] Patch release and publish\n"
    )
    gates = "".join(f'[[gates]]\nname = "{n}"\nreport = "{r}"\n' for n, r in (("lint", "reports/eslint.json"),))
    (root / ".issue-flow.toml").write_text(config + gates)
    write_reports(root, {"reports/eslint.json": REPORTS["reports/eslint.json"]})
    (root / ".gitignore").write_text("reports/\n")
    commit_all(root, "workspace")
    record(root)
    return root


def changed(before: bytes, after: bytes) -> list[tuple[str, str]]:
    a, b = before.decode().splitlines(), after.decode().splitlines()
    assert len(a) == len(b)
    return [(x.strip(), y.strip()) for x, y in zip(a, b) if x != y]


def test_root_lock_entry_of_a_workspace_package_is_bumped(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch, lock_for_test_app=False)
    before = snapshot(root)
    res = release(root, "7", "--patch")
    assert res.code == 0, res
    after = snapshot(root)
    # three fields of the root lock: its top-level and packages[""] versions, the workspace entry
    assert changed(before["package-lock.json"], after["package-lock.json"]) == [
        ('"version": "0.9.1",', '"version": "0.9.2",'),
        ('"version": "0.9.1",', '"version": "0.9.2",'),
        ('"version": "0.2.1"', '"version": "0.2.2"'),
    ]
    lock = json.loads(after["package-lock.json"])
    assert lock["packages"][BACKEND]["version"] == "0.2.2"
    assert lock["packages"]["node_modules/left-pad"]["version"] == "0.2.1"  # shares the old version string
    assert lock["packages"]["node_modules/other"]["version"] == "0.9.1"
    assert set(k for k in after if after[k] != before.get(k)) == {
        "package.json", "package-lock.json", f"{BACKEND}/package.json", "docs/issues/ISSUE-7/README.md",
        "docs/releases/v0.9.2/CHANGELOG.md", "docs/releases/v0.9.2/RELEASE-NOTES.md",
    }


def test_a_workspace_entry_out_of_step_is_reported(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch, lock_for_test_app=False)
    p = root / "package-lock.json"
    p.write_text(p.read_text().replace('"name": "@signal-meaning/voice-agent-backend",\n      "version": "0.2.1"',
                                       '"name": "@signal-meaning/voice-agent-backend",\n      "version": "0.2.0"'))
    commit_all(root, "stale")
    record(root)
    res = release(root, "7", "--patch", "--json")
    assert res.code == 0, res
    assert 'package-lock.json packages["packages/voice-agent-backend"] said 0.2.0; now 0.2.2' in json.loads(res.out)["notes"]


def test_other_locks_that_record_the_old_version_are_reported(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch)
    before = snapshot(root)
    res = release(root, "7", "--patch")
    assert res.code == 0, res
    assert ('test-app/package-lock.json records @signal-meaning/voice-agent-react 0.9.1 (packages[".."]); '
            "not bumped (list it in [release] locks to bump it)") in res.out
    assert snapshot(root)["test-app/package-lock.json"] == before["test-app/package-lock.json"]


def test_configured_locks_are_bumped_exactly(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch, config='[release]\nlocks = ["test-app/package-lock.json"]\n')
    before = snapshot(root)
    res = release(root, "7", "--patch", "--commit")
    assert res.code == 0, res
    after = snapshot(root)
    assert changed(before["test-app/package-lock.json"], after["test-app/package-lock.json"]) == [
        ('"version": "0.9.1"', '"version": "0.9.2"'),
    ]
    assert "records" not in res.out
    from test_release import sh

    assert "test-app/package-lock.json" in sh(root, "show", "--name-only", "--format=", "HEAD").splitlines()


def test_a_configured_lock_that_is_missing_is_bad_input(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch, config='[release]\nlocks = ["nope/package-lock.json"]\n')
    res = release(root, "7", "--patch")
    assert res.code == 2 and "release.locks names nope/package-lock.json, which does not exist" in res.err


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"package.json": dump({"workspaces": ["packages/*", "apps/web"]})}, ["apps/web/package.json", "packages/a/package.json", "packages/b/package.json"]),
        ({"package.json": dump({"workspaces": {"packages": ["packages/*"]}})}, ["packages/a/package.json", "packages/b/package.json"]),
        ({"package.json": dump({"workspaces": ["packages/*", "!packages/b"]})}, ["packages/a/package.json"]),
        ({"pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  # a comment\n  - \"apps/*\"\n"}, ["apps/web/package.json", "packages/a/package.json", "packages/b/package.json"]),
        ({"pnpm-workspace.yaml": "packages: [packages/a, apps/web]\n"}, ["apps/web/package.json", "packages/a/package.json"]),
        ({"package.json": dump({"workspaces": ["../outside/*", "/abs"]})}, []),
        ({"package.json": dump({"name": "x"})}, []),
    ],
)
def test_workspace_discovery(tmp_path, files, expected):
    for rel in ("packages/a", "packages/b", "apps/web", "packages/a/node_modules/dep"):
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
        (tmp_path / rel / "package.json").write_text(dump({"name": rel.replace("/", "-"), "version": "1.0.0"}))
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    assert workspaces.workspace_manifests(tmp_path) == expected


def test_init_writes_the_workspace_packages(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    init_git_repo(root, monkeypatch)
    (root / "package.json").write_text(dump({"name": "@acme/app", "version": "1.0.0"}))
    (root / "pnpm-workspace.yaml").write_text("packages:\n  - 'apps/*'\n")
    (root / "apps/web").mkdir(parents=True)
    (root / "apps/web/package.json").write_text(dump({"name": "@acme/web", "version": "0.1.0"}))
    res = run_cli("init", cwd=root)
    assert res.code == 0, res
    text = (root / ".issue-flow.toml").read_text()
    assert 'manifest = "apps/web/package.json"' in text and 'tag_prefix = "web-v"' in text
    assert 'manifest = "package.json"' in text


def test_a_lock_that_installs_the_released_package_from_the_registry_is_reported(tmp_path, monkeypatch):
    root = workspace_repo(tmp_path / "repo", monkeypatch, lock_for_test_app=False)
    (root / "examples/app").mkdir(parents=True)
    (root / "examples/app/package-lock.json").write_text(dump({
        "name": "app", "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, "node_modules/@signal-meaning/voice-agent-backend": {
            "version": "0.2.1", "resolved": "https://r/voice-agent-backend-0.2.1.tgz", "integrity": "sha512-x"}},
    }))
    commit_all(root, "example")
    record(root)
    before = (root / "examples/app/package-lock.json").read_bytes()
    res = release(root, "7", "--patch")
    assert res.code == 0, res
    assert ('examples/app/package-lock.json records @signal-meaning/voice-agent-backend 0.2.1 '
            '(packages["node_modules/@signal-meaning/voice-agent-backend"]); not bumped') in res.out
    assert (root / "examples/app/package-lock.json").read_bytes() == before
