"""The compiled line scanner (issue_flow.model._cscan) gives what scan_python gives, field for field.

On every corpus file and every prefix cut of it (model/partial.py scans prefixes), on
generated documents built from the line shapes of tests/test_partial_scan.py and
tests/test_scan_differential.py, on hostile text (every kind of Unicode whitespace and
digit, line endings inside and at the end of lines, astral characters), and on inputs that
are not a list of str. ``scan`` is the compiled scanner when it is built (in CI it must be),
``ISSUE_FLOW_PURE_PYTHON=1`` selects the Python one, scanning leaks nothing, and the build
hook (hatch_build.py) compiles the module, or warns and goes on without it.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import missing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_partial_scan import SHAPES, random_text
from test_scan_differential import LINE

from issue_flow.model import scan as S
from issue_flow.model.document import split_lines

PROJECT = Path(__file__).resolve().parents[1]
KINDS = (S.BLANK, S.FENCE, S.CODE, S.HTML, S.HEADING, S.TABLE, S.ITEM, S.QUOTE, S.HR, S.TEXT)
KIND_IDS = {id(k) for k in KINDS}
ENDINGS = ["", "\n", "\r\n", "\r"]
# What breaks scanners: every whitespace the str methods know but the patterns' [ \t] does
# not, line breaks inside a line, Unicode digits after an ASCII one, escapes, fences,
# comments and raw HTML, markers, boxes, emoji with a variation selector, astral characters.
HOSTILE = [
    " ", "  ", "    ", "\t", " \t", "\r", "\r\n", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85",
    "\xa0", "\u1680", "\u2003", "\u2028", "\u2029", "\u202f", "\u3000", "١", "٣", "٠", "߁", "१", "𝟙",
    "²", "|", "\\", "\\|", "`", "```", "````", "~", "~~~", "<!--", "-->", "<div>", "</div>", "<pre>", "</pre>",
    "<script>", "<SCRIPT", "<ſcript>", "<?", "?>", "<!X", "<![CDATA[", "]]>", ">", ">>", "#", "##", "######",
    "#######", "=", "==", "-", "---", "*", "* * *", "_", "+", "[ ]", "[x]", "[X]", "[-]", "[", "]", "1.", "2)",
    "1", "0", "12345678901.", ":", ":-:", "|---|", "✅\ufe0f", "⬜", "😀", "🇺🇸", "𝔸", "\U0010fffd", "é", "–",
    "word", "a", "x", "İ", "K",
]
PIECE = st.sampled_from(HOSTILE)
HOSTILE_LINE = st.lists(PIECE, max_size=8).map("".join)
ENDING = st.sampled_from(ENDINGS)


def _missing_extension(why: str) -> None:
    missing("extension", f"the compiled scanner is not built ({why}); pip install -e . builds it with a C compiler")


@pytest.fixture(scope="module")
def cscan():
    """The compiled scan function (whatever ISSUE_FLOW_PURE_PYTHON says for ``S.scan``)."""
    compiled = S._compiled_scan()
    if compiled is None:
        _missing_extension("issue_flow.model._cscan does not import")
    return compiled


def assert_same(got, want, where: object = "") -> None:
    """Field for field and type for type, the kinds being the module's own str objects."""
    assert type(got) is S.Scan and type(want) is S.Scan, where
    assert type(got.kinds) is list and got.kinds == want.kinds, where
    assert {id(k) for k in got.kinds} <= KIND_IDS, where
    for name, cls in (("items", S.ItemInfo), ("tables", S.TableInfo), ("headings", S.HeadingInfo)):
        a, b = getattr(got, name), getattr(want, name)
        assert type(a) is list and len(a) == len(b), (where, name, a, b)
        for x, y in zip(a, b):
            assert type(x) is cls and type(y) is cls, (where, name)
            fx, fy = vars(x), vars(y)
            assert list(fx) == list(fy), (where, name, x, y)
            for key, value in fx.items():
                other = fy[key]
                assert type(value) is type(other) and value == other, (where, name, key, x, y)
                if type(value) is list:  # a table's body rows
                    assert all(type(v) is int for v in value), (where, name, x)
    assert got == want, where


