"""Reliability: writers running at once, and writers killed mid-write (issue 7, part 3).

Everything here runs ``python -m issue_flow`` in real processes (``subprocess.Popen``):
the repository lock is an ``flock`` between processes and SIGKILL is a real signal, so
neither can be tested in-process.

- Two streams of ``check`` on the same README (2×20, interleaved) lose no update; nor do
  ``check`` and ``new --parent`` editing the same parent README at once.
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
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_tree, git, require_corpus, run_cli, snapshot
from test_reliability_inputs import ENV, README, head

PY = sys.executable
TEMP = re.compile(r"(?:^|/)\.[^/]+\.[A-Za-z0-9_]{8}\.tmp$")  # tempfile.mkstemp(prefix=".NAME.", suffix=".tmp")
KILLS = int(os.environ.get("ISSUE_FLOW_RELIABILITY_KILLS", "30"))
SEED = int(os.environ.get("ISSUE_FLOW_RELIABILITY_SEED", "20260217"))
EPOCH = "1771329600"  # 2026-02-17: release docs carry the date


def proc_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env.update({k: v for k, v in ENV.items() if v is not None})
    env.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", SOURCE_DATE_EPOCH=EPOCH, PYTHONDONTWRITEBYTECODE="1")
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return env


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "issue_flow", *args],
        cwd=root,
        env=proc_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a kill takes its git children too
    )


def run(root: Path, *args: str, timeout: float = 120) -> tuple[int, str, str]:
    p = start(root, *args)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# --------------------------------------------------------------------------- two writers at once

LABELS = [f"C{k:02d}" for k in range(1, 41)]


def many_criteria_readme() -> str:
    return (
        "# Issue #7: forty criteria\n\n"
        "**GitHub:** [#7](https://github.com/acme/widgets/issues/7)\n\n"
        "## Acceptance criteria\n\n"
        + "".join(f"- [ ] **{label}** – criterion {label}\n" for label in LABELS)
        + "\n## Status\n\n| Criterion | Status |\n|---|---|\n"
        + "".join(f"| {label} | ⬜ |\n" for label in LABELS)
    )


@pytest.fixture
def forty(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "docs" / "issues" / "ISSUE-7").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / ".issue-flow.toml").write_text('repository = "acme/widgets"\n')
    (root / README).write_text(many_criteria_readme(), encoding="utf-8")
    return root


def streams(root: Path, commands: list[list[tuple[str, ...]]]) -> list[tuple[tuple[str, ...], int, str, str]]:
    """Run each list of commands in order, all lists at once (one driver thread per list,
    each command a process of its own). Returns (args, code, out, err) of every command."""
    results: list[tuple[tuple[str, ...], int, str, str]] = []
    lock = threading.Lock()
    gate = threading.Barrier(len(commands))

    def drive(cmds: list[tuple[str, ...]], seed: int) -> None:
        rng = random.Random(seed)
        gate.wait()
        for args in cmds:
            time.sleep(rng.uniform(0, 0.02))
            code, out, err = run(root, *args)
            with lock:
                results.append((args, code, out, err))

    threads = [threading.Thread(target=drive, args=(cmds, SEED + i)) for i, cmds in enumerate(commands)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sum(len(c) for c in commands) == len(results)
    return results


def test_two_check_streams_on_one_readme_lose_no_update(forty):
    a = [("check", "7", label, "--note", f"by A {label}") for label in LABELS[:20]]
    b = [("check", "7", label, "--note", f"by B {label}") for label in LABELS[20:]]
    results = streams(forty, [a, b])
    assert all(code == 0 for _, code, _, _ in results), [r for r in results if r[1] != 0]

    text = (forty / README).read_text(encoding="utf-8")
    for k, label in enumerate(LABELS):
        who = "A" if k < 20 else "B"
        assert f"- [x] **{label}** – criterion {label}\n" in text, label
        assert f"| {label} | ✅ by {who} {label} |\n" in text, label
    assert "- [ ]" not in text and "⬜" not in text
    assert text.count("\n") == many_criteria_readme().count("\n")  # no line lost or doubled
    status = json.loads(run_cli("status", "7", "--json", cwd=forty, env=ENV).out)["issues"][0]
    assert status["criteria"] == {"done": 40, "total": 40} and status["drift"] == []
    lint = run_cli("lint", cwd=forty, env=ENV)
    assert lint.code == 0, lint
    assert not [p for p in snapshot(forty) if TEMP.search(p)], "temporary files left by runs that were not killed"


def test_check_and_new_children_edit_one_parent_readme_at_once(forty):
    """``check 7 …`` ticks #7's README while ``new N --parent 7`` adds its Follow-ups lines."""
    checks = [("check", "7", label) for label in LABELS[:10]]
    children = [("new", str(100 + k), "--parent", "7", "--offline", "--title", f"child {k}") for k in range(10)]
    results = streams(forty, [checks, children])
    assert all(code == 0 for _, code, _, _ in results), [r for r in results if r[1] != 0]

    text = (forty / README).read_text(encoding="utf-8")
    for label in LABELS[:10]:
        assert f"- [x] **{label}**" in text and f"| {label} | ✅ |" in text, label
    for k in range(10):
        assert text.count(f"- [#{100 + k}](../ISSUE-{100 + k}/README.md) — child {k}\n") == 1, k
        assert (forty / f"docs/issues/ISSUE-{100 + k}/README.md").is_file()
    lint = run_cli("lint", cwd=forty, env=ENV)
    assert lint.code == 0, lint


def test_a_burst_of_checks_all_at_once(forty):
    """Twenty processes started together, each ticking its own item: all twenty land."""
    procs = [start(forty, "check", "7", label) for label in LABELS[::2]]
    codes = [p.wait(timeout=300) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert codes == [0] * len(procs)
    text = (forty / README).read_text(encoding="utf-8")
    for k, label in enumerate(LABELS):
        mark = "x" if k % 2 == 0 else " "
        assert f"- [{mark}] **{label}**" in text, label
    assert run_cli("lint", cwd=forty, env=ENV).code == 0


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
