"""Reliability: bad inputs to every command (issue 7, part 3).

Every row of ``CASES`` is one bad input: a small repository (``base_repo``: a git checkout
with a configuration, two npm packages and issue #7 scaffolded by ``new``) is copied, the
row's ``setup`` breaks one thing, and one command runs in-process. The contract, for every
row:

- exit code 2 (bad input or error; never 1, never 0, never a crash);
- exactly one line on stderr, ``issue-flow: error: …``, no traceback, and not the CLI's
  last-resort ``internal error: …`` (that one means an exception nobody turned into a
  message: a bug);
- the error names the problem (``match``, a regular expression searched in the line);
- the whole temporary directory (the repository *and* its surroundings, so a write that
  escapes the repository is seen) is byte-for-byte what it was before;
- for the rows that talk to the GitHub test server: nothing was sent but GETs.

Titles and notes holding Markdown's table and link characters are not bad input: the tests
at the end check they succeed, render as the literal text, and leave ``lint`` clean.

docs/reliability.md lists every row (id, command, input, expected result).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from conftest import assert_one_line_error, copy_tree, git, refused, run_cli, snapshot

ISSUE = "docs/issues/ISSUE-7"
README = f"{ISSUE}/README.md"
TRACKING = f"{ISSUE}/TRACKING.md"
TITLE_7 = "session.update race"

CONFIG = """\
repository = "acme/widgets"

[[packages]]
name = "component"
manifest = "package.json"
tag_prefix = "v"

[[packages]]
name = "backend"
manifest = "packages/backend/package.json"
tag_prefix = "backend-v"

[[gates]]
name = "lint"
report = "reports/eslint.json"
format = "eslint"
check = "lint"

[[gates]]
name = "test:mock"
report = "reports/junit.xml"
format = "junit"
check = "test:mock"
"""
CONFIG_NO_PACKAGES = 'repository = "acme/widgets"\n'
GATES_TOML = CONFIG[CONFIG.index("[[gates]]"):]
PACKAGE_JSON = '{\n  "name": "@acme/widgets",\n  "version": "0.9.1"\n}\n'
PACKAGE_LOCK = (
    '{\n  "name": "@acme/widgets",\n  "version": "0.9.1",\n  "lockfileVersion": 3,\n  "requires": true,\n'
    '  "packages": {\n    "": {\n      "name": "@acme/widgets",\n      "version": "0.9.1"\n    },\n'
    '    "node_modules/left-pad": {\n      "version": "0.9.1"\n    }\n  }\n}\n'
)
BACKEND_JSON = '{\n  "name": "@acme/backend",\n  "version": "0.2.1"\n}\n'

JUNIT_PASS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="1" failures="0" errors="0" time="0.5">'
    '<testsuite name="s" tests="1" time="0.5"><testcase classname="s" name="a"/></testsuite></testsuites>\n'
)
ESLINT_OK = '[{"filePath": "/r/src/a.ts", "messages": [], "errorCount": 0, "warningCount": 0}]\n'
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<testsuites><testsuite name="&lol9;"><testcase name="x"/></testsuite></testsuites>\n'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
    '<testsuites><testsuite name="&leak;"><testcase name="a"/></testsuite></testsuites>\n'
)
DEEP_JSON = "[" * 100_000 + "]" * 100_000

# The environment of every run: nothing of the outer environment leaks in.
ENV: dict[str, str | None] = {
    "GITHUB_TOKEN": None,
    "GH_TOKEN": None,
    "GITHUB_REPOSITORY": None,
    "GITHUB_API_URL": None,
    "GITHUB_ACTIONS": None,
    "GITHUB_STEP_SUMMARY": None,
    "GITHUB_OUTPUT": None,
    "ISSUE_FLOW_DEBUG": None,
    "ISSUE_FLOW_GITHUB_TIMEOUT": "1",
    "ISSUE_FLOW_GITHUB_RETRIES": "0",
    "ISSUE_FLOW_GITHUB_THROTTLE": "0",
}
# For the commands that need a token: a server nobody listens on. A row whose error comes
# from local input must fail before the first request, so this is never reached.
OFFLINE_TOKEN = {"GITHUB_TOKEN": "ghp_reliability_never_sent", "GITHUB_API_URL": "http://127.0.0.1:9/api/v3"}


# --------------------------------------------------------------------------- the repository


def build_base(root: Path) -> Path:
    """A git checkout: configuration, component (with lock) and backend, #7 from ``new``."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    (root / ".issue-flow.toml").write_text(CONFIG)
    (root / "package.json").write_text(PACKAGE_JSON)
    (root / "package-lock.json").write_text(PACKAGE_LOCK)
    (root / "packages" / "backend").mkdir(parents=True)
    (root / "packages" / "backend" / "package.json").write_text(BACKEND_JSON)
    (root / "reports").mkdir()
    (root / "reports" / "junit.xml").write_text(JUNIT_PASS)
    (root / "reports" / "eslint.json").write_text(ESLINT_OK)
    (root / "docs" / "issues").mkdir(parents=True)
    res = run_cli("new", "7", "--kind", "follow-up", "--offline", "--title", TITLE_7, cwd=root, env=ENV)
    assert res.code == 0, res
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    lint = run_cli("lint", cwd=root, env=ENV)
    assert lint.code == 0, lint
    return root


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