def check(cscan, lines, where: object = None) -> None:
    assert_same(cscan(lines), S.scan_python(lines), lines if where is None else where)


# ---------------------------------------------------------------------------- which scanner


def test_scan_is_the_compiled_scanner_when_it_is_built():
    if os.environ.get("ISSUE_FLOW_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("ISSUE_FLOW_PURE_PYTHON is set: scan is scan_python on purpose")
    try:
        from issue_flow.model import _cscan
    except ImportError as exc:
        _missing_extension(str(exc))  # a failure in CI: it never falls back silently there
    assert S.scan is _cscan.scan
    from issue_flow.model import document, partial

    assert document.scan is _cscan.scan and partial.scan is _cscan.scan  # bound by name at import


def test_the_compiled_module_is_not_older_than_its_source(cscan):
    from issue_flow.model import _cscan

    built = Path(_cscan.__file__)
    source = Path(S.__file__).with_name("_cscan.c")
    if built.parent != source.parent:
        pytest.skip(f"installed from a wheel ({built}), not compiled in place")
    assert built.stat().st_mtime >= source.stat().st_mtime, "_cscan.c changed since it was built: pip install -e . again"


def _which(env: dict) -> str:
    code = "from issue_flow.model import scan as S; print(S.scan is S.scan_python, S.scan.__module__)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()


def test_issue_flow_pure_python_selects_the_python_scanner(cscan):
    env = {k: v for k, v in os.environ.items() if k != "ISSUE_FLOW_PURE_PYTHON"}
    assert _which({**env, "ISSUE_FLOW_PURE_PYTHON": "1"}) == ["True", "issue_flow.model.scan"]
    assert _which(env) == ["False", "issue_flow.model._cscan"]
    assert _which({**env, "ISSUE_FLOW_PURE_PYTHON": "0"}) == ["False", "issue_flow.model._cscan"]


def test_help_does_not_import_the_compiled_scanner():
    env = {k: v for k, v in os.environ.items() if k != "ISSUE_FLOW_PURE_PYTHON"}
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "issue_flow", "--help"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert "issue_flow.model" not in p.stderr and "_cscan" not in p.stderr


# ---------------------------------------------------------------------------- the corpus


def test_every_corpus_file_and_every_prefix_of_it(cscan, corpus):
    files = sorted(corpus.rglob("*.md"))
    assert len(files) > 200
    for path in files:
        lines = split_lines(path.read_text(encoding="utf-8"))
        where = path.relative_to(corpus)
        check(cscan, lines, where)
        for m in range(len(lines)):
            check(cscan, lines[:m], (where, m))


def test_corpus_lines_with_other_endings_or_none(cscan, corpus):
    for path in sorted(corpus.rglob("*.md")):
        lines = split_lines(path.read_text(encoding="utf-8"))
        bare = [ln.rstrip("\r\n") for ln in lines]
        check(cscan, bare, path)
        check(cscan, [ln + "\r\n" for ln in bare], path)
        check(cscan, [ln + "\r" for ln in bare], path)


# ---------------------------------------------------------------------------- generated documents

EXTRA_SHAPES = [
    "- [ ] open task", "  - [x] nested", "* [X] star", "+ [ ] plus", "1. [x] ordered", "2) [ ] paren", "- [-] not",
    "- [ ]", "- ~~[ ]~~ struck", "1. one", "3. three", "10) ten", "١. arabic", "1٣. mixed digits", "- ", "-\t",
    "-\tx", "- \tx", "-     five", "1.      far", "   - [ ] three", "\t\t- [ ] tabs", " \t- [ ] mixed", "````",
    "```js", "``` `x`", "~~~~ info", "    ```", "\t```", "<!-- a", "<!-- b -->", "-->", "<pre>", "</pre>",
    "<script>x</script>", "<?php", "?>", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<div>", "<span>", "# Title",
    "## Two ##", "### three ###   ", "#### # #", "#######", "#x", "# ", "#", "Setext", "===", "---", "- - -",
    "***", "___", "| a | b |", "|---|---|", "| :-- | --: |", "a | b", "--|--", "|", "||", "\\| x |", "| x \\|",
    "> quote", "> - [ ] quoted", ">", "    code", "\tcode", "plain words", "lazy", "  two spaces", "a\x0bb",
    "\x0b", " \x0b", "\xa0x", "\u3000", "x\u2028y", "text | pipe", "**Bold:** #1", "✅ done ⬜", "😀 emoji",
]
ALL_SHAPES = SHAPES + EXTRA_SHAPES


def _mutate(rnd: random.Random, line: str) -> str:
    r = rnd.random()
    if r < 0.5:
        return line
    if r < 0.65:
        return rnd.choice(["", " ", "  ", "   ", "    ", "\t", " \t", "\t "]) + line
    if r < 0.85:
        k = rnd.randint(0, len(line))
        return line[:k] + rnd.choice(HOSTILE) + line[k:]
    if r < 0.95:
        return line + rnd.choice(HOSTILE)
    return "".join(rnd.choice(HOSTILE) for _ in range(rnd.randint(0, 6)))


def hostile_document(rnd: random.Random) -> list[str]:
    lines = [_mutate(rnd, rnd.choice(ALL_SHAPES)) + rnd.choice(ENDINGS) for _ in range(rnd.randint(0, 30))]
    if lines and rnd.random() < 0.5:
        lines[-1] = lines[-1].rstrip("\r\n")
    return lines


def test_fifty_thousand_generated_documents(cscan):
    rnd = random.Random(23)
    for k in range(30_000):
        text = random_text(rnd)  # the shapes of tests/test_partial_scan.py, one line ending a text
        check(cscan, split_lines(text), text)
    for k in range(30_000):
        check(cscan, hostile_document(rnd))


def test_every_prefix_of_generated_documents(cscan):
    rnd = random.Random(29)
    for k in range(3_000):
        lines = hostile_document(rnd) if k % 2 else split_lines(random_text(rnd))
        for m in range(len(lines) + 1):
            check(cscan, lines[:m])


@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(LINE, HOSTILE_LINE, st.sampled_from(ALL_SHAPES)), ENDING).map("".join), max_size=30))
def test_generated_shapes_and_hostile_lines(cscan, lines):
    check(cscan, lines)


