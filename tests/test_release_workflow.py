"""The release workflow (.github/workflows/release.yml), run locally step by step, in an
npm-only repository shaped like the real one (tests/adopt_fakes.py: no pyproject.toml,
``lint`` is ``eslint src --ext .ts,.tsx``, ``test:mock`` is plain ``jest``, no jest-junit).

The ``release`` job's steps run in order the way GitHub Actions runs them: each ``run:``
script through ``bash --noprofile --norc -eo pipefail`` in the checkout, with the
``GITHUB_*`` file commands (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV``,
``GITHUB_PATH``: new files per step, in a temporary runner folder), the workflow's, the
job's and the step's ``env:``, and a step stops the job when it fails. What the runner
would do itself, the test does instead:

- the ``uses:`` steps (checkout, setup-python, setup-node): the checkout is a clone of a
  local bare repository (so origin holds no credentials, as with
  ``persist-credentials: false``, and the Push step pushes there); Python is the dev venv,
  first on PATH; node is the machine's;
- the ``Install`` step is not run: issue-flow is installed in the venv already, and
  ``npm ci`` is played by putting the stand-in eslint and jest in ``node_modules/.bin``
  (the test checks the step pins issue-flow-md to the project's version and only installs);
- ``${{ … }}`` expressions: ``inputs.<declared input>``, ``secrets.GITHUB_TOKEN``,
  ``secrets.NPM_TOKEN`` and ``steps.<id>.outputs.<name>`` of an earlier step; any other
  expression fails the test, so the workflow stays runnable here;
- a step whose command does not exist in this issue-flow yet is reported as not run, with
  the reason, instead of being faked: the Publish and Published steps need ``issue-flow
  published`` and a local npm registry;
- GitHub is the test server (tests/ghserver.py).

The checkout holds the configuration ``issue-flow init`` proposed for it (gates lint,
test:mock, integration from its own scripts), a bug #470 whose criteria are done but the
release and the close, and a follow-up #462 of #459 whose "Follow up" (after the release)
is still open.

Here: the bug #470 released and closed, then the same job run again on that checkout, as a
rerun of the workflow would (issue 13, part 6): the release is found made, the GitHub
Release found, both versions found on the registry, so nothing is published, created or
posted twice. The follow-up #462, a failing gate and the ``packages`` input are in
tests/test_release_workflow_cases.py.
"""

from __future__ import annotations

import base64
import contextlib
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
from adopt_fakes import git_env, install_fake_tools, make_npm_repo
from conftest import run_cli, require_tools
from ghserver import GitHubServer
from verdaccio import VERDACCIO, Registry

from issue_flow import __version__

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
BACKEND = "packages/voice-agent-backend"
MANIFESTS = ("package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json")
RELEASED_MARK = "<!-- issue-flow:released #{n} 0.9.2 / 0.2.2 -->"

# The actions whose effect the test provides itself (see the module docstring).
PROVIDED_ACTIONS = {"actions/checkout", "actions/setup-python", "actions/setup-node"}
STEP_KEYS = {"name", "id", "run", "env", "shell"}  # what the runner here knows how to honour (shell: bash only)
STEPS = ["Gates", "Release", "Push", "GitHub Release", "Publish", "Published", "Close or notice"]



@pytest.fixture(autouse=True)
def _node_and_npm():
    """node and npm run the repository's own scripts (absent: skipped here, a failure in CI)."""
    require_tools("node", "npm")


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    full = dict(git_env(), **(env or {}))
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=full).stdout.strip()


# --------------------------------------------------------------------------- what exists


def not_run_here(registry: Registry | None) -> dict[str, str]:
    """Steps this machine cannot run, and why (outside CI only: in CI a missing registry fails)."""
    why: dict[str, str] = {}
    if registry is None:
        why["Publish"] = why["Published"] = f"no local npm registry: {VERDACCIO.relative_to(ROOT)} is not installed (.ci/run installs it)"
    return why


