"""The release item of an issue folder, and the versions its evidence records.

The rule (tested against the real labels): the item whose bold label, read after
leading words such as "Patch", "Coordinated", "the", starts with "releas" or "publish"
and does not speak of checklists, notes, docs, templates, gates, branches or updates
(#451 "Release checklist updated" is not the release); a release issue's
``**Publish:**`` item is one. Split from :mod:`issue_flow.workflows.release`, which ticks it.
"""

from __future__ import annotations

import re
from typing import Any

_VERSION = r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
# patterns are compiled on first use (re's cache), not at import: most runs need few of them
_LEADING_VERSIONS = rf"\s*({_VERSION}(?:\s*(?:/|,|and|&)\s*{_VERSION})*)"


_LEADING_WORDS = r"^(?:(?:coordinated|quick|patch|minor|major|the|a)\s+)*(releas|publish)"
_NOT_THE_RELEASE = (
    r"\b(checklists?|notes?|docs?|documentation|templates?|qualification|gates?|branch(?:es)?|updated?|written)\b"
)


def is_release_label(label: str | None, text: str | None = None) -> bool:
    """Is an item with this bold ``label`` (or, without one, this ``text``) the release item?

    The rule (docs/decisions.md): read as plain lower-case words, the label (else the
    text) starts with "release" or "publish" in any form (released, publishing),
    optionally after "patch", "minor", "major", "coordinated" or "quick"; and it is about
    making the release, not about a document or a check: a label that is exactly
    "Release" or "Publish" always is; otherwise none of its words is checklist, notes,
    docs, documentation, template, qualification, gate, branch, update(d) or written.

    ``Release: Patch release (e.g. 0.9.2 / 0.2.2) and publish.`` (#462), ``Patch release``,
    ``**Publish:** GitHub Release v0.11.1 …`` (#571), ``**Publish via CI**`` (#522): yes.
    ``Release checklist updated`` (#451), ``Release v0.9.0 (#456) checklist updated…``
    (#455), ``E2E as per release checklist``, ``Release qualification``: no.
    """
    from issue_flow.model.document import norm

    words = norm(label) if label else norm(text or "")
    if not words:
        return False
    if label and words in ("release", "publish"):
        return True
    if not re.match(_LEADING_WORDS, words):
        return False
    return re.search(_NOT_THE_RELEASE, words) is None


def _label_of(item: Any) -> tuple[str | None, str]:
    criterion = getattr(item, "criterion", None)
    label = getattr(criterion, "label", None) if criterion is not None else getattr(item, "label", None)
    text = criterion.text if criterion is not None else item.name
    return label, text


def find_release_item(folder: Any, pool: list | None = None) -> tuple[Any, str | None]:
    """(the release item, None) or (None, why there is none).

    Among the items for which :func:`is_release_label` holds, the first in document order
    of: a README criterion; an item labelled "Publish…" (a release issue's Publish item,
    in TRACKING or a release checklist); a TRACKING step; any other.
    """
    from issue_flow.model import items
    from issue_flow.model.document import norm

    pool = items.items(folder) if pool is None else pool

    def tier(it: Any) -> int:
        if it.kind == "criterion":
            return 0
        label, text = _label_of(it)
        if norm(label or text).startswith("publish"):
            return 1
        return 2 if it.kind == "step" else 3

    found = [(tier(it), k, it) for k, it in enumerate(pool) if is_release_label(*_label_of(it))]
    if found:
        return min(found, key=lambda t: (t[0], t[1]))[2], None
    return None, "no criterion or step about the release or publishing (e.g. 'Patch release', '**Publish:**')"


def item_evidence(item: Any) -> str:
    if getattr(item, "row", None) is None or getattr(item, "table", None) is None:
        return ""
    return item.table.status(item.row).evidence


def evidence_versions(text: str) -> tuple[list[str], str]:
    """(the versions at the start of an evidence text, the rest): ``0.9.2 / 0.2.2 — by hand``."""
    m = re.match(_LEADING_VERSIONS, text or "")
    if not m:
        return [], (text or "").strip()
    versions = re.findall(_VERSION, m.group(1))
    rest = text[m.end() :].strip().lstrip("—–-;,").strip()
    return [v[1:] if v.startswith("v") else v for v in versions], rest


def merged_evidence(old_versions: list[str], rest: str, bumps: list[Any]) -> str:
    """The evidence after this release: its versions added to those recorded (a package's
    old version replaced by its new one), then what the cell said besides versions."""
    versions = list(old_versions)
    for b in bumps:
        if b.old in versions:
            versions[versions.index(b.old)] = b.new
        elif b.new not in versions:
            versions.append(b.new)
    text = " / ".join(versions)
    return f"{text} — {rest}" if rest else text
