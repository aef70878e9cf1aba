"""One module builds every web URL from the API URL (issue 13, part 4): issue_flow.links.

github.com, GitHub Enterprise Server (``https://HOST/api/v3``), GitHub Enterprise Cloud with
data residency (``https://api.NAME.ghe.com`` -> ``https://NAME.ghe.com``) and the test server;
then the same rule through ``new`` (issue links), ``close`` (the folder link) and ``release``
(the release notes), which all use it.
"""

from __future__ import annotations

import pytest
from conftest import run_cli

from issue_flow import links
from issue_flow.config import Config
from issue_flow.workflows import close as closing


@pytest.mark.parametrize(
    "api, web",
    [
        ("https://api.github.com", "https://github.com"),
        ("https://api.github.com/", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com"),
        ("https://example.com/github/api/v3", "https://example.com/github"),
        ("http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080"),
        ("https://api.acme.ghe.com", "https://acme.ghe.com"),
        ("https://API.Acme.GHE.com", "https://Acme.GHE.com"),
        ("https://api.example.com", "https://api.example.com"),  # not a GitHub shape: itself
        ("https://proxy.example.com/gh", "https://proxy.example.com/gh"),
    ],
)
def test_web_base(api, web):
    assert links.web_base(api) == web


def test_every_url(tmp_path):
    cfg = Config(root=tmp_path, repository="acme/widgets", api_url="https://api.acme.ghe.com")
    assert links.repo_url(cfg) == "https://acme.ghe.com/acme/widgets"
    assert links.issue_url(cfg, 462) == "https://acme.ghe.com/acme/widgets/issues/462"
    assert links.tree_url(cfg, "main", "docs/issues/ISSUE-462") == "https://acme.ghe.com/acme/widgets/tree/main/docs/issues/ISSUE-462"
    assert links.tree_url(cfg, "release/v0.11.1", "docs/a b") == "https://acme.ghe.com/acme/widgets/tree/release/v0.11.1/docs/a%20b"
    assert links.blob_url(cfg, "v0.9.2", "docs/releases/v0.9.2/CHANGELOG.md").endswith("/blob/v0.9.2/docs/releases/v0.9.2/CHANGELOG.md")
    assert links.release_url(cfg, "v0.9.2") == "https://acme.ghe.com/acme/widgets/releases/tag/v0.9.2"
    assert links.compare_url(cfg, "v0.9.1", "v0.9.2") == "https://acme.ghe.com/acme/widgets/compare/v0.9.1...v0.9.2"
    nothing = Config(root=tmp_path, repository=None)
    assert links.issue_url(nothing, 1) is None and links.release_url(nothing, "v1") is None
    cfg.api_url = "https://ghe.example.com/api/v3"
    assert closing.folder_url(cfg, "docs/issues/ISSUE-1").startswith("https://ghe.example.com/acme/widgets/tree/")
    assert links.issue_url(cfg, 7) == "https://ghe.example.com/acme/widgets/issues/7"


def test_release_notes_link_the_issue_on_ghe_com(tmp_path, monkeypatch):
    # a folder without a GitHub header line: the link comes from links.issue_url
    from conftest import init_git_repo
    from test_release import commit_all, record

    root = init_git_repo(tmp_path / "repo", monkeypatch)
    monkeypatch.setenv("GITHUB_API_URL", "https://api.acme.ghe.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/widgets")
    (root / "package.json").write_text('{\n  "name": "w",\n  "version": "1.0.0"\n}\n')
    (root / "docs/issues/ISSUE-3").mkdir(parents=True)
    (root / "docs/issues/ISSUE-3/README.md").write_text("# Issue #3: a fix\n\n- [ ] Patch release\n")
    (root / ".issue-flow.toml").write_text('[[gates]]\nname = "none"\nrequired = false\n')
    commit_all(root, "x")
    record(root)
    res = run_cli("release", "3", "--patch", cwd=root)
    assert res.code == 0, res
    notes = (root / "docs/releases/v1.0.1/RELEASE-NOTES.md").read_text()
    assert "[issue #3](https://acme.ghe.com/acme/widgets/issues/3)" in notes
    assert "api.acme" not in (root / "docs/releases/v1.0.1/CHANGELOG.md").read_text()


def test_no_link_from_an_api_url_of_another_scheme(tmp_path):
    for api in ("javascript:alert(1)//", "file:///etc/api/v3", "ftp://h/api/v3"):
        cfg = Config(root=tmp_path, repository="acme/widgets", api_url=api)
        assert links.issue_url(cfg, 1) is None and links.release_url(cfg, "v1") is None
