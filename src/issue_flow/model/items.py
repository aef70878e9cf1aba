"""Every item of an issue that can be ticked, and how a user names one.

An item is a task-list item or a status-table row of any of the issue's documents:

- **criterion** ``N``: the N-th acceptance criterion of the primary document, together
  with the status row it pairs with (one item, two lines);
- **step** ``P.S``: the S-th row of the P-th TRACKING phase (a heading with a status table);
- every other task or row: named by its address.

Each item has an **address**, ``DOC#SECTION:K`` — the document's name, the GitHub anchor of
the innermost heading above it, and its position among the items of that section (1-based)
— or ``DOC:K`` (K-th item of the document). Addresses are stable while the document's
headings and item order stay.

A name given to ``check`` is resolved in this order:

1. an address;
2. a number: criterion ``3`` or step ``2.1`` — and any row whose label cell is that number,
   which makes it ambiguous (a number is never silently criterion N);
3. an exact label (a bold label, a row's label cell), then an exact text;
4. a unique prefix of a label or text, at least 3 characters or a whole word.

A name that fits several items is an error listing them with their addresses.

Ordering constraints are declared as hidden comments, written by the templates::

    <!-- issue-flow: order "Patch release" before "Follow up" -->

meaning the second item may not be ticked while the first is open (and the first may not
be unticked while the second is done).
"""

from __future__ import annotations

import re

from issue_flow.errors import CheckFailed, IssueFlowError
from issue_flow.model.document import Document, Row, Table, Task, norm, strip_markup
from issue_flow.model.issues import IssueFolder
from issue_flow.records import factory, record

_ORDER = re.compile(r'<!--\s*issue-flow:\s*order\s+"([^"]+)"\s+before\s+"([^"]+)"\s*-->')
_ANCHOR_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


@record
class Item:
    kind: str  # criterion | step | task | row
    index: str  # "3", "2.1", or the address
    name: str
    names: list[str]  # normalised names it answers to (labels first)
    criterion: Task | None = None  # the checklist line (criteria and other tasks)
    row: Row | None = None
    table: Table | None = None
    doc: Document | None = None  # the document holding the line(s)
    phase: str | None = None
    address: str = ""
    section: str = ""  # the heading path, for display
    labels: list[str] = factory(list)  # normalised labels (exact-label tier)
    aliases: list[str] = factory(list)  # more addresses (a criterion's status row)

    @property
    def task(self) -> Task | None:
        return self.criterion

    @property
    def done(self) -> bool | None:
        if self.criterion is not None:
            return self.criterion.checked
        if self.row is not None and self.table is not None:
            return self.table.status(self.row).done
        return None

    @property
    def lines(self) -> list[int]:
        out = []
        if self.criterion is not None:
            out.append(self.criterion.line)
        if self.row is not None:
            out.append(self.row.line)
        return out

    def describe(self) -> str:
        if self.kind == "criterion":
            where = f"criterion {self.index}"
        elif self.kind == "step":
            where = f"step {self.index}"
        else:
            where = self.address
        return f"{where} '{self.name[:70]}'"


