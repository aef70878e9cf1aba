"""The layout the plan executor's use-cases live in: every module imports on its own (no
import circle, whichever module is imported first), and the moved modules left no shim."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import issue_flow

SRC = Path(issue_flow.__file__).parent

CHECK = r"""
import importlib, pkgutil, sys
import issue_flow
names = [m.name for m in pkgutil.walk_packages(issue_flow.__path__, "issue_flow.") if not m.name.endswith("__main__")]
bad = []
for name in names:
    for loaded in [k for k in sys.modules if k == "issue_flow" or k.startswith("issue_flow.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        bad.append(f"{name}: {type(exc).__name__}: {exc}")
print("\n".join(bad))
print(len(names))
"""


def test_every_module_imports_first_without_a_circle():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.splitlines()
    assert [ln for ln in out[:-1] if ln] == [] and int(out[-1]) > 40


def test_the_use_cases_moved_to_workflows_without_shims():
    for old in ("releasing", "releasedocs", "gates", "ci_tracking"):
        assert not (SRC / f"{old}.py").exists(), old
    for new in ("release", "release_docs", "gate", "ci"):
        assert (SRC / "workflows" / f"{new}.py").is_file(), new


def test_the_split_modules_stay_small_or_say_why():
    names = [
        "plan.py", "adapters/process.py", "adapters/git_background.py", "workflows/published.py",
        *(p.relative_to(SRC).as_posix() for p in sorted((SRC / "workflows").glob("release*.py"))),
        *(p.relative_to(SRC).as_posix() for p in sorted((SRC / "workflows").glob("gate*.py"))),
    ]
    for name in names:
        text = (SRC / name).read_text(encoding="utf-8")
        lines = text.count("\n")
        assert text.startswith('"""'), name
        assert lines <= 400 or "Over ~400 lines" in text.split('"""')[1], (name, lines)
