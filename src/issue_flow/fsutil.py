"""File helpers: byte-exact reads, atomic writes and a repository lock.

Writes go to a temporary file in the same directory followed by ``os.replace`` so a
reader (or a crash) only ever sees the old or the new file, never a mix. Several files
that belong to one change are staged first and replaced together at the end, so a
failure while preparing leaves every file untouched.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from issue_flow.errors import IssueFlowError


def hasher():
    """A BLAKE2b hash object (128-bit digest) for cache keys.

    ``hashlib`` loads OpenSSL on import (20 ms on this machine, more than a whole
    ``--dry-run`` can spare); the built-in ``_blake2`` module loads in well under a
    millisecond and gives the same algorithm.
    """
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(digest_size=16)


def cache_dir(what: str) -> Path | None:
    """``$XDG_CACHE_HOME/issue-flow/<what>`` (made when missing), or None: no cache.

    Caches are never in the repository. ``ISSUE_FLOW_NO_CACHE=1`` turns every cache off,
    and a folder that cannot be made means no cache.
    """
    if os.environ.get("ISSUE_FLOW_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "issue-flow" / what
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise IssueFlowError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise IssueFlowError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise IssueFlowError(f"{path}: cannot read ({exc.strerror})") from None


def decode_utf8(data: bytes, path: Path | str) -> str:
    """The text of a file; a file that is not UTF-8 text (or holds NUL bytes) is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IssueFlowError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise IssueFlowError(f"{path}: not a text file (NUL byte at {text.index(chr(0))})")
    return text


def _staging_dir(path: Path) -> Path:
    """Where to stage a new version of ``path``: ``.git/issue-flow-tmp`` of the work tree
    that holds it, so a writer killed mid-way leaves nothing in the tree (nothing for
    ``git status`` to see, nothing a rerun trips over); else the file's own directory."""
    for d in (path.parent, *path.parent.parents):
        git_dir = d / ".git"
        if git_dir.is_dir():
            staging = git_dir / "issue-flow-tmp"
            try:
                staging.mkdir(exist_ok=True)
                if staging.stat().st_dev == d.stat().st_dev:
                    return staging
            except OSError:
                pass
            break
    return path.parent


def _stage(path: Path, data: bytes) -> str:
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_staging_dir(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (old or new, never a mix)."""
    atomic_write_many([(Path(path), data)])


def atomic_write_many(items: list[tuple[Path, bytes]]) -> None:
    """Stage every file first, then replace them one after another.

    If staging any file fails, nothing is replaced.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            staged.append((_stage(path, data), Path(path)))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


@contextlib.contextmanager
def repo_lock(root: Path) -> Iterator[None]:
    """Serialise writers on one repository (processes, not only threads).

    Two ``issue-flow check`` runs on the same folder at once must both land: each takes
    this lock before reading the files it will change. The lock is an ``flock`` on the
    repository's ``.git`` directory (or on the root directory itself), so no lock file is
    ever left in the work tree.
    """
    import fcntl

    git_dir = Path(root) / ".git"
    target = git_dir if git_dir.is_dir() else Path(root)
    fd = os.open(target, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
