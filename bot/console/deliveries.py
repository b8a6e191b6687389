"""Agents' messages for WeChat and WeCom citizens: an outbox the channel code claims, sends and acknowledges.

Web citizens poll `bot.console.handoff.updates_for`; a messaging platform cannot be polled by the citizen, so
every message a ``wx:...`` or ``wecom:...`` sender should see (agents' replies and status changes) is also
written to ``console_deliveries``. The channel process sends them with the platform's customer-service API::

    from bot.console.deliveries import default_deliveries

    outbox = default_deliveries()
    for item in outbox.claim("wx:", worker="wechat-1"):          # leased to this worker for 30 s
        try:
            send(item.sender, item.text)                           # the platform call (with a timeout)
        except PlatformError as error:
            outbox.fail(item.id, "wechat-1", type(error).__name__)   # tried again later (30 s by default)
        else:
            outbox.ack(item.id, "wechat-1")

`claim` returns at most one message per sender, the oldest undelivered one, so a sender's messages are sent in
order: the next is claimable once this one is acknowledged. An unacknowledged lease expires and the message is
claimed again (at-least-once delivery). A message still unsent after the give-up age (`give_up`; WeChat and WeCom
take customer-service messages only within 48 hours of the citizen's last message) is set aside, so that it no
longer holds back the sender's later messages, and returned so that the agent can be told. All calls are
synchronous (run them in a thread from async code).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from bot.console import store
from bot.process_wide import ProcessWide


@dataclass(frozen=True)
class Delivery:
    """One message to send: to ``sender`` (``wx:{appid}:{openid}``), ``seq`` of the sender's handoff messages."""

    id: int
    sender: str
    ticket: int
    seq: int
    text: str
    attempts: int
    last_error: str | None = None  # of the last failed attempt (set by `give_up`)

    @classmethod
    def of(cls, row: Mapping[str, Any], attempts: int, last_error: str | None = None) -> Delivery:
        """The delivery of an outbox row, with ``attempts`` counted so far."""
        return cls(row["id"], row["sender"], row["handoff_id"], row["seq"], row["text"], attempts, last_error)


class Deliveries:
    """The deliveries outbox in the console database."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def claim(self, prefix: str, worker: str, limit: int = 20, lease_seconds: float = 30.0) -> list[Delivery]:
        """Lease the oldest undelivered message of up to ``limit`` senders whose id starts with ``prefix``."""
        if not prefix or not worker:
            raise ValueError("prefix (e.g. 'wx:') and worker are required")
        now = self.clock()
        table = store.deliveries
        earlier = aliased(table)
        blocked = select(earlier.c.id).where(and_(earlier.c.sender == table.c.sender, earlier.c.id < table.c.id,
                                                  earlier.c.delivered_at.is_(None),
                                                  earlier.c.gave_up_at.is_(None))).exists()
        due = (select(table).where(table.c.sender.startswith(prefix, autoescape=True),
                                   table.c.delivered_at.is_(None), table.c.gave_up_at.is_(None),
                                   table.c.next_attempt_at <= now,
                                   table.c.lease_until <= now, ~blocked)
               .order_by(table.c.id).limit(max(1, limit)))
        claimed = []
        with self.engine.begin() as conn:
            for row in conn.execute(due).mappings().all():
                taken = conn.execute(update(table).where(table.c.id == row["id"], table.c.lease_until <= now)
                                     .values(lease_owner=worker[:64], lease_until=now + lease_seconds,
                                             attempts=row["attempts"] + 1)).rowcount
                if taken == 1:
                    claimed.append(Delivery.of(row, row["attempts"] + 1))
        return claimed

    def ack(self, delivery_id: int, worker: str) -> bool:
        """The message was sent; False when the lease had passed to another worker."""
        table = store.deliveries
        with self.engine.begin() as conn:
            return conn.execute(update(table).where(table.c.id == delivery_id, table.c.lease_owner == worker[:64])
                                .values(delivered_at=self.clock(), lease_until=0.0, last_error=None)).rowcount == 1

    def fail(self, delivery_id: int, worker: str, error: str, retry_in: float = 30.0) -> None:
        """The message could not be sent now; it is claimable again after ``retry_in`` seconds."""
        table = store.deliveries
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == delivery_id, table.c.lease_owner == worker[:64])
                         .values(lease_until=0.0, next_attempt_at=self.clock() + retry_in, last_error=error[:200]))

    def give_up(self, prefix: str, older_than: float) -> list[Delivery]:
        """Set aside the unsent messages of senders under ``prefix`` written more than ``older_than`` seconds ago
        and not leased now; those set aside, oldest first, with the error of their last attempt as ``last_error``."""
        if not prefix:
            raise ValueError("prefix (e.g. 'wx:') is required")
        now = self.clock()
        table = store.deliveries
        stale = (select(table).where(table.c.sender.startswith(prefix, autoescape=True),
                                     table.c.delivered_at.is_(None), table.c.gave_up_at.is_(None),
                                     table.c.created_at < now - older_than, table.c.lease_until <= now)
                 .order_by(table.c.id))
        given_up = []
        with self.engine.begin() as conn:
            for row in conn.execute(stale).mappings().all():
                taken = conn.execute(update(table).where(table.c.id == row["id"], table.c.gave_up_at.is_(None),
                                                         table.c.delivered_at.is_(None), table.c.lease_until <= now)
                                     .values(gave_up_at=now)).rowcount
                if taken == 1:
                    given_up.append(Delivery.of(row, row["attempts"], row["last_error"]))
        return given_up

    def pending(self, prefix: str = "") -> int:
        """How many messages wait to be delivered (not those given up)."""
        table = store.deliveries
        query = select(func.count()).select_from(table).where(table.c.delivered_at.is_(None),
                                                              table.c.gave_up_at.is_(None))
        if prefix:
            query = query.where(table.c.sender.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


def _configured_deliveries() -> Deliveries:
    from bot.console.settings import load_settings

    return Deliveries(store.engine_for(load_settings().database_url))


_default = ProcessWide(_configured_deliveries)


def default_deliveries() -> Deliveries:
    """The outbox in the configured console database, created on first use."""
    return _default.get()
