"""How a command's own process ends: what Python's exit would do is still done.

The console script ends its process without tearing the interpreter down (see
``issue_flow.cli._end_process``); these tests pin what must survive that: exit handlers run,
every byte written to stdout and stderr arrives, threads still working are waited for, and
the exit code is the command's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import git


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    for n in range(1, 321):
        issue = root / "docs" / "issues" / f"ISSUE-{n}"
        issue.mkdir(parents=True)
        (issue / "README.md").write_text(
            f"# Issue #{n}: item {'x' * 200}\n\n## Acceptance criteria\n\n" + "".join(f"- [ ] task {k}\n" for k in range(5)),
            encoding="utf-8",
        )
    git(root, "init", "-q", "-b", "main")
    return root


def run_main(repo: Path, before: str, *args: str) -> subprocess.CompletedProcess:
    """A process that runs ``before`` and then the console script's ``main()`` with ``args``."""
    code = textwrap.dedent(before) + (
        f"\nimport sys\nsys.argv = ['issue-flow', *{list(args)!r}]\nfrom issue_flow.cli import main\nsys.exit(main())\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, timeout=60)


def test_exit_handlers_run_after_the_output(repo):
    p = run_main(repo, "import atexit, sys\natexit.register(lambda: print('exit handler ran', flush=True))", "status")
    assert p.returncode == 0, p.stderr
    assert p.stdout.rstrip().endswith("exit handler ran")
    assert "#320" in p.stdout


def test_a_large_output_arrives_whole(repo):
    p = run_main(repo, "", "status", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)  # every byte of it: a cut would not parse
    assert len(doc["issues"]) == 320


def test_a_thread_still_working_is_waited_for(repo, tmp_path):
    mark = tmp_path / "thread-done"
    before = f"""
        import threading, time
        def work():
            time.sleep(0.5)
            open({str(mark)!r}, "w").write("done")
        threading.Thread(target=work).start()
    """
    p = run_main(repo, before, "status")
    assert p.returncode == 0, p.stderr
    assert mark.read_text() == "done"


@pytest.mark.parametrize("args, code", [(("status", "999999"), 2), (("status", "not-a-number"), 2), (("--version",), 0)])
def test_the_exit_code_is_the_commands(repo, args, code):
    p = run_main(repo, "", *args)
    assert p.returncode == code, (p.stdout, p.stderr)
    if code == 2:
        assert p.stderr.startswith("issue-flow: error: ") and "Traceback" not in p.stderr


def test_output_to_a_closed_pipe_is_no_traceback(repo):
    whole = run_main(repo, "", "status", "--json").stdout
    assert len(whole) > 4 * 65536  # more than a pipe holds: the reader closes it while we write
    code = "import sys\nsys.argv = ['issue-flow', 'status', '--json']\nfrom issue_flow.cli import main\nsys.exit(main())\n"
    p = subprocess.run(
        f"{sys.executable} -c \"$CODE\" | head -c 10 >/dev/null; echo \"rc=${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", cwd=repo, capture_output=True, text=True, env={"CODE": code, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert p.stderr == "", p.stderr  # no "Exception ignored ... BrokenPipeError" either
    assert p.stdout.strip() == "rc=1", p.stdout  # click's rule: a reader that went away ends the run with 1


def test_a_profiler_still_reports(repo):
    p = subprocess.run([sys.executable, "-m", "cProfile", "-m", "issue_flow", "--version"], cwd=repo, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "issue-flow, version" in p.stdout and "function calls" in p.stdout


GC_PROBE = "import gc, sys\nbefore = gc.get_threshold()\nimport issue_flow.cli\nprint(before, gc.get_threshold())\n"


@pytest.mark.parametrize("name", ["issue-flow", "issue-flow-script.py"])
def test_the_console_script_collects_rarely_from_its_first_import(tmp_path, name):
    script = tmp_path / name
    script.write_text(GC_PROBE)
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split(") (")[1].strip() == "50000, 20, 20)"


def test_importing_the_cli_elsewhere_leaves_the_collector_alone(tmp_path):
    script = tmp_path / "tool.py"
    script.write_text(GC_PROBE)
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    before, _, after = p.stdout.strip().partition(") (")
    assert before + ")" == "(" + after


def test_python_m_issue_flow_collects_rarely_from_its_first_import(tmp_path):
    package = tmp_path / "issue_flow"
    package.mkdir()
    main = package / "__main__.py"
    main.write_text(GC_PROBE)  # as runpy runs it: sys.argv[0] is .../issue_flow/__main__.py
    p = subprocess.run([sys.executable, str(main)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split(") (")[1].strip() == "50000, 20, 20)"