# --------------------------------------------------------------------------- set-ups


@dataclass
class Ctx:
    root: Path
    server: object | None = None


Setup = Callable[[Ctx], None]


def write(rel: str, data: str | bytes) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    return setup


def replace(rel: str, old: bytes, new: bytes) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        data = path.read_bytes()
        assert old in data, (rel, old)
        path.write_bytes(data.replace(old, new, 1))

    return setup


def remove(rel: str) -> Setup:
    def setup(ctx: Ctx) -> None:
        path = ctx.root / rel
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()

    return setup


def chain(*steps: Setup) -> Setup:
    def setup(ctx: Ctx) -> None:
        for step in steps:
            step(ctx)

    return setup


def results_file(data: str | bytes) -> Setup:
    """The gate results recorded for HEAD (``.issue-flow/results/<sha>.json``)."""

    def setup(ctx: Ctx) -> None:
        write(f".issue-flow/results/{head(ctx.root)}.json", data)(ctx)

    return setup


def readme_is_a_directory(ctx: Ctx) -> None:
    (ctx.root / README).unlink()
    (ctx.root / README).mkdir()


def outside_manifest(ctx: Ctx) -> None:
    """A package whose manifest is outside the repository (and exists there)."""
    outside = ctx.root.parent / "outside"
    outside.mkdir()
    (outside / "package.json").write_text('{\n  "name": "outside",\n  "version": "1.0.0"\n}\n')
    (ctx.root / ".issue-flow.toml").write_text(
        CONFIG_NO_PACKAGES + '\n[[packages]]\nname = "outside"\nmanifest = "../outside/package.json"\n\n' + GATES_TOML
    )


