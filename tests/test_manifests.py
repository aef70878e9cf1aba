"""Version bumps that never touch a byte they should not (adapters/manifests.py)."""

from __future__ import annotations

import collections
import json
import re
import time
from pathlib import Path

import pytest
from conftest import CORPUS, require_corpus

from issue_flow.adapters import manifests as m
from issue_flow.errors import IssueFlowError

AGENT = CORPUS
BACKEND = AGENT / "packages" / "voice-agent-backend"


def changed_lines(a: bytes, b: bytes) -> list[tuple[bytes, bytes]]:
    la, lb = a.splitlines(keepends=True), b.splitlines(keepends=True)
    assert len(la) == len(lb), "line count changed"
    return [(x, y) for x, y in zip(la, lb) if x != y]


VERSION_VALUES = re.compile(rb'"version"\s*:\s*"([^"]*)"')


def version_counts(data: bytes) -> collections.Counter:
    return collections.Counter(VERSION_VALUES.findall(data))


# --------------------------------------------------------------------------- bump_patch


@pytest.mark.parametrize(
    "old,new",
    [
        ("0.9.1", "0.9.2"),
        ("0.2.1", "0.2.2"),
        ("1.0.0", "1.0.1"),
        ("0.9.2-beta.1", "0.9.2"),
        ("1.2.3-rc.0+build.7", "1.2.3"),
        ("1.2.3+build.7", "1.2.4"),
        ("10.20.99", "10.20.100"),
    ],
)
def test_bump_patch(old, new):
    assert m.bump_patch(old) == new


@pytest.mark.parametrize("bad", ["1.2", "v1.2.3", "latest", "", "01.2.3", "1.2.3.4"])
def test_bump_patch_rejects_non_semver_naming_the_file(bad):
    with pytest.raises(IssueFlowError) as exc:
        m.bump_patch(bad, source="packages/x/package.json")
    assert "packages/x/package.json" in str(exc.value)
    assert "\n" not in str(exc.value)


# --------------------------------------------------------------------------- read_version


def test_read_version_package_json_and_lock(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "a", "version": "1.2.3"}\n')
    (tmp_path / "package-lock.json").write_text('{"name": "a", "version": "1.2.2", "lockfileVersion": 3}\n')
    assert m.read_version(tmp_path / "package.json") == "1.2.3"
    assert m.read_version(tmp_path / "package-lock.json") == "1.2.2"


