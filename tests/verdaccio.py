"""A real npm registry on 127.0.0.1 for the publish tests: verdaccio, started and stopped here.

``.ci/run`` installs verdaccio 6.8.0 into ``.ci/verdaccio/node_modules`` (6.10 wants Node 22;
6.8.0 runs on Node 20 with ``node-fetch`` overridden to 2.7.0, see .ci/verdaccio/package.json).
A verdaccio runs on a free port with a configuration in a temporary folder: its own storage,
no uplink (nothing is fetched from anywhere), htpasswd auth and ``publish: $authenticated``;
it creates a user, whose token goes into an ``.npmrc`` of the test
(``//127.0.0.1:PORT/:_authToken=…``), once ``/-/ping`` answers.

Starting one costs about a second of CPU, so the processes are kept for the session (per
xdist worker, the ``registry_pool`` fixture) and lent out: a test (``npm_registry``) or a
module's scenario holds a registry of its own for as long as it needs it, with an empty
storage, its own ``.npmrc`` and npm cache. When it is given back its storage is emptied and
every package it held is checked to answer 404 before it is lent again; a second registry
is started only while the first is lent. Without verdaccio installed: skipped with the reason
outside CI, a failure in CI (as tests/conftest.py's require_corpus does).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERDACCIO = ROOT / ".ci" / "verdaccio" / "node_modules" / ".bin" / "verdaccio"


def require_verdaccio() -> Path:
    if VERDACCIO.exists() and shutil.which("node") and shutil.which("npm"):
        return VERDACCIO
    from conftest import missing

    missing("registry", f"{VERDACCIO.relative_to(ROOT)} not installed (or no node/npm): .ci/run installs it")
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Registry:
    url: str  # http://127.0.0.1:PORT/
    token: str
    npmrc: Path  # NPM_CONFIG_USERCONFIG holding the token for this registry
    storage: Path
    log: Path
    npm_cache: Path  # npm's cache for this lease only (nothing cached from an earlier holder)

    def env(self) -> dict[str, str]:
        """Environment for npm: this registry and its token, no other configuration."""
        return {"NPM_CONFIG_USERCONFIG": str(self.npmrc), "NPM_CONFIG_REGISTRY": self.url,
                "npm_config_cache": str(self.npm_cache), "NPM_CONFIG_UPDATE_NOTIFIER": "false",
                "NPM_CONFIG_AUDIT": "false", "NPM_CONFIG_FUND": "false"}

    def publish(self, folder: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """``npm publish --registry URL`` in ``folder`` (with this registry's token)."""
        full = dict(os.environ, **(env or self.env()))
        return subprocess.run(["npm", "publish", "--registry", self.url, *extra], cwd=folder, env=full,
                              capture_output=True, text=True, timeout=120)

    def publish_ignoring_scripts(self, folder: Path, env: dict | None = None) -> subprocess.CompletedProcess:
        return self.publish(folder, "--ignore-scripts", env=env)

    def versions(self, name: str) -> list[str]:
        """The versions the registry holds for ``name`` (its package document), [] if none."""
        from urllib.parse import quote

        try:
            with urllib.request.urlopen(f"{self.url}{quote(name, safe='@')}", timeout=10) as resp:
                return sorted(json.load(resp).get("versions", {}))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise

    def tarballs(self) -> list[str]:
        """Every tarball stored, relative to the storage folder (what was really published)."""
        return sorted(p.relative_to(self.storage).as_posix() for p in self.storage.rglob("*.tgz"))


CONFIG = """storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 10
uplinks: {{}}
packages:
  '@*/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
log: {{type: file, path: {log}, format: pretty, level: warn}}
"""


DB = ".verdaccio-db.json"  # verdaccio's own file in the storage (its token secret): kept


@dataclass
class _Instance:
    proc: subprocess.Popen
    out: Any
    base: Path
    url: str
    port: int
    token: str
    lent: bool = False


class RegistryPool:
    """The verdaccio processes of a session, lent out one holder at a time."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.instances: list[_Instance] = []
        self.leases = 0

    @contextmanager
    def lease(self) -> Iterator[Registry]:
        """A registry for the caller alone: empty storage, its own ``.npmrc`` and npm cache."""
        inst = next((i for i in self.instances if not i.lent), None) or self._start()
        storage = inst.base / "storage"
        left = sorted(p.name for p in storage.iterdir() if p.name != DB) if storage.exists() else []
        assert not left, f"the registry is lent with a storage that is not empty: {left}"
        inst.lent = True
        self.leases += 1
        lease = inst.base / f"lease-{self.leases}"
        lease.mkdir()
        npmrc = lease / "npmrc"
        npmrc.write_text(f"registry={inst.url}\n//127.0.0.1:{inst.port}/:_authToken={inst.token}\n", encoding="utf-8")
        registry = Registry(inst.url, inst.token, npmrc, storage, inst.base / "verdaccio.log", lease / "npm-cache")
        try:
            yield registry
        finally:
            try:
                self._empty(inst, registry)
            finally:
                inst.lent = False

    def _empty(self, inst: _Instance, registry: Registry) -> None:
        """Remove every package from the storage, then check each answers 404: the registry
        keeps nothing of them in memory."""
        storage = registry.storage
        if not storage.exists():
            return
        names = []
        for entry in sorted(storage.iterdir()):
            if entry.name == DB:
                continue
            if entry.name.startswith("@") and entry.is_dir():
                names += [f"{entry.name}/{p.name}" for p in sorted(entry.iterdir())]
            else:
                names.append(entry.name)
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        still = [n for n in names if registry.versions(n)]
        if still:  # never seen; a registry that still serves them is not lent again
            self.instances.remove(inst)
            self._stop(inst)
            pytest.fail(f"verdaccio still serves {still} after its storage was emptied")

    def _start(self) -> _Instance:
        exe = require_verdaccio()
        base = self.tmp_path_factory.mktemp("verdaccio")
        storage, log = base / "storage", base / "verdaccio.log"
        config = base / "config.yaml"
        config.write_text(CONFIG.format(storage=storage, htpasswd=base / "htpasswd", log=log), encoding="utf-8")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        out = open(base / "stdout.log", "wb")
        proc = subprocess.Popen([str(exe), "--config", str(config), "--listen", f"127.0.0.1:{port}"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        inst = _Instance(proc, out, base, url, port, "")
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"verdaccio exited with {proc.returncode}: {(base / 'stdout.log').read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{url}-/ping", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("verdaccio did not answer /-/ping within 60 s")
                time.sleep(0.05)
            req = urllib.request.Request(
                f"{url}-/user/org.couchdb.user:ci", method="PUT",
                data=json.dumps({"name": "ci", "password": "a-test-password"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                inst.token = json.load(resp)["token"]
        except BaseException:
            self._stop(inst)
            raise
        self.instances.append(inst)
        return inst

    @staticmethod
    def _stop(inst: _Instance) -> None:
        try:
            os.killpg(inst.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            inst.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(inst.proc.pid, signal.SIGKILL)
            inst.proc.wait(timeout=10)
        inst.out.close()

    def close(self) -> None:
        while self.instances:
            self._stop(self.instances.pop())


@pytest.fixture(scope="session")
def registry_pool(tmp_path_factory) -> Iterator[RegistryPool]:
    """The session's verdaccio processes (started on first use; tests/conftest.py imports
    this fixture so that there is one pool per session, not one per module)."""
    pool = RegistryPool(tmp_path_factory)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def npm_registry(registry_pool):
    """A registry of this test's own (see :class:`RegistryPool`)."""
    require_verdaccio()
    with registry_pool.lease() as registry:
        yield registry
