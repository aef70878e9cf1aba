"""Lines are split at LF, CRLF and a lone CR only, whichever way they are found."""

from __future__ import annotations

import random

from issue_flow.model import document


def test_split_lines_is_the_pattern_split_on_random_text():
    rnd = random.Random(16)
    alphabet = ["a", "\n", "\r", "\r\n", " ", "\v", "\f", "\x1c", "\x85", "\u2028", "é", "|"]
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert document.split_lines(text) == document._LINE.findall(text), repr(text)
        assert "".join(document.split_lines(text)) == text


def test_form_feed_and_line_separator_do_not_end_a_line():
    assert document.split_lines("a\fb\u2028c\r\nd\re") == ["a\fb\u2028c\r\n", "d\r", "e"]
