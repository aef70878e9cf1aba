"""The release workflow (.github/workflows/release.yml), run locally step by step.

The ``release`` job's steps run in order the way GitHub Actions runs them: each ``run:``
script through ``bash --noprofile --norc -eo pipefail`` in the checkout, with the
``GITHUB_*`` file commands (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV``,
``GITHUB_PATH``: new files per step, in a temporary runner folder), the workflow's and
the job's ``env:``, and a step stops the job when it fails. What the runner would do
itself, the test does instead:

- the ``uses:`` steps (checkout, setup-python, setup-node): the checkout is a clone of a
  local bare repository (so origin holds no credentials, as with
  ``persist-credentials: false``, and the Push step pushes there); Python is the dev venv,
  first on PATH; the gate commands need no node;
- the ``Install`` step is skipped: issue-flow is installed in the venv already, and the
  gates here run no npm (the test checks the step only installs);
- ``${{ … }}`` expressions: only ``inputs.<declared input>`` and ``secrets.GITHUB_TOKEN``
  are evaluated; any other expression fails the test, so the workflow stays runnable here;
- GitHub is the test server (tests/ghserver.py) holding #459 and #462, open.

The checkout holds copies of the corpus manifests (component 0.9.1, backend 0.2.1 with its
lock at 0.1.2), the corpus folders ISSUE-459 and ISSUE-462 with #462's follow-up ticked (so
that, once released, it may be closed without --force), and an ``.issue-flow.toml`` whose
gates are shell commands writing JUnit reports, so ``issue-flow gate --run`` runs and records
them for HEAD.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML, in the test extras
from conftest import CORPUS, copy_tree, require_corpus, run_cli
from ghserver import GitHubServer

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
BACKEND = "packages/voice-agent-backend"
MANIFESTS = ("package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json")
README_462 = "docs/issues/ISSUE-462/README.md"
TRACKING_462 = "docs/issues/ISSUE-462/TRACKING.md"
README_459 = "docs/issues/ISSUE-459/README.md"
CLOSE_MARK = "<!-- issue-flow:close #462 -->"
POINTER_MARK = "<!-- issue-flow:resolution #462 -->"

# The actions whose effect the test provides itself (see the module docstring).
PROVIDED_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/setup-node"}
STEP_KEYS = {"name", "id", "run", "env", "shell"}  # what the runner here knows how to honour (shell: bash only)

JUNIT_PASS = (
    '<?xml version="1.0" encoding="UTF-8"?><testsuites name="jest tests" tests="2" failures="0" errors="0" time="0.5">'
    '<testsuite name="s" tests="2" failures="0" time="0.5"><testcase classname="s" name="a"/>'
    '<testcase classname="s" name="b"/></testsuite></testsuites>'
)
JUNIT_FAIL = (
    '<?xml version="1.0" encoding="UTF-8"?><testsuites name="jest tests" tests="2" failures="1" errors="0" time="0.5">'
    '<testsuite name="s" tests="2" failures="1" time="0.5"><testcase classname="s" name="a"/>'
    '<testcase classname="s" name="b"><failure>expected 1 response.create</failure></testcase></testsuite></testsuites>'
)


def gate_command(report: str, junit: str, code: int = 0) -> str:
    cmd = f"mkdir -p reports && printf '%s\\n' '{junit}' > {report}"
    return cmd + (f" && echo 'tests failed' && exit {code}" if code else " && echo ok")


def gates_toml(failing: str | None = None) -> str:
    """Three gates; the one named ``failing`` writes a failing report and exits 1."""
    out = []
    for name, report in (
        ("lint", "reports/junit-lint.xml"),
        ("test:mock", "reports/junit-test-mock.xml"),
        ("proxy-integration", "reports/junit-proxy-integration.xml"),
    ):
        cmd = gate_command(report, JUNIT_FAIL, 1) if name == failing else gate_command(report, JUNIT_PASS)
        out += [
            "[[gates]]",
            f"name = {json.dumps(name)}",
            f"command = {json.dumps(cmd)}",  # a JSON string of ASCII text is a TOML basic string
            f"report = {json.dumps(report)}",
            'format = "junit"',
            "timeout = 60",
            "",
        ]
    return "\n".join(out)


# --------------------------------------------------------------------------- git


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    full = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", **(env or {}))
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=full).stdout.strip()


SEED_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}


# --------------------------------------------------------------------------- the workflow


EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def load_workflow() -> dict[str, Any]:
    with open(WORKFLOW, encoding="utf-8") as fh:
        wf = yaml.safe_load(fh)
    if True in wf and "on" not in wf:  # YAML 1.1 reads the key `on` as true
        wf["on"] = wf.pop(True)
    return wf


def declared_inputs(wf: dict[str, Any]) -> dict[str, Any]:
    return dict((wf["on"].get("workflow_dispatch") or {}).get("inputs") or {})


def evaluate(text: Any, where: str, inputs: dict[str, str], token: str) -> str:
    """Substitute the few expressions the test knows; fail on any other."""
    if isinstance(text, bool):
        text = "true" if text else "false"
    text = str(text)

    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        hit = re.fullmatch(r"inputs\.([A-Za-z_][A-Za-z0-9_-]*)", expr)
        if hit and hit.group(1) in inputs:
            return inputs[hit.group(1)]
        if expr == "secrets.GITHUB_TOKEN":
            return token
        pytest.fail(f"{where}: the expression ${{{{ {expr} }}}} cannot be evaluated by this test; keep the workflow to "
                    "inputs.<name> and secrets.GITHUB_TOKEN (or teach tests/test_release_workflow.py the new one)")

    return EXPRESSION.sub(one, text)


def parse_file_command(path: Path) -> dict[str, str]:
    """``name=value`` lines and ``name<<DELIMITER`` blocks, as the runner reads them."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while i < len(lines) and lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            assert i < len(lines), f"{path.name}: no closing {delimiter!r}"
            i += 1
            values[name] = "\n".join(block)
        else:
            assert "=" in line, f"{path.name}: malformed line {line!r}"
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class StepRun:
    name: str
    id: str | None
    script: str
    code: int | None = None  # None: not run (skipped, or an earlier step failed)
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    output_file: str = ""
    summary: str = ""
    skipped: str = ""  # why the test did not run it


