"""action.yml, the composite Action other repositories use (``uses: OWNER/issue-flow@v1``).

Its ``run:`` steps are run here with bash as the runner runs a composite action's steps,
with the ``${{ … }}`` expressions of their ``env:`` evaluated from a context the test gives
(inputs, ``steps.python.outputs.python-path``, ``runner.temp``, ``github.action_path``):

- Install: a stand-in ``python`` records the virtualenv and pip calls, so the test sees which
  distribution and version would come from the package index (issue-flow-md, pinned);
- the run step: arguments reach ``issue-flow`` exactly (spaces, quotes), first with a
  recorder in place of issue-flow, then with the real one ticking an item whose note has
  spaces and quotes.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from issue_flow import __version__

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def step(action: dict, key: str) -> dict:
    for s in action["runs"]["steps"]:
        if s.get("id") == key or s.get("name") == key:
            return s
    raise AssertionError(f"no step {key!r}")


def run_step(s: dict, context: dict[str, str], *, cwd: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    def value(m: re.Match[str]) -> str:
        expr = m.group(1)
        assert expr in context, f"the test's context has no {expr!r}"
        return context[expr]

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8"}
    env.update({k: EXPR.sub(value, str(v)) for k, v in (s.get("env") or {}).items()})
    env.update(extra_env or {})
    assert s.get("shell") == "bash"
    assert "${{" not in s["run"], "inputs reach the script through env only (no template injection)"
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def context(tmp_path: Path, **inputs: str) -> dict[str, str]:
    action = load_action()
    ctx = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    ctx.update({f"inputs.{k.replace('_', '-')}": v for k, v in inputs.items()})
    ctx["runner.temp"] = str(tmp_path / "runner-temp")
    ctx["github.action_path"] = str(ROOT)
    return ctx


# --------------------------------------------------------------------------- the declaration


def test_inputs_and_outputs_are_declared_and_documented():
    action = load_action()
    assert set(action["inputs"]) == {"command", "args", "version", "python-version", "token", "working-directory"}
    assert set(action["outputs"]) == {"versions", "released", "closed", "exit-code", "all"}
    for name, spec in [*action["inputs"].items(), *action["outputs"].items()]:
        assert spec.get("description"), name
    assert action["outputs"]["all"]["value"] == "${{ toJSON(steps.run.outputs) }}"
    assert "version-<package>" in action["outputs"]["all"]["description"]
    assert "tag-<package>" in action["outputs"]["all"]["description"]
    (python,) = [s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert python["with"]["update-environment"] is False  # the job's own Python is left alone


# --------------------------------------------------------------------------- install


FAKE_PYTHON = """#!/bin/sh
# records `python -m venv DIR`, then makes DIR/bin/python (records pip calls) and DIR/bin/issue-flow
echo "$0 $*" >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\necho "venv-python $*" >> "$CALLS"\\n' > "$3/bin/python"
  printf '#!/bin/sh\\necho "issue-flow, version test"\\n' > "$3/bin/issue-flow"
  chmod +x "$3/bin/python" "$3/bin/issue-flow"
fi
"""


@pytest.mark.parametrize(
    "version, expected",
    [("", f"issue-flow-md=={__version__}"), ("1.4.2", "issue-flow-md==1.4.2"), ("source", str(ROOT))],
)
def test_install_pins_issue_flow_md_from_the_package_index(tmp_path, version, expected):
    fake = tmp_path / "python3.12"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    ctx = context(tmp_path, version=version)
    ctx["steps.python.outputs.python-path"] = str(fake)
    res = run_step(step(load_action(), "Install issue-flow"), ctx, cwd=tmp_path, extra_env={"CALLS": str(calls)})
    assert res.returncode == 0, res
    venv = tmp_path / "runner-temp" / "issue-flow-venv"
    lines = calls.read_text().splitlines()
    assert lines[0] == f"{fake} -m venv {venv}"
    assert lines[1] == f"venv-python -m pip install --disable-pip-version-check --quiet {expected}"
    assert "issue-flow, version test" in res.stdout


# --------------------------------------------------------------------------- arguments


RECORDER = """#!{python}
import json, os, sys
with open(os.environ["ARGV_FILE"], "w") as fh:
    json.dump(sys.argv[1:], fh)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


def fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "runner-temp" / "issue-flow-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "bin" / "issue-flow").write_text(RECORDER.format(python=sys.executable))
    (venv / "bin" / "issue-flow").chmod(0o755)
    return venv


def test_arguments_with_spaces_and_quotes_arrive_intact(tmp_path):
    fake_venv(tmp_path)
    argv, out = tmp_path / "argv.json", tmp_path / "github-output"
    command = 'close 462 --resolution "0.9.2 / 0.2.2" --note \'it\'"\'"\'s "done"  now\''
    args = "--note\n   Fixed in #462: \"race\" / 'order'  \n\n$HOME and `date` stay as written\n"
    ctx = context(tmp_path, command=command, args=args, token="ghs_x")
    res = run_step(step(load_action(), "run"), ctx, cwd=tmp_path, extra_env={"ARGV_FILE": str(argv), "GITHUB_OUTPUT": str(out)})
    assert res.returncode == 0, res
    assert json.loads(argv.read_text()) == [
        "close", "462", "--resolution", "0.9.2 / 0.2.2", "--note", 'it\'s "done"  now',
        "--note", "Fixed in #462: \"race\" / 'order'", "$HOME and `date` stay as written",
    ]
    assert out.read_text().splitlines() == ["exit-code=0", "closed=true"]


def test_exit_code_passes_through_and_closed_is_false(tmp_path):
    fake_venv(tmp_path)
    argv, out = tmp_path / "argv.json", tmp_path / "github-output"
    ctx = context(tmp_path, command="close 462")
    res = run_step(step(load_action(), "run"), ctx, cwd=tmp_path,
                   extra_env={"ARGV_FILE": str(argv), "GITHUB_OUTPUT": str(out), "FAKE_EXIT": "1"})
    assert res.returncode == 1
    assert out.read_text().splitlines() == ["exit-code=1", "closed=false"]
    ctx = context(tmp_path, command="gate --run")
    out.write_text("")
    res = run_step(step(load_action(), "run"), ctx, cwd=tmp_path, extra_env={"ARGV_FILE": str(argv), "GITHUB_OUTPUT": str(out)})
    assert res.returncode == 0 and out.read_text().splitlines() == ["exit-code=0"]  # closed only for close


@pytest.mark.parametrize("command, args", [('close 462 --resolution "0.9.2', ""), ("", "")])
def test_bad_arguments_are_one_error_exit_2(tmp_path, command, args):
    fake_venv(tmp_path)
    argv = tmp_path / "argv.json"
    ctx = context(tmp_path, command=command, args=args)
    res = run_step(step(load_action(), "run"), ctx, cwd=tmp_path, extra_env={"ARGV_FILE": str(argv)})
    assert res.returncode == 2
    (line,) = res.stdout.splitlines()
    assert line.startswith("::error::issue-flow action: ") and not argv.exists()


def test_the_real_issue_flow_gets_the_note_intact(tmp_path, monkeypatch):
    """Through the action, with the real issue-flow: a note with spaces and quotes lands as written."""
    from conftest import init_git_repo

    repo = init_git_repo(tmp_path / "repo", monkeypatch)
    folder = repo / "docs" / "issues" / "ISSUE-7"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(
        "# Issue #7: crash\n\n## Acceptance criteria\n\n- [ ] **Fix** – done\n\n"
        "## Status\n\n| Criterion | Status |\n|---|---|\n| Fix | ⬜ |\n"
    )
    venv = tmp_path / "runner-temp" / "issue-flow-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "bin" / "issue-flow").symlink_to(Path(sys.executable).parent / "issue-flow")
    note = 'fixed in "0.9.2 / 0.2.2" (it\'s the race)'
    ctx = context(tmp_path, command=f"check 7 Fix --note {shlex.quote(note)}", **{"working_directory": str(repo)})
    res = run_step(step(load_action(), "run"), ctx, cwd=repo)
    assert res.returncode == 0, res
    assert f"| Fix | ✅ {note} |" in (folder / "README.md").read_text().splitlines()
