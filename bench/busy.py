"""Other work on the machine: processes that keep cores busy while latencies are measured.

The action server shares its machine with Rasa, the database and background fits; a library that spreads a small
task over every core (OpenMP) can wait for a busy core on every call. Timing the same queries with a busy
neighbour shows it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event

STOP_WAIT_S = 5.0


def neighbours() -> int:
    """How many busy processes to run beside the timed one: every core but one, at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def _spin(stop: Event) -> None:
    """Keep one core busy until told to stop."""
    while not stop.is_set():
        sum(range(10_000))


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """`count` processes spinning on the CPU for the duration of the block."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,), daemon=True, name=f"busy-{i}") for i in range(count)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(STOP_WAIT_S)
            if worker.is_alive():
                worker.terminate()
