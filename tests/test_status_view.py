"""``status`` as people read it: fits the terminal, colour only on a terminal, filters, tree."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from issue_flow.commands.status_view import cells, cut

SNAPSHOTS = Path(__file__).parent / "snapshots"
ESC = re.compile(r"\x1b\[")


def status(corpus: Path, *args: str, columns: int = 80, env: dict | None = None):
    return run_cli("-C", str(corpus), "status", *args, env={"COLUMNS": str(columns), **(env or {})})


@pytest.mark.parametrize("columns", [80, 160])
def test_status_of_the_corpus_fits_the_width_and_matches_its_snapshot(corpus, columns):
    res = status(corpus, columns=columns)
    assert res.code == 0, res
    lines = res.out.rstrip("\n").split("\n")
    assert all(cells(line) <= columns for line in lines), [l for l in lines if cells(l) > columns]
    data = json.loads(status(corpus, "--json").out)
    shown = {int(m.group(1)) for line in lines if (m := re.match(r"#(\d+)", line))}
    assert shown == {i["number"] for i in data["issues"]}
    assert lines[-1] == (
        f"{len(data['issues'])} issues · "
        f"{sum(i['tasks']['total'] - i['tasks']['done'] for i in data['issues'])} open items · "
        f"{sum(1 for i in data['issues'] if i['drift'] or i['unpaired'])} drift · "
        f"{sum(1 for i in data['issues'] if not i['tasks']['total'])} without items"
    )
    assert lines[-2] == "skipped 1 entry (--verbose lists them)"
    # columns aligned: the title column starts at the same place on every row
    starts = {len(re.match(r"#\d+\s+\d+/\d+\s+(?:[█░ ]{10}\s+)?(?:\S.*?\s{2,})?", l).group(0)) for l in lines if l.startswith("#") and "↑" not in l and "↓" not in l}
    assert len(starts) == 1
    assert res.out == (SNAPSHOTS / f"status-{columns}.txt").read_text(encoding="utf-8")


def test_no_escape_codes_off_a_terminal_or_with_no_color(corpus):
    assert not ESC.search(status(corpus).out)
    assert not ESC.search(status(corpus, "--json").out)


def _on_a_terminal(corpus: Path, env: dict) -> str:
    master, slave = pty.openpty()
    full = dict(os.environ, COLUMNS="100", **env)
    p = subprocess.Popen([sys.executable, "-m", "issue_flow", "-C", str(corpus), "status"], stdout=slave, stderr=slave, env=full)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_unless_no_color(corpus):
    env = {k: v for k, v in os.environ.items() if k == "NO_COLOR"}
    os.environ.pop("NO_COLOR", None)
    try:
        assert ESC.search(_on_a_terminal(corpus, {"TERM": "xterm"}))
        assert not ESC.search(_on_a_terminal(corpus, {"TERM": "xterm", "NO_COLOR": "1"}))
    finally:
        os.environ.update(env)


def test_verbose_lists_skipped_entries(corpus):
    out = status(corpus, "--verbose").out
    assert "docs/issues/ISSUE-package-distribution.md: names no issue number" in out


def test_filters(corpus):
    data = json.loads(status(corpus, "--open", "--json").out)
    assert data["issues"] and all(i["tasks"]["done"] < i["tasks"]["total"] for i in data["issues"])
    data = json.loads(status(corpus, "--parent", "459", "--json").out)
    assert [i["number"] for i in data["issues"]] == [462]
    data = json.loads(status(corpus, "--label", "proxy-mode", "--json").out)
    assert data["issues"] and all("proxy-mode" in [x.lower() for x in i["labels"]] for i in data["issues"])
    data = json.loads(status(corpus, "--drift", "--json").out)
    assert all(i["drift"] or i["unpaired"] for i in data["issues"])


def test_tree_puts_children_under_their_parent(corpus):
    lines = status(corpus, "--tree", columns=120).out.split("\n")
    k = next(i for i, l in enumerate(lines) if l.startswith("#459 "))
    assert lines[k + 1].startswith("  #462 ")


def test_one_issue_lists_open_items_per_document_with_addresses(corpus):
    res = status(corpus, "462", columns=100)
    assert res.code == 0, res
    out = res.out
    assert out.startswith("#462 ")
    assert "docs/issues/ISSUE-462/README.md  8/14" in out
    assert "☐ README.md#acceptance-criteria:5  Release: Patch release" in out
    assert "☐ TRACKING.md#phase-3--release-and-follow-up:1" in out


def test_cut_marks_what_it_cuts():
    assert cut("abcdef", 4) == "abc…"
    assert cut("abc", 4) == "abc"
    assert cells(cut("✅✅✅✅", 5)) <= 5


def test_columns_of_ascii_wide_and_combining_text():
    from issue_flow.commands.status_view import cells

    assert cells("Issue #459: plain words") == 23
    assert cells("\t~ ASCII controls count one") == 27
    assert cells("日本") == 4 and cells("e\u0301") == 1 and cells("✅ done") == 7
