"""Shared fixtures: the real-world corpus (beside the project) and a CLI runner."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ghserver import gh_server  # noqa: F401  (the GitHub test server, a fixture for every test)
from verdaccio import registry_pool  # noqa: F401  (the session's npm registries, one pool per session)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dg_react_agent"


def pytest_configure(config):
    """Compile the package's bytecode once, before any test, as pip does when it installs a
    wheel. Many tests run the CLI in a subprocess; in an editable checkout under
    ``PYTHONDONTWRITEBYTECODE`` (as CI machines often set) each of them would otherwise
    compile every module from source again, a third of its start-up. Done once, in the main
    process (not in each xdist worker)."""
    if hasattr(config, "workerinput"):
        return
    import compileall

    import issue_flow

    compileall.compile_dir(str(Path(issue_flow.__file__).parent), quiet=1)


_DONT_WRITE_BYTECODE = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    """Keep the test modules' assertion-rewritten bytecode, as pytest does by default. Under
    ``PYTHONDONTWRITEBYTECODE`` pytest rewrites every test module again in every process
    (each xdist worker), about 2 s of CPU each; with the cache (tests/__pycache__, ignored by
    git, checked by pytest against the source's mtime and size) a later run reads it instead.
    Only while collecting: the tests themselves run with the environment's setting."""
    session.config.stash[_DONT_WRITE_BYTECODE] = sys.dont_write_bytecode
    sys.dont_write_bytecode = False


def pytest_collection_finish(session):
    sys.dont_write_bytecode = session.config.stash.get(_DONT_WRITE_BYTECODE, sys.dont_write_bytecode)


def missing(what: str, why: str) -> None:
    """Something a test needs is absent: skip with the reason outside CI; in CI (``CI`` set,
    where .ci/run installs or provides everything) it is a failure, never a skip."""
    if os.environ.get("CI") or (what == "corpus" and os.environ.get("ISSUE_FLOW_REQUIRE_CORPUS")):
        pytest.fail(f"{why}; CI is set, so a missing {what} is a failure, not a skip")
    pytest.skip(why)


def require_corpus(path: Path = CORPUS) -> Path:
    """``path`` in the corpus (default: the corpus itself), or skip when it is missing —
    outside CI only (see :func:`missing`)."""
    if not path.exists():
        missing("corpus", f"{path} not found (the corpus lives in ../shared/corpus beside the project); it runs in CI")
    return path


def require_tools(*names: str) -> None:
    """The programs a test runs (node, npm) are on PATH, or :func:`missing`."""
    absent = [n for n in names if shutil.which(n) is None]
    if absent:
        missing("tool", f"{', '.join(absent)} not found on PATH (the tests run the repository's own scripts with them)")


@pytest.fixture(scope="session")
def base_repo(tmp_path_factory) -> Path:
    """The small repository of the reliability and safety tests (issue #7, two packages,
    git), built once a session; tests copy it (``copy_tree``) before they change it."""
    from test_reliability_inputs import build_base

    return build_base(tmp_path_factory.mktemp("reliability-base") / "repo")


@pytest.fixture(scope="session")
def _cache_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, _cache_home):
    """No test reaches a real GitHub or inherits a runner's settings; writes not spaced.

    Tests that talk to GitHub set these variables to the local test server themselves.
    """
    for var in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_ACTIONS",
                "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ISSUE_FLOW_GITHUB_THROTTLE", "0")
    monkeypatch.setenv("ISSUE_FLOW_GH_AUTH", "0")  # never a token from the machine's gh login
    monkeypatch.setenv("XDG_CACHE_HOME", str(_cache_home))  # caches of trees without .git


class _RecordingClock:
    """The ``time`` module as the GitHub client sees it, but ``sleep`` records the wait."""

    def __init__(self, waits: list[float]):
        self.waits = waits

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def __getattr__(self, name: str):
        return getattr(time, name)


# Where the GitHub client sleeps: its write loop (Retry-After, back-off before a resend), its
# read retry policy (Retry-After, rate-limit resets) and urllib3's back-off between reads.
_CLIENT_CLOCKS = ("issue_flow.adapters.github_http", "issue_flow.adapters.github_retry", "urllib3.util.retry")


