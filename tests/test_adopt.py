"""Adopting issue-flow as it is, in a repository shaped like the real one (issue 14).

The repository (tests/adopt_fakes.py): ``lint`` is ``eslint src --ext .ts,.tsx``, ``test`` and
``test:mock`` are plain ``jest``, an integration test file, no jest-junit, no pyproject.toml,
a workflow whose jobs are "Jest Tests (Unit & Integration)" and "Publish Package". ``init``,
``gate --run`` (with counts for each gate) and ``release --patch --commit --tag`` work
without a change to any of its files.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from adopt_fakes import COMPONENT, git, make_npm_repo
from conftest import assert_one_line_error, run_cli, require_tools



@pytest.fixture(autouse=True)
def _node_and_npm():
    """node and npm run the repository's own scripts (absent: skipped here, a failure in CI)."""
    require_tools("node", "npm")

JOB = "Jest Tests (Unit & Integration)"
OFFLINE = {"GITHUB_TOKEN": None, "GH_TOKEN": None, "GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}


def tracked(root: Path) -> dict[str, bytes]:
    """The bytes of every file git tracks (the repository's own files)."""
    return {p: (root / p).read_bytes() for p in git(root, "ls-files").splitlines()}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch):
    from adopt_fakes import git_env

    for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(key, git_env()[key])


@pytest.fixture
def npm_repo(tmp_path) -> Path:
    root = make_npm_repo(tmp_path / "dg_react_agent")
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "component 0.9.1, backend 0.2.1")
    return root


def cli(root: Path, *args: str):
    return run_cli(*args, cwd=root, env=OFFLINE)


def gate_rows(out: str) -> dict[str, list[str]]:
    return {ln.split()[0]: ln.split() for ln in out.splitlines() if ln.split() and ln.split()[0] in ("lint", "test:mock", "integration")}


# --------------------------------------------------------------------------- init


def test_init_proposes_the_repositorys_own_gates_and_checks(npm_repo):
    before = tracked(npm_repo)
    res = cli(npm_repo, "init")
    assert res.code == 0, res
    assert tracked(npm_repo) == before  # only .issue-flow.toml is new
    assert git(npm_repo, "status", "--porcelain") == "?? .issue-flow.toml"
    text = (npm_repo / ".issue-flow.toml").read_text()
    from issue_flow.config import load_config

    cfg = load_config(npm_repo)
    assert cfg.repository == "acme/widgets"
    assert [(g.name, g.command, g.check, g.report) for g in cfg.gates] == [
        ("lint", "npm run lint", None, None),
        ("test:mock", "npm run test:mock", JOB, None),
        ("integration", "npx jest tests/integration", JOB, None),
    ]
    assert [(p.name, p.manifest, p.tag_prefix) for p in cfg.packages] == [
        ("voice-agent-react", "package.json", "v"),
        ("voice-agent-backend", "packages/voice-agent-backend/package.json", "voice-agent-backend-v"),
    ]
    assert "proxy-integration" not in text and "openai-proxy-integration.test.ts" not in text
    # a comment on every key, and the job names for the gate that has no check
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            assert " # " in line, f"no comment on {line!r}"
    assert f'jobs found: "{JOB}", "Publish Package"' in text
    assert "asked for -f json -o under .issue-flow/reports/" in text
    assert "asked for --json --outputFile under .issue-flow/reports/" in text
    assert res.out.strip().splitlines()[-1].startswith("next: review .issue-flow.toml, commit it")
    assert "issue-flow gate --run" in res.out
    again = cli(npm_repo, "init")
    assert again.code == 0 and again.out.strip() == ".issue-flow.toml is up to date"


def test_init_finds_an_integration_script_and_yarn(tmp_path, monkeypatch):
    from issue_flow.commands.init import propose_gates

    root = make_npm_repo(tmp_path / "r")
    doc = json.loads((root / "package.json").read_text())
    doc["scripts"] = {"lint": "eslint .", "test": "jest", "test:integration": "jest -c jest.integration.js"}
    (root / "package.json").write_text(json.dumps(doc))
    (root / "yarn.lock").write_text("")
    shutil.rmtree(root / ".github")
    got = [(p.name, p.command, p.check) for p in propose_gates(root)]
    assert got == [("lint", "yarn lint", None), ("test", "yarn test", None), ("test:integration", "yarn test:integration", None)]


