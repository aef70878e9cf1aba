"""The release-docs check (releasedocs.py), on the corpus's docs/releases (read-only)."""

from __future__ import annotations

import shutil

import pytest
from test_release import repo  # noqa: F401  (the release repository fixture)

from issue_flow.workflows import release_docs as releasedocs
from issue_flow.config import Config, load_config
from issue_flow.errors import IssueFlowError

FULL = ["CHANGELOG.md", "RELEASE-NOTES.md", "MIGRATION.md", "API-CHANGES.md", "NEW-FEATURES.md", "EXAMPLES.md", "PACKAGE-STRUCTURE.md"]


@pytest.fixture
def corpus_cfg(corpus) -> Config:
    return load_config(corpus)


@pytest.mark.parametrize("version", ["0.9.2", "v0.9.2", "V0.9.2"])
@pytest.mark.parametrize("kind", ["patch", "minor", "major"])
def test_corpus_release_is_complete(corpus_cfg, version, kind):
    assert releasedocs.check_release_docs(corpus_cfg, version, kind) == []


def test_corpus_previous_release_is_complete(corpus_cfg):
    assert releasedocs.check_release_docs(corpus_cfg, "0.9.1", "minor") == []
    assert releasedocs.check_release_docs(corpus_cfg, "v0.9.1") == []


def test_default_kind_is_patch(corpus_cfg):
    assert releasedocs.required_files("patch") == ("CHANGELOG.md", "RELEASE-NOTES.md")
    assert list(releasedocs.required_files("minor")) == FULL
    assert releasedocs.required_files("major") == releasedocs.required_files("minor")


def test_missing_release_folder_lists_every_required_file(corpus_cfg):
    assert releasedocs.check_release_docs(corpus_cfg, "0.9.3") == ["CHANGELOG.md", "RELEASE-NOTES.md"]
    assert releasedocs.check_release_docs(corpus_cfg, "v0.9.3", "major") == FULL


@pytest.fixture
def copy_cfg(corpus, tmp_path) -> Config:
    root = tmp_path / "repo"
    (root / "docs" / "releases").mkdir(parents=True)
    for name in ("v0.9.1", "v0.9.2"):
        shutil.copytree(corpus / "docs" / "releases" / name, root / "docs" / "releases" / name)
    for p in root.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return load_config(root)


def test_partial_and_empty_files(copy_cfg):
    folder = copy_cfg.releases_dir / "v0.9.2"
    (folder / "RELEASE-NOTES.md").unlink()
    (folder / "EXAMPLES.md").write_text("  \n\n")  # whitespace only counts as missing
    assert releasedocs.check_release_docs(copy_cfg, "0.9.2") == ["RELEASE-NOTES.md"]
    assert releasedocs.check_release_docs(copy_cfg, "0.9.2", "minor") == ["RELEASE-NOTES.md", "EXAMPLES.md"]
    # a directory in place of a file is not the file
    (folder / "CHANGELOG.md").unlink()
    (folder / "CHANGELOG.md").mkdir()
    assert releasedocs.check_release_docs(copy_cfg, "v0.9.2") == ["CHANGELOG.md", "RELEASE-NOTES.md"]


def test_folder_without_v_prefix_is_found(copy_cfg):
    rel = copy_cfg.releases_dir
    (rel / "v0.9.2").rename(rel / "0.9.2")
    assert releasedocs.check_release_docs(copy_cfg, "v0.9.2", "minor") == []
    assert releasedocs.release_dir(copy_cfg, "v0.9.2") == rel / "0.9.2"
    # a new release goes to the v-prefixed folder, as in the corpus
    assert releasedocs.release_dir(copy_cfg, "0.9.3") == rel / "v0.9.3"


def test_configured_releases_folder(copy_cfg):
    copy_cfg.releases = "elsewhere"
    assert releasedocs.check_release_docs(copy_cfg, "0.9.2") == ["CHANGELOG.md", "RELEASE-NOTES.md"]


def test_missing_files_from_names():
    assert releasedocs.missing_files(["CHANGELOG.md"], "patch") == ["RELEASE-NOTES.md"]
    assert releasedocs.missing_files(FULL, "major") == []


@pytest.mark.parametrize("bad", ["", "v", "latest", "../v0.9.2", "0.9", "0.9.2/..", "v0.9.2\n", "1.2.3.4"])
def test_bad_version_is_one_line_error(corpus_cfg, bad):
    with pytest.raises(IssueFlowError) as exc:
        releasedocs.check_release_docs(corpus_cfg, bad)
    assert "\n" not in str(exc.value)


def test_bad_kind(corpus_cfg):
    with pytest.raises(IssueFlowError, match="patch, minor or major"):
        releasedocs.check_release_docs(corpus_cfg, "0.9.2", "hotfix")


def test_prerelease_versions_are_accepted(copy_cfg):
    assert releasedocs.normalize_version("v1.0.0-rc.1") == "1.0.0-rc.1"
    assert releasedocs.folder_name("1.0.0-rc.1") == "v1.0.0-rc.1"
    assert releasedocs.check_release_docs(copy_cfg, "1.0.0-rc.1") == ["CHANGELOG.md", "RELEASE-NOTES.md"]


