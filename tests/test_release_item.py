"""Which item a release ticks, and a second release for the same issue (issue 13, part 3).

The rule (releasing.is_release_label, docs/decisions.md) is checked against the real labels
of the corpus project's folders, then through ``release`` on its trees: the README criterion
of #462, the ``**Publish:**`` checklist line of the release issue #571 (TRACKING.md), and
folders shaped like #451/#455 whose "Release checklist updated" items are not the release.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import copy_tree
from test_release import BACKEND, commit_all, record, release, repo, sh  # noqa: F401

from issue_flow.workflows.release_item import evidence_versions, is_release_label, merged_evidence

RELEASE_LABELS = [
    (None, "Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish."),  # #462 criterion
    (None, "Patch release (e.g. 0.9.2 / 0.2.2) and publish"),  # #462 TRACKING step
    (None, "Patch release"),  # #462 status row
    ("Publish:", "**Publish:** GitHub Release **[v0.11.1](https://x/releases/tag/v0.11.1)** → CI → mergeback (RELEASE-CHECKLIST.md)."),
    ("Publish via CI", "**Publish via CI**"),  # #522 / #475 release checklists
    ("Publish to GitHub Registry", "**Publish to GitHub Registry**"),  # #448
    ("Release", "**Release** — 0.9.2 / 0.2.2"),
    (None, "Coordinated patch release of both packages"),
    (None, "Minor release 0.11.0 / 0.2.10"),
]
NOT_RELEASE_LABELS = [
    (None, "Release checklist updated"),  # #451
    (None, "Release v0.9.0 (#456) checklist updated with the new gates"),  # #455
    ("Release checklist updated", "**Release checklist updated** — see #456"),
    (None, "E2E as per release checklist"),
    (None, "Release qualification — RELEASE-AND-QUALIFICATION.md completed for the shipping version(s)"),
    ("Release branch", "**Release branch** `release/v0.11.1` created"),
    (None, "Release notes written (docs/releases/v0.9.2/)"),
    (None, "Follow up with voice-commerce with release and resolution"),
    (None, "Tests: lint and test:mock pass; E2E as per release checklist."),
    (None, "Close this issue and update #459 with resolution pointer."),
]


@pytest.mark.parametrize("label, text", RELEASE_LABELS)
def test_release_labels(label, text):
    assert is_release_label(label, text)


@pytest.mark.parametrize("label, text", NOT_RELEASE_LABELS)
def test_not_release_labels(label, text):
    assert not is_release_label(label, text)


def test_evidence_versions_and_merge():
    assert evidence_versions("0.9.2 / 0.2.2") == (["0.9.2", "0.2.2"], "")
    assert evidence_versions("v0.10.2 — see PR #463") == (["0.10.2"], "see PR #463")
    assert evidence_versions("by hand") == ([], "by hand")

    class B:
        def __init__(self, old, new):
            self.old, self.new = old, new

    assert merged_evidence(["0.10.2"], "", [B("0.2.6", "0.2.7")]) == "0.10.2 / 0.2.7"
    assert merged_evidence(["0.10.2", "0.2.7"], "", [B("0.2.7", "0.2.8")]) == "0.10.2 / 0.2.8"
    assert merged_evidence([], "by hand", [B("0.9.1", "0.9.2")]) == "0.9.2 — by hand"


def _issue(root, n: int, readme: str, tracking: str | None = None) -> None:
    d = root / "docs" / "issues" / f"ISSUE-{n}"
    d.mkdir(parents=True)
    (d / "README.md").write_text(readme, encoding="utf-8")
    if tracking is not None:
        (d / "TRACKING.md").write_text(tracking, encoding="utf-8")


def test_checklist_updated_items_are_passed_over(repo):
    # #451 and #455 have "Release checklist updated" items; the release item is the other one
    _issue(
        repo,
        451,
        "# Issue #451: gates in the checklist\n\n## Acceptance criteria\n\n"
        "- [x] Release checklist updated\n"
        "- [x] Release v0.9.0 (#456) checklist updated with the new gates\n"
        "- [ ] Patch release and publish\n",
    )
    commit_all(repo, "451")
    record(repo)
    res = release(repo, "451", "--patch")
    assert res.code == 0, res
    text = (repo / "docs/issues/ISSUE-451/README.md").read_text()
    assert "- [x] Patch release and publish\n" in text
    assert "- [x] Release checklist updated\n" in text  # untouched


def test_only_checklist_updated_items_means_no_release_item(repo):
    _issue(repo, 455, "# Issue #455: x\n\n## Acceptance criteria\n\n- [ ] Release checklist updated\n")
    commit_all(repo, "455")
    record(repo)
    res = release(repo, "455", "--patch")
    assert res.code == 0, res
    assert "no release item" in res.err
    assert "- [ ] Release checklist updated\n" in (repo / "docs/issues/ISSUE-455/README.md").read_text()


def test_a_tracking_step_is_the_release_item_when_the_readme_has_none(repo):
    _issue(
        repo,
        480,
        "# Issue #480: x\n\n## Acceptance criteria\n\n- [x] Fixed\n",
        "# Tracking #480\n\n## Release\n\n| Step | Status |\n|---|---|\n"
        "| Release checklist updated | ⬜ |\n| Patch release (e.g. 0.9.2 / 0.2.2) and publish | ⬜ |\n",
    )
    commit_all(repo, "480")
    record(repo)
    res = release(repo, "480", "--patch")
    assert res.code == 0, res
    tracking = (repo / "docs/issues/ISSUE-480/TRACKING.md").read_text()
    assert "| Patch release (e.g. 0.9.2 / 0.2.2) and publish | ✅ 0.9.2 / 0.2.2 |" in tracking
    assert "| Release checklist updated | ⬜ |" in tracking


def test_the_publish_item_of_a_release_issue(repo, corpus):
    # #571's TRACKING.md is a checklist with a **Publish:** line (no README criterion about it)
    copy_tree(corpus / "docs/issues/ISSUE-571", repo / "docs/issues/ISSUE-571")
    tracking = repo / "docs/issues/ISSUE-571/TRACKING.md"
    tracking.write_text(tracking.read_text().replace("- [x] **Publish:**", "- [ ] **Publish:**"))
    from issue_flow.config import load_config
    from issue_flow.model import items
    from issue_flow.model.issues import load_issue

    pool = items.items(load_issue(load_config(repo), 571))
    assert any(it.doc is not None and it.doc.path.name == "TRACKING.md" and it.row is None for it in pool)
    commit_all(repo, "571")
    record(repo)
    before = tracking.read_bytes()
    res = release(repo, "571", "--patch", "--commit", "--tag")
    assert res.code == 0, res
    after = tracking.read_bytes()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith(b"- [ ] **Publish:**") and changed[0][1].startswith(b"- [x] **Publish:**")
    # a rerun: the tags of the current versions are on HEAD, so it is released
    again = release(repo, "571", "--patch", "--commit", "--tag")
    assert again.code == 0 and "already released" in again.out, again


def test_component_then_backend_for_one_issue(repo):
    # v0.10.2 in the real history: 33364ad released the component, 9b8dcbe then the backend
    res = release(repo, "462", "--patch", "--package", "voice-agent-react", "--commit", "--tag")
    assert res.code == 0, res
    readme = repo / "docs/issues/ISSUE-462/README.md"
    assert "| Patch release          | ✅ 0.9.2 |" in readme.read_text()
    record(repo)
    res = release(repo, "462", "--patch", "--package", "voice-agent-backend", "--commit", "--tag")
    assert res.code == 0, res
    assert "| Patch release          | ✅ 0.9.2 / 0.2.2 |" in readme.read_text()
    assert "- [x] Release: Patch release" in readme.read_text()
    # the backend's docs do not go into the component's folder, nor into one named v0.2.2
    assert (repo / "docs/releases/voice-agent-backend-v0.2.2/CHANGELOG.md").is_file()
    assert not (repo / "docs/releases/v0.2.2").exists()
    assert sh(repo, "tag", "--list").splitlines() == ["v0.9.2", "voice-agent-backend-v0.2.2"]
    for args in (("--package", "voice-agent-backend"), ("--package", "voice-agent-react"), ()):
        again = release(repo, "462", "--patch", *args)
        assert again.code == 0 and "already released" in again.out, again


def test_backend_folder_rule_is_configurable(repo):
    # the maintainers put backend 0.2.7 into the component's folder: other_folder = "v{component}"
    (repo / ".issue-flow.toml").write_text('[release]\nother_folder = "v{component}"\n')
    shutil.copytree(repo / "docs/issues/ISSUE-462", repo / "docs/issues/ISSUE-463")
    (repo / "docs/releases/v0.9.1").mkdir(parents=True)
    (repo / "docs/releases/v0.9.1/CHANGELOG.md").write_text("# Changelog - v0.9.1\n")
    commit_all(repo, "config")
    record(repo)
    res = release(repo, "462", "--patch", "--package", "voice-agent-backend", "--json")
    assert res.code == 0, res
    assert '"release_docs": "docs/releases/v0.9.1"' in res.out and '"release_docs_existing": true' in res.out
    assert (repo / "docs/releases/v0.9.1/CHANGELOG.md").read_text() == "# Changelog - v0.9.1\n"
    (repo / ".issue-flow.toml").write_text('[release]\nother_folder = "../{name}"\n')
    from conftest import refused

    commit_all(repo, "bad rule")
    record(repo)
    res = refused(repo, lambda: release(repo, "463", "--patch", "--package", "voice-agent-backend"), 2)
    assert "is not a folder name" in res.err
