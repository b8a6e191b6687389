"""What Rasa 3.6 does when its tracker store fails, changed so that no answered turn goes unrecorded.

Rasa wraps the tracker store in `FailSafeTrackerStore`:

- a failed read answers the message as the start of a new conversation (the person loses their affair and
  answers, and because the database already holds more events than that new tracker, its events are never
  written: the turn is answered and lost);
- a failed write keeps the tracker in process memory only (lost too).

A restart of PostgreSQL, or a connection the pool kept across one, is enough for either. Here:

- a read that fails is retried briefly, then the error goes up: Rasa's REST channel then answers nothing, and
  the edge tells the person the message did not get through (never an answer without the conversation);
- a write that fails is retried briefly before Rasa's in-memory fallback.

The retries (``TRACKER_STORE_RETRIES`` attempts, default 3, ``TRACKER_STORE_RETRY_DELAY`` seconds apart, default
0.5, doubling) cover a database restart, which takes well under a second locally, and the connections the pool
kept across it: the first use of one fails, SQLAlchemy then drops every connection opened before the failure,
and the retry gets a fresh one (cheaper than checking every connection before each use, ``pool_pre_ping``,
which cost about 5 % of a turn).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
_installed = False


def retry_settings(environ: dict[str, str] | None = None) -> tuple[int, float]:
    """(attempts, first delay in seconds) from the environment; bad values fall back to the defaults."""
    env = os.environ if environ is None else environ
    try:
        attempts = max(1, int(env.get("TRACKER_STORE_RETRIES", "3")))
        delay = max(0.0, float(env.get("TRACKER_STORE_RETRY_DELAY", "0.5")))
    except ValueError:
        logger.error("TRACKER_STORE_RETRIES / TRACKER_STORE_RETRY_DELAY are not numbers; using 3 and 0.5")
        return 3, 0.5
    return attempts, delay


async def with_retries(call: Callable[[], Awaitable[T]], what: str, attempts: int, delay: float) -> T:
    """Await `call()`; on an error wait and try again, up to `attempts` in all; the last error goes up."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as error:  # noqa: BLE001 - any database error; re-raised after the last attempt
            if attempt == attempts:
                raise
            logger.warning("tracker store %s failed (%s), attempt %d of %d", what, type(error).__name__,
                           attempt, attempts)
            await asyncio.sleep(delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


async def retrieve_or_fail(self: Any, sender_id: str) -> Any:
    """`FailSafeTrackerStore.retrieve`: retried, then the error goes up (no answer from an empty tracker)."""
    attempts, delay = retry_settings()
    try:
        return await with_retries(lambda: self._tracker_store.retrieve(sender_id), "read", attempts, delay)
    except Exception as error:
        self.on_tracker_store_retrieve_error(error)
        raise


async def save_with_retries(self: Any, tracker: Any) -> None:
    """`FailSafeTrackerStore.save`: retried before Rasa's own fallback to memory."""
    attempts, delay = retry_settings()
    try:
        await with_retries(lambda: self._tracker_store.save(tracker), "write", attempts, delay)
    except Exception as error:  # noqa: BLE001 - Rasa's behaviour after the retries: log, keep it in memory
        self.on_tracker_store_error(error)
        await self.fallback_tracker_store.save(tracker)


def install() -> None:
    """Apply the changes to Rasa's tracker store classes in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core import tracker_store

    tracker_store.FailSafeTrackerStore.retrieve = retrieve_or_fail  # type: ignore[method-assign]
    tracker_store.FailSafeTrackerStore.save = save_with_retries  # type: ignore[method-assign]
    _installed = True
