"""Generate a realistic ``docs/issues`` tree of N issue folders, for the scale benchmarks.

Run on its own: ``python benchmarks/gentree.py N DIR`` (writes ``DIR/.issue-flow.toml`` and
``DIR/docs/issues/``). ``benchmarks/run.py`` uses :func:`generate`.

The folders look like the corpus (``../shared/corpus/dg_react_agent/docs/issues``), at
about its sizes (README 3–5 KB, TRACKING 4–6 KB, ANALYSIS 2–4 KB): a README with a title,
GitHub and sometimes Parent header lines, a summary, 4–8 acceptance criteria with bold
labels, a status table mirroring them (some by position with reworded labels, a few
drifted), a Follow-ups list on parents (a few children not linked back), a docs list with
links (a few dead); a TRACKING with five (bug) or three (follow-up) phases of
``| Step | Status |`` tables with evidence, a code fence holding task-like lines, an
HTML comment; an ANALYSIS with a log excerpt in a fence and links to other folders.
Text carries what real files carry: em and en dashes, ✅/⬜ markers, emoji with U+FE0F,
trailing spaces and two-space hard breaks.

Of every 100 folders, a few are odd, as in a real tree: a folder naming two issues
(``ISSUE-a-b``), one naming four (``ISSUES-a-b-c-d``), one without README, one that repeats
an earlier number (``ISSUE-n-notes``), one with a slug (``ISSUE-n-session-race``), and five
nested under an epic folder (``epic-e/ISSUE-m``, the epic with its own README). Every 50th
folder also leaves a loose ``ISSUE-n-NOTES.md`` beside the folders. The tree depends only on
N (a fixed seed), so runs compare.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

FIRST = 1000  # issue numbers are FIRST + index

WORDS = (
    "session.update response.create proxy component backend consumer settings handshake "
    "reconnect transcript latency buffer audio agent function-call timeout idle keepalive "
    "websocket upstream mock integration regression release lockfile manifest"
).split()
LABELS = [
    "Root cause identified",
    "Fix implemented",
    "Tests added",
    "No regression",
    "Docs updated",
    "Patch release",
    "Follow up with the consumer",
    "Issue closed",
]
BUG_PHASES = ["Investigate", "Tests (TDD red)", "Implement (TDD green)", "Validate and document", "Close"]
FOLLOW_UP_PHASES = ["Get log and analyse", "Fix and test", "Release and follow-up"]
EVIDENCE = [
    "Lint passed. test:mock passed (96 suites, 922 tests).",
    "PR merged; see [ANALYSIS.md](./ANALYSIS.md)",
    "proxy-integration 40 tests",
    "`server.ts` gated on `responseInProgress`",
    "Confirmed red: `expect(sessionUpdateAfterResponse).toBe(false)` — received true",
    "released in 0.9.2 / 0.2.2",
    "",
]


def _sentence(rnd: random.Random, n: int = 14) -> str:
    words = [rnd.choice(WORDS) for _ in range(n)]
    words[rnd.randrange(n)] = f"`{rnd.choice(WORDS)}`"
    words[rnd.randrange(n)] = f"**{rnd.choice(WORDS)}**"
    return " ".join(words).capitalize() + rnd.choice([".", " — see below.", " (tracked here).", " ✅."])


def _title(rnd: random.Random) -> str:
    return f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} → {rnd.choice(WORDS)} {rnd.choice(WORDS)} ({rnd.choice(WORDS)})"


def _plan(n: int) -> list[dict]:
    """One entry per folder: its relative path, number, kind of oddity, parent."""
    plan = []
    for i in range(n):
        num, k = FIRST + i, i % 100
        block_epic = FIRST + n + i // 100  # epic numbers sit above every issue number
        entry = {"num": num, "odd": None, "rel": f"ISSUE-{num}", "parent": None}
        if k == 17:
            entry.update(odd="multi", rel=f"ISSUE-{num}-{num + 3}")
        elif k == 33:
            entry.update(odd="multi", rel=f"ISSUES-{num}-{num - 7}-{num - 12}-{num - 20}")
        elif k == 51:
            entry.update(odd="noreadme")
        elif k == 71:
            entry.update(odd="dup", num=num - 1, rel=f"ISSUE-{num - 1}-notes")
        elif k == 5:
            entry.update(rel=f"ISSUE-{num}-session-race")
        elif 80 <= k < 85:
            entry.update(rel=f"epic-{block_epic}/ISSUE-{num}", parent=block_epic)
        if entry["parent"] is None and i % 5 == 4 and (i - 3) % 100 not in (17, 33, 51, 71):
            entry["parent"] = num - 3  # a follow-up of an earlier issue
        plan.append(entry)
    return plan


def _readme(rnd: random.Random, e: dict, title: str, children: list[tuple[int, str, str]]) -> str:
    num = e["num"]
    follow_up = e["parent"] is not None
    lines = [f"# Issue #{num}: {title}", ""]
    lines.append(f"**GitHub:** [#{num} {title}](https://github.com/acme/widgets/issues/{num})" + ("  " if follow_up else ""))
    if follow_up:
        p = e["parent"]
        lines.append(f"**Parent:** [#{p}](https://github.com/acme/widgets/issues/{p}) — the original report")
    lines += ["", "---", "", "## Summary", ""]
    for _ in range(rnd.randint(2, 3)):
        lines += [" ".join(_sentence(rnd) for _ in range(rnd.randint(2, 4))), ""]
    lines += ["---", "", "## Context", ""]
    for _ in range(rnd.randint(2, 4)):
        lines.append(f"- **{rnd.choice(WORDS)}:** {_sentence(rnd, 10)}")
    lines += ["", "---", "", "## Acceptance criteria", ""]
    count = rnd.randint(4, 8)
    labels = LABELS[:count]
    states = [rnd.random() < 0.6 for _ in labels]
    for j, (label, done) in enumerate(zip(labels, states)):
        lines.append(f"- [{'x' if done else ' '}] **{label}** – {_sentence(rnd, 9)}")
        if j == 1 and rnd.random() < 0.3:
            lines.append(f"  - [ ] {_sentence(rnd, 6)} (nested, not a criterion)")
    lines += ["", "---", "", "## Status", "", "| Criterion | Status |", "|-----------|--------|"]
    reworded = rnd.random() < 0.3  # pairs by position, as ISSUE-462 does
    for j, (label, done) in enumerate(zip(labels, states)):
        if rnd.random() < 0.02:
            done = not done  # drift
        name = f"{label.split()[0]} ({j + 1})" if reworded else label
        marker = "✅" if done else "⬜"
        ev = rnd.choice(EVIDENCE) if done else ""
        lines.append(f"| {name} | {marker} {ev}".rstrip() + " |")
    if children:
        lines += ["", "---", "", "## Follow-ups", ""]
        for c, rel, ctitle in children:
            lines.append(f"- [#{c}]({rel}) — {ctitle}")
    lines += ["", "---", "", "## Docs in this folder", ""]
    lines.append("- **[TRACKING.md](./TRACKING.md)** – Step-by-step tracking (phases, evidence).")
    lines.append("- **[ANALYSIS.md](./ANALYSIS.md)** – Log capture, message order, root-cause hypothesis.")
    if rnd.random() < 0.03:
        lines.append(f"- [CAPTURE-{num}.md](./CAPTURE-{num}.md) – the raw capture (not committed)")  # dead link
    return "\n".join(lines) + "\n"


def _tracking(rnd: random.Random, e: dict, title: str) -> str:
    num = e["num"]
    phases = FOLLOW_UP_PHASES if e["parent"] is not None else BUG_PHASES
    lines = [f"# Issue #{num} – Tracking: {title}", ""]
    lines += [
        "Use this checklist to drive the fix to completion. **Update this file and [README.md](./README.md)** as each step is completed.  ",
        "",
        f"**GitHub:** [#{num}](https://github.com/acme/widgets/issues/{num})",
        "",
        "---",
        "",
        "## TDD workflow (mandatory order)",
        "",
        "1. **RED** – Write or adjust tests that define the desired behavior *before* implementation.",
        "2. **GREEN** – Implement the minimum change so those tests **pass**.",
        "3. **REFACTOR** – Improve code while keeping all tests green.",
        "",
        "```md",
        "- [ ] not a task: an example inside a fence",
        "| Step | Status |",
        "```",
        "",
        "<!-- - [x] not a task either: inside an HTML comment -->",
        "",
    ]
    done_until = rnd.randint(0, len(phases))
    for k, name in enumerate(phases, 1):
        lines += ["---", "", f"## Phase {k} – {name}", ""]
        if rnd.random() < 0.5:
            lines += [f"**Goal:** {_sentence(rnd, 12)}", ""]
        lines += ["| Step | Status |", "|------|--------|"]
        for _ in range(rnd.randint(3, 6)):
            done = k <= done_until
            ev = rnd.choice(EVIDENCE) if done else ""
            lines.append(f"| {_sentence(rnd, 8)} | {'✅' if done else '⬜'} {ev}".rstrip() + " |")
        lines.append("")
    return "\n".join(lines)  # no final newline after the last blank line: one file in the corpus lacks one


def _analysis(rnd: random.Random, e: dict, others: list[str]) -> str:
    num = e["num"]
    lines = [f"# Issue #{num} – Analysis", "", "## Log capture method", "", _sentence(rnd, 16), ""]
    lines += ["## Message order (excerpt)", "", "```text"]
    for t in range(rnd.randint(8, 20)):
        lines.append(f"12:00:{t:02d}.{rnd.randint(0, 999):03d} proxy → upstream {rnd.choice(WORDS)} id=evt_{rnd.randint(1000, 9999)}")
    lines += ["```", "", "## Root-cause hypothesis", ""]
    for _ in range(rnd.randint(1, 3)):
        lines += [" ".join(_sentence(rnd) for _ in range(3)), ""]
    lines += ["## See also", ""]
    for rel in others:
        lines.append(f"- [{rel}]({rel})")
    lines.append("- [README.md](./README.md) ⚠️ keep in step")
    return "\n".join(lines) + "\n"


def generate(n: int, root: Path) -> dict:
    """Write ``root/.issue-flow.toml`` and ``root/docs/issues`` with n folders; return counts."""
    rnd = random.Random(20260217 + n)
    docs = root / "docs" / "issues"
    docs.mkdir(parents=True, exist_ok=True)
    (root / ".issue-flow.toml").write_text('repository = "acme/widgets"\n', encoding="utf-8")
    plan = _plan(n)
    by_num = {e["num"]: e for e in plan if e["odd"] is None}
    titles = {e["num"]: _title(rnd) for e in plan}
    children: dict[int, list[tuple[int, str, str]]] = {}
    for e in plan:
        p = e["parent"]
        if p in by_num and e["odd"] is None and e["num"] % 7:  # every 7th child is not linked back
            depth_up = "../" * (1 + by_num[p]["rel"].count("/"))
            children.setdefault(p, []).append((e["num"], f"{depth_up}{e['rel']}/README.md", titles[e["num"]]))
    epics = sorted({e["parent"] for e in plan if e["rel"].startswith("epic-")})
    for ep in epics:
        folder = docs / f"epic-{ep}"
        folder.mkdir(parents=True, exist_ok=True)
        e = {"num": ep, "parent": None}
        (folder / "README.md").write_text(_readme(rnd, e, f"Epic: {_title(rnd)}", children.get(ep, [])), encoding="utf-8")
        (folder / "TRACKING.md").write_text(_tracking(rnd, e, "epic"), encoding="utf-8")
        (folder / "ANALYSIS.md").write_text(_analysis(rnd, e, []), encoding="utf-8")
    counts = {"folders": 0, "odd": 0, "loose": 0, "files": 3 * len(epics)}
    for i, e in enumerate(plan):
        folder = docs / e["rel"]
        folder.mkdir(parents=True, exist_ok=True)
        counts["folders"] += 1
        counts["odd"] += e["odd"] is not None
        title = titles[e["num"]]
        up = "../" * (1 + e["rel"].count("/"))
        others = [f"{up}{plan[(i * 7 + 3) % n]['rel']}/README.md"]
        if e["odd"] != "noreadme":
            (folder / "README.md").write_text(_readme(rnd, e, title, children.get(e["num"], [])), encoding="utf-8")
            counts["files"] += 1
        else:
            (folder / "notes.md").write_text(f"# Notes for #{e['num']}\n\n{_sentence(rnd)}\n", encoding="utf-8")
        (folder / "TRACKING.md").write_text(_tracking(rnd, e, title), encoding="utf-8")
        (folder / "ANALYSIS.md").write_text(_analysis(rnd, e, others), encoding="utf-8")
        counts["files"] += 3 if e["odd"] == "noreadme" else 2
        if i % 50 == 7:
            (docs / f"ISSUE-{e['num']}-NOTES.md").write_text(f"# ISSUE-{e['num']} notes\n\n{_sentence(rnd)}\n", encoding="utf-8")
            counts["loose"] += 1
            counts["files"] += 1
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python benchmarks/gentree.py N DIR")
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))


# --------------------------------------------------------------------------- from the corpus

_NAME_NUMBERS = None


def _renumber(name: str, offset: int) -> str:
    """``ISSUE-459`` → ``ISSUE-10459`` (every number of an issue or epic name, + offset)."""
    import re

    global _NAME_NUMBERS
    if _NAME_NUMBERS is None:
        _NAME_NUMBERS = re.compile(r"^(ISSUES?|epic)((?:-\d+)+)(.*)$", re.IGNORECASE)
    if not offset:
        return name
    m = _NAME_NUMBERS.match(name)
    if not m:
        return name
    nums = "".join(f"-{int(x) + offset}" for x in m.group(2).split("-")[1:])
    return f"{m.group(1)}{nums}{m.group(3)}"


def from_corpus(n: int, root: Path, corpus: Path, renumber: bool = True) -> dict:
    """Write ``root/docs/issues`` from copies of the corpus's ``docs/issues`` until it holds
    ``n`` issue folders (the last copy partial), each copy in a plain folder ``copy-K``.

    With ``renumber`` (the default) copy K adds 10,000 × K to every issue number in the
    names (``copy-2/ISSUE-20459``), so the tree holds n distinct issues, as a real tree
    does; without, every copy repeats the corpus's numbers (each issue gains the copies'
    documents). File contents are the corpus's bytes, unchanged: each copy carries the
    corpus's links (its dead ones too) and its header lines (which then name the corpus
    numbers).
    """
    import os
    import shutil

    src = corpus / "docs" / "issues"
    entries = sorted(os.listdir(src))
    dirs = [e for e in entries if (src / e).is_dir()]
    loose = [e for e in entries if not (src / e).is_dir()]

    def issue_dirs(p: Path) -> int:
        return sum(1 for d, subs, _ in os.walk(p) for s in subs if _NAME_NUMBERS_OK(s))

    per_copy = issue_dirs(src)
    docs = root / "docs" / "issues"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    root.joinpath(".issue-flow.toml").write_text('repository = "Signal-Meaning/dg_react_agent"\n', encoding="utf-8")
    counts = {"folders": 0, "files": 0, "bytes": 0, "copies": 0}
    k = 0
    while counts["folders"] < n:
        offset = 10000 * (k + 1) if renumber else 0
        dest = docs / f"copy-{k + 1:03d}"
        dest.mkdir()
        want = n - counts["folders"]
        take = dirs if want >= per_copy else dirs[:want]
        names = take + (loose if want >= per_copy else loose[: max(1, len(loose) * want // per_copy)])
        for name in names:
            s = src / name
            d = dest / _renumber(name, offset)
            if s.is_dir():
                for base, subs, files in os.walk(s):
                    rel = Path(base).relative_to(s)
                    out = d.joinpath(*[_renumber(p, offset) for p in rel.parts])
                    out.mkdir(parents=True, exist_ok=True)
                    counts["folders"] += _NAME_NUMBERS_OK(Path(base).name)
                    for f in files:
                        data = (Path(base) / f).read_bytes()
                        (out / _renumber(f, offset)).write_bytes(data)
                        counts["files"] += 1
                        counts["bytes"] += len(data)
            else:
                data = s.read_bytes()
                d.write_bytes(data)
                counts["files"] += 1
                counts["bytes"] += len(data)
        k += 1
    counts["copies"] = k
    return counts


def _NAME_NUMBERS_OK(name: str) -> bool:  # noqa: N802
    _renumber("ISSUE-1", 1)  # compiles the pattern
    return bool(_NAME_NUMBERS.match(name)) and any(ch.isdigit() for ch in name)
