"""``lint --fix``: repair what can be repaired safely, as one plan of surgical edits.

What is repaired (each only on the lines that carry a finding):

- **drift**, in favour of the side the user names: ``--fix checklist`` keeps the
  checklist and sets the status row to match; ``--fix status`` keeps the row and sets the
  checkbox. Without a side, drift is left and reported.
- **missing back-links**: the parent's README gains the child in its Follow-ups list (the
  same edit ``new --parent`` makes).
- **dead relative links**, when the target can be found without guessing: the path exists
  from the repository root (written without its leading ``/``), or exactly one file of that
  name exists in the repository. The link is rewritten relative to its document (its
  ``#fragment`` kept). Every folder the link names must match too; otherwise, and with
  several equally good candidates, nothing is changed and the finding says where they are.

Everything else is left as it is. Running ``--fix`` twice changes nothing the second time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from issue_flow.model.document import Document

_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".issue-flow", "dist", "build"})


def file_index(root: Path) -> dict[str, list[Path]]:
    """Every file of the repository by name (one directory walk)."""
    index: dict[str, list[Path]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".venv")]
        for f in filenames:
            index.setdefault(f, []).append(Path(dirpath) / f)
    return index


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def link_fix(root: Path, doc_path: Path, href: str, index: dict[str, list[Path]]) -> tuple[str | None, list[Path]]:
    """(new href or None, candidates) for a dead relative link."""
    target, sep, frag = href.partition("#")
    target = target.split("?", 1)[0]
    if not target:
        return None, []
    from_root = root / target.lstrip("/")
    if not target.startswith("/") and from_root.exists():
        return _rel(from_root, doc_path.parent) + (sep + frag), [from_root]
    parts = [p for p in Path(target).parts if p not in (".", "..", "/")]
    found = [f for f in index.get(parts[-1], []) if f != doc_path] if parts else []
    if not found:
        return None, []

    def common(path: Path) -> int:  # trailing path components shared with the link
        n = 0
        for a, b in zip(reversed(parts), reversed(path.parts)):
            if a != b:
                break
            n += 1
        return n

    best = max(common(f) for f in found)
    top = [f for f in found if common(f) == best]
    # rewritten only when every folder the link names matches too (a link to
    # "../BACKEND-PROXY/X.md" is not sent to another folder's X.md); else a suggestion
    if len(top) == 1 and best == len(parts):
        return _rel(top[0], doc_path.parent) + (sep + frag), top
    if best < min(2, len(parts)) and len(found) > 1:
        return None, []  # a common name (README.md) in other folders: nothing to suggest
    return None, top


def plan_fix(cfg: Any, number: int | None, problems: list, side: str | None):
    """The plan of repairs for ``problems`` (lint's findings, :class:`issue_flow.workflows.lint.Finding`);
    returns (plan, fixed, hints).

    ``fixed`` are the findings repaired, ``hints`` maps a finding's index to a suggestion.
    """
    from issue_flow.linkcheck import dead_links, links
    from issue_flow.model.issues import IssueFolder, discover
    from issue_flow.plan import Plan

    root = cfg.root
    plan = Plan()
    docs: dict[Path, Document] = {}
    fixed: list[int] = []
    hints: dict[int, str] = {}

    def load(path: Path) -> Document:
        if path not in docs:
            docs[path] = Document.load(path)
        return docs[path]

    disc = None
    index: dict[str, list[Path]] | None = None
    for k, p in enumerate(problems):
        path = root / p.path
        if p.kind == "dead-link":
            if index is None:
                index = file_index(root)
            doc = load(path)
            line = p.line - 1
            text = doc.line_text(line)
            hrefs = [h for ln, h in links(Document(path, text)) if ln == 1]
            dead = {href for _, href in dead_links(root, path, Document(path, text))}
            new_text = text
            for href in hrefs:
                if href not in dead or href != p.target:
                    continue
                new, found = link_fix(root, path, href, index)
                if new is None:
                    if found:
                        shown = ", ".join(f.relative_to(root).as_posix() for f in found[:3])
                        hints[k] = f"a file of that name exists at {shown}" + (" …" if len(found) > 3 else "")
                    continue
                new_text, n = _replace_target(new_text, href, new)
                if n:
                    fixed.append(k)
            if new_text != text:
                doc._replace(line, new_text)
        elif p.kind == "drift" and side is not None:
            continue  # repaired per issue below
        elif p.kind == "backlink":
            if disc is None:
                disc = discover(cfg)
            child = p.child
            if child is None or child not in disc.folders:
                continue
            cf = IssueFolder(cfg, disc.folders[child])
            from issue_flow.model.followups import add_follow_up

            pdoc = load(path)
            href = _rel(cf.primary_path, path.parent)
            new_text = add_follow_up(pdoc.text, child, href, cf.title or f"#{child}")
            if new_text is not None:
                from issue_flow.model.document import split_lines

                pdoc.lines = split_lines(new_text)
                fixed.append(k)
    if side is not None and any(p.kind == "drift" for p in problems):
        if disc is None:
            disc = discover(cfg)
        fixed += _fix_drift(cfg, disc, number, problems, side, load)
    for path, doc in docs.items():
        if doc.changed:
            plan.write(path, doc.original_bytes, doc.to_bytes(), "lint --fix")
    return plan, sorted(set(fixed)), hints


def _replace_target(text: str, old: str, new: str) -> tuple[str, int]:
    """Replace the link destination ``old`` (in ``](old`` or a reference definition) only."""
    pattern = re.compile(r"(\]\(\s*<?)" + re.escape(old) + r"(?=>?[\s)])")
    out, n = pattern.subn(lambda m: m.group(1) + new, text)
    if n == 0:
        pattern = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*<?)" + re.escape(old) + r"(?=>?(\s|$))")
        out, n = pattern.subn(lambda m: m.group(1) + new, text)
    return out, n


def _fix_drift(cfg: Any, disc: Any, number: int | None, problems: list[dict], side: str, load) -> list[int]:
    from issue_flow.model.issues import IssueFolder

    wanted = {(p.path, p.line): k for k, p in enumerate(problems) if p.kind == "drift"}
    fixed = []
    for n, ref in sorted(disc.folders.items()):
        if number is not None and n != number:
            continue
        folder = IssueFolder(cfg, ref)
        path = folder.primary_path
        rel = path.relative_to(cfg.root).as_posix()
        if not any(key[0] == rel for key in wanted):
            continue
        doc = load(path)
        folder.use(path, doc)  # edit the document the plan writes
        table = folder.status_table
        if table is None:
            continue
        for pr in folder.pairing[1]:
            c, r = pr.criterion, pr.row
            if c is None or r is None:
                continue
            k = wanted.get((rel, c.line + 1))
            state = table.status(r).done
            if k is None or state is None or state == c.checked:
                continue
            if side == "checklist":
                doc.set_status(table, r, c.checked)
            else:
                doc.set_task(c, bool(state))
            fixed.append(k)
    return fixed
