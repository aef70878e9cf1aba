"""``issue-flow status``: the summaries of every issue (or of one), filtered — the data
``status --json`` prints, and what ``report`` starts from.

The summaries come from :mod:`issue_flow.model.summaries` (cached by file identity); this
module works out what no single issue knows (its children, from the other issues'
parents), the open items of ``status N``, and the filters of the list (``--open``,
``--drift``, ``--parent``, ``--label``). How the result is printed (width, colour, tree)
is :mod:`issue_flow.commands.status_view`'s.
"""

from __future__ import annotations

from typing import Any

from issue_flow.errors import IssueFlowError


def status(cfg, number: int | None, *, open_only: bool = False, drift: bool = False, parent: int | None = None,
           label: str | None = None) -> dict[str, Any]:
    """What ``status [N]`` shows (and ``--json`` prints): :func:`collect`, then :func:`select`."""
    return select(collect(cfg, number), open_only=open_only, drift=drift, parent=parent, label=label)


def collect(cfg, number: int | None) -> dict:
    """Summaries of every issue (or of one), with children worked out from the parents.

    One pass: each issue is summarised (from the cache when its documents did not change)
    and dropped before the next, so memory stays flat on large trees. ``status N`` also
    lists the issue's open items with their addresses.
    """
    from issue_flow.model.issues import discover, load_issue
    from issue_flow.model.summaries import SCHEMA, SummaryCache

    disc = discover(cfg)
    if number is not None:
        load_issue(cfg, number, disc)  # a clear error for an unknown number
    skipped = [{"path": s.path, "reason": s.reason} for s in disc.skipped]
    cache = SummaryCache(cfg.root)
    summaries, errors, keys = cache.summaries(cfg, sorted(disc.folders.values(), key=lambda r: r.number))
    for ref, message in errors:
        if number == ref.number:
            raise IssueFlowError(message)
        skipped.append({"path": ref.path.relative_to(cfg.root).as_posix(), "reason": message, "error": True})
    if number is None:
        cache.forget_others(keys)
    cache.save()
    children: dict[int, list[int]] = {}
    for s in summaries:
        parent = s["parent"]
        if parent is not None and parent != s["number"]:
            children.setdefault(parent, []).append(s["number"])
    out = []
    for s in summaries:
        if number is not None and s["number"] != number:
            continue
        entry = dict(s)
        entry["children"] = sorted(children.get(s["number"], []))
        if number is not None:
            entry["open_items"] = open_items(load_issue(cfg, number, disc))
        out.append(entry)
    return {"schema": SCHEMA, "issues": out, "skipped": skipped if number is None else []}


def open_items(folder) -> list[dict]:
    """The items of one issue that are not done, with their addresses."""
    from issue_flow.model.items import items

    out = []
    for it in items(folder):
        if it.done is True:
            continue
        if it.done is None and it.row is not None and it.table is not None and it.table.status(it.row).marker:
            continue  # N/A
        out.append({"address": it.address, "kind": it.kind, "index": it.index, "name": it.name, "section": it.section})
    return out


def select(data: dict[str, Any], *, open_only: bool, drift: bool, parent: int | None, label: str | None) -> dict:
    """The issues that pass the filters (the summary line counts what is shown)."""
    out = []
    for it in data["issues"]:
        if open_only and it["tasks"]["done"] >= it["tasks"]["total"]:
            continue
        if drift and not (it["drift"] or it.get("unpaired")):
            continue
        if parent is not None and it["parent"] != parent:
            continue
        if label is not None and label.casefold() not in [x.casefold() for x in it.get("labels", [])]:
            continue
        out.append(it)
    return dict(data, issues=out)
