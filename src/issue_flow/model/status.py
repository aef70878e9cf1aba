"""What a Status cell says, and how to make it say the opposite without losing evidence.

A cell is read as ``<marker phrase><evidence>``. The marker phrase is the cell's first
token and what belongs to it:

- a symbol (``✅ ⬜ ❌ ⚠️ 🔄 ⏳ [x] [ ]``), optionally followed by a status word
  (``⬜ Not started``, ``✅ Done``, ``✅ Done (2026-03-28)`` keeps the date as evidence);
- a status word, bare or wrapped in emphasis (``Done``, ``FAIL``, ``N/A``, ``_Done_``,
  ``**Done**``); a bold or italic span whose first words hold a status word is one phrase
  (``**Done (2026-03-28)**``, ``**Run, FAIL (1 failed)**``).

Everything after the phrase is evidence and is kept when the marker changes. A cell with
no marker phrase is free text (state unknown): ticking it puts a marker in front of the
text. The state is the first token's: ``✅ Not started`` (a contradiction left by a tool
that only swapped the symbol) counts as done, and ticking it repairs the word.

When the state changes, the phrase is rewritten in the cell's own style: a symbol stays a
symbol (the counterpart symbol), a word stays a word of the same family and case
(``FAIL`` → ``PASS``, ``Not started`` → ``Done``), emphasis stays. A cell without a marker
takes the style most rows of its table use (a table written in words gets a word).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from issue_flow.records import record

# Symbols, longest first. Value: True done, False open, None neither (N/A).
SYMBOLS: dict[str, bool | None] = {
    "✅": True, "✔️": True, "✔": True, "☑️": True, "☑": True, "[x]": True, "[X]": True,
    "⬜️": False, "⬜": False, "[ ]": False, "❌": False, "⚠️": False, "⚠": False, "🔄": False,
    "⏳": False, "🟡": False, "🚧": False, "⏸️": False, "⏸": False, "➖": None,
}
_SYMBOLS_BY_LENGTH = sorted(SYMBOLS, key=len, reverse=True)

# Status words and phrases (case-insensitive), longest first when matched.
WORDS: dict[str, bool | None] = {
    "done": True, "complete": True, "completed": True, "pass": True, "passed": True,
    "passing": True, "fixed": True, "resolved": True, "released": True, "shipped": True,
    "merged": True, "closed": True, "verified": True, "implemented": True, "published": True,
    "finished": True,
    "not started": False, "not done": False, "not yet": False, "in progress": False,
    "in review": False, "pending": False, "todo": False, "to do": False, "open": False,
    "fail": False, "failed": False, "failing": False, "blocked": False, "wip": False,
    "planned": False, "started": False, "partial": False, "partially done": False,
    "waiting": False, "deferred": False, "tbd": False,
    "n/a": None, "na": None, "not applicable": None, "skipped": None, "skip": None,
}
_WORD_RX = re.compile(
    r"(" + "|".join(re.escape(w) for w in sorted(WORDS, key=len, reverse=True)) + r")(?![\w/])",
    re.IGNORECASE,
)
# Word families: the word written for (done, open) when a word of the family changes state.
_FAMILY = {
    "pass": ("pass", "fail"), "passed": ("passed", "failed"), "passing": ("passing", "failing"),
    "fail": ("pass", "fail"), "failed": ("passed", "failed"), "failing": ("passing", "failing"),
}
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?![*_\w])")
_PHRASE_WORDS = 4  # a status word must be among the first words of an emphasis span


@record
class StatusCell:
    marker: str | None  # the marker phrase as written (None: free text)
    done: bool | None  # True done, False open, None N/A or unknown
    evidence: str  # what follows the marker phrase (stripped)
    symbol: str | None = None  # the phrase's symbol, if any
    word: str | None = None  # the phrase's status word as written, if any
    wrap: str = ""  # emphasis around the word ('**', '_', ...)
    whole: bool = False  # the emphasis span held more than the word (it is replaced whole)
    sep: str = " "  # what stood between the marker phrase and the evidence


def _word_at(text: str) -> re.Match[str] | None:
    m = _WORD_RX.match(text)
    if m is None:
        return None
    # "No" and "Open" begin many sentences: only a whole cell or one followed by punctuation
    rest = text[m.end():]
    if m.group(1).lower() in ("open", "started", "na") and rest.strip() and rest[:1] not in " .,;:—–-(":
        return None
    if m.group(1).lower() in ("open", "started") and rest[:1] == " " and rest.strip()[:1].isalnum():
        return None
    return m


def parse_status(cell: str) -> StatusCell:
    """Read a Status cell (see the module docstring)."""
    body = cell.strip()
    if not body:
        return StatusCell(None, None, "")
    symbol = None
    for s in _SYMBOLS_BY_LENGTH:
        if body.startswith(s):
            symbol = s
            break
    rest = body[len(symbol):] if symbol else body
    lead = rest[: len(rest) - len(rest.lstrip())]
    after = rest.lstrip()
    word = wrap = None
    whole = False
    consumed = 0  # characters of `after` that belong to the phrase
    em = _EMPHASIS.match(after)
    if em is not None:
        inner = em.group(2)
        words = re.split(r"[\s,;:]+", inner.strip())
        for k in range(min(_PHRASE_WORDS, len(words))):
            sub = inner[inner.find(words[k]):] if words[k] else ""
            wm = _word_at(sub) if sub else None
            if wm:
                word, wrap = wm.group(1), em.group(1)
                whole = inner.strip() != wm.group(1)
                consumed = em.end()
                break
    elif symbol is None or after:
        wm = _word_at(after)
        if wm:
            word = wm.group(1)
            consumed = wm.end()
    if symbol is None and word is None:
        return StatusCell(None, None, body)
    if symbol is not None:
        done = SYMBOLS[symbol]
    else:
        done = WORDS[word.lower()]  # type: ignore[union-attr]
    if word is None:
        marker, tail = symbol, rest
    else:
        marker = ((symbol or "") + (lead if symbol else "") + after[:consumed]).strip()
        tail = after[consumed:]
    evidence = tail.strip()
    sep = tail[: len(tail) - len(tail.lstrip())] if evidence else " "
    return StatusCell(marker, done, evidence, symbol, word, wrap or "", whole, sep)


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower()


@record
class Style:
    """How a table writes its markers: a symbol, a word, or both; emphasis; the words."""

    symbol: bool = True
    word: bool = False
    wrap: str = ""
    done_word: str | None = None
    open_word: str | None = None


def table_style(cells: Iterable[StatusCell]) -> Style:
    """The marker style most rows of a table use (symbols when none has a marker)."""
    kinds: Counter[tuple[bool, bool, str]] = Counter()
    done_words: Counter[str] = Counter()
    open_words: Counter[str] = Counter()
    for c in cells:
        if c.marker is None:
            continue
        kinds[(c.symbol is not None, c.word is not None, c.wrap)] += 1
        if c.word and not c.whole:
            (done_words if c.done else open_words if c.done is False else Counter())[c.word] += 1
    if not kinds:
        return Style()
    (sym, word, wrap), _ = kinds.most_common(1)[0]
    return Style(
        sym,
        word,
        wrap,
        done_words.most_common(1)[0][0] if done_words else None,
        open_words.most_common(1)[0][0] if open_words else None,
    )


def _counter_symbol(symbol: str, done: bool) -> str:
    if symbol in ("[x]", "[X]", "[ ]"):
        return ("[x]" if symbol == "[ ]" else symbol) if done else "[ ]"
    if SYMBOLS.get(symbol) is done:
        return symbol
    return "✅" if done else "⬜"


def _counter_word(cell: StatusCell, done: bool, style: Style) -> str:
    assert cell.word is not None
    low = cell.word.lower()
    if low in _FAMILY:
        word = _FAMILY[low][0 if done else 1]
    elif WORDS.get(low) is done:
        return cell.word
    else:
        word = _plain_word(style, done, bool(cell.symbol))
    return _cased(word, cell.word)


def _plain_word(style: Style, done: bool, with_symbol: bool) -> str:
    """The table's own word for ``done`` (not a pass/fail word), else Done / Not started
    (after a symbol, as legends write it) or Pending."""
    word = style.done_word if done else style.open_word
    if word is None or word.lower() in _FAMILY or WORDS.get(word.lower()) is not done:
        word = "Done" if done else ("Not started" if with_symbol else "Pending")
    return word


def marker_for(cell: StatusCell, done: bool, style: Style) -> str:
    """The marker phrase that says ``done`` in the style of ``cell`` (or of its table)."""
    if cell.marker is None:
        parts = []
        if style.symbol or not style.word:
            parts.append("✅" if done else "⬜")
        if style.word:
            parts.append(f"{style.wrap}{_plain_word(style, done, style.symbol)}{style.wrap}")
        return " ".join(parts)
    parts = []
    if cell.symbol is not None:
        parts.append(_counter_symbol(cell.symbol, done))
    if cell.word is not None:
        parts.append(f"{cell.wrap}{_counter_word(cell, done, style)}{cell.wrap}")
    return " ".join(parts)


def says(cell: StatusCell, done: bool) -> bool:
    """Does the cell already say ``done``, with no word contradicting it?"""
    if cell.done is not done:
        return False
    return cell.word is None or WORDS.get(cell.word.lower()) is done


def status_body(cell_text: str, done: bool, note: str | None, style: Style) -> str | None:
    """The new text of a Status cell's body, or None when it already says so (and no note)."""
    cell = parse_status(cell_text)
    if note is None and says(cell, done):
        return None
    marker = marker_for(cell, done, style) if not says(cell, done) else (cell.marker or "")
    if note is not None:
        if cell.symbol is not None and cell.word is not None:
            marker = marker.split(" ", 1)[0]  # the note says what the word said
        new = marker + ((" " + note) if note else "")
        return None if new == cell_text.strip() else new
    if not cell.evidence:
        return marker
    sep = cell.sep if cell.marker is not None else " "
    if not sep and not marker:
        sep = ""
    elif not sep and cell.evidence[:1].isalnum():
        sep = " "
    return marker + sep + cell.evidence


