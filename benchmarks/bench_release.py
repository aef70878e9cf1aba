"""Whole-process wall time of ``issue-flow release 462 --minor --dry-run``, beside tbump.

Run: ``python benchmarks/bench_release.py [--runs N] [--corpus PATH] [--no-tbump]``.

Builds a throw-away git repository like tests/test_release.py does (the corpus's
component 0.9.1 with its 549 KB lock, its backend 0.2.1 with its lock at 0.1.2, the
folders ISSUE-459 and ISSUE-462, gate reports recorded for HEAD, the previous tag v0.9.1),
then times N runs of the dry run (two packages, two locks, the release documents listing the
issues changed since the tag, the README tick, every diff) after one warm-up run, for
``--minor`` and ``--patch`` (``--parts``), and prints the median, min and max.

For scale it does the same for ``tbump --dry-run --non-interactive 0.10.0`` bumping one
file (the root package.json, configured by a tbump.toml) in a copy of that repository.
tbump is installed with pip into its own virtualenv under ``benchmarks/.work/`` the
first time (from the package index pip is configured with); if that fails, only
issue-flow is measured. Target: issue-flow median < 150 ms. Wall times are medians; "cpu" is the median user+system
time of the process and its children (git), which varies less on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus" / "dg_react_agent"
WORK = HERE / ".work"
TARGET_MS = 150.0
BACKEND = "packages/voice-agent-backend"

JUNIT_PASS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="2" failures="0" errors="0" time="1.5">'
    '<testsuite name="p" tests="2" time="1.5"><testcase classname="p" name="a"/><testcase classname="p" name="b"/>'
    "</testsuite></testsuites>\n"
)
ESLINT_OK = json.dumps([{"filePath": "src/a.ts", "messages": [], "errorCount": 0, "warningCount": 0}])

TBUMP_TOML = '''[version]
current = "0.9.1"
regex = \'\'\'
  (?P<major>\\d+)
  \\.
  (?P<minor>\\d+)
  \\.
  (?P<patch>\\d+)
  \'\'\'

[git]
message_template = "Bump to {new_version}"
tag_template = "v{new_version}"

[[file]]
src = "package.json"
search = '"version": "{current_version}"'
'''


def ensure_project_python() -> None:
    """Re-run under the project's .venv when this interpreter cannot import issue_flow.

    (Compares sys.prefix, not the resolved executable: a venv's python is a symlink to
    the interpreter it was made from.)
    """
    try:
        import issue_flow  # noqa: F401
    except ImportError:
        venv_dir = PROJECT / ".venv"
        if (venv_dir / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv_dir.resolve():
            os.execv(str(venv_dir / "bin" / "python"), [str(venv_dir / "bin" / "python"), *sys.argv])
        raise SystemExit("issue_flow is not installed in this interpreter (pip install -e '.[test]' first)")


def git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com"), ("commit.gpgsign", "false")):
        git(root, "config", key, value)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "corpus")


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def build_repo(corpus: Path, root: Path, exe: list[str]) -> None:
    for rel in ("package.json", "package-lock.json", f"{BACKEND}/package.json", f"{BACKEND}/package-lock.json"):
        copy_file(corpus / rel, root / rel)
    for n in (459, 462):
        src = corpus / "docs" / "issues" / f"ISSUE-{n}"
        for path in src.rglob("*"):
            if path.is_file():
                copy_file(path, root / "docs" / "issues" / f"ISSUE-{n}" / path.relative_to(src))
    for rel, text in (
        ("reports/eslint.json", ESLINT_OK),
        ("reports/junit-test-mock.xml", JUNIT_PASS),
        ("reports/junit-proxy-integration.xml", JUNIT_PASS),
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    init_repo(root)
    git(root, "tag", "-a", "v0.9.1", "-m", "0.9.1")  # the previous release: its issues are listed
    p = subprocess.run(exe + ["gate", "--record"], cwd=root, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"issue-flow gate --record failed: {p.stderr.strip()}")


def measure(cmd: list[str], cwd: Path, runs: int) -> tuple[list[float], list[float]]:
    """(wall times, CPU times of the process and its children), in seconds."""
    import resource

    first = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)  # warm-up (page cache)
    if first.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({first.returncode}): {(first.stderr or first.stdout)[-500:]}")
    wall, cpu = [], []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True)
        wall.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return wall, cpu


def measure_turns(cmds: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Like :func:`measure` for several commands taking turns (one run of each per round), so
    that a busy moment of the machine falls on all of them alike."""
    import resource

    for name, (cmd, cwd) in cmds.items():
        first = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if first.returncode != 0:
            raise SystemExit(f"{name} failed ({first.returncode}): {(first.stderr or first.stdout)[-500:]}")
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cmds}
    for _ in range(runs):
        for name, (cmd, cwd) in cmds.items():
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, capture_output=True)
            out[name][0].append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            out[name][1].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return out


