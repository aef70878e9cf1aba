"""How ``status`` prints: a table that fits the terminal, a summary line, a tree, one issue.

The list is one row per issue with aligned columns — number, tasks done/total, a bar when
the terminal is wide enough, flags (drift, parent), and the title cut with ``…`` to the
width (``COLUMNS`` honoured, as ``shutil.get_terminal_size`` reads it). Colour only on a
terminal and never with ``NO_COLOR``. Skipped entries fold into one line unless
``--verbose``. ``status N`` reads like ``gh issue view``: the title, the counts, each
document's open items with their addresses, and the drift.

Text only (no click, no file): it stays with the command because what it decides — the
terminal's width, colour or not, ``NO_COLOR`` — is about the terminal the command prints
to; the data it formats, and its filters, are :mod:`issue_flow.workflows.status`'s.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from typing import Callable

BAR_MIN_WIDTH = 100  # terminals narrower than this get no progress bar
BAR = 10


def width() -> int:
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def use_colour(stream_is_tty: bool) -> bool:
    return stream_is_tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def cells(text: str) -> int:
    """Terminal columns of ``text`` (wide characters take two)."""
    if text.isascii():  # every ASCII character is one column (most titles): no loop
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def cut(text: str, room: int) -> str:
    """``text`` cut to ``room`` columns, ending in … when cut."""
    if cells(text) <= room:
        return text
    out, used = "", 0
    for ch in text:
        w = cells(ch)
        if used + w > room - 1:
            break
        out += ch
        used += w
    return out.rstrip() + "…"


def _paint(on: bool) -> Callable[[str, str], str]:
    codes = {"green": "32", "yellow": "33", "red": "31", "dim": "2", "bold": "1"}

    def paint(text: str, colour: str) -> str:
        return f"\x1b[{codes[colour]}m{text}\x1b[0m" if on and text else text

    return paint


def _bar(done: int, total: int) -> str:
    if not total:
        return " " * BAR
    full = round(BAR * done / total)
    return "█" * full + "░" * (BAR - full)


def summary_line(data: dict) -> str:
    issues = data["issues"]
    open_items = sum(i["tasks"]["total"] - i["tasks"]["done"] for i in issues)
    drift = sum(1 for i in issues if i["drift"] or i.get("unpaired"))
    empty = sum(1 for i in issues if not i["tasks"]["total"])
    return f"{len(issues)} issues · {open_items} open items · {drift} drift · {empty} without items"


def _flags(it: dict) -> str:
    flags = []
    n = len(it["drift"]) + len(it.get("unpaired", []))
    if n:
        flags.append(f"drift {n}")
    if it["parent"]:
        flags.append(f"↑#{it['parent']}")
    if it["children"]:
        flags.append("↓" + ",".join(f"#{c}" for c in it["children"][:3]) + ("…" if len(it["children"]) > 3 else ""))
    return " ".join(flags)


def render_list(data: dict, *, columns: int, colour: bool, verbose: bool = False, tree: bool = False) -> str:
    paint = _paint(colour)
    issues = data["issues"]
    lines: list[str] = []
    if not issues:
        lines.append("no issues found")
    else:
        order: list[tuple[int, dict]] = []
        if tree:
            by_number = {i["number"]: i for i in issues}
            roots = [i for i in issues if not i["parent"] or i["parent"] not in by_number or i["parent"] == i["number"]]
            seen: set[int] = set()

            def walk(it: dict, depth: int) -> None:
                if it["number"] in seen:
                    return
                seen.add(it["number"])
                order.append((depth, it))
                for c in it["children"]:
                    if c in by_number:
                        walk(by_number[c], depth + 1)

            for r in roots:
                walk(r, 0)
            order += [(0, i) for i in issues if i["number"] not in seen]
        else:
            order = [(0, i) for i in issues]
        num_w = max(len(f"{'  ' * d}#{i['number']}") for d, i in order)
        tasks_w = max(len(f"{i['tasks']['done']}/{i['tasks']['total']}") for _, i in order)
        flags = {i["number"]: _flags(i) for _, i in order}
        flags_w = min(max((cells(f) for f in flags.values()), default=0), 24)
        with_bar = columns >= BAR_MIN_WIDTH
        for depth, it in order:
            t = it["tasks"]
            num = f"{'  ' * depth}#{it['number']}".ljust(num_w)
            tasks = f"{t['done']}/{t['total']}".rjust(tasks_w)
            colour_of = "dim" if not t["total"] else "green" if t["done"] == t["total"] else "yellow"
            parts = [paint(num, "bold"), paint(tasks, colour_of)]
            if with_bar:
                parts.append(paint(_bar(t["done"], t["total"]), colour_of))
            if flags_w:
                f = cut(flags[it["number"]], flags_w)
                f += " " * (flags_w - cells(f))
                parts.append(paint(f, "red") if "drift" in f else f)
            used = sum(cells(p) for p in [num, tasks]) + (BAR if with_bar else 0) + (flags_w if flags_w else 0)
            used += 2 * (len(parts))
            parts.append(cut(it["title"] or it["path"], max(8, columns - used)))
            lines.append("  ".join(parts).rstrip())
    skipped = data.get("skipped", [])
    unreadable = [s for s in skipped if s.get("error")]
    if unreadable and not verbose:  # a document that cannot be read is always shown
        lines += [paint(f"cannot read {s['path']}: {s['reason']}", "red") for s in unreadable]
        skipped = [s for s in skipped if not s.get("error")]
    if skipped:
        if verbose:
            lines.append(f"skipped {len(skipped)}:")
            lines += [cut(f"  {s['path']}: {s['reason']}", columns) for s in skipped]
        else:
            lines.append(paint(f"skipped {len(skipped)} {'entry' if len(skipped) == 1 else 'entries'} (--verbose lists them)", "dim"))
    if issues:
        lines.append(summary_line(data))
    return "\n".join(lines)


def render_one(it: dict, *, columns: int, colour: bool) -> str:
    """One issue, the way ``gh issue view`` shows one."""
    paint = _paint(colour)
    t, c, p = it["tasks"], it["criteria"], it["phases"]
    lines = [paint(cut(f"#{it['number']} {it['title']}", columns), "bold"), it["path"]]
    facts = [f"tasks {t['done']}/{t['total']}"]
    if c["total"]:
        facts.append(f"criteria {c['done']}/{c['total']}")
    if it["pairing"] != "none":
        facts.append(f"paired by {it['pairing']} with {it['status_rows']} rows")
    if p["total"]:
        facts.append(f"phases {p['done']}/{p['total']}")
    if it["parent"]:
        facts.append(f"parent #{it['parent']}")
    if it["children"]:
        facts.append("children " + ", ".join(f"#{n}" for n in it["children"]))
    lines.append(" · ".join(facts))
    for msg in it["drift"] + it.get("unpaired", []):
        lines.append(paint(cut(f"drift: {msg}", columns), "red"))
    open_by_doc: dict[str, list[dict]] = {}
    for o in it.get("open_items", []):
        open_by_doc.setdefault(o["address"].split("#", 1)[0].rsplit(":", 1)[0], []).append(o)
    for doc in it["documents"]:
        dt = doc["tasks"]
        if not dt["total"]:
            continue
        name = doc["path"].rsplit("/", 1)[-1]
        lines.append("")
        lines.append(paint(f"{doc['path']}  {dt['done']}/{dt['total']}", "bold"))
        items = open_by_doc.get(name, [])
        if not items:
            lines.append(paint("  nothing open", "green"))
        addr_w = max((len(o["address"]) for o in items), default=0)  # addresses are never cut
        for o in items:
            addr = o["address"].ljust(addr_w)
            lines.append(f"  ☐ {paint(addr, 'dim')}  {cut(o['name'], max(10, columns - addr_w - 6))}".rstrip())
    return "\n".join(lines)