def sync_body_over_limit(ctx: Ctx) -> None:
    """#7 on GitHub holds a 70,000-character body (all open); locally "Tests" was ticked
    since the last sync (the base says all open): the push would send 70,000 characters."""
    from issue_flow.workflows import sync_merge as syncing

    text = (ctx.root / README).read_text(encoding="utf-8")
    criteria = [ln for ln in text.splitlines() if ln.startswith("- [ ] **")]
    assert len(criteria) == 7
    body = "## Acceptance criteria\r\n\r\n" + "".join(c + "\r\n" for c in criteria) + "\r\n## Log\r\n\r\n"
    body += ("x" * 98 + "\r\n") * ((70_000 - len(body)) // 100 + 1)
    assert len(body) > 70_000
    ctx.server.add_issue(7, TITLE_7, body=body)
    text = text.replace("- [ ] **Tests**", "- [x] **Tests**").replace("| Tests | ⬜ |", "| Tests | ✅ |")
    (ctx.root / README).write_text(text, encoding="utf-8")
    labels = ["log excerpt", "analysis", "root cause fix", "tests", "patch release", "follow up", "close"]
    write(".issue-flow/sync/ISSUE-7.json", syncing.dump_base(7, {f"label:{k}": False for k in labels}))(ctx)


def issue_on_server(ctx: Ctx) -> None:
    ctx.server.add_issue(7, TITLE_7, body="- [ ] **Tests** – x\n")


def no_git(ctx: Ctx) -> None:
    """A repository found by its configuration alone (a tarball, an export): no .git."""
    shutil.rmtree(ctx.root / ".git")


# --------------------------------------------------------------------------- the table


@dataclass
class Case:
    args: tuple[str, ...]
    what: str  # the input, in words (docs/reliability.md)
    setup: Setup | None = None
    match: str = ""  # regular expression the error line must contain
    env: dict[str, str | None] = field(default_factory=dict)
    server: bool = False  # run against the GitHub test server (only GETs may be sent)
    commit: bool = False  # commit the set-up, so a clean-tree check cannot be the reason


def case(id_: str, args: tuple[str, ...] | list[str], what: str, **kw) -> pytest.param:
    return pytest.param(Case(tuple(args), what, **kw), id=id_)


T = ("--offline", "--title", "T")

CASES = [
    # ----------------------------------------------------------- issue numbers, path-like
    case("number-new-dotdot", ["new", "../x", *T], "issue number `../x`", match="positive whole number"),
    case("number-new-slash", ["new", "1/2", *T], "issue number `1/2`", match="positive whole number"),
    case("number-new-huge", ["new", "99999999999999999999", *T], "issue number `99999999999999999999`", match="positive whole number"),
    case("number-new-negative", ["new", "-1", *T], "issue number `-1` (reads as an option)", match="-1"),
    case("number-new-zero", ["new", "0", *T], "issue number `0`", match="positive whole number"),
    case("number-new-exponent", ["new", "1e3", *T], "issue number `1e3`", match="positive whole number"),
    case("number-new-percent", ["new", "%2e%2e", *T], "issue number `%2e%2e` (URL-encoded `..`)", match="positive whole number"),
    case("number-new-dash-dash-negative", ["new", *T, "--", "-1"], "issue number `-1` after `--`", match="positive whole number|-1"),
    case("number-check-dotdot", ["check", "../x", "1"], "issue number `../x`", match="positive whole number"),
    case("number-check-negative", ["check", "-1", "1"], "issue number `-1`", match="-1"),
    case("number-status-slash", ["status", "1/2"], "issue number `1/2`", match="positive whole number"),
    case("number-lint-percent", ["lint", "%2e%2e"], "issue number `%2e%2e`", match="positive whole number"),
    case("number-sync-huge", ["sync", "99999999999999999999"], "issue number `99999999999999999999`", match="positive whole number", env=OFFLINE_TOKEN),
    case("number-close-zero", ["close", "0"], "issue number `0`", match="positive whole number", env=OFFLINE_TOKEN),
    case("number-release-dotdot", ["release", "../x", "--patch"], "issue number `../x`", match="positive whole number"),
    case("number-ci-update-exponent", ["ci", "update", "1e3"], "issue number `1e3`", match="positive whole number"),
    case("number-new-parent-dotdot", ["new", "8", "--parent", "../x", *T], "parent `../x`", match="parent issue number"),
    case("number-new-parent-huge", ["new", "8", "--parent", "99999999999999999999", *T], "parent `99999999999999999999`", match="parent issue number"),
    case("number-status-unknown", ["status", "99"], "an issue with no folder", match="no issue folder for #99"),
    # ----------------------------------------------------------- new: kind, title, parent
    case("new-parent-is-self", ["new", "8", "--parent", "8", *T], "P equal to N", match="cannot be its own parent"),
    case("new-kind-unknown", ["new", "8", "--kind", "epic-nonsense", *T], "unknown kind", match="unknown kind"),
    case("new-kind-path", ["new", "8", "--kind", "../follow-up", *T], "a path as the kind (`../follow-up`)", match="unknown kind"),
    case("new-kind-release", ["new", "8", "--kind", "release", *T], "the release templates' folder as a kind", match="unknown kind"),
    case("new-kind-empty", ["new", "8", "--kind", " ", *T], "an empty kind", match="kind"),
    case("new-no-title", ["new", "8", "--offline"], "offline without --title", match="title"),
    case("new-blank-title", ["new", "8", "--offline", "--title", " \t "], "a blank title", match="title"),
    case("new-existing-folder", ["new", "7", *T], "a folder that exists", match="already"),
    # ----------------------------------------------------------- Markdown
    case(
        "md-unclosed-fence",
        ["check", "7", "Tests"],
        "README: a code fence opened above the criteria and never closed",
        setup=replace(README, b"## Acceptance criteria\n", b"## Acceptance criteria\n\n```js\n"),
        match="no item of #7 matches",
    ),
    case(
        "md-row-wrong-cell-count",
        ["check", "7", "Implement the fix"],
        "TRACKING: the step's row has 3 cells under a 2-column header",
        setup=replace(TRACKING, "| Implement the fix, test first (TDD) | ⬜ |".encode(), "| Implement the fix, test first (TDD) | ⬜ | x |".encode()),
        match="no item of #7 matches",
    ),
    case(
        "md-no-criteria",
        ["check", "7", "1"],
        "README with no acceptance criteria",
        setup=write(README, f"# Issue #7: {TITLE_7}\n\nNo criteria here.\n"),
        match="no item numbered 1",
    ),
    case(
        "md-nul-byte",
        ["check", "7", "Tests"],
        "README holding a NUL byte",
        setup=replace(README, b"## Summary", b"## Sum\x00mary"),
        match="NUL|binary|not (a )?text",
    ),
    case(
        "md-readme-not-utf8-check",
        ["check", "7", "Tests"],
        "README in Latin-1 (byte 0xE9)",
        setup=replace(README, b"## Summary", b"## Summ\xe9ry"),
        match="not UTF-8",
    ),
    case(
        "md-readme-not-utf8-status",
        ["status", "7"],
        "README in Latin-1",
        setup=replace(README, b"## Summary", b"## Summ\xe9ry"),
        match="not UTF-8",
    ),
    case(
        "md-readme-not-utf8-sync",
        ["sync", "7"],
        "README in Latin-1 (sync fails before any request)",
        setup=chain(issue_on_server, replace(README, b"## Summary", b"## Summ\xe9ry")),
        match="not UTF-8",
        server=True,
    ),
    case(
        "md-tracking-not-utf8",
        ["check", "7", "1.1"],
        "TRACKING in Latin-1",
        setup=replace(TRACKING, b"## Phase 1", b"## Ph\xe4se 1"),
        match="not UTF-8",
    ),
    case("md-readme-is-directory", ["check", "7", "1"], "README.md is a directory", setup=readme_is_a_directory, match="README"),
    case("md-item-empty", ["check", "7", ""], "an empty ITEM", match="ITEM is empty"),
    case("md-item-no-step", ["check", "7", "1.99"], "a step number that does not exist", match="no item numbered 1.99"),
    # ----------------------------------------------------------- TOML configuration
    case("toml-syntax", ["status"], ".issue-flow.toml: a value missing", setup=write(".issue-flow.toml", "repository = \n"), match="malformed TOML"),
    case("toml-unclosed-array-init", ["init"], "init over a broken .issue-flow.toml", setup=write(".issue-flow.toml", "x = [\n"), match="malformed TOML"),
    case("toml-wrong-type", ["status"], "`docs = 5`", setup=write(".issue-flow.toml", "docs = 5\n"), match="'docs' must be"),
    case("toml-unknown-key", ["status"], "`colour = \"red\"`", setup=write(".issue-flow.toml", 'colour = "red"\n'), match="unknown key"),
    case("toml-gates-not-list", ["gate"], "`gates = \"x\"`", setup=write(".issue-flow.toml", 'gates = "x"\n'), match="'gates' must be"),
    case("toml-gate-format", ["gate"], "a gate with `format = \"tap\"`", setup=write(".issue-flow.toml", '[[gates]]\nname = "x"\nformat = "tap"\n'), match="format"),
    case("toml-package-no-manifest", ["status"], "a package without `manifest`", setup=write(".issue-flow.toml", '[[packages]]\nname = "x"\n'), match="manifest"),
    case("toml-not-utf8", ["status"], ".issue-flow.toml in Latin-1", setup=write(".issue-flow.toml", b"# caf\xe9\n"), match="not UTF-8"),
    case(
        "toml-deep-nesting",
        ["status"],
        ".issue-flow.toml: an array nested 5,000 deep",
        setup=write(".issue-flow.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"),
        match="TOML|nested",
    ),
    case(
        "toml-pyproject-section",
        ["status"],
        "pyproject.toml [tool.issue-flow] with an unterminated string",
        setup=chain(remove(".issue-flow.toml"), write("pyproject.toml", '[tool.issue-flow]\nrepository = "acme/widgets\n')),
        match="malformed TOML",
    ),
    case("toml-repository-env", ["status"], "GITHUB_REPOSITORY=`not a repo`", setup=write(".issue-flow.toml", ""), env={"GITHUB_REPOSITORY": "not a repo"}, match="owner/name"),
    case("toml-templates-missing", ["new", "8", *T], "`templates` names a missing folder", setup=write(".issue-flow.toml", CONFIG_NO_PACKAGES + 'templates = "nope"\n'), match="templates"),
    case(
        "toml-templates-broken-jinja",
        ["new", "8", *T],
        "a configured template with a Jinja syntax error",
        setup=chain(write(".issue-flow.toml", CONFIG_NO_PACKAGES + 'templates = "tpl"\n'), write("tpl/bug/README.md.j2", "{% if %}\n")),
        match="template",
    ),
    case(
        "toml-docs-outside-repo",
        ["new", "8", *T],
        "`docs = \"../escape\"` (outside the repository)",
        setup=write(".issue-flow.toml", CONFIG_NO_PACKAGES + 'docs = "../escape"\n'),
        match="docs|outside|repository",
    ),
    case(
        "toml-docs-absolute",
        ["new", "8", *T],
        "`docs` an absolute path outside the repository",
        setup=lambda ctx: write(".issue-flow.toml", CONFIG_NO_PACKAGES + f'docs = "{(ctx.root.parent / "abs-docs").as_posix()}"\n')(ctx),
        match="docs|outside|repository",
    ),
    case(
        "toml-manifest-outside-repo",
        ["release", "7", "--patch"],
        "a package manifest `../outside/package.json` (exists, gates pass)",
        setup=outside_manifest,
        match="manifest|outside|repository",
        commit=True,
    ),
    # ----------------------------------------------------------- JSON
    case("json-package-truncated", ["release", "7", "--patch"], "package.json cut short", setup=write("package.json", '{"version": '), match="package.json", commit=True),
    case("json-package-not-utf8", ["release", "7", "--patch"], "package.json in Latin-1", setup=write("package.json", b'{"name": "caf\xe9", "version": "0.9.1"}\n'), match="package.json", commit=True),
    case("json-package-no-version", ["release", "7", "--patch"], "package.json without `version`", setup=write("package.json", '{"name": "x"}\n'), match="version", commit=True),
    case("json-package-duplicate-version", ["release", "7", "--patch"], "package.json with `version` twice", setup=write("package.json", '{\n  "version": "0.9.1",\n  "version": "0.9.0"\n}\n'), match="duplicate", commit=True),
    case("json-package-array", ["release", "7", "--patch"], "package.json is `[]`", setup=write("package.json", "[]\n"), match="version", commit=True),
    case(
        "json-package-deep-detect",
        ["release", "7", "--patch"],
        "package.json nested 100,000 deep, packages detected (none configured)",
        setup=chain(write(".issue-flow.toml", CONFIG_NO_PACKAGES), write("package.json", DEEP_JSON)),
        match="package.json",
        commit=True,
    ),
    case("json-lock-truncated", ["release", "7", "--patch"], "package-lock.json cut short", setup=write("package-lock.json", '{"version": "0.9.1", '), match="package-lock.json", commit=True),
    case("json-lock-version-number", ["release", "7", "--patch"], "package-lock.json `\"version\": 1`", setup=write("package-lock.json", '{"version": 1, "packages": {"": {"version": "0.9.1"}}}\n'), match="version", commit=True),
    case(
        "json-lock-deep",
        ["release", "7", "--patch"],
        "package-lock.json nested 100,000 deep",
        setup=write("package-lock.json", '{"version": "0.9.1", "packages": ' + DEEP_JSON + "}\n"),
        match="package-lock.json",
        commit=True,
    ),
    case("json-results-not-json", ["gate"], "gate results for HEAD: `{oops`", setup=results_file("{oops"), match="malformed gate results"),
    case("json-results-bad-status", ["gate"], "gate results: `status: maybe`", setup=results_file('{"lint": {"status": "maybe"}}'), match="status must be pass or fail"),
    case("json-results-not-object", ["gate"], "gate results: `[1, 2]`", setup=results_file("[1, 2]"), match="malformed gate results"),
    case("json-results-not-utf8", ["gate"], "gate results in Latin-1", setup=results_file(b'{"lint": {"status": "pass", "source": "caf\xe9"}}'), match="gate results"),
    case("json-results-deep", ["gate"], "gate results nested 100,000 deep", setup=results_file(DEEP_JSON), match="gate results"),
    case("json-sync-base-not-json", ["sync", "7"], ".issue-flow/sync/ISSUE-7.json: `{not json`", setup=write(".issue-flow/sync/ISSUE-7.json", "{not json"), match="sync base", env=OFFLINE_TOKEN),
    case(
        "json-sync-base-wrong-items",
        ["sync", "7"],
        "sync base with `items: {\"a\": \"yes\"}`",
        setup=write(".issue-flow/sync/ISSUE-7.json", '{"version": 1, "items": {"a": "yes"}}'),
        match="items",
        env=OFFLINE_TOKEN,
    ),
    case("json-sync-base-deep", ["sync", "7"], "sync base nested 100,000 deep", setup=write(".issue-flow/sync/ISSUE-7.json", DEEP_JSON), match="sync base", env=OFFLINE_TOKEN),
    case("json-eslint-truncated", ["ci", "record"], "reports/eslint.json cut short", setup=write("reports/eslint.json", "[{"), match="eslint.json"),
    case("json-eslint-not-list", ["ci", "record"], "reports/eslint.json an object", setup=write("reports/eslint.json", '{"x": 1}'), match="ESLint"),
    # ----------------------------------------------------------- XML
    case("xml-junit-not-xml", ["ci", "record"], "reports/junit.xml is plain text", setup=write("reports/junit.xml", "this is not xml\n"), match="not a valid XML"),
    case("xml-junit-wrong-root", ["ci", "record"], "reports/junit.xml is `<html/>`", setup=write("reports/junit.xml", "<html/>\n"), match="not a JUnit report"),
    case("xml-entity-bomb-ci", ["ci", "record"], "billion-laughs entity expansion", setup=write("reports/junit.xml", BOMB), match="unsafe XML"),
    case("xml-entity-bomb-gate", ["gate", "--record"], "billion-laughs entity expansion (gate --record)", setup=write("reports/junit.xml", BOMB), match="unsafe XML"),
    case("xml-external-entity", ["ci", "record"], "external entity `file:///etc/passwd`", setup=write("reports/junit.xml", EXTERNAL_ENTITY), match="unsafe XML"),
    # ----------------------------------------------------------- versions
    case("semver-package-two-parts", ["release", "7", "--patch"], "package.json version `1.2`", setup=replace("package.json", b'"0.9.1"', b'"1.2"'), match="not semver", commit=True),
    case("semver-package-v-prefix", ["release", "7", "--patch"], "package.json version `v0.9.1`", setup=replace("package.json", b'"0.9.1"', b'"v0.9.1"'), match="not semver", commit=True),
    case(
        "semver-package-quote",
        ["release", "7", "--patch"],
        'package.json version `0.9.1"x` (escaped quote)',
        setup=replace("package.json", b'"0.9.1"', b'"0.9.1\\"x"'),
        match="not semver",
        commit=True,
    ),
    case(
        "semver-pyproject-post",
        ["release", "7", "--patch"],
        "pyproject.toml version `1.0.0.post1`",
        setup=chain(
            write(".issue-flow.toml", CONFIG_NO_PACKAGES + '[[packages]]\nname = "py"\nmanifest = "pyproject.toml"\n'),
            write("pyproject.toml", '[project]\nname = "x"\nversion = "1.0.0.post1"\n'),
        ),
        match="not semver",
        commit=True,
    ),
    case(
        "semver-pyproject-calver",
        ["release", "7", "--patch"],
        "pyproject.toml version `2024.1`",
        setup=chain(
            write(".issue-flow.toml", CONFIG_NO_PACKAGES + '[[packages]]\nname = "py"\nmanifest = "pyproject.toml"\n'),
            write("pyproject.toml", '[project]\nname = "x"\nversion = "2024.1"\n'),
        ),
        match="not semver",
        commit=True,
    ),
    case(
        "semver-pyproject-dynamic",
        ["release", "7", "--patch"],
        "pyproject.toml with a dynamic version",
        setup=chain(
            write(".issue-flow.toml", CONFIG_NO_PACKAGES + '[[packages]]\nname = "py"\nmanifest = "pyproject.toml"\n'),
            write("pyproject.toml", '[project]\nname = "x"\ndynamic = ["version"]\n'),
        ),
        match="dynamic",
        commit=True,
    ),
    # ----------------------------------------------------------- release options
    case("release-unknown-package", ["release", "7", "--patch", "--package", "nope"], "`--package nope`", match="unknown package"),
    case("release-package-path", ["release", "7", "--patch", "--package", "../x"], "`--package ../x`", match="unknown package"),
    case("release-without-patch", ["release", "7"], "no `--patch`", match="--patch"),
    case("release-tag-without-commit", ["release", "7", "--patch", "--tag"], "`--tag` without `--commit`", match="--commit"),
    # ----------------------------------------------------------- gate, sync, environment
    case("gate-sha-path", ["gate", "--sha", "../x"], "`--sha ../x`", match="unknown revision"),
    case("gate-sha-unknown", ["gate", "--sha", "0" * 40], "`--sha` 40 zeros", match="0000|revision|commit"),
    case("ci-record-sha-path", ["ci", "record", "--sha", "../../x"], "`ci record --sha ../../x`", match="revision"),
    case("sync-pull-and-push", ["sync", "7", "--pull", "--push"], "`--pull --push`", match="exclude each other", env=OFFLINE_TOKEN),
    case("env-timeout-not-number", ["sync", "7"], "ISSUE_FLOW_GITHUB_TIMEOUT=`abc`", env={**OFFLINE_TOKEN, "ISSUE_FLOW_GITHUB_TIMEOUT": "abc"}, match="ISSUE_FLOW_GITHUB_TIMEOUT"),
    case("root-missing", ["-C", "/nonexistent/reliability", "status"], "`-C` a missing directory", match="not a directory"),
    case("docs-missing-status", ["status"], "no docs folder", setup=remove("docs"), match="docs folder not found"),
    case("docs-missing-lint", ["lint"], "no docs folder", setup=remove("docs"), match="docs folder not found"),
    case("docs-missing-check", ["check", "7", "1"], "no docs folder", setup=remove("docs"), match="docs folder not found"),
    case("no-git-failed-check", ["check", "7", "nope"], "a repository without .git: a failing check", setup=no_git, match="no item of #7 matches"),
    # ----------------------------------------------------------- GitHub limits
    case(
        "github-sync-body-70000",
        ["sync", "7"],
        "a 70,000-character issue body that the push would send",
        setup=sync_body_over_limit,
        match="65,536",
        server=True,
    ),
    case(
        "github-close-resolution-70000",
        ["close", "7", "--force", "--resolution", "r" * 70_000],
        "a 70,000-character --resolution (the closure comment would exceed 65,536)",
        setup=issue_on_server,
        match="65,536",
        server=True,
    ),
]


def server_env(server) -> dict[str, str | None]:
    return {"GITHUB_TOKEN": server.token, "GITHUB_API_URL": server.url, "GITHUB_REPOSITORY": server.repo}


@pytest.mark.parametrize("c", CASES)
def test_bad_input(c: Case, base_repo, tmp_path, request):
    root = copy_tree(base_repo, tmp_path / "repo")
    server = request.getfixturevalue("gh_server") if c.server else None
    if c.setup is not None:
        c.setup(Ctx(root, server))
    if c.commit:
        git(root, "add", "-A")
        git(root, "commit", "-qm", "set-up", "--allow-empty")
        # every gate passes for the new HEAD: the release would go ahead but for the bad input
        entry = {"status": "pass", "source": "test"}
        write(f".issue-flow/results/{head(root)}.json", json.dumps({"lint": entry, "test:mock": entry}))(Ctx(root))
    env = dict(ENV, **c.env)
    if server is not None:
        env.update(server_env(server))
        server.clear_log()
    before = snapshot(tmp_path)

    res = run_cli(*c.args, cwd=root, env=env)

    assert_one_line_error(res, 2)
    line = res.err.strip()
    assert "internal error" not in line, f"an exception escaped as the last-resort message: {line}"
    assert re.search(c.match, line), (c.match, line)
    after = snapshot(tmp_path)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"files changed or created by a failing command: {changed}"
    if server is not None:
        sent = [(r.method, r.path) for r in server.requests if r.method != "GET"]
        assert not sent, f"a write was sent to GitHub: {sent}"


def test_the_table_has_at_least_forty_distinct_cases():
    ids = [p.id for p in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    commands = {p.values[0].args[0] if p.values[0].args[0] != "-C" else p.values[0].args[2] for p in CASES}
    assert commands >= {"init", "new", "status", "check", "lint", "sync", "gate", "release", "close", "ci"}


# --------------------------------------------------------------------------- safe rendering

SPECIAL_TITLE = "Pipes | and [links](http://x) `code` <b>html</b> *stars* _under_ {{ 7*7 }} ~~s~~ &amp; ##"


def _plain_inline(tokens) -> tuple[str, set[str]]:
    """The text an inline token list renders to, and the token types met on the way."""
    text, kinds = [], set()
    for tok in tokens:
        kinds.add(tok.type)
        if tok.type in ("text", "code_inline", "html_inline"):
            text.append(tok.content)
        elif tok.type == "softbreak":
            text.append(" ")
    return "".join(text), kinds


def _heading(md_text: str) -> tuple[str, set[str]]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(md_text)
    for k, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == "h1":
            return _plain_inline(tokens[k + 1].children)
    raise AssertionError("no h1")


def _table_rows_ok(path: Path) -> None:
    from issue_flow.model.document import Document

    doc = Document.load(path)
    assert doc.status_tables, path
    for table in doc.status_tables:
        bad = [r for r in table.rows if not r.ok]
        assert not bad, (path, bad)


@pytest.mark.parametrize(
    "title",
    [
        pytest.param(SPECIAL_TITLE, id="all-special"),
        pytest.param("a | b | c", id="pipes"),
        pytest.param("[x](../ISSUE-7/README.md) and ![img](y.png)", id="link-and-image"),
        pytest.param("`unclosed code and <unclosed tag", id="unclosed-code-and-tag"),
        pytest.param("ends with a backslash \\", id="trailing-backslash"),
    ],
)
def test_titles_with_table_and_link_characters_render_safely(title, base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    res = run_cli("new", "8", "--offline", "--title", title, cwd=root, env=ENV)
    assert res.code == 0, res
    res = run_cli("new", "9", "--parent", "7", "--offline", "--title", title, cwd=root, env=ENV)
    assert res.code == 0, res

    for n in (8, 9):
        readme = root / f"docs/issues/ISSUE-{n}/README.md"
        text, kinds = _heading(readme.read_text(encoding="utf-8"))
        assert text == f"Issue #{n}: {' '.join(title.split())}", text
        assert kinds <= {"text", "softbreak"}, f"the title rendered as markup: {kinds}"
        for name in ("README.md", "TRACKING.md"):
            _table_rows_ok(readme.parent / name)
    # The parent's Follow-ups line is one link to the child, then the literal title.
    parent = (root / README).read_text(encoding="utf-8")
    line = next(ln for ln in parent.splitlines() if "ISSUE-9" in ln)
    from markdown_it import MarkdownIt

    inline = MarkdownIt("commonmark").parseInline(line.lstrip("- "))[0].children
    links = [t.attrGet("href") for t in inline if t.type == "link_open"]
    assert links == ["../ISSUE-9/README.md"], line
    lint = run_cli("lint", cwd=root, env=ENV)
    assert lint.code == 0, lint
    status = run_cli("status", "--json", cwd=root, env=ENV)
    assert status.code == 0 and not json.loads(status.out)["skipped"], status


def test_a_note_with_table_characters_keeps_the_row_whole(base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    note = "a | b `z` <i> * [PR 12](https://example.com/pr/12)\nsecond line"
    res = run_cli("check", "7", "Tests", "--note", note, cwd=root, env=ENV)
    assert res.code == 0, res
    res = run_cli("check", "7", "1.1", "--note", "x | y | z", cwd=root, env=ENV)
    assert res.code == 0, res
    _table_rows_ok(root / README)
    _table_rows_ok(root / TRACKING)
    lint = run_cli("lint", cwd=root, env=ENV)
    assert lint.code == 0, lint
    status = json.loads(run_cli("status", "7", "--json", cwd=root, env=ENV).out)["issues"][0]
    assert status["criteria"]["done"] == 1 and status["drift"] == []


# --------------------------------------------------------------------------- a real process


@pytest.mark.parametrize(
    "args, setup",
    [
        pytest.param(("status",), write(".issue-flow.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"), id="toml-deep"),
        pytest.param(("check", "7", "Tests"), replace(README, b"## Summary", b"## Summ\xe9ry"), id="readme-not-utf8"),
        pytest.param(("ci", "record"), write("reports/junit.xml", BOMB), id="xml-bomb"),
    ],
)
def test_no_traceback_in_a_real_process(args, setup, base_repo, tmp_path):
    """The same contract through ``python -m issue_flow`` (no CliRunner in between)."""
    from conftest import run_process

    root = copy_tree(base_repo, tmp_path / "repo")
    setup(Ctx(root))
    res = refused(tmp_path, lambda: run_process(*args, cwd=root, env={k: v for k, v in ENV.items() if v is not None}), 2)
    assert "internal error" not in res.err, res


def test_base_repo_is_clean(base_repo):
    """The starting point of every row is itself valid (so each row breaks one thing)."""
    assert run_cli("status", "7", cwd=base_repo, env=ENV).code == 0
    assert run_cli("lint", cwd=base_repo, env=ENV).code == 0
    proc = subprocess.run(["git", "status", "--porcelain"], cwd=base_repo, capture_output=True, text=True, check=True)
    assert proc.stdout == ""
