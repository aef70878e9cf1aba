"""One module builds every web URL from the API URL (issue 13, part 4): issue_flow.links.

github.com, GitHub Enterprise Server (``https://HOST/api/v3``), GitHub Enterprise Cloud with
data residency (``https://api.NAME.ghe.com`` -> ``https://NAME.ghe.com``) and the test server;
then, table-driven, every place a command writes a link, for each of the three kinds of API
URL: the closure comment and the parent pointer of ``close``, the header lines ``new``
writes, the release notes and changelog of ``release``. The text is built by the
use-cases themselves (their plans and comment bodies), never re-implemented here.
"""

from __future__ import annotations

import re

import pytest
from conftest import git, init_git_repo, run_cli

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


# --------------------------------------------------------------------------- every place, every kind

API_KINDS = {
    "github.com": ("https://api.github.com", "https://github.com"),
    "GHES": ("https://ghes.example.com/api/v3", "https://ghes.example.com"),
    "GHE.com": ("https://api.acme.ghe.com", "https://acme.ghe.com"),
}


def _release_module():
    try:
        from issue_flow.workflows import release
    except ImportError:  # not moved yet
        from issue_flow.workflows import release
    return release


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A repository with a released 1.0.0, parent #2 and its child #3 (added since the tag)."""
    root = init_git_repo(tmp_path / "repo", monkeypatch)
    (root / "package.json").write_text('{\n  "name": "w",\n  "version": "1.0.0"\n}\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "1.0.0")
    git(root, "tag", "v1.0.0")
    (root / "docs/issues/ISSUE-2").mkdir(parents=True)
    (root / "docs/issues/ISSUE-2/README.md").write_text("# Issue #2: the parent\n\n## Follow-ups\n\n- [#3](../ISSUE-3/README.md)\n")
    (root / "docs/issues/ISSUE-3").mkdir(parents=True)
    (root / "docs/issues/ISSUE-3/README.md").write_text(
        "# Issue #3: a fix\n\n**Parent:** #2\n\n## Acceptance criteria\n\n- [ ] Patch release\n- [ ] Close this issue\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "issue 3")
    return root


def _config(root, api):
    from issue_flow.config import load_config

    cfg = load_config(root)
    cfg.repository, cfg.api_url = "acme/widgets", api
    return cfg


def _closure_comment(root, api):
    from issue_flow.workflows import close

    return close.build(_config(root, api), 3, resolution_text="1.0.1", force=True).closure_body


def _parent_pointer(root, api):
    from issue_flow.workflows import close

    return close.build(_config(root, api), 3, resolution_text="1.0.1", force=True).pointer_body


def _written(plan, name):
    (write,) = [a for a in plan.actions if getattr(a, "path", None) is not None and a.path.name == name]
    return write.new.decode("utf-8")


def _new_header(root, api):
    from issue_flow.workflows import new

    plan, _ = new.plan_new(_config(root, api), new.IssueData(number=4, title="a fix", parent=2))
    (readme,) = [a.new.decode() for a in plan.actions if getattr(a, "path", None) is not None
                 and a.path.as_posix().endswith("ISSUE-4/README.md")]
    return "\n".join(ln for ln in readme.splitlines() if ln.startswith(("**GitHub:**", "**Parent:**")))


def _release_notes(root, api):
    rel = _release_module().plan_release(_config(root, api), 3, part="patch")
    return _written(rel.plan, "RELEASE-NOTES.md") + _written(rel.plan, "CHANGELOG.md")


PLACES = {
    "close: closure comment": (_closure_comment, [
        "Issue folder, with the analysis and tracking: [docs/issues/ISSUE-3/]({web}/acme/widgets/tree/main/docs/issues/ISSUE-3)",
    ]),
    "close: parent pointer": (_parent_pointer, [
        "Resolved by #3 in v1.0.1.",
        "Issue folder: [docs/issues/ISSUE-3/]({web}/acme/widgets/tree/main/docs/issues/ISSUE-3)",
    ]),
    "new: header lines": (_new_header, [
        "**GitHub:** [#4 a fix]({web}/acme/widgets/issues/4)",
        "**Parent:** [#2]({web}/acme/widgets/issues/2) — the parent",
    ]),
    "release: notes": (_release_notes, [
        "[#3]({web}/acme/widgets/issues/3) a fix",
        "[issue #3]({web}/acme/widgets/issues/3)",
        "- Issue #3: [a fix]({web}/acme/widgets/issues/3)",
        "[v1.0.0...v1.0.1]({web}/acme/widgets/compare/v1.0.0...v1.0.1)",
    ]),
}


@pytest.mark.parametrize("kind", list(API_KINDS))
@pytest.mark.parametrize("place", list(PLACES))
def test_every_link_a_command_writes(tree, place, kind):
    api, web = API_KINDS[kind]
    build, expected = PLACES[place]
    text = build(tree, api)
    for line in expected:
        assert line.format(web=web) in text, (place, kind, text)
    urls = re.findall(r"\]\((https?://[^)\s]+)\)", text)
    assert urls, text
    for url in urls:  # every link to the repository on the web host, none to the API's
        assert url.startswith(f"{web}/acme/widgets/") or "acme/widgets" not in url, (place, kind, url)
        assert "/api/v3" not in url and "//api." not in url, url