@contextlib.contextmanager
def local_registry(pool, wanted: bool = True):
    """verdaccio on 127.0.0.1 (tests/verdaccio.py), lent from the session's ``registry_pool``
    for as long as the caller holds it, when installed; else None (outside CI)."""
    if not wanted or not VERDACCIO.exists():
        if wanted and os.environ.get("CI"):
            pytest.fail(f"{VERDACCIO.relative_to(ROOT)} not installed; CI is set, so that is a failure, not a skip")
        yield None
        return
    with pool.lease() as registry:
        yield registry


# --------------------------------------------------------------------------- the workflow


EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
NPM_TOKEN = {"value": "npm_TestToken0123456789abcdefghij"}  # the registry's token when there is one


def load_workflow() -> dict[str, Any]:
    with open(WORKFLOW, encoding="utf-8") as fh:
        wf = yaml.safe_load(fh)
    if True in wf and "on" not in wf:  # YAML 1.1 reads the key `on` as true
        wf["on"] = wf.pop(True)
    return wf


def declared_inputs(wf: dict[str, Any]) -> dict[str, Any]:
    return dict((wf["on"].get("workflow_dispatch") or {}).get("inputs") or {})


def evaluate(text: Any, where: str, inputs: dict[str, str], token: str, steps: dict[str, dict[str, str]] | None = None) -> str:
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
        if expr == "secrets.NPM_TOKEN":
            return NPM_TOKEN["value"]
        hit = re.fullmatch(r"steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)", expr)
        if hit and steps is not None and hit.group(1) in steps:
            return steps[hit.group(1)].get(hit.group(2), "")
        pytest.fail(f"{where}: the expression ${{{{ {expr} }}}} cannot be evaluated by this test; keep the workflow to "
                    "inputs.<name>, secrets.GITHUB_TOKEN, secrets.NPM_TOKEN and steps.<id>.outputs.<name> "
                    "(or teach tests/test_release_workflow.py the new one)")

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
    workspace: Path, runner: Path, home: Path, server: GitHubServer, inputs: dict[str, str], not_run: dict[str, str],
    registry: Registry | None = None,
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
        "npm_config_update_notifier": "false",
    }
    if registry is not None:  # actions/setup-node's registry-url, here the local registry
        env.update(registry.env())
        NPM_TOKEN["value"] = registry.token
    added_env: dict[str, str] = {}
    added_path: list[str] = []
    runs: list[StepRun] = []
    outputs: dict[str, dict[str, str]] = {}
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
        script = evaluate(step["run"], where, values, token, outputs)
        run = StepRun(name, step.get("id"), script)
        runs.append(run)
        if name == "Install":
            # pip install issue-flow-md==X / npm ci: the venv has issue-flow; node_modules/.bin has the tools.
            assert 'pip install --disable-pip-version-check "issue-flow-md==$ISSUE_FLOW_VERSION"' in script, script
            assert "npm ci" in script and "GITHUB_" not in script, "the Install step should only install"
            run.skipped = "installed already (the dev venv; node_modules/.bin)"
            continue
        if name in not_run:
            run.skipped = not_run[name]
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
                step_env[key] = evaluate(value, f"release.yml {scope} env {key}", values, token, outputs)
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
        if run.id:
            outputs[run.id] = run.outputs
        added_env.update(parse_file_command(files["GITHUB_ENV"]))
        added_path += [p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p.strip()]
        failed = proc.returncode != 0
    return JobRun(runs, workspace, runner)


# --------------------------------------------------------------------------- the repositories

