"""A thin wrapper around the ``git`` command line (no domain knowledge here).

Every function takes the repository root and runs ``git -C root …`` with a C locale, so
the messages it interprets are stable. Failures become :class:`GitError` (an
``IssueFlowError``; :class:`NothingToCommit`, :class:`TagExists`, :class:`NotARepository`
name the cases callers act on, so no caller reads git's words) with one line naming
the problem ("not a git repository", "unknown revision 'x'", …).

``is_clean`` ignores issue-flow's own state directory (``.issue-flow/``) by default:
gate results and logs are written there by ``issue-flow gate --run`` right before a
release, and must not make the tree look dirty to the release that follows. Pass
``ignore=()`` to see every change.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Iterable, Sequence

from issue_flow.errors import IssueFlowError

STATE_DIR = ".issue-flow/"

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class GitError(IssueFlowError):
    """git refused or failed (one line, exit 2); subclasses name the cases callers handle."""


class NotARepository(GitError):
    """The root is not a git work tree (or not a directory)."""


class NothingToCommit(GitError):
    """``commit`` was given paths that hold no change."""


class TagExists(GitError):
    """The tag to create exists already."""


_found: tuple[str | None, str] | None = None  # (the PATH it was found on, git's path)


def executable() -> str:
    """The git that ``PATH`` names first, as a path (looked up once per value of ``PATH``).

    Why not just ``"git"``: given a bare name, ``subprocess`` tries every ``PATH`` folder with
    fork and exec, about 1.8 ms per command here; given a path, and with descriptors left to
    the close-on-exec flag Python sets on every file it opens (:data:`SPAWN`), it starts
    git with ``posix_spawn`` in about 0.3 ms. A release asks git four questions. The lookup
    is the one ``execvp`` makes (an empty entry is the current folder); with no git on
    ``PATH`` the bare name is returned, so starting it fails as before ("git not found").
    """
    global _found
    path = os.environ.get("PATH")
    if _found is not None and _found[0] == path:
        return _found[1]
    exe = "git"
    for folder in (path if path is not None else os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", "git")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            exe = os.path.abspath(candidate)
            break
    _found = (path, exe)
    return exe


# How git is started: Python opens every file non-inheritable (PEP 446), so the child sees
# its three standard streams only; closing the rest one by one would rule out posix_spawn.
SPAWN = {"close_fds": False}


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def _head_from_files(root: Path) -> str | None:
    """HEAD's commit read from a plain ``.git`` folder, or None to ask git.

    Every release and gate asks for HEAD; reading two small files saves a git process
    (a few milliseconds) each time. Only the plain case is read: HEAD holding a SHA
    (detached), or ``ref: refs/heads/…`` naming a loose ref file or a ``packed-refs`` line.
    A worktree or submodule (``.git`` a file, or ``commondir``), the reftable backend, an
    unborn branch, a ref with ``..`` or anything unexpected returns None, and git answers.
    """
    gitdir = root / ".git"
    try:
        if not gitdir.is_dir() or (gitdir / "commondir").exists() or (gitdir / "reftable").exists():
            return None
        head = (gitdir / "HEAD").read_text(encoding="ascii").strip()
        if _SHA.fullmatch(head):
            return head
        ref = head.removeprefix("ref: ")
        if ref == head or not ref.startswith("refs/heads/") or any(p in ("", ".", "..") for p in ref.split("/")):
            return None
        loose = gitdir / ref
        if loose.is_file():
            sha = loose.read_text(encoding="ascii").strip()
            return sha if _SHA.fullmatch(sha) else None
        packed = gitdir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="ascii").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha if _SHA.fullmatch(sha) else None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("hint:"):
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""


def run_git(root: Path | str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            [executable(), "-C", str(root), *args],
            **SPAWN,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=git_env(),
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git not found: install git or put it on PATH") from None
    except NotADirectoryError:
        raise NotARepository(f"{root}: not a directory") from None
    if check and proc.returncode != 0:
        raise _error(root, args, proc.stderr)
    return proc


def _error(root: Path | str, args: Sequence[str], stderr: str) -> GitError:
    msg = _first_line(stderr) or f"git {args[0]} failed"
    if "not a git repository" in msg:
        return NotARepository(f"{root}: not a git repository")
    if "cannot change to" in msg:
        return NotARepository(f"{root}: no such directory")
    return GitError(f"git {args[0]}: {msg}")


def _check_rev(rev: str) -> None:
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
        raise IssueFlowError(f"unknown revision {rev!r}")


# --------------------------------------------------------------------------- reading


def head_sha(root: Path | str) -> str:
    """The full SHA of HEAD (read from ``.git`` when it is plainly there, else from git)."""
    sha = _head_from_files(Path(root))
    if sha is not None:
        return sha
    proc = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if proc.returncode == 0:
        return proc.stdout.strip()
    if proc.stderr.strip():
        raise _error(root, ["rev-parse"], proc.stderr)
    raise IssueFlowError(f"{root}: no commit yet (HEAD does not exist)")


def resolve(root: Path | str, rev: str) -> str:
    """The full SHA of the commit ``rev`` names (a SHA, a prefix, a branch, a tag…)."""
    _check_rev(rev)
    proc = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    sha = proc.stdout.strip()
    if proc.returncode == 0 and _SHA.fullmatch(sha):
        return sha
    if "not a git repository" in proc.stderr:
        raise _error(root, ["rev-parse"], proc.stderr)
    raise IssueFlowError(f"unknown revision {rev!r} (not a commit in this repository)")


def is_clean(root: Path | str, ignore: Iterable[str] = (STATE_DIR,)) -> bool:
    """True when nothing is staged, modified or untracked (ignored files do not count).

    Paths starting with one of ``ignore`` (by default issue-flow's state directory
    ``.issue-flow/``) do not count either; see the module docstring for why.
    """
    return not dirty_paths(root, ignore, limit=1)


def dirty_paths(root: Path | str, ignore: Iterable[str] = (STATE_DIR,), limit: int | None = None) -> list[str]:
    """The paths that make the tree dirty (staged, modified, untracked), as git names them.

    Same rules as :func:`is_clean`; at most ``limit`` of them when given.
    """
    prefixes = tuple(ignore)
    proc = run_git(root, "status", "--porcelain=v1", "-z", "--untracked-files=normal", "--ignore-submodules=none")
    fields = proc.stdout.split("\0")
    found: list[str] = []
    i = 0
    while i < len(fields):
        item = fields[i]
        i += 1
        if not item:
            continue
        xy, path = item[:2], item[3:]
        paths = [path]
        if "R" in xy or "C" in xy:  # rename/copy: the original path follows
            if i < len(fields):
                paths.append(fields[i])
            i += 1
        for p in paths:
            if not (prefixes and p.startswith(prefixes)) and p not in found:
                found.append(p)
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def require_clean(root: Path | str, ignore: Iterable[str] = (STATE_DIR,), shown: int = 5) -> None:
    """IssueFlowError naming the files when the tree is dirty (see :func:`dirty_paths`)."""
    paths = dirty_paths(root, ignore)
    if not paths:
        return
    names = ", ".join(paths[:shown]) + (f" and {len(paths) - shown} more" if len(paths) > shown else "")
    raise IssueFlowError(f"the working tree has uncommitted changes ({names}): commit or stash them first (git status)")


def tag_exists(root: Path | str, tag: str) -> bool:
    """Whether ``refs/tags/<tag>`` exists (an invalid tag name never exists)."""
    if not tag or tag.startswith("-"):
        return False
    proc = run_git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False)
    if proc.returncode != 0 and "not a git repository" in proc.stderr:
        raise _error(root, ["rev-parse"], proc.stderr)
    return proc.returncode == 0


def tag_commit(root: Path | str, tag: str) -> str | None:
    """The SHA of the commit the tag ``tag`` points at, None when there is no such tag."""
    if not tag or tag.startswith("-"):
        return None
    proc = run_git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}", check=False)
    if proc.returncode != 0:
        if "not a git repository" in proc.stderr:
            raise _error(root, ["rev-parse"], proc.stderr)
        return None
    return proc.stdout.strip() or None


def changed(root: Path | str, paths: Sequence[Path | str]) -> list[str]:
    """Which of ``paths`` differ from HEAD (modified, staged, deleted or untracked)."""
    if not paths:
        return []
    rel = [os.path.relpath(os.path.join(str(root), str(p)), str(root)) for p in paths]
    proc = run_git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *rel)
    return [item[3:] for item in proc.stdout.split("\0") if len(item) > 3 and item[2] == " "]


def existing_tags(root: Path | str, tags: Iterable[str]) -> set[str]:
    """Which of ``tags`` exist, in one git call (tag names cannot hold glob characters)."""
    wanted = [t for t in tags if t and not t.startswith("-") and not any(c in t for c in "*?[\\")]
    if not wanted:
        return set()
    proc = run_git(root, "tag", "--list", *wanted)
    return set(proc.stdout.split()) & set(wanted)


def current_branch(root: Path | str) -> str | None:
    """The checked-out branch, None on a detached HEAD."""
    proc = run_git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if proc.returncode != 0 and "not a git repository" in proc.stderr:
        raise _error(root, ["symbolic-ref"], proc.stderr)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def default_branch(root: Path | str, remote: str = "origin") -> str | None:
    """The remote's default branch as recorded by clone (``refs/remotes/<remote>/HEAD``).

    None when unknown (no such remote, or its HEAD was never fetched); callers fall back
    to the configured ``default_branch``.
    """
    proc = run_git(root, "symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD", check=False)
    if proc.returncode != 0:
        if "not a git repository" in proc.stderr:
            raise _error(root, ["symbolic-ref"], proc.stderr)
        return None
    ref = proc.stdout.strip()
    return ref.split("/", 1)[1] if ref.startswith(f"{remote}/") else (ref or None)


# --------------------------------------------------------------------------- writing


def commit(root: Path | str, paths: Sequence[Path | str], message: str) -> str:
    """Commit exactly ``paths`` (new files included) with ``message``; returns the new SHA.

    Other staged or modified files are left out of the commit and untouched.
    """
    if not paths:
        raise NothingToCommit("nothing to commit: no paths given")
    rel = [os.path.relpath(os.path.join(str(root), str(p)), str(root)) for p in paths]
    run_git(root, "add", "--", *rel)
    proc = run_git(root, "commit", "--quiet", "--no-edit", "-m", message, "--only", "--", *rel, check=False)
    if proc.returncode != 0:
        text = proc.stderr + proc.stdout
        if "nothing to commit" in text or "no changes added" in text or "nothing added" in text:
            raise NothingToCommit(f"nothing to commit in {', '.join(rel)}")
        raise _error(root, ["commit"], proc.stderr or proc.stdout)
    return head_sha(root)


def tag(root: Path | str, name: str, message: str, rev: str = "HEAD") -> None:
    """Create the annotated tag ``name`` on ``rev``; refuses an existing or invalid name."""
    if not name or name.startswith("-"):
        raise IssueFlowError(f"invalid tag name {name!r}")
    check = run_git(root, "check-ref-format", f"refs/tags/{name}", check=False)
    if check.returncode != 0:
        raise IssueFlowError(f"invalid tag name {name!r}")
    if tag_exists(root, name):
        raise TagExists(f"tag {name} already exists")
    _check_rev(rev)
    run_git(root, "tag", "--annotate", "--message", message, "--", name, rev)