@dataclass
class JobRun:
    steps: list[StepRun]
    workspace: Path
    runner: Path

    def step(self, name: str) -> StepRun:
        found = [s for s in self.steps if s.name == name]
        assert len(found) == 1, f"no single step named {name!r}: {[s.name for s in self.steps]}"
        return found[0]

    @property
    def ran(self) -> list[str]:
        return [s.name for s in self.steps if s.code is not None]

    @property
    def summary(self) -> str:
        """The job summary: the steps' summaries, in order."""
        return "".join(s.summary for s in self.steps)

    @property
    def logs(self) -> str:
        return "".join(s.log for s in self.steps)


def python_bin_dirs() -> list[str]:
    """Where the dev venv's ``python`` and ``issue-flow`` are (setup-python + Install)."""
    dirs = []
    for d in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if d and d not in dirs:
            dirs.append(d)
    if not any(os.access(os.path.join(d, "issue-flow"), os.X_OK) for d in dirs):
        pytest.fail(f"no issue-flow console script in {dirs}: install the project (pip install -e '.[test]')")
    return dirs


def run_release_job(
    workspace: Path, runner: Path, home: Path, server: GitHubServer, inputs: dict[str, str]
) -> JobRun:
    wf = load_workflow()
    declared = declared_inputs(wf)
    unknown = set(inputs) - set(declared)
    assert not unknown, f"the workflow declares no input {sorted(unknown)}"
    values = {}
    for name, spec in declared.items():
        spec = spec or {}
        if name in inputs:
            values[name] = inputs[name]
        else:
            assert not spec.get("required"), f"input {name} is required"
            values[name] = str(spec.get("default", ""))
    job = wf["jobs"]["release"]
    for key in ("defaults", "container", "services", "strategy", "if"):
        assert key not in job and key not in wf, f"'{key}' is not emulated by this test"

    token = server.token
    temp = runner / "temp"
    commands = runner / "file_commands"
    for d in (temp, commands, home):
        d.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {
        "PATH": os.pathsep.join(python_bin_dirs() + [os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),  # a fresh runner: no ~/.gitconfig, no caches
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKFLOW": str(wf.get("name", "release")),
        "GITHUB_JOB": "release",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": git(workspace, "rev-parse", "HEAD"),
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_REPOSITORY_OWNER": server.repo.split("/")[0],
        "GITHUB_SERVER_URL": server.root,
        "GITHUB_API_URL": server.url,
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(temp),
        "ISSUE_FLOW_GITHUB_THROTTLE": "0",
        "GIT_CONFIG_NOSYSTEM": "1",  # the machine's /etc/gitconfig is not the runner's
    }
    added_env: dict[str, str] = {}
    added_path: list[str] = []
    runs: list[StepRun] = []
    failed = False
    for i, step in enumerate(job["steps"]):
        if "uses" in step:
            action = step["uses"].split("@", 1)[0]
            assert action in PROVIDED_ACTIONS, (
                f"step {i} uses {action}: this test provides only {sorted(PROVIDED_ACTIONS)}; teach it the new one"
            )
            if action == "actions/checkout":
                assert (step.get("with") or {}).get("persist-credentials") is False, "checkout must not keep the token"
            runs.append(StepRun(step.get("name", step["uses"]), step.get("id"), "", skipped="uses: provided by the test"))
            continue
        extra = set(step) - STEP_KEYS
        assert not extra, f"step {step.get('name', i)!r}: {sorted(extra)} is not emulated by this test"
        assert step.get("shell", "bash") == "bash", f"step {step.get('name', i)!r}: only bash is emulated"
        name = step.get("name") or f"Run {step['run'].splitlines()[0]}"
        where = f"release.yml step {name!r}"
        script = evaluate(step["run"], where, values, token)
        run = StepRun(name, step.get("id"), script)
        runs.append(run)
        if name == "Install":
            # pip install issue-flow / npm ci: the venv has issue-flow, the gates need no npm.
            assert "pip install" in script and "GITHUB_" not in script, "the Install step should only install"
            run.skipped = "installed already (the dev venv)"
            continue
        if failed:
            continue
        files = {
            "GITHUB_OUTPUT": commands / f"set_output_{i}",
            "GITHUB_STEP_SUMMARY": commands / f"step_summary_{i}",
            "GITHUB_ENV": commands / f"set_env_{i}",
            "GITHUB_PATH": commands / f"add_path_{i}",
        }
        for f in files.values():
            f.touch()
        step_env = dict(env)
        step_env.update(added_env)
        for scope, mapping in (("workflow", wf.get("env")), ("job", job.get("env")), ("step", step.get("env"))):
            for key, value in (mapping or {}).items():
                step_env[key] = evaluate(value, f"release.yml {scope} env {key}", values, token)
        step_env.update({k: str(v) for k, v in files.items()})
        if added_path:
            step_env["PATH"] = os.pathsep.join([*reversed(added_path), step_env["PATH"]])
        script_file = temp / f"step_{i}.sh"
        script_file.write_text(script, encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=workspace,
            env=step_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one log per step, as Actions shows it
            timeout=300,
        )
        run.code = proc.returncode
        run.log = proc.stdout.decode("utf-8", "replace")
        run.output_file = files["GITHUB_OUTPUT"].read_text(encoding="utf-8")
        run.outputs = parse_file_command(files["GITHUB_OUTPUT"])
        run.summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        added_env.update(parse_file_command(files["GITHUB_ENV"]))
        added_path += [p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p.strip()]
        failed = proc.returncode != 0
    return JobRun(runs, workspace, runner)


# --------------------------------------------------------------------------- the repositories


def make_repositories(base: Path, failing_gate: str | None = None) -> tuple[Path, Path]:
    """(the bare origin, the checkout): the project at one commit, #462 followed up."""
    require_corpus()
    seed = base / "seed"
    (seed / BACKEND).mkdir(parents=True)
    for rel in MANIFESTS:
        shutil.copyfile(CORPUS / rel, seed / rel)
    for n in (459, 462):
        copy_tree(CORPUS / "docs" / "issues" / f"ISSUE-{n}", seed / "docs" / "issues" / f"ISSUE-{n}")
    (seed / ".issue-flow.toml").write_text(gates_toml(failing_gate), encoding="utf-8")
    (seed / ".gitignore").write_text("node_modules/\nreports/\n", encoding="utf-8")
    # #462 was followed up with the consumer before the release; release and close are left
    res = run_cli("check", "462", "6", cwd=seed, env={"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None,
                                                             "GITHUB_ACTIONS": None, "GITHUB_TOKEN": None, "GH_TOKEN": None})
    assert res.code == 0, res
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "widgets at 0.9.1 / 0.2.1", env=SEED_ENV)
    origin = base / "origin.git"
    git(base, "init", "-q", "--bare", str(origin))
    git(seed, "push", "-q", str(origin), "main:main")
    git(origin, "symbolic-ref", "HEAD", "refs/heads/main")
    workspace = base / "work" / "widgets"
    workspace.parent.mkdir(parents=True)
    git(base, "clone", "-q", str(origin), str(workspace))  # the checkout, fetch-depth 0
    shutil.rmtree(seed)
    return origin, workspace


