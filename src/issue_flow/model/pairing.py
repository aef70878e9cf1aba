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
from typing import Sequence

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


def _match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and long_.startswith(short):
        return True
    return len(short) >= 5 and a[:5] == b[:5]


def _index(ws: Sequence[str]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(words, every prefix of at least 3 letters of a word, first 5 letters of the words of
    5 or more): what :func:`_match` compares, as sets, so that one word is matched against a
    whole label with a few lookups."""
    idx = _INDEX.get(ws)
    if idx is None:
        full = frozenset(ws)
        prefixes = frozenset(w[:k] for w in full for k in range(3, len(w) + 1))
        five = frozenset(w[:5] for w in full if len(w) >= 5)
        idx = _INDEX[ws] = (full, prefixes, five)
        if len(_INDEX) > 100_000:
            _INDEX.clear()
    return idx


_INDEX: dict = {}


def _found(w: str, idx: tuple[frozenset[str], frozenset[str], frozenset[str]]) -> bool:
    """Does ``w`` match some word of the indexed label (as :func:`_match` says)?"""
    full, prefixes, five = idx
    if w in full or w in prefixes:  # equal, or w a prefix (>= 3 letters) of a word
        return True
    n = len(w)
    if n >= 5 and w[:5] in five:  # the same first 5 letters
        return True
    for k in range(3, n):  # a word (>= 3 letters) is a prefix of w
        if w[:k] in full:
            return True
    return False


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of the shorter word list's words found in the other (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    full, prefixes, five = _index(tuple(long_))
    found = 0
    for w in short:  # _found, inline: pairing scores every criterion against every row
        if w in full or w in prefixes:
            found += 1
            continue
        n = len(w)
        if n >= 5 and w[:5] in five:
            found += 1
            continue
        for k in range(3, n):
            if w[:k] in full:
                found += 1
                break
    return found / len(short)


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

    memo: dict[tuple[int, int], float] = {}

    def sc(i: int, j: int) -> float:
        v = memo.get((i, j))
        if v is None:
            v = memo[(i, j)] = score(crit[i], rows[j])
        return v

    # 2. similarity: unique mutual best at or above the threshold
    scores = {(i, j): sc(i, j) for i in c_free for j in r_free}
    changed = True
    while changed:
        changed = False
        for i in sorted(c_free):
            s, j, tied = _best(((scores[(i, j)], j) for j in r_free))
            if j is None or s < THRESHOLD or tied:
                continue
            top, _, col_tied = _best(((scores[(k, j)], k) for k in c_free))
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
        agree = sum(1 for i in range(nc) if sc(i, i) >= AGREE)
        if agree * 2 > nc:
            for i in sorted(c_free):
                if i in r_free and sc(i, i) > 0:
                    pairs.append((i, i))
                    c_free.discard(i)
                    r_free.discard(i)
                    if "position" not in modes:
                        modes.append("position")

    closest: dict[int, tuple[int, float]] = {}
    for i in c_free:
        if rows:
            j = max(range(nr), key=lambda j: sc(i, j))
            closest[i] = (j, sc(i, j))
    pairs.sort()
    mode = modes[-1] if modes else "none"
    return Pairing(mode, pairs, sorted(c_free), sorted(r_free), closest)
