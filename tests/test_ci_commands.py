"""``issue-flow ci record`` and ``issue-flow ci update N``.

``record`` binds the configured report files to a commit (HEAD by default) and prints the
table; ``update`` writes the results recorded for HEAD into the TRACKING rows whose Step
cell names a gate, and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_one_line_error, git, refused, run_cli, snapshot

ENV = {
    "GITHUB_REPOSITORY": None,
    "GITHUB_API_URL": None,
    "GITHUB_TOKEN": None,
    "GH_TOKEN": None,
    "GITHUB_ACTIONS": None,
    "GITHUB_STEP_SUMMARY": None,
}
TRACKING_459 = "docs/issues/ISSUE-459/TRACKING.md"


def changed_lines(before: bytes, after: bytes) -> list[tuple[int, str, str]]:
    """(line number, old text, new text) of every changed line; the line count must not change."""
    old, new = before.decode().splitlines(), after.decode().splitlines()
    assert len(old) == len(new)
    return [(i + 1, a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b]


def junit(suites: int, tests: int, failing: list[str] = (), name: str = "jest tests") -> str:
    """A jest-junit report: ``suites`` suites holding ``tests`` test cases in all."""
    per, extra = divmod(tests, suites)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append(f'<testsuites name="{name}" tests="{tests}" failures="{len(failing)}" errors="0" time="61.25">')
    k = 0
    for s in range(suites):
        count = per + (1 if s < extra else 0)
        out.append(f'  <testsuite name="suite {s}" errors="0" failures="0" skipped="0" tests="{count}" time="0.5">')
        for _ in range(count):
            case = f"case {k}"
            if k < len(failing):
                out.append(f'    <testcase classname="suite {s}" name="{failing[k]}" time="0.01"><failure>boom</failure></testcase>')
            else:
                out.append(f'    <testcase classname="suite {s}" name="{case}" time="0.01"/>')
            k += 1
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def eslint(errors: int = 0) -> str:
    files = [{"filePath": f"/repo/src/f{i}.ts", "messages": [], "errorCount": 0, "warningCount": 0} for i in range(12)]
    if errors:
        files[3]["errorCount"] = errors
    return json.dumps(files)


def write_reports(root: Path, *, lint_errors: int = 0, mock_failing: list[str] = (), proxy: bool = True) -> None:
    reports = root / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "eslint.json").write_text(eslint(lint_errors))
    (reports / "junit-test-mock.xml").write_text(junit(96, 922, list(mock_failing)))
    if proxy:
        (reports / "junit-proxy-integration.xml").write_text(junit(1, 40))


def ci(root: Path, *args: str, env: dict | None = None):
    return run_cli("ci", *args, cwd=root, env={**ENV, **(env or {})})


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


# --------------------------------------------------------------------------- record


def test_record_binds_the_reports_to_head_and_prints_the_table(corpus_copy):
    write_reports(corpus_copy)
    res = ci(corpus_copy, "record")
    assert res.code == 0, res
    sha = head(corpus_copy)
    assert sha[:12] in res.out
    rows = {ln.split()[0]: ln.split()[1] for ln in res.out.splitlines() if ln.split() and ln.split()[0] in ("lint", "test:mock", "proxy-integration")}
    assert rows == {"lint": "pass", "test:mock": "pass", "proxy-integration": "pass"}
    data = json.loads((corpus_copy / ".issue-flow/results" / f"{sha}.json").read_text())
    assert data["test:mock"]["tests"] == 922 and data["test:mock"]["suites"] == 96
    assert data["test:mock"]["sha"] == sha
    # the gate command now sees them as passing for HEAD
    assert run_cli("gate", cwd=corpus_copy, env=ENV).code == 0


def test_record_of_a_failing_report_exits_0_unless_strict(corpus_copy):
    write_reports(corpus_copy, mock_failing=["renders twice"])
    res = ci(corpus_copy, "record")
    assert res.code == 0, res
    assert "failed: suite 0 renders twice" in res.out
    res = ci(corpus_copy, "record", "--strict")
    assert res.code == 1
    assert "test:mock" in res.err


def test_record_strict_counts_a_missing_report(corpus_copy):
    write_reports(corpus_copy, proxy=False)
    res = ci(corpus_copy, "record")
    assert res.code == 0, res
    line = next(ln for ln in res.out.splitlines() if ln.startswith("proxy-integration"))
    assert " missing " in line
    assert ci(corpus_copy, "record", "--strict").code == 1


def test_record_json(corpus_copy):
    write_reports(corpus_copy)
    res = ci(corpus_copy, "record", "--json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert doc["sha"] == head(corpus_copy)
    assert [g["name"] for g in doc["gates"]] == ["lint", "test:mock", "proxy-integration"]
    assert doc["gates"][1]["tests"] == 922 and doc["gates"][1]["status"] == "pass"


def test_record_dry_run_writes_nothing(corpus_copy):
    write_reports(corpus_copy)
    res = ci(corpus_copy, "record", "--dry-run")
    assert res.code == 0, res
    assert "pass" in res.out
    assert not (corpus_copy / ".issue-flow").exists()


def test_record_for_an_explicit_sha(corpus_copy):
    write_reports(corpus_copy)
    first = head(corpus_copy)
    res = ci(corpus_copy, "record", "--sha", first[:10])
    assert res.code == 0, res
    assert (corpus_copy / ".issue-flow/results" / f"{first}.json").is_file()


def test_record_malformed_report_is_a_one_line_error(corpus_copy):
    write_reports(corpus_copy)
    (corpus_copy / "reports/junit-test-mock.xml").write_text("<testsuites><oops")
    assert_one_line_error(ci(corpus_copy, "record"), 2)


def test_record_in_github_actions_writes_a_summary(corpus_copy, tmp_path):
    write_reports(corpus_copy)
    summary = tmp_path / "summary.md"
    res = ci(corpus_copy, "record", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert res.code == 0, res
    text = summary.read_text()
    assert "| test:mock | ✅ pass |" in text and "922" in text


# --------------------------------------------------------------------------- update on the corpus


def test_update_459_changes_only_the_row_naming_the_gates(corpus_copy):
    write_reports(corpus_copy)
    assert ci(corpus_copy, "record").code == 0
    before = snapshot(corpus_copy)
    res = ci(corpus_copy, "update", "459")
    assert res.code == 0, res
    after = snapshot(corpus_copy)
    assert changed_lines(before[TRACKING_459], after[TRACKING_459]) == [
        (
            67,
            "| Run full test suite (lint, test:mock, E2E in proxy mode) – no regressions | ✅ Lint passed. test:mock "
            "passed (96 suites, 922 tests). openai-proxy-integration suite (39 tests) passed. **E2E:** For this fix, "
            "run the **OpenAI proxy E2E subset** only (not the full suite). From repo root: `USE_PROXY_MODE=true npm "
            "run test:e2e -- openai-proxy-e2e openai-inject-connection-stability`. From test-app: `npm run "
            "test:e2e:openai`. Full E2E (`USE_PROXY_MODE=true npm run test:e2e`) only when needed per release "
            "checklist. |",
            "| Run full test suite (lint, test:mock, E2E in proxy mode) – no regressions | ✅ lint passed; test:mock "
            "96 suites, 922 tests — Lint passed. test:mock "
            "passed (96 suites, 922 tests). openai-proxy-integration suite (39 tests) passed. **E2E:** For this fix, "
            "run the **OpenAI proxy E2E subset** only (not the full suite). From repo root: `USE_PROXY_MODE=true npm "
            "run test:e2e -- openai-proxy-e2e openai-inject-connection-stability`. From test-app: `npm run "
            "test:e2e:openai`. Full E2E (`USE_PROXY_MODE=true npm run test:e2e`) only when needed per release "
            "checklist. |",
        )
    ]
    assert {k: v for k, v in after.items() if k != TRACKING_459} == {k: v for k, v in before.items() if k != TRACKING_459}
    assert "1 row" in res.out

    # a rerun changes nothing
    res = ci(corpus_copy, "update", "459")
    assert res.code == 0, res
    assert snapshot(corpus_copy) == after


def test_update_dry_run_prints_the_diff_and_writes_nothing(corpus_copy):
    write_reports(corpus_copy)
    assert ci(corpus_copy, "record").code == 0
    before = snapshot(corpus_copy)
    res = ci(corpus_copy, "update", "459", "--dry-run")
    assert res.code == 0, res
    assert "+| Run full test suite (lint, test:mock, E2E in proxy mode) – no regressions | ✅ lint passed; test:mock 96 suites, 922 tests — Lint passed." in res.out
    assert snapshot(corpus_copy) == before


def test_update_refuses_results_of_another_commit(corpus_copy):
    write_reports(corpus_copy)
    assert ci(corpus_copy, "record").code == 0
    old = head(corpus_copy)
    (corpus_copy / "CHANGELOG.md").write_text("next\n")
    git(corpus_copy, "add", "CHANGELOG.md")
    git(corpus_copy, "commit", "-qm", "next")
    res = refused(corpus_copy, lambda: ci(corpus_copy, "update", "459"), 1)
    assert "stale" in res.err and old[:12] in res.err


def test_update_without_any_result_is_exit_1(corpus_copy):
    res = refused(corpus_copy, lambda: ci(corpus_copy, "update", "459"), 1)
    assert "lint" in res.err and "no result" in res.err


def test_update_issue_without_gate_rows_is_exit_1(corpus_copy):
    write_reports(corpus_copy)
    assert ci(corpus_copy, "record").code == 0
    (corpus_copy / "docs/issues/ISSUE-900").mkdir()
    (corpus_copy / "docs/issues/ISSUE-900/README.md").write_text("# Issue #900: x\n")
    (corpus_copy / "docs/issues/ISSUE-900/TRACKING.md").write_text("# T\n\n## Phase 1\n\n| Step | Status |\n|---|---|\n| Do it | ⬜ |\n")
    res = ci(corpus_copy, "update", "900")
    assert_one_line_error(res, 1)
    assert "names no gate" in res.err


def test_update_issue_without_tracking_is_bad_input(corpus_copy):
    (corpus_copy / "docs/issues/ISSUE-901").mkdir()
    (corpus_copy / "docs/issues/ISSUE-901/README.md").write_text("# Issue #901: x\n")
    res = ci(corpus_copy, "update", "901")
    assert_one_line_error(res, 2)
    assert "TRACKING.md" in res.err


# --------------------------------------------------------------------------- update: naming rules

SYNTHETIC = """# Issue #900 – Tracking

