"""``release --patch|--minor|--major|--pre NAME`` and ``--package NAME=PART`` (issue 13, part 1).

On the corpus manifests (component 0.9.1 with its lock in step, backend 0.2.1 with its lock
at 0.1.2), in the throw-away repository of tests/test_release.py. Versions follow the
semver library with npm's rule for prereleases; tags are checked before anything is
written or committed.
"""

from __future__ import annotations

import json

import pytest
from conftest import assert_one_line_error, refused, snapshot
from test_release import BACKEND, commit_all, head, record, release, repo, sh  # noqa: F401

from issue_flow.adapters import manifests


def version_of(root, rel: str) -> str:
    return json.loads((root / rel).read_text())["version"]


def lock_fields(root, rel: str) -> tuple[str, str]:
    doc = json.loads((root / rel).read_text())
    return doc["version"], doc["packages"][""]["version"]


@pytest.mark.parametrize(
    "old, part, pre, new",
    [
        ("0.9.1", "patch", None, "0.9.2"),
        ("0.9.1", "minor", None, "0.10.0"),
        ("0.10.6", "minor", None, "0.11.0"),
        ("0.11.0", "major", None, "1.0.0"),
        ("0.9.1+build.5", "patch", None, "0.9.2"),
        ("0.9.2-beta.1", "patch", None, "0.9.2"),  # a preview of 0.9.2 releases as 0.9.2
        ("0.9.2-beta.1", "minor", None, "0.10.0"),
        ("0.10.0-beta.1", "minor", None, "0.10.0"),
        ("0.10.0-beta.1", "patch", None, "0.10.0"),
        ("1.0.0-rc.1", "major", None, "1.0.0"),
        ("1.0.0-rc.1", "minor", None, "1.0.0"),
        ("0.9.1", None, "beta", "0.9.2-beta.1"),
        ("0.9.2-beta.1", None, "beta", "0.9.2-beta.2"),  # --pre again
        ("0.9.2-beta", None, "beta", "0.9.2-beta.1"),
        ("0.9.2-beta.2", None, "rc", "0.9.2-rc.1"),
        ("0.9.1", "minor", "beta", "0.10.0-beta.1"),
        ("0.10.0-beta.2", "minor", "beta", "0.11.0-beta.1"),
        ("0.9.1", "major", "rc", "1.0.0-rc.1"),
    ],
)
def test_bump_rules(old, part, pre, new):
    assert manifests.bump(old, part, pre) == new


@pytest.mark.parametrize(
    "old, part, pre, message",
    [
        ("0.9.2-rc.1", None, "beta", "would go back"),
        ("0.9.1", None, "12", "not a number"),
        ("0.9.1", None, "be.ta", "prerelease name"),
        ("0.9.1", "micro", None, "expected major, minor or patch"),
        ("v0.9.1", "patch", None, "not semver"),
    ],
)
def test_bump_refusals(old, part, pre, message):
    from issue_flow.errors import IssueFlowError

    with pytest.raises(IssueFlowError, match=message):
        manifests.bump(old, part, pre)


def test_minor_release_bumps_both_and_writes_minor_docs(repo):
    before = snapshot(repo)
    res = release(repo, "462", "--minor", "--json")
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["versions"] == "0.10.0 / 0.3.0" and out["kind"] == "minor"
    assert version_of(repo, "package.json") == "0.10.0"
    assert lock_fields(repo, "package-lock.json") == ("0.10.0", "0.10.0")
    assert version_of(repo, f"{BACKEND}/package.json") == "0.3.0"
    assert lock_fields(repo, f"{BACKEND}/package-lock.json") == ("0.3.0", "0.3.0")
    notes = (repo / "docs/releases/v0.10.0/RELEASE-NOTES.md").read_text()
    assert "**Type**: Minor" in notes
    assert "| Patch release          | ✅ 0.10.0 / 0.3.0 |" in (repo / "docs/issues/ISSUE-462/README.md").read_text()
    # the minor release-docs check asks for the full set: the missing ones are reported
    assert "MIGRATION.md" in res.err and "release-docs check, minor" in res.err
    # every other byte of the manifests is kept
    after = snapshot(repo)
    for rel in ("package.json", f"{BACKEND}/package.json"):
        a, b = before[rel].splitlines(), after[rel].splitlines()
        assert [x for x, y in zip(a, b) if x != y] == [l for l in a if b'"version"' in l][:1]


def test_per_package_parts_component_minor_backend_patch(repo):
    res = release(
        repo, "462", "--package", "voice-agent-react=minor", "--package", "voice-agent-backend=patch", "--commit", "--tag"
    )
    assert res.code == 0, res
    assert version_of(repo, "package.json") == "0.10.0"
    assert version_of(repo, f"{BACKEND}/package.json") == "0.2.2"
    assert sh(repo, "tag", "--list") == "v0.10.0\nvoice-agent-backend-v0.2.2"
    assert (repo / "docs/releases/v0.10.0/CHANGELOG.md").is_file()
    assert "0.10.0 / 0.2.2" in sh(repo, "log", "-1", "--format=%s")


