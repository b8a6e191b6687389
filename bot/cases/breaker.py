"""A thread-safe circuit breaker: closed -> open after N consecutive failures -> half-open -> closed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum


class BreakerState(str, Enum):
    """Closed lets calls through, open refuses them, half-open lets one trial call through."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures and refuses calls for ``cooldown`` seconds.

    After the cool-down the next caller gets the single trial call (half-open); its success closes
    the breaker, its failure opens it for another cool-down. Other callers are refused meanwhile.
    """

    def __init__(
        self, threshold: int = 3, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if threshold < 1 or cooldown <= 0:
            raise ValueError("threshold must be >= 1 and cooldown > 0")
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose cool-down is over reports half-open)."""
        with self._lock:
            if self._opened_at is None:
                return BreakerState.CLOSED
            if self._trial_running or self._clock() - self._opened_at >= self.cooldown:
                return BreakerState.HALF_OPEN
            return BreakerState.OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open state only the first caller gets True."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial_running or self._clock() - self._opened_at < self.cooldown:
                return False
            self._trial_running = True
            return True

    def record_success(self) -> None:
        """A call reached a healthy service: close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        """A call failed: count it, and open (again) at the threshold or after a failed trial."""
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial_running = False