def add_issues(server: GitHubServer) -> None:
    server.add_issue(459, "Bug: session.update race condition causes conversation_already_has_active_response")
    server.add_issue(462, "Fix: conversation_already_has_active_response still occurs on 0.9.1/0.2.1")


@dataclass
class Scenario:
    job: JobRun
    origin: Path
    workspace: Path
    server: GitHubServer
    base: Path
    start: str  # the commit the workflow started from


def run_scenario(base: Path, *, failing_gate: str | None = None, packages: str = "") -> Scenario:
    server = GitHubServer().start()
    try:
        add_issues(server)
        origin, workspace = make_repositories(base, failing_gate)
        start = git(workspace, "rev-parse", "HEAD")
        job = run_release_job(workspace, base / "runner", base / "home", server, {"issue": "462", "packages": packages})
    except BaseException:
        server.stop()
        raise
    return Scenario(job, origin, workspace, server, base, start)


def writes(server: GitHubServer) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests if r.method != "GET"]


def folder_url(server: GitHubServer) -> str:
    return f"{server.root}/{server.repo}/tree/main/docs/issues/ISSUE-462"


def files_holding(base: Path, needle: bytes) -> list[str]:
    return [str(p.relative_to(base)) for p in sorted(base.rglob("*")) if p.is_file() and needle in p.read_bytes()]