@pytest.fixture(autouse=True)
def github_waits(request, monkeypatch) -> list[float]:
    """The waits the GitHub client asked for (seconds, in order), recorded instead of slept.

    Rate-limit waits and back-off are what the client decides; sleeping them for real proves
    nothing ``time.sleep`` does not, and cost the suite most of its idle time. A test asserts
    the wait (``github_waits == [1.0]`` after ``Retry-After: 1``). Tests marked ``real_time``
    sleep for real, so the mechanism itself stays proven; socket timeouts are always real.
    Only in-process clients are reached (not ``run_process``).
    """
    waits: list[float] = []
    if request.node.get_closest_marker("real_time") is None:
        import importlib

        for name in _CLIENT_CLOCKS:
            monkeypatch.setattr(importlib.import_module(name), "time", _RecordingClock(waits))
    return waits


@pytest.fixture
def gh_env(gh_server) -> dict:  # noqa: F811 (the fixture, as an argument)
    """Environment for a command that talks to the test server: short timeouts, no throttle."""
    return {
        "GITHUB_TOKEN": gh_server.token,
        "GH_TOKEN": None,
        "GITHUB_API_URL": gh_server.url,
        "GITHUB_REPOSITORY": gh_server.repo,
        "GITHUB_ACTIONS": None,
        "ISSUE_FLOW_GITHUB_TIMEOUT": "1",
        "ISSUE_FLOW_GITHUB_RETRIES": "2",
        "ISSUE_FLOW_GITHUB_THROTTLE": "0",
    }


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The read-only corpus tree (never written to)."""
    return require_corpus()


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for p in [dst, *dst.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return dst


@pytest.fixture(scope="session")
def _corpus_checkout(corpus, tmp_path_factory) -> Path:
    """The corpus committed in a git repository, built once a session (per worker): the
    ``git add`` of its files is most of what a copy would cost."""
    root = copy_tree(corpus, tmp_path_factory.mktemp("corpus-checkout") / "repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "corpus")
    return root


@pytest.fixture
def corpus_copy(_corpus_checkout, tmp_path) -> Path:
    """A writable copy of the corpus with a git repository, as a user's checkout."""
    return copy_tree(_corpus_checkout, tmp_path / "repo")


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout


def init_git_repo(root: Path, monkeypatch) -> Path:
    """An empty git repository at ``root`` that ignores the machine's git configuration."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Test"), ("user.email", "test@example.com"),
                       ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
        git(root, "config", key, value)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes under root (but .git), to assert a tree is unchanged."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> Result:
    """Run ``issue-flow`` in-process (through ``cli.main``, as the console script does)."""
    from click.testing import CliRunner

    from issue_flow.cli import main

    runner = CliRunner()
    old = os.getcwd()
    code = 0
    with runner.isolation(env=env) as streams:
        try:
            if cwd is not None:
                os.chdir(cwd)
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        finally:
            os.chdir(old)
        out = streams[0].getvalue().decode("utf-8", "replace")
        err = streams[1].getvalue().decode("utf-8", "replace") if streams[1] is not None else ""
    return Result(code, out, err)


def run_process(*args: str, cwd: Path, env: dict | None = None, timeout: float = 60) -> Result:
    """Run ``python -m issue_flow`` in a real process (for tracebacks, locks, signals)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(
        [sys.executable, "-m", "issue_flow", *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=timeout
    )
    return Result(p.returncode, p.stdout, p.stderr)


def assert_one_line_error(res: Result, code: int = 2) -> None:
    assert res.code == code, res
    assert "Traceback" not in res.err + res.out, res
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1, res
    assert lines[0].startswith("issue-flow: error: "), res


def refused(root: Path, run, code: int = 2) -> Result:
    """Run ``run()`` and assert it was refused: one-line error, exit ``code``, ``root`` unchanged."""
    before = snapshot(root)
    res = run()
    assert_one_line_error(res, code)
    assert snapshot(root) == before
    return res
