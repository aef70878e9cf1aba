"""Reliability: writers killed mid-write (issue 7, part 3).

Everything here runs ``python -m issue_flow`` in real processes (``subprocess.Popen``,
through tests/test_reliability_concurrency.py's ``start`` and ``run``): SIGKILL is a real
signal, so it cannot be tested in-process.

- ``check``, ``new --parent`` and ``release`` (with the corpus' 549 KB lock) are killed with
  SIGKILL at random moments; after every kill every file is byte-for-byte its old or its new
  content (the new content comes from one uninterrupted run in a copy), the only other
  files are the writer's own temporary files (``.NAME.XXXXXXXX.tmp``), and for ``check``
  a rerun finishes the job. The kill statistics (which runs ended old, new or with some
  files new and some old, and how many temporary files were left) are printed; run with
  ``-s`` to see them (docs/reliability.md quotes a run).
- A temporary file left by a killed run is never read as content, and does not stand in
  the way of the rerun.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from conftest import copy_tree, git, require_corpus, run_cli, snapshot
from test_reliability_concurrency import SEED, TEMP, run, start
from test_reliability_inputs import ENV, head

KILLS = int(os.environ.get("ISSUE_FLOW_RELIABILITY_KILLS", "30"))


# --------------------------------------------------------------------------- killed mid-write


def _uninterrupted(template: Path, where: Path, args: tuple[str, ...]) -> tuple[dict[str, bytes], float]:
    """The tree after one uninterrupted run, and the median wall time of three runs."""
    times, trees = [], []
    for k in range(3):
        root = copy_tree(template, where / str(k))
        t0 = time.monotonic()
        code, out, err = run(root, *args)
        times.append(time.monotonic() - t0)
        assert code == 0, (out, err)
        trees.append(snapshot(root))
        shutil.rmtree(root)
    assert trees[0] == trees[1] == trees[2], "the command's output is not reproducible"
    return trees[0], sorted(times)[1]


def kill_loop(template: Path, tmp: Path, args: tuple[str, ...], kills: int, *, rerun: bool, label: str) -> dict:
    """Start ``args`` in a copy of ``template``, SIGKILL it after a random delay, and check
    that every file is its old or its new bytes. Returns the statistics."""
    old = snapshot(template)
    new, elapsed = _uninterrupted(template, tmp / "expected", args)
    assert new != old
    rng = random.Random(f"{SEED}-{label}")
    stats = {"command": " ".join(args), "runtime_ms": round(elapsed * 1000), "kills": kills, "old": 0, "new": 0, "mixed": 0, "temp_files_left": 0, "runs_leaving_temp": 0}
    for i in range(kills):
        root = copy_tree(template, tmp / f"kill-{i}")
        # Half the kills anywhere in the run, half near its end, where the files are written.
        delay = rng.uniform(0.0, 1.1) * elapsed if i % 2 else rng.uniform(0.75, 1.05) * elapsed
        p = start(root, *args)
        time.sleep(delay)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate(timeout=60)

        after = snapshot(root)
        temps = sorted(k for k in after if TEMP.search(k) and k not in old)
        for path in sorted(old.keys() | new.keys()):
            got = after.get(path)
            assert got in (old.get(path), new.get(path)), f"kill {i} after {delay * 1000:.0f} ms: {path} is neither its old nor its new content"
        extra = sorted(set(after) - old.keys() - new.keys() - set(temps))
        assert not extra, f"kill {i}: files that are neither old, new nor a temporary file: {extra}"
        content = {k: v for k, v in after.items() if k not in temps}
        if content == old:
            stats["old"] += 1
        elif content == new:
            stats["new"] += 1
        else:
            stats["mixed"] += 1
        stats["temp_files_left"] += len(temps)
        stats["runs_leaving_temp"] += bool(temps)

        if rerun:  # the rerun finishes the job, whatever the kill left
            code, out, err = run(root, *args)
            assert code == 0, (i, out, err)
            final = {k: v for k, v in snapshot(root).items() if k not in temps}
            assert final == new, f"kill {i}: the rerun did not converge"
            lint = run_cli("lint", cwd=root, env=ENV)
            assert lint.code in (0, 1) and "unreadable" not in lint.out, lint
        shutil.rmtree(root)
    print(f"\nkill statistics: {json.dumps(stats)}")
    return stats


def test_check_killed_mid_write_leaves_old_or_new(base_repo, tmp_path):
    stats = kill_loop(base_repo, tmp_path, ("check", "7", "Tests", "--note", "killed or not"), KILLS, rerun=True, label="check")
    assert stats["mixed"] == 0  # one file changes: it can only be old or new


def test_new_with_parent_killed_mid_write_leaves_old_or_new(base_repo, tmp_path):
    kill_loop(base_repo, tmp_path, ("new", "8", "--parent", "7", "--offline", "--title", "child of 7"), KILLS, rerun=False, label="new")


@pytest.fixture(scope="module")
def release_template(tmp_path_factory) -> Path:
    """The corpus' component (549 KB lock) and backend (lock out of step), #459 and #462,
    gates recorded for HEAD, committed: ``release 462 --patch`` goes ahead."""
    from conftest import CORPUS

    require_corpus()
    from issue_flow.workflows import gate_results
    from issue_flow.config import load_config

    root = tmp_path_factory.mktemp("release-template") / "repo"
    backend = "packages/voice-agent-backend"
    (root / backend).mkdir(parents=True)
    for rel in ("package.json", "package-lock.json", f"{backend}/package.json", f"{backend}/package-lock.json"):
        shutil.copyfile(CORPUS / rel, root / rel)
    assert (root / "package-lock.json").stat().st_size > 500_000
    for n in (459, 462):
        copy_tree(CORPUS / "docs" / "issues" / f"ISSUE-{n}", root / "docs" / "issues" / f"ISSUE-{n}")
    reports = {
        "reports/eslint.json": '[{"filePath": "/r/a.ts", "messages": [], "errorCount": 0, "warningCount": 0}]',
        "reports/junit-test-mock.xml": '<testsuites tests="1"><testsuite name="s"><testcase name="a"/></testsuite></testsuites>',
        "reports/junit-proxy-integration.xml": '<testsuites tests="1"><testsuite name="s"><testcase name="a"/></testsuite></testsuites>',
    }
    for rel, text in reports.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "corpus")
    gate_results.record_from_reports(load_config(root), head(root))
    return root


def test_release_killed_mid_write_leaves_old_or_new(release_template, tmp_path):
    kill_loop(release_template, tmp_path, ("release", "462", "--patch"), KILLS, rerun=False, label="release")


# --------------------------------------------------------------------------- what a kill leaves behind


def test_temporary_files_are_never_read_as_content(base_repo, tmp_path):
    """A killed writer's temporary files hold what looks like content: it is not read."""
    root = copy_tree(base_repo, tmp_path / "repo")
    folder = root / "docs/issues/ISSUE-7"
    fake = (folder / "README.md").read_bytes().replace(b"- [ ] **Tests**", b"- [x] **Tests**")
    (folder / ".README.md.k1ll3dxx.tmp").write_bytes(fake)
    (root / "docs/issues/.ISSUE-9.abcdefgh.tmp").write_bytes(b"not a folder")
    status = json.loads(run_cli("status", "--json", cwd=root, env=ENV).out)
    assert [i["number"] for i in status["issues"]] == [7] and status["issues"][0]["criteria"]["done"] == 0
    assert status["skipped"] == []
    lint = run_cli("lint", cwd=root, env=ENV)
    assert lint.code == 0, lint
    res = run_cli("check", "7", "Tests", cwd=root, env=ENV)
    assert res.code == 0, res
    assert (folder / ".README.md.k1ll3dxx.tmp").read_bytes() == fake  # another writer's file: not touched


