"""The release workflow's other scenarios, run by the runner emulation of
tests/test_release_workflow.py (the GitHub test server, verdaccio on 127.0.0.1): a follow-up
#462 of #459 released and left open with a notice (its follow-up comes after the release),
a failing gate that stops the job before anything is released, and the ``packages`` input.

They are a module of their own so that they run beside the bug #470 scenario (and its rerun)
of tests/test_release_workflow.py, on another worker, rather than after it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from test_release_workflow import (  # noqa: F401  (_node_and_npm: an autouse fixture, here too)
    BACKEND,
    RELEASED_MARK,
    _node_and_npm,
    assert_green,
    expected_ran,
    git,
    load_workflow,
    local_registry,
    run_scenario,
    writes,
)
from verdaccio import Registry


def publish_backend_first(registry: Registry | None):
    """The backend's 0.2.2 is on the registry before the job (another workflow published it)."""

    def before(workspace: Path) -> None:
        if registry is None:
            return
        folder = workspace.parent / "published-elsewhere"
        shutil.copytree(workspace / BACKEND, folder)
        doc = json.loads((folder / "package.json").read_text())
        (folder / "package.json").write_text(json.dumps(dict(doc, version="0.2.2")))
        res = registry.publish(folder)
        assert res.returncode == 0, res
        shutil.rmtree(folder)

    return before


@pytest.fixture(scope="module")
def follow_up(tmp_path_factory, registry_pool):
    with local_registry(registry_pool) as registry:
        sc = run_scenario(tmp_path_factory.mktemp("release-follow-up"), "462", registry=registry,
                          before=publish_backend_first(registry))
        yield sc
        sc.server.stop()


def test_a_follow_up_is_released_and_left_open_with_a_notice(follow_up):
    job = follow_up.job
    assert_green(job)  # never red once the tags are pushed
    assert job.ran == expected_ran(follow_up)
    last = job.step("Close or notice")
    assert last.outputs == {"closed": "false"}
    notices = [ln for ln in last.log.splitlines() if ln.startswith("::notice::")]
    assert len(notices) == 1 and notices[0].startswith("::notice::#462 released in 0.9.2 / 0.2.2 and left open: ")
    assert "Follow up" in notices[0], notices[0]
    assert "::error::" not in job.logs
    server = follow_up.server
    assert server.issue(462)["state"] == "open"
    (posted,) = server.comments(462)
    assert posted["body"].startswith("Released in 0.9.2 / 0.2.2.\n\nThis issue stays open: ")
    assert "`issue-flow close 462` closes it" in posted["body"] and RELEASED_MARK.format(n=462) in posted["body"]
    assert server.comments(459) == [] and server.issue(459)["state"] == "open"
    assert set(git(follow_up.origin, "tag", "--list").split()) == {"v0.9.2", "voice-agent-backend-v0.2.2"}
    assert git(follow_up.origin, "log", "-1", "--format=%s", "main") == "chore: release 0.9.2 / 0.2.2 (#462)"
    assert writes(server)[-1] == ("POST", "/repos/acme/widgets/issues/462/comments")


def test_only_what_is_not_on_the_registry_is_published(follow_up):
    if "Publish" in follow_up.not_run:
        pytest.skip(follow_up.not_run["Publish"])
    log = follow_up.job.step("Publish").log
    assert "@signal-meaning/voice-agent-backend@0.2.2 is on the registry already" in log
    assert "+ @signal-meaning/voice-agent-react@0.9.2" in log
    assert "+ @signal-meaning/voice-agent-backend" not in log
    assert follow_up.registry.versions("@signal-meaning/voice-agent-react") == ["0.9.2"]
    assert follow_up.job.step("Published").code == 0


