"""Plans: every command that changes something first builds a list of actions.

``--dry-run`` prints the plan (file diffs and the remote calls it would make) and stops;
a real run applies it. Printing and applying live here only, so every command behaves
the same way: file writes are staged together and replaced atomically, and remote
calls run in order after the files are ready.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from issue_flow import fsutil
from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record


@record
class FileWrite:
    """Replace (or create) one file. ``old`` is None when the file is new."""

    path: Path
    old: bytes | None
    new: bytes
    why: str = ""

    def render(self, root: Path | None = None) -> str:
        """The unified diff (one line of context), computed on the changed region only.

        difflib over a whole 549 KB lockfile costs more than the rest of a release; a
        bump changes a few bytes, so the common head and tail are found by comparing
        bytes, the file is cut at line starts around the change (keeping the context
        lines), and the hunk headers are shifted back to the file's line numbers. For an
        edit in place this is the very same diff as :meth:`render_whole`.
        """
        old, new = self.old, self.new
        if old is None or old == new:
            return self.render_whole(root)
        limit = min(len(old), len(new))
        head = _common_prefix(old, new, limit)
        tail = _common_suffix(old, new, limit - head)
        start = old.rfind(b"\n", 0, head) + 1  # the first changed line ...
        if start > 0:  # ... and the context line before it
            start = old.rfind(b"\n", 0, start - 1) + 1
        keep = tail  # whole lines of the common tail, after the context line
        for _ in range(2):
            nl = old.find(b"\n", len(old) - keep) if keep else -1
            keep = len(old) - nl - 1 if nl != -1 else 0
        part = FileWrite(self.path, old[start : len(old) - keep], new[start : len(new) - keep], self.why)
        text = part.render_whole(root)
        if start == 0:
            return text
        shift = len(old[:start].decode("utf-8", "replace").splitlines())
        return _HUNK.sub(lambda m: _shift(m, shift), text)

    def render_whole(self, root: Path | None = None) -> str:
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


@record
class Call:
    """A call to the outside world (GitHub, git) described for ``--dry-run``."""

    summary: str
    run: Callable[[], Any]


@record
class Plan:
    writes: list[FileWrite] = factory(list)
    calls: list[Call] = factory(list)
    notes: list[str] = factory(list)
    # Calls that must run before the files are written (e.g. a remote edit that the
    # local base-state file records) go to ``pre_calls``.
    pre_calls: list[Call] = factory(list)
    # The repository the writes must stay in (default: the one the configuration was
    # loaded from, see ``fsutil.set_repository``).
    root: Path | None = None

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

    def apply(self, root: Path | None = None) -> list[Any]:
        """Run pre-calls, write every file (all or none), then run the calls.

        Every target is resolved and checked (inside the repository after following
        symbolic links, a regular file) before the first call or write."""
        root = root or self.root or fsutil._repository
        for w in self.writes:
            fsutil.resolve_target(w.path, root)
        results = [c.run() for c in self.pre_calls]
        for w in self.writes:
            current = _current(w.path)
            if current != w.old:
                raise IssueFlowError(
                    f"{_rel(w.path, root)}: changed on disk while the plan was made; nothing written, run again"
                )
        fsutil.write_files([(w.path, w.new) for w in self.writes], root=root)
        results.extend(c.run() for c in self.calls)
        return results


_STEP = 4096
_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@", re.MULTILINE)


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    i = 0
    while i < limit:
        j = min(i + _STEP, limit)
        if a[i:j] != b[i:j]:
            while a[i] == b[i]:
                i += 1
            return i
        i = j
    return limit


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    la, lb, k = len(a), len(b), 0
    while k < limit:
        m = min(k + _STEP, limit)
        if a[la - m : la - k] != b[lb - m : lb - k]:
            while a[la - 1 - k] == b[lb - 1 - k]:
                k += 1
            return k
        k = m
    return limit


def _shift(m: re.Match[str], by: int) -> str:
    return f"@@ -{int(m.group(1)) + by}{m.group(2)} +{int(m.group(3)) + by}{m.group(4)} @@"


def _current(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IssueFlowError(fsutil.os_error(path, exc, "cannot read") + "; nothing written") from None


def _rel(path: Path, root: Path | None) -> str:
    if root is None:
        return str(path)
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)
