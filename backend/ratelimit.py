"""In-memory sliding-window rate limiting, per key (end user, case number and requester, or case number)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most ``limit`` events per key in any ``window`` seconds; ``limit`` 0 means no limit.

    Memory is bounded: at most ``max_keys`` keys are tracked, the least recently used go first.
    The server calls it from its event loop only, so it needs no lock.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until ``key`` may act again, or None when it may act now."""
        if self.limit <= 0:
            return None
        events = self._prune(key)
        if events is None or len(events) < self.limit:
            return None
        return max(1, math.ceil(events[0] + self.window - self._clock()))

    def add(self, key: str) -> None:
        """Record one event for ``key``."""
        if self.limit <= 0:
            return
        events = self._prune(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self._max_keys:
                self._events.popitem(last=False)
        self._events.move_to_end(key)
        events.append(self._clock())

    def clear(self, key: str) -> None:
        """Forget every event of ``key``."""
        self._events.pop(key, None)

    def hit(self, key: str) -> int | None:
        """Record an event unless the key is over its limit; return the wait in seconds if it is."""
        wait = self.retry_after(key)
        if wait is None:
            self.add(key)
        return wait

    def _prune(self, key: str) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        horizon = self._clock() - self.window
        while events and events[0] <= horizon:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events