def test_a_flag_gives_the_part_of_packages_without_one(repo):
    res = release(repo, "462", "--patch", "--package", "voice-agent-react=minor", "--package", "voice-agent-backend", "--dry-run")
    assert res.code == 0, res
    assert "voice-agent-react 0.9.1 -> 0.10.0  (minor, tag v0.10.0)" in res.out
    assert "voice-agent-backend 0.2.1 -> 0.2.2  (patch, tag voice-agent-backend-v0.2.2)" in res.out


def test_explicit_version(repo):
    res = release(repo, "462", "--package", "voice-agent-backend=0.3.0", "--package", "voice-agent-react=patch", "--dry-run")
    assert res.code == 0, res
    assert "voice-agent-backend 0.2.1 -> 0.3.0" in res.out
    res = refused(repo, lambda: release(repo, "462", "--package", "voice-agent-backend=0.2.0"), 2)
    assert "would go back" in res.err


def test_pre_then_pre_again_then_the_release(repo):
    res = release(repo, "462", "--pre", "beta", "--commit", "--tag")
    assert res.code == 0, res
    assert version_of(repo, "package.json") == "0.9.2-beta.1"
    assert version_of(repo, f"{BACKEND}/package.json") == "0.2.2-beta.1"
    readme = (repo / "docs/issues/ISSUE-462/README.md").read_text()
    assert "| Patch release          | ⬜       |" in readme  # a prerelease leaves the release item open
    assert "Prerelease" in (repo / "docs/releases/v0.9.2-beta.1/RELEASE-NOTES.md").read_text()
    record(repo)
    res = release(repo, "462", "--pre", "beta", "--commit", "--tag")
    assert res.code == 0, res
    assert version_of(repo, "package.json") == "0.9.2-beta.2"
    assert "v0.9.2-beta.2" in sh(repo, "tag", "--list").splitlines()
    record(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag")
    assert res.code == 0, res
    assert version_of(repo, "package.json") == "0.9.2" and version_of(repo, f"{BACKEND}/package.json") == "0.2.2"
    assert "| Patch release          | ✅ 0.9.2 / 0.2.2 |" in (repo / "docs/issues/ISSUE-462/README.md").read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (("--patch", "--minor"), "exclude each other"),
        ((), "--patch, --minor, --major, --pre"),
        (("--pre", "1"), "not a number"),
        (("--package", "voice-agent-react=huge"), "patch, minor, major or a version"),
        (("--patch", "--package", "voice-agent-react=minor", "--package", "package.json=patch"), "named twice"),
        (("--patch", "--draft"), "--draft needs --github-release"),
        (("--patch", "--github-release", "--dry-run"), "--github-release needs the tag"),
    ],
)
def test_bad_parts_are_one_line_errors(repo, args, message):
    res = refused(repo, lambda: release(repo, "462", *args), 2)
    assert message in res.err


def test_an_invalid_tag_is_refused_before_anything_is_written(repo):
    (repo / ".issue-flow.toml").write_text(
        '[[packages]]\nname = "voice-agent-react"\nmanifest = "package.json"\ntag_prefix = "release v"\n'
        '[[packages]]\nname = "voice-agent-backend"\nmanifest = "packages/voice-agent-backend/package.json"\n'
        'tag_prefix = "voice-agent-backend-v"\n'
        '[[gates]]\nname = "lint"\nreport = "reports/eslint.json"\n'
    )
    commit_all(repo, "config")
    record(repo)
    base = head(repo)
    res = refused(repo, lambda: release(repo, "462", "--minor", "--commit", "--tag"), 2)
    assert "'release v0.10.0' is not a valid git tag name" in res.err
    assert head(repo) == base and sh(repo, "tag", "--list") == ""


@pytest.mark.parametrize("tag", ["v0.10.0", "voice-agent-backend-v0.3.0"])
def test_an_existing_tag_is_refused_before_the_commit(repo, tag):
    sh(repo, "tag", tag)
    base = head(repo)
    res = refused(repo, lambda: release(repo, "462", "--minor", "--commit", "--tag"), 2)
    assert tag in res.err and "already exists" in res.err
    assert head(repo) == base


def test_help_has_examples_and_the_parts():
    from conftest import run_cli

    res = run_cli("release", "--help")
    assert res.code == 0
    for text in ("--minor", "--major", "--pre NAME", "NAME[=PART]", "voice-agent-react=minor", "--github-release", "Examples"):
        assert text in res.out, text


def test_tags_read_from_git_agree_with_git(repo):
    from issue_flow.workflows.release_versions import local_tags

    sh(repo, "tag", "v0.9.1")
    sh(repo, "tag", "-a", "voice-agent-backend-v0.2.1", "-m", "x")
    sh(repo, "tag", "nested/v1")
    names = ["v0.9.1", "voice-agent-backend-v0.2.1", "nested/v1", "v0.9.2", "voice-agent-backend-v0.2.2"]
    loose = local_tags(repo, names)
    sh(repo, "pack-refs", "--all")
    packed = local_tags(repo, names)
    assert loose == packed == {"v0.9.1", "voice-agent-backend-v0.2.1", "nested/v1"}
    refused(repo, lambda: release(repo, "462", "--package", "voice-agent-backend=0.2.1"), 2)  # not greater
    sh(repo, "tag", "v0.10.0")
    sh(repo, "pack-refs", "--all")
    res = refused(repo, lambda: release(repo, "462", "--minor"), 2)
    assert "tag v0.10.0 already exists" in res.err
