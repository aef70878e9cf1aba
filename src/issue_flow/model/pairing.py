"""Pairing acceptance criteria with the rows of the status table that mirrors them.

Maintainers write a criterion and its row in different words ("Get proxy log excerpt for
one failing run…" ↔ "Proxy log excerpt"), so labels are compared as sets of content words:

- words are case-folded, stripped of Markdown and punctuation; stop words are dropped;
- two words match when equal, when one is a prefix of the other (at least 3 letters:
  ``test``/``tests``, ``fix``/``fixed``), or when they share their first 5 letters
  (``analysis``/``analyse``);
- the **similarity** of two labels is the share of the shorter one's words that match a
  word of the other (1.0: every word of the shorter label is in the longer one).

Pairs are made in three steps, each only among what is still unpaired:

1. **label**: equal normalised labels (a criterion's bold label, else its text) pair one
   to one, in order when a label repeats on both sides;
2. **similarity**: a criterion and a row whose similarity is at least
   :data:`THRESHOLD` and is each other's unique best;
3. **position**: when both sides have the same number of items and *most* positional
   pairs agree (similarity ≥ :data:`AGREE` for more than half of them), the rest pair by
   position — but only if they share at least one word. "Docs updated on completion"
   never pairs with "Issue closed".

Whatever is left is unpaired and reported with both sides named; nothing is guessed.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from issue_flow.model import compiled
from issue_flow.model.document import strip_markup
from issue_flow.records import record

THRESHOLD = 0.6
AGREE = 0.5

_STOP = frozenset(
    "a an and are as at be by for from in into is it its of on or our per see that the their "
    "this to was we when with (e.g. e.g eg etc via".split()
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> tuple[str, ...]:
    """The content words of a label (see the module docstring)."""
    return tuple(w for w in _WORD.findall(strip_markup(text).casefold()) if w not in _STOP)


def keyed(text: str) -> tuple[str, tuple[str, ...]]:
    """``(norm(text), words(text))``, from one reading of its plain words (pairing asks
    both of every criterion and every row)."""
    plain = strip_markup(text).casefold()
    return plain.strip(" .:–—-"), tuple(w for w in _WORD.findall(plain) if w not in _STOP)


def _match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and long_.startswith(short):
        return True
    return len(short) >= 5 and a[:5] == b[:5]


# How a word is matched against a whole label in one C call: a label is a set of keys, a
# word a set of probes, and the word matches a word of the label (as _match says) exactly
# when the two sets meet. Keys: "=" + each word and each of its prefixes of 3 letters or
# more (the word equals, or is a prefix of, one of the label's), "5" + the first 5 letters
# of each word of 5 or more, "<" + each word. Probes: "=" + the word, "5" + its first 5
# letters (5 or more), "<" + each of its proper prefixes of 3 letters or more (one of the
# label's words is a prefix of it). Both are kept across tables (labels repeat).
_KEYS: dict[tuple[str, ...], Any] = {}  # label -> its keys' isdisjoint
_PROBES: dict[str, frozenset[str]] = {}


def _keys(ws: tuple[str, ...]):
    """``isdisjoint`` of the label's keys (see above)."""
    got = _KEYS.get(ws)
    if got is None:
        keys = {"=" + w[:k] for w in ws for k in range(3, len(w))}
        keys.update("=" + w for w in ws)
        keys.update("5" + w[:5] for w in ws if len(w) >= 5)
        keys.update("<" + w for w in ws)
        if len(_KEYS) > 100_000:
            _KEYS.clear()
        got = _KEYS[ws] = frozenset(keys).isdisjoint
    return got


def _probes(ws) -> Any:
    """``__getitem__`` of the probes, with those of the words ``ws`` made (see above)."""
    probes = _PROBES
    for w in ws:
        if w not in probes:
            if len(probes) > 100_000:
                probes.clear()
            mine = {"<" + w[:k] for k in range(3, len(w))}
            mine.add("=" + w)
            if len(w) >= 5:
                mine.add("5" + w[:5])
            probes[w] = frozenset(mine)
    return probes.__getitem__


def _share(short: Sequence[str], keys_of_long: Any, probe: Any) -> float:
    """Share of the words ``short`` that match a word of the label whose keys' ``isdisjoint``
    is ``keys_of_long``: two ``map`` passes in C."""
    return (len(short) - sum(map(keys_of_long, map(probe, short)))) / len(short)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of the shorter word list's words found in the other (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    short, long_ = (tuple(a), tuple(b)) if len(a) <= len(b) else (tuple(b), tuple(a))
    return _share(short, _keys(long_), _probes(short))


@record
class Side:
    """One side of a pair: its names (normalised label first) and its words."""

    key: str  # normalised label, for step 1
    words: tuple[str, ...]
    alt: tuple[str, ...] = ()  # more words to compare (a criterion's text besides its label)


def score(c: Side, r: Side) -> float:
    best = similarity(c.words, r.words)
    if c.alt:
        best = max(best, similarity(c.alt, r.words))
    return best


