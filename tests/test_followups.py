"""The parent README's Follow-ups section is found one way for ``new --parent`` (which adds
the child there) and for ``close`` (which marks the child resolved there): a heading that
one of them used to miss is found by both."""

from __future__ import annotations

import pytest

from issue_flow.model.document import Document
from issue_flow.model.followups import add_follow_up, follow_ups_section
from issue_flow.workflows.close_resolution import Resolution, add_resolution_pointer

CHILD = "- [#2](../ISSUE-2/README.md) — child\n"


def _parent(heading: str) -> str:
    return f"# Issue #1: parent\n\n**GitHub:** #1\n\n{heading}\n\n{CHILD}\n## Status\n\nx\n"


# "Follow-up" and "Follow-up work" were close's spelling only; "**Follow-ups**" was new's.
@pytest.mark.parametrize("heading", ["## Follow-ups", "## Follow-up", "## Follow-up work", "## **Follow-ups**",
                                     "### Followups", "## follow ups"])
def test_close_marks_the_child_resolved_in_the_follow_ups_section(heading):
    doc = Document(None, _parent(heading))
    assert add_resolution_pointer(doc, 2, "https://github.com/o/r/issues/2", Resolution(versions=["0.9.2"]))
    assert doc.text == _parent(heading).replace(CHILD, CHILD[:-1] + " — resolved in v0.9.2\n")


@pytest.mark.parametrize("heading", ["## Follow-ups", "## Follow-up", "## Follow-up work", "## **Follow-ups**"])
def test_new_adds_the_child_to_the_follow_ups_section(heading):
    text = _parent(heading)
    out = add_follow_up(text, 3, "../ISSUE-3/README.md", "another")
    assert out == text.replace(CHILD, CHILD + "- [#3](../ISSUE-3/README.md) — another\n")
    assert add_follow_up(text, 2, "../ISSUE-2/README.md", "child") is None  # already listed there


def test_the_title_is_not_the_follow_ups_section():
    # an issue called "Follow-up to …": its title names the issue, it is not the list
    text = "# Follow-up to #1: the proxy\n\n**GitHub:** #5\n\n## Status\n\nx\n"
    assert follow_ups_section(Document(None, text)) is None
    out = add_follow_up(text, 6, "../ISSUE-6/README.md", "child")
    assert out == text + "\n## Follow-ups\n\n- [#6](../ISSUE-6/README.md) — child\n"


def test_a_heading_only_starting_like_follow_ups_is_not_it():
    for heading in ["## Following the logs", "## Followership", "## Notes on follow-ups"]:
        assert follow_ups_section(Document(None, _parent(heading))) is None, heading