@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=20), max_size=20))
def test_any_text(cscan, lines):
    check(cscan, lines)


@settings(max_examples=1_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=PIECE.map(lambda s: s[:1]) | st.characters(), max_size=40), max_size=12))
def test_any_characters(cscan, lines):
    check(cscan, lines)


def _interesting_characters() -> list[str]:
    """Every Unicode whitespace character and decimal digit, and a few that look alike."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000 and (chr(c).isspace() or chr(c).isdecimal())]
    return chars + ["²", "½", "Ⅻ", "\u200b", "\ufeff", "\u180e", "\x00", "\x7f", "\U0001f600", "\ufe0f"]


TEMPLATES = [
    "{c}", "{c}x", "x{c}", " {c}", "-{c}", "- {c}", "-{c}x", "- x{c}", "1{c}. x", "1.{c}x", "{c}. x", "{c}) x",
    "1{c}{c}. x", "- [{c}] x", "- [ ]{c}x", "- [ ] {c}", "- [ ] {c}x", "# {c}", "# x{c}#", "# x {c}#", "#{c}x",
    "## x #{c}", "```{c}", "``` {c}", "~~~{c}~", "| {c} |", "|{c}|", "| a |{c}", "{c}|---|", "|-{c}-|", "> {c}",
    "<!--{c}", "={c}", "---{c}", "*{c}*{c}*", "\t{c}", "    {c}",
]


def test_every_whitespace_and_digit_in_every_position(cscan):
    chars = _interesting_characters()
    assert len(chars) > 600
    for c in chars:
        for t in TEMPLATES:
            line = t.format(c=c)
            check(cscan, [line, "==="])
            check(cscan, ["para", line, "---"])
            check(cscan, ["- item", line + "\r\n", "  - [ ] y"])
            check(cscan, ["| a | b |", "|---|---|", line, "x"])
            check(cscan, [line, "|---|", "| y |"])
            check(cscan, ["```", line, "```", ""])


def test_long_lines_and_long_documents(cscan):
    rnd = random.Random(31)
    check(cscan, ["x" * 1_000_000, "|" * 100_000, "- [ ] " + "é" * 100_000, "#" * 100_000, " " * 100_000 + "x"])
    check(cscan, ["1" * 20 + ". x", "- " * 5_000 + "x", "> " * 5_000 + "x", "| " + "a | " * 20_000])
    lines = [ln for _ in range(2_000) for ln in hostile_document(rnd)]
    assert len(lines) > 20_000
    check(cscan, lines, "a long document")
    deep = [" " * (2 * k) + "- item" for k in range(3_000)]  # a list nesting 3,000 deep
    check(cscan, deep + [""] + deep[::-1], "deep nesting")


def test_inputs_that_are_not_a_list_of_str(cscan):
    lines = ["# T\n", "- [ ] a\n", "| a | b |\n", "|---|---|\n", "| c | d |\n"]

    class Line(str):
        pass

    class Lines(list):
        pass

    assert_same(cscan([]), S.scan_python([]))
    assert cscan([]) == S.Scan([], [], [], [])
    makers = [tuple, iter, Lines, lambda ls: [Line(x) for x in ls], lambda ls: ls[:2] + [Line(ls[2])], lambda ls: ls[:0]]
    for make in makers:
        assert_same(cscan(make(lines)), S.scan_python(make(lines)), make)
    assert_same(cscan(lines=lines), S.scan_python(lines))
    for bad in ([None], ["ok", 3], [b"bytes"], 5, None):
        with pytest.raises(Exception) as want:
            S.scan_python(bad)
        with pytest.raises(want.type):
            cscan(bad)
    with pytest.raises(TypeError):
        cscan()
    with pytest.raises(TypeError):
        cscan(lines, lines)
    with pytest.raises(TypeError):
        cscan(text=lines)


# ---------------------------------------------------------------------------- memory and errors

_LEAK_PROBE = r"""
import gc, resource, sys
from pathlib import Path
from issue_flow.model import scan as S
from issue_flow.model.document import split_lines

