"""``issue-flow release N --patch``: gated, surgical, one plan (releasing.py, commands/release.py).

Every test builds a throw-away git repository holding copies of the corpus manifests
(component 0.9.1 with its lock in step; backend 0.2.1 with its lock still at 0.1.2), the
corpus folders ISSUE-462 and ISSUE-459, and gate reports for HEAD recorded with
``gate_results.record_from_reports``, committed so the tree is clean.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import (
    assert_one_line_error,
    copy_tree,
    refused,
    run_cli,
    run_process,
    snapshot,
)

from issue_flow.workflows import gate_results
from issue_flow.workflows import release_docs as releasedocs
from issue_flow.config import load_config

EPOCH = 1771329600  # 2026-02-17 12:00 UTC
DATE = dt.datetime.fromtimestamp(EPOCH, dt.timezone.utc).date().isoformat()
BACKEND = "packages/voice-agent-backend"
# every file a release of #462 writes: manifests, locks, the issue README, the release docs
RELEASED_FILES = {
    "package.json",
    "package-lock.json",
    f"{BACKEND}/package.json",
    f"{BACKEND}/package-lock.json",
    "docs/issues/ISSUE-462/README.md",
    "docs/releases/v0.9.2/CHANGELOG.md",
    "docs/releases/v0.9.2/RELEASE-NOTES.md",
}

JUNIT_PASS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="jest tests" tests="2" failures="0" errors="0" time="1.5">'
    '<testsuite name="p" tests="2" time="1.5"><testcase classname="p" name="a"/><testcase classname="p" name="b"/>'
    "</testsuite></testsuites>\n"
)
JUNIT_FAIL = JUNIT_PASS.replace('<testcase classname="p" name="b"/>', '<testcase classname="p" name="b"><failure>x</failure></testcase>')
ESLINT_OK = json.dumps([{"filePath": "/r/src/a.ts", "messages": [], "errorCount": 0, "warningCount": 0}])
REPORTS = {
    "reports/eslint.json": ESLINT_OK,
    "reports/junit-test-mock.xml": JUNIT_PASS,
    "reports/junit-proxy-integration.xml": JUNIT_PASS,
}
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<testsuites><testsuite name="&lol9;"><testcase name="x"/></testsuite></testsuites>\n'
)


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def head(root: Path) -> str:
    return sh(root, "rev-parse", "HEAD")


def commit_all(root: Path, msg: str) -> str:
    sh(root, "add", "-A")
    sh(root, "commit", "-q", "-m", msg)
    return head(root)


def record(root: Path) -> dict:
    return gate_results.record_from_reports(load_config(root), head(root))


def write_reports(root: Path, reports: dict[str, str]) -> None:
    for rel, text in reports.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def repo(corpus, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    for var in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "repo"
    (root / BACKEND).mkdir(parents=True)
    for rel in ("package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json"):
        shutil.copyfile(corpus / rel, root / rel)
    for n in (459, 462):
        copy_tree(corpus / "docs" / "issues" / f"ISSUE-{n}", root / "docs" / "issues" / f"ISSUE-{n}")
    write_reports(root, REPORTS)
    sh(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"), ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
        sh(root, "config", key, value)
    commit_all(root, "corpus")
    assert set(record(root)) == {"lint", "test:mock", "proxy-integration"}
    return root


def release(root: Path, *args: str, env: dict | None = None):
    return run_cli("release", *args, cwd=root, env=env)


def changed_lines(a: bytes, b: bytes) -> list[tuple[bytes, bytes]]:
    la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
    assert len(la) == len(lb), "line count changed"
    return [(x, y) for x, y in zip(la, lb) if x != y]


def version_counts(data: bytes) -> collections.Counter:
    return collections.Counter(re.findall(rb'"version"\s*:\s*"([^"]*)"', data))


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


# --------------------------------------------------------------------------- the release


def test_release_462_patch(repo, corpus):
    before = snapshot(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    after = snapshot(repo)
    assert changed_files(before, after) == RELEASED_FILES

    # component: package.json and exactly the two version fields of the 549 KB lock
    assert changed_lines(before["package.json"], after["package.json"]) == [(b'  "version": "0.9.1",\n', b'  "version": "0.9.2",\n')]
    lock_a, lock_b = before["package-lock.json"], after["package-lock.json"]
    assert len(lock_a) > 500_000 and len(lock_a) == len(lock_b)
    assert changed_lines(lock_a, lock_b) == [
        (b'  "version": "0.9.1",\n', b'  "version": "0.9.2",\n'),
        (b'      "version": "0.9.1",\n', b'      "version": "0.9.2",\n'),
    ]
    first = lock_a.index(b'"0.9.1"')
    second = lock_a.index(b'"0.9.1"', first + 1)
    assert [i for i in range(len(lock_a)) if lock_a[i] != lock_b[i]] == [first + 5, second + 5]
    ca, cb = version_counts(lock_a), version_counts(lock_b)
    assert cb[b"0.9.2"] == ca[b"0.9.2"] + 2 and cb[b"0.9.1"] == ca[b"0.9.1"] - 2 == 0
    # dependencies that share the backend's old versions (0.2.1, 0.1.2) are untouched
    assert ca[b"0.2.1"] == cb[b"0.2.1"] >= 1 and ca[b"0.1.2"] == cb[b"0.1.2"] >= 1

    # backend: 0.2.1 -> 0.2.2, its lock 0.1.2 -> 0.2.2 (and reported)
    bm_a, bm_b = before[f"{BACKEND}/package.json"], after[f"{BACKEND}/package.json"]
    assert changed_lines(bm_a, bm_b) == [(b'  "version": "0.2.1",\n', b'  "version": "0.2.2",\n')]
    bl = changed_lines(before[f"{BACKEND}/package-lock.json"], after[f"{BACKEND}/package-lock.json"])
    assert [(x.strip(), y.strip()) for x, y in bl] == [(b'"version": "0.1.2",', b'"version": "0.2.2",')] * 2
    assert f"{BACKEND}/package-lock.json said 0.1.2; now 0.2.2" in res.out
    assert "package-lock.json said 0.9.1" not in res.out  # the root lock was in step

    # the release item of ISSUE-462: checklist line and status row, nothing else
    readme = changed_lines(before["docs/issues/ISSUE-462/README.md"], after["docs/issues/ISSUE-462/README.md"])
    assert [(x.decode(), y.decode()) for x, y in readme] == [
        ("- [ ] Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.\n", "- [x] Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.\n"),
        ("| Patch release          | ⬜       |\n", "| Patch release          | ✅ 0.9.2 / 0.2.2 |\n"),
    ]

    # release docs: Keep a Changelog, naming the issue and both packages
    changelog = after["docs/releases/v0.9.2/CHANGELOG.md"].decode()
    assert f"## [0.9.2] - {DATE}\n" in changelog
    fixed = changelog.split("### Fixed\n", 1)[1]
    entry = next(line for line in fixed.splitlines() if line.startswith("- "))
    assert entry.endswith("(#462)") and "conversation_already_has_active_response" in entry
    for name, version in (("@signal-meaning/voice-agent-react", "0.9.2"), ("@signal-meaning/voice-agent-backend", "0.2.2")):
        assert name in changelog and version in changelog
    notes = after["docs/releases/v0.9.2/RELEASE-NOTES.md"].decode()
    assert notes.startswith("# Release Notes - v0.9.2\n")
    assert "npm install @signal-meaning/voice-agent-react@0.9.2" in notes
    assert "npm install @signal-meaning/voice-agent-backend@0.2.2" in notes
    assert "#462" in notes and "patch" in notes.lower()
    assert releasedocs.check_release_docs(load_config(repo), "0.9.2") == []
    assert "released 0.9.2 / 0.2.2" in res.out
    # nothing committed: the release is left for the user to review
    assert sh(repo, "log", "--oneline").count("\n") == 0


def test_release_docs_have_the_corpus_shape(repo, corpus):
    assert release(repo, "462", "--patch").code == 0
    ours = (repo / "docs/releases/v0.9.2/RELEASE-NOTES.md").read_text()
    theirs = (corpus / "docs/releases/v0.9.2/RELEASE-NOTES.md").read_text()

    def headings(text):
        return [line for line in text.splitlines() if line.startswith("#")]

    assert headings(ours)[0] == headings(theirs)[0] == "# Release Notes - v0.9.2"
    for h in ("## Summary", "## Upgrade"):
        assert h in headings(ours) and h in headings(theirs)
    assert f"**Release Date**: {DATE}  \n" in ours and "**Type**: Patch" in ours
    changelog = (repo / "docs/releases/v0.9.2/CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog - v0.9.2\n")
    assert "[Keep a Changelog](https://keepachangelog.com/" in changelog
    assert "](../../issues/ISSUE-462/)" in changelog  # a relative link that resolves
    assert (repo / "docs/releases/v0.9.2" / "../../issues/ISSUE-462/README.md").resolve().is_file()


# --------------------------------------------------------------------------- gates


def test_failing_gate_refuses_and_writes_nothing(repo):
    write_reports(repo, {"reports/junit-test-mock.xml": JUNIT_FAIL})
    commit_all(repo, "tests fail")
    record(repo)
    res = refused(repo, lambda: release(repo, "462", "--patch"), 1)
    assert "test:mock fail" in res.err and "lint" not in res.err
    assert "test:mock" in res.out  # the gate table is shown


def test_missing_report_refuses(repo):
    (repo / "reports/junit-proxy-integration.xml").unlink()
    shutil.rmtree(repo / ".issue-flow")  # no result for any commit: missing, not stale
    commit_all(repo, "no proxy report")
    record(repo)
    res = refused(repo, lambda: release(repo, "462", "--patch"), 1)
    assert "proxy-integration missing" in res.err


def test_report_recorded_for_another_sha_is_stale(repo):
    (repo / "other.txt").write_text("later\n")
    commit_all(repo, "a later commit")  # the results were recorded for the previous one
    res = refused(repo, lambda: release(repo, "462", "--patch"), 1)
    assert "lint stale" in res.err and "test:mock stale" in res.err and "proxy-integration stale" in res.err


def test_record_option_binds_reports_to_head(repo):
    (repo / "other.txt").write_text("later\n")
    commit_all(repo, "a later commit")
    res = release(repo, "462", "--patch", "--record")
    assert res.code == 0, res
    assert (repo / ".issue-flow" / "results" / f"{head(repo)}.json").is_file()


@pytest.mark.parametrize("content", ["this is not XML <", BOMB], ids=["not-xml", "entity-bomb"])
def test_bad_junit_report_is_one_line_error(repo, content):
    write_reports(repo, {"reports/junit-test-mock.xml": content})
    commit_all(repo, "bad report")
    before = snapshot(repo)
    t = time.perf_counter()
    res = release(repo, "462", "--patch", "--record")
    assert time.perf_counter() - t < 2.0
    assert_one_line_error(res, 2)
    assert "reports/junit-test-mock.xml" in res.err
    assert snapshot(repo) == before


def test_malformed_results_file_is_one_line_error(repo):
    (repo / ".issue-flow" / "results" / f"{head(repo)}.json").write_text("{broken")
    refused(repo, lambda: release(repo, "462", "--patch"), 2)


# --------------------------------------------------------------------------- versions and state


def test_prerelease_releases_as_itself(repo):
    for rel in ("package.json", "package-lock.json"):
        p = repo / rel
        p.write_bytes(p.read_bytes().replace(b'"version": "0.9.1"', b'"version": "0.9.2-beta.1"'))
    commit_all(repo, "beta")
    record(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    assert '"version": "0.9.2",' in (repo / "package.json").read_text()
    assert (repo / "docs/releases/v0.9.2/CHANGELOG.md").is_file()
    assert "0.9.2-beta.1 -> 0.9.2" in res.out


def test_non_semver_version_names_the_file(repo):
    p = repo / BACKEND / "package.json"
    p.write_bytes(p.read_bytes().replace(b'"version": "0.2.1"', b'"version": "latest"'))
    commit_all(repo, "odd version")
    record(repo)
    res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
    assert f"{BACKEND}/package.json" in res.err and "latest" in res.err


def test_dirty_tree_refused(repo):
    (repo / "notes.txt").write_text("uncommitted\n")
    res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
    assert "uncommitted" in res.err or "clean" in res.err


def test_existing_tag_refused(repo):
    sh(repo, "tag", "voice-agent-backend-v0.2.2")
    res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
    assert "voice-agent-backend-v0.2.2" in res.err and "exists" in res.err


def test_package_subset(repo):
    # by npm name, by manifest path, repeated: the same package, once
    res = release(repo, "462", "--patch", "--dry-run", "--package", "@signal-meaning/voice-agent-react", "--package", "package.json")
    assert res.code == 0, res
    assert "voice-agent-react 0.9.1 -> 0.9.2" in res.out and "voice-agent-backend" not in res.out
    before = snapshot(repo)
    res = release(repo, "462", "--patch", "--package", "voice-agent-backend")
    assert res.code == 0, res
    after = snapshot(repo)
    assert changed_files(before, after) == {
        f"{BACKEND}/package.json",
        f"{BACKEND}/package-lock.json",
        "docs/issues/ISSUE-462/README.md",
        "docs/releases/voice-agent-backend-v0.2.2/CHANGELOG.md",
        "docs/releases/voice-agent-backend-v0.2.2/RELEASE-NOTES.md",
    }
    # a backend-only release never takes a folder named like the component's (vX.Y.Z)
    assert not (repo / "docs/releases/v0.2.2").exists()
    assert "| Patch release          | ✅ 0.2.2 |\n" in after["docs/issues/ISSUE-462/README.md"].decode()
    # another package for the same issue: its version is added to the evidence
    commit_all(repo, "backend released")
    record(repo)
    res = release(repo, "462", "--patch", "--package", "voice-agent-react")
    assert res.code == 0, res
    readme = (repo / "docs/issues/ISSUE-462/README.md").read_text()
    assert "| Patch release          | ✅ 0.2.2 / 0.9.2 |\n" in readme
    assert (repo / "docs/releases/v0.9.2/CHANGELOG.md").is_file()
    # and a rerun of either is "already released"
    for pkg in ("voice-agent-react", "voice-agent-backend"):
        again = release(repo, "462", "--patch", "--package", pkg)
        assert again.code == 0 and "already released" in again.out, again


def test_unknown_package_exit_2(repo):
    res = refused(repo, lambda: release(repo, "462", "--patch", "--package", "nope"), 2)
    assert "nope" in res.err and "voice-agent-backend" in res.err


def test_patch_flag_required_and_tag_needs_commit(repo):
    res = refused(repo, lambda: release(repo, "462"), 2)
    assert "--patch" in res.err
    res = release(repo, "462", "--patch", "--tag")
    assert_one_line_error(res, 2)
    assert "--commit" in res.err
    for bad in ("0", "abc", "../462"):
        assert_one_line_error(release(repo, bad, "--patch"), 2)
    assert_one_line_error(release(repo, "999", "--patch"), 2)


def test_commit_and_tag(repo):
    base = head(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag")
    assert res.code == 0, res
    new = head(repo)
    assert sh(repo, "rev-parse", f"{new}^") == base  # exactly one commit
    files = set(sh(repo, "show", "--name-only", "--format=", new).splitlines())
    assert files == RELEASED_FILES
    subject = sh(repo, "log", "-1", "--format=%s")
    assert "0.9.2" in subject and "0.2.2" in subject and "#462" in subject
    for tag in ("v0.9.2", "voice-agent-backend-v0.2.2"):
        assert sh(repo, "rev-parse", f"{tag}^{{commit}}") == new
        assert sh(repo, "cat-file", "-t", tag) == "tag"  # annotated
    assert sh(repo, "status", "--porcelain", "--untracked-files=normal") in ("", "?? .issue-flow/")  # state, not committed

    # A rerun after success is a no-op: nothing written, no second commit or tag, exit 0.
    before = snapshot(repo)
    tags = sh(repo, "tag", "--list")
    again = release(repo, "462", "--patch", "--commit", "--tag")
    assert again.code == 0, again
    assert "already released" in again.out and "0.9.2 / 0.2.2" in again.out
    assert snapshot(repo) == before and head(repo) == new and sh(repo, "tag", "--list") == tags


def test_rerun_without_commit_is_a_noop(repo):
    assert release(repo, "462", "--patch").code == 0
    before = snapshot(repo)
    again = release(repo, "462", "--patch")  # the tree is dirty now, but nothing is to be done
    assert again.code == 0, again
    assert "already released" in again.out
    assert snapshot(repo) == before


def test_item_ticked_by_hand_gets_the_versions_and_keeps_its_text(repo):
    readme = repo / "docs/issues/ISSUE-462/README.md"
    readme.write_text(readme.read_text().replace("| Patch release          | ⬜       |", "| Patch release          | ✅ see PR #463 |").replace("- [ ] Release:", "- [x] Release:"))
    commit_all(repo, "ticked by hand")
    record(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    assert "| Patch release          | ✅ 0.9.2 / 0.2.2 — see PR #463 |\n" in readme.read_text()
    again = release(repo, "462", "--patch")
    assert again.code == 0 and "already released" in again.out, again


def test_no_release_item_warns_and_goes_on(repo):
    before = snapshot(repo)
    res = release(repo, "459", "--patch")
    assert res.code == 0, res
    assert "warning" in res.err and "release item" in res.err
    after = snapshot(repo)
    assert "docs/issues/ISSUE-459/README.md" not in changed_files(before, after)
    assert "(#459)" in after["docs/releases/v0.9.2/CHANGELOG.md"].decode()


def test_existing_release_folder_is_used_and_never_overwritten(repo):
    # docs written before the bump (v0.6.1, v0.7.18, v0.9.2, v0.10.2 in the real history)
    docs = repo / "docs/releases/v0.9.2"
    docs.mkdir(parents=True)
    (docs / "CHANGELOG.md").write_text("# Changelog - v0.9.2\n\nwritten by hand\n")
    (docs / "RELEASE-NOTES.md").write_text("# Release Notes - v0.9.2\n\nby hand too\n")
    commit_all(repo, "docs first")
    record(repo)
    written = {p.name: p.read_bytes() for p in docs.iterdir()}
    dry = release(repo, "462", "--patch", "--dry-run")
    assert dry.code == 0, dry
    assert "docs/releases/v0.9.2/ exists: used as it is" in dry.out
    assert "+++ b/docs/releases/" not in dry.out
    assert '+  "version": "0.9.2",' in dry.out and "+++ b/docs/issues/ISSUE-462/README.md" in dry.out  # the rest of the plan
    res = release(repo, "462", "--patch", "--json")
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["release_docs_existing"] is True
    assert not any(f.startswith("docs/releases/") for f in out["files"])
    assert {p.name: p.read_bytes() for p in docs.iterdir()} == written
    assert '"version": "0.9.2"' in (repo / "package.json").read_text()


def test_existing_release_folder_is_checked(repo):
    # a folder lacking a required document: used, and the release-docs check says what is missing
    docs = repo / "docs/releases/v0.9.2"
    docs.mkdir(parents=True)
    (docs / "CHANGELOG.md").write_text("# Changelog - v0.9.2\n")
    commit_all(repo, "partial docs")
    record(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    assert "docs/releases/v0.9.2 lacks RELEASE-NOTES.md (release-docs check, patch)" in res.err
    assert sorted(p.name for p in docs.iterdir()) == ["CHANGELOG.md"]


def test_a_release_folder_that_is_a_file_is_refused(repo):
    (repo / "docs/releases").mkdir(parents=True)
    (repo / "docs/releases/v0.9.2").write_text("a file, not a folder\n")
    commit_all(repo, "odd")
    record(repo)
    res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
    assert "docs/releases/v0.9.2 exists and is not a folder" in res.err


# --------------------------------------------------------------------------- dry run, JSON, Actions


def test_dry_run_writes_nothing_and_shows_diffs(repo):
    (repo / "scratch.txt").write_text("a dirty tree is fine for a dry run\n")
    before = snapshot(repo)
    res = release(repo, "462", "--patch", "--dry-run", "--commit", "--tag")
    assert res.code == 0, res
    assert snapshot(repo) == before
    out = res.out
    for name in ("package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json", "docs/issues/ISSUE-462/README.md"):
        assert f"--- a/{name}\n+++ b/{name}\n" in out
    assert '-  "version": "0.9.1",\n+  "version": "0.9.2",' in out
    assert '-      "version": "0.9.1",\n+      "version": "0.9.2",' in out
    assert '-  "version": "0.1.2",\n+  "version": "0.2.2",' in out
    assert "+++ b/docs/releases/v0.9.2/CHANGELOG.md" in out and "+++ b/docs/releases/v0.9.2/RELEASE-NOTES.md" in out
    assert "call git commit" in out and "call git tag v0.9.2" in out and "call git tag voice-agent-backend-v0.2.2" in out
    assert "lint" in out and "pass" in out  # the gate results
    assert f"{BACKEND}/package-lock.json said 0.1.2; now 0.2.2" in out
    assert len(out) < 20_000  # a diff of the lock, not the lock


def test_dry_run_with_failing_gates_shows_plan_and_exits_1(repo):
    (repo / ".issue-flow" / "results" / f"{head(repo)}.json").unlink()
    before = snapshot(repo)
    res = release(repo, "462", "--patch", "--dry-run")
    assert res.code == 1
    assert "missing" in res.out and "+++ b/package.json" in res.out
    assert_one_line_error(res, 1)
    assert snapshot(repo) == before


def test_json_result(repo):
    res = release(repo, "462", "--patch", "--json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert doc["issue"] == 462 and doc["released"] is True and doc["dry_run"] is False
    assert doc["versions"] == "0.9.2 / 0.2.2"
    assert [(p["name"], p["old"], p["new"]) for p in doc["packages"]] == [
        ("voice-agent-react", "0.9.1", "0.9.2"),
        ("voice-agent-backend", "0.2.1", "0.2.2"),
    ]
    backend = doc["packages"][1]
    assert backend["lock"] == f"{BACKEND}/package-lock.json" and backend["lock_old"] == "0.1.2"
    assert backend["lock_note"] == f"{BACKEND}/package-lock.json said 0.1.2; now 0.2.2"
    assert doc["packages"][0]["lock_note"] is None
    assert doc["tags"] == [] and doc["commit"] is None
    assert [p["tag"] for p in doc["packages"]] == ["v0.9.2", "voice-agent-backend-v0.2.2"]
    assert doc["release_docs"] == "docs/releases/v0.9.2"
    assert set(doc["files"]) == {
        "package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json",
        "docs/issues/ISSUE-462/README.md", "docs/releases/v0.9.2/CHANGELOG.md", "docs/releases/v0.9.2/RELEASE-NOTES.md",
    }
    assert doc["item"]["index"] == "5" and doc["item"]["evidence"] == "0.9.2 / 0.2.2"
    assert [g["status"] for g in doc["gates"]] == ["pass", "pass", "pass"]


def test_json_when_refused(repo):
    (repo / "x.txt").write_text("x\n")
    commit_all(repo, "later")
    res = release(repo, "462", "--patch", "--json", "--dry-run")
    assert res.code == 1
    doc = json.loads(res.out)
    assert doc["released"] is False and {g["status"] for g in doc["gates"]} == {"stale"}


def test_github_actions_outputs_and_summary(repo, tmp_path):
    out_file, summary = tmp_path / "gh-output", tmp_path / "gh-summary"
    env = {"GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary)}
    res = release(repo, "462", "--patch", "--commit", "--tag", env=env)
    assert res.code == 0, res
    lines = out_file.read_text().splitlines()
    assert "versions=0.9.2 / 0.2.2" in lines
    assert "version-voice-agent-react=0.9.2" in lines and "version-voice-agent-backend=0.2.2" in lines
    text = summary.read_text()
    assert "0.9.1" in text and "0.9.2" in text and "0.2.2" in text and "#462" in text
    assert f"{BACKEND}/package-lock.json said 0.1.2" in text
    # the no-op rerun gives the same outputs, so a re-run workflow goes on
    out_file.write_text("")
    assert release(repo, "462", "--patch", env=env).code == 0
    assert "versions=0.9.2 / 0.2.2" in out_file.read_text().splitlines()


def test_pyproject_package(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = tmp_path / "py"
    (root / "docs/issues/ISSUE-7").mkdir(parents=True)
    (root / "docs/issues/ISSUE-7/README.md").write_text(
        "# Issue #7: crash on start\n\n## Acceptance criteria\n\n- [x] **Fix** – done\n- [ ] **Patch release** – ship it\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| Fix | ✅ |\n| Patch release | ⬜ |\n"
    )
    pyproject = '[project]\nname = "widget"\nversion = "1.4.9"  # bumped by issue-flow\n\n[tool.issue-flow]\ngates = [{ name = "unit", report = "junit.xml" }]\n'
    (root / "pyproject.toml").write_text(pyproject)
    (root / "junit.xml").write_text(JUNIT_PASS)
    sh(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "t@example.com"), ("commit.gpgsign", "false")):
        sh(root, "config", key, value)
    commit_all(root, "py")
    record(root)
    res = release(root, "7", "--patch")
    assert res.code == 0, res
    assert (root / "pyproject.toml").read_text() == pyproject.replace('"1.4.9"', '"1.4.10"')
    assert "pip install widget==1.4.10" in (root / "docs/releases/v1.4.10/RELEASE-NOTES.md").read_text()
    assert "| Patch release | ✅ 1.4.10 |" in (root / "docs/issues/ISSUE-7/README.md").read_text()


def test_release_in_a_real_process(repo):
    res = run_process("release", "462", "--patch", "--dry-run", cwd=repo)
    assert res.code == 0, res
    assert "Traceback" not in res.err
    res = run_process("release", "462", "--patch", "--package", "nope", cwd=repo)
    assert_one_line_error(res, 2)


def test_help_documents_the_decisions():
    res = run_cli("release", "--help")
    assert res.code == 0
    text = " ".join(res.out.split())
    for phrase in ("--patch", "--package", "--commit", "--tag", "--dry-run", "--json", "--record", "one commit", "annotated tag", "no-op"):
        assert phrase in text, phrase


# --------------------------------------------------------------------------- the fast diff


@pytest.mark.parametrize(
    "old,new",
    [
        ("a\nb\nc\nd\ne\n", "a\nB\nc\nd\ne\n"),
        ("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n"),
        ("a\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n"),
        ("a\nb\nc\nd\ne", "a\nb\nc\nd\nE"),
        ("a\nb\nc\nd\ne", "a\nb\nc\nd\ne\n"),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n"),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n3.5\n4\n5\n6\n7\n8\n9\n"),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n5\n6\n7\n8\n9\n"),
        ("", "x\n"),
        ("x\n", ""),
        ("same\n", "same\n"),
    ],
)
def test_region_diff_is_the_whole_file_diff(old, new):
    from issue_flow.plan import FileWrite

    w = FileWrite(Path("/r/f.json"), old.encode(), new.encode(), "why")
    assert w.render(Path("/r")) == w.render_whole(Path("/r"))


def test_region_diff_on_the_corpus_lock(corpus):
    from issue_flow.adapters.manifests import set_lock_version
    from issue_flow.plan import FileWrite

    data = (corpus / "package-lock.json").read_bytes()
    new = set_lock_version(data, "0.9.2")[0]
    w = FileWrite(Path("/r/package-lock.json"), data, new)
    assert w.render(Path("/r")) == w.render_whole(Path("/r"))


def test_region_diff_far_apart_changes(corpus):
    from issue_flow.plan import FileWrite

    data = (corpus / f"{BACKEND}/package-lock.json").read_bytes()
    new = data.replace(b'"version": "0.1.2"', b'"version": "0.2.2"', 1)
    new = new[:-300] + new[-300:].replace(b'"', b"'", 1) + b"tail without newline"
    w = FileWrite(Path("/r/package-lock.json"), data, new)
    assert w.render(Path("/r")) == w.render_whole(Path("/r"))


# --------------------------------------------------------------------------- GitHub checks


def test_gates_from_github_check_runs(repo, gh_server):
    shutil.rmtree(repo / ".issue-flow")  # no local evidence at all
    sha = head(repo)
    env = {
        "GITHUB_REPOSITORY": gh_server.repo,
        "GITHUB_API_URL": gh_server.url,
        "GITHUB_TOKEN": gh_server.token,
        "ISSUE_FLOW_GITHUB_TIMEOUT": "2",
        "ISSUE_FLOW_GITHUB_RETRIES": "0",
        "ISSUE_FLOW_GITHUB_THROTTLE": "0",
    }
    gh_server.add_check_run(sha, "lint")
    gh_server.add_check_run(sha, "test:mock")
    gh_server.add_check_run(sha, "proxy-integration", conclusion="failure")
    res = refused(repo, lambda: release(repo, "462", "--patch", env=env), 1)
    assert "proxy-integration fail" in res.err and gh_server.token not in res.out + res.err
    gh_server.add_check_run(sha, "proxy-integration", status="completed", conclusion="success")
    # two runs of one name: one failed, so it still fails; a fresh commit's checks decide
    res = release(repo, "462", "--patch", env=env)
    assert res.code == 1
    (repo / "later.txt").write_text("x\n")
    new = commit_all(repo, "later")
    for name in ("lint", "test:mock", "proxy-integration"):
        gh_server.add_check_run(new, name)
    res = release(repo, "462", "--patch", env=env)
    assert res.code == 0, res
    assert '"version": "0.9.2"' in (repo / "package.json").read_text()
    # without a token: local evidence only (none here), and a dry run still works
    no_token = dict(env, GITHUB_TOKEN=None)
    sh(repo, "checkout", "-q", "--", ".")
    shutil.rmtree(repo / "docs/releases")
    res = release(repo, "462", "--patch", "--dry-run", env=no_token)
    assert res.code == 1 and "missing" in res.out


def test_configured_template_overrides(repo):
    (repo / ".issue-flow.toml").write_text('templates = "my-templates"\n')
    mine = repo / "my-templates" / "release"
    mine.mkdir(parents=True)
    (mine / "CHANGELOG.md.j2").write_text("# {{ version }} for #{{ issue.number }}\n{% for p in packages %}- {{ p.name }} {{ p.new }}\n{% endfor %}")
    (mine / "RELEASE-NOTES.md.j2").write_text("{# nothing to say #}\n")
    (mine / "PACKAGE-STRUCTURE.md.j2").write_text("# Package structure - v{{ version }}\n")
    commit_all(repo, "my templates")
    record(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    docs = repo / "docs/releases/v0.9.2"
    assert (docs / "CHANGELOG.md").read_text() == "# 0.9.2 for #462\n- voice-agent-react 0.9.2\n- voice-agent-backend 0.2.2\n"
    assert (docs / "PACKAGE-STRUCTURE.md").read_text() == "# Package structure - v0.9.2\n"
    # the release-docs check runs after writing: an empty RELEASE-NOTES.md is reported
    assert "warning" in res.err and "RELEASE-NOTES.md" in res.err and "release-docs check" in res.err


def test_template_error_is_one_line(repo):
    (repo / ".issue-flow.toml").write_text('templates = "my-templates"\n')
    (repo / "my-templates" / "release").mkdir(parents=True)
    (repo / "my-templates" / "release" / "CHANGELOG.md.j2").write_text("{{ no_such_variable }}\n")
    commit_all(repo, "bad template")
    record(repo)
    res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
    assert "no_such_variable" in res.err


def test_rerun_finishes_an_interrupted_commit_and_tags(repo):
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'hook says no' >&2\nexit 1\n")
    hook.chmod(0o755)
    base = head(repo)
    res = release(repo, "462", "--patch", "--commit", "--tag")
    assert_one_line_error(res, 2)
    assert "not committed" in res.err and "done: 7 files written" in res.err
    assert head(repo) == base and sh(repo, "tag", "--list") == ""
    assert '"version": "0.9.2"' in (repo / "package.json").read_text()  # the files were written
    hook.unlink()
    again = release(repo, "462", "--patch", "--commit", "--tag")
    assert again.code == 0, again
    assert "already released" in again.out and "committed" in again.out and "tagged" in again.out
    new = head(repo)
    assert sh(repo, "rev-parse", f"{new}^") == base
    files = set(sh(repo, "show", "--name-only", "--format=", new).splitlines())
    assert {"package.json", "package-lock.json", "docs/issues/ISSUE-462/README.md", "docs/releases/v0.9.2/CHANGELOG.md"} <= files
    assert sh(repo, "status", "--porcelain", "--untracked-files=normal") in ("", "?? .issue-flow/")
    for tag in ("v0.9.2", "voice-agent-backend-v0.2.2"):
        assert sh(repo, "rev-parse", f"{tag}^{{commit}}") == new
    # and a third run has nothing left to do
    third = release(repo, "462", "--patch", "--commit", "--tag")
    assert third.code == 0 and "nothing to do" in third.out and head(repo) == new
