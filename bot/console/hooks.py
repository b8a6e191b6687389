"""Telling the Rasa side that an agent handed a conversation back or closed it: an outbox, delivered with retries.

`Desk.hand_back` and `Desk.close` write a row in ``console_hook_outbox`` in the same transaction as the status
change, so no event is lost if the service stops. `HookOutbox.deliver_due` POSTs each due row to
``CONSOLE_RASA_HOOK_URL``::

    POST <url>   X-Console-Token: <CONSOLE_RASA_HOOK_TOKEN>   Content-Type: application/json
    {"sender": "<the conversation's sender id>", "event": "resumed" | "closed", "ticket": 12}

An answer 200, 201, 202 or 204 marks the row delivered; anything else, a timeout (``CONSOLE_HOOK_TIMEOUT``, 5 s)
or a connection error counts an attempt and schedules the next one after 2, 4, 8 ... seconds (at most 5 minutes),
indefinitely: rows are never dropped. Failures are logged with a tag of the sender, never the id. The console
service runs the delivery loop in the background (every few seconds, and at once after a hand back or close);
several service processes may run it together: each row is leased to one of them while it is being sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.settings import HOOK_TOKEN_HEADER

log = logging.getLogger(__name__)

OK_STATUSES = frozenset({200, 201, 202, 204})
MAX_BACKOFF = 300.0


class HookOutbox:
    """The outbox of events for the Rasa side, and its delivery."""

    def __init__(self, engine: Engine, url: str, token: str, timeout: float = 5.0,
                 clock: Callable[[], float] = time.time, base_backoff: float = 2.0) -> None:
        self.engine = engine
        self.url = url
        self.token = token
        self.timeout = timeout
        self.clock = clock
        self.base_backoff = base_backoff
        self.kick = asyncio.Event()

    def rows(self, undelivered_only: bool = False) -> list[dict[str, Any]]:
        """The outbox rows, oldest first (for monitoring and tests)."""
        table = store.hook_outbox
        query = select(table).order_by(table.c.id)
        if undelivered_only:
            query = query.where(table.c.delivered_at.is_(None))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def _claim(self, limit: int) -> list[dict[str, Any]]:
        """Lease up to ``limit`` due rows to this process."""
        now = self.clock()
        table = store.hook_outbox
        due = (select(table).where(table.c.delivered_at.is_(None), table.c.next_attempt_at <= now,
                                   table.c.lease_until <= now).order_by(table.c.id).limit(limit))
        claimed = []
        with self.engine.begin() as conn:
            for row in conn.execute(due).mappings().all():
                taken = conn.execute(update(table).where(table.c.id == row["id"], table.c.lease_until <= now)
                                     .values(lease_until=now + self.timeout * 3)).rowcount
                if taken == 1:
                    claimed.append(dict(row))
        return claimed

    def _settle(self, row: dict[str, Any], error: str | None) -> None:
        now = self.clock()
        table = store.hook_outbox
        if error is None:
            values: dict[str, Any] = {"delivered_at": now, "lease_until": 0.0, "last_error": None,
                                      "attempts": row["attempts"] + 1}
        else:
            attempts = row["attempts"] + 1
            wait = min(MAX_BACKOFF, self.base_backoff * 2 ** (attempts - 1))
            values = {"attempts": attempts, "next_attempt_at": now + wait, "lease_until": 0.0,
                      "last_error": error[:200]}
            log.warning("hook %s for %s not delivered (attempt %d: %s); next try in %.0f s", row["event"],
                        store.sender_tag(row["sender"]), attempts, error, wait)
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == row["id"]).values(**values))

    async def _post(self, session: aiohttp.ClientSession, row: dict[str, Any]) -> str | None:
        """Send one event; None when it was accepted, else a short reason."""
        body = {"sender": row["sender"], "event": row["event"], "ticket": row["handoff_id"]}
        try:
            async with session.post(self.url, json=body, headers={HOOK_TOKEN_HEADER: self.token},
                                    timeout=aiohttp.ClientTimeout(total=self.timeout), allow_redirects=False) as resp:
                await resp.read()
                return None if resp.status in OK_STATUSES else f"HTTP {resp.status}"
        except asyncio.TimeoutError:
            return "timeout"
        except aiohttp.ClientError as error:
            return type(error).__name__

    async def deliver_due(self, session: aiohttp.ClientSession, limit: int = 20) -> int:
        """Send every due event once (in order); how many were accepted."""
        if not self.url:
            return 0
        rows = await asyncio.to_thread(self._claim, limit)
        accepted = 0
        for row in rows:
            error = await self._post(session, row)
            await asyncio.to_thread(self._settle, row, error)
            accepted += error is None
        return accepted

    async def run(self, stop: asyncio.Event, interval: float = 3.0) -> None:
        """Deliver until ``stop`` is set: every ``interval`` seconds, and at once when ``kick`` is set."""
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    await self.deliver_due(session)
                except Exception as error:  # the loop must survive a database hiccup
                    log.error("hook delivery failed: %s", type(error).__name__)
                self.kick.clear()
                waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.kick.wait())]
                await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
