"""The compiled line filters (issue_flow.model._cscan.bold_lines and link_lines) give the
lines their Python twins give: the lines that may be ``**Key:** value`` header lines, and
the lines that may hold a link.

On every line of every corpus document, on hostile lines (every Unicode whitespace before
the stars, line endings, astral characters, brackets at the ends) and on random text; they
refuse what is not a sequence of str. ``bold_lines`` and ``link_lines`` are the compiled
ones when the module is built (in CI it must be).
"""

from __future__ import annotations

import random

import pytest
from compiled_twins import assert_no_leak, chosen, compiled_module
from test_scan_compiled import HOSTILE

from issue_flow import linkcheck
from issue_flow.model import document
from issue_flow.model.document import Document, split_lines

PIECES = HOSTILE + ["**", "*", "]", "(", ":", "](", "]:", "] (", "]\n", "**Key:**", "\ufeff", "\u200b"]


@pytest.fixture(scope="module")
def cscan():
    return compiled_module()


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
    code = ("from issue_flow import linkcheck as L; from issue_flow.model import document as D, _cscan as C; "
            "print(D.bold_lines is C.bold_lines, L.link_lines is C.link_lines)")
    assert chosen(code) == ("True True", "False False")


def test_filtering_leaks_nothing_also_on_an_error(cscan):
    assert_no_leak("""
lines = ["**GitHub:** #1\\n", "  [a](b) and [c]: d\\n", "plain\\n", "\\u3000**𝔸:** x\\n", "é](x)\\n"] * 40
bad = lines[:3] + [1]
watched = lines[:5] + [lines, bad]

def exercise():
    for f in (_cscan.bold_lines, _cscan.link_lines):
        f(lines)
        try:
            f(bad)
        except TypeError:
            pass
""")