# --------------------------------------------------------------------------- a release


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    sc = run_scenario(tmp_path_factory.mktemp("release-workflow"))
    yield sc
    sc.server.stop()


def test_every_step_runs_and_succeeds(released):
    job = released.job
    for s in job.steps:
        assert s.code in (0, None), f"step {s.name!r} exited {s.code}:\n{s.log}"
    assert job.ran == ["Gates", "Release", "Push", "Close", "Push the closure"]
    assert [s.name.split("@")[0] for s in job.steps if s.skipped] == [
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "Install",
    ]
    assert "::error::" not in job.logs
    gates = job.step("Gates").log
    for name in ("lint", "test:mock", "proxy-integration"):
        assert re.search(rf"^{re.escape(name)}\s+pass\s+tests=2\s+failures=0", gates, re.MULTILINE), gates
    assert "released 0.9.2 / 0.2.2 for #462" in job.step("Release").log
    assert "#462 is closed (completed)" in job.step("Close").log


def test_release_step_outputs_the_versions(released):
    rel = released.job.step("Release")
    assert rel.id == "release"  # steps.release.outputs.versions, for a later step or job
    assert "versions=0.9.2 / 0.2.2\n" in rel.output_file
    assert rel.outputs == {
        "versions": "0.9.2 / 0.2.2",
        "version-voice-agent-react": "0.9.2",
        "version-voice-agent-backend": "0.2.2",
    }
    for other in ("Gates", "Push", "Close"):
        assert released.job.step(other).outputs == {}, other


def test_job_summary_has_the_release_and_the_close(released):
    job = released.job
    rel = job.step("Release").summary
    assert rel.startswith("### Release 0.9.2 / 0.2.2 (#462)\n")
    assert "| Package | Previous | New | Tag |\n|---|---|---|---|\n" in rel
    assert "| 0.9.1 | 0.9.2 | `v0.9.2` |" in rel
    assert "| 0.2.1 | 0.2.2 | `voice-agent-backend-v0.2.2` |" in rel
    assert "packages/voice-agent-backend/package-lock.json said 0.1.2; now 0.2.2" in rel
    assert "- Release docs: `docs/releases/v0.9.2/`" in rel
    release_commit = git(released.origin, "rev-parse", "main^")
    assert f"- Commit: `{release_commit[:12]}`" in rel

    close = job.step("Close").summary
    closure, pointer = released.server.comments(462)[0], released.server.comments(459)[0]
    assert close.startswith("### issue-flow close #462\n")
    assert f"- Closure comment on #462: {closure['html_url']}" in close
    assert "- #462 closed as completed" in close
    assert f"- Resolution pointer on #459: {pointer['html_url']}" in close
    assert "- Resolution: v0.9.2 / 0.2.2" in close
    # the job summary is the steps' summaries in order: release, then close
    assert job.summary.index("### Release 0.9.2") < job.summary.index("### issue-flow close #462")


def test_job_summary_has_the_gates(released):
    gates = released.job.step("Gates").summary
    for name in ("lint", "test:mock", "proxy-integration"):
        assert name in gates


