"""Per-file work on both cores (issue_flow.parallel): the serial result, in order, from
forked workers that are always reaped; a worker's failure is the caller's error."""

from __future__ import annotations

import os

import pytest

from issue_flow import parallel
from issue_flow.errors import IssueFlowError


@pytest.fixture
def forked(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "2")


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False  # a child is still there (running, or not reaped)


@pytest.mark.parametrize("jobs", ["2", "3", "5"])
@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_results_are_the_serial_results_in_order(forked, monkeypatch, jobs, n):
    monkeypatch.setenv("ISSUE_FLOW_JOBS", jobs)
    got = list(parallel.map_in_order(lambda i: (i, i * i, os.getpid()), n, files=n))
    assert [(i, sq) for i, sq, _ in got] == [(i, i * i) for i in range(n)]
    pids = {pid for _, _, pid in got}
    assert len(pids) == min(int(jobs), n)  # every worker did a part, this process one of them
    assert os.getpid() in pids
    assert _no_children_left()


def test_weights_balance_the_parts(forked):
    weights = [100] + [1] * 99  # one heavy task: its part holds little else
    got = list(parallel.map_in_order(lambda i: os.getpid(), 100, files=199, weights=weights))
    assert got[0] != got[-1] and got.count(got[0]) < 10


@pytest.mark.parametrize(("failing", "error"), [
    (1, IssueFlowError("cannot read item 1")),  # in a child's part: raised here
    (5, ValueError("boom")),  # in this process's part: the children are stopped
])
def test_an_error_is_raised_here_and_every_worker_is_reaped(forked, failing, error):
    def work(i):
        if i == failing:
            raise error
        return i

    with pytest.raises(type(error), match=f"^{error}$"):
        list(parallel.map_in_order(work, 6, files=6))
    assert _no_children_left()


def test_a_worker_that_dies_is_done_again_here(forked):
    def work(i):
        if i == 0 and os.getpid() != parent:
            os._exit(3)  # the worker is killed mid-way (out of memory, a signal)
        return i

    parent = os.getpid()
    assert list(parallel.map_in_order(work, 4, files=4)) == [0, 1, 2, 3]
    assert _no_children_left()


def test_small_trees_and_one_core_stay_in_this_process(monkeypatch):
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "2")
    assert {pid for pid in parallel.map_in_order(lambda i: os.getpid(), 5, files=parallel.PARALLEL_MIN_FILES - 1)} == {os.getpid()}
    monkeypatch.setenv("ISSUE_FLOW_JOBS", "1")
    assert {pid for pid in parallel.map_in_order(lambda i: os.getpid(), 5, files=10**6)} == {os.getpid()}
