"""The compiled line filters (issue_flow.model._cscan.bold_lines and link_lines) give the
lines their Python twins give: the lines that may be ``**Key:** value`` header lines, and
the lines that may hold a link.

On every line of every corpus document, on hostile lines (every Unicode whitespace before
the stars, line endings, astral characters, brackets at the ends) and on random text; they
refuse what is not a sequence of str. ``bold_lines`` and ``link_lines`` are the compiled
ones when the module is built (in CI it must be).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from conftest import missing
from test_scan_compiled import HOSTILE

from issue_flow import linkcheck
from issue_flow.model import document
from issue_flow.model.document import Document, split_lines

PIECES = HOSTILE + ["**", "*", "]", "(", ":", "](", "]:", "] (", "]\n", "**Key:**", "\ufeff", "\u200b"]


@pytest.fixture(scope="module")
def cscan():
    try:
        from issue_flow.model import _cscan
    except ImportError as exc:
        missing("extension", f"the compiled model is not built ({exc}); pip install -e . builds it with a C compiler")
    return _cscan


def same(cscan, lines: list[str]) -> None:
    for name, python in (("bold_lines", document.bold_lines_python), ("link_lines", linkcheck.link_lines_python)):
        got, want = getattr(cscan, name)(lines), python(lines)
        assert type(got) is list and all(type(i) is int for i in got), (name, lines)
        assert got == want, (name, lines)


def test_each_line_as_its_python_twin_on_the_corpus(cscan, corpus):
    total = bold = 0
    for path in sorted(corpus.rglob("*.md")):
        lines = Document(None, path.read_text(encoding="utf-8")).lines
        same(cscan, lines)
        total += len(lines)
        bold += len(cscan.bold_lines(lines))
    assert total > 20_000 and bold > 500


def test_each_line_as_its_python_twin_on_hostile_lines(cscan):
    rnd = random.Random(2612)
    for _ in range(20_000):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 12)))
        same(cscan, split_lines(text))
        same(cscan, [text])  # line breaks of any kind inside one line too
    same(cscan, [])
    same(cscan, ["", "**", " **", "\u3000\x85**K:** v", "*\u2003*", "]", "](", "x]:", "]\r\n(", "𝔸](𝔹)", "*"])


def test_the_rules(cscan):
    assert cscan.bold_lines(["**GitHub:** #1\n", "  **Parent**: #2", "text **bold**", "\t\u00a0**x", "* *", "*"]) == [0, 1, 3]
    assert cscan.link_lines(["[a](b)\n", "[r]: x", "a] (b", "]", "x ]( y", "é𝔸]:"]) == [0, 1, 4, 5]


def test_refuses_what_is_not_lines(cscan):
    for bad in (["a", 1], None, [b"**x"]):
        with pytest.raises(TypeError):
            cscan.bold_lines(bad)
        with pytest.raises(TypeError):
            cscan.link_lines(bad)


def test_the_compiled_filters_are_used_when_built(cscan):
    env = {k: v for k, v in os.environ.items() if k != "ISSUE_FLOW_PURE_PYTHON"}
    code = ("from issue_flow import linkcheck as L; from issue_flow.model import document as D, _cscan as C; "
            "print(D.bold_lines is C.bold_lines, L.link_lines is C.link_lines)")

    def which(extra: dict) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**env, **extra},
                              check=True).stdout.strip()

    assert which({}) == "True True"
    assert which({"ISSUE_FLOW_PURE_PYTHON": "1"}) == "False False"


_LEAK_PROBE = r"""
import sys, tracemalloc
from issue_flow.model import _cscan

lines = ["**GitHub:** #1\n", "  [a](b) and [c]: d\n", "plain\n", "\u3000**𝔸:** x\n", "é](x)\n"] * 40
bad = lines[:3] + [1]

def calls(n):
    for _ in range(n):
        for f in (_cscan.bold_lines, _cscan.link_lines):
            f(lines)
            try:
                f(bad)
            except TypeError:
                pass

refs = [sys.getrefcount(x) for x in lines[:5] + [lines, bad]]
calls(500)
tracemalloc.start()
calls(10)
before = tracemalloc.get_traced_memory()[0]
calls(5000)
after = tracemalloc.get_traced_memory()[0]
print(after - before, refs == [sys.getrefcount(x) for x in lines[:5] + [lines, bad]])
"""


def test_filtering_leaks_nothing_also_on_an_error(cscan):
    p = subprocess.run([sys.executable, "-c", _LEAK_PROBE], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    grown, refs_same = p.stdout.split()
    assert int(grown) < 10_000, f"{grown} bytes more in use after 5,000 calls"
    assert refs_same == "True", "the reference counts of the lines changed"