def test_origin_has_the_release_commit_and_the_tags(released):
    origin = released.origin
    head = git(origin, "rev-parse", "main")
    assert head == git(released.workspace, "rev-parse", "HEAD") != released.start
    release = git(origin, "rev-parse", "main^")
    assert git(origin, "rev-parse", "main^^") == released.start  # release, then the closure
    assert git(origin, "log", "-1", "--format=%s", "main^") == "chore: release 0.9.2 / 0.2.2 (#462)"
    assert git(origin, "log", "-1", "--format=%s", "main") == "docs: close #462"
    assert set(git(origin, "tag", "--list").split()) == {"v0.9.2", "voice-agent-backend-v0.2.2"}
    for tag in ("v0.9.2", "voice-agent-backend-v0.2.2"):
        assert git(origin, "cat-file", "-t", tag) == "tag"  # annotated
        assert git(origin, "rev-parse", f"{tag}^{{commit}}") == release
    assert '"version": "0.9.2"' in git(origin, "show", "main:package.json")
    assert '"version": "0.2.2"' in git(origin, "show", f"main:{BACKEND}/package.json")
    closure = set(git(origin, "diff", "--name-only", "main^", "main").splitlines())
    assert closure <= {README_462, "docs/issues/ISSUE-462/TRACKING.md", "docs/issues/ISSUE-459/README.md"}
    assert README_462 in closure and "docs/issues/ISSUE-459/README.md" in closure
    committed = git(origin, "diff", "--name-only", "main^^", "main^").splitlines()
    assert set(committed) == {*MANIFESTS, README_462, "docs/releases/v0.9.2/CHANGELOG.md", "docs/releases/v0.9.2/RELEASE-NOTES.md"}


def test_issues_are_closed_and_pointed_at_once(released):
    server = released.server
    assert writes(server) == [
        ("POST", "/repos/acme/widgets/issues/462/comments"),
        ("PATCH", "/repos/acme/widgets/issues/462"),
        ("POST", "/repos/acme/widgets/issues/459/comments"),
    ]
    issue = server.issue(462)
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert server.issue(459)["state"] == "open"
    (closure,) = server.comments(462)
    assert CLOSE_MARK in closure["body"] and "v0.9.2 / 0.2.2" in closure["body"]
    assert f"[docs/issues/ISSUE-462/]({folder_url(server)})" in closure["body"]
    (pointer,) = server.comments(459)
    assert pointer["body"].startswith("Resolved by #462 in v0.9.2 / 0.2.2")
    assert POINTER_MARK in pointer["body"] and folder_url(server) in pointer["body"]


def test_release_and_close_items_are_ticked_locally(released):
    ws = released.workspace
    readme = (ws / README_462).read_text(encoding="utf-8")
    for line in (
        "- [x] Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.",
        "- [x] Follow up with voice-commerce with release and resolution (they are not to be contacted until we have a release).",
        "- [x] Close this issue and update #459 with resolution pointer.",
        "| Patch release          | ✅ 0.9.2 / 0.2.2 |",
        "| Close #462, update #459 | ✅ closed as completed; pointer on #459 |",
    ):
        assert line in readme.splitlines(), line
    assert "- [ ]" not in readme
    tracking = (ws / TRACKING_462).read_text(encoding="utf-8")
    assert "| Close #462 on GitHub with comment linking to `docs/issues/ISSUE-462/` | ✅ closed as completed |" in tracking
    assert "| Update #459 with resolution pointer | ✅ pointer posted on #459 |" in tracking
    assert "**Resolution:** Resolved by [#462](../ISSUE-462/README.md) in v0.9.2 / 0.2.2." in (ws / README_459).read_text(
        encoding="utf-8"
    )


def test_the_token_is_never_shown_nor_kept(released):
    token = released.server.token
    job = released.job
    for s in job.steps:
        for what, text in (("log", s.log), ("outputs", s.output_file), ("summary", s.summary)):
            assert token not in text, f"the token is in the {what} of step {s.name!r}"
    # nowhere on disk: checkout (.git/config included), origin, runner files, gate logs, home
    assert files_holding(released.base, token.encode()) == []
    # the push steps' header value is only ever handed to the runner's masking
    auth = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert {ln for ln in job.logs.splitlines() if auth in ln} == {f"::add-mask::{auth}"}
    assert files_holding(released.base, auth.encode()) == []
    kept = subprocess.run(["git", "config", "--get-regexp", r"^http\."], cwd=released.workspace, capture_output=True, text=True)
    assert (kept.returncode, kept.stdout) == (1, ""), f"the checkout keeps http config: {kept.stdout}"


