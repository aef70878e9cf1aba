"""The built-in templates ship inside the wheel: build it, install it, scaffold from it.

Offline and without touching the project: the wheel is built with the dev environment's
hatchling (no build isolation, so no download), installed with ``--no-deps --no-index``
into a fresh virtualenv, and the virtualenv reaches the dependencies (click, jinja2, ...)
through a ``.pth`` line naming the dev environment's site-packages (a plain path entry:
the editable install's own ``.pth`` there is not processed, so the package is imported
from the wheel and nowhere else). Then the installed ``issue-flow`` console script
scaffolds a folder in a repository far from the source checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)
    assert p.returncode == 0, f"{args}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "GITHUB_", "VIRTUAL_ENV"))}
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    import hatchling  # noqa: F401  (the build backend, in the test extras: the wheel is built offline)
    out = tmp_path_factory.mktemp("dist")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(PROJECT)],
        env=_clean_env(),
    )
    wheels = list(out.glob("issue_flow_md-*.whl"))  # the distribution is issue-flow-md
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_the_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = PROJECT / "templates"
    expected = {f"issue_flow/templates/{p.relative_to(templates).as_posix()}" for p in templates.rglob("*") if p.is_file()}
    assert expected, "no templates in the source tree"
    assert expected <= names, sorted(expected - names)
    for kind in ("bug", "follow-up", "feature"):
        for f in ("README.md.j2", "TRACKING.md.j2", "ANALYSIS.md.j2", "kind.toml"):
            assert f"issue_flow/templates/{kind}/{f}" in names
    assert "issue_flow/templating.py" in names and "issue_flow/commands/new.py" in names
    assert "issue_flow/schema/issue-flow.schema.json" in names  # the configuration's JSON Schema, for editors
    # the distribution's name on the package index is issue-flow-md; the command stays issue-flow
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    lines = zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
    assert "Name: issue-flow-md" in lines
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "issue-flow = issue_flow.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode().splitlines()


def test_installed_wheel_scaffolds_a_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    env = _clean_env()
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], env=env)
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    # The package (and its templates) come from the installed wheel, not from the checkout.
    where = _run(
        [str(python), "-c", "import issue_flow.templating as t; print(t.__file__); print(t.builtin_dir())"],
        env=env,
        cwd=tmp_path,
    ).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where
    assert Path(where[1]) == Path(where[0]).parent / "templates", where

    repo = tmp_path / "user-repo"
    (repo / "docs/issues/ISSUE-459").mkdir(parents=True)
    (repo / ".issue-flow.toml").write_text('repository = "o/r"\n')
    (repo / "docs/issues/ISSUE-459/README.md").write_text("# Issue #459: the parent\n\n## Docs in this folder\n")
    script = venv / "bin" / "issue-flow"
    res = _run([str(script), "new", "462", "--parent", "459", "--title", "from the wheel", "--offline"], env=env, cwd=repo)
    assert "created docs/issues/ISSUE-462/README.md" in res.stdout
    folder = repo / "docs/issues/ISSUE-462"
    assert sorted(p.name for p in folder.iterdir()) == ["ANALYSIS.md", "README.md", "TRACKING.md"]
    text = (folder / "README.md").read_text()
    assert text.startswith("# Issue #462: from the wheel\n")
    assert '<!-- issue-flow: order "Patch release" before "Follow up" -->' in text
    assert "- [#462](../ISSUE-462/README.md) — from the wheel" in (repo / "docs/issues/ISSUE-459/README.md").read_text()
    lint = subprocess.run([str(script), "lint", "462"], capture_output=True, text=True, env=env, cwd=repo, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr
