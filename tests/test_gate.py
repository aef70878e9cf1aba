"""Release gates: gates.py and the ``issue-flow gate`` command."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import init_git_repo

from issue_flow.adapters import process
from issue_flow.workflows import gate as gates
from issue_flow.workflows import gate_results
from issue_flow.cli import main
from issue_flow.config import load_config
from issue_flow.errors import IssueFlowError

PY = shlex.quote(sys.executable)

JUNIT_FAIL = (
    '<testsuites tests="3" failures="1" errors="0" time="4.5"><testsuite name="s" tests="3" time="4.5">'
    '<testcase classname="s" name="ok"/><testcase classname="s" name="bad"><failure>x</failure></testcase>'
    '<testcase classname="s" name="later"><skipped/></testcase></testsuite></testsuites>'
)
JUNIT_PASS = (
    '<testsuites tests="2" failures="0" errors="0" time="1.5"><testsuite name="p" tests="2" time="1.5">'
    '<testcase classname="p" name="a"/><testcase classname="p" name="b"/></testsuite></testsuites>'
)
ESLINT_OK = json.dumps([{"filePath": "/r/src/a.ts", "messages": [], "errorCount": 0, "warningCount": 0}])


def sh(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def py_cmd(code: str) -> str:
    return f"{PY} -c {shlex.quote(code)}"


def writer(path: str, content: str, exit_code: int = 0, say: str = "") -> str:
    code = (
        "import os,sys\n"
        f"os.makedirs(os.path.dirname({path!r}) or '.', exist_ok=True)\n"
        f"open({path!r}, 'w').write({content!r})\n"
        f"print({say!r})\n"
        f"sys.exit({exit_code})\n"
    )
    return py_cmd(code)


def toml_gates(gate_list: list[dict]) -> str:
    out = []
    for g in gate_list:
        out.append("[[gates]]")
        for k, v in g.items():
            out.append(f"{k} = {json.dumps(v)}" if not isinstance(v, bool) else f"{k} = {str(v).lower()}")
        out.append("")
    return "\n".join(out)


DEFAULT_TEST_GATES = [
    {"name": "lint", "report": "reports/eslint.json", "format": "eslint", "check": "lint"},
    {"name": "test:mock", "report": "reports/junit-test-mock.xml", "format": "junit", "check": "test:mock"},
]


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = init_git_repo(tmp_path / "repo", monkeypatch)
    (root / "README.md").write_text("x\n")
    set_gates(root, DEFAULT_TEST_GATES)
    sh(root, "add", ".")
    sh(root, "commit", "-q", "-m", "first")
    return root


def set_gates(root: Path, gate_list: list[dict]) -> None:
    (root / ".issue-flow.toml").write_text(toml_gates(gate_list))


def commit(root: Path, msg: str = "next") -> str:
    (root / "README.md").write_text((root / "README.md").read_text() + msg + "\n")
    sh(root, "commit", "-q", "-am", msg)
    return sh(root, "rev-parse", "HEAD")


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["-C", str(root), "gate", *args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def write_results(root: Path, sha: str, entries: dict) -> Path:
    path = root / ".issue-flow" / "results" / f"{sha}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path


def entry(status="pass", **kw):
    base = {"status": status, "tests": 3, "failures": 0 if status == "pass" else 1, "skipped": 0, "duration": 1.5, "source": "ci", "failed_names": []}
    base.update(kw)
    return base


# --------------------------------------------------------------------------- CLI


def test_nothing_recorded_is_missing_exit_1(repo, capsys):
    code, out, err = run(capsys, repo)
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(("lint", "test:mock"))]
    assert len(lines) == 2 and all(" missing " in line + " " for line in lines)
    assert "lint" in err and "test:mock" in err and "\n" not in err.strip()


def test_recorded_pass_for_head(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry(), "test:mock": entry(tests=922, skipped=4, duration=61.25)})
    code, out, err = run(capsys, repo)
    assert code == 0, err
    assert head[:12] in out
    line = next(x for x in out.splitlines() if x.startswith("test:mock"))
    assert line.split()[:6] == ["test:mock", "pass", "tests=922", "failures=0", "skipped=4", "duration=61.2s"] or line.split()[:6] == ["test:mock", "pass", "tests=922", "failures=0", "skipped=4", "duration=61.3s"]
    assert "(recorded" in line


def test_result_for_another_commit_is_stale(repo, capsys):
    first = sh(repo, "rev-parse", "HEAD")
    write_results(repo, first, {"lint": entry(), "test:mock": entry()})
    commit(repo)
    code, out, err = run(capsys, repo)
    assert code == 1
    assert [x.split()[1] for x in out.splitlines() if x.startswith(("lint", "test:mock"))] == ["stale", "stale"]
    assert first[:7] in out
    assert "stale" in err
    # ... but for the commit it was recorded for, it passes
    code, out, err = run(capsys, repo, "--sha", first[:10])
    assert code == 0, out + err


def test_entry_naming_another_sha_is_stale(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry(sha="f" * 40), "test:mock": entry(sha=head)})
    code, out, _ = run(capsys, repo)
    assert code == 1
    assert next(x for x in out.splitlines() if x.startswith("lint")).split()[1] == "stale"
    assert next(x for x in out.splitlines() if x.startswith("test:mock")).split()[1] == "pass"


def test_recorded_fail_and_json(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry(), "test:mock": entry("fail", failed_names=["s bad"])})
    code, out, err = run(capsys, repo, "--json")
    assert code == 1
    doc = json.loads(out)
    assert [(g["name"], g["status"]) for g in doc] == [("lint", "pass"), ("test:mock", "fail")]
    assert doc[1]["failed_names"] == ["s bad"] and doc[1]["sha"] == head
    assert doc[0]["tests"] == 3 and doc[0]["required"] is True
    assert "test:mock" in err and "lint" not in err


def test_optional_gate_does_not_block(repo, capsys):
    set_gates(repo, [dict(DEFAULT_TEST_GATES[0]), dict(DEFAULT_TEST_GATES[1], required=False)])
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry()})
    code, out, _ = run(capsys, repo)
    assert code == 0
    assert "optional" in next(x for x in out.splitlines() if x.startswith("test:mock"))


def test_invalid_sha_exit_2(repo, capsys):
    code, out, err = run(capsys, repo, "--sha", "deadbeef" * 5)
    assert code == 2 and "deadbeef" in err
    code, out, err = run(capsys, repo, "--sha", "--nope")
    assert code == 2


def test_malformed_results_file_exit_2(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    p = write_results(repo, head, {})
    p.write_text("{broken")
    code, _, err = run(capsys, repo)
    assert code == 2 and f"{head}.json" in err
    p.write_text(json.dumps({"lint": {"status": "great"}}))
    code, _, err = run(capsys, repo)
    assert code == 2 and "lint" in err


def test_run_records_and_keeps_logs(repo, capsys):
    set_gates(
        repo,
        [
            dict(DEFAULT_TEST_GATES[0], command=writer("reports/eslint.json", ESLINT_OK, 0, "lint says hi")),
            dict(DEFAULT_TEST_GATES[1], command=writer("reports/junit-test-mock.xml", JUNIT_FAIL, 1, "jest says no")),
        ],
    )
    head = sh(repo, "rev-parse", "HEAD")
    code, out, err = run(capsys, repo, "--run")
    assert code == 1
    lint = next(x for x in out.splitlines() if x.startswith("lint"))
    tests = next(x for x in out.splitlines() if x.startswith("test:mock"))
    assert lint.split()[:5] == ["lint", "pass", "tests=1", "failures=0", "skipped=0"] and "(run)" in lint
    assert tests.split()[:6] == ["test:mock", "fail", "tests=3", "failures=1", "skipped=1", "duration=4.5s"]
    assert "s bad" in out
    recorded = json.loads((repo / ".issue-flow" / "results" / f"{head}.json").read_text())
    assert recorded["lint"]["status"] == "pass" and recorded["lint"]["sha"] == head
    assert recorded["test:mock"]["failures"] == 1 and recorded["test:mock"]["source"] == "run"
    log = repo / ".issue-flow" / "logs" / f"test_mock-{head[:12]}.log"
    assert "jest says no" in log.read_text()
    assert "lint says hi" in (repo / ".issue-flow" / "logs" / f"lint-{head[:12]}.log").read_text()
    # A second call reads the recorded results: no re-run.
    (repo / "reports" / "eslint.json").unlink()
    code, out, _ = run(capsys, repo)
    assert code == 1
    assert "(recorded" in next(x for x in out.splitlines() if x.startswith("lint"))
    assert not (repo / "reports" / "eslint.json").exists()


def test_run_ignores_a_report_left_from_before(repo, capsys):
    (repo / "reports").mkdir()
    (repo / "reports" / "junit-test-mock.xml").write_text(JUNIT_FAIL)
    set_gates(repo, [dict(DEFAULT_TEST_GATES[1], command=py_cmd("pass"))])
    code, out, _ = run(capsys, repo, "--run")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("test:mock"))
    assert line.split()[1] == "pass" and "tests=-" in line


def test_run_timeout_fails_fast(repo, capsys):
    set_gates(repo, [{"name": "slow", "command": py_cmd("import time; time.sleep(30)"), "timeout": 0.5}])
    t = time.perf_counter()
    code, out, _ = run(capsys, repo, "--run")
    assert time.perf_counter() - t < 10
    assert code == 1
    assert "timed out" in out and out.count("slow") >= 1


def test_record_binds_reports_to_head(repo, capsys):
    (repo / "reports").mkdir()
    (repo / "reports" / "eslint.json").write_text(ESLINT_OK)
    (repo / "reports" / "junit-test-mock.xml").write_text(JUNIT_PASS)
    head = sh(repo, "rev-parse", "HEAD")
    code, out, err = run(capsys, repo, "--record")
    assert code == 0, out + err
    data = json.loads((repo / ".issue-flow" / "results" / f"{head}.json").read_text())
    assert data["test:mock"]["tests"] == 2 and data["test:mock"]["sha"] == head
    assert data["test:mock"]["source"].startswith("report")
    first = head
    commit(repo)
    code, out, _ = run(capsys, repo, "--record", "--sha", first)
    assert code == 2  # reports are bound to HEAD only


# --------------------------------------------------------------------------- library


def test_record_from_reports(repo):
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")
    assert gate_results.record_from_reports(cfg, head) == {}
    (repo / "reports").mkdir()
    (repo / "reports" / "junit-test-mock.xml").write_text(JUNIT_FAIL)
    rec = gate_results.record_from_reports(cfg, head)
    assert list(rec) == ["test:mock"]
    assert rec["test:mock"]["status"] == "fail" and rec["test:mock"]["failed_names"] == ["s bad"]
    (repo / "reports" / "eslint.json").write_text(ESLINT_OK)
    gate_results.record_from_reports(cfg, head)
    data = json.loads((repo / ".issue-flow" / "results" / f"{head}.json").read_text())
    assert set(data) == {"lint", "test:mock"}
    (repo / "reports" / "eslint.json").write_text("[{")
    with pytest.raises(IssueFlowError, match="eslint.json"):
        gate_results.record_from_reports(cfg, head)


@dataclass
class CheckRun:
    name: str
    status: str
    conclusion: str | None = None


@dataclass
class Status:
    context: str
    state: str


class FakeGitHub:
    def __init__(self, runs=(), statuses=()):
        self.runs, self.statuses, self.calls = list(runs), list(statuses), []

    def check_runs(self, sha):
        self.calls.append(("check_runs", sha))
        return self.runs

    def commit_statuses(self, sha):
        self.calls.append(("commit_statuses", sha))
        return self.statuses


def statuses_of(results):
    return {r.name: r.status for r in results}


def test_github_check_runs_and_statuses(repo):
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "success"), CheckRun("test:mock", "in_progress")])
    res = gates.evaluate(cfg, head, gh)
    assert statuses_of(res) == {"lint": "pass", "test:mock": "pending"}
    assert res[0].source.startswith("check run")
    assert ("check_runs", head) in gh.calls

    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "failure")], statuses=[Status("test:mock", "pending")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "fail", "test:mock": "pending"}

    gh = FakeGitHub(statuses=[Status("lint", "success"), Status("test:mock", "error")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "pass", "test:mock": "fail"}

    # neutral and skipped satisfy a gate, as they satisfy a required check on GitHub
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "skipped"), CheckRun("other", "completed", "success")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "pass", "test:mock": "missing"}
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "neutral"), CheckRun("test:mock", "completed", "cancelled")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "pass", "test:mock": "fail"}
    for bad in ("failure", "timed_out", "action_required", "stale", "startup_failure", None):
        gh = FakeGitHub(runs=[CheckRun("lint", "completed", bad)])
        assert statuses_of(gates.evaluate(cfg, head, gh))["lint"] == "fail", bad

    # two runs with one name (two apps): one still running -> pending, not a pass
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "success"), CheckRun("lint", "queued")])
    assert statuses_of(gates.evaluate(cfg, head, gh))["lint"] == "pending"


def test_recorded_result_wins_over_github(repo):
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry("fail")})
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "success")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "fail", "test:mock": "missing"}


def test_github_beats_stale(repo):
    cfg = load_config(repo)
    first = sh(repo, "rev-parse", "HEAD")
    write_results(repo, first, {"lint": entry(), "test:mock": entry()})
    head = commit(repo)
    gh = FakeGitHub(runs=[CheckRun("lint", "completed", "success")])
    assert statuses_of(gates.evaluate(cfg, head, gh)) == {"lint": "pass", "test:mock": "stale"}


def test_github_error_means_missing_not_crash(repo):
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")

    class Down:
        def check_runs(self, sha):
            raise IssueFlowError("GitHub: 502 Bad Gateway")

        commit_statuses = check_runs

    res = gates.evaluate(cfg, head, Down())
    assert statuses_of(res) == {"lint": "missing", "test:mock": "missing"}
    assert "502" in res[0].detail


def test_gate_json_reports_each_recorded_result(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry(duration=0.5, tests=1), "test:mock": entry("fail", failed_names=["t1"])})
    code, out, err = run(capsys, repo, "--json")
    assert code == 1  # one gate says no
    by_name = {g["name"]: g for g in json.loads(out)}
    assert by_name["lint"]["status"] == "pass" and by_name["lint"]["duration"] == 0.5 and by_name["lint"]["tests"] == 1
    assert by_name["test:mock"]["status"] == "fail" and by_name["test:mock"]["failures"] == 1


def use_server(monkeypatch, env: dict) -> None:
    """The in-process ``gate`` talks to the test server (``gh_env``)."""
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)


def test_cli_uses_github_for_unrecorded_gates(repo, capsys, monkeypatch, gh_server, gh_env):
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry()})
    gh_server.add_check_run(head, "test:mock", "in_progress", None)
    use_server(monkeypatch, gh_env)
    code, out, err = run(capsys, repo)
    assert code == 1
    assert next(x for x in out.splitlines() if x.startswith("test:mock")).split()[1] == "pending"
    assert "test:mock pending" in err
    # lint is recorded; a matching check run spares the statuses call
    assert [(r.method, r.path) for r in gh_server.requests] == [("GET", f"/repos/{gh_server.repo}/commits/{head}/check-runs")]


def test_no_token_means_gates_judged_locally_without_a_request(repo, capsys, monkeypatch, gh_server, gh_env):
    head = sh(repo, "rev-parse", "HEAD")
    gh_server.add_check_run(head, "lint", "completed", "success")
    gh_server.add_check_run(head, "test:mock", "completed", "success")
    use_server(monkeypatch, {**gh_env, "GITHUB_TOKEN": None})
    code, out, err = run(capsys, repo)
    assert code == 1 and "missing" in out
    assert gh_server.requests == []  # no token: GitHub is not asked
    monkeypatch.setenv("GITHUB_TOKEN", gh_server.token)
    code, out, err = run(capsys, repo)
    assert code == 0, (out, err)  # with one, the check runs on GitHub pass the gates
    assert gh_server.count("GET", r"/check-runs$") == 1


# --------------------------------------------------------------------------- issue 12: inputs, clocks, signals


@pytest.mark.parametrize("value", ["-inf", "inf", "nan", "true", "0", "-5", '"10"'])
def test_bad_timeout_is_one_line_exit_2(repo, capsys, value):
    (repo / ".issue-flow.toml").write_text(f'[[gates]]\nname = "slow"\ncommand = "true"\ntimeout = {value}\n')
    code, out, err = run(capsys, repo, "--run")
    assert code == 2, (out, err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "gates[0].timeout" in lines[0] and "Traceback" not in err
    assert not (repo / ".issue-flow" / "results").exists()


def test_nan_duration_in_results_is_refused_and_json_stays_valid(repo, capsys):
    head = sh(repo, "rev-parse", "HEAD")
    path = write_results(repo, head, {})
    path.write_text('{"lint": {"status": "pass", "duration": NaN}}')
    code, out, err = run(capsys, repo, "--json")
    assert code == 2 and "duration" in err and out == ""
    # a result whose duration is not finite (from any source) is null in --json
    g = gates.GateResult(name="x", status="pass", duration=float("nan"))
    assert json.loads(json.dumps(g.to_dict(), allow_nan=False))["duration"] is None


def test_nan_in_a_report_is_one_line_exit_2(repo, capsys):
    (repo / "reports").mkdir()
    (repo / "reports" / "junit-test-mock.xml").write_text(JUNIT_PASS.replace('time="1.5"', 'time="NaN"', 1))
    code, out, err = run(capsys, repo, "--record")
    assert code == 2 and "junit-test-mock.xml" in err and len(err.strip().splitlines()) == 1


class FakeClock(process.Clock):
    """A clock that moves ``step`` seconds each time it is read and never sleeps."""

    def __init__(self, step: float):
        self.t, self.step, self.slept = 0.0, step, 0

    def now(self) -> float:
        self.t += self.step
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept += 1
        time.sleep(0.001)


def test_timeout_with_an_injected_clock_waits_no_real_time(repo):
    set_gates(repo, [{"name": "slow", "command": py_cmd("import time; time.sleep(60)"), "timeout": 600}])
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")
    said = []
    t = time.perf_counter()
    (res,) = gates.evaluate(cfg, head, run=True, echo=said.append, clock=FakeClock(100.0))
    assert time.perf_counter() - t < 8  # the command sleeps 60 s; the clock says 600 s passed
    assert res.status == "fail" and "timed out after 600s" in res.detail
    assert any(line.startswith("slow: running, ") and line.endswith("s") for line in said), said


def test_progress_lines_and_the_log_tail_on_failure(repo):
    code = "import sys\nfor i in range(40): print('line', i)\nprint('the reason it failed')\nsys.exit(3)"
    set_gates(repo, [{"name": "t", "command": py_cmd(code)}])
    cfg = load_config(repo)
    head = sh(repo, "rev-parse", "HEAD")
    said: list[str] = []
    (res,) = gates.evaluate(cfg, head, run=True, echo=said.append)
    assert res.status == "fail" and res.detail == "exit code 3"
    assert said[0].startswith("t: ") and "(log: .issue-flow/logs/t-" in said[0]
    assert re.fullmatch(r"t: fail in \d+\.\ds; exit code 3", said[1]), said
    assert said[2] == f"  last {process.TAIL_LINES} lines of .issue-flow/logs/t-{head[:12]}.log:"
    assert said[3:] == [f"  | line {i}" for i in range(21, 40)] + ["  | the reason it failed"]
    assert res.log == f".issue-flow/logs/t-{head[:12]}.log"


def test_verbose_streams_the_output(repo):
    set_gates(repo, [{"name": "t", "command": py_cmd("print('hello from the runner')")}])
    cfg = load_config(repo)
    said: list[str] = []
    gates.evaluate(cfg, sh(repo, "rev-parse", "HEAD"), run=True, echo=said.append, verbose=True)
    assert "  hello from the runner" in said
    quiet: list[str] = []
    gates.evaluate(cfg, sh(repo, "rev-parse", "HEAD"), rerun=True, echo=quiet.append)
    assert "  hello from the runner" not in quiet


def test_exit_127_is_explained(repo, capsys):
    set_gates(repo, [{"name": "lint", "command": "eslint-that-is-not-installed src"}])
    code, out, err = run(capsys, repo, "--run")
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("lint"))
    assert "command not found: eslint-that-is-not-installed — are the dependencies installed?" in line
    assert "exit code 127" not in line
    assert "not found" in err  # the log's last lines


def test_rerun_runs_again_all_or_one(repo, capsys):
    counter = repo / "count.txt"
    bump = "import pathlib,sys; p=pathlib.Path(sys.argv[1]); p.write_text(str(int(p.read_text() or 0)+1) if p.exists() else '1')"
    set_gates(repo, [
        {"name": "a", "command": f"{py_cmd(bump)} {shlex.quote(str(counter) + '.a')}"},
        {"name": "b", "command": f"{py_cmd(bump)} {shlex.quote(str(counter) + '.b')}"},
    ])
    assert run(capsys, repo, "--run")[0] == 0
    assert run(capsys, repo, "--run")[0] == 0  # recorded: not run again
    assert (Path(str(counter) + ".a").read_text(), Path(str(counter) + ".b").read_text()) == ("1", "1")
    code, out, err = run(capsys, repo, "--rerun", "a")
    assert code == 0, err
    assert (Path(str(counter) + ".a").read_text(), Path(str(counter) + ".b").read_text()) == ("2", "1")
    code, out, err = run(capsys, repo, "--rerun")
    assert code == 0, err
    assert (Path(str(counter) + ".a").read_text(), Path(str(counter) + ".b").read_text()) == ("3", "2")
    code, out, err = run(capsys, repo, "--rerun", "nope")
    assert code == 2 and "nope" in err and len(err.strip().splitlines()) == 1


def test_sigterm_stops_the_gate_command_and_its_children(repo, tmp_path):
    from conftest import run_process  # noqa: F401  (same interpreter, a real process)

    pidfile = tmp_path / "child.pid"
    child = f"{PY} -c {shlex.quote('import time; time.sleep(120)')} & echo $! > {shlex.quote(str(pidfile))}; wait"
    set_gates(repo, [{"name": "long", "command": child}])
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "issue_flow", "-C", str(repo), "gate", "--run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, err
    assert b"terminated" in err and b"Traceback" not in err
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the gate command's child outlived the SIGTERM"
    head = sh(repo, "rev-parse", "HEAD")
    assert not (repo / ".issue-flow" / "results" / f"{head}.json").exists()  # nothing recorded


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_gate_exits_2_when_github_cannot_be_asked(repo, capsys, monkeypatch, gh_server, gh_env):
    gh_server.inject("GET", r"/check-runs$", status=502, times=None)
    use_server(monkeypatch, {**gh_env, "ISSUE_FLOW_GITHUB_RETRIES": "0"})
    code, out, err = run(capsys, repo)
    assert code == 2
    assert "502" in err and len(err.strip().splitlines()) == 1
    # a gate that fails on local evidence is still a gate saying no (exit 1)
    head = sh(repo, "rev-parse", "HEAD")
    write_results(repo, head, {"lint": entry("fail"), "test:mock": entry()})
    code, out, err = run(capsys, repo)
    assert code == 1
