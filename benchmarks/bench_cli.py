"""Whole-process start-up figures: ``issue-flow --help`` and ``status`` over the corpus.

Run: ``python benchmarks/bench_cli.py [--runs N] [--corpus PATH]`` with the project
installed in the interpreter's environment. Prints the median, min and max wall time
of each command over N runs (after one warm-up run), and which heavy modules the
command imported (PyGithub must not be among them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / "shared" / "corpus" / "dg_react_agent"


def entry_point() -> list[str]:
    script = Path(sys.executable).parent / "issue-flow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "issue_flow"]


def measure(cmd: list[str], runs: int, env: dict | None = None) -> list[float]:
    env = dict(os.environ, **(env or {}))
    subprocess.run(cmd, capture_output=True, env=env)  # warm-up (bytecode caches, page cache)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.decode()[-300:]}")
    return times


def imported(args: list[str]) -> list[str]:
    code = (
        "import sys\nfrom issue_flow.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('github','markdown_it','jinja2','tomlkit','semver','defusedxml','requests') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.splitlines()
    line = next((ln for ln in reversed(out) if ln.startswith("HEAVY=")), "HEAVY=")
    return [m for m in line[len("HEAVY="):].split(",") if m]


def report(name: str, times: list[float], heavy: list[str]) -> None:
    ms = [t * 1000 for t in times]
    print(
        f"{name:<36} median {statistics.median(ms):7.1f} ms   min {min(ms):7.1f}   max {max(ms):7.1f}"
        f"   heavy imports: {', '.join(heavy) or 'none'}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()
    exe = entry_point()
    # An installed wheel carries compiled bytecode (pip compiles on install); an editable
    # checkout may not (PYTHONDONTWRITEBYTECODE), so compile it as pip would.
    import compileall

    import issue_flow

    compileall.compile_dir(str(Path(issue_flow.__file__).parent), quiet=1)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each")
    report("issue-flow --help", measure(exe + ["--help"], args.runs), imported(["--help"]))
    if args.corpus.is_dir():
        status = ["-C", str(args.corpus), "status"]
        report("issue-flow status (whole corpus)", measure(exe + status, args.runs), imported(status))
        no_cache = {"ISSUE_FLOW_NO_CACHE": "1"}
        report("  the same, summary cache off", measure(exe + status, args.runs, no_cache), imported(status))
        status1 = ["-C", str(args.corpus), "status", "462"]
        report("issue-flow status 462", measure(exe + status1, args.runs), imported(status1))
    else:
        print(f"corpus not found at {args.corpus}: status not measured")
    base = [sys.executable, "-c", "pass"]
    report("(python -c pass, for reference)", measure(base, args.runs), [])
    report("(python -c 'import click')", measure([sys.executable, "-c", "import click"], args.runs), [])


if __name__ == "__main__":
    main()
