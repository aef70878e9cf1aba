"""The pure part of ``issue-flow sync``: pairing, the three-way merge, remote body edits, base files."""

from __future__ import annotations

import pytest

from issue_flow.workflows import sync_merge as syncing
from issue_flow.errors import IssueFlowError
from issue_flow.model.document import Document
from issue_flow.workflows.sync_merge import CONFLICT, LOCAL_ONLY, PULL, PUSH, REMOTE_ONLY, SAME, Box


def box(text: str, checked: bool = False) -> Box:
    doc = Document(None, f"- [{'x' if checked else ' '}] {text}\n")
    return Box.from_task(doc.tasks[0])


def actions(m: syncing.Merge) -> list[tuple[str, str]]:
    return [(it.name, it.action) for it in m.items]


# ------------------------------------------------------------------ boxes and pairing


def test_box_from_task_keeps_label_text_and_state():
    b = box("**Root cause identified** – message order captured", True)
    assert (b.label, b.checked, b.name) == ("Root cause identified", True, "Root cause identified")
    assert b.key == "label:root cause identified"
    plain = box("Fix the `race`.")
    assert (plain.label, plain.name, plain.key) == (None, "Fix the race.", "text:fix the race")


def test_pairing_by_label_when_both_sides_have_one():
    local = [box("**Tests** – red first"), box("**Fix** – green")]
    remote = [box("**Fix** – green (reworded by a human)"), box("**Tests** — in CI")]
    pairs = syncing.pair(local, remote)
    assert [(a, b) for a, b, _ in pairs] == [(0, 1), (1, 0)]
    assert [k for *_, k in pairs] == ["label:tests", "label:fix"]


def test_pairing_by_normalised_text_otherwise():
    local = [box("**Release**: patch release and publish"), box("Follow up with the consumer")]
    remote = [box("follow up with the *consumer*."), box("Release: patch release and publish")]
    pairs = syncing.pair(local, remote)
    assert [(a, b) for a, b, _ in pairs] == [(0, 1), (1, 0)]


def test_two_different_labels_never_pair_by_text():
    local = [box("**A B** c")]
    remote = [box("**A** B c")]
    assert [(a, b) for a, b, _ in syncing.pair(local, remote)] == [(0, None), (None, 0)]


def test_duplicates_pair_in_order_with_distinct_keys():
    local = [box("same", True), box("same", False)]
    remote = [box("same", True), box("same", False)]
    pairs = syncing.pair(local, remote)
    assert [(a, b) for a, b, _ in pairs] == [(0, 0), (1, 1)]
    assert len({k for *_, k in pairs}) == 2


# ------------------------------------------------------------------ merge


def test_merge_copies_one_side_changes_both_ways():
    base = {"text:a": False, "text:b": False, "text:c": True}
    local = [box("a", True), box("b"), box("c", True)]
    remote = [box("a"), box("b", True), box("c", True)]
    m = syncing.merge(local, remote, base)
    assert actions(m) == [("a", PUSH), ("b", PULL), ("c", SAME)]
    assert [it.name for it in m.pushes] == ["a"] and [it.name for it in m.pulls] == ["b"]
    assert m.conflicts == []
    assert m.new_base() == {"text:a": True, "text:b": True, "text:c": True}


def test_merge_both_sides_changed_to_the_same_value_is_fine():
    m = syncing.merge([box("a", True)], [box("a", True)], {"text:a": False})
    assert actions(m) == [("a", SAME)]
    assert m.new_base() == {"text:a": True}


def test_merge_without_base_differences_are_conflicts_unless_a_side_is_named():
    local = [box("a", True), box("b", True)]
    remote = [box("a"), box("b", True)]
    m = syncing.merge(local, remote, None)
    assert actions(m) == [("a", CONFLICT), ("b", SAME)]
    assert "ticked in the README" in m.conflicts[0].reason
    assert actions(syncing.merge(local, remote, None, prefer="local")) == [("a", PUSH), ("b", SAME)]
    assert actions(syncing.merge(local, remote, None, prefer="remote")) == [("a", PULL), ("b", SAME)]


def test_merge_item_new_on_both_sides_since_the_base_differently_is_a_conflict():
    base = {"text:old": True}
    m = syncing.merge([box("old", True), box("new", True)], [box("old", True), box("new")], base)
    assert actions(m) == [("old", SAME), ("new", CONFLICT)]
    assert "not in the last sync" in m.conflicts[0].reason


