"""Reference structure from markdown-it-py, for the scanner's differential test."""

from __future__ import annotations

import re

_TASK = re.compile(r"\[([ xX])\][ \t]+\S")


def reference(text: str) -> dict:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    tasks, items, table_lines, headings, fences, setext = set(), set(), set(), set(), set(), set()
    quote_depth = 0
    for idx, tok in enumerate(tokens):
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
        if quote_depth:
            continue
        if tok.type == "list_item_open" and tok.map:
            items.add(tok.map[0])
            # first inline of the item
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            inline = tokens[idx + 2] if idx + 2 < len(tokens) else None
            if nxt is not None and nxt.type == "paragraph_open" and inline is not None and inline.type == "inline":
                if nxt.map and nxt.map[0] == tok.map[0] and _TASK.match(inline.content):
                    tasks.add(tok.map[0])
        elif tok.type == "table_open" and tok.map:
            table_lines.update(range(tok.map[0], tok.map[1]))
        elif tok.type == "heading_open" and tok.map and tok.markup.startswith("#"):
            headings.add(tok.map[0])
        elif tok.type == "heading_open" and tok.map:
            setext.add(tok.map[1] - 1)
        elif tok.type == "fence" and tok.map:
            fences.update(range(tok.map[0], tok.map[1]))
    return {"tasks": tasks, "items": items, "tables": table_lines, "headings": headings, "fences": fences, "setext": setext}
