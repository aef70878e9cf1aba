"""The compiled ``strip_markup`` (issue_flow.model._cscan.strip_markup) gives the plain words
its Python twin gives: link texts for links and images, no ``*``, `` ` `` or ``~``, an
underscore kept only inside a word, whitespace runs made one space.

On every heading, task text, bold label, table cell and header line of the corpus, on
hostile strings (every kind of Unicode whitespace, word characters of other scripts and
digits of other systems around underscores, nested and unclosed brackets, astral
characters), and on random text; it refuses what is not a str.
"""

from __future__ import annotations

import random

import pytest
from compiled_twins import assert_no_leak, chosen, compiled_module
from test_scan_compiled import HOSTILE

from issue_flow.model import document
from issue_flow.model.document import Document, strip_markup_python

PIECES = HOSTILE + ["_", "__", "a_b", "_x_", "[", "]", "(", ")", "](", "![", "[a](b)", "![i](s.png)", "[x]", "*", "**",
                    "`", "~~", "Ⅻ", "²", "٣", "ß", "_١", "١_", "\u200b", "\ufeff", "\u00a0", "\u3000", "😀_😀", "é_é"]


@pytest.fixture(scope="module")
def compiled():
    return compiled_module().strip_markup


def same(compiled, text: str) -> None:
    got, want = compiled(text), strip_markup_python(text)
    assert type(got) is str and got == want, (text, got, want)


def test_as_its_python_twin_on_the_corpus(compiled, corpus):
    n = 0
    for path in sorted(corpus.rglob("*.md")):
        doc = Document(None, path.read_text(encoding="utf-8"))
        texts = [h.text for h in doc.headings] + [t.text for t in doc.tasks] + [doc.line_text(i) for i in range(len(doc.lines))]
        texts += [c for t in doc.tables for r in t.rows for c in r.cells]
        for text in texts:
            same(compiled, text)
        n += len(texts)
    assert n > 30_000


def test_as_its_python_twin_on_hostile_text(compiled):
    rnd = random.Random(3012)
    for _ in range(60_000):
        same(compiled, "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 10))))
    for text in ["", " ", "_", "a_", "_a", "[a](b", "[a]b)", "[[a](b)](c)", "![a](b)", "!![a](b)", "[a\n](b\n)", "[](b)",
                 "[a]()", "x](y) [z](w)", "**Bold** _it_ `code` [link](x.md) – done.", "snake_case and _emph_", "\x85a\u2028"]:
        same(compiled, text)


def test_the_rules(compiled):
    assert compiled("**Bold** _it_ `code` [link](x.md) – done.") == "Bold it code link – done."
    assert compiled("snake_case, _emph_, ünï_cödé, 1_2, a_") == "snake_case, emph, ünï_cödé, 1_2, a"
    assert compiled("![alt](i.png)  and\t\u3000[t](u \"v\")") == "alt and t"
    assert compiled("[[a](b)](c)") == "[a](c)"  # one pass, leftmost, as re.sub


def test_refuses_what_is_not_a_str(compiled):
    for bad in (None, b"x", 1):
        with pytest.raises(TypeError):
            compiled(bad)


def test_strip_markup_is_the_compiled_one_when_built(compiled):
    code = "from issue_flow.model import document as D, _cscan as C; print(D.strip_markup is C.strip_markup)"
    assert chosen(code) == ("True", "False")
    assert document.strip_markup("a  *b*") == "a b"


def test_stripping_leaks_nothing(compiled):
    assert_no_leak("""
texts = ["**Bold** _it_ `code` [link](x.md) – done.", "plain words", "𝔸_𝔹 ![i](j) \\u3000 x", "", "[a](b"] * 20
watched = texts[:5] + [texts]

def exercise():
    for t in texts:
        _cscan.strip_markup(t)
    try:
        _cscan.strip_markup(None)
    except TypeError:
        pass
""", runs=3000, warm=200)