## Phase 1 – Validate

| Step | Status |
|------|--------|
| Run the release gates: lint, test:mock and openai-proxy-integration | ⬜ |
| Run `npm run lint` | ⬜ not yet |
| Run test:mock | ✅ earlier text |
| Run `npx jest tests/integration/openai-proxy-integration.test.ts` | ⬜ |
| Run eslint by hand | ⬜ |
| Check lint | regex a|b | ⬜ |
| Write the docs | ⬜ |

## Notes

| Gate | Result |
|------|--------|
| lint | whatever |
"""


@pytest.fixture
def synthetic(corpus_copy) -> Path:
    folder = corpus_copy / "docs/issues/ISSUE-900"
    folder.mkdir()
    (folder / "README.md").write_text("# Issue #900: synthetic\n")
    (folder / "TRACKING.md").write_text(SYNTHETIC)
    git(corpus_copy, "add", "docs/issues/ISSUE-900")
    git(corpus_copy, "commit", "-qm", "900")
    return corpus_copy


def test_update_rows_by_the_gates_they_name(synthetic):
    write_reports(synthetic)
    assert ci(synthetic, "record").code == 0
    path = synthetic / "docs/issues/ISSUE-900/TRACKING.md"
    before = path.read_bytes()
    res = ci(synthetic, "update", "900")
    assert res.code == 0, res
    assert changed_lines(before, path.read_bytes()) == [
        (
            7,
            "| Run the release gates: lint, test:mock and openai-proxy-integration | ⬜ |",
            "| Run the release gates: lint, test:mock and openai-proxy-integration | ✅ lint passed; test:mock 96 suites, 922 tests; proxy-integration 40 tests |",
        ),
        (8, "| Run `npm run lint` | ⬜ not yet |", "| Run `npm run lint` | ✅ lint passed |"),  # "not yet": a status word,
        (9, "| Run test:mock | ✅ earlier text |", "| Run test:mock | ✅ test:mock 96 suites, 922 tests — earlier text |"),
        (
            10,
            "| Run `npx jest tests/integration/openai-proxy-integration.test.ts` | ⬜ |",
            "| Run `npx jest tests/integration/openai-proxy-integration.test.ts` | ✅ proxy-integration 40 tests |",
        ),
    ]


def test_update_writes_failures_with_the_failing_test_names(synthetic):
    write_reports(synthetic, lint_errors=2, mock_failing=["renders twice", "reconnects"])
    assert ci(synthetic, "record").code == 0
    path = synthetic / "docs/issues/ISSUE-900/TRACKING.md"
    res = ci(synthetic, "update", "900")
    assert res.code == 0, res
    lines = path.read_text().splitlines()
    assert lines[6] == (
        "| Run the release gates: lint, test:mock and openai-proxy-integration | ❌ lint failed: 2 errors in "
        "/repo/src/f3.ts; test:mock 2 of 922 tests failed: suite 0 renders twice, suite 0 reconnects; "
        "proxy-integration 40 tests |"
    )
    assert lines[7] == "| Run `npm run lint` | ❌ lint failed: 2 errors in /repo/src/f3.ts |"  # "not yet" was a status word
    assert lines[8] == (
        "| Run test:mock | ❌ test:mock 2 of 922 tests failed: suite 0 renders twice, suite 0 reconnects — earlier text |"
    )
    assert lines[9] == "| Run `npx jest tests/integration/openai-proxy-integration.test.ts` | ✅ proxy-integration 40 tests |"


def test_update_with_one_gate_missing_writes_the_complete_rows_and_exits_1(synthetic):
    write_reports(synthetic, proxy=False)
    assert ci(synthetic, "record").code == 0
    path = synthetic / "docs/issues/ISSUE-900/TRACKING.md"
    before = path.read_bytes()
    res = ci(synthetic, "update", "900")
    assert res.code == 1, res
    assert "proxy-integration" in res.err and "no result" in res.err
    changed = changed_lines(before, path.read_bytes())
    assert [n for n, _, _ in changed] == [8, 9]


def test_update_in_github_actions_writes_a_summary(synthetic, tmp_path):
    write_reports(synthetic)
    assert ci(synthetic, "record").code == 0
    summary = tmp_path / "summary.md"
    res = ci(synthetic, "update", "900", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert res.code == 0, res
    text = summary.read_text()
    assert "#900" in text and "proxy-integration 40 tests" in text


def test_gate_row_naming_unit():
    from issue_flow.workflows.ci import gates_named
    from issue_flow.config import DEFAULT_GATES

    def names(text):
        return [g.name for g in gates_named(text, DEFAULT_GATES)]

    assert names("Run full test suite (lint, test:mock, E2E in proxy mode)") == ["lint", "test:mock"]
    assert names("openai-proxy-integration suite") == ["proxy-integration"]
    assert names("Run `npm run lint`") == ["lint"]
    assert names("eslint by hand; lint-staged; linting") == []
    assert names("test:mock:watch") == []
    assert names("Run **Lint**") == ["lint"]
