"""Items of an issue folder that can be ticked: criteria (README) and steps (TRACKING).

An item is named by its number (``3`` is the third criterion, ``2.1`` the first step of
the second phase), by its label (a criterion's bold label or its status row's first
cell, a step's first cell), or by a unique prefix of its text. When a name fits both a
criterion and steps, the criterion wins if it is the only criterion that fits; any other
ambiguity is an error that lists the candidates.

Ordering constraints are declared in the README as hidden comments, written by the
templates::

    <!-- issue-flow: order "Patch release" before "Follow up" -->

meaning the second item may not be ticked while the first is open (and the first may
not be unticked while the second is done).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from issue_flow.errors import CheckFailed, IssueFlowError
from issue_flow.model.issues import IssueFolder
from issue_flow.model.document import Document, Row, Table, Task, norm

_ORDER = re.compile(r'<!--\s*issue-flow:\s*order\s+"([^"]+)"\s+before\s+"([^"]+)"\s*-->')


@dataclass
class Item:
    kind: str  # criterion | step
    index: str
    name: str
    names: list[str]  # normalised names it answers to
    criterion: Task | None = None
    row: Row | None = None
    table: Table | None = None
    doc: Document | None = None  # the document holding the row (README or TRACKING)
    phase: str | None = None

    @property
    def done(self) -> bool | None:
        if self.criterion is not None:
            return self.criterion.checked
        if self.row is not None and self.table is not None:
            return self.table.status(self.row).done
        return None

    def describe(self) -> str:
        where = f"step {self.index}" if self.kind == "step" else f"criterion {self.index}"
        return f"{where} '{self.name[:70]}'"


def items(folder: IssueFolder) -> list[Item]:
    out: list[Item] = []
    mode, pairs = folder.pairing
    row_of = {id(p.criterion): p.row for p in pairs if p.criterion is not None}
    for k, c in enumerate(folder.criteria, 1):
        row = row_of.get(id(c))
        names = [norm(c.text)]
        if c.label:
            names.append(norm(c.label))
        if row is not None:
            names.append(norm(row.label))
        out.append(
            Item("criterion", str(k), c.name, names, criterion=c, row=row, table=folder.status_table, doc=folder.readme)
        )
    for p_no, phase in enumerate(folder.phases, 1):
        s_no = 0
        for table in phase.tables:
            for row in table.rows:
                if not row.ok:
                    continue
                s_no += 1
                out.append(
                    Item(
                        "step",
                        f"{p_no}.{s_no}",
                        _plain(row.label),
                        [norm(row.label)],
                        row=row,
                        table=table,
                        doc=folder.tracking,
                        phase=phase.title,
                    )
                )
    return out


def _plain(text: str) -> str:
    from issue_flow.model.document import strip_markup

    return strip_markup(text)


def resolve(folder: IssueFolder, query: str, pool: list[Item] | None = None) -> Item:
    pool = items(folder) if pool is None else pool
    q = query.strip()
    if not q:
        raise IssueFlowError("ITEM is empty: give a number, a label or the start of an item's text")
    if re.fullmatch(r"\d+(\.\d+)?", q):
        for it in pool:
            if it.index == q:
                return it
        raise IssueFlowError(f"no item numbered {q} in #{folder.number} ({_counts(pool)})")
    nq = norm(q)
    if not nq:
        raise IssueFlowError(f"ITEM {query!r} has no words to match")
    exact = [it for it in pool if nq in it.names]
    chosen = _choose(exact)
    if chosen is not None:
        return chosen
    if len(exact) > 1:
        raise IssueFlowError(f"ITEM {query!r} is ambiguous: {_list(exact)}")
    prefix = [it for it in pool if any(n.startswith(nq) for n in it.names)]
    chosen = _choose(prefix)
    if chosen is not None:
        return chosen
    if len(prefix) > 1:
        raise IssueFlowError(f"ITEM {query!r} is ambiguous: {_list(prefix)}")
    raise IssueFlowError(f"no item of #{folder.number} matches {query!r} ({_counts(pool)})")


def _choose(found: list[Item]) -> Item | None:
    if len(found) == 1:
        return found[0]
    crits = [it for it in found if it.kind == "criterion"]
    if len(crits) == 1:
        return crits[0]
    return None


def _list(found: list[Item]) -> str:
    shown = "; ".join(f"{it.index} {it.name[:50]}" for it in found[:8])
    return shown + (f"; and {len(found) - 8} more" if len(found) > 8 else "")


def _counts(pool: list[Item]) -> str:
    c = sum(1 for it in pool if it.kind == "criterion")
    return f"{c} criteria, {len(pool) - c} steps"


def order_rules(folder: IssueFolder) -> list[tuple[str, str]]:
    return _ORDER.findall(folder.readme.text)


def check_order(folder: IssueFolder, item: Item, done: bool, pool: list[Item]) -> None:
    """Refuse a tick that breaks a declared ordering constraint."""
    for before, after in order_rules(folder):
        try:
            first = resolve(folder, before, pool)
            second = resolve(folder, after, pool)
        except IssueFlowError:
            continue
        if done and item is second and first.done is False:
            raise CheckFailed(
                f"{second.describe()} may not be ticked before {first.describe()} (use --force to override)"
            )
        if not done and item is first and second.done:
            raise CheckFailed(
                f"{first.describe()} may not be unticked while {second.describe()} is done (use --force to override)"
            )


def tick(item: Item, done: bool, note: str | None = None) -> list[str]:
    """Set the item's checkbox and status row in memory; returns what changed, in words."""
    changed = []
    if item.criterion is not None and item.doc is not None:
        if item.criterion.checked != done:
            item.doc.set_task(item.criterion, done)
            changed.append("checklist")
    if item.row is not None and item.table is not None and item.doc is not None:
        before = item.doc.line_text(item.row.line)
        item.doc.set_status(item.table, item.row, done, note)
        if item.doc.line_text(item.row.line) != before:
            changed.append("status row")
    return changed
