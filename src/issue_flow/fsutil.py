"""File helpers: byte-exact reads, the one write path, and a repository lock.

Every file issue-flow writes in a repository goes through :func:`write_files` (``Plan.apply``
calls it; :func:`atomic_write` and :func:`atomic_write_many` are shorthands):

- each target is resolved (symlinks followed) and refused when it leads outside the
  repository; a symlinked file is written *through* (its target changes, the link stays);
- new bytes are staged next to the target (in the repository's git directory,
  ``<git-dir>/issue-flow-tmp/``, when that is on the target's device, else in the target's
  own directory), flushed and fsynced, then renamed over the target: a reader or a crash
  sees the old file or the new one, never a mix;
- the files of one write are all-or-nothing: the old version of each is kept (a hard link,
  or a copy) until every rename has succeeded; a failing rename (full disk, read-only or
  immutable file, another device) puts back the files already replaced, and a writer
  killed between two renames leaves a journal that the next writer (under
  :func:`repo_lock`) uses to put the old files back before it reads anything.

Over ~400 lines on purpose, for now: the target resolution, the staging rule, the
all-or-nothing write, the journal it leaves and the recovery that reads that journal
(under the lock, or at start-up) are one crash-safety contract: the journal format, the
staging folder and the digests are shared by both halves, and each half calls the other
(a write first recovers; recovery undoes what a write staged). The separable parts are the
byte-exact reads and the cache folder (:func:`read_bytes`, :func:`decode_utf8`,
:func:`hasher`, :func:`cache_dir`, about 90 lines) and the lock (:func:`repo_lock`,
:func:`recover_if_interrupted`); they move out once their callers in the other layers
stop changing (every command, the plan executor and the document model import them here).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import Iterable, Iterator

from issue_flow.errors import IssueFlowError

STAGING = "issue-flow-tmp"
JOURNAL = "issue-flow-journal.json"  # in the staging folder, or ``.NAME`` at the root without one

_repository: Path | None = None


def set_repository(root: Path | str | None) -> None:
    """The repository of this run: writes under it must stay inside it (``load_config``)."""
    global _repository
    _repository = Path(os.path.abspath(root)) if root is not None else None


def repository() -> Path | None:
    """The repository set by :func:`set_repository` (None before a configuration is loaded)."""
    return _repository


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
    except (OSError, ValueError):
        return None
    return folder if os.access(folder, os.W_OK) else None


def os_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> str:
    """``PATH: cannot write (No space left on device)``: an OSError as a message part."""
    reason = exc.strerror or type(exc).__name__
    return f"{path}: {doing} ({reason})"


def read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:  # what Path.read_bytes does, without a Path made per file
            return f.read()
    except FileNotFoundError:
        raise IssueFlowError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise IssueFlowError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise IssueFlowError(os_error(path, exc, "cannot read")) from None
    except ValueError as exc:  # NUL in the path
        raise IssueFlowError(f"{path!r}: not a valid path ({exc})") from None


def decode_utf8(data: bytes, path: Path | str) -> str:
    """The text of a file; a file that is not UTF-8 text (or holds NUL bytes) is refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IssueFlowError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if b"\x00" in data:  # (found in the bytes: a quarter of the time of a search of the text)
        raise IssueFlowError(f"{path}: not a text file (NUL byte at {text.index(chr(0))})")
    return text


# --------------------------------------------------------------------------- where


def find_repository(path: Path | str) -> Path | None:
    """The repository holding ``path``: the registered one when ``path`` lies in it, else
    the nearest directory above it with ``.git`` or ``.issue-flow.toml`` (as ``find_root``
    does; never further up, so an unrelated ancestor's ``.git`` is never used)."""
    p = os.path.abspath(path)
    if _repository is not None and _within(p, str(_repository)):
        return _repository
    d = Path(p).parent
    for cand in (d, *d.parents):
        try:
            if (cand / ".git").exists() or (cand / ".issue-flow.toml").is_file():
                return cand
        except OSError:
            return None
    return None


def git_dir(root: Path | str) -> Path | None:
    """The git directory of the work tree at ``root``: ``.git`` itself, or the folder a
    ``.git`` file names (``gitdir: …``, as in a worktree or a submodule); None without."""
    dot = Path(root) / ".git"
    try:
        if dot.is_dir():
            return dot
        if dot.is_file():
            text = dot.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:"):].strip())
                target = target if target.is_absolute() else Path(root) / target
                return target if target.is_dir() else None
    except OSError:
        return None
    return None


