"""Figures of one phase from its turn records: throughput, latency percentiles, errors by kind, and the time
the service took to recover after a fault."""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass

from bench.load.records import CLEAR_FAILURE, OK, Turn

RECOVERED_SHARE = 0.7  # "the normal rate": at least this share of the rate before the fault


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Figures:
    """What a phase's records say."""

    turns: int
    seconds: float
    outcomes: dict[str, int]
    p50: float
    p95: float
    p99: float

    @property
    def rate(self) -> float:
        """Answered turns per second."""
        return self.outcomes.get(OK, 0) / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        """Non-200, empty replies and connection errors (clear failures included)."""
        return self.turns - self.outcomes.get(OK, 0)

    @property
    def unclear(self) -> int:
        """Errors that were not a clear Chinese message: empty replies, other statuses, connection errors."""
        return self.errors - self.outcomes.get(CLEAR_FAILURE, 0)


def figures(turns: list[Turn], seconds: float) -> Figures:
    """Figures of `turns` over a phase of `seconds` (latency percentiles of answered turns, in seconds)."""
    latencies = [turn.latency for turn in turns if turn.outcome == OK]
    return Figures(len(turns), seconds, dict(Counter(turn.outcome for turn in turns)),
                   percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99))


def recovery_seconds(turns: list[Turn], fault_at: float, baseline_from: float, window: float) -> float | None:
    """Seconds from the fault until turns succeed again at the normal rate, or None if they never do.

    Normal rate: answered turns per second in [baseline_from, fault_at). Recovered at the first answered turn,
    after the last failed one, at which the answered turns of the trailing `window` seconds reach
    RECOVERED_SHARE of that rate. No failure and no dip gives (almost) 0.
    """
    before = [t for t in turns if t.outcome == OK and baseline_from <= t.ended < fault_at]
    if fault_at <= baseline_from or not before:
        return None
    normal = len(before) / (fault_at - baseline_from)
    failed_after = [t.ended for t in turns if t.outcome != OK and t.ended >= fault_at]
    settled = max(failed_after, default=fault_at)
    done = sorted(t.ended for t in turns if t.outcome == OK)
    for index, moment in enumerate(done):
        if moment < settled:
            continue
        trailing = index + 1 - bisect.bisect_right(done, moment - window)
        if trailing / window >= RECOVERED_SHARE * normal:
            return moment - fault_at
    return None
