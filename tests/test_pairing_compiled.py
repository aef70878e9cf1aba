"""The compiled score matrix (issue_flow.model._cscan.score_matrix) gives the numbers of
pairing.score_matrix_python, float for float.

On random labels (words sharing prefixes, first letters and lengths, so that every rule of
``_match`` decides some pair), on hostile words (astral characters, mixed string kinds,
empty words, long words), and on every criterion against every row of every corpus
document. ``score_matrix`` is the compiled one when the module is built (in CI it must be)
and ``ISSUE_FLOW_PURE_PYTHON=1`` selects the Python one.
"""

from __future__ import annotations

import random

import pytest
from compiled_twins import assert_no_leak, chosen, compiled_module

from issue_flow.model import pairing
from issue_flow.model.pairing import Side, keyed, score_matrix_python


@pytest.fixture(scope="module")
def compiled():
    return compiled_module().score_matrix


def run(compiled, crit: list[Side], rows: list[Side]) -> list[list[float]]:
    return compiled([c.words for c in crit], [c.alt for c in crit], [r.words for r in rows])


def same(compiled, crit: list[Side], rows: list[Side]) -> None:
    got, want = run(compiled, crit, rows), score_matrix_python(crit, rows)
    assert type(got) is list and all(type(line) is list for line in got), (crit, rows)
    assert all(type(x) is float for line in got for x in line), (crit, rows)
    assert got == want, (crit, rows)


STEMS = ["test", "tests", "tested", "te", "t", "analysis", "analyse", "analy", "analyses", "fix", "fixed", "fi",
         "proxy", "proxies", "log", "logs", "release", "released", "relea", "abcde", "abcdf", "abcdefgh", "abcdxfgh"]
HOSTILE = ["", "é", "éclair", "écla", "𝔸𝔹ℂ", "𝔸𝔹ℂ𝔻𝔼", "𝔸𝔹ℂ𝔻𝔼x", "ab𝔸", "ab", "abc", "ΣΑΣ", "σας", "İstanbul",
           "ﬁx", "straße", "strasse", "x" * 300, "x" * 299 + "y", "日本語", "日本語の", "日本"]


def test_equal_to_the_python_matrix_on_random_labels(compiled):
    rnd = random.Random(2026)

    def word() -> str:
        if rnd.random() < 0.5:
            return rnd.choice(STEMS)
        return "".join(rnd.choice("abcd") for _ in range(rnd.randint(1, 7)))

    def label() -> tuple[str, ...]:
        return tuple(word() for _ in range(rnd.randint(0, 6)))

    for _ in range(5_000):
        crit = [Side("", label(), label() if rnd.random() < 0.5 else ()) for _ in range(rnd.randint(0, 7))]
        rows = [Side("", label()) for _ in range(rnd.randint(0, 7))]
        same(compiled, crit, rows)


def test_equal_to_the_python_matrix_on_hostile_words(compiled):
    rnd = random.Random(16)
    pool = HOSTILE + STEMS
    for _ in range(3_000):
        crit = [Side("", tuple(rnd.choice(pool) for _ in range(rnd.randint(0, 5))),
                     tuple(rnd.choice(pool) for _ in range(rnd.randint(0, 3)))) for _ in range(rnd.randint(0, 5))]
        rows = [Side("", tuple(rnd.choice(pool) for _ in range(rnd.randint(0, 5)))) for _ in range(rnd.randint(0, 5))]
        same(compiled, crit, rows)


def test_each_rule_of_a_word_match(compiled):
    def one(a: str, b: str) -> float:
        return run(compiled, [Side("", (a,))], [Side("", (b,))])[0][0]

    assert one("test", "tests") == 1.0  # a prefix of three letters or more
    assert one("te", "tests") == 0.0  # a prefix of two letters is not enough
    assert one("analysis", "analyses") == 1.0  # the same first five letters, the same length
    assert one("analy", "analyzed") == 1.0
    assert one("abcd", "abce") == 0.0
    assert one("ab", "ab") == 1.0 and one("", "") == 1.0 and one("", "a") == 0.0
    assert one("𝔸𝔹ℂ", "𝔸𝔹ℂ𝔻") == 1.0 and one("éclair", "éclairs") == 1.0  # code points, any string kind
    assert run(compiled, [Side("", ("a", "b"), ("c",))], [Side("", ("c", "x", "y"))]) == [[1.0]]  # the text's words
    assert run(compiled, [Side("", ("a", "b", "c"))], [Side("", ("a", "z"))]) == [[0.5]]  # the shorter one's share
    assert run(compiled, [], [Side("", ("a",))]) == [] and run(compiled, [Side("", ("a",))], []) == [[]]


def test_equal_to_the_python_matrix_on_every_corpus_document(compiled, corpus):
    from issue_flow.model.document import Document

    pairs = 0
    for path in sorted(corpus.rglob("*.md")):
        doc = Document(None, path.read_text(encoding="utf-8"))
        crit = [Side(*keyed(t.label or t.text), pairing.words(t.text) if t.label else ()) for t in doc.tasks]
        for table in doc.tables:
            rows = [Side(*keyed(table.label(r))) for r in table.rows]
            same(compiled, crit, rows)
            pairs += len(crit) * len(rows)
    assert pairs > 10_000


def test_refuses_what_is_not_words(compiled):
    with pytest.raises(TypeError):
        compiled([("a", 1)], [()], [("a",)])
    with pytest.raises(TypeError):
        compiled([("a",)], [()], [None])
    with pytest.raises(ValueError):
        compiled([("a",)], [], [("a",)])  # a text's words for each criterion


def test_score_matrix_is_the_compiled_one_when_it_is_built(compiled):
    code = "from issue_flow.model import pairing as P; print(P.score_matrix is P.score_matrix_python)"
    assert chosen(code) == ("False", "True")
    crit, rows = [Side("", ("proxy", "log")), Side("", ("tests",), ("fix",))], [Side("", ("proxy",)), Side("", ("fixed",))]
    assert pairing.score_matrix(crit, rows) == score_matrix_python(crit, rows) == [[1.0, 0.0], [0.0, 1.0]]


def test_scoring_leaks_nothing_also_on_an_error(compiled):
    assert_no_leak("""
words = tuple(("proxy", "log", "excerpt", "𝔸𝔹ℂ𝔻𝔼", "tests", "analysis")[k % 6] + str(k % 7) for k in range(40))
crit = [words[k:k + 5] for k in range(0, 30, 3)]
alts = [words[k:k + 3] if k % 2 else () for k in range(len(crit))]
rows = [words[k:k + 4] for k in range(1, 36, 4)]
bad = [words[:2] + (1,)]
watched = list(words) + crit + rows + [crit, alts, rows]

def exercise():
    _cscan.score_matrix(crit, alts, rows)
    try:
        _cscan.score_matrix(crit, alts, rows + bad)
    except TypeError:
        pass
""")