def test_read_version_pyproject(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nname = "x"\nversion = "0.3.0"\n')
    assert m.read_version(p) == "0.3.0"
    p.write_text('[tool.poetry]\nname = "x"\nversion = "2.0.0"\n')
    assert m.read_version(p) == "2.0.0"


def test_read_version_errors_name_the_file(tmp_path):
    p = tmp_path / "package.json"
    p.write_text('{"name": "a"}')
    with pytest.raises(IssueFlowError, match="package.json"):
        m.read_version(p)
    p.write_text("{not json")
    with pytest.raises(IssueFlowError, match="package.json"):
        m.read_version(p)
    q = tmp_path / "pyproject.toml"
    q.write_text('[project]\nname = "x"\ndynamic = ["version"]\n')
    with pytest.raises(IssueFlowError, match="pyproject.toml.*dynamic"):
        m.read_version(q)
    with pytest.raises(IssueFlowError, match="missing.json"):
        m.read_version(tmp_path / "missing.json")


# --------------------------------------------------------------------------- package.json


PKG_2 = b'{\n  "name": "a",\n  "version": "0.9.1",\n  "dependencies": {\n    "b": "0.9.1"\n  }\n}\n'


def test_package_json_indent2():
    out = m.set_package_json_version(PKG_2, "0.9.2")
    assert out == PKG_2.replace(b'"version": "0.9.1"', b'"version": "0.9.2"')


def test_package_json_indent4_tabs_crlf_no_final_newline():
    four = b'{\r\n    "version": "1.0.0",\r\n    "x": {"version": "1.0.0"}\r\n}'
    out = m.set_package_json_version(four, "1.0.1")
    assert out == b'{\r\n    "version": "1.0.1",\r\n    "x": {"version": "1.0.0"}\r\n}'
    tabs = b'{\n\t"name": "t",\n\t"version":\t"2.0.0"\n}\n'
    assert m.set_package_json_version(tabs, "2.0.1") == b'{\n\t"name": "t",\n\t"version":\t"2.0.1"\n}\n'


def test_package_json_nested_version_keys_before_top_level():
    data = (
        b'{\n  "name": "a",\n  "config": {"version": "0.9.1", "deep": [{"version": "0.9.1"}]},\n'
        b'  "weird": "\\"version\\": \\"0.9.1\\"",\n'
        b'  "overrides": {"x": {"version": "0.9.1"}},\n'
        b'  "version": "0.9.1",\n  "tail": ["version", "0.9.1"]\n}\n'
    )
    out = m.set_package_json_version(data, "0.9.2")
    [(before, after)] = changed_lines(data, out)
    assert before == b'  "version": "0.9.1",\n'
    assert after == b'  "version": "0.9.2",\n'
    assert json.loads(out)["config"]["version"] == "0.9.1"


def test_package_json_unicode_before_version_keeps_bytes():
    data = '{\n  "description": "caf\u00e9 \u2705 \ufe0f",\n  "version": "1.0.0"\n}\n'.encode()
    out = m.set_package_json_version(data, "1.0.1")
    assert out == data.replace(b'"1.0.0"', b'"1.0.1"')


def test_package_json_key_order_and_escaped_key():
    data = b'{"z": 1, "vers\\u0069on": "3.1.4", "a": 2}'
    assert m.set_package_json_version(data, "3.1.5") == b'{"z": 1, "vers\\u0069on": "3.1.5", "a": 2}'


def test_package_json_errors():
    with pytest.raises(IssueFlowError, match="no top-level"):
        m.set_package_json_version(b'{"name": "a", "x": {"version": "1.0.0"}}', "1.0.1")
    with pytest.raises(IssueFlowError):
        m.set_package_json_version(b'{"version": "1.0.0",}', "1.0.1")  # trailing comma: not JSON
    with pytest.raises(IssueFlowError):
        m.set_package_json_version(b'{"version": "1.0.0"} extra', "1.0.1")
    with pytest.raises(IssueFlowError):
        m.set_package_json_version(b'["version", "1.0.0"]', "1.0.1")
    with pytest.raises(IssueFlowError, match="not a string"):
        m.set_package_json_version(b'{"version": 1}', "1.0.1")
    with pytest.raises(IssueFlowError, match="duplicate"):
        m.set_package_json_version(b'{"version": "1.0.0", "version": "1.0.0"}', "1.0.1")
    with pytest.raises(IssueFlowError, match="version"):
        m.set_package_json_version(b'{"version": "1.0.0"}', 'evil"injection')


def test_package_json_bom_kept():
    data = b'\xef\xbb\xbf{\n  "version": "1.0.0"\n}\n'
    assert m.set_package_json_version(data, "1.0.1") == b'\xef\xbb\xbf{\n  "version": "1.0.1"\n}\n'


# --------------------------------------------------------------------------- package-lock.json


LOCK_V3 = b"""{
  "name": "a",
  "version": "0.9.1",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "a",
      "version": "0.9.1",
      "dependencies": {
        "b": "^0.9.1"
      }
    },
    "node_modules/b": {
      "version": "0.9.1",
      "resolved": "https://registry.npmjs.org/b/-/b-0.9.1.tgz"
    }
  }
}
"""


def test_lock_v3_two_fields_only():
    out, old_top, old_root = m.set_lock_version(LOCK_V3, "0.9.2")
    assert (old_top, old_root) == ("0.9.1", "0.9.1")
    diff = changed_lines(LOCK_V3, out)
    assert diff == [
        (b'  "version": "0.9.1",\n', b'  "version": "0.9.2",\n'),
        (b'      "version": "0.9.1",\n', b'      "version": "0.9.2",\n'),
    ]
    assert json.loads(out)["packages"]["node_modules/b"]["version"] == "0.9.1"


def test_lock_packages_before_top_version_and_root_entry_not_first():
    data = (
        b'{"packages": {"node_modules/x": {"version": "1.0.0"}, "": {"version": "1.0.0", "name": "a"}},'
        b' "name": "a", "lockfileVersion": 2, "version": "1.0.0",'
        b' "dependencies": {"x": {"version": "1.0.0"}}}'
    )
    out, old_top, old_root = m.set_lock_version(data, "1.0.1")
    doc = json.loads(out)
    assert doc["version"] == "1.0.1"
    assert doc["packages"][""]["version"] == "1.0.1"
    assert doc["packages"]["node_modules/x"]["version"] == "1.0.0"
    assert doc["dependencies"]["x"]["version"] == "1.0.0"
    assert (old_top, old_root) == ("1.0.0", "1.0.0")


def test_lock_v1_has_only_top_level():
    data = b'{\n    "name": "a",\n    "version": "2.0.0",\n    "lockfileVersion": 1,\n    "dependencies": {\n        "x": {\n            "version": "2.0.0"\n        }\n    }\n}'
    out, old_top, old_root = m.set_lock_version(data, "2.0.1")
    assert (old_top, old_root) == ("2.0.0", None)
    assert out == data.replace(b'    "version": "2.0.0",\n    "lockfileVersion"', b'    "version": "2.0.1",\n    "lockfileVersion"')
    assert out.count(b'"2.0.0"') == 1


def test_lock_out_of_step_reports_old_values_crlf():
    data = LOCK_V3.replace(b"\n", b"\r\n").replace(b'"version": "0.9.1",\r\n  "lockfileVersion"', b'"version": "0.8.0",\r\n  "lockfileVersion"')
    out, old_top, old_root = m.set_lock_version(data, "0.9.2")
    assert (old_top, old_root) == ("0.8.0", "0.9.1")
    assert len(changed_lines(data, out)) == 2
    assert out.count(b"\r\n") == data.count(b"\r\n")


def test_lock_without_top_level_version_is_an_error():
    with pytest.raises(IssueFlowError, match="version"):
        m.set_lock_version(b'{"name": "a", "lockfileVersion": 3, "packages": {"": {"version": "1.0.0"}}}', "1.0.1")


def test_lock_malformed_is_an_error():
    with pytest.raises(IssueFlowError, match="line 3"):
        m.set_lock_version(b'{\n  "version": "1.0.0",\n  "packages": {"": {"version": "1.0.0",}}\n}', "1.0.1")


# --------------------------------------------------------------------------- pyproject.toml


PYPROJECT = b"""# top comment
[build-system]
requires = ["hatchling"]

[project]
name = "x"  # the name
version = "0.3.0"   # bump me
dependencies = [
    "a==0.3.0",
]

[tool.other]
version = "0.3.0"
"""


def test_pyproject_only_project_version_line():
    out = m.set_pyproject_version(PYPROJECT, "0.3.1")
    assert changed_lines(PYPROJECT, out) == [(b'version = "0.3.0"   # bump me\n', b'version = "0.3.1"   # bump me\n')]


def test_pyproject_poetry_literal_string_crlf_no_final_newline():
    data = b"[tool.poetry]\r\nname = 'x'\r\nversion = '1.0.0'\r\n\r\n[tool.poetry.dependencies]\r\npython = '^3.10'"
    out = m.set_pyproject_version(data, "1.0.1")
    assert out == data.replace(b"version = '1.0.0'", b"version = '1.0.1'")


def test_pyproject_errors():
    with pytest.raises(IssueFlowError, match="dynamic"):
        m.set_pyproject_version(b'[project]\nname = "x"\ndynamic = ["version"]\n', "1.0.0")
    with pytest.raises(IssueFlowError, match="no version"):
        m.set_pyproject_version(b'[project]\nname = "x"\n', "1.0.0")
    with pytest.raises(IssueFlowError, match="TOML"):
        m.set_pyproject_version(b"[project\n", "1.0.0")


def test_set_version_dispatch(tmp_path):
    assert m.set_version(Path("a/package.json"), b'{"version": "1.0.0"}', "1.0.1") == b'{"version": "1.0.1"}'
    assert m.set_version(Path("pyproject.toml"), b'[project]\nversion = "1.0.0"\n', "1.0.1") == b'[project]\nversion = "1.0.1"\n'
    with pytest.raises(IssueFlowError, match="setup.cfg"):
        m.set_version(Path("setup.cfg"), b"", "1.0.1")


# --------------------------------------------------------------------------- the real corpus


def test_corpus_root_package_json():
    path = require_corpus(AGENT / "package.json")
    data = path.read_bytes()
    assert m.read_version(path) == "0.9.1"
    out = m.set_package_json_version(data, m.bump_patch("0.9.1"))
    assert changed_lines(data, out) == [(b'  "version": "0.9.1",\n', b'  "version": "0.9.2",\n')]
    assert len(out) == len(data)


def test_corpus_root_lock_exactly_two_lines():
    path = require_corpus(AGENT / "package-lock.json")
    data = path.read_bytes()
    out, old_top, old_root = m.set_lock_version(data, "0.9.2")
    assert (old_top, old_root) == ("0.9.1", "0.9.1")
    diff = changed_lines(data, out)
    assert len(diff) == 2
    for before, after in diff:
        assert before.replace(b'"0.9.1"', b'"0.9.2"') == after
    # every other byte equal: the file differs in exactly two bytes (1 -> 2, twice)
    assert len(out) == len(data)
    assert sum(1 for x, y in zip(data, out) if x != y) == 2
    before_counts, after_counts = version_counts(data), version_counts(out)
    assert before_counts[b"0.9.1"] - 2 == after_counts[b"0.9.1"]
    assert after_counts[b"0.9.2"] == before_counts[b"0.9.2"] + 2
    before_counts.pop(b"0.9.1"), before_counts.pop(b"0.9.2", None)
    after_counts.pop(b"0.9.1", None), after_counts.pop(b"0.9.2")
    assert before_counts == after_counts  # no dependency version touched
    doc_before, doc_after = json.loads(data), json.loads(out)
    doc_before["version"] = doc_before["packages"][""]["version"] = "0.9.2"
    assert doc_before == doc_after


def test_corpus_root_lock_is_fast():
    data = require_corpus(AGENT / "package-lock.json").read_bytes()
    m.set_lock_version(data, "0.9.2")  # warm up
    best = min(_timed(lambda: m.set_lock_version(data, "0.9.2")) for _ in range(5))
    assert best < 0.05, f"set_lock_version took {best * 1000:.1f} ms on {len(data)} bytes"


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_corpus_backend_out_of_step_lock():
    pkg = require_corpus(BACKEND / "package.json")
    lock = require_corpus(BACKEND / "package-lock.json")
    assert m.read_version(pkg) == "0.2.1"
    assert m.read_version(lock) == "0.1.2"
    new = m.bump_patch(m.read_version(pkg))
    assert new == "0.2.2"
    pdata = pkg.read_bytes()
    pout = m.set_package_json_version(pdata, new)
    assert changed_lines(pdata, pout) == [(b'  "version": "0.2.1",\n', b'  "version": "0.2.2",\n')]
    ldata = lock.read_bytes()
    lout, old_top, old_root = m.set_lock_version(ldata, new)
    assert (old_top, old_root) == ("0.1.2", "0.1.2")
    assert len(changed_lines(ldata, lout)) == 2
    counts_before, counts_after = version_counts(ldata), version_counts(lout)
    assert counts_after[b"0.2.2"] == counts_before[b"0.2.2"] + 2
    assert counts_after[b"0.2.1"] == counts_before[b"0.2.1"]  # a dependency at 0.2.1 is never touched
    assert counts_after[b"0.1.2"] == counts_before[b"0.1.2"] - 2


def test_lock_duplicate_root_entry_is_refused():
    data = b'{"version": "1.0.0", "packages": {"": {"version": "1.0.0"}, "node_modules/x": {}, "": {"version": "1.0.0"}}}'
    with pytest.raises(IssueFlowError, match="duplicate"):
        m.set_lock_version(data, "1.0.1")
    data = b'{"version": "1.0.0", "packages": {"": {"version": "1.0.0", "version": "1.0.0"}}}'
    with pytest.raises(IssueFlowError, match="duplicate"):
        m.set_lock_version(data, "1.0.1")


def test_lock_without_root_entry_changes_top_only():
    data = b'{"version": "1.0.0", "lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.0"}}}'
    out, old_top, old_root = m.set_lock_version(data, "1.0.1")
    assert (old_top, old_root) == ("1.0.0", None)
    assert out == data.replace(b'"version": "1.0.0", "lockfileVersion"', b'"version": "1.0.1", "lockfileVersion"')


def test_lock_malformed_deep_inside_a_skipped_entry():
    data = b'{"version": "1.0.0", "packages": {"": {"version": "1.0.0"}, "node_modules/x": {"version": "1.0.0" "a": 1}}}'
    with pytest.raises(IssueFlowError, match="malformed"):
        m.set_lock_version(data, "1.0.1")


def test_corpus_helper_skips_locally_and_fails_under_ci(monkeypatch, tmp_path):
    missing = tmp_path / "no-corpus" / "package.json"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_corpus(missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_corpus(missing)


# --------------------------------------------------------------------------- property


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["version", "name", "v", "é", '"q"', ""]) | st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(
    before=st.dictionaries(st.text(max_size=5).filter(lambda k: k != "version"), _json, max_size=4),
    after=st.dictionaries(st.text(max_size=5).filter(lambda k: k != "version"), _json, max_size=4),
    old=st.sampled_from(["0.9.1", "1.0.0-beta.1", "0.0.0"]),
    indent=st.sampled_from([None, 0, 2, 4, "\t"]),
    ensure_ascii=st.booleans(),
    crlf=st.booleans(),
)
def test_package_json_property(before, after, old, indent, ensure_ascii, crlf):
    doc = dict(before)
    doc["version"] = old
    for k, v in after.items():
        doc.setdefault(k, v)
    text = json.dumps(doc, indent=indent, ensure_ascii=ensure_ascii)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    out = m.set_package_json_version(data, "9.9.9")
    expected = json.loads(data)
    expected["version"] = "9.9.9"
    assert json.loads(out) == expected
    # exactly one "old" literal was swapped for "9.9.9", every other byte kept
    lit = json.dumps(old).encode()
    spliced = []
    k = data.find(lit)
    while k != -1:
        spliced.append(data[:k] + b'"9.9.9"' + data[k + len(lit):])
        k = data.find(lit, k + 1)
    assert out in spliced


# --------------------------------------------------------------------------- several fields at once (issue 13)


def test_set_json_strings_changes_exactly_the_named_fields():
    from issue_flow.adapters.manifests import set_json_strings

    data = (
        '\ufeff{\n  "name": "é",\n  "version": "0.9.1",\n  "packages": {\n    "": {"version": "0.9.1"},\n'
        '    "node_modules/x": {"version": "0.2.1"},\n    "packages/b": {"name": "b", "version": "0.2.1"}\n  }\n}'
    ).encode("utf-8")
    out, olds = set_json_strings(
        data,
        {("version",): "0.10.0", ("packages", "", "version"): "0.10.0", ("packages", "packages/b", "version"): "0.3.0",
         ("packages", "missing", "version"): "9.9.9"},
        "package-lock.json",
    )
    assert olds == {("version",): "0.9.1", ("packages", "", "version"): "0.9.1",
                    ("packages", "packages/b", "version"): "0.2.1", ("packages", "missing", "version"): None}
    expected = data.replace(b'"version": "0.9.1"', b'"version": "0.10.0"').replace(
        b'"name": "b", "version": "0.2.1"', b'"name": "b", "version": "0.3.0"')
    assert out == expected  # BOM, the non-ASCII name, the dependency at 0.2.1 and no final newline kept


def test_set_json_strings_refuses_a_non_string_value():
    from issue_flow.adapters.manifests import set_json_strings

    with pytest.raises(IssueFlowError, match="is not a string"):
        set_json_strings(b'{"packages": {"a": {"version": 1}}}', {("packages", "a", "version"): "2.0.0"})


def test_workspace_entry_keys(tmp_path):
    from issue_flow.adapters.manifests import workspace_entry

    assert workspace_entry(tmp_path, tmp_path / "packages/b/package.json") == ("packages", "packages/b", "version")
    assert workspace_entry(tmp_path / "test-app", tmp_path / "package.json") == ("packages", "..", "version")
    assert workspace_entry(tmp_path, tmp_path / "package.json") is None
