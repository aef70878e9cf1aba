"""``check N ITEM``: the plan that ticks one item everywhere it is written, and ``--undo``.

A criterion's checklist line and its status-table row change together in one atomic
write; any other task or row changes alone. ``--note`` becomes the row's evidence text
(replacing what it said). Ordering constraints declared by the templates are enforced
unless ``force``.

An undo right after a tick of the same item restores the exact bytes the tick replaced
(the last tick is remembered in ``.git/issue-flow/last-check.json``, outside the work
tree, by :func:`write_journal`), so tick-then-undo is a no-op even when the tick repaired
drift or rewrote a status word. Otherwise an undo unticks the item.
"""

from __future__ import annotations

import json

JOURNAL = "last-check.json"


def _journal_path(cfg):
    from issue_flow.model.summaries import cache_path

    return cache_path(cfg.root, JOURNAL)


def _read_journal(cfg) -> dict | None:
    path = _journal_path(cfg)
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("lines"), list) else None


def write_journal(cfg, data: dict | None) -> None:
    from issue_flow import fsutil

    path = _journal_path(cfg)
    if path is None:
        return
    try:
        if data is None:
            path.unlink(missing_ok=True)
        else:
            fsutil.atomic_write(path, json.dumps(data).encode())
    except Exception:  # noqa: BLE001 - a journal that cannot be written only costs --undo its exactness
        pass


def _restore(folder, item, journal: dict) -> bool:
    """Put back the lines the last tick of ``item`` replaced, if they are still as it left them."""
    if journal.get("issue") != folder.number or journal.get("address") != item.address:
        return False
    docs = {}
    for entry in journal["lines"]:
        if not isinstance(entry, dict):
            return False
        path = folder.cfg.root / str(entry.get("path"))
        doc = next((d for d in (folder.load(p) for p in folder.files) if d.path == path), None)
        line, before, after = entry.get("line"), entry.get("before"), entry.get("after")
        if doc is None or not isinstance(line, int) or not isinstance(before, str) or not 0 <= line < len(doc.lines):
            return False
        if doc.lines[line] != after:
            return False
        docs[(path, line)] = (doc, before)
    for (_path, line), (doc, before) in docs.items():
        doc.lines[line] = before
    return True


def plan_check(cfg, number: int, query: str, *, done: bool, note: str | None, force: bool):
    """Build the plan for one tick. Returns (plan, item, changed-parts, journal entry).

    The journal entry (None when nothing is worth remembering) goes to :func:`write_journal`
    once the plan is applied."""
    from issue_flow.model import items as itemmod
    from issue_flow.model.document import split_lines
    from issue_flow.model.issues import load_issue
    from issue_flow.plan import Plan

    folder = load_issue(cfg, number)
    pool = itemmod.items(folder)
    item = itemmod.resolve(folder, query, pool, want=done)
    if not force:
        itemmod.check_order(folder, item, done, pool)
    old_evidence = None
    if note is not None and item.row is not None and item.table is not None and item.done:
        old_evidence = item.table.status(item.row).evidence
    journal = _read_journal(cfg) if not done and note is None else None
    if journal is not None and _restore(folder, item, journal):
        changed = ["restored"]
    else:
        changed = itemmod.tick(item, done, note)
    plan = Plan()
    entry = {"issue": number, "address": item.address, "lines": []}
    for doc in folder.documents:
        if doc.changed:
            plan.write(doc.path, doc.original_bytes, doc.to_bytes(), f"{'tick' if done else 'untick'} {item.describe()}")
            old = doc.original_bytes.decode("utf-8")
            for k, (a, b) in enumerate(zip(split_lines(old), doc.lines)):
                if a != b:
                    entry["lines"].append({"path": doc.path.relative_to(cfg.root).as_posix(), "line": k, "before": a, "after": b})
    if item.kind == "criterion" and item.row is None and folder.status_table is not None:
        plan.note(f"note: {item.describe()} has no paired status row; only the checklist changes")
    if old_evidence:
        plan.note(f"note: --note replaces the evidence of {item.describe()} (it said: {old_evidence[:80]})")
    return plan, item, changed, (entry if done and entry["lines"] else None)
