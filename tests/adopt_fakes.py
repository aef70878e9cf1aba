"""A repository shaped like the real one, for the adoption tests (tests/test_adopt*.py).

The component at the root (``package.json`` whose ``lint`` is ``eslint src --ext .ts,.tsx``
and whose ``test`` / ``test:mock`` are plain ``jest``), the backend under
``packages/voice-agent-backend/``, an integration test file, no jest-junit, no
pyproject.toml, a workflow whose jobs are named as the real ones are.

``node_modules/.bin/eslint`` and ``node_modules/.bin/jest`` are small node programs standing
in for the real tools (installing those from the registry takes minutes): they read the
source and test files, print what the real ones print (ESLint's stylish output, jest's
PASS/FAIL lines, ``●`` failures and closing ``Test Suites:`` / ``Tests:`` / ``Time:`` lines
on stderr) and write the same report formats (``-f json -o FILE``; ``--json
--outputFile=FILE``). A source line holding ``LINT-ERROR`` is an ESLint error; a test whose
line holds ``FAILS`` fails. ``npm run`` puts ``node_modules/.bin`` on PATH, as it does for
the real tools; ``rollup`` (the build ``prepublishOnly`` runs) writes ``dist/index.js``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

FAKE_ESLINT = r"""#!/usr/bin/env node
// Stand-in for ESLint 8: `eslint DIR... [--ext .a,.b] [-f json] [-o FILE]`.
const fs = require('fs'), path = require('path');
const args = process.argv.slice(2);
let exts = ['.js'], format = 'stylish', out = null; const dirs = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--ext') exts = args[++i].split(',');
  else if (a === '-f' || a === '--format') format = args[++i];
  else if (a === '-o' || a === '--output-file') out = args[++i];
  else if (a.startsWith('-')) { console.error(`Invalid option '${a}'`); process.exit(2); }
  else dirs.push(a);
}
const files = [];
const walk = (p) => {
  const st = fs.statSync(p);
  if (st.isDirectory()) for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n));
  else if (exts.includes(path.extname(p))) files.push(path.resolve(p));
};
for (const d of dirs) walk(d);
const results = files.map((filePath) => {
  const messages = [];
  fs.readFileSync(filePath, 'utf8').split('\n').forEach((line, i) => {
    if (line.includes('LINT-ERROR')) messages.push({ruleId: 'no-unused-vars', severity: 2,
      message: "'x' is assigned a value but never used.", line: i + 1, column: 7, nodeType: 'Identifier',
      messageId: 'unusedVar', endLine: i + 1, endColumn: 8});
  });
  return {filePath, messages, suppressedMessages: [], errorCount: messages.length, fatalErrorCount: 0,
    warningCount: 0, fixableErrorCount: 0, fixableWarningCount: 0, usedDeprecatedRules: []};
});
const errors = results.reduce((n, r) => n + r.errorCount, 0);
let text;
if (format === 'json') text = JSON.stringify(results);
else {
  text = '';
  for (const r of results) if (r.messages.length) {
    text += `\n${r.filePath}\n`;
    for (const m of r.messages) text += `  ${m.line}:${m.column}  error  ${m.message}  ${m.ruleId}\n`;
  }
  if (errors) text += `\n\u2716 ${errors} problem${errors === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, 0 warnings)\n`;
}
if (out) { fs.mkdirSync(path.dirname(path.resolve(out)), {recursive: true}); fs.writeFileSync(out, text); }
else if (text) process.stdout.write(text);
process.exit(errors ? 1 : 0);
"""

FAKE_JEST = r"""#!/usr/bin/env node
// Stand-in for jest 29: `jest [PATTERN...] [--json] [--outputFile=FILE]`.
const fs = require('fs'), path = require('path');
const args = process.argv.slice(2);
let json = false, outputFile = null; const patterns = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--json') json = true;
  else if (a.startsWith('--outputFile=')) outputFile = a.slice('--outputFile='.length);
  else if (a === '--outputFile') outputFile = args[++i];
  else if (a === '--ci' || a === '--silent') {}
  else if (a.startsWith('-')) { console.error(`Unrecognized CLI Parameter: ${a}`); process.exit(1); }
  else patterns.push(a);
}
const root = process.cwd(), files = [];
const walk = (p) => {
  for (const n of fs.readdirSync(p).sort()) {
    if (n === 'node_modules' || n.startsWith('.')) continue;
    const q = path.join(p, n);
    if (fs.statSync(q).isDirectory()) walk(q);
    else if (/\.test\.(t|j)sx?$/.test(n)) files.push(q);
  }
};
walk(root);
const chosen = files.filter((f) => !patterns.length || patterns.some((p) => new RegExp(p).test(path.relative(root, f))));
const start = Date.now();
let passed = 0, failed = 0, suitesFailed = 0;
const testResults = [], failures = [];
for (const f of chosen) {
  const src = fs.readFileSync(f, 'utf8');
  const describe = (src.match(/describe\(\s*['"](.+?)['"]/) || [null, path.basename(f)])[1];
  const assertionResults = [];
  for (const line of src.split('\n')) {
    const m = line.match(/\b(?:test|it)\(\s*['"](.+?)['"]/);
    if (!m) continue;
    const ok = !line.includes('FAILS');
    const fullName = `${describe} ${m[1]}`;
    assertionResults.push({ancestorTitles: [describe], duration: 1, failureDetails: [],
      failureMessages: ok ? [] : ['Error: expect(received).toBe(expected)'], fullName,
      invocations: 1, location: null, numPassingAsserts: ok ? 1 : 0, retryReasons: [],
      status: ok ? 'passed' : 'failed', title: m[1]});
    if (ok) passed++; else { failed++; failures.push(`${describe} \u203a ${m[1]}`); }
  }
  const bad = assertionResults.some((a) => a.status === 'failed');
  if (bad) suitesFailed++;
  process.stderr.write(`${bad ? 'FAIL' : 'PASS'} ${path.relative(root, f)}\n`);
  testResults.push({assertionResults, endTime: Date.now() + 5, message: bad ? 'failed' : '', name: f,
    startTime: start, status: bad ? 'failed' : 'passed', summary: ''});
}
for (const name of failures) process.stderr.write(`\n  \u25cf ${name}\n\n    expect(received).toBe(expected)\n`);
const total = passed + failed, suites = testResults.length;
const part = (n, w) => (n ? `${n} ${w}, ` : '');
process.stderr.write(`\nTest Suites: ${part(suitesFailed, 'failed')}${part(suites - suitesFailed, 'passed')}${suites} total\n`);
process.stderr.write(`Tests:       ${part(failed, 'failed')}${part(passed, 'passed')}${total} total\n`);
process.stderr.write(`Snapshots:   0 total\nTime:        0.912 s\nRan all test suites.\n`);
const report = {numFailedTestSuites: suitesFailed, numFailedTests: failed, numPassedTestSuites: suites - suitesFailed,
  numPassedTests: passed, numPendingTestSuites: 0, numPendingTests: 0, numRuntimeErrorTestSuites: 0, numTodoTests: 0,
  numTotalTestSuites: suites, numTotalTests: total, openHandles: [], snapshot: {added: 0, didUpdate: false, failure: false,
  filesAdded: 0, filesRemoved: 0, filesRemovedList: [], filesUnmatched: 0, filesUpdated: 0, matched: 0, total: 0,
  unchecked: 0, uncheckedKeysByFile: [], unmatched: 0, updated: 0}, startTime: start, success: failed === 0,
  testResults, wasInterrupted: false};
if (json) {
  if (outputFile) {
    fs.mkdirSync(path.dirname(path.resolve(outputFile)), {recursive: true});
    fs.writeFileSync(outputFile, JSON.stringify(report));
    process.stderr.write(`Test results written to: ${path.relative(root, path.resolve(outputFile))}\n`);
  } else process.stdout.write(JSON.stringify(report));
}
process.exit(failed ? 1 : 0);
"""

# package.json of the component, as the real one has its scripts (a subset, same words)
COMPONENT = {
    "name": "@signal-meaning/voice-agent-react",
    "version": "0.9.1",
    "description": "React component for voice agents",
    "main": "dist/index.js",
    "scripts": {
        "build": "rollup -c",
        "pretest": "npm run build",
        "test": "jest",
        "test:mock": "jest",
        "test:real": "RUN_REAL_API_TESTS=true jest",
        "test:e2e": "USE_PROXY_MODE=true playwright test",
        "lint": "eslint src --ext .ts,.tsx",
        "validate:release-docs": "node scripts/validate-release-docs.js",
        "prepublishOnly": "npm run build",
    },
    "devDependencies": {"eslint": "^8.57.0", "jest": "^29.7.0", "ts-jest": "^29.1.0", "typescript": "^5.4.0"},
}
BACKEND = {"name": "@signal-meaning/voice-agent-backend", "version": "0.2.1", "main": "src/index.js"}

WORKFLOW = """\
name: Test and Publish

on:
  push:
    branches: [main]
  release:
    types: [published]

jobs:
  test:
    name: Jest Tests (Unit & Integration)
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install
        run: npm ci
      - name: Lint
        run: npm run lint
      - name: Tests
        run: npm run test:mock
  publish:
    name: "Publish Package"
    needs: test
    if: github.event_name == 'release'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Publish
        run: npm publish
"""

SOURCE = "export const connect = (url: string): string => url;\n"
UNIT_TEST = """\
describe('VoiceAgent', () => {
  test('connects', () => {});
  test('sends session.update once', () => {});
  test('retries on 502', () => {});
});
"""
INTEGRATION_TEST = """\
describe('openai proxy', () => {
  it('forwards the first response.create', () => {});
  it('does not send a second response.create', () => {});
});
"""


def lock(name: str, version: str) -> str:
    doc = {"name": name, "version": version, "lockfileVersion": 3, "requires": True,
           "packages": {"": {"name": name, "version": version}}}
    return json.dumps(doc, indent=2) + "\n"


def make_npm_repo(root: Path, *, lint_error: bool = False, failing_test: bool = False) -> Path:
    """Write the repository's files at ``root`` (no git, no issue-flow configuration)."""
    (root / "src").mkdir(parents=True)
    (root / "tests" / "integration").mkdir(parents=True)
    (root / "packages" / "voice-agent-backend").mkdir(parents=True)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps(COMPONENT, indent=2) + "\n")
    (root / "package-lock.json").write_text(lock(COMPONENT["name"], "0.9.1"))
    (root / "packages/voice-agent-backend/package.json").write_text(json.dumps(BACKEND, indent=2) + "\n")
    (root / "packages/voice-agent-backend/package-lock.json").write_text(lock(BACKEND["name"], "0.2.1"))
    (root / "src" / "index.ts").write_text(SOURCE + ("const x = 1; // LINT-ERROR\n" if lint_error else ""))
    (root / "src" / "VoiceAgent.tsx").write_text("export const VoiceAgent = () => null;\n")
    unit = UNIT_TEST.replace("'retries on 502', () => {});", "'retries on 502', () => {}); // FAILS") if failing_test else UNIT_TEST
    (root / "tests" / "VoiceAgent.test.tsx").write_text(unit)
    (root / "tests" / "integration" / "openai-proxy-integration.test.ts").write_text(INTEGRATION_TEST)
    (root / ".github" / "workflows" / "test-and-publish.yml").write_text(WORKFLOW)
    (root / ".gitignore").write_text("node_modules/\ndist/\n")
    install_fake_tools(root)
    return root


FAKE_ROLLUP = r"""#!/usr/bin/env node
// Stand-in for `rollup -c` (the component's build, run by prepublishOnly): writes dist/index.js.
const fs = require('fs');
fs.mkdirSync('dist', {recursive: true});
fs.writeFileSync('dist/index.js', "exports.connect = (url) => url;\n");
console.error('created dist/index.js');
"""


def install_fake_tools(root: Path) -> None:
    """``npm ci`` as far as gates and publishing need it: eslint, jest and rollup in node_modules/.bin."""
    bin_dir = root / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (("eslint", FAKE_ESLINT), ("jest", FAKE_JEST), ("rollup", FAKE_ROLLUP)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)


def git_env() -> dict[str, str]:
    return dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
                GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
                GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=git_env()).stdout.strip()
