"""The benchmark's busy neighbours: processes that keep cores busy while latencies are timed, gone afterwards."""

from __future__ import annotations

import multiprocessing
import time

import psutil

from bench.busy import busy_cores, neighbours


def busy_children() -> list[psutil.Process]:
    """The worker processes multiprocessing started from this one and that still run."""
    return [psutil.Process(child.pid) for child in multiprocessing.active_children() if child.name.startswith("busy-")]


def test_busy_neighbours_use_the_cpu_during_the_block_and_are_gone_after_it() -> None:
    assert neighbours() >= 1
    with busy_cores(2):
        children = busy_children()
        assert len(children) == 2
        for child in children:
            child.cpu_percent(None)
        time.sleep(0.5)
        assert all(child.cpu_percent(None) > 30 for child in children)
    time.sleep(0.2)
    assert busy_children() == []