def test_init_reads_job_names_not_step_names(tmp_path):
    from issue_flow.commands.init import workflow_jobs

    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "name: CI\non: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Lint step\n"
        "        run: npm run lint\n        with:\n          name: artifact\n"
        "  unit:\n    name: 'Unit tests'  \n    runs-on: ubuntu-latest\n"
        "  matrix:\n    name: tests (${{ matrix.node }})\n    runs-on: ubuntu-latest\n"
        "env:\n  name: not a job\n"
    )
    assert workflow_jobs(tmp_path) == ["lint", "Unit tests"]


# --------------------------------------------------------------------------- gate --run


def test_gate_run_counts_every_gate_from_the_repositorys_own_scripts(npm_repo):
    assert cli(npm_repo, "init").code == 0
    git(npm_repo, "add", ".issue-flow.toml")
    git(npm_repo, "commit", "-q", "-m", "issue-flow configuration")
    before = tracked(npm_repo)
    head = git(npm_repo, "rev-parse", "HEAD")
    res = cli(npm_repo, "gate", "--run")
    assert res.code == 0, res
    rows = gate_rows(res.out)
    assert rows["lint"][1:5] == ["pass", "tests=2", "failures=0", "skipped=0"]  # two files checked
    assert rows["test:mock"][1:5] == ["pass", "tests=5", "failures=0", "skipped=0"]
    assert rows["integration"][1:5] == ["pass", "tests=2", "failures=0", "skipped=0"]
    # progress on stderr: each gate's command (with the arguments issue-flow added) and its end
    assert f"lint: npm run lint -- -f json -o .issue-flow/reports/lint-{head[:12]}.json" in res.err
    assert f"test:mock: npm run test:mock -- --json --outputFile=.issue-flow/reports/test_mock-{head[:12]}.json" in res.err
    assert f"integration: npx jest tests/integration --json --outputFile=.issue-flow/reports/integration-{head[:12]}.json" in res.err
    assert re.search(r"^test:mock: pass in \d+\.\ds \(5 tests, 0 failures\)$", res.err, re.MULTILINE), res.err
    recorded = json.loads((npm_repo / ".issue-flow" / "results" / f"{head}.json").read_text())
    assert {k: (v["format"], v["suites"]) for k, v in recorded.items()} == {
        "lint": ("eslint", 2), "test:mock": ("jest-json", 2), "integration": ("jest-json", 1),
    }
    # nothing of the repository changed, and git sees nothing new
    assert tracked(npm_repo) == before
    assert git(npm_repo, "status", "--porcelain") == ""
    assert (npm_repo / "package.json").read_text() == json.dumps(COMPONENT, indent=2) + "\n"


def test_failing_gates_name_what_failed_and_show_the_log(tmp_path):
    root = make_npm_repo(tmp_path / "r", lint_error=True, failing_test=True)
    git(root, "init", "-q", "-b", "main")
    assert cli(root, "init").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "x")
    res = cli(root, "gate", "--run")
    assert res.code == 1
    rows = gate_rows(res.out)
    assert rows["lint"][1:4] == ["fail", "tests=2", "failures=1"]
    assert rows["test:mock"][1:4] == ["fail", "tests=5", "failures=1"]
    assert rows["integration"][1] == "pass"
    assert f"    failed: {root / 'src' / 'index.ts'}" in res.out.splitlines()
    assert "    failed: VoiceAgent retries on 502" in res.out.splitlines()
    assert "  | Tests:       1 failed, 4 passed, 5 total" in res.err.splitlines()  # the log's last lines
    assert "gates not passing" in res.err


def test_a_recorded_failure_is_not_final(npm_repo):
    assert cli(npm_repo, "init").code == 0
    git(npm_repo, "add", "-A")
    git(npm_repo, "commit", "-q", "-m", "config")
    bin_dir = npm_repo / "node_modules" / ".bin"
    eslint = (bin_dir / "eslint").read_bytes()
    (bin_dir / "eslint").unlink()  # dependencies not installed
    res = cli(npm_repo, "gate", "--run")
    assert res.code == 1
    lint = " ".join(gate_rows(res.out)["lint"])
    assert "command not found: eslint — are the dependencies installed?" in lint
    assert "sh: 1: eslint: not found" in res.err
    (bin_dir / "eslint").write_bytes(eslint)
    (bin_dir / "eslint").chmod(0o755)
    assert cli(npm_repo, "gate", "--run").code == 1  # recorded: still the failure
    res = cli(npm_repo, "gate", "--rerun", "lint")
    assert res.code == 0, res
    assert gate_rows(res.out)["lint"][1:3] == ["pass", "tests=2"]
    assert "test:mock: npm run" not in res.err  # only lint ran again