def test_the_follow_up_is_closed_after_its_follow_up(follow_up, tmp_path):
    """After the maintainer follows up: tick it, and close finishes the job (pointer on #459)."""
    ws = follow_up.workspace
    env = {"GITHUB_TOKEN": follow_up.server.token, "GH_TOKEN": None, "GITHUB_API_URL": follow_up.server.url,
           "GITHUB_REPOSITORY": follow_up.server.repo, "GITHUB_ACTIONS": None}
    assert run_cli("check", "462", "Follow up", cwd=ws, env=env).code == 0
    res = run_cli("close", "462", cwd=ws, env=env)
    assert res.code == 0, res
    assert follow_up.server.issue(462)["state"] == "closed"
    assert follow_up.server.comments(459)[0]["body"].startswith("Resolved by #462 in v0.9.2 / 0.2.2")


def test_the_notice_step_posts_the_release_once(follow_up):
    """A rerun of the last step finds its comment (hidden marker) and posts nothing more."""
    last = follow_up.job.step("Close or notice")
    before = len(follow_up.server.comments(462))
    wf = load_workflow()
    env = dict(os.environ, GITHUB_API_URL=follow_up.server.url, GITHUB_REPOSITORY=follow_up.server.repo,
               GITHUB_TOKEN=follow_up.server.token, ISSUE="462", VERSIONS="0.9.2 / 0.2.2", CLOSE_REASON="x")
    script = last.script
    post = script[script.index("python - <<'POST'"):script.index("POST\n", script.index("<<'POST'") + 10) + 5]
    post = post.replace(' || echo "::warning::#$ISSUE: posting the release on the issue failed"', "")
    proc = subprocess.run(["bash", "-c", post], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc
    assert len(follow_up.server.comments(462)) == before
    assert wf["jobs"]["release"]["steps"][-1]["name"] == "Close or notice"  # the last step


# --------------------------------------------------------------------------- a failing gate


def test_failing_gate_stops_the_job_before_anything_is_released(tmp_path):
    sc = run_scenario(tmp_path, "470", failing_test=True)
    try:
        job = sc.job
        gates = job.step("Gates")
        assert gates.code == 1, gates.log
        assert job.ran == ["Gates"]
        sha = sc.start[:12]
        errors = [ln for ln in gates.log.splitlines() if ln.startswith("::error::")]
        assert errors == [f"::error::gates not passing for {sha}: test:mock fail"], gates.log
        assert re.search(r"^test:mock\s+fail\s+tests=5\s+failures=1", gates.log, re.MULTILINE), gates.log
        assert "    failed: VoiceAgent retries on 502" in gates.log.splitlines(), gates.log
        assert "  | Tests:       1 failed, 4 passed, 5 total" in gates.log.splitlines()  # the log's tail
        assert git(sc.workspace, "rev-parse", "HEAD") == sc.start == git(sc.origin, "rev-parse", "main")
        assert git(sc.workspace, "tag", "--list") == "" and git(sc.origin, "tag", "--list") == ""
        assert git(sc.workspace, "status", "--porcelain") == ""
        assert not (sc.workspace / "docs" / "releases").exists()
        assert all(s.outputs == {} for s in job.steps)
        assert writes(sc.server) == []
        assert sc.server.issue(470)["state"] == "open" and sc.server.comments(470) == []
    finally:
        sc.server.stop()


# --------------------------------------------------------------------------- the packages input


def test_packages_input_releases_only_those(tmp_path):
    sc = run_scenario(tmp_path, "470", packages="voice-agent-backend")
    try:
        job = sc.job
        assert_green(job)
        assert job.ran == expected_ran(sc)
        assert job.step("Release").outputs == {
            "versions": "0.2.2", "version-voice-agent-backend": "0.2.2",
            "tag-voice-agent-backend": "voice-agent-backend-v0.2.2", "released": "true",
        }
        assert git(sc.origin, "tag", "--list") == "voice-agent-backend-v0.2.2"
        assert '"version": "0.9.1"' in git(sc.origin, "show", "main:package.json")
        assert sc.server.issue(470)["state_reason"] == "completed"
    finally:
        sc.server.stop()

