"""The line scanner agrees with markdown-it-py on where tasks, tables, headings and fences are.

On every Markdown file of the corpus, and on generated documents built from the line
shapes real issue folders use (nesting, fences inside lists, comments, tables next to
lists, ordered markers, struck-through boxes).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mdref import reference

from issue_flow.model.document import split_lines
from issue_flow.model.scan import FENCE, TABLE, scan


def mine(text: str) -> dict:
    lines = split_lines(text)
    s = scan(lines)
    return {
        "tasks": {t.line for t in s.tasks},
        "items": {t.line for t in s.items},
        "tables": {i for i, k in enumerate(s.kinds) if k == TABLE},
        "headings": {h.line for h in s.headings if lines[h.line].lstrip().startswith("#")},
        "fences": {i for i, k in enumerate(s.kinds) if k == FENCE},
        "setext": {h.line for h in s.headings if h.setext},
    }


def assert_agree(text: str, where: str = "") -> None:
    got, ref = mine(text), reference(text)
    for key in ref:
        assert got[key] == ref[key], f"{where} {key}: scanner-only {sorted(got[key] - ref[key])}, markdown-it-only {sorted(ref[key] - got[key])}"


def test_every_corpus_file_agrees(corpus):
    files = sorted(corpus.rglob("*.md"))
    assert len(files) > 200
    for path in files:
        assert_agree(path.read_text(encoding="utf-8"), str(path.relative_to(corpus)))


LINE = st.sampled_from(
    [
        "",
        "",
        "Some paragraph text.",
        "# Heading",
        "## Acceptance criteria",
        "Setext title",
        "===",
        "---",
        "-",
        "- [ ] open task",
        "- [x] **Label** – done task",
        "  - [ ] nested task",
        "    - [x] deeper task",
        "   - [ ] three-space nested",
        "* [X] star task",
        "+ [ ] plus task",
        "1. [x] ordered task",
        "2) [ ] paren task",
        "- [-] not a task",
        "- [ ]",
        "- ~~[ ]~~ struck",
        "- plain item",
        "  continuation text",
        "```",
        "```js",
        "  ```",
        "~~~",
        "<!-- comment start",
        "<!-- one-line comment -->",
        "-->",
        "| Step | Status |",
        "|------|--------|",
        "| Do it | ✅ yes |",
        "| - [ ] in cell | ⬜ |",
        "| a | b | c |",
        "---",
        "> quoted - [ ] text",
        "    indented code - [ ] x",
    ]
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=25))
def test_generated_documents_agree(lines):
    text = "\n".join(lines) + "\n"
    assert_agree(text, repr(text))
