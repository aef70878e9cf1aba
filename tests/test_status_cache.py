"""The summary cache behind ``status``: hits when files are unchanged, never stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import git, run_cli

README = (
    "# Issue #5: cached\n\n## Acceptance criteria\n\n- [{a}] **One** – first\n- [ ] **Two** – second\n\n"
    "## Status\n\n| Criterion | Status |\n|---|---|\n| One | {m} |\n| Two | ⬜ |\n"
)
OLD = 1_600_000_000_000_000_000  # a modification time well in the past (not "racy")


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    folder = root / "docs" / "issues" / "ISSUE-5"
    folder.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    _write(folder / "README.md", README.format(a=" ", m="⬜"), OLD)
    return root


def _write(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def _status(root: Path) -> dict:
    res = run_cli("status", "--json", cwd=root)
    assert res.code == 0, res
    (issue,) = json.loads(res.out)["issues"]
    return issue


def test_a_summary_is_cached_in_git_and_reused(tmp_path):
    root = _repo(tmp_path)
    assert _status(root)["criteria"] == {"done": 0, "total": 2}
    cache = root / ".git" / "issue-flow" / "status-cache.json"
    data = json.loads(cache.read_text())
    assert list(data["entries"]) == ["5:docs/issues/ISSUE-5"]
    # a hit is served from the cache: prove it by planting a different summary there
    data["entries"]["5:docs/issues/ISSUE-5"]["summary"]["title"] = "from the cache"
    cache.write_text(json.dumps(data))
    assert _status(root)["title"] == "from the cache"


def test_a_malformed_cache_entry_is_recomputed(tmp_path):
    root = _repo(tmp_path)
    _status(root)
    cache = root / ".git" / "issue-flow" / "status-cache.json"
    data = json.loads(cache.read_text())
    data["entries"]["5:docs/issues/ISSUE-5"]["summary"]["tasks"] = "many"
    cache.write_text(json.dumps(data))
    issue = _status(root)
    assert issue["tasks"]["total"] >= 2 and issue["criteria"] == {"done": 0, "total": 2}


def test_a_changed_file_is_read_again(tmp_path):
    root = _repo(tmp_path)
    _status(root)
    readme = root / "docs" / "issues" / "ISSUE-5" / "README.md"
    _write(readme, README.format(a="x", m="✅"), OLD + 10**9)  # same size, another mtime
    assert _status(root)["criteria"] == {"done": 1, "total": 2}
    tracking = readme.parent / "TRACKING.md"
    _write(tracking, "# T\n\n## Phase 1 – Do\n\n| Step | Status |\n|---|---|\n| a | ✅ |\n", OLD)
    assert _status(root)["phases"] == {"done": 1, "total": 1}


def test_recently_changed_files_are_not_cached(tmp_path):
    root = _repo(tmp_path)
    readme = root / "docs" / "issues" / "ISSUE-5" / "README.md"
    readme.write_text(README.format(a="x", m="✅"), encoding="utf-8")  # now: racy
    assert _status(root)["criteria"]["done"] == 1
    cache = root / ".git" / "issue-flow" / "status-cache.json"
    assert not cache.exists() or json.loads(cache.read_text())["entries"] == {}


def test_a_broken_cache_is_ignored_and_no_cache_can_be_asked_for(tmp_path, monkeypatch):
    root = _repo(tmp_path)
    cache = root / ".git" / "issue-flow" / "status-cache.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    assert _status(root)["criteria"]["total"] == 2
    assert json.loads(cache.read_text())["entries"]  # rewritten
    cache.unlink()
    monkeypatch.setenv("ISSUE_FLOW_NO_CACHE", "1")
    assert _status(root)["criteria"]["total"] == 2
    assert not cache.exists()


def test_the_cache_never_lands_in_the_work_tree(tmp_path):
    root = _repo(tmp_path)
    _status(root)
    assert git(root, "status", "--porcelain", "--untracked-files=all") == "?? docs/issues/ISSUE-5/README.md\n"
