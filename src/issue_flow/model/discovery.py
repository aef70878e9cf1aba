"""Discovery: which Markdown documents under the docs folder belong to which issue.

Names and listings only; no file is read. See :mod:`issue_flow.model.issues` for what an
issue is made of, and docs/decisions.md ("The document model") for the rules.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from issue_flow.config import Config
from issue_flow.errors import IssueFlowError
from issue_flow.paths import rel_posix
from issue_flow.records import factory, record

_ISSUE_NAME = re.compile(r"(ISSUES?)-(\d{1,9}(?:-\d{1,9})*)(?:-(.+))?$", re.IGNORECASE)
_EPIC = re.compile(r"epic-(\d{1,9})(?:-.+)?$", re.IGNORECASE)
_MAX_DEPTH = 4  # plain folders walked into below the docs folder


def issue_numbers(name: str) -> list[int] | None:
    """The issue numbers a folder or file name gives (``ISSUE-512-515`` → [512, 515])."""
    stem = name[:-3] if name.lower().endswith(".md") else name
    m = _ISSUE_NAME.match(stem)
    if not m:
        return None
    numbers = [int(x) for x in m.group(2).split("-")]
    if any(n == 0 for n in numbers):
        return None
    return list(dict.fromkeys(numbers))


@record
class FolderRef:
    """Where issue ``number`` is written: its main location and all of its documents."""

    number: int
    path: Path  # the issue folder (or the loose file when it has no folder)
    kind: str = "issue"  # issue | epic
    files: list[Path] = factory(list)
    shared: bool = False  # the main location names several issues
    is_dir: bool | None = None  # is ``path`` a folder, as the listing said (None: not known)


@record
class Skipped:
    path: str
    reason: str


@record
class Discovery:
    folders: dict[int, FolderRef] = factory(dict)
    skipped: list[Skipped] = factory(list)


def _md_files(folder: str, nested_issue_dirs: list[str]) -> list[Path]:
    """Markdown files in ``folder`` and its plain subfolders (not nested issue folders)."""
    out: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return out
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_file() and e.name.lower().endswith(".md"):
            out.append(Path(e.path))
        elif e.is_dir(follow_symlinks=False):
            if issue_numbers(e.name) is not None or _EPIC.match(e.name):
                nested_issue_dirs.append(e.path)
            else:
                out.extend(_md_files(e.path, nested_issue_dirs))
    return out


def discover(cfg: Config) -> Discovery:
    """Find every issue under the docs folder (names and listings only; no file is read)."""
    docs = cfg.docs_dir
    found = Discovery()
    if not docs.is_dir():
        raise IssueFlowError(f"{cfg.docs}: docs folder not found (set 'docs' in the configuration)")
    root = cfg.root

    def rel(p: str | Path) -> str:
        return rel_posix(root, p)

    def add(number: int, where: Path, files: list[Path], kind: str, shared: bool, is_dir: bool) -> None:
        ref = found.folders.get(number)
        if ref is None:
            found.folders[number] = FolderRef(number, where, kind, list(files), shared, is_dir)
            return
        # a folder is a better main location than a loose file or a shared folder
        if (not ref.is_dir or ref.shared) and is_dir and not shared:
            ref.path, ref.shared, ref.is_dir = where, False, True
            ref.files[:0] = [f for f in files if f not in ref.files]
        else:
            ref.files.extend(f for f in files if f not in ref.files)
        if kind == "epic":
            ref.kind = "epic"

    def visit(folder: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.skipped.append(Skipped(rel(folder), f"cannot read ({exc.strerror})"))
            return
        for e in entries:
            name = e.name
            if name.startswith("."):
                continue
            if e.is_symlink():
                target = Path(e.path).resolve()
                if not target.is_relative_to(root.resolve()):
                    found.skipped.append(Skipped(rel(e.path), "a link that leads outside the repository; its README.md and other documents are neither read nor written"))
                    continue
            if e.is_dir():
                numbers = issue_numbers(name)
                epic = _EPIC.match(name)
                if numbers is not None or epic:
                    nested: list[str] = []
                    files = _md_files(e.path, nested)
                    if epic:
                        numbers, kind = [int(epic.group(1))], "epic"
                    else:
                        kind = "issue"
                    assert numbers is not None
                    if files:
                        for n in numbers:
                            add(n, Path(e.path), files, kind, len(numbers) > 1, True)
                    elif not nested:
                        found.skipped.append(Skipped(rel(e.path), "no Markdown documents"))
                    for sub in nested:
                        visit_one(sub)
                elif depth < _MAX_DEPTH:
                    visit(e.path, depth + 1)
            elif name.lower().endswith(".md") and name[:5].upper() == "ISSUE":
                numbers = issue_numbers(name)
                if numbers is None:
                    found.skipped.append(Skipped(rel(e.path), "names no issue number"))
                    continue
                for n in numbers:
                    add(n, Path(e.path), [Path(e.path)], "issue", len(numbers) > 1, False)

    def visit_one(path: str) -> None:
        """A nested issue or epic folder (inside an epic or an issue folder)."""
        parent, name = os.path.split(path)
        numbers = issue_numbers(name)
        epic = _EPIC.match(name)
        nested: list[str] = []
        files = _md_files(path, nested)
        nums = [int(epic.group(1))] if epic else (numbers or [])
        for n in nums:
            if files:
                add(n, Path(path), files, "epic" if epic else "issue", len(nums) > 1, True)
        if not files and not nested:
            found.skipped.append(Skipped(rel(path), "no Markdown documents"))
        for sub in nested:
            visit_one(sub)

    visit(str(docs), 0)
    for ref in found.folders.values():
        ref.files.sort(key=_order(str(ref.path)))
    return found


def _order(folder: str):
    """The sort key of an issue's files: those directly in ``folder`` first, README.md then
    TRACKING.md first among them, then by path. From the path's string (its folder and
    name, as ``Path.parent`` and ``Path.name`` give them for the normalised paths a listing
    makes): a ``Path`` made per file for ``parent`` was most of discovery's time."""

    def key(p: Path) -> tuple[bool, bool, bool, str]:
        s = str(p)
        parent, name = os.path.split(s)
        return (parent != folder, name != "README.md", name != "TRACKING.md", s)

    return key
