"""Plans: every command that changes something first builds a list of actions.

``--dry-run`` prints the plan (file diffs and the remote calls it would make) and stops;
a real run applies it. Printing and applying live here only, so every command behaves
the same way: file writes are staged together and replaced atomically, and remote
calls run in order after the files are ready.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from issue_flow import fsutil
from issue_flow.errors import IssueFlowError


@dataclass
class FileWrite:
    """Replace (or create) one file. ``old`` is None when the file is new."""

    path: Path
    old: bytes | None
    new: bytes
    why: str = ""

    def render(self, root: Path | None = None) -> str:
        import difflib

        name = _rel(self.path, root)
        if self.old is None:
            header = f"create {name}" + (f"  ({self.why})" if self.why else "")
        else:
            header = f"edit {name}" + (f"  ({self.why})" if self.why else "")
        old_text = (self.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new_text = self.new.decode("utf-8", "replace").splitlines(keepends=True)
        diff = difflib.unified_diff(
            old_text,
            new_text,
            fromfile="/dev/null" if self.old is None else f"a/{name}",
            tofile=f"b/{name}",
            n=1,
        )
        lines = [header]
        for line in diff:
            lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(x if x.endswith("\n") else x + "\n" for x in lines).rstrip("\n")


@dataclass
class Call:
    """A call to the outside world (GitHub, git) described for ``--dry-run``."""

    summary: str
    run: Callable[[], Any]


@dataclass
class Plan:
    writes: list[FileWrite] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Calls that must run before the files are written (e.g. a remote edit that the
    # local base-state file records) go to ``pre_calls``.
    pre_calls: list[Call] = field(default_factory=list)

    def write(self, path: Path, old: bytes | None, new: bytes, why: str = "") -> None:
        """Add a file write; a write that changes nothing is dropped (idempotence)."""
        if old == new:
            return
        for existing in self.writes:
            if Path(existing.path) == Path(path):
                existing.new = new
                return
        self.writes.append(FileWrite(Path(path), old, new, why))

    def call(self, summary: str, run: Callable[[], Any], *, before_writes: bool = False) -> None:
        (self.pre_calls if before_writes else self.calls).append(Call(summary, run))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def empty(self) -> bool:
        return not (self.writes or self.calls or self.pre_calls)

    def render(self, root: Path | None = None) -> str:
        out: list[str] = []
        for call in self.pre_calls:
            out.append(f"call {call.summary}")
        for w in self.writes:
            out.append(w.render(root))
        for call in self.calls:
            out.append(f"call {call.summary}")
        if not out:
            out.append("nothing to do")
        return "\n".join(out)

    def apply(self) -> list[Any]:
        """Run pre-calls, write every file (all or none), then run the calls."""
        results = [c.run() for c in self.pre_calls]
        for w in self.writes:
            current = _current(w.path)
            if current != w.old:
                raise IssueFlowError(
                    f"{w.path}: changed on disk while the plan was made; nothing written, run again"
                )
        fsutil.atomic_write_many([(w.path, w.new) for w in self.writes])
        results.extend(c.run() for c in self.calls)
        return results


def _current(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def _rel(path: Path, root: Path | None) -> str:
    if root is None:
        return str(path)
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)
