"""Rate limits per sender and per client, counted by the `limits` library.

Limits are written as `limits` strings ("20/minute", or several joined by ";": "20/minute;200/hour").
Storage is in memory by default (one edge process); `EDGE_RATE_STORAGE` may name a shared store such as
redis://host:6379 when several edge processes run, and those calls then run in a worker thread.
Fixed windows are used because the in-memory store forgets expired fixed-window keys (its moving-window
lists keep one key per sender forever).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)


class RateLimits:
    """Per-sender and per-client limits over one storage."""

    def __init__(self, per_sender: str, per_client: str, storage_url: str = "memory://"):
        self.per_sender: Sequence[RateLimitItem] = parse_many(per_sender)
        self.per_client: Sequence[RateLimitItem] = parse_many(per_client)
        self.storage: Storage = storage_from_string(storage_url)
        self.limiter = FixedWindowRateLimiter(self.storage)
        self.in_memory = storage_url.startswith("memory://")

    async def client_wait(self, client: str) -> int | None:
        """Count one request from `client`; None when allowed, else the seconds to wait."""
        return await self._hit(self.per_client, "edge-client", client)

    async def sender_wait(self, sender: str) -> int | None:
        """Count one message from `sender`; None when allowed, else the seconds to wait."""
        return await self._hit(self.per_sender, "edge-sender", sender)

    async def _hit(self, items: Sequence[RateLimitItem], kind: str, key: str) -> int | None:
        if self.in_memory:
            return self._hit_now(items, kind, key)
        try:
            return await asyncio.to_thread(self._hit_now, items, kind, key)
        except Exception as error:  # the store is down: stay available rather than refuse everyone
            logger.warning("rate-limit storage failed (%s); request allowed", type(error).__name__)
            return None

    def _hit_now(self, items: Sequence[RateLimitItem], kind: str, key: str) -> int | None:
        wait = 0.0
        for item in items:
            if not self.limiter.hit(item, kind, key):
                reset, _remaining = self.limiter.get_window_stats(item, kind, key)
                wait = max(wait, reset - time.time(), 1.0)
        return math.ceil(wait) if wait else None
