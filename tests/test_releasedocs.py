"""The release-docs check (releasedocs.py), on the corpus's docs/releases (read-only)."""

from __future__ import annotations

import shutil

import pytest

from issue_flow import releasedocs
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
