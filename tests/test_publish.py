"""``issue-flow published`` against a real npm registry (verdaccio on 127.0.0.1) (issue 13, part 6).

Two packages shaped like the corpus's (component @signal-meaning/voice-agent-react 0.9.1,
backend @signal-meaning/voice-agent-backend 0.2.1, their ``publishConfig.registry`` pointed
at the local registry as a project publishing to its own registry would) are really
published with ``npm publish``; ``published`` is false before, then true for each.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, assert_one_line_error, require_corpus, run_cli
from test_release import repo  # noqa: F401
from verdaccio import free_port, npm_registry  # noqa: F401

from issue_flow.adapters import registry as reg

BACKEND = "packages/voice-agent-backend"


def make_repo(root: Path, registry_url: str) -> Path:
    require_corpus()
    (root / BACKEND).mkdir(parents=True)
    (root / ".git").mkdir()
    for rel in ("package.json", f"{BACKEND}/package.json"):
        text = (CORPUS / rel).read_text(encoding="utf-8")
        (root / rel).write_text(text.replace("https://npm.pkg.github.com", registry_url.rstrip("/")), encoding="utf-8")
    (root / "README.md").write_text("# widgets\n")
    return root


def published(root: Path, *args: str, env: dict | None = None):
    return run_cli("published", *args, cwd=root, env=env)


def test_two_packages_published_to_a_real_registry(tmp_path, npm_registry):  # noqa: F811
    root = make_repo(tmp_path / "repo", npm_registry.url)
    env = npm_registry.env()

    res = published(root, "--json", env=env)
    assert res.code == 1, res
    out = json.loads(res.out)
    assert out["all_published"] is False
    assert [(p["name"], p["version"], p["published"]) for p in out["packages"]] == [
        ("@signal-meaning/voice-agent-react", "0.9.1", False),
        ("@signal-meaning/voice-agent-backend", "0.2.1", False),
    ]
    assert all(p["registry"] == npm_registry.url for p in out["packages"])  # from publishConfig.registry

    for folder in (root, root / BACKEND):
        # --ignore-scripts: the component's prepublishOnly builds with rollup, not installed here
        done = npm_registry.publish_ignoring_scripts(folder)
        assert done.returncode == 0, done.stderr
        if folder == root:
            res = published(root, env=env)
            assert res.code == 1, res
            assert "@signal-meaning/voice-agent-react@0.9.1: published on" in res.out
            assert "@signal-meaning/voice-agent-backend@0.2.1: NOT published" in res.out
            assert "not on the registry: @signal-meaning/voice-agent-backend@0.2.1" in res.err

    assert npm_registry.versions("@signal-meaning/voice-agent-react") == ["0.9.1"]
    assert npm_registry.versions("@signal-meaning/voice-agent-backend") == ["0.2.1"]
    assert npm_registry.tarballs() == [
        "@signal-meaning/voice-agent-backend/voice-agent-backend-0.2.1.tgz",
        "@signal-meaning/voice-agent-react/voice-agent-react-0.9.1.tgz",
    ]
    res = published(root, "--json", env=env)
    assert res.code == 0, res
    assert [p["published"] for p in json.loads(res.out)["packages"]] == [True, True]

    # the next version is not there: false again, for that package only
    p = root / BACKEND / "package.json"
    p.write_text(p.read_text().replace('"version": "0.2.1"', '"version": "0.2.2"'))
    res = published(root, "--package", "voice-agent-backend", env=env)
    assert res.code == 1 and "@signal-meaning/voice-agent-backend@0.2.2: NOT published" in res.out, res
    # publishing without the token is refused by the registry (htpasswd auth is on)
    anon = dict(env, NPM_CONFIG_USERCONFIG=str(tmp_path / "empty-npmrc"))
    (tmp_path / "empty-npmrc").write_text("")
    refused = npm_registry.publish_ignoring_scripts(root / BACKEND, env=anon)
    assert refused.returncode != 0
    assert npm_registry.versions("@signal-meaning/voice-agent-backend") == ["0.2.1"]


def test_registry_option_wins_and_private_packages_are_not_checked(tmp_path, npm_registry):  # noqa: F811
    root = make_repo(tmp_path / "repo", "https://registry.invalid")
    p = root / BACKEND / "package.json"
    doc = json.loads(p.read_text())
    doc["private"] = True
    p.write_text(json.dumps(doc, indent=2) + "\n")
    res = published(root, "--registry", npm_registry.url, "--json")
    assert res.code == 1, res
    rows = json.loads(res.out)["packages"]
    assert rows[0]["registry"] == npm_registry.url and rows[0]["published"] is False
    assert rows[1]["checked"] is False and rows[1]["why"] == "private"


def test_an_unreachable_registry_is_exit_2(tmp_path):
    root = make_repo(tmp_path / "repo", f"http://127.0.0.1:{free_port()}")
    res = published(root)
    assert_one_line_error(res, 2)
    assert "cannot reach the registry 127.0.0.1:" in res.err


def test_the_token_is_sent_and_never_shown(tmp_path, npm_registry):  # noqa: F811
    root = make_repo(tmp_path / "repo", f"http://127.0.0.1:{free_port()}")
    res = published(root, env={"NODE_AUTH_TOKEN": "npm_SECRETtoken123456"})
    assert res.code == 2 and "npm_SECRETtoken123456" not in res.out + res.err


def test_registry_resolution(tmp_path, monkeypatch):
    for var in ("NPM_CONFIG_REGISTRY", "npm_config_registry", "NPM_CONFIG_USERCONFIG", "npm_config_userconfig"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "r"
    root.mkdir()
    assert reg.registry_for("x", root) == "https://registry.npmjs.org/"
    user = tmp_path / "user-npmrc"
    user.write_text("registry=https://user.example/npm\n//user.example/npm/:_authToken=${NODE_AUTH_TOKEN}\n")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(user))  # what actions/setup-node writes
    assert reg.registry_for("x", root) == "https://user.example/npm/"
    (root / ".npmrc").write_text("@acme:registry=https://acme.example/\n")
    assert reg.registry_for("@acme/w", root) == "https://acme.example/"
    assert reg.registry_for("x", root) == "https://user.example/npm/"
    assert reg.registry_for("x", root, configured="https://cfg.example") == "https://cfg.example/"
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://env.example/")
    assert reg.registry_for("x", root, configured="https://cfg.example") == "https://env.example/"
    assert reg.registry_for("x", root, publish_config="https://pc.example") == "https://pc.example/"
    assert reg.registry_for("x", root, explicit="http://127.0.0.1:4873", publish_config="https://pc.example") == "http://127.0.0.1:4873/"
    assert reg.version_url("http://h/", "@a/b", "1.0.0") == "http://h/@a%2Fb/1.0.0"


def test_help_states_the_contract():
    res = run_cli("published", "--help")
    assert res.code == 0
    for text in ("0  every released package version is on the registry", "1  at least one is not", "2  an error", "--registry URL", "--json"):
        assert text in res.out, text


def test_close_names_only_published_versions_when_configured(repo, npm_registry):  # noqa: F811
    """[release] close_published_only: "Resolved in v0.9.2 / 0.2.2" only for what is on the registry."""
    from test_release import commit_all, record, release

    assert release(repo, "462", "--patch").code == 0
    for rel in ("package.json", f"{BACKEND}/package.json"):
        p = repo / rel
        p.write_text(p.read_text().replace("https://npm.pkg.github.com", npm_registry.url.rstrip("/")))
    (repo / ".issue-flow.toml").write_text('repository = "acme/widgets"\n[release]\nclose_published_only = true\n')
    commit_all(repo, "released, not yet published")
    env = npm_registry.env()

    def closure():
        return run_cli("close", "462", "--force", "--dry-run", cwd=repo, env=env)

    res = closure()
    assert res.code == 1 and "none of its released versions is on the registry yet" in res.err, res
    assert npm_registry.publish_ignoring_scripts(repo / BACKEND).returncode == 0
    res = closure()
    assert res.code == 0, res
    assert "Closed as completed: released in v0.2.2." in res.out
    assert npm_registry.publish_ignoring_scripts(repo).returncode == 0
    res = closure()
    assert res.code == 0 and "Closed as completed: released in v0.9.2 / 0.2.2." in res.out, res
    # without the setting, the registry is not asked
    (repo / ".issue-flow.toml").write_text('repository = "acme/widgets"\n')
    res = run_cli("close", "462", "--force", "--dry-run", cwd=repo, env={"NPM_CONFIG_REGISTRY": f"http://127.0.0.1:{free_port()}/"})
    assert res.code == 0 and "released in v0.9.2 / 0.2.2" in res.out, res