OFFLINE = {"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None, "GITHUB_TOKEN": None, "GH_TOKEN": None}


def issue_flow(cwd: Path, *args: str) -> None:
    res = run_cli(*args, cwd=cwd, env=OFFLINE)
    assert res.code == 0, (args, res)


def make_repositories(base: Path, *, failing_test: bool = False) -> tuple[Path, Path]:
    """(the bare origin, the checkout): the npm-only project at one commit, set up with issue-flow."""
    seed = make_npm_repo(base / "seed", failing_test=failing_test)
    git(seed, "init", "-q", "-b", "main")
    issue_flow(seed, "init")
    # a bug: everything done but the release and the close
    issue_flow(seed, "new", "470", "--kind", "bug", "--offline", "--title", "session.update sent twice")
    for label in ("Root cause identified", "Failing test", "Fix implemented", "No regression", "Docs updated"):
        issue_flow(seed, "check", "470", label)
    # a follow-up of #459: analysed and fixed; the follow-up with the consumer comes after the release
    issue_flow(seed, "new", "459", "--kind", "bug", "--offline", "--title", "session.update race")
    issue_flow(seed, "new", "462", "--parent", "459", "--kind", "follow-up", "--offline",
               "--title", "conversation_already_has_active_response still occurs")
    for label in ("Log excerpt", "Analysis", "Root cause fix", "Tests"):
        issue_flow(seed, "check", "462", label)
    shutil.rmtree(seed / "node_modules")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "widgets at 0.9.1 / 0.2.1")
    origin = base / "origin.git"
    git(base, "init", "-q", "--bare", str(origin))
    git(seed, "push", "-q", str(origin), "main:main")
    git(origin, "symbolic-ref", "HEAD", "refs/heads/main")
    workspace = base / "work" / "widgets"
    workspace.parent.mkdir(parents=True)
    git(base, "clone", "-q", str(origin), str(workspace))  # the checkout, fetch-depth 0
    install_fake_tools(workspace)  # npm ci
    shutil.rmtree(seed)
    return origin, workspace


def add_issues(server: GitHubServer) -> None:
    server.add_issue(459, "Bug: session.update race")
    server.add_issue(462, "Fix: conversation_already_has_active_response still occurs on 0.9.1/0.2.1")
    server.add_issue(470, "session.update sent twice")


@dataclass
class Scenario:
    job: JobRun
    origin: Path
    workspace: Path
    server: GitHubServer
    base: Path
    start: str  # the commit the workflow started from
    not_run: dict[str, str]
    registry: Registry | None = None


def run_scenario(base: Path, issue: str, *, failing_test: bool = False, packages: str = "",
                 registry: Registry | None = None, before=None) -> Scenario:
    server = GitHubServer().start()
    try:
        add_issues(server)
        origin, workspace = make_repositories(base, failing_test=failing_test)
        start = git(workspace, "rev-parse", "HEAD")
        not_run = not_run_here(registry)
        if before is not None:
            before(workspace)
        job = run_release_job(workspace, base / "runner", base / "home", server, {"issue": issue, "packages": packages},
                              not_run, registry)
    except BaseException:
        server.stop()
        raise
    return Scenario(job, origin, workspace, server, base, start, not_run, registry)


def writes(server: GitHubServer) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.requests if r.method != "GET"]


def files_holding(base: Path, needle: bytes) -> list[str]:
    return [str(p.relative_to(base)) for p in sorted(base.rglob("*")) if p.is_file() and needle in p.read_bytes()]


def assert_green(job: JobRun) -> None:
    for s in job.steps:
        assert s.code in (0, None), f"step {s.name!r} exited {s.code}:\n{s.log}"


def expected_ran(sc: Scenario) -> list[str]:
    return [s for s in STEPS if s not in sc.not_run]


# --------------------------------------------------------------------------- a bug: released and closed


@pytest.fixture(scope="module")
def bug(tmp_path_factory, registry_pool):
    with local_registry(registry_pool) as registry:
        sc = run_scenario(tmp_path_factory.mktemp("release-bug"), "470", registry=registry)
        yield sc
        sc.server.stop()


