"""The indexed similarity of labels is the word-by-word one (same number for any two labels)."""

from __future__ import annotations

import random

from issue_flow.model import pairing


def _reference(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return sum(1 for w in short if any(pairing._match(w, x) for x in long_)) / len(short)


def test_similarity_is_the_word_by_word_share_on_random_labels():
    rnd = random.Random(16)
    for _ in range(50_000):
        a, b = (tuple("".join(rnd.choice("abcde") for _ in range(rnd.randint(1, 8))) for _ in range(rnd.randint(0, 4)))
                for _ in range(2))
        assert pairing.similarity(a, b) == _reference(a, b), (a, b)


def test_similarity_on_real_labels():
    w = pairing.words
    for a, b in [("Get proxy log excerpt for one failing run", "Proxy log excerpt"), ("Tests added", "Test"),
                 ("Analysis", "Analyse the logs"), ("Docs updated on completion", "Issue closed"), ("", "x")]:
        assert pairing.similarity(w(a), w(b)) == _reference(w(a), w(b))


def test_score_matrix_is_the_score_of_every_pair_on_random_tables():
    rnd = random.Random(17)

    def label() -> tuple[str, ...]:
        return tuple("".join(rnd.choice("abcdef") for _ in range(rnd.randint(1, 8))) for _ in range(rnd.randint(0, 5)))

    for _ in range(3_000):
        crit = [pairing.Side("", label(), label() if rnd.random() < 0.5 else ()) for _ in range(rnd.randint(0, 6))]
        rows = [pairing.Side("", label()) for _ in range(rnd.randint(0, 6))]
        want = [[max(_reference(c.words, r.words), _reference(c.alt, r.words) if c.alt else 0.0) for r in rows] for c in crit]
        assert pairing.score_matrix(crit, rows) == want, (crit, rows)
        assert [[pairing.score(c, r) for r in rows] for c in crit] == want


def test_keyed_is_the_normalised_label_and_its_words(corpus):
    from issue_flow.model.document import Document, norm

    labels = ["**Bold** _it_ `code` [link](x.md) – done.", "The (e.g. test) of an API:", "  ", "", "—Ünïcode wörds—",
              "[[a](b)](c) nested", "snake_case and _emph_", "Ⅻ ２ ½ ﬁ ß İ"]
    for path in sorted(corpus.rglob("*.md")):
        doc = Document(None, path.read_text(encoding="utf-8"))
        labels += [t.text for t in doc.tasks] + [t.label for t in doc.tasks if t.label]
        labels += [table.label(r) for table in doc.tables for r in table.rows]
    rnd = random.Random(18)
    labels += ["".join(rnd.choice("ab _*`~[]().:–-—ÅİßΣ") for _ in range(rnd.randint(0, 12))) for _ in range(20_000)]
    assert len(labels) > 24_000
    for text in labels:
        assert pairing.keyed(text) == (norm(text), pairing.words(text)), text