def test_prefer_applies_to_conflicts_only():
    base = {"text:a": False}
    m = syncing.merge([box("a")], [box("a", True)], base, prefer="local")
    assert actions(m) == [("a", PULL)]  # the remote change since the base is not a conflict


def test_merge_reports_one_sided_items_and_keeps_them_out_of_the_base():
    m = syncing.merge([box("a"), box("mine", True)], [box("a"), box("theirs")], {"text:a": False})
    assert actions(m) == [("a", SAME), ("mine", LOCAL_ONLY), ("theirs", REMOTE_ONLY)]
    assert [it.name for it in m.only_local] == ["mine"] and [it.name for it in m.only_remote] == ["theirs"]
    assert m.new_base() == {"text:a": False}


def test_base_found_under_the_other_key_when_a_label_appears_or_goes():
    # The last sync paired them by label; the bold was since removed on GitHub.
    m = syncing.merge([box("**Fix** it now", True)], [box("Fix it now")], {"label:fix": False})
    assert actions(m) == [("Fix", PUSH)]
    # The last sync paired them by text; both sides now carry the bold label.
    m = syncing.merge([box("**Fix** it now")], [box("**Fix** it now", True)], {"text:fix it now": False})
    assert actions(m) == [("Fix", PULL)]


# ------------------------------------------------------------------ remote body


BODY = (
    "Reported downstream.\r\n"
    "\r\n"
    "## Acceptance criteria\r\n"
    "\r\n"
    "- [ ] **Root cause** – found  \r\n"
    "- [x] **Fix** – with a test ✅️\r\n"
    "  - [ ] nested, not a criterion\r\n"
    "\r\n"
    "```md\r\n"
    "- [ ] inside a fence\r\n"
    "```\r\n"
    "<!--\r\n"
    "- [ ] inside a comment\r\n"
    "-->\r\n"
    "## Notes\r\n"
    "- [ ] a task outside the section"
)


def test_remote_tasks_are_the_top_level_tasks_of_the_criteria_section():
    tasks = syncing.remote_tasks(Document(None, BODY))
    assert [t.label for t in tasks] == ["Root cause", "Fix"]


def test_remote_tasks_without_a_criteria_heading_are_all_top_level_tasks():
    body = "- [ ] one\n  - [ ] sub\n- [x] two\n```\n- [ ] no\n```\n"
    assert [t.text for t in syncing.remote_tasks(Document(None, body))] == ["one", "two"]


def test_edit_body_changes_only_the_checkbox_characters():
    new = syncing.edit_body(BODY, {0: True, 1: False})
    assert new == BODY.replace("- [ ] **Root cause**", "- [x] **Root cause**").replace("- [x] **Fix**", "- [ ] **Fix**")
    assert len(new) == len(BODY) and new.count("\r\n") == BODY.count("\r\n")
    assert syncing.edit_body(BODY, {1: True}) == BODY  # already so


def test_edit_body_keeps_an_uppercase_x_when_nothing_changes():
    body = "- [X] done\r\n- [ ] open"
    assert syncing.edit_body(body, {0: True, 1: True}) == "- [X] done\r\n- [x] open"


def test_describe_changes():
    base = {"text:a": False, "label:b": True}
    m = syncing.merge([box("a", True), box("**B** b")], [box("a"), box("**B** b", True)], base)
    assert syncing.describe(m.pushes) == "tick 'a', untick 'B'"


# ------------------------------------------------------------------ base files


def test_base_round_trip_is_deterministic():
    data = syncing.dump_base(7, {"label:fix": True, "text:a b": False})
    assert data.endswith(b"\n")
    assert syncing.load_base(data, "ISSUE-7.json") == {"label:fix": True, "text:a b": False}
    assert syncing.dump_base(7, syncing.load_base(data, "x")) == data


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[]", b'{"items": []}', b'{"items": {"a": "yes"}}', b"\xff\xfe", b'{"version": 99, "items": {}}'],
)
def test_a_malformed_base_is_an_error_naming_the_file(data):
    with pytest.raises(IssueFlowError, match="ISSUE-7.json"):
        syncing.load_base(data, ".issue-flow/sync/ISSUE-7.json")
