"""``issue-flow new``: scaffold an issue folder from templates, link it from its parent."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_one_line_error, refused, run_cli, snapshot

REPO = "Signal-Meaning/dg_react_agent"
# The environment of every run: the corpus has no git remote, so the repository comes from
# GITHUB_REPOSITORY (as in GitHub Actions); nothing else from the outer environment leaks in.
ENV = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}
NO_REPO = {"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}
TITLE_462 = "conversation_already_has_active_response still occurs on 0.9.1/0.2.1 (follow-up to #459)"


@pytest.fixture
def repo462(corpus_copy) -> Path:
    """The corpus before #462 was opened: its folder removed."""
    shutil.rmtree(corpus_copy / "docs" / "issues" / "ISSUE-462")
    return corpus_copy


def make_repo(tmp_path: Path, config: str = 'repository = "o/r"\n', docs: bool = True) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # a checkout: the repository lock lives in .git
    (root / ".issue-flow.toml").write_text(config, encoding="utf-8")
    if docs:
        (root / "docs" / "issues").mkdir(parents=True)
    return root


def new(root: Path, *args: str, env: dict | None = None):
    return run_cli("new", *args, cwd=root, env=ENV if env is None else env)


def added_and_removed(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    diff = list(
        difflib.unified_diff(
            before.decode("utf-8").splitlines(keepends=True), after.decode("utf-8").splitlines(keepends=True), n=0
        )
    )[2:]
    added = [ln[1:] for ln in diff if ln.startswith("+")]
    removed = [ln[1:] for ln in diff if ln.startswith("-")]
    return added, removed


# ----------------------------------------------------------------------- the corpus


def test_follow_up_462_on_the_corpus(repo462):
    parent = repo462 / "docs/issues/ISSUE-459/README.md"
    before = parent.read_bytes()
    others = {k: v for k, v in snapshot(repo462).items() if k != "docs/issues/ISSUE-459/README.md"}

    res = new(repo462, "462", "--parent", "459", "--kind", "follow-up", "--title", TITLE_462, "--offline")
    assert res.code == 0, res
    folder = repo462 / "docs/issues/ISSUE-462"
    assert sorted(p.name for p in folder.iterdir()) == ["ANALYSIS.md", "README.md", "TRACKING.md"]
    assert "created docs/issues/ISSUE-462/README.md" in res.out

    # Nothing else in the tree changed: only the new folder and the parent's README.
    after_tree = snapshot(repo462)
    assert {k: v for k, v in after_tree.items() if not k.startswith("docs/issues/ISSUE-462/") and k != "docs/issues/ISSUE-459/README.md"} == others

    # The new folder is lint-clean.
    lint = run_cli("lint", "462", cwd=repo462, env=ENV)
    assert lint.code == 0, lint

    # The parent gains exactly the Follow-ups lines, before "Docs in this folder".
    after = parent.read_bytes()
    block = f"## Follow-ups\n\n- [#462](../ISSUE-462/README.md) — {TITLE_462}\n\n---\n\n"
    assert after.decode() == before.decode().replace("## Docs in this folder", block + "## Docs in this folder", 1)
    added, removed = added_and_removed(before, after)
    assert removed == []
    assert sorted(added) == sorted(block.splitlines(keepends=True))

    # The README has the shape of the real #462.
    readme = (folder / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    assert lines[0] == f"# Issue #462: {TITLE_462}"
    assert f"**GitHub:** [#462 {TITLE_462}](https://github.com/{REPO}/issues/462)" in lines
    assert (
        f"**Parent:** [#459](https://github.com/{REPO}/issues/459) — "
        "session.update race condition → conversation_already_has_active_response (OpenAI proxy)"
    ) in lines
    assert '<!-- issue-flow: order "Patch release" before "Follow up" -->' in lines
    assert "- **Parent #459**: [README.md](../ISSUE-459/README.md), [TRACKING.md](../ISSUE-459/TRACKING.md)" in lines
    for heading in ("## Summary", "## Context", "## Acceptance criteria", "## Status", "## Docs in this folder"):
        assert heading in lines
    tracking = (folder / "TRACKING.md").read_text(encoding="utf-8").splitlines()
    assert [ln for ln in tracking if ln.startswith("## Phase")] == [
        "## Phase 1 – Get log and analyse",
        "## Phase 2 – Fix and test",
        "## Phase 3 – Release and follow-up",
    ]
    analysis = (folder / "ANALYSIS.md").read_text(encoding="utf-8")
    for heading in ("## 1. Capture method", "## 2. Log excerpt (message order)", "## 3. Root-cause hypothesis"):
        assert heading in analysis

    # status pairs every criterion with its row by label; the parent lists the child.
    st = run_cli("status", "462", "--json", cwd=repo462, env=ENV)
    assert st.code == 0, st
    item = json.loads(st.out)["issues"][0]
    assert item["pairing"] == "label"
    assert item["criteria"] == {"done": 0, "total": 7}
    assert item["status_rows"] == 7
    assert item["phases"] == {"done": 0, "total": 3}
    assert item["parent"] == 459
    assert item["drift"] == []
    st459 = json.loads(run_cli("status", "--json", cwd=repo462, env=ENV).out)
    assert next(i for i in st459["issues"] if i["number"] == 459)["children"] == [462]
    text = run_cli("status", "462", cwd=repo462, env=ENV).out
    assert "paired by label with 7 rows" in text

    # The release, follow-up and close items answer to the names other commands use.
    from issue_flow.model import items as itemmod
    from issue_flow.config import load_config
    from issue_flow.model.issues import load_issue

    f = load_issue(load_config(repo462), 462)
    for query, label in (("Patch release", "Patch release"), ("Follow up", "Follow up"), ("Close", "Close")):
        it = itemmod.resolve(f, query)
        assert it.kind == "criterion" and it.criterion.label == label and it.row.label == label
    assert itemmod.order_rules(f) == [("Patch release", "Follow up")]

    # A rerun refuses (the folder exists) and changes nothing.
    tree = snapshot(repo462)
    again = new(repo462, "462", "--parent", "459", "--kind", "follow-up", "--title", TITLE_462, "--offline")
    assert_one_line_error(again)
    assert "exists" in again.err
    assert snapshot(repo462) == tree


def test_dry_run_prints_the_plan_and_writes_nothing(repo462):
    before = snapshot(repo462)
    res = new(repo462, "462", "--parent", "459", "--title", TITLE_462, "--offline", "--dry-run")
    assert res.code == 0, res
    assert snapshot(repo462) == before
    assert not (repo462 / "docs/issues/ISSUE-462").exists()
    assert "create docs/issues/ISSUE-462/README.md" in res.out
    assert "create docs/issues/ISSUE-462/TRACKING.md" in res.out
    assert "create docs/issues/ISSUE-462/ANALYSIS.md" in res.out
    assert "edit docs/issues/ISSUE-459/README.md" in res.out
    assert "+## Follow-ups" in res.out


def test_default_kind_is_follow_up_with_a_parent_and_bug_without(repo462):
    res = new(repo462, "462", "--parent", "459", "--title", "t", "--offline")
    assert res.code == 0, res
    assert "## Phase 1 – Get log and analyse" in (repo462 / "docs/issues/ISSUE-462/TRACKING.md").read_text()
    res = new(repo462, "9001", "--title", "a bug")
    assert res.code == 0, res
    tracking = (repo462 / "docs/issues/ISSUE-9001/TRACKING.md").read_text().splitlines()
    assert [ln for ln in tracking if ln.startswith("## Phase")] == [
        "## Phase 1 – Investigate",
        "## Phase 2 – Tests (TDD red)",
        "## Phase 3 – Implement (TDD green)",
        "## Phase 4 – Validate and document",
        "## Phase 5 – Close",
    ]
    assert run_cli("lint", "9001", cwd=repo462, env=ENV).code == 0


@pytest.mark.parametrize("kind", ["bug", "follow-up", "feature"])
def test_every_kind_is_lint_clean_and_pairs_by_label(tmp_path, kind):
    root = make_repo(tmp_path)
    (root / "docs/issues/ISSUE-10").mkdir()
    (root / "docs/issues/ISSUE-10/README.md").write_text("# Issue #10: the parent\n\n**GitHub:** #10\n")
    assert new(root, "11", "--kind", kind, "--title", "child", "--parent", "10").code == 0
    assert new(root, "12", "--kind", kind, "--title", "alone").code == 0
    for n in ("11", "12"):
        lint = run_cli("lint", n, cwd=root, env=ENV)
        assert lint.code == 0, lint
        item = json.loads(run_cli("status", n, "--json", cwd=root, env=ENV).out)["issues"][0]
        assert item["pairing"] == "label"
        assert item["criteria"]["total"] == item["status_rows"] >= 5
        assert item["phases"]["total"] >= 3
    readme = (root / "docs/issues/ISSUE-12/README.md").read_text()
    assert "**GitHub:** [#12 alone](https://github.com/o/r/issues/12)" in readme
    # the conventions of templates/README.md hold for every built-in kind
    labels = [ln.split("**")[1] for ln in readme.splitlines() if ln.startswith("- [ ] **")]
    assert any(lb.startswith("Patch release") for lb in labels)
    assert labels[-1].startswith("Close")
    # the parent README had no Follow-ups section and no Docs section: appended at the end
    parent = (root / "docs/issues/ISSUE-10/README.md").read_text()
    assert parent == (
        "# Issue #10: the parent\n\n**GitHub:** #10\n\n## Follow-ups\n\n- [#11](../ISSUE-11/README.md) — child\n"
    )


def test_without_a_repository_the_github_line_is_a_plain_number(tmp_path):
    root = make_repo(tmp_path, config="")  # and .git has no remote
    res = new(root, "5", "--title", "no remote", env=NO_REPO)
    assert res.code == 0, res
    readme = (root / "docs/issues/ISSUE-5/README.md").read_text()
    assert "**GitHub:** #5\n" in readme
    assert run_cli("lint", "5", cwd=root, env=NO_REPO).code == 0


def test_github_enterprise_links_use_the_server(tmp_path):
    root = make_repo(tmp_path, config='repository = "o/r"\napi_url = "https://ghe.example.com/api/v3"\n')
    assert new(root, "5", "--title", "t").code == 0
    assert "**GitHub:** [#5 t](https://ghe.example.com/o/r/issues/5)" in (root / "docs/issues/ISSUE-5/README.md").read_text()


def test_creates_the_docs_folder_when_missing(tmp_path):
    root = make_repo(tmp_path, docs=False)
    assert new(root, "3", "--title", "first issue").code == 0
    assert (root / "docs/issues/ISSUE-3/README.md").is_file()


# ------------------------------------------------------------------ the parent's README


def test_existing_follow_ups_section_gains_one_item(tmp_path):
    root = make_repo(tmp_path)
    p = root / "docs/issues/ISSUE-1"
    p.mkdir()
    (p / "README.md").write_text(
        "# Issue #1: parent\n\n## Follow-ups\n\n- [#2](../ISSUE-2/README.md) — earlier\n\n---\n\n## Status\n\nx\n"
    )
    (root / "docs/issues/ISSUE-2").mkdir()
    (root / "docs/issues/ISSUE-2/README.md").write_text("# Issue #2: earlier\n")
    before = (p / "README.md").read_bytes()
    assert new(root, "3", "--parent", "1", "--title", "later").code == 0
    after = (p / "README.md").read_bytes()
    added, removed = added_and_removed(before, after)
    assert removed == []
    assert added == ["- [#3](../ISSUE-3/README.md) — later\n"]
    assert after.decode().index("[#3]") > after.decode().index("[#2]")
    assert after.decode().index("[#3]") < after.decode().index("---")


def test_parent_line_endings_are_kept(tmp_path):
    root = make_repo(tmp_path)
    p = root / "docs/issues/ISSUE-1"
    p.mkdir()
    text = "# Issue #1: parent\r\n\r\n## Docs in this folder\r\n\r\n- [TRACKING.md](./TRACKING.md)\r\n"
    (p / "README.md").write_bytes(text.encode())
    (p / "TRACKING.md").write_bytes(b"# t\r\n")
    assert new(root, "2", "--parent", "1", "--title", "crlf child").code == 0
    after = (p / "README.md").read_bytes().decode()
    assert after == text.replace(
        "## Docs in this folder", "## Follow-ups\r\n\r\n- [#2](../ISSUE-2/README.md) — crlf child\r\n\r\n## Docs in this folder"
    )
    assert "\n" not in after.replace("\r\n", "")


def test_follow_up_edit_is_idempotent():
    from issue_flow.model.followups import add_follow_up

    text = "# Issue #1: p\n\n## Follow-ups\n\n- [#2](../ISSUE-2/README.md) — child\n"
    assert add_follow_up(text, 2, "../ISSUE-2/README.md", "child") is None
    once = add_follow_up("# Issue #1: p\n", 2, "../ISSUE-2/README.md", "child")
    assert once is not None
    assert add_follow_up(once, 2, "../ISSUE-2/README.md", "child") is None
    # a mention elsewhere in the README is not a listing
    other = "# Issue #1: p\n\nSee #2 for more.\n"
    assert "## Follow-ups" in add_follow_up(other, 2, "../ISSUE-2/README.md", "child")


def test_missing_parent_folder_is_allowed_with_a_warning(repo462):
    before = snapshot(repo462)
    res = new(repo462, "9002", "--parent", "9001", "--title", "child of a folderless issue")
    assert res.code == 0, res
    assert "warning" in res.err and "#9001" in res.err
    after = snapshot(repo462)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {f"docs/issues/ISSUE-9002/{n}" for n in ("README.md", "TRACKING.md", "ANALYSIS.md")}
    readme = (repo462 / "docs/issues/ISSUE-9002/README.md").read_text()
    assert f"**Parent:** [#9001](https://github.com/{REPO}/issues/9001)\n" in readme
    assert run_cli("lint", "9002", cwd=repo462, env=ENV).code == 0


def test_a_folder_naming_several_issues_already_tracks_each_of_them(repo462):
    res = new(repo462, "512", "--title", "one of several")
    assert res.code == 2, res
    assert "ISSUE-512-515" in res.err
    assert not (repo462 / "docs/issues/ISSUE-512").exists()


# --------------------------------------------------------------------------- titles


NASTY = "Fix | pipes `code` [link](x) <b>tag</b> *star* _under_ snake_case &amp; \\back #hash ##"


def _inline_text(tokens) -> str:
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


def test_titles_with_markdown_characters_render_safely(tmp_path):
    from markdown_it import MarkdownIt

    from issue_flow.model.document import Document

    root = make_repo(tmp_path)
    (root / "docs/issues/ISSUE-1").mkdir()
    (root / "docs/issues/ISSUE-1/README.md").write_text("# Issue #1: parent\n")
    res = new(root, "7", "--parent", "1", "--title", NASTY)
    assert res.code == 0, res
    readme = Document.load(root / "docs/issues/ISSUE-7/README.md")
    md = MarkdownIt("commonmark")

    # The title heading is one line and renders as the title.
    assert [h.level for h in readme.headings].count(1) == 1
    assert readme.title.line == 0
    tokens = md.parse(readme.lines[0])
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert _inline_text(tokens[1].children) == f"Issue #7: {NASTY}"

    # The GitHub link is intact: one link, to the issue, whose text is "#7 <title>".
    gh = readme.header("GitHub")
    assert gh.url == "https://github.com/o/r/issues/7"
    children = md.parseInline(readme.line_text(gh.line))[0].children
    opens = [t for t in children if t.type == "link_open"]
    assert [t.attrGet("href") for t in opens] == ["https://github.com/o/r/issues/7"]
    start = children.index(opens[0])
    end = next(i for i, t in enumerate(children) if t.type == "link_close")
    assert _inline_text(children[start + 1 : end]) == f"#7 {NASTY}"

    # The status table keeps two cells per row; every criterion still pairs by label.
    table = readme.status_tables[0]
    assert all(r.ok and len(r.cells) == 2 for r in table.rows)
    item = json.loads(run_cli("status", "7", "--json", cwd=root, env=ENV).out)["issues"][0]
    assert item["pairing"] == "label" and item["drift"] == []

    # The TRACKING title and the parent's Follow-ups line render as the title too.
    tracking = Document.load(root / "docs/issues/ISSUE-7/TRACKING.md")
    assert _inline_text(md.parse(tracking.lines[0])[1].children) == f"Issue #7 – Tracking: {NASTY}"
    parent = (root / "docs/issues/ISSUE-1/README.md").read_text().splitlines()
    line = next(ln for ln in parent if ln.startswith("- [#7]"))
    children = md.parseInline(line[2:])[0].children
    assert [t.attrGet("href") for t in children if t.type == "link_open"] == ["../ISSUE-7/README.md"]
    assert _inline_text(children).endswith(f"— {NASTY}")
    assert run_cli("lint", "7", cwd=root, env=ENV).code == 0


def test_newlines_in_a_title_become_spaces(tmp_path):
    root = make_repo(tmp_path)
    assert new(root, "8", "--title", "two\nlines\r\n  here").code == 0
    assert (root / "docs/issues/ISSUE-8/README.md").read_text().startswith("# Issue #8: two lines here\n")


def test_criteria_labels_from_issue_data_are_escaped_per_cell(tmp_path):
    """Issue data (later read from GitHub) may bring its own criteria with any label."""
    from issue_flow.workflows.new import Criterion, IssueData, plan_new
    from issue_flow.config import load_config
    from issue_flow.model.issues import load_issue
    from issue_flow.model.document import Document

    root = make_repo(tmp_path)
    cfg = load_config(root)
    labels = ["a | b", "`code` and *bold*", "[x] box", "<tag>", "snake_case_name", "done one"]
    data = IssueData(
        number=20,
        title="from GitHub",
        kind="bug",
        criteria=[Criterion(lb, f"text of {i}", done=(lb == "done one")) for i, lb in enumerate(labels)],
        labels=["bug", "needs|triage"],
    )
    plan, _warnings = plan_new(cfg, data)
    plan.apply()
    readme = Document.load(root / "docs/issues/ISSUE-20/README.md")
    table = readme.status_tables[0]
    assert len(table.rows) == len(labels) and all(r.ok for r in table.rows)
    folder = load_issue(cfg, 20)
    mode, pairs = folder.pairing
    assert mode == "label"
    assert len(pairs) == len(labels) and all(p.criterion is not None and p.row is not None for p in pairs)
    assert folder.drift() == []
    assert [c.checked for c in folder.criteria] == [lb == "done one" for lb in labels]
    assert "**Labels:** bug, needs\\|triage" in readme.text
    assert run_cli("lint", "20", cwd=root, env=ENV).code == 0


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "args, words",
    [
        (("0", "--title", "t"), "positive"),
        (("--title", "t", "--", "-3"), "positive"),
        (("abc", "--title", "t"), "positive"),
        (("../x", "--title", "t"), "positive"),
        (("1/../../x", "--title", "t"), "positive"),
        (("462", "--parent", "462", "--title", "t"), "own parent"),
        (("462", "--parent", "x", "--title", "t"), "parent"),
        (("462", "--parent", "0", "--title", "t"), "parent"),
        (("459", "--title", "t"), "exists"),
        (("554", "--title", "t"), "exists"),  # nested: epic-546/ISSUE-554
        (("462", "--kind", "epic", "--title", "t"), "unknown kind"),
        (("462", "--kind", "../bug", "--title", "t"), "unknown kind"),
        (("462", "--kind", "_shared", "--title", "t"), "unknown kind"),
        (("462",), "--title"),
        (("462", "--title", "   "), "--title"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(repo462, args, words):
    res = refused(repo462, lambda: new(repo462, *args), 2)
    assert words in res.err, res


def test_existing_folder_without_readme_is_refused(repo462):
    (repo462 / "docs/issues/ISSUE-462").mkdir()
    (repo462 / "docs/issues/ISSUE-462/notes.md").write_text("mine\n")
    res = refused(repo462, lambda: new(repo462, "462", "--title", "t"), 2)
    assert "exists" in res.err


def test_an_empty_folder_is_filled(repo462):
    """An interrupted ``new`` can leave the folder empty: a rerun fills it."""
    (repo462 / "docs/issues/ISSUE-462").mkdir()
    res = new(repo462, "462", "--title", "t")
    assert res.code == 0, res
    assert (repo462 / "docs/issues/ISSUE-462/README.md").is_file()


# ------------------------------------------------------------------------ templates


def test_configured_templates_override_by_relative_path(tmp_path):
    root = make_repo(tmp_path, config='repository = "o/r"\ntemplates = "my-templates"\n')
    over = root / "my-templates" / "follow-up"
    over.mkdir(parents=True)
    (over / "README.md.j2").write_text(
        "# Issue #{{ issue.number }}: {{ issue.title | md_inline }}\n\n"
        "**GitHub:** {% include '_shared/github-link.md.j2' +%}\n\n"
        "Custom follow-up README.\n\n"
        "{% include '_shared/criteria.md.j2' %}"
    )
    (root / "docs/issues/ISSUE-1").mkdir()
    (root / "docs/issues/ISSUE-1/README.md").write_text("# Issue #1: p\n")
    res = new(root, "2", "--parent", "1", "--title", "custom")
    assert res.code == 0, res
    readme = (root / "docs/issues/ISSUE-2/README.md").read_text()
    assert "Custom follow-up README." in readme
    assert "## Summary" not in readme
    # files not overridden come from the built-in templates
    assert "## Phase 1 – Get log and analyse" in (root / "docs/issues/ISSUE-2/TRACKING.md").read_text()
    assert run_cli("lint", "2", cwd=root, env=ENV).code == 0


def test_configured_kind_data_and_new_kinds(tmp_path):
    root = make_repo(tmp_path, config='repository = "o/r"\ntemplates = "my-templates"\n')
    chore = root / "my-templates" / "chore"
    chore.mkdir(parents=True)
    (chore / "README.md.j2").write_text(
        "# Issue #{{ issue.number }}: {{ issue.title | md_inline }}\n\n{% include '_shared/criteria.md.j2' %}"
    )
    (chore / "kind.toml").write_text('[[criteria]]\nlabel = "Done it"\ntext = "for #{{ issue.number }}"\n')
    res = new(root, "4", "--kind", "chore", "--title", "tidy")
    assert res.code == 0, res
    assert sorted(p.name for p in (root / "docs/issues/ISSUE-4").iterdir()) == ["README.md"]
    readme = (root / "docs/issues/ISSUE-4/README.md").read_text()
    assert "- [ ] **Done it** – for #4\n" in readme
    assert "| Done it | ⬜ |\n" in readme
    # unknown kinds name the configured ones too
    res = new(root, "5", "--kind", "nope", "--title", "t")
    assert_one_line_error(res)
    assert "chore" in res.err and "follow-up" in res.err


@pytest.mark.parametrize(
    "content, words",
    [
        ("# {{ nope }}\n", ["my-templates/bug/README.md.j2", "'nope' is undefined"]),
        ("# {{ issue.nope }}\n", ["my-templates/bug/README.md.j2", "nope"]),
        ("# {% if %}\n", ["my-templates/bug/README.md.j2:1"]),
        ("# {% include 'missing.j2' %}\n", ["missing.j2", "not found"]),
    ],
)
def test_template_errors_are_one_line_and_write_nothing(tmp_path, content, words):
    root = make_repo(tmp_path, config='repository = "o/r"\ntemplates = "my-templates"\n')
    (root / "my-templates/bug").mkdir(parents=True)
    (root / "my-templates/bug/README.md.j2").write_text(content)
    res = refused(root, lambda: new(root, "6", "--title", "t"), 2)
    for w in words:
        assert w in res.err, res


def test_undefined_variable_in_a_partial_names_the_partial(tmp_path):
    root = make_repo(tmp_path, config='templates = "my-templates"\n')
    (root / "my-templates/_shared").mkdir(parents=True)
    (root / "my-templates/_shared/context.md.j2").write_text("## Context\n\n{{ undefined_thing }}\n")
    res = refused(root, lambda: new(root, "6", "--title", "t", env=NO_REPO), 2)
    assert "my-templates/_shared/context.md.j2" in res.err and "undefined_thing" in res.err


def test_bad_kind_toml_and_missing_templates_folder(tmp_path):
    root = make_repo(tmp_path, config='templates = "my-templates"\n')
    before = snapshot(root)
    res = new(root, "6", "--title", "t", env=NO_REPO)
    assert_one_line_error(res)
    assert "my-templates" in res.err and "not found" in res.err
    (root / "my-templates/bug").mkdir(parents=True)
    (root / "my-templates/bug/kind.toml").write_text("criteria = [")
    before = snapshot(root)
    res = new(root, "6", "--title", "t", env=NO_REPO)
    assert_one_line_error(res)
    assert "kind.toml" in res.err
    assert snapshot(root) == before
    (root / "my-templates/bug/kind.toml").write_text('[[criteria]]\nlabel = "x"\ntext = "{{ nope }}"\n')
    res = refused(root, lambda: new(root, "6", "--title", "t", env=NO_REPO), 2)
    assert "kind.toml" in res.err and "criteria[0].text" in res.err and "nope" in res.err


def test_escaping_filters():
    from issue_flow.mdescape import md_cell_raw, md_inline

    assert md_inline("a_b _c_ d") == "a_b \\_c\\_ d"
    assert md_inline("x | y") == "x \\| y"
    assert md_inline("Issue #459 fix #") == "Issue #459 fix \\#"
    assert md_inline("&amp; & and") == "\\&amp; & and"
    assert md_inline("a\nb") == "a b"
    assert md_cell_raw("a | b \\| c `d|e`") == "a \\| b \\| c `d\\|e`"
    assert md_cell_raw("a \\\\| b") == "a \\\\\\| b"
