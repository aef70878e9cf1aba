"""A real npm registry on 127.0.0.1 for the publish tests: verdaccio, started and stopped here.

``.ci/run`` installs verdaccio 6.8.0 into ``.ci/verdaccio/node_modules`` (6.10 wants Node 22;
6.8.0 runs on Node 20 with ``node-fetch`` overridden to 2.7.0, see .ci/verdaccio/package.json).
The fixture ``npm_registry`` starts it on a free port with a configuration in a temporary
folder: its own storage, no uplink (nothing is fetched from anywhere), htpasswd auth and
``publish: $authenticated``; it creates a user, whose token goes into an ``.npmrc`` of the
test (``//127.0.0.1:PORT/:_authToken=…``), waits until ``/-/ping`` answers, and stops the
process at the end. Without verdaccio installed: skipped with the reason outside CI, a
failure in CI (as tests/conftest.py's require_corpus does).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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

    def env(self) -> dict[str, str]:
        """Environment for npm: this registry and its token, no other configuration."""
        return {"NPM_CONFIG_USERCONFIG": str(self.npmrc), "NPM_CONFIG_REGISTRY": self.url,
                "npm_config_cache": str(self.storage.parent / "npm-cache"), "NPM_CONFIG_UPDATE_NOTIFIER": "false",
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


@pytest.fixture
def npm_registry(tmp_path_factory):
    exe = require_verdaccio()
    base = tmp_path_factory.mktemp("verdaccio")
    storage, log = base / "storage", base / "verdaccio.log"
    config = base / "config.yaml"
    config.write_text(CONFIG.format(storage=storage, htpasswd=base / "htpasswd", log=log), encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    out = open(base / "stdout.log", "wb")
    proc = subprocess.Popen([str(exe), "--config", str(config), "--listen", f"127.0.0.1:{port}"],
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
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
            time.sleep(0.2)
        req = urllib.request.Request(
            f"{url}-/user/org.couchdb.user:ci", method="PUT",
            data=json.dumps({"name": "ci", "password": "a-test-password"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            token = json.load(resp)["token"]
        npmrc = base / "npmrc"
        npmrc.write_text(f"registry={url}\n//127.0.0.1:{port}/:_authToken={token}\n", encoding="utf-8")
        yield Registry(url, token, npmrc, storage, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        out.close()