# --------------------------------------------------------------------------- a failing gate


def test_failing_gate_stops_the_job_before_anything_is_released(tmp_path):
    sc = run_scenario(tmp_path, failing_gate="test:mock")
    try:
        job = sc.job
        gates = job.step("Gates")
        assert gates.code == 1, gates.log
        assert job.ran == ["Gates"]  # Release, Push, Close and its push never run
        sha = sc.start[:12]
        errors = [ln for ln in gates.log.splitlines() if ln.startswith("::error::")]
        assert errors == [f"::error::gates not passing for {sha}: test:mock fail"], gates.log
        assert re.search(r"^test:mock\s+fail\s+tests=2\s+failures=1", gates.log, re.MULTILINE), gates.log
        assert "    failed: s b" in gates.log.splitlines(), gates.log
        # nothing released: no commit, no tag, no change to a tracked file, no output
        assert git(sc.workspace, "rev-parse", "HEAD") == sc.start == git(sc.origin, "rev-parse", "main")
        assert git(sc.workspace, "tag", "--list") == "" and git(sc.origin, "tag", "--list") == ""
        assert git(sc.workspace, "status", "--porcelain", "--untracked-files=no") == ""
        assert not (sc.workspace / "docs" / "releases").exists()
        assert all(s.outputs == {} for s in job.steps)
        # the issues are untouched
        assert writes(sc.server) == []
        for n in (459, 462):
            assert sc.server.issue(n)["state"] == "open" and sc.server.comments(n) == []
        assert sc.server.token not in job.logs
    finally:
        sc.server.stop()


# --------------------------------------------------------------------------- the packages input


def test_packages_input_releases_only_those(tmp_path):
    sc = run_scenario(tmp_path, packages="voice-agent-backend")
    try:
        job = sc.job
        for s in job.steps:
            assert s.code in (0, None), f"step {s.name!r} exited {s.code}:\n{s.log}"
        assert job.ran == ["Gates", "Release", "Push", "Close", "Push the closure"]
        assert job.step("Release").outputs == {"versions": "0.2.2", "version-voice-agent-backend": "0.2.2"}
        assert git(sc.origin, "tag", "--list") == "voice-agent-backend-v0.2.2"
        assert '"version": "0.9.1"' in git(sc.origin, "show", "main:package.json")
        assert sc.server.comments(459)[0]["body"].startswith("Resolved by #462 in v0.2.2")
        assert sc.server.issue(462)["state_reason"] == "completed"
    finally:
        sc.server.stop()


# --------------------------------------------------------------------------- the push step on GitHub


def test_push_step_authenticates_to_the_server_only(tmp_path):
    """On GitHub, origin is ``$GITHUB_SERVER_URL/owner/name`` with no credentials: the Push
    step must send the token as git's HTTP header for that server, and to no other host."""
    wf = load_workflow()
    (push,) = [s for s in wf["jobs"]["release"]["steps"] if s.get("name") == "Push"]
    token = "ghs_PushStepToken0123456789abcdef"
    server_url = "https://github.example"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real_git = shutil.which("git")
    seen = tmp_path / "seen"
    # a `git` that, for `push`, records its arguments and the header git would send where
    (bin_dir / "git").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = push ]; then\n'
        f'  printf "args=%s\\n" "$*" > "{seen}"\n'
        f'  for url in "{server_url}/acme/widgets" "{server_url}/acme/widgets.git" "https://elsewhere.example/acme/widgets"; do\n'
        f'    printf "%s %s\\n" "$url" "$("{real_git}" config --get-urlmatch http.extraheader "$url")" >> "{seen}"\n'
        "  done\n"
        "  exit 0\n"
        "fi\n"
        f'exec "{real_git}" "$@"\n'
    )
    (bin_dir / "git").chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    script = evaluate(push["run"], "release.yml step 'Push'", {}, token)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITHUB_TOKEN": token,
        "GITHUB_SERVER_URL": server_url,
        "GITHUB_REPOSITORY": "acme/widgets",
    }
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc
    lines = seen.read_text().splitlines()
    assert lines[0] == "args=push origin HEAD --follow-tags"
    header = "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert lines[1:] == [
        f"{server_url}/acme/widgets {header}",
        f"{server_url}/acme/widgets.git {header}",
        "https://elsewhere.example/acme/widgets ",
    ]
    assert token not in proc.stdout + proc.stderr
    assert token not in (repo / ".git" / "config").read_text()
