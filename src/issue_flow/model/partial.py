"""What can be known of a document without scanning all of its lines.

``lint`` asks most issue documents only for their title, their header lines
(``**GitHub:**``, ``**Parent:**``) and whether they hold a status table; the title and the
header lines sit in the first lines, and most documents hold no status table. Scanning
every line of every document for that was a third of a lint of a large tree.

- **A scan of the first lines is exact for all but its last line.** The scanner
  (:mod:`.scan`) reads the lines in order, and what it decides for a line depends on the
  lines before it and on the next line only (a table's header row is told by the delimiter
  row after it). So the kinds and headings a scan of ``lines[:m]`` gives for lines
  ``0 … m-2`` are those of the whole document (tests/test_partial_scan.py checks every cut
  of every corpus file and of generated documents). :func:`prefix_scan` grows the prefix
  geometrically, so that asking line after line costs at most twice one scan.
- **A status table needs a delimiter row with a ``Status`` header above it.** Every table
  the scanner finds is a header row directly followed by a delimiter row
  (``delimiter_cells``), and its Status column is read from the header row by
  :func:`table_head`. :func:`may_hold_status_table` finds every line that could be a
  delimiter row with one compiled pattern (such a row holds a ``-`` followed by nothing but
  ``|``, ``:``, ``-`` and blanks up to the line's end) and reads the line above it as a
  header: no such pair, no status table, whatever the rest of the document says.
- **A task needs a box.** A task item's content starts with ``[ ]``, ``[x]`` or ``[X]``
  (the scanner's rule, GitHub's): a text holding none of the three holds no task
  (:func:`may_hold_task`), so ``status`` counts a document of prose without scanning it.
"""

from __future__ import annotations

import re

from issue_flow.model.scan import Scan, delimiter_cells, scan, split_cells

_STATUS_HEADER = re.compile(r"status\b", re.IGNORECASE)
# A '-' followed by nothing but delimiter characters and blanks up to the line's end: every
# delimiter row with a column holds one (its first '-').
_DELIMITER_TAIL = re.compile(r"-[|: \t-]*[^\S\r\n]*(?:[\r\n]|\Z)")
_BOX = re.compile(r"\[[ xX]\]")
_FIRST_CUT = 8  # lines scanned first (the title and header lines are in the first few)


def table_head(head: str, strip_markup) -> tuple[list[tuple[int, int]], list[str], int | None]:
    """A table's header row read: its cell spans, its headers as plain words
    (``strip_markup``), and the index of its Status column (None without one)."""
    spans = split_cells(head)
    headers = [strip_markup(head[a:b]) for a, b in spans]
    status_col = next((k for k, h in enumerate(headers) if _STATUS_HEADER.match(h.strip())), None)
    return spans, headers, status_col


def may_hold_status_table(text: str, strip_markup) -> bool:
    """Could the scanner find a table with a Status column in ``text``? False only when no
    line that is a delimiter row follows a line whose cells head a Status column."""
    if "|" not in text:
        return False  # no header row: the scanner takes no line without a pipe for one
    for m in _DELIMITER_TAIL.finditer(text):
        pos = m.start()
        start = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
        if start == 0:
            continue  # the first line: no header row above it
        end = start - 2 if text.startswith("\r\n", start - 2) else start - 1
        head = text[max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1 : end]
        if "|" not in head:
            continue  # the scanner takes no line without a pipe for a header row
        if delimiter_cells(text[start : m.end()].rstrip("\r\n")) is None:
            continue
        if table_head(head, strip_markup)[2] is not None:
            return True
    return False


def may_hold_task(text: str) -> bool:
    """Could the scanner find a task item in ``text``? False only when no box is in it."""
    return _BOX.search(text) is not None


def prefix_scan(lines: list[str], line: int, known: tuple[Scan, int] | None) -> tuple[Scan, int]:
    """A scan of the first lines of ``lines``, exact for lines ``0 … line`` at least, and
    the number of lines it is exact for; ``known`` is an earlier one, kept if it reaches.
    The whole document is scanned when the prefix would be most of it (the caller then
    keeps it as the document's structure)."""
    if known is not None and line < known[1]:
        return known
    m = max(line + 2, 2 * known[1] if known is not None else _FIRST_CUT)
    if 2 * m >= len(lines):
        return scan(lines), len(lines)
    return scan(lines[:m]), m - 1
