"""Plans: every command that changes something first builds a list of typed actions.

``--dry-run`` prints the plan and stops; ``--json`` prints the same plan as data, then
the result; a real run applies it. Printing and applying live here only, so every
command behaves the same way.

How to use it (a command converted to the executor):

1. Build a :class:`Plan`: ``plan.write(path, old, new, why)`` for files, ``plan.add(action)``
   for anything else -- :class:`GitCommit`, :class:`GitTag`, :class:`GitHubCall`, or an
   action of a use-case (``workflows.gate_results.GateRecord``,
   ``workflows.gate_run.GateRun``). ``before_writes=True`` puts an action before the file
   writes (a remote edit a local file then records).
2. Hand it to :func:`execute` (or ``output.run_plan`` / ``output.plan_json``): under
   ``dry_run`` nothing happens and each action says what it would do; otherwise the
   actions before the writes run in order, every file is written at once (all or none,
   ``fsutil.write_files``), then the other actions run in order. An action that
   :meth:`Action.already_done` says took effect (a file holding the new bytes, a tag on the
   right commit, a commit whose files match) is skipped, so a rerun after a partial
   failure resumes. The first failure stops the run with one line naming what was done
   and what was not (:class:`PlanFailed`, exit 2).
3. Read results from the :class:`Outcome` (``outcome.result(action)``) or from the action
   itself (``GitCommit.sha``): no closure fills a dict.

An action is anything with ``describe(root)`` (text for ``--dry-run``), ``to_dict(root)``
(the same for ``--json``), ``already_done()`` and ``apply()`` returning its result.
:class:`Call` (a summary and a closure) remains for commands not converted yet.

Over ~400 lines on purpose: the plan, its executor and the generic actions (a file
write with its diff, a git commit, a git tag, a GitHub call) are one contract that every
writer relies on: the executor reads the actions' order and kinds (``before_writes``,
the file writes applied at once), ``Plan.render`` and ``Outcome.to_data`` are the
actions' ``describe``/``to_dict``. The byte-level diff helpers at the end
(``_common_prefix``/``_common_suffix``/``_shift``) serve ``FileWrite.render`` alone;
kept here, a ``--dry-run`` loads one module less.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from issue_flow import fsutil
from issue_flow.errors import IssueFlowError
from issue_flow.records import factory, record


class Action:
    """The interface of a planned action (see the module docstring)."""

    kind = "action"
    label = "action"  # what it is, in a few words, for "done: ...; not done: ..."
    result: Any = None

    def describe(self, root: Path | None = None) -> str:
        return f"call {self.label}"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        return {"action": self.kind, "summary": self.describe(root)}

    def already_done(self) -> bool:
        return False

    def apply(self) -> Any:
        raise NotImplementedError


@record
class FileWrite(Action):
    """Replace (or create) one file. ``old`` is None when the file is new."""

    path: Path
    old: bytes | None
    new: bytes
    why: str = ""

    kind = "write"

    @property
    def label(self) -> str:  # type: ignore[override]
        return str(self.path)

    def describe(self, root: Path | None = None) -> str:
        return self.render(root)

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        return {"action": "write", "path": _rel(self.path, root), "create": self.old is None, "why": self.why}

    def already_done(self) -> bool:
        return _current(self.path) == self.new

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
class Call(Action):
    """A call to the outside world described by a summary (commands not converted yet)."""

    summary: str
    run: Callable[[], Any]

    kind = "call"

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.summary

    def apply(self) -> Any:
        return self.run()


@record
class Plan:
    writes: list[FileWrite] = factory(list)
    calls: list[Action] = factory(list)
    notes: list[str] = factory(list)
    # Actions that must run before the files are written (e.g. a remote edit that the
    # local base-state file records) go to ``pre_calls``.
    pre_calls: list[Action] = factory(list)
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

    def add(self, action: Action, *, before_writes: bool = False) -> Action:
        """Add a typed action (run after the file writes unless ``before_writes``)."""
        (self.pre_calls if before_writes else self.calls).append(action)
        return action

    def call(self, summary: str, run: Callable[[], Any], *, before_writes: bool = False) -> None:
        self.add(Call(summary, run), before_writes=before_writes)

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def empty(self) -> bool:
        return not (self.writes or self.calls or self.pre_calls)

    @property
    def actions(self) -> list[Action]:
        """Every action in the order a run applies them."""
        return [*self.pre_calls, *self.writes, *self.calls]

    def render(self, root: Path | None = None) -> str:
        out = [a.describe(root or self.root) for a in self.actions]
        return "\n".join(out or ["nothing to do"])

    def to_data(self, root: Path | None = None) -> list[dict[str, Any]]:
        """The plan as data (``--json``): one object per action, in order."""
        return [a.to_dict(root or self.root) for a in self.actions]

    def apply(self, root: Path | None = None) -> list[Any]:
        """Apply the plan (see :func:`execute`); returns the results of the non-file actions."""
        outcome = execute(self, root)
        return [s.result for s in outcome.steps if not isinstance(s.action, FileWrite)]


# --------------------------------------------------------------------------- git and GitHub


@record
class GitCommit(Action):
    """One commit of exactly ``paths`` (relative to ``root``) with ``message``.

    Already done when none of the paths differs from HEAD (a rerun after the commit was
    made, or files that already hold what the commit would record): its SHA is HEAD's.
    """

    root: Path
    paths: list[str]
    message: str
    sha: str | None = None

    kind = "git-commit"
    failure = "not committed"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"commit of {len(self.paths)} files"

    @property
    def subject(self) -> str:
        return self.message.splitlines()[0] if self.message else ""

    def describe(self, root: Path | None = None) -> str:
        return f"call git commit {len(self.paths)} files: {self.subject!r}"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        return {"action": self.kind, "paths": list(self.paths), "message": self.message}

    def already_done(self) -> bool:
        from issue_flow.adapters import git

        if git.changed(self.root, self.paths):
            return False
        self.sha = self.result = git.head_sha(self.root)
        return True

    def apply(self) -> str:
        from issue_flow.adapters import git

        self.sha = self.result = git.commit(self.root, self.paths, self.message)
        return self.sha


@record
class GitTag(Action):
    """The annotated tag ``name`` on ``target``: a revision, or the commit a
    :class:`GitCommit` of the same plan makes. Already done when the tag exists and
    points at that commit; one on another commit is an error, never moved."""

    root: Path
    name: str
    message: str
    target: Any = "HEAD"
    exists_ok: bool = False  # finishing an earlier release: the tag, wherever it points, is done

    kind = "git-tag"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"tag {self.name}"

    def _target(self) -> str:
        if isinstance(self.target, GitCommit):
            if self.target.sha is None:
                raise IssueFlowError(f"tag {self.name}: the commit it goes on was not made")
            return self.target.sha
        return str(self.target)

    def describe(self, root: Path | None = None) -> str:
        on = "on the release commit" if isinstance(self.target, GitCommit) else f"on {self.target}"
        return f"call git tag {self.name} (annotated, {on})"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        target = "commit" if isinstance(self.target, GitCommit) else str(self.target)
        return {"action": self.kind, "name": self.name, "message": self.message, "target": target}

    def already_done(self) -> bool:
        from issue_flow.adapters import git

        at = git.tag_commit(self.root, self.name)
        if at is None or (not self.exists_ok and at != git.resolve(self.root, self._target())):
            return False
        self.result = self.name
        return True

    def apply(self) -> str:
        from issue_flow.adapters import git

        target = self._target()
        at = git.tag_commit(self.root, self.name)
        if at is not None:
            raise git.TagExists(f"tag {self.name} already exists on {at[:12]}, not on {git.resolve(self.root, target)[:12]}")
        git.tag(self.root, self.name, self.message, target)
        self.result = self.name
        return self.name


@record
class GitHubCall(Action):
    """A request (or a few) to GitHub: ``run()`` gives its result; ``check()``, when
    given, says whether it already took effect (returning the result then, else None)."""

    summary: str
    run: Callable[[], Any]
    data: dict = factory(dict)
    check: Callable[[], Any] | None = None
    failure: str = ""  # the start of the error line ("GitHub Release v1 was not created")

    kind = "github"

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.summary

    def describe(self, root: Path | None = None) -> str:
        return f"call {self.summary}"

    def to_dict(self, root: Path | None = None) -> dict[str, Any]:
        return {"action": self.kind, "summary": self.summary, **self.data}

    def already_done(self) -> bool:
        if self.check is None:
            return False
        found = self.check()
        if found is None:
            return False
        self.result = found
        return True

    def apply(self) -> Any:
        self.result = self.run()
        return self.result


# --------------------------------------------------------------------------- the executor


@record
class Step:
    """What became of one action: ``planned`` (dry run), ``done``, ``already done``,
    ``failed`` or ``not run`` (after a failure)."""

    action: Action
    status: str = "planned"
    result: Any = None
    error: str | None = None


@record
class Outcome:
    steps: list[Step] = factory(list)
    applied: bool = False

    def result(self, action: Action) -> Any:
        for s in self.steps:
            if s.action is action:
                return s.result
        return None

    def to_data(self, root: Path | None = None) -> list[dict[str, Any]]:
        """The plan as data, each action with what became of it."""
        out = []
        for s in self.steps:
            d = s.action.to_dict(root)
            d["status"] = s.status
            if s.error:
                d["error"] = s.error
            out.append(d)
        return out


class PlanFailed(IssueFlowError):
    """An action failed: the line names it, what was done before it and what was not."""

    def __init__(self, message: str, outcome: Outcome):
        super().__init__(message)
        self.outcome = outcome


def execute(plan: Plan, root: Path | None = None, *, dry_run: bool = False) -> Outcome:
    """Apply ``plan`` (or, with ``dry_run``, only say what each action would do).

    Order: the actions before the writes, every file write at once (all or none), the
    other actions. Actions that already took effect are skipped (resume). Every write
    target is checked (inside the repository after following links, a regular file, not
    changed on disk since the plan was made) before the first action runs.
    """
    outcome = Outcome([Step(a) for a in plan.actions])
    if dry_run:
        return outcome
    root = root or plan.root or fsutil.repository()
    for w in plan.writes:
        fsutil.resolve_target(w.path, root)
    pending: list[FileWrite] = []
    for w in plan.writes:
        current = _current(w.path)
        if current == w.new:
            continue
        if current != w.old:
            raise IssueFlowError(
                f"{_rel(w.path, root)}: changed on disk while the plan was made; nothing written, run again"
            )
        pending.append(w)
    outcome.applied = True
    steps = {id(s.action): s for s in outcome.steps}
    for a in plan.pre_calls:
        _run(steps[id(a)], outcome, root)
    try:
        fsutil.write_files([(w.path, w.new) for w in pending], root=root)
    except IssueFlowError as exc:
        raise PlanFailed(_failure(exc.message, outcome, root), outcome) from None
    for w in plan.writes:
        steps[id(w)].status = "done" if w in pending else "already done"
    for a in plan.calls:
        _run(steps[id(a)], outcome, root)
    return outcome


def _run(step: Step, outcome: Outcome, root: Path | None) -> None:
    a = step.action
    try:
        if a.already_done():
            step.status, step.result = "already done", a.result
            return
        step.result = a.apply()
        step.status = "done"
    except PlanFailed:
        raise
    except IssueFlowError as exc:
        step.status, step.error = "failed", exc.message
        for s in outcome.steps:
            if s.status == "planned":
                s.status = "not run"
        failure = getattr(a, "failure", "") or f"{a.label} not done"
        raise PlanFailed(_failure(f"{failure}: {exc.message}", outcome, root), outcome) from None


def _failure(message: str, outcome: Outcome, root: Path | None) -> str:
    writes = [s for s in outcome.steps if isinstance(s.action, FileWrite) and s.status in ("done", "already done")]
    done = [f"{len(writes)} file{'s' if len(writes) != 1 else ''} written"] if writes else []
    done += [s.action.label for s in outcome.steps if s.status in ("done", "already done") and not isinstance(s.action, FileWrite)]
    left = [s.action.label for s in outcome.steps if s.status in ("not run", "failed") and not isinstance(s.action, FileWrite)]
    tail = f" (done: {', '.join(done) or 'nothing'}; not done: {', '.join(left) or 'nothing'}; run the same command again to finish)"
    return message + tail


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