def test_summary_lines_of_real_runners(npm_repo):
    """node's own test runner and pytest, as they are: counts from their closing lines."""
    (npm_repo / "node-tests").mkdir()
    (npm_repo / "node-tests" / "math.test.mjs").write_text(
        "import test from 'node:test';\nimport assert from 'node:assert';\n"
        "test('adds', () => assert.equal(1 + 1, 2));\ntest('subtracts', () => assert.equal(2 - 1, 1));\n"
        "test('later', { skip: true }, () => {});\n"
    )
    (npm_repo / "pytests").mkdir()
    (npm_repo / "pytests" / "test_x.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    assert 1 == 2\n")
    py = sys.executable
    (npm_repo / ".issue-flow.toml").write_text(
        '[[gates]]\nname = "node"\ncommand = "node --test node-tests/math.test.mjs"\n\n'
        f'[[gates]]\nname = "pytest"\ncommand = "{py} -m pytest -q -p no:cacheprovider pytests"\n'
    )
    res = cli(npm_repo, "gate", "--run", "--json")
    assert res.code == 1
    doc = {g["name"]: g for g in json.loads(res.out)["gates"]}
    assert (doc["node"]["status"], doc["node"]["tests"], doc["node"]["failures"], doc["node"]["skipped"]) == ("pass", 3, 0, 1)
    assert (doc["pytest"]["status"], doc["pytest"]["tests"], doc["pytest"]["failures"]) == ("fail", 2, 1)


# --------------------------------------------------------------------------- release


def test_release_without_editing_the_repositorys_files(npm_repo):
    assert cli(npm_repo, "init").code == 0
    res = cli(npm_repo, "new", "470", "--kind", "bug", "--offline", "--title", "session.update race")
    assert res.code == 0, res
    for label in ("Root cause identified", "Failing test", "Fix implemented", "No regression", "Docs updated"):
        assert cli(npm_repo, "check", "470", label).code == 0
    # the configuration and the folder are not committed yet: refused, naming them
    res = cli(npm_repo, "release", "470", "--patch", "--commit", "--tag")
    assert_one_line_error(res)
    assert "uncommitted changes (.issue-flow.toml, docs/)" in res.err
    git(npm_repo, "add", "-A")
    git(npm_repo, "commit", "-q", "-m", "issue-flow configuration; docs/issues/ISSUE-470")
    gates = cli(npm_repo, "gate", "--run")
    assert gates.code == 0, gates
    assert git(npm_repo, "status", "--porcelain") == ""  # reports and logs are not the repository's
    start = git(npm_repo, "rev-parse", "HEAD")
    res = cli(npm_repo, "release", "470", "--patch", "--commit", "--tag")
    assert res.code == 0, res
    assert "released 0.9.2 / 0.2.2 for #470" in res.out
    assert set(git(npm_repo, "tag", "--list").split()) == {"v0.9.2", "voice-agent-backend-v0.2.2"}
    changed = set(git(npm_repo, "diff", "--name-only", start, "HEAD").splitlines())
    assert changed == {
        "package.json", "package-lock.json",
        "packages/voice-agent-backend/package.json", "packages/voice-agent-backend/package-lock.json",
        "docs/issues/ISSUE-470/README.md",
        "docs/releases/v0.9.2/CHANGELOG.md", "docs/releases/v0.9.2/RELEASE-NOTES.md",
    }
    scripts = json.loads(git(npm_repo, "show", "HEAD:package.json"))["scripts"]
    assert scripts == COMPONENT["scripts"]  # package.json: the version changed, nothing else
    assert git(npm_repo, "status", "--porcelain") == ""


def test_dirty_tree_refusal_names_at_most_five_files(npm_repo):
    from issue_flow.adapters import git as g
    from issue_flow.errors import IssueFlowError

    g.require_clean(npm_repo)
    (npm_repo / ".issue-flow" / "logs").mkdir(parents=True)
    (npm_repo / ".issue-flow" / "logs" / "x.log").write_text("issue-flow's own: not counted")
    (npm_repo / "src" / "index.ts").write_text("changed\n")
    for i in range(6):
        (npm_repo / f"n{i}.txt").write_text("x")
    assert g.dirty_paths(npm_repo)[:2] == ["src/index.ts", "n0.txt"]
    with pytest.raises(IssueFlowError) as exc:
        g.require_clean(npm_repo)
    assert exc.value.message == ("the working tree has uncommitted changes (src/index.ts, n0.txt, n1.txt, n2.txt, n3.txt "
                                 "and 2 more): commit or stash them first (git status)")