def score_matrix_python(crit: Sequence[Side], rows: Sequence[Side]) -> list[list[float]]:
    """``score(crit[i], rows[j])`` for every criterion ``i`` and row ``j`` of one table.

    Pairing scores every criterion against every row; a function call per score cost most
    of it. Here each label's keys and each word's probes are looked up once, and a
    similarity is :func:`_share`'s two ``map`` passes in C. The numbers are
    :func:`score`'s (tests/test_speed_pairing.py compares them).

    The reference for the compiled twin that :data:`score_matrix` is when it is built
    (``_cscan.c``: word against word, in a tenth of the time; tests/test_pairing_compiled.py
    compares the two float for float); a change to :func:`_match` is made in both."""
    probe = _probes({w for side in (*crit, *rows) for w in (*side.words, *side.alt)})
    rws = [r.words for r in rows]
    rkeys = [_keys(rw) for rw in rws]
    out: list[list[float]] = []
    for c in crit:
        cw, ca = c.words, c.alt
        ckeys, akeys = _keys(cw), _keys(ca)
        line: list[float] = []
        for rw, rk in zip(rws, rkeys):
            best = 0.0
            if cw and rw:
                best = _share(cw, rk, probe) if len(cw) <= len(rw) else _share(rw, ckeys, probe)
            if ca and rw:  # a criterion's text besides its label
                alt = _share(ca, rk, probe) if len(ca) <= len(rw) else _share(rw, akeys, probe)
                if alt > best:
                    best = alt
            line.append(best)
        out.append(line)
    return out


def _compiled_matrix():
    """``score_matrix`` through the compiled module (model/compiled.py), or None (also for a
    module built before it had one: the Python twin then, as for the other functions)."""
    fn = getattr(compiled.module(), "score_matrix", None)
    if fn is None:
        return None

    def score_matrix(crit: Sequence[Side], rows: Sequence[Side]) -> list[list[float]]:
        return fn([c.words for c in crit], [c.alt for c in crit], [r.words for r in rows])

    score_matrix.__doc__ = score_matrix_python.__doc__
    return score_matrix


# The score of every criterion against every row of one table: compiled when it is built and
# used, else score_matrix_python; the same numbers.
score_matrix = _compiled_matrix() or score_matrix_python


@record
class Pairing:
    mode: str  # label | similarity | position | none (how the last pairs were made)
    pairs: list[tuple[int, int]]  # (criterion index, row index)
    unpaired_criteria: list[int]
    unpaired_rows: list[int]
    closest: dict[int, tuple[int, float]]  # unpaired criterion -> (closest row, similarity)

    def row_of(self, c: int) -> int | None:
        for ci, ri in self.pairs:
            if ci == c:
                return ri
        return None


def _best(scored) -> tuple[float, int | None, bool]:
    """(the highest score, its index, whether another has the same score) of ``(score,
    index)`` pairs, in one pass (sorting every row and column cost most of the pairing)."""
    best, at, tied = -1.0, None, False
    for value, k in scored:
        if value > best:
            best, at, tied = value, k, False
        elif value == best:
            tied = True
    return best, at, tied


def pair(crit: Sequence[Side], rows: Sequence[Side]) -> Pairing:
    nc, nr = len(crit), len(rows)
    c_free = set(range(nc))
    r_free = set(range(nr))
    pairs: list[tuple[int, int]] = []
    modes: list[str] = []

    # 1. equal labels, one to one, in order of appearance
    by_key: dict[str, list[int]] = {}
    for j, r in enumerate(rows):
        if r.key:
            by_key.setdefault(r.key, []).append(j)
    for i, c in enumerate(crit):
        js = by_key.get(c.key)
        if js:
            j = js.pop(0)
            pairs.append((i, j))
            c_free.discard(i)
            r_free.discard(j)
    if pairs:
        modes.append("label")

    m = score_matrix(crit, rows)  # m[i][j]: the score of criterion i and row j

    # 2. similarity: unique mutual best at or above the threshold
    changed = True
    while changed:
        changed = False
        for i in sorted(c_free):
            line = m[i]
            s, j, tied = _best(((line[j], j) for j in r_free))
            if j is None or s < THRESHOLD or tied:
                continue
            top, _, col_tied = _best(((m[k][j], k) for k in c_free))
            if top != s or col_tied:
                continue
            pairs.append((i, j))
            c_free.discard(i)
            r_free.discard(j)
            if "similarity" not in modes:
                modes.append("similarity")
            changed = True

    # 3. position, when most positional pairs agree
    if nc == nr and nc and c_free:
        agree = sum(1 for i in range(nc) if m[i][i] >= AGREE)
        if agree * 2 > nc:
            for i in sorted(c_free):
                if i in r_free and m[i][i] > 0:
                    pairs.append((i, i))
                    c_free.discard(i)
                    r_free.discard(i)
                    if "position" not in modes:
                        modes.append("position")

    closest: dict[int, tuple[int, float]] = {}
    for i in c_free:
        if rows:
            j = max(range(nr), key=m[i].__getitem__)
            closest[i] = (j, m[i][j])
    pairs.sort()
    mode = modes[-1] if modes else "none"
    return Pairing(mode, pairs, sorted(c_free), sorted(r_free), closest)
