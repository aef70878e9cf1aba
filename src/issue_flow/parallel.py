"""Per-file work on every core, where it pays.

``lint`` and a ``status`` without its cache read every document of the tree, one issue at a
time, independently. Above :data:`PARALLEL_MIN_FILES` documents that work is split into
contiguous chunks of issues run by forked worker processes (one per core, or
``ISSUE_FLOW_JOBS``), and the chunks' results are joined in order, so the output is the
serial output. Below it, or with one core, or where ``fork`` is not available, everything
runs in the process itself: starting workers costs more than a small tree takes.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Sequence

PARALLEL_MIN_FILES = 300  # documents; below this the workers' start-up is not paid back
CHUNKS_PER_JOB = 8  # chunks per worker: uneven chunks still spread over the workers

_work: Callable[[int], Any] | None = None  # the task of the pool being run (inherited by fork)


def jobs() -> int:
    """Worker processes to use: ``ISSUE_FLOW_JOBS``, else the cores this process may run on."""
    value = os.environ.get("ISSUE_FLOW_JOBS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _work is not None
    return [_work(k) for k in range(*bounds)]


def map_in_order(work: Callable[[int], Any], n: int, files: int, weights: Sequence[int] | None = None) -> Iterator[Any]:
    """``work(0) … work(n-1)``, in order; in worker processes when ``files`` (the documents the
    work reads) reaches :data:`PARALLEL_MIN_FILES` and there is more than one core.

    ``work`` runs in forked children, which inherit everything it refers to; what it returns
    is pickled back. ``weights`` (documents per task) balance the chunks.
    """
    global _work
    k = jobs()
    if k <= 1 or files < PARALLEL_MIN_FILES or n < 2:
        for i in range(n):
            yield work(i)
        return
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform
        for i in range(n):
            yield work(i)
        return
    bounds = _bounds(n, k * CHUNKS_PER_JOB, weights)
    _work = work
    try:
        with ctx.Pool(min(k, len(bounds))) as pool:
            for results in pool.imap(_chunk, bounds):
                yield from results
    finally:
        _work = None


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
        if acc >= step * (len(out) + 1) and i + 1 < n:
            out.append((start, i + 1))
            start = i + 1
    out.append((start, n))
    return [b for b in out if b[0] < b[1]]