def _staging_root(root: Path | None) -> Path | None:
    """``<git-dir>/issue-flow-tmp`` of the repository (made when missing), or None."""
    if root is None:
        return None
    gd = git_dir(root)
    if gd is None:
        return None
    staging = gd / STAGING
    try:
        staging.mkdir(exist_ok=True)
    except OSError:
        return None
    return staging


def _device(path: str) -> int | None:
    """The device of ``path``'s nearest existing directory."""
    d = os.path.dirname(path)
    while True:
        try:
            return os.stat(d).st_dev
        except FileNotFoundError:
            parent = os.path.dirname(d)
            if parent == d:
                return None
            d = parent
        except OSError:
            return None


def _staging_dir(path: Path, root: Path | None = None) -> Path:
    """Where to stage a new version of ``path``: the repository's ``<git-dir>/issue-flow-tmp``
    when it is on the same device as the target's directory (so a writer killed mid-way
    leaves nothing in the work tree), else the target's own directory."""
    target = os.path.realpath(path)
    root = root if root is not None else find_repository(target)
    staging = _staging_root(root)
    if staging is not None:
        with contextlib.suppress(OSError):
            if os.stat(staging).st_dev == _device(target):
                return staging
    return Path(os.path.dirname(target))


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_target(path: Path | str, root: Path | str | None) -> str:
    """The file a write of ``path`` really changes (symlinks followed), refused when it
    lies outside ``root`` (after following links) or is not a regular file."""
    shown = _shown(path, root)
    try:
        target = os.path.realpath(path)
    except (OSError, ValueError) as exc:
        raise IssueFlowError(f"{shown!r}: not a valid path ({exc}); nothing written") from None
    if root is not None and not _within(target, os.path.realpath(root)):
        how = f" (through a symbolic link to {target})" if target != os.path.abspath(path) else ""
        raise IssueFlowError(f"{shown}: leads outside the repository{how}; nothing written")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise IssueFlowError(os_error(shown, exc) + "; nothing written") from None
    import stat as stat_

    if stat_.S_ISDIR(st.st_mode):
        raise IssueFlowError(f"{shown}: is a directory, not a file; nothing written")
    if not stat_.S_ISREG(st.st_mode):
        raise IssueFlowError(f"{shown}: not a regular file; nothing written")
    return target


def _shown(path: Path | str, root: Path | str | None) -> str:
    if root is None:
        return str(path)
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


# --------------------------------------------------------------------------- the write path


