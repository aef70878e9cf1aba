"""Property: any sequence of ticks and unticks on a scaffolded folder keeps it consistent.

For every kind, starting from the folder ``new`` writes, a random sequence of ``check`` /
``check --undo`` (items named by label, by number or by a case-changed label; with or
without ``--note``; with ``--force`` or not) must leave: the checklist and the status table
in agreement, both equal to a simple model of what was ticked, refusals exactly where an
ordering constraint says so (and then nothing written), and ``lint`` clean.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KINDS = ["bug", "follow-up", "feature"]
ENV = {"GITHUB_REPOSITORY": None, "GITHUB_API_URL": None, "GITHUB_ACTIONS": None}


class Scaffold:
    """A scaffolded folder #2 (parent #1) of one kind, restorable to its first bytes."""

    def __init__(self, kind: str):
        from issue_flow.workflows.new import IssueData, plan_new
        from issue_flow.config import load_config

        self.tmp = tempfile.TemporaryDirectory(prefix=f"prop-{kind}-")
        self.root = Path(self.tmp.name)
        (self.root / ".git").mkdir()
        (self.root / ".issue-flow.toml").write_text('repository = "o/r"\n')
        (self.root / "docs/issues/ISSUE-1").mkdir(parents=True)
        (self.root / "docs/issues/ISSUE-1/README.md").write_text("# Issue #1: parent\n")
        self.cfg = load_config(self.root)
        plan, _ = plan_new(self.cfg, IssueData(number=2, title=f"a {kind}", kind=kind, parent=1))
        plan.apply()
        self.pristine = snapshot(self.root)
        folder = self.folder()
        from issue_flow.model import items as itemmod

        pool = itemmod.items(folder)
        self.criteria = [it for it in pool if it.kind == "criterion"]
        self.steps = [it for it in pool if it.kind == "step"]
        self.rules = itemmod.order_rules(folder)
        assert self.rules, "every built-in kind declares an ordering constraint"

    def folder(self):
        from issue_flow.model.issues import load_issue

        return load_issue(self.cfg, 2)

    def restore(self) -> None:
        for rel, data in self.pristine.items():
            (self.root / rel).write_bytes(data)


@pytest.fixture(scope="module")
def scaffolds():
    made = {kind: Scaffold(kind) for kind in KINDS}
    yield made
    for s in made.values():
        s.tmp.cleanup()


# Evidence notes: free text with the characters that matter in a table cell, plus the
# tricky cases spelled out (a pipe after an even run of backslashes must still be escaped).
notes = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("abc XYZ019.;:/|-–✅⬜*_`\\#")), min_size=0, max_size=20),
    st.sampled_from(["a\\\\|b", "\\", "x\\|y", "|", "`a|b`", "\\\\\\|", "N/A", "⬜ not yet", "✅"]),
)
ops = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),  # which item
        st.booleans(),  # tick (True) or untick
        st.sampled_from(["label", "number", "casefold"]),  # how the item is named
        notes,
        st.booleans(),  # --force
    ),
    min_size=1,
    max_size=12,
)


def _name(item, how: str) -> str:
    if item.kind == "step" or how == "number":
        return item.index
    label = item.criterion.label
    return label.casefold() if how == "casefold" else label


def _refused(rules, label_of, state, item_key, done) -> bool:
    for before, after in rules:
        if done and item_key == after and not state[before]:
            return True
        if not done and item_key == before and state[after]:
            return True
    return False


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_any_sequence_of_checks_keeps_the_folder_consistent(scaffolds, kind, sequence):
    from issue_flow.model import items as itemmod
    from issue_flow.workflows.check import plan_check
    from issue_flow.commands.lint import collect
    from issue_flow.errors import CheckFailed
    from issue_flow.model.document import norm

    s = scaffolds[kind]
    s.restore()
    everything = s.criteria + s.steps
    # model: criterion label (normalised) or step index -> done
    state = {norm(c.criterion.label): False for c in s.criteria}
    state.update({st_.index: False for st_ in s.steps})
    rules = [(norm(a), norm(b)) for a, b in s.rules]

    for pick, done, how, note, force in sequence:
        item = everything[pick % len(everything)]
        key = norm(item.criterion.label) if item.kind == "criterion" else item.index
        before = snapshot(s.root)
        refused = not force and item.kind == "criterion" and _refused(rules, None, state, key, done)
        try:
            plan, it, _changed, _entry = plan_check(s.cfg, 2, _name(item, how), done=done, note=note, force=force)
        except CheckFailed:
            assert refused, (key, done, state)
            assert snapshot(s.root) == before
            continue
        assert not refused, (key, done, state)
        assert it.index == item.index
        plan.apply(s.cfg.root)
        state[key] = done

        folder = s.folder()
        mode, pairs = folder.pairing
        assert mode == "label"
        assert folder.drift() == []
        table = folder.status_table
        for p in pairs:
            assert p.criterion is not None and p.row is not None
            assert p.criterion.checked == state[norm(p.criterion.label)]
            assert table.status(p.row).done == state[norm(p.criterion.label)]
        for step in [x for x in itemmod.items(folder) if x.kind == "step"]:
            assert step.row.ok
            assert step.done == state[step.index]
    assert collect(s.cfg, 2)["problems"] == []


def test_real_cli_runs_keep_lint_clean(scaffolds):
    s = scaffolds["follow-up"]
    s.restore()
    root = s.root
    runs = [
        ("check", "2", "Log excerpt"),
        ("check", "2", "2", "--note", "see ANALYSIS.md | capture-*.log"),
        ("check", "2", "1.1"),
        ("check", "2", "Follow up"),  # refused: the release is open
        ("check", "2", "patch release", "--note", "0.9.2 / 0.2.2"),
        ("check", "2", "Follow up"),
        ("check", "2", "Patch release", "--undo"),  # refused: the follow-up is done
        ("check", "2", "Patch release", "--undo", "--force"),
        ("check", "2", "Log excerpt", "--undo"),
        ("check", "2", "Close", "--force"),
    ]
    codes = []
    for args in runs:
        res = run_cli(*args, cwd=root, env=ENV)
        codes.append(res.code)
        lint = run_cli("lint", "2", cwd=root, env=ENV)
        assert lint.code == 0, (args, lint)
    assert codes == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    status = run_cli("status", "2", "--json", cwd=root, env=ENV)
    import json

    item = json.loads(status.out)["issues"][0]
    assert item["criteria"]["done"] == 3  # Analysis, Follow up, Close
    assert item["drift"] == []