def test_every_step_runs_and_succeeds(bug):
    job = bug.job
    assert_green(job)
    assert job.ran == expected_ran(bug)
    assert [s.name.split("@")[0] for s in job.steps if s.skipped and s.skipped.startswith(("uses", "installed"))] == [
        "actions/checkout", "actions/setup-python", "actions/setup-node", "Install",
    ]
    for name, why in bug.not_run.items():  # not faked: reported
        assert job.step(name).skipped == why and job.step(name).code is None
    assert "::error::" not in job.logs and "::warning::" not in job.logs
    gates = job.step("Gates").log
    for name, tests in (("lint", 2), ("test:mock", 5), ("integration", 2)):
        assert re.search(rf"^{re.escape(name)}\s+pass\s+tests={tests}\s+failures=0", gates, re.MULTILINE), gates
    assert "released 0.9.2 / 0.2.2 for #470" in job.step("Release").log
    assert "#470 is closed (completed)" in job.step("Close or notice").log


def test_the_install_step_pins_the_projects_version(bug):
    job = load_workflow()["jobs"]["release"]
    assert job["env"]["ISSUE_FLOW_VERSION"] == __version__


def test_outputs(bug):
    rel = bug.job.step("Release")
    assert rel.id == "release"
    assert rel.outputs == {
        "versions": "0.9.2 / 0.2.2",
        "version-voice-agent-react": "0.9.2",
        "version-voice-agent-backend": "0.2.2",
        "tag-voice-agent-react": "v0.9.2",
        "tag-voice-agent-backend": "voice-agent-backend-v0.2.2",
        "released": "true",
    }
    assert bug.job.step("Close or notice").outputs == {"closed": "true"}
    assert bug.job.step("Gates").outputs == {} and bug.job.step("Push").outputs == {}


def test_job_summary(bug):
    job = bug.job
    gates = job.step("Gates").summary
    assert gates.startswith("### issue-flow gate (")
    for name in ("lint", "test:mock", "integration"):
        assert re.search(rf"^\| {re.escape(name)} \| ✅ pass \|", gates, re.MULTILINE), gates
    rel = job.step("Release").summary
    assert rel.startswith("### Release 0.9.2 / 0.2.2 (#470)\n")
    assert "| 0.9.1 | 0.9.2 | `v0.9.2` |" in rel and "| 0.2.1 | 0.2.2 | `voice-agent-backend-v0.2.2` |" in rel
    close = job.step("Close or notice").summary
    assert close.startswith("### issue-flow close #470\n") and "- #470 closed as completed" in close
    assert job.summary.index("### issue-flow gate") < job.summary.index("### Release") < job.summary.index("### issue-flow close")


def test_origin_has_the_release_commit_the_tags_and_the_closure(bug):
    origin = bug.origin
    assert git(origin, "rev-parse", "main") == git(bug.workspace, "rev-parse", "HEAD")
    release = git(origin, "rev-parse", "main^")
    assert git(origin, "rev-parse", "main^^") == bug.start
    assert git(origin, "log", "-1", "--format=%s", "main^") == "chore: release 0.9.2 / 0.2.2 (#470)"
    assert git(origin, "log", "-1", "--format=%s", "main") == "docs: close #470"
    assert set(git(origin, "tag", "--list").split()) == {"v0.9.2", "voice-agent-backend-v0.2.2"}
    for tag in ("v0.9.2", "voice-agent-backend-v0.2.2"):
        assert git(origin, "cat-file", "-t", tag) == "tag"  # annotated
        assert git(origin, "rev-parse", f"{tag}^{{commit}}") == release
    committed = set(git(origin, "diff", "--name-only", "main^^", "main^").splitlines())
    assert set(MANIFESTS) <= committed
    assert {p for p in committed if not p.startswith("docs/")} == set(MANIFESTS)
    assert '"version": "0.9.2"' in git(origin, "show", "main:package.json")
    assert git(bug.workspace, "status", "--porcelain") == ""


def test_the_bug_is_closed_once(bug):
    server = bug.server
    issue = server.issue(470)
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert [b for b in (c["body"] for c in server.comments(470)) if "<!-- issue-flow:close #470 -->" in b]
    assert not [c for c in server.comments(470) if "issue-flow:released" in c["body"]]
    for n in (459, 462):
        assert server.issue(n)["state"] == "open" and server.comments(n) == []