def atomic_write(path: Path, data: bytes, *, root: Path | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (old or new, never a mix)."""
    write_files([(Path(path), data)], root=root)


def atomic_write_many(items: list[tuple[Path, bytes]], *, root: Path | None = None) -> None:
    """Write every file or none (see :func:`write_files`)."""
    write_files(items, root=root)


def _tmp_name(folder: str, name: str, tag: str = "") -> str:
    return os.path.join(folder, f".{name}.{os.urandom(4).hex()}{tag}.tmp")


def _mkdirs(target: str, created: list[str]) -> None:
    """Make the missing directories above ``target``, recording the ones made."""
    missing = []
    d = os.path.dirname(target)
    while not os.path.isdir(d):
        missing.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for d in reversed(missing):
        os.mkdir(d)
        created.append(d)


def _create(path: str, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(path, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


class _Entry:
    __slots__ = ("shown", "target", "data", "staged", "backup", "existed", "mode", "replaced")

    def __init__(self, shown: str, target: str, data: bytes):
        self.shown, self.target, self.data = shown, target, data
        self.staged = self.backup = ""
        self.existed = os.path.lexists(target)
        self.mode = 0o644
        self.replaced = False


def write_files(items: Iterable[tuple[Path, bytes]], *, root: Path | str | None = None) -> None:
    """Write every file of ``items`` or none of them.

    ``root`` bounds the writes (default: the registered repository when the paths lie in
    it, so caches outside it are not bounded). A failure is an :class:`IssueFlowError`
    naming the file and the reason, saying that nothing was written, or, when a file
    could not be put back, what is left and how to finish.
    """
    from issue_flow.tokens import redact_bytes

    items = [(Path(p), redact_bytes(d)) for p, d in items]  # no token in any file
    if not items:
        return
    if root is None and _repository is not None and _bounded(items, _repository):
        root = _repository
    bound = root
    if root is not None:
        recover(root)
    entries: list[_Entry] = []
    seen: dict[str, str] = {}
    for path, data in items:
        shown = _shown(path, root)
        target = resolve_target(path, bound)
        if target in seen:
            raise IssueFlowError(f"{shown} and {seen[target]} are the same file; nothing written")
        seen[target] = shown
        entries.append(_Entry(shown, target, data))
    staging = _staging_root(root) if root is not None else None
    journal = _journal_path(root, staging) if root is not None and len(entries) > 1 else None
    created: list[str] = []
    current = entries[0]
    try:
        for e in entries:
            folder = os.path.dirname(e.target)
            sdir = folder
            if staging is not None:
                with contextlib.suppress(OSError):
                    if os.stat(staging).st_dev == _device(e.target):
                        sdir = str(staging)
            name = os.path.basename(e.target)
            e.staged = _tmp_name(sdir, name)
            if e.existed:
                e.backup = _tmp_name(sdir, name, ".old")
        if journal is not None:
            _write_journal(journal, entries, created, "staging")
        for e in entries:
            current = e
            _mkdirs(e.target, created)
            if e.existed:
                with contextlib.suppress(OSError):
                    e.mode = os.stat(e.target).st_mode & 0o7777
            _create(e.staged, e.data, e.mode)
            if e.existed and journal is not None:
                _keep_old(e)
        if journal is not None:
            _write_journal(journal, entries, created, "replacing")
    except OSError as exc:
        _discard(entries, created, journal)
        raise IssueFlowError(os_error(current.shown, exc) + "; nothing written") from None
    except BaseException:
        _discard(entries, created, journal)
        raise
    for e in entries:
        try:
            _replace(e)
        except OSError as exc:
            _roll_back(entries, created, journal, e, exc)
        except BaseException:
            _roll_back(entries, created, journal, e, None)
            raise
    for e in entries:
        if e.backup:
            with contextlib.suppress(OSError):
                os.unlink(e.backup)
    if journal is not None:
        with contextlib.suppress(OSError):
            os.unlink(journal)


def _bounded(items: list[tuple[Path, bytes]], root: Path | str) -> bool:
    r = os.path.abspath(root)
    return all(_within(os.path.abspath(p), r) for p, _ in items)


def _keep_old(e: _Entry) -> None:
    """Keep the old version of ``e.target`` until the write is over (for kills)."""
    try:
        os.link(e.target, e.backup)
    except OSError:
        with open(e.target, "rb") as fh:
            old = fh.read()
        _create(e.backup, old, e.mode)


def _replace(e: _Entry) -> None:
    try:
        os.replace(e.staged, e.target)
    except OSError as exc:
        if exc.errno != errno.EXDEV or os.path.dirname(e.staged) == os.path.dirname(e.target):
            raise
        # Another file system after all (a bind mount): stage beside the target instead.
        again = _tmp_name(os.path.dirname(e.target), os.path.basename(e.target))
        _create(again, e.data, e.mode)
        with contextlib.suppress(OSError):
            os.unlink(e.staged)
        e.staged = again
        os.replace(e.staged, e.target)
    e.replaced = True


def _discard(entries: list[_Entry], created: list[str], journal: str | None) -> None:
    for e in entries:
        for p in (e.staged, e.backup):
            if p:
                with contextlib.suppress(OSError):
                    os.unlink(p)
    for d in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(d)
    if journal is not None:
        with contextlib.suppress(OSError):
            os.unlink(journal)


def _roll_back(entries: list[_Entry], created: list[str], journal: str | None, failed: _Entry, exc: OSError | None) -> None:
    """Put back every file already replaced; raise the error that says what happened."""
    stuck: list[str] = []
    problem = ""
    for e in entries:
        if not e.replaced:
            continue
        try:
            if e.backup:
                os.replace(e.backup, e.target)
                e.backup = ""
            else:
                os.unlink(e.target)
            e.replaced = False
        except OSError as err:
            stuck.append(e.shown)
            problem = problem or (err.strerror or type(err).__name__)
    if exc is None:
        if not stuck:
            _discard(entries, created, journal)
        return
    what = os_error(failed.shown, exc)
    if not stuck:
        _discard(entries, created, journal)
        raise IssueFlowError(f"{what}; nothing written (every file is as it was)")
    done = sum(e.replaced for e in entries)
    raise IssueFlowError(
        f"{what}; {done} of {len(entries)} files were written and could not be put back ({problem}): "
        f"{', '.join(stuck)}; their old versions are kept beside them and the next issue-flow "
        f"command that writes puts them back (fix the cause, then run the command again)"
    )


# --------------------------------------------------------------------------- the journal


def _journal_path(root: Path | str, staging: Path | None) -> str:
    return str(staging / JOURNAL) if staging is not None else os.path.join(str(root), "." + JOURNAL)


def _write_journal(path: str, entries: list[_Entry], created: list[str], phase: str) -> None:
    hasher_ = hasher
    data = {
        "phase": phase,
        "dirs": created,
        "files": [
            {"target": e.target, "staged": e.staged, "backup": e.backup, "existed": e.existed,
             "new": _digest(hasher_, e.data)}
            for e in entries
        ],
    }
    tmp = path + f".{os.urandom(4).hex()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def _digest(make, data: bytes) -> str:
    h = make()
    h.update(data)
    return h.hexdigest()


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return _digest(hasher, fh.read())
    except OSError:
        return None


def recover(root: Path | str) -> None:
    """Finish what a writer killed mid-way left: when its journal is found, either every
    file it wrote is new (then only its leftovers are removed) or the old version of each
    file is put back, so the files are never some old and some new."""
    staging = None
    gd = git_dir(root)
    if gd is not None and (gd / STAGING).is_dir():
        staging = gd / STAGING
    path = _journal_path(root, staging)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        files = data["files"]
        dirs = data.get("dirs", [])
        phase = data.get("phase")
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    all_new = phase == "replacing" and all(_file_digest(f["target"]) == f["new"] for f in files)
    stuck = []
    changed = 0
    for f in files:
        try:
            if not all_new and phase == "replacing":
                if f.get("backup") and os.path.exists(f["backup"]):
                    if not _same(f["backup"], f["target"]):
                        changed += 1
                        os.replace(f["backup"], f["target"])
                elif not f.get("existed") and _file_digest(f["target"]) == f["new"]:
                    changed += 1
                    os.unlink(f["target"])
            for p in (f.get("staged"), f.get("backup")):
                if p and os.path.lexists(p):
                    os.unlink(p)
        except OSError as exc:
            stuck.append(os_error(f["target"], exc, "cannot put back"))
    if stuck:
        raise IssueFlowError(
            f"an interrupted write left files half written and they could not be put back: {stuck[0]}; "
            f"fix the cause and run the command again"
        )
    if not all_new:
        for d in reversed(dirs):
            with contextlib.suppress(OSError):
                os.rmdir(d)
    with contextlib.suppress(OSError):
        os.unlink(path)
    if changed:
        sys.stderr.write(
            f"issue-flow: note: a write interrupted after {changed} of {len(files)} files was undone: "
            "every file is as it was before it\n"
        )


def _same(a: str, b: str) -> bool:
    """``a`` and ``b`` hold the same bytes (the same file, or equal content)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        return False
    return _file_digest(a) == _file_digest(b)


def recover_if_interrupted(root: Path | str) -> None:
    """:func:`recover` when a killed writer's journal is there and no writer is at work
    (every command calls this when it loads the configuration, readers too, so nobody
    sees some files old and some new for longer than the killed writer's last moment)."""
    gd = git_dir(root)
    if not os.path.exists(_journal_path(root, gd / STAGING if gd is not None else None)):
        return
    import fcntl

    try:
        fd = os.open(gd or Path(root), os.O_RDONLY)
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # a writer is at work: the journal is its own
        try:
            recover(root)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def repo_lock(root: Path) -> Iterator[None]:
    """Serialise writers on one repository (processes, not only threads).

    Two ``issue-flow check`` runs on the same folder at once must both land: each takes
    this lock before reading the files it will change. The lock is an ``flock`` on the
    repository's git directory (or on the root directory itself), so no lock file is
    ever left in the work tree. Holding it, a writer first finishes what a killed writer
    left (:func:`recover`), before it reads anything.
    """
    import fcntl

    target = git_dir(root) or Path(root)
    fd = os.open(target, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            recover(root)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
