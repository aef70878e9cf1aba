"""Every writer of the release path goes through the one plan executor.

``release``, ``gate``, ``ci record`` and ``ci update``: ``--dry-run`` shows every action
(gate records, gate runs with their logs, file writes, the commit, each tag) and changes
nothing; ``--json`` is the plan as data, then the result; a release interrupted after its
file writes is finished by a rerun, with one commit and its tags.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import run_cli, snapshot
from test_release import head, release, repo, sh  # noqa: F401  (the fixture, and its helpers)

TAGS = ("v0.9.2", "voice-agent-backend-v0.2.2")


def results_file(root: Path) -> Path:
    return root / ".issue-flow" / "results" / f"{head(root)}.json"


def add_run_gate(root: Path) -> None:
    """A fourth gate with a command and no report: ``gate --run`` runs it."""
    cmd = f"{sys.executable} -c \"print('1 passed in 0.01s')\""
    (root / ".issue-flow.toml").write_text(
        '[[gates]]\nname = "lint"\nreport = "reports/eslint.json"\nformat = "eslint"\n\n'
        f"[[gates]]\nname = \"unit\"\ncommand = {json.dumps(cmd)}\n"
    )
    sh(root, "add", "-A")
    sh(root, "commit", "-qm", "gates")


def test_release_dry_run_shows_records_writes_commit_and_each_tag(repo):
    sh(repo, "commit", "-q", "--allow-empty", "-m", "next")  # the reports are not recorded for this HEAD yet
    before = snapshot(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag", "--record", "--dry-run")
    assert res.code == 0, res
    sha = head(repo)
    lines = res.out.splitlines()
    record = next(i for i, ln in enumerate(lines) if ln.startswith("record gate results"))
    assert f"for {sha[:12]} in .issue-flow/results/{sha}.json" in lines[record]
    assert "lint, test:mock, proxy-integration" in lines[record]
    assert "edit package.json  (patch release)" in res.out
    commit = next(i for i, ln in enumerate(lines) if ln.startswith("call git commit 7 files: 'chore: release"))
    tags = [i for i, ln in enumerate(lines) if ln.startswith("call git tag ")]
    assert record < commit < tags[0] < tags[1]
    assert [lines[i].split()[3] for i in tags] == list(TAGS)
    assert snapshot(repo) == before and head(repo) == sha and sh(repo, "tag", "--list") == ""


def test_release_json_is_the_plan_then_the_result(repo):
    res = release(repo, "462", "--patch", "--commit", "--tag", "--json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert list(doc)[0] == "plan"
    kinds = [a["action"] for a in doc["plan"]]
    assert kinds == ["write"] * 7 + ["git-commit", "git-tag", "git-tag"]
    assert all(a["status"] == "done" for a in doc["plan"])
    assert [a["name"] for a in doc["plan"] if a["action"] == "git-tag"] == list(TAGS)
    assert doc["commit"] == head(repo) and doc["tags"] == list(TAGS) and doc["released"] is True
    dry = json.loads(release(repo, "462", "--patch", "--dry-run", "--json").out)
    assert dry["plan"] == [] and dry["already_released"] is True


def test_release_interrupted_at_its_tags_is_finished_by_a_rerun(repo):
    hook = repo / ".git" / "hooks" / "reference-transaction"
    hook.write_text('#!/bin/sh\n[ "$1" = prepared ] || exit 0\nif grep -q " refs/tags/"; then echo "no tags today" >&2; exit 1; fi\n')
    hook.chmod(0o755)
    base = head(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag")
    assert res.code == 2, res
    err = res.err.strip()
    assert len(err.splitlines()) == 1 and "tag v0.9.2" in err
    assert "done: 7 files written, commit of 7 files" in err and "not done: tag v0.9.2, tag voice-agent-backend-v0.2.2" in err
    assert sh(repo, "rev-parse", "HEAD^") == base and sh(repo, "tag", "--list") == ""
    hook.unlink()
    again = release(repo, "462", "--patch", "--commit", "--tag")
    assert again.code == 0, again
    assert sh(repo, "log", "--format=%s").count("chore: release") == 1  # exactly one commit, no duplicate
    assert sh(repo, "rev-parse", "HEAD^") == base
    for tag in TAGS:
        assert sh(repo, "rev-parse", f"{tag}^{{commit}}") == head(repo)
    assert "tagged v0.9.2, voice-agent-backend-v0.2.2" in again.out


def test_gate_run_record_dry_run_shows_runs_logs_and_records(repo):
    add_run_gate(repo)
    before = snapshot(repo)
    sha = head(repo)
    res = run_cli("gate", "--run", "--record", "--dry-run", cwd=repo)
    assert res.code == 0, res
    assert f"record gate results lint for {sha[:12]} in .issue-flow/results/{sha}.json" in res.out
    assert "run gate unit:" in res.out and "print('1 passed in 0.01s')" in res.out
    assert f"write .issue-flow/logs/unit-{sha[:12]}.log" in res.out
    assert snapshot(repo) == before  # no record, no log, no run


def test_gate_json_with_run_and_record_is_the_plan_then_the_results(repo):
    add_run_gate(repo)
    res = run_cli("gate", "--run", "--record", "--json", cwd=repo)
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert list(doc)[0] == "plan"
    assert [(a["action"], a["status"]) for a in doc["plan"]] == [("gate-record", "done"), ("gate-run", "done")]
    assert doc["plan"][1]["log"] == f".issue-flow/logs/unit-{head(repo)[:12]}.log"
    assert {g["name"]: g["status"] for g in doc["gates"]} == {"lint": "pass", "unit": "pass"}
    saved = json.loads(results_file(repo).read_text())
    assert set(saved) == {"lint", "unit"} and saved["unit"]["tests"] == 1
    assert (repo / doc["plan"][1]["log"]).read_text().strip() == "1 passed in 0.01s"


def test_ci_record_json_is_the_plan_then_the_result(repo):
    sh(repo, "commit", "-q", "--allow-empty", "-m", "next")
    res = run_cli("ci", "record", "--json", cwd=repo)
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert list(doc)[0] == "plan"
    assert [(a["action"], a["status"]) for a in doc["plan"]] == [("gate-record", "done")]
    assert doc["plan"][0]["gates"] == ["lint", "test:mock", "proxy-integration"]
    assert doc["recorded"] is True and set(json.loads(results_file(repo).read_text())) == set(doc["plan"][0]["gates"])
    dry = json.loads(run_cli("ci", "record", "--json", "--dry-run", cwd=repo).out)
    assert [(a["action"], a["status"]) for a in dry["plan"]] == [("gate-record", "already done")] or dry["plan"][0]["status"] == "planned"


def test_ci_update_json_is_the_plan_then_the_result(repo):
    (repo / ".issue-flow.toml").write_text('[[gates]]\nname = "lint"\nreport = "reports/eslint.json"\nformat = "eslint"\n')
    tracking = repo / "docs" / "issues" / "ISSUE-462" / "TRACKING.md"
    if not tracking.exists():
        tracking.write_text("# Tracking\n\n| Step | Status |\n|---|---|\n| npm run lint | ⬜ |\n")
    else:
        tracking.write_text(tracking.read_text() + "\n| Step | Status |\n|---|---|\n| npm run lint | ⬜ |\n")
    sh(repo, "add", "-A")
    sh(repo, "commit", "-qm", "tracking")
    assert run_cli("ci", "record", cwd=repo).code == 0
    res = run_cli("ci", "update", "462", "--json", cwd=repo)
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert list(doc)[0] == "plan"
    assert [(a["action"], a["path"], a["status"]) for a in doc["plan"]] == [("write", "docs/issues/ISSUE-462/TRACKING.md", "done")]
    assert "✅ lint passed" in tracking.read_text()
