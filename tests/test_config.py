"""The configuration is described once (``issue_flow.config_fields.FIELDS``) and everything
else is derived from it: loading and validation, the comments ``init`` writes, and the JSON
Schema shipped in the package for editors. Unknown keys are an error (exit 2) answered with
"did you mean" when a known key is close.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import assert_one_line_error, git, run_cli

from issue_flow import config_fields
from issue_flow.config import Config, load_config

SHIPPED = Path(config_fields.__file__).parent / "schema" / "issue-flow.schema.json"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "docs" / "issues" / "ISSUE-7").mkdir(parents=True)
    (root / "docs" / "issues" / "ISSUE-7" / "README.md").write_text("# Issue #7: demo\n\n- [ ] one\n")
    (root / "package.json").write_text('{\n  "name": "@acme/widget",\n  "version": "1.2.3"\n}\n')
    git(root, "init", "-q", "-b", "main")
    return root


def refused(repo: Path, toml: str):
    (repo / ".issue-flow.toml").write_text(toml)
    res = run_cli("status", cwd=repo)
    assert_one_line_error(res)
    return res.err.strip()


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    "toml, message",
    [
        ("pakages = []\n", "issue-flow: error: .issue-flow.toml: unknown key 'pakages' (did you mean 'packages'?)"),
        ('default-branch = "main"\n', "issue-flow: error: .issue-flow.toml: unknown key 'default-branch' (did you mean 'default_branch'?)"),
        ('API_URL = "https://api.github.com"\n', "issue-flow: error: .issue-flow.toml: unknown key 'API_URL' (did you mean 'api_url'?)"),
        ('[[gates]]\nname = "lint"\ncomand = "npm run lint"\n',
         "issue-flow: error: .issue-flow.toml: unknown key 'comand' in gates[0] (did you mean 'command'?)"),
        ('[[gates]]\nname = "a"\n[[gates]]\nname = "b"\nrequried = false\n',
         "issue-flow: error: .issue-flow.toml: unknown key 'requried' in gates[1] (did you mean 'required'?)"),
        ('[[packages]]\nmanifest = "package.json"\ntagprefix = "v"\n',
         "issue-flow: error: .issue-flow.toml: unknown key 'tagprefix' in packages[0] (did you mean 'tag_prefix'?)"),
        ('[release]\nfoler = "v{version}"\n', "issue-flow: error: .issue-flow.toml: unknown key 'foler' in [release] (did you mean 'folder'?)"),
        ('[lint]\nignores = []\n', "issue-flow: error: .issue-flow.toml: unknown key 'ignores' in [lint] (did you mean 'ignore'?)"),
    ],
)
def test_a_near_miss_is_answered_with_did_you_mean(repo, toml, message):
    assert refused(repo, toml) == message


def test_a_far_key_names_the_known_ones(repo):
    top = ", ".join(f.key for f in config_fields.FIELDS)
    assert refused(repo, 'colour = "red"\n') == f"issue-flow: error: .issue-flow.toml: unknown key 'colour' (known: {top})"
    err = refused(repo, '[[gates]]\nname = "lint"\nxyzzy = 1\n')
    assert err == ("issue-flow: error: .issue-flow.toml: unknown key 'xyzzy' in gates[0] "
                   "(known: name, command, report, format, check, required, timeout)")
    err = refused(repo, '[[packages]]\nmanifest = "package.json"\nplugh = 1\n')
    assert err == "issue-flow: error: .issue-flow.toml: unknown key 'plugh' in packages[0] (known: name, manifest, tag_prefix)"
    assert "did you mean" not in refused(repo, "[release]\nnope = 1\n")


def test_several_unknown_keys_are_all_named_on_one_line(repo):
    err = refused(repo, 'pakages = []\ncolour = "red"\n')
    assert err.startswith("issue-flow: error: .issue-flow.toml: unknown key 'pakages' (did you mean 'packages'?); unknown key 'colour' (known: ")


def test_unknown_keys_in_pyproject_name_the_table(repo):
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.issue-flow]\ndcos = "docs/issues"\n')
    res = run_cli("status", cwd=repo)
    assert_one_line_error(res)
    assert res.err.strip() == "issue-flow: error: pyproject.toml: unknown key 'dcos' (did you mean 'docs'?)"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    "toml, needle",
    [
        ("docs = 3\n", "'docs' must be a str"),
        ("packages = 1\n", "'packages' must be a list"),
        ("release = 1\n", "'release' must be a dict"),
        ('[[gates]]\nname = "x"\nrequired = 1\n', "'gates[0].required' must be a bool"),
        ('[[gates]]\nname = "x"\ntimeout = true\n', "gates[0].timeout must be a positive number of seconds, not True"),
        ('[[gates]]\nname = "x"\ntimeout = 0\n', "gates[0].timeout must be a positive number of seconds, not 0"),
        ('[[gates]]\nname = "x"\nformat = "xml"\n', "gates[0].format must be junit, jest-json or eslint"),
        ('[[gates]]\ncommand = "x"\n', "gates[0] needs 'name'"),
        ('[[packages]]\nname = "x"\n', "packages[0] needs 'manifest'"),
        ('[release]\npackage_structure = "yes"\n', "'release.package_structure' must be a bool"),
        ('[release]\nlocks = [1]\n', "'release.locks' must be a list of paths"),
        ("criteria_headings = []\n", "'criteria_headings' must be a list of heading prefixes (text)"),
        ('[lint]\nignore = [""]\n', 'lint.ignore must be a list of rules like "dead-link docs/old/**"'),
        ('repository = "no-slash"\n', "repository must look like owner/name, not 'no-slash'"),
    ],
)
def test_a_bad_value_is_one_line(repo, toml, needle):
    assert needle in refused(repo, toml)


def test_every_default_is_the_field_tables(repo):
    cfg = load_config(repo)
    plain = Config(root=repo)
    for f in config_fields.FIELDS:
        if f.key in ("repository", "packages"):
            continue  # derived from the repository, not constants
        loaded, built = getattr(cfg, f.key), getattr(plain, f.key)
        if f.key == "gates":
            loaded, built = [vars(g) for g in loaded], [vars(g) for g in built]
        assert loaded == built == config_fields.default_of(f), f.key
    gate = config_fields.field("gates")
    assert {f.key: f.default for f in gate.fields} == {
        "name": None, "command": None, "report": None, "format": None, "check": None, "required": True, "timeout": 1800.0,
    }


def test_the_release_settings_agree_with_the_field_table():
    from issue_flow.workflows import release as releasing

    table = config_fields.field("release")
    settings = releasing.default_settings()
    assert [f.key for f in table.fields] == list(releasing.Settings.__annotations__)
    for f in table.fields:
        assert getattr(settings, f.key) == config_fields.default_of(f), f.key


def test_a_valid_configuration_loads(repo):
    (repo / "reports").mkdir()
    (repo / ".issue-flow.toml").write_text(
        'repository = "acme/widget"\napi_url = "https://ghes.example.com/api/v3/"\ndocs = "docs/issues"\n'
        'criteria_headings = [" Exit criteria "]\n[lint]\nignore = ["dead-link docs/old/**"]\n'
        '[release]\nfolder = "v{version}"\nlocks = ["test-app/package-lock.json"]\nclose_published_only = true\n'
        '[[packages]]\nmanifest = "package.json"\n'
        '[[gates]]\nname = "t"\ncommand = "npm test"\ntimeout = 60\nrequired = false\nformat = "junit"\nreport = "reports/j.xml"\n'
    )
    cfg = load_config(repo)
    assert cfg.repository == "acme/widget" and cfg.api_url == "https://ghes.example.com/api/v3"
    assert cfg.criteria_headings == ["Exit criteria"] and cfg.lint == {"ignore": ["dead-link docs/old/**"]}
    assert cfg.release == {"folder": "v{version}", "locks": ["test-app/package-lock.json"], "close_published_only": True}
    assert [(p.name, p.manifest, p.tag_prefix) for p in cfg.packages] == [("root", "package.json", "v")]
    (g,) = cfg.gates
    assert (g.name, g.command, g.timeout, g.required, g.format, g.report) == ("t", "npm test", 60.0, False, "junit", "reports/j.xml")
    assert isinstance(g.timeout, float)


# --------------------------------------------------------------------------- the JSON Schema


def test_the_shipped_schema_is_the_generated_one():
    generated = config_fields.schema_text()
    assert SHIPPED.read_text(encoding="utf-8") == generated, (
        "regenerate: python -c 'from issue_flow import config_fields as f; f.write_schema()'"
    )
    schema = json.loads(generated)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema["properties"]) == [f.key for f in config_fields.FIELDS]
    assert schema["additionalProperties"] is False
    gates = schema["properties"]["gates"]["items"]
    assert gates["required"] == ["name"] and gates["additionalProperties"] is False
    assert gates["properties"]["format"]["enum"] == ["junit", "jest-json", "eslint"]
    assert schema["properties"]["packages"]["items"]["required"] == ["manifest"]
    assert schema["properties"]["release"]["properties"]["folder"]["default"] == "v{version}"
    for f in config_fields.FIELDS:  # the description is the help text init writes
        assert schema["properties"][f.key]["description"].startswith(f.help)


def test_the_schema_is_in_the_package():
    from importlib.resources import files

    assert (files("issue_flow") / "schema" / "issue-flow.schema.json").read_text(encoding="utf-8") == config_fields.schema_text()


def _valid(schema: dict, value) -> bool:
    """The draft 2020-12 keywords the generated schema uses, no more (no validator is a dependency)."""
    kinds = {"string": str, "boolean": bool, "number": (int, float), "array": list, "object": dict}
    if "type" in schema:
        if not isinstance(value, kinds[schema["type"]]) or (schema["type"] == "number" and isinstance(value, bool)):
            return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return False
    if "minLength" in schema and len(value) < schema["minLength"]:
        return False
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        return False
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return False
        return all(_valid(schema.get("items", {}), v) for v in value)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False and set(value) - set(props):
            return False
        if any(k not in value for k in schema.get("required", [])):
            return False
        return all(_valid(props[k], v) for k, v in value.items() if k in props)
    return True


@pytest.mark.parametrize(
    "toml",
    [
        'docs = "docs/issues"\n',
        'repository = "acme/widget"\n[[gates]]\nname = "t"\ntimeout = 5\n',
        '[[packages]]\nmanifest = "package.json"\ntag_prefix = "v"\n',
        '[release]\nlocks = ["a/package-lock.json"]\nreport_locks = false\n',
        'pakages = []\n',
        'docs = 3\n',
        '[[gates]]\ncommand = "x"\n',
        '[[gates]]\nname = "x"\ntimeout = 0\n',
        '[[gates]]\nname = "x"\nformat = "xml"\n',
        '[[packages]]\nname = "x"\n',
        'repository = "no-slash"\n',
        '[release]\nfoler = "x"\n',
        '[lint]\nignore = [""]\n',
        "criteria_headings = []\n",
        '[release]\npackage_structure = "yes"\n',
    ],
)
def test_the_schema_accepts_what_the_loader_accepts(repo, toml):
    import tomllib

    (repo / ".issue-flow.toml").write_text(toml)
    loads = run_cli("status", cwd=repo).code == 0
    assert _valid(json.loads(config_fields.schema_text()), tomllib.loads(toml)) == loads, toml


def test_the_example_configurations_match_the_schema():
    import tomllib

    schema = json.loads(config_fields.schema_text())
    project = Path(__file__).resolve().parents[1]
    assert _valid(schema, tomllib.loads((project / "pyproject.toml").read_text())["tool"]["issue-flow"])
    assert _valid(schema, tomllib.loads((project / "examples/demo/.issue-flow.toml").read_text()))
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration\n"):]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", section.index("```toml\n") + 8)]
    assert _valid(schema, tomllib.loads(example)) and "[[gates]]" in example


# --------------------------------------------------------------------------- init


def test_init_writes_the_field_tables_help_as_comments(repo, monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/widget")
    assert run_cli("init", cwd=repo).code == 0
    text = (repo / ".issue-flow.toml").read_text()
    comments = {}
    for line in text.splitlines():
        m = re.match(r'\s*#?\s*([a-z_]+) = (?:"[^"]*"|\S+)\s+# (.*)$', line)
        if m:
            comments.setdefault(m.group(1), m.group(2))
    for key in ("repository", "api_url", "docs", "releases", "default_branch"):
        assert comments[key] == config_fields.field(key).help, key
    pkg = {f.key: f.help for f in config_fields.field("packages").fields}
    for key in ("name", "manifest", "tag_prefix"):
        assert comments[key] == pkg[key], key
    assert load_config(repo).repository == "acme/widget"


def test_init_help_says_where_the_schema_is():
    res = run_cli("init", "--help")
    assert res.code == 0 and "JSON Schema" in res.out and "--schema" in res.out
    printed = run_cli("init", "--schema")
    assert printed.code == 0 and printed.out == config_fields.schema_text()