scan = S._compiled_scan()
docs = [split_lines(p.read_text(encoding="utf-8")) for p in sorted(Path(sys.argv[1]).rglob("*.md"))]
odd = ["<div>", "x", "", "<script>", "</script>", "<!-- a", "-->", "<?", "?>", "<![CDATA[", "]]>", "<!X", ">",
       "Setext", "para", "===", "- [ ] \u0663 x", "1\u0663. y", "| a | b |", "|---|---|", "| c |", "\x0b", "```", "~~~"]
docs.append(odd * 50)
shared = [S.BLANK, S.FENCE, S.CODE, S.HTML, S.HEADING, S.TABLE, S.ITEM, S.QUOTE, S.HR, S.TEXT, S.Scan, S.ItemInfo,
          S.TableInfo, S.HeadingInfo, S._html_block_start, S.scan_python, docs[0][0], odd[0], "-", "*", "+", ""]
singletons = [None, True, False]  # (other code moves their counts a little; a bug would by thousands)

def once():
    for d in docs:
        scan(d)
        scan(d[: len(d) // 2])
    scan(tuple(odd))
    try:
        scan(["x", None])
    except AttributeError:
        pass

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

once()
gc.collect()
refs = [sys.getrefcount(x) for x in shared]
single = [sys.getrefcount(x) for x in singletons]
before, blocks = rss(), sys.getallocatedblocks()
for _ in range(20):
    once()
gc.collect()
same = [sys.getrefcount(x) for x in shared] == refs
close = all(abs(sys.getrefcount(x) - n) < 100 for x, n in zip(singletons, single))
print(rss() - before, sys.getallocatedblocks() - blocks, same and close)
"""


def test_scanning_the_corpus_twenty_times_leaks_nothing(cscan, corpus):
    p = subprocess.run([sys.executable, "-c", _LEAK_PROBE, str(corpus)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    grown, blocks, refs_same = p.stdout.split()
    assert int(grown) < 3 * 2**20, f"RSS grew {int(grown) / 2**20:.1f} MB over 20 scans of the corpus"
    assert int(blocks) < 200, f"{blocks} more memory blocks in use after 20 scans of the corpus"
    assert refs_same == "True", "the reference counts of the kinds, classes or lines changed"


_ERROR_PROBE = r"""
import sys
from issue_flow.model import scan as S

scan = S._compiled_scan()
from issue_flow.model import _cscan

class Boom(Exception):
    pass

def boom(*args):
    raise Boom(args)

class NoBool:
    def __bool__(self):
        raise Boom("bool")

def args(**over):
    given = dict(Scan=S.Scan, ItemInfo=S.ItemInfo, TableInfo=S.TableInfo, HeadingInfo=S.HeadingInfo,
                 kinds=(S.BLANK, S.FENCE, S.CODE, S.HTML, S.HEADING, S.TABLE, S.ITEM, S.QUOTE, S.HR, S.TEXT),
                 html=S._html_block_start, raw_open=lambda b: None, raw_close=lambda b: None, fallback=S.scan_python)
    given.update(over)
    return tuple(given.values())

cases = {
    "html": (["- x", "<div>"], dict(html=boom)),
    "html in a list": (["- x", "  y", "<div>"], dict(html=boom)),
    "html truth": (["<div>"], dict(html=lambda b: NoBool())),
    "raw open": (["<pre>"], dict(raw_open=boom)),
    "raw close": (["<pre>"], dict(raw_open=lambda b: True, raw_close=boom)),
    "item": (["- [ ] a"], dict(ItemInfo=boom)),
    "table": (["| a |", "|---|", "| b |"], dict(TableInfo=boom)),
    "heading": (["# a"], dict(HeadingInfo=boom)),
    "setext": (["a", "==="], dict(HeadingInfo=boom)),
    "scan": (["a"], dict(Scan=boom)),
    "fallback": (("a",), dict(fallback=boom)),
}
refs = [sys.getrefcount(x) for x in (S.BLANK, S.TEXT, S.Scan, S.ItemInfo)]
for name, (lines, over) in cases.items():
    _cscan.init(*args(**over))
    for _ in range(100):
        try:
            scan(lines)
        except Boom:
            pass
        else:
            raise SystemExit(f"{name}: no error")
_cscan.init(*args())
assert [sys.getrefcount(x) for x in (S.BLANK, S.TEXT, S.Scan, S.ItemInfo)] == refs
for bad in [(1,), (S.Scan,) * 4 + ((S.TEXT,) * 9,) + (print,) * 4, (S.Scan,) * 4 + ((1,) * 10,) + (print,) * 4]:
    try:
        _cscan.init(*bad)
    except (TypeError, ValueError):
        pass
    else:
        raise SystemExit(f"init{bad!r} accepted")
print("ok")
"""


def test_an_error_in_a_call_back_into_python_is_raised_not_a_crash(cscan):
    p = subprocess.run([sys.executable, "-c", _ERROR_PROBE], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stdout + p.stderr


def test_scan_before_init_is_an_error_not_a_crash(cscan):
    from issue_flow.model import _cscan

    code = f"import importlib.util as u, sys; s = u.spec_from_file_location('issue_flow.model._cscan', {_cscan.__file__!r}); m = u.module_from_spec(s); s.loader.exec_module(m)\ntry:\n    m.scan(['x'])\nexcept RuntimeError as e:\n    print('RuntimeError', e)\n"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.startswith("RuntimeError"), p.stdout + p.stderr


# ---------------------------------------------------------------------------- the build hook


def _hook_module():
    spec = importlib.util.spec_from_file_location("issue_flow_hatch_build", PROJECT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hook(root: Path):
    return _hook_module().CustomBuildHook(str(root), {}, None, None, str(root / "dist"), "wheel")


def _source_tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "issue_flow" / "model").mkdir(parents=True)
    shutil.copy(Path(S.__file__).with_name("_cscan.c"), root / "src" / "issue_flow" / "model" / "_cscan.c")
    return root


def _require_compiler() -> None:
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or ""
    if not cc or shutil.which(cc.split()[0]) is None:
        missing("tool", f"no C compiler ({cc or 'none configured'})")


SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def _compiling_hook(tmp_path: Path, monkeypatch) -> tuple[Path, object, dict]:
    """A source tree, its build hook with the interpreter's own compiler, fresh build data."""
    _require_compiler()
    monkeypatch.delenv("CC", raising=False)
    root = _source_tree(tmp_path)
    return root, _hook(root), {"force_include": {}}


def test_the_hook_compiles_in_place_for_an_editable_install(tmp_path, monkeypatch):
    root, hook, build_data = _compiling_hook(tmp_path, monkeypatch)
    hook.initialize("editable", build_data)
    hook.finalize("editable", build_data, "")
    built = root / "src" / "issue_flow" / "model" / f"_cscan{SUFFIX}"
    assert built.is_file() and build_data == {"force_include": {}}
    hook.clean(["editable"])
    assert not built.exists()


def test_the_hook_puts_the_module_in_a_wheel_with_a_platform_tag(tmp_path, monkeypatch):
    root, hook, build_data = _compiling_hook(tmp_path, monkeypatch)
    hook.initialize("standard", build_data)
    ((built, inside),) = build_data["force_include"].items()
    assert Path(built).is_file() and inside == f"issue_flow/model/_cscan{SUFFIX}"
    assert build_data["pure_python"] is False and build_data["infer_tag"] is True
    hook.finalize("standard", build_data, "")
    assert not Path(built).exists()  # the build's temporary directory is removed
    assert not list((root / "src").rglob(f"*{SUFFIX}"))


def test_without_a_compiler_the_hook_warns_once_and_the_build_goes_on(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    root = _source_tree(tmp_path)
    stale = root / "src" / "issue_flow" / "model" / f"_cscan{SUFFIX}"
    stale.write_bytes(b"compiled from an older source")
    for version in ("editable", "standard"):
        build_data: dict = {"force_include": {}}
        hook = _hook(root)
        hook.initialize(version, build_data)
        hook.finalize(version, build_data, "")
        assert build_data == {"force_include": {}}, version  # pure Python: no module, no tag
    assert not stale.exists()  # an editable install never keeps a module of an older source
    err = capfd.readouterr()
    warnings = [ln for ln in (err.out + err.err).splitlines() if "compiled line scanner" in ln]
    assert len(warnings) == 2 and all("no-such-cc" in ln and "the Python one is used" in ln for ln in warnings), warnings


def test_a_built_wheel_carries_the_module_and_not_its_source(tmp_path):
    _require_compiler()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV")) and k != "CC"}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    p = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path), str(PROJECT)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    (wheel,) = tmp_path.glob("issue_flow_md-*.whl")
    assert not wheel.name.endswith("-py3-none-any.whl"), wheel.name  # a platform tag
    names = zipfile.ZipFile(wheel).namelist()
    assert f"issue_flow/model/_cscan{SUFFIX}" in names
    assert not [n for n in names if n.endswith((".c", ".pyd")) or (n.endswith(".so") and "_cscan" not in n)], names
    (meta,) = [n for n in names if n.endswith(".dist-info/WHEEL")]
    assert "Root-Is-Purelib: false" in zipfile.ZipFile(wheel).read(meta).decode()