# --------------------------------------------------------------------------- writing a cell


def escape_cell(text: str) -> str:
    """Make free text safe inside a table cell (one line, pipes escaped)."""
    text = " ".join(text.split())
    # A pipe is escaped unless an odd run of backslashes already escapes it ('\\|' is an
    # escaped backslash followed by a cell separator, so it needs one more).
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", text)


def status_cell_text(cell: str, done: bool, note: str | None = None, style: Style | None = None, *, last: bool = False) -> str:
    """The new text of a Status cell: marker switched in the cell's (or table's) style,
    evidence kept unless ``note`` replaces it, padding kept (see the module docstring)."""
    body = status_body(cell, done, None if note is None else escape_cell(note).strip(), style or Style())
    if body is None:
        return cell
    if last:  # the row has no closing pipe: nothing to align, the line's end stays as it was
        stripped = cell.strip()
        lead = cell[: len(cell) - len(cell.lstrip())] if stripped else cell[:1]
        trail = cell[len(cell.rstrip()) :] if stripped else cell[1:]
        return (lead or " ") + body + trail
    return replace_cell_body(cell, body)


def replace_cell_body(cell: str, new_body: str) -> str:
    """``cell`` with its text replaced by ``new_body``, keeping its padding where it can.

    Aligned tables keep their column width when the text grows into the padding (at
    least one space stays) and when it shrinks (the padding grows back).
    """
    body = cell.strip()
    if body:
        lead = cell[: len(cell) - len(cell.lstrip())] or " "
        trail = cell[len(cell.rstrip()) :]
    else:  # an empty cell: its width is all padding
        lead, trail = (" ", cell[1:]) if cell else (" ", "")
    grow = len(new_body) - len(body)
    if grow > 0 and len(trail) > 1:
        trail = " " * max(1, len(trail) - grow)
    elif grow < 0 and len(trail) > 1:
        trail = trail + " " * (-grow)
    elif not trail:
        trail = " "
    return lead + new_body + trail