def anchor(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return _ANCHOR_DROP.sub("", strip_markup(text).lower()).replace(" ", "-")


def _doc_items(doc: Document) -> list[tuple[int, str, str, object, Table | None]]:
    """(line, section anchor, section path, task-or-row, table) of every item of ``doc`` in order."""
    heads = doc.headings
    entries: list[tuple[int, object, Table | None]] = [(t.line, t, None) for t in doc.tasks]
    for table in doc.status_tables:
        entries += [(r.line, r, table) for r in table.rows if r.ok]
    entries.sort(key=lambda e: e[0])
    out = []
    used: dict[str, int] = {}
    anchors = []
    for h in heads:
        a = anchor(h.text)
        n = used.get(a, 0)
        used[a] = n + 1
        anchors.append(a if n == 0 else f"{a}-{n}")
    hk = 0
    stack: list[tuple[int, str]] = []
    for line, obj, table in entries:
        while hk < len(heads) and heads[hk].line < line:
            h = heads[hk]
            while stack and stack[-1][0] >= h.level:
                stack.pop()
            if h.level > 1:  # the title is the document's, not a section's
                stack.append((h.level, strip_markup(h.text)))
            hk += 1
        sec_anchor = anchors[hk - 1] if hk else ""
        out.append((line, sec_anchor, " / ".join(t for _, t in stack), obj, table))
    return out


def items(folder: IssueFolder) -> list[Item]:
    """Every item of every document of the issue (criteria first, then in document order)."""
    crit = folder.criteria
    readme = folder.readme
    mirror = folder.status_table
    row_of = {id(p.criterion): p.row for p in folder.pairing[1] if p.criterion is not None}
    crit_index = {id(c): k for k, c in enumerate(crit, 1)}
    paired_rows = {id(r) for r in row_of.values() if r is not None}
    step_index: dict[int, tuple[str, str]] = {}
    if folder.tracking is not None:
        for p_no, phase in enumerate(folder.phases, 1):
            s_no = 0
            for table in phase.tables:
                for row in table.rows:
                    if row.ok:
                        s_no += 1
                        step_index[id(row)] = (f"{p_no}.{s_no}", phase.title)
    by_crit: dict[int, Item] = {}
    rest: list[Item] = []
    row_address: dict[int, str] = {}
    for path in folder.files:
        doc = folder.load(path)
        dname = folder.name_of(path)
        per_section: dict[str, int] = {}
        for pos, (line, sec, sec_path, obj, table) in enumerate(_doc_items(doc), 1):
            per_section[sec] = per_section.get(sec, 0) + 1
            address = f"{dname}#{sec}:{per_section[sec]}" if sec else f"{dname}:{pos}"
            if table is None:
                task: Task = obj  # type: ignore[assignment]
                labels = [norm(task.label)] if task.label else []
                names = labels + [norm(task.text)]
                if doc is readme and id(task) in crit_index:
                    row = row_of.get(id(task))
                    if row is not None and mirror is not None:
                        labels.append(norm(mirror.label(row)))
                        names.append(norm(mirror.label(row)))
                    it = Item("criterion", str(crit_index[id(task)]), task.name, names, criterion=task, row=row,
                              table=mirror if row is not None else None, doc=doc, address=address,
                              section=sec_path, labels=labels)
                    by_crit[crit_index[id(task)]] = it
                    continue
                rest.append(Item("task", address, task.name, names, criterion=task, doc=doc, address=address,
                                 section=sec_path, labels=labels))
            else:
                row: Row = obj  # type: ignore[no-redef]
                if id(row) in paired_rows and doc is readme:
                    row_address[id(row)] = address  # the criterion's item answers to it too
                    continue
                label = table.label(row)
                labels = [norm(label)] if label else []
                names = list(labels)
                first = strip_markup(row.cells[0]) if row.cells else ""
                if first and norm(first) not in names:
                    names.append(norm(first))
                step = step_index.get(id(row)) if doc is folder.tracking else None
                if step:
                    rest.append(Item("step", step[0], label, names, row=row, table=table, doc=doc, phase=step[1],
                                     address=address, section=sec_path, labels=labels))
                else:
                    rest.append(Item("row", address, label, names, row=row, table=table, doc=doc,
                                     address=address, section=sec_path, labels=labels))
    crit_items = [by_crit[k] for k in sorted(by_crit)]
    for it in crit_items:
        if it.row is not None and id(it.row) in row_address:
            it.aliases.append(row_address[id(it.row)])
    return crit_items + rest


def _is_address(q: str) -> bool:
    return bool(re.search(r"(?:\.md|^[\w.-]+)(?:#[^:]*)?:\d+$", q, re.IGNORECASE)) and not re.fullmatch(r"\d+(\.\d+)?", q)


def _match_address(pool: list[Item], q: str) -> list[Item]:
    m = re.fullmatch(r"(.+?)(?:#([^:]*))?:(\d+)", q.strip())
    if not m:
        return []
    dname, sec, k = m.group(1).casefold(), m.group(2), int(m.group(3))
    if not dname.endswith(".md"):
        dname += ".md"
    found = []
    for it in pool:
        for a in (it.address, *it.aliases):
            am = re.fullmatch(r"(.+?)(?:#([^:]*))?:(\d+)", a)
            if not am or am.group(1).casefold() != dname:
                continue
            if sec is not None and (am.group(2) or "") == sec and int(am.group(3)) == k and it not in found:
                found.append(it)
    if not found and sec is None:
        # the K-th item of the document in line order (a criterion counts as its line and its row)
        lines = sorted(
            (line, id(it), it)
            for it in pool
            if re.match(re.escape(dname) + r"(?:#|:)", it.address.casefold())
            for line in it.lines
        )
        if 1 <= k <= len(lines):
            found.append(lines[k - 1][2])
    return found


def resolve(folder: IssueFolder, query: str, pool: list[Item] | None = None, *, want: bool | None = None) -> Item:
    """The one item ``query`` names (see the module docstring).

    With ``want`` (the state a tick or untick asks for), a name that fits several items
    fits the one that is not yet in that state when all the others already are: ticking
    "Tests passing" where three release checklists have it and two are done ticks the third.
    """
    pool = items(folder) if pool is None else pool
    found = _resolve(folder, query, pool, want)
    return found


def _narrow(found: list[Item], want: bool | None) -> list[Item]:
    if want is None or len(found) < 2:
        return found
    pending = [it for it in found if it.done is not want]
    return pending if len(pending) == 1 else found


def _resolve(folder: IssueFolder, query: str, pool: list[Item], want: bool | None) -> Item:
    q = query.strip()
    if not q:
        raise IssueFlowError("ITEM is empty: give a label, the start of an item's text, a number or an address")
    if _is_address(q):
        found = _narrow(_match_address(pool, q), want)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise IssueFlowError(f"ITEM {query!r} is ambiguous: {_list(found)}")
        raise IssueFlowError(f"no item of #{folder.number} at {q!r} ({_counts(pool)})")
    if re.fullmatch(r"\d+(\.\d+)?", q):
        by_number = [it for it in pool if it.index == q and it.kind in ("criterion", "step")]
        by_label = [it for it in pool if q in it.names and it not in by_number]
        found = by_number + by_label
        if len(found) == 1:
            return found[0]
        if found:
            raise IssueFlowError(f"ITEM {query!r} is ambiguous (a number and a label): {_list(found)}")
        raise IssueFlowError(f"no item numbered {q} in #{folder.number} ({_counts(pool)})")
    nq = norm(q)
    if not nq:
        raise IssueFlowError(f"ITEM {query!r} has no words to match")
    for tier in (
        [it for it in pool if nq in it.labels],
        [it for it in pool if nq in it.names],
        [it for it in pool if any(_prefix(n, nq) for n in it.names)],
    ):
        tier = _narrow(tier, want)
        if len(tier) == 1:
            return tier[0]
        if len(tier) > 1:
            raise IssueFlowError(f"ITEM {query!r} is ambiguous: {_list(tier)}")
    raise IssueFlowError(f"no item of #{folder.number} matches {query!r} ({_counts(pool)})")


def _prefix(name: str, q: str) -> bool:
    if not name.startswith(q):
        return False
    if len(q) >= 3:
        return True
    rest = name[len(q) :]
    return not rest or not rest[0].isalnum()


def _list(found: list[Item]) -> str:
    shown = "; ".join(f"{it.address} ({it.describe()})" if it.kind in ("criterion", "step") else it.describe() for it in found[:8])
    return shown + (f"; and {len(found) - 8} more" if len(found) > 8 else "") + "; name one by its address"


def _counts(pool: list[Item]) -> str:
    c = sum(1 for it in pool if it.kind == "criterion")
    docs = len({it.address.split("#")[0].split(":")[0] for it in pool})
    return f"{c} criteria, {len(pool) - c} other items in {docs} document(s)"


def order_rules(folder: IssueFolder) -> list[tuple[str, str]]:
    return _ORDER.findall(folder.readme.text)


def check_order(folder: IssueFolder, item: Item, done: bool, pool: list[Item]) -> None:
    """Refuse a tick that breaks a declared ordering constraint.

    The names in a rule are resolved among the items of the document that declares the
    rules (the primary document), where the templates put both items."""
    local = [it for it in pool if it.doc is folder.readme]
    for before, after in order_rules(folder):
        try:
            first = resolve(folder, before, local)
            second = resolve(folder, after, local)
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
