"""Per-file work on every core, where it pays.

``lint`` and a ``status`` without its cache read every document of the tree, one issue at a
time, independently. Above :data:`PARALLEL_MIN_FILES` documents that work is split into
contiguous parts of about equal weight, one per core (or ``ISSUE_FLOW_JOBS``): this process
does the last part itself while one forked child per other part does its own and sends its
results back, pickled, through a pipe. The parts are joined in order, so the output is the
serial output.

Why ``os.fork`` and a pipe rather than a ``multiprocessing`` pool: the pool costs about
50 ms of CPU (its import, its threads and queues, a pickled task per chunk), more than the
whole of a ``status`` on a tree of a few hundred documents; a fork costs a few
milliseconds, so both cores pay from about a hundred documents on.

Every child is reaped before :func:`map_in_order` returns or raises. An error in a child's
work is raised here; a child that dies without answering (killed, out of memory) has its
part done again here. Below the threshold, with one core, without ``fork``, or when this
process runs other threads (forking those is unsafe), everything runs in this process.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Iterator, Sequence

PARALLEL_MIN_FILES = 120  # documents; below this a fork is not paid back (benchmarks/run.py)


def jobs() -> int:
    """Worker processes to use: ``ISSUE_FLOW_JOBS``, else the cores this process may run on."""
    value = os.environ.get("ISSUE_FLOW_JOBS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _threads_running() -> bool:
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def map_in_order(work: Callable[[int], Any], n: int, files: int, weights: Sequence[int] | None = None) -> Iterator[Any]:
    """``work(0) … work(n-1)``, in order; in part in forked children when ``files`` (the
    documents the work reads) reaches :data:`PARALLEL_MIN_FILES` and there is more than one
    core. What ``work`` returns (or raises) in a child must pickle; ``weights`` (documents
    per task) balance the parts."""
    k = min(jobs(), n)
    if k <= 1 or files < PARALLEL_MIN_FILES or not hasattr(os, "fork") or _threads_running():
        for i in range(n):
            yield work(i)
        return
    yield from _forked(work, _bounds(n, k, weights))


def _forked(work: Callable[[int], Any], bounds: list[tuple[int, int]]) -> list[Any]:
    import pickle

    children: list[tuple[int, int, tuple[int, int]]] = []  # (pid, read end, part)
    try:
        for part in bounds[:-1]:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its part, pickled into the pipe, then out (no cleanup)
                code = 0
                try:
                    os.close(r)
                    try:
                        answer: tuple[bool, Any] = (True, [work(i) for i in range(*part)])
                    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
                        answer = (False, exc)
                    try:
                        data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
                    except Exception as exc:  # noqa: BLE001 - an error that does not pickle
                        data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
                    with os.fdopen(w, "wb") as out:
                        out.write(data)
                except BaseException:  # noqa: BLE001 - the parent redoes the part
                    code = 1
                finally:
                    os._exit(code)
            os.close(w)
            children.append((pid, r, part))
        mine = [work(i) for i in range(*bounds[-1])]
        results: list[Any] = []
        while children:
            pid, r, part = children[0]
            with os.fdopen(r, "rb") as pipe:
                data = pipe.read()
            children.pop(0)
            os.waitpid(pid, 0)
            if not data:  # the child died without answering: its part is done here
                results.extend(work(i) for i in range(*part))
                continue
            ok, value = pickle.loads(data)
            if not ok:
                raise value
            results.extend(value)
        return results + mine
    finally:
        for pid, r, _part in children:  # left on an error: stopped and reaped
            try:
                os.close(r)
            except OSError:
                pass
            try:
                os.kill(pid, 9)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _bounds(n: int, parts: int, weights: Sequence[int] | None) -> list[tuple[int, int]]:
    """Contiguous ranges of 0..n, about equal in total weight."""
    w = list(weights) if weights is not None else [1] * n
    total = sum(w) or n
    step = max(1, total / parts)
    out = []
    start = 0
    acc = 0.0
    for i in range(n):
        acc += w[i]
        if acc >= step * (len(out) + 1) and i + 1 < n and len(out) < parts - 1:
            out.append((start, i + 1))
            start = i + 1
    out.append((start, n))
    return [b for b in out if b[0] < b[1]]