def test_new_reruns_after_a_kill_left_an_empty_folder(base_repo, tmp_path):
    """``new`` killed after creating the issue folder, before any rename, leaves the folder
    empty (its files are staged under .git): the rerun scaffolds the issue."""
    root = copy_tree(base_repo, tmp_path / "repo")
    folder = root / "docs/issues/ISSUE-8"
    folder.mkdir()
    res = run_cli("new", "8", "--offline", "--title", "child", cwd=root, env=ENV)
    assert res.code == 0, res
    assert (folder / "README.md").is_file() and (folder / "TRACKING.md").is_file()


def test_staged_files_never_lie_in_the_work_tree(base_repo, tmp_path):
    """New versions of files are staged under .git/issue-flow-tmp and renamed into place,
    so a writer killed mid-way leaves nothing that ``git status`` (and so ``release``'s
    clean-tree check) or ``new``'s folder check could trip over."""
    from issue_flow import fsutil

    root = copy_tree(base_repo, tmp_path / "repo")
    assert fsutil._staging_dir(root / "package-lock.json") == root / ".git" / "issue-flow-tmp"
    assert fsutil._staging_dir(root / "docs/issues/ISSUE-8/README.md") == root / ".git" / "issue-flow-tmp"
    outside = tmp_path / "plain"
    outside.mkdir()
    assert fsutil._staging_dir(outside / "x.md") == outside
    # stray files from a killed writer do not make the tree dirty
    (root / ".git" / "issue-flow-tmp" / ".package-lock.json.k1ll3dxx.tmp").write_bytes(b"{")
    entry = {"status": "pass", "source": "test"}
    (root / ".issue-flow/results").mkdir(parents=True)
    (root / f".issue-flow/results/{head(root)}.json").write_text(json.dumps({"lint": entry, "test:mock": entry}))
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert res.code == 0, res
    assert json.loads((root / "package.json").read_text())["version"] == "0.9.2"