def tbump_command() -> list[str] | None:
    """tbump from its own virtualenv under benchmarks/.work/ (installed on first use)."""
    env_dir = WORK / "tbump-venv"
    exe = env_dir / "bin" / "tbump"
    if exe.exists():
        return [str(exe)]
    WORK.mkdir(parents=True, exist_ok=True)
    print("installing tbump into benchmarks/.work/tbump-venv (first run only) …", flush=True)
    try:
        venv.create(env_dir, with_pip=True, clear=True)
        p = subprocess.run(
            [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "tbump"],
            capture_output=True,
            text=True,
        )
    except OSError as exc:
        print(f"tbump could not be installed ({exc}); measuring issue-flow only")
        return None
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["pip failed"])[-1]
        print(f"tbump could not be installed ({last}); measuring issue-flow only")
        return None
    return [str(exe)] if exe.exists() else None


def build_tbump_repo(corpus: Path, root: Path) -> None:
    copy_file(corpus / "package.json", root / "package.json")
    (root / "tbump.toml").write_text(TBUMP_TOML)
    init_repo(root)
    # tbump checks, even under --dry-run, that the branch tracks a remote it could push to
    remote = root.parent / "tbump-remote.git"
    git(root.parent, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "-u", "origin", "main")


def summary(times: tuple[list[float], list[float]]) -> tuple[float, str]:
    ms = [t * 1000 for t in times[0]]
    med = statistics.median(ms)
    cpu = statistics.median(times[1]) * 1000
    return med, f"median {med:7.1f} ms   min {min(ms):7.1f}   max {max(ms):7.1f}   cpu {cpu:7.1f}"


def main() -> None:
    ensure_project_python()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-tbump", action="store_true", help="measure issue-flow only")
    ap.add_argument("--parts", default="minor,patch", help="release parts to time (default: minor,patch)")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus} (use --corpus)")

    import compileall

    import issue_flow

    # An installed wheel carries bytecode (pip compiles on install); an editable checkout
    # may not (PYTHONDONTWRITEBYTECODE), so compile it as pip would.
    compileall.compile_dir(str(Path(issue_flow.__file__).parent), quiet=1)
    script = Path(sys.executable).parent / "issue-flow"
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "issue_flow"]

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {load}, {args.runs} runs each (after one warm-up)")
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        repo = Path(tmp) / "repo"
        build_repo(args.corpus, repo, exe)
        # The floor: starting Python and importing the libraries a release needs, nothing else.
        floor = [sys.executable, "-c", "import click, jinja2, semver, subprocess, json, pathlib"]
        _, line = summary(measure(floor, repo, args.runs))
        print(f"{'(floor) python -c import click, jinja2, semver':<46} {line}")
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
        cmds = {f"issue-flow release 462 --{p} --dry-run": (exe + ["release", "462", f"--{p}", "--dry-run"], repo) for p in parts}
        tbump = None if args.no_tbump else tbump_command()
        tname = "tbump --dry-run --non-interactive 0.10.0"
        if tbump is not None:
            troot = Path(tmp) / "tbump"
            build_tbump_repo(args.corpus, troot)
            cmds[tname] = (tbump + ["--dry-run", "--non-interactive", "0.10.0"], troot)
        results = measure_turns(cmds, args.runs)  # taking turns, in the same run
        medians = {}
        for name, times in results.items():
            medians[name], line = summary(times)
            what = "(1 file)" if name == tname else "(2 packages, 2 locks, docs)"
            print(f"{name:<46} {line}   {what}")
        theirs = medians.get(tname)
        ours = medians[next(iter(cmds))]
    if theirs:
        for name, med in medians.items():
            if name != tname:
                verdict = "at or below" if med <= theirs else "above"
                print(f"ratio {name} / tbump: {med / theirs:.2f} ({verdict} tbump)")
    verdict = "meets" if ours < TARGET_MS else "misses"
    print(f"target: issue-flow median < {TARGET_MS:.0f} ms: {verdict} it ({ours:.1f} ms)")


if __name__ == "__main__":
    main()
