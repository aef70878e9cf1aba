"""The three-way merge behind ``issue-flow sync``, and checkbox edits of an issue body.

Pure: no file, no network. :mod:`issue_flow.workflows.sync` reads the three states (the
README's acceptance criteria, the task list of the GitHub issue body, the base recorded at
the last sync), asks :func:`merge` what to do, and plans the answer.

The sides
    *Local* is the README's acceptance criteria (top-level tasks under the "Acceptance
    criteria" heading). *Remote* is the task list of the issue body as the model reads it
    (:func:`~issue_flow.model.issue_body.remote_tasks`, which ``new`` reads too), with the
    same fence- and comment-aware scanner: the top-level tasks under an "Acceptance
    criteria" heading when the body has one, else the top-level tasks of the whole body.
    Tasks in code fences or HTML comments are not tasks.

Pairing
    Items are paired by bold label when both have one (``**Fix** – …``), else by normalised
    text (:func:`~issue_flow.model.document.norm`: markup, case and trailing punctuation
    ignored). Two items with different bold labels never pair by text. Duplicates pair in
    order. An item on one side only is reported (``LOCAL_ONLY`` / ``REMOTE_ONLY``), never an
    error, never copied across (the tool does not add or remove lines), and kept out of the
    base.

The base
    The checkbox state of every paired item when the last sync finished, stored in the
    repository as ``.issue-flow/sync/ISSUE-N.json`` (:func:`dump_base`): a map from the
    pair's key — ``label:<normalised label>`` when paired by label, ``text:<normalised text>``
    otherwise — to ``true``/``false``. A pair whose key is missing is also looked up under its
    other possible keys, so a bold label added or removed on one side keeps its history.

The merge, per pair (:func:`merge`)
    - equal on both sides: nothing to do (``SAME``); whatever happened since, the value is
      the new base (this is also how a rerun after an interrupted sync converges: the side
      that was already written simply agrees now);
    - different, and the base equals the local value: GitHub changed it, copy to the README
      (``PULL``); the base equals the remote value: the README changed it, copy to GitHub
      (``PUSH``);
    - different and no base value: a ``CONFLICT`` — unless ``prefer`` names the winner
      (``--pull``: remote, ``--push``: local). ``prefer`` never overrides a one-side change.

    A checkbox has two states and the base is the one state both sides shared at the last
    sync, so "changed differently on both sides" can only be seen where there is no base
    value: the first sync of an issue, an item that was on one side only at the last sync,
    or an item added to both sides since (ticked on one, open on the other). A box ticked and
    unticked again since the base counts as unchanged (state-based merge, no history).

Conflicts: all or nothing
    When any item conflicts, the command writes nothing at all — not the README, not the
    issue body, not the base — not even the items that would merge cleanly: a sync is one
    decision about the issue, and a half-applied sync would move the base under the user's
    feet while they are resolving. It exits 1 naming every conflicting item.

Remote edits
    :func:`edit_body` changes the characters between the brackets and nothing else: line
    endings (CRLF from GitHub's web editor), trailing spaces, text others edited, a missing
    final newline are all kept byte for byte. An ``X`` already ticked stays ``X``; a new
    tick is written ``x``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from issue_flow.errors import IssueFlowError
from issue_flow.model.document import Document, Task, norm, strip_markup
from issue_flow.model.issue_body import remote_tasks  # the remote side, as the model reads a body

SAME = "same"
PULL = "pull"  # copy the remote state into the README
PUSH = "push"  # copy the local state into the issue body
CONFLICT = "conflict"
LOCAL_ONLY = "local-only"
REMOTE_ONLY = "remote-only"

BASE_VERSION = 1


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Box:
    """One checkbox item of one side."""

    label: str | None
    text: str  # the content after the checkbox
    checked: bool

    @classmethod
    def from_task(cls, task: Task) -> "Box":
        return cls(task.label, task.text, task.checked)

    @property
    def name(self) -> str:
        return self.label or strip_markup(self.text)

    @property
    def label_key(self) -> str | None:
        return f"label:{norm(self.label)}" if self.label and norm(self.label) else None

    @property
    def text_key(self) -> str:
        return f"text:{norm(self.text)}"

    @property
    def key(self) -> str:
        return self.label_key or self.text_key


def boxes(tasks: Iterable[Task]) -> list[Box]:
    return [Box.from_task(t) for t in tasks]


def pair(local: Sequence[Box], remote: Sequence[Box]) -> list[tuple[int | None, int | None, str]]:
    """(local index, remote index, key) for every item: pairs first (in local order), then
    the remote items that found no partner. One-sided entries carry None on the other side."""
    used: set[int] = set()
    match: dict[int, int] = {}
    # By bold label when both sides have one.
    for i, lb in enumerate(local):
        if lb.label_key is None:
            continue
        for j, rb in enumerate(remote):
            if j not in used and rb.label_key == lb.label_key:
                match[i] = j
                used.add(j)
                break
    # Else by normalised text (never between two different labels).
    for i, lb in enumerate(local):
        if i in match:
            continue
        for j, rb in enumerate(remote):
            if j in used or (lb.label_key and rb.label_key):
                continue
            if rb.text_key == lb.text_key:
                match[i] = j
                used.add(j)
                break
    out: list[tuple[int | None, int | None, str]] = []
    seen: dict[str, int] = {}

    def unique(key: str) -> str:
        seen[key] = seen.get(key, 0) + 1
        return key if seen[key] == 1 else f"{key}#{seen[key]}"

    for i, lb in enumerate(local):
        j = match.get(i)
        if j is None:
            out.append((i, None, lb.key))
            continue
        rb = remote[j]
        key = lb.label_key if (lb.label_key and rb.label_key) else lb.text_key
        out.append((i, j, unique(key)))
    for j, rb in enumerate(remote):
        if j not in used:
            out.append((None, j, rb.key))
    return out


# --------------------------------------------------------------------------- merge


@dataclass
class SyncItem:
    """One item of the merge and what to do with it."""

    name: str
    key: str
    action: str  # SAME | PULL | PUSH | CONFLICT | LOCAL_ONLY | REMOTE_ONLY
    local_index: int | None
    remote_index: int | None
    local: bool | None  # the state now (None: not on that side)
    remote: bool | None
    base: bool | None  # the state at the last sync (None: unknown)
    reason: str = ""  # why a conflict is one

    @property
    def result(self) -> bool | None:
        """The state both sides have after the sync (None: conflict or one-sided)."""
        if self.action in (SAME, PULL):
            return self.remote
        if self.action == PUSH:
            return self.local
        return None


@dataclass
class Merge:
    items: list[SyncItem] = field(default_factory=list)
    had_base: bool = False

    def _with(self, action: str) -> list[SyncItem]:
        return [it for it in self.items if it.action == action]

    @property
    def pulls(self) -> list[SyncItem]:
        return self._with(PULL)

    @property
    def pushes(self) -> list[SyncItem]:
        return self._with(PUSH)

    @property
    def conflicts(self) -> list[SyncItem]:
        return self._with(CONFLICT)

    @property
    def only_local(self) -> list[SyncItem]:
        return self._with(LOCAL_ONLY)

    @property
    def only_remote(self) -> list[SyncItem]:
        return self._with(REMOTE_ONLY)

    def new_base(self) -> dict[str, bool]:
        """The base to record once the sync is applied (paired, non-conflicting items)."""
        return {it.key: it.result for it in self.items if it.result is not None}


def _state(checked: bool) -> str:
    return "ticked" if checked else "unticked"


def _lookup_base(base: Mapping[str, bool], key: str, lb: Box, rb: Box) -> bool | None:
    if key in base:
        return base[key]
    if key not in (lb.label_key, lb.text_key):
        return None  # a repeated item (key with a #n suffix): only its own key counts
    for alt in (lb.label_key, rb.label_key, lb.text_key, rb.text_key):
        if alt is not None and alt in base:
            return base[alt]
    return None


def merge(
    local: Sequence[Box],
    remote: Sequence[Box],
    base: Mapping[str, bool] | None,
    prefer: str | None = None,
) -> Merge:
    """Decide, per item, what a sync does. ``prefer``: None, "local" (--push) or "remote" (--pull)."""
    if prefer not in (None, "local", "remote"):
        raise ValueError(f"prefer must be None, 'local' or 'remote', not {prefer!r}")
    out = Merge(had_base=base is not None)
    known = base or {}
    for i, j, key in pair(local, remote):
        if j is None:
            lb = local[i]  # type: ignore[index]
            out.items.append(SyncItem(lb.name, key, LOCAL_ONLY, i, None, lb.checked, None, None))
            continue
        if i is None:
            rb = remote[j]
            out.items.append(SyncItem(rb.name, key, REMOTE_ONLY, None, j, None, rb.checked, None))
            continue
        lb, rb = local[i], remote[j]
        b = _lookup_base(known, key, lb, rb)
        reason = ""
        if lb.checked == rb.checked:
            action = SAME
        elif b is None:
            if prefer == "local":
                action = PUSH
            elif prefer == "remote":
                action = PULL
            else:
                action = CONFLICT
                why = "there is no earlier sync" if base is None else "it was not in the last sync"
                reason = (
                    f"{_state(lb.checked)} in the README but {_state(rb.checked)} on GitHub, "
                    f"and {why} to say which side changed"
                )
        elif b == lb.checked:
            action = PULL
        else:
            action = PUSH
        out.items.append(SyncItem(lb.name, key, action, i, j, lb.checked, rb.checked, b, reason))
    return out


def describe(items: Iterable[SyncItem]) -> str:
    """``tick 'X', untick 'Y'``: what applying ``items`` (pulls or pushes) does to the other side."""
    return ", ".join(f"{'tick' if it.result else 'untick'} '{it.name}'" for it in items if it.result is not None)


# --------------------------------------------------------------------------- remote body


def edit_body(body: str, changes: Mapping[int, bool]) -> str:
    """``body`` with the checkboxes of :func:`remote_tasks` number ``k`` set to ``changes[k]``.

    Only the character between the brackets changes; every other character is kept.
    """
    doc = Document(None, body)
    tasks = remote_tasks(doc)
    for k, checked in changes.items():
        doc.set_task(tasks[k], checked)
    return doc.text


# --------------------------------------------------------------------------- base files


def dump_base(number: int, base: Mapping[str, bool]) -> bytes:
    doc = {
        "version": BASE_VERSION,
        "issue": number,
        "about": "issue-flow sync: checkbox state of each item at the last sync",
        "items": dict(base),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def load_base(data: bytes, where: str) -> dict[str, bool]:
    """The items of a base file; a malformed one is an error naming the file."""
    hint = "fix it or delete it (the next sync then treats differences as conflicts)"
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IssueFlowError(f"{where}: malformed sync base ({type(exc).__name__}); {hint}") from None
    if not isinstance(doc, dict) or doc.get("version", BASE_VERSION) != BASE_VERSION:
        raise IssueFlowError(f"{where}: not a sync base issue-flow understands; {hint}")
    items = doc.get("items")
    if not isinstance(items, dict) or not all(isinstance(k, str) and isinstance(v, bool) for k, v in items.items()):
        raise IssueFlowError(f"{where}: 'items' must map item keys to true/false; {hint}")
    return dict(items)
