"""Reliability: writers running at once (issue 7, part 3).

Everything here runs ``python -m issue_flow`` in real processes (``subprocess.Popen``):
the repository lock is an ``flock`` between processes, so it cannot be tested in-process.

- Two streams of ``check`` on the same README (2×20, interleaved) lose no update; nor do
  ``check`` and ``new --parent`` editing the same parent README at once; nor does a burst
  of twenty ``check`` processes started together.

Writers killed mid-write are in tests/test_reliability_kills.py (a module of its own, so
that its kill loops run beside these on another worker); it uses ``start`` and ``run``.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot
from test_reliability_inputs import ENV, README

PY = sys.executable
TEMP = re.compile(r"(?:^|/)\.[^/]+\.[A-Za-z0-9_]{8}\.tmp$")  # tempfile.mkstemp(prefix=".NAME.", suffix=".tmp")
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
