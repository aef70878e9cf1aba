"""Every command's --help ends with two or three examples (after its options)."""

from __future__ import annotations

import pytest
from conftest import run_cli

from issue_flow.cli import COMMANDS

SUBCOMMANDS = [(name,) for name in COMMANDS] + [("ci", "record"), ("ci", "update")]


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=[" ".join(w) for w in SUBCOMMANDS])
def test_help_ends_with_examples(words):
    res = run_cli(*words, "--help")
    assert res.code == 0, res
    lines = [ln for ln in res.out.rstrip().split("\n")]
    k = max(i for i, ln in enumerate(lines) if ln.strip() == "Examples:")
    assert k > next(i for i, ln in enumerate(lines) if ln.startswith("Options:")), "examples come after the options"
    examples = [ln.strip() for ln in lines[k + 1 :] if ln.strip()]
    assert 2 <= len(examples) <= 3, examples
    assert all(e.startswith("issue-flow ") for e in examples), examples
