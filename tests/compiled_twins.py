"""What the tests of the compiled functions (issue_flow.model._cscan) share: the module or a
skip (a failure in CI), the check that an exercise leaks nothing, and which implementation
a fresh interpreter picks with and without ``ISSUE_FLOW_PURE_PYTHON``."""

from __future__ import annotations

import os
import subprocess
import sys
from types import ModuleType

from conftest import missing


def compiled_module() -> ModuleType:
    """``issue_flow.model._cscan``, or a skip with the reason (a failure in CI)."""
    try:
        from issue_flow.model import _cscan
    except ImportError as exc:
        missing("extension", f"the compiled model is not built ({exc}); pip install -e . builds it with a C compiler")
    return _cscan


_LEAK_PROBE = """
import sys, tracemalloc
from issue_flow.model import _cscan
{setup}

def calls(n):
    for _ in range(n):
        exercise()

refs = [sys.getrefcount(x) for x in watched]
calls({warm})
tracemalloc.start()
calls(10)
before = tracemalloc.get_traced_memory()[0]
calls({runs})
after = tracemalloc.get_traced_memory()[0]
print(after - before, refs == [sys.getrefcount(x) for x in watched])
"""


def assert_no_leak(setup: str, runs: int = 5000, warm: int = 500) -> None:
    """Run ``exercise()`` (defined by ``setup``, with the list ``watched``) ``runs`` times in a
    fresh interpreter: the memory in use must not grow, nor the reference counts of ``watched``."""
    code = _LEAK_PROBE.format(setup=setup, runs=runs, warm=warm)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    grown, refs_same = p.stdout.split()
    assert int(grown) < 10_000, f"{grown} bytes more in use after {runs:,} exercises"
    assert refs_same == "True", "the reference counts of the objects handed in changed"


def chosen(code: str) -> tuple[str, str]:
    """What ``code`` prints in a fresh interpreter: as installed, and with ISSUE_FLOW_PURE_PYTHON=1."""
    env = {k: v for k, v in os.environ.items() if k != "ISSUE_FLOW_PURE_PYTHON"}

    def run(extra: dict) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, **extra},
                              check=True).stdout.strip()

    return run({}), run({"ISSUE_FLOW_PURE_PYTHON": "1"})