def test_describe(corpus_cfg):
    assert releasedocs.describe(corpus_cfg, "0.9.2", []) == "docs/releases/v0.9.2: release docs complete"
    msg = releasedocs.describe(corpus_cfg, "0.9.3", ["CHANGELOG.md", "RELEASE-NOTES.md"])
    assert msg == "docs/releases/v0.9.3: missing CHANGELOG.md, RELEASE-NOTES.md"


# --------------------------------------------------------------------------- what release writes (issue 13, part 7)


def test_check_folder(tmp_path):
    assert releasedocs.check_folder(None, "patch") == ["CHANGELOG.md", "RELEASE-NOTES.md"]
    (tmp_path / "CHANGELOG.md").write_text("x\n")
    (tmp_path / "RELEASE-NOTES.md").write_text("  \n")
    assert releasedocs.check_folder(tmp_path, "patch") == ["RELEASE-NOTES.md"]
    assert "PACKAGE-STRUCTURE.md" in releasedocs.check_folder(tmp_path, "minor")


def _repo_with_history(repo):
    """v0.9.1 tagged at the corpus commit; then #459 edited and #500 added; #461 unchanged."""
    from test_release import commit_all, record, sh

    (repo / "docs/issues/ISSUE-461").mkdir(parents=True)
    (repo / "docs/issues/ISSUE-461/README.md").write_text("# Issue #461: before the tag\n")
    commit_all(repo, "461")
    sh(repo, "tag", "-a", "v0.9.1", "-m", "0.9.1")
    readme = repo / "docs/issues/ISSUE-459/README.md"
    readme.write_text(readme.read_text() + "\nA note after 0.9.1.\n")
    (repo / "docs/issues/ISSUE-500").mkdir(parents=True)
    (repo / "docs/issues/ISSUE-500/README.md").write_text(
        "# Issue #500: Mic permission prompt | shown twice\n\n**GitHub:** [#500](https://github.com/Signal-Meaning/dg_react_agent/issues/500)\n"
    )
    commit_all(repo, "work since 0.9.1")
    record(repo)


def test_release_docs_list_every_issue_changed_since_the_previous_tag(repo):
    from test_release import release

    _repo_with_history(repo)
    res = release(repo, "462", "--patch", "--json")
    assert res.code == 0, res
    import json

    assert json.loads(res.out)["issues"] == [462, 459, 500]
    changelog = (repo / "docs/releases/v0.9.2/CHANGELOG.md").read_text()
    fixed = changelog.split("### Fixed\n", 1)[1].split("\n## ", 1)[0]
    entries = [line for line in fixed.splitlines() if line.startswith("- ")]
    assert [e.rsplit("(#", 1)[1] for e in entries] == ["462)", "459)", "500)"]
    assert "Mic permission prompt \\| shown twice (#500)" in fixed  # the title, escaped for Markdown
    assert "[docs/issues/ISSUE-500/](../../issues/ISSUE-500/)" in changelog
    assert "(https://github.com/Signal-Meaning/dg_react_agent/issues/500)" in changelog
    assert "#461" not in changelog  # unchanged since the tag
    assert "Changes since" not in changelog  # no repository known here: no compare link
    notes = (repo / "docs/releases/v0.9.2/RELEASE-NOTES.md").read_text()
    assert "## Issues in this release" in notes and "#500" in notes and "#459" in notes
    # every relative link of the release docs resolves
    import re

    for target in re.findall(r"\]\((\.\./[^)]+)\)", changelog + notes):
        assert (repo / "docs/releases/v0.9.2" / target).exists(), target


def test_without_a_previous_tag_only_the_issue_is_listed(repo):
    from test_release import release

    res = release(repo, "462", "--patch", "--json")
    assert res.code == 0
    import json

    assert json.loads(res.out)["issues"] == [462]


def test_package_structure_when_configured(repo):
    from test_release import commit_all, record, release

    assert release(repo, "462", "--patch", "--dry-run").out.count("PACKAGE-STRUCTURE.md") == 0
    (repo / ".issue-flow.toml").write_text("[release]\npackage_structure = true\n")
    commit_all(repo, "config")
    record(repo)
    res = release(repo, "462", "--patch")
    assert res.code == 0, res
    text = (repo / "docs/releases/v0.9.2/PACKAGE-STRUCTURE.md").read_text()
    assert text.startswith("# Package Structure: @signal-meaning/voice-agent-react@v0.9.2, @signal-meaning/voice-agent-backend@v0.2.2\n")
    assert "### Files Included in Package" in text and '"files" field' in text
    assert "\ndist\nsrc\n" in text  # the component's "files"
    assert "| `main` | `dist/index.js` |" in text
    assert "npm install @signal-meaning/voice-agent-backend@0.2.2" in text


def test_a_bad_release_setting_is_one_line(repo):
    from conftest import refused
    from test_release import commit_all, release

    for toml, message in (
        ("[release]\nnope = 1\n", "unknown key 'nope' in [release]"),
        ("[release]\npackage_structure = \"yes\"\n", "'release.package_structure' must be a bool"),
        ("[release]\nfolder = \"v{versoin}\"\n", "may use {version}, {name} and {component} only"),
        ("[release]\nlocks = [\"../x/package-lock.json\"]\n", "inside the repository"),
    ):
        (repo / ".issue-flow.toml").write_text(toml)
        commit_all(repo, "config")  # refused before any gate result is asked for
        res = refused(repo, lambda: release(repo, "462", "--patch"), 2)
        assert message in res.err, (toml, res)