def test_the_github_release_is_made(bug):
    (rel,) = bug.server.releases()
    assert rel["tag_name"] == "v0.9.2" and not rel["draft"]


def test_the_packages_are_published(bug):
    if "Publish" in bug.not_run:
        pytest.skip(bug.not_run["Publish"])
    reg = bug.registry
    assert reg.versions("@signal-meaning/voice-agent-react") == ["0.9.2"]
    assert reg.versions("@signal-meaning/voice-agent-backend") == ["0.2.2"]
    log = bug.job.step("Publish").log
    assert "+ @signal-meaning/voice-agent-react@0.9.2" in log and "+ @signal-meaning/voice-agent-backend@0.2.2" in log
    assert bug.job.step("Published").code == 0
    # the component's build ran before it was packed (prepublishOnly), as npm publish does
    assert "created dist/index.js" in log


def test_the_token_is_never_shown_nor_kept(bug):
    token = bug.server.token
    job = bug.job
    for s in job.steps:
        for what, text in (("log", s.log), ("outputs", s.output_file), ("summary", s.summary)):
            assert token not in text, f"the token is in the {what} of step {s.name!r}"
    assert files_holding(bug.base, token.encode()) == []
    auth = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert {ln for ln in job.logs.splitlines() if auth in ln} == {f"::add-mask::{auth}"}
    assert files_holding(bug.base, auth.encode()) == []
    kept = subprocess.run(["git", "config", "--get-regexp", r"^http\."], cwd=bug.workspace, capture_output=True, text=True)
    assert (kept.returncode, kept.stdout) == (1, ""), f"the checkout keeps http config: {kept.stdout}"


# --------------------------------------------------------------------------- the same job run again


@pytest.fixture(scope="module")
def twice(bug):
    """The bug's job run a second time on the same checkout, as a rerun of the workflow
    would: the release is found made, the GitHub Release found, both versions found on the
    registry, so nothing is published, created, posted or pushed twice. The first run is the
    ``bug`` scenario's own (the same job on the same scenario)."""
    if bug.registry is None:
        pytest.skip("no local npm registry (.ci/run installs verdaccio)")
    sc, registry = bug, bug.registry
    first = {
        "tarballs": registry.tarballs(),
        "releases": sc.server.releases(),
        "origin": (git(sc.origin, "rev-parse", "main"), git(sc.origin, "tag", "--list")),
    }
    sc.server.clear_log()
    again = run_release_job(sc.workspace, sc.base / "runner-2", sc.base / "home-2", sc.server,
                            {"issue": "470"}, sc.not_run, registry)
    return sc, first, again, registry


def test_the_first_run_publishes_both_packages(twice):
    sc, first, _, registry = twice
    assert_green(sc.job)
    assert first["tarballs"] == [
        "@signal-meaning/voice-agent-backend/voice-agent-backend-0.2.2.tgz",
        "@signal-meaning/voice-agent-react/voice-agent-react-0.9.2.tgz",
    ]
    assert sc.job.step("Published").code == 0
    assert [r["tag_name"] for r in first["releases"]] == ["v0.9.2"]


def test_a_rerun_publishes_creates_and_posts_nothing(twice):
    sc, first, again, registry = twice
    assert_green(again)
    assert registry.tarballs() == first["tarballs"]  # nothing published twice
    assert registry.versions("@signal-meaning/voice-agent-react") == ["0.9.2"]
    assert registry.versions("@signal-meaning/voice-agent-backend") == ["0.2.2"]
    assert "every released version is on the registry already" in again.step("Publish").log
    assert "already released" in again.step("Release").log
    assert sc.server.releases() == first["releases"]  # the GitHub Release found, not made again
    assert [(r.method, r.path) for r in sc.server.requests if r.method != "GET"] == []  # no write at all
    assert again.step("Published").code == 0
    # nothing committed, tagged or pushed again: origin is as the first run left it
    assert (git(sc.origin, "rev-parse", "main"), git(sc.origin, "tag", "--list")) == first["origin"]
    assert git(sc.workspace, "status", "--porcelain") == ""


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
