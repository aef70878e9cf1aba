"""The release workflow's steps run twice (issue 13, part 6): the second run publishes nothing.

The job of tests/test_release_workflow.py (its runner emulation, the GitHub test server,
verdaccio on 127.0.0.1) runs on the bug #470 scenario, then again on the same checkout, as a
rerun of the workflow would: the release is found made, the GitHub Release found, both
versions found on the registry, so nothing is published, created or posted twice.
"""

from __future__ import annotations

import pytest
from test_release_workflow import assert_green, local_registry, run_release_job, run_scenario


@pytest.fixture(scope="module")
def twice(tmp_path_factory, registry_pool):
    with local_registry(registry_pool) as registry:
        if registry is None:
            pytest.skip("no local npm registry (.ci/run installs verdaccio)")
        sc = run_scenario(tmp_path_factory.mktemp("publish-twice"), "470", registry=registry)
        try:
            first = {
                "tarballs": registry.tarballs(),
                "releases": sc.server.releases(),
                "writes": [(r.method, r.path) for r in sc.server.requests if r.method != "GET"],
            }
            sc.server.clear_log()
            again = run_release_job(sc.workspace, sc.base / "runner-2", sc.base / "home-2", sc.server,
                                    {"issue": "470"}, sc.not_run, registry)
            yield sc, first, again, registry
        finally:
            sc.server.stop()


def test_the_first_run_publishes_both_packages(twice):
    sc, first, _, registry = twice
    assert_green(sc.job)
    assert first["tarballs"] == [
        "@signal-meaning/voice-agent-backend/voice-agent-backend-0.2.2.tgz",
        "@signal-meaning/voice-agent-react/voice-agent-react-0.9.2.tgz",
    ]
    assert sc.job.step("Published").code == 0
    assert [r["tag_name"] for r in first["releases"]] == ["v0.9.2"]


def test_a_rerun_publishes_creates_and_posts_nothing(twice):
    sc, first, again, registry = twice
    assert_green(again)
    assert registry.tarballs() == first["tarballs"]  # nothing published twice
    assert registry.versions("@signal-meaning/voice-agent-react") == ["0.9.2"]
    assert registry.versions("@signal-meaning/voice-agent-backend") == ["0.2.2"]
    assert "every released version is on the registry already" in again.step("Publish").log
    assert "already released" in again.step("Release").log
    assert sc.server.releases() == first["releases"]  # the GitHub Release found, not made again
    assert [(r.method, r.path) for r in sc.server.requests if r.method != "GET"] == []  # no write at all
    assert again.step("Published").code == 0
