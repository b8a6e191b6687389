"""`AtomicRedisLockStore`: Rasa's ticket lock on Redis, with every change to a queue made in one atomic step.

Rasa 3.6's `RedisLockStore` issues a ticket by reading the conversation's lock, adding one to the last
number and writing the lock back (GET, +1, SET). Two replicas that receive messages of one sender at the
same moment can both read the same lock and hand out the same number, and one write erases the other's
ticket (rasa issue #9213): both messages then run at once and their events interleave in the tracker.
Here issuing, finishing and purging tickets are Lua scripts (`bot.lockstore.scripts`), so Redis runs
each as one step, and ticket numbers come from HINCRBY.

Use it from an endpoints file:

    lock_store:
      type: bot.lockstore.AtomicRedisLockStore
      url: ${REDIS_HOST}          # a host name, or a full redis:// URL
      port: ${REDIS_PORT}
      password: ${REDIS_PASSWORD} # may be empty
      db: 1
      key_prefix: onevisit

Rasa builds a custom lock store as `AtomicRedisLockStore(endpoint_config=...)`. Like Rasa's own stores the
calls are synchronous; short timeouts (1 s by default) bound how long an unreachable Redis can hold up the
server, and every failure becomes a `LockError` naming the Redis address (never the password).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from bot.lockstore import scripts
from bot.lockstore.settings import RedisSettings, settings_from_options

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "ticketlock:"


def conversation_label(conversation_id: str) -> str:
    """A conversation id fit for logs: a short hash, never the sender id itself."""
    return "conversation #" + hashlib.sha256(conversation_id.encode()).hexdigest()[:10]


def make_client(settings: RedisSettings) -> redis.Redis:
    """A Redis client with connect and read timeouts and a retry after a dropped connection."""
    common: dict[str, Any] = {
        "socket_timeout": settings.socket_timeout,
        "socket_connect_timeout": settings.socket_connect_timeout,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), settings.retries),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
        "health_check_interval": 30,
        "client_name": "onevisit-lockstore",
    }
    if settings.url:
        return redis.Redis.from_url(settings.url, **common)
    return redis.Redis(host=settings.host, port=settings.port, db=settings.db, username=settings.username,
                       password=settings.password, ssl=settings.use_ssl, ssl_certfile=settings.ssl_certfile,
                       ssl_keyfile=settings.ssl_keyfile, ssl_ca_certs=settings.ssl_ca_certs, **common)


class AtomicRedisLockStore(LockStore):
    """Ticket locks in Redis, issued, finished and purged atomically; safe with any number of Rasa replicas."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, *, settings: RedisSettings | None = None,
                 client: redis.Redis | None = None) -> None:
        """From Rasa's endpoint configuration, or (in code) from `settings` and optionally a ready `client`.

        Nothing connects yet: the first lock call does, so Rasa starts even while Redis is still starting.
        """
        if settings is None:
            settings = (settings_from_options(endpoint_config.url, endpoint_config.kwargs)
                        if endpoint_config is not None else RedisSettings())
        self.settings = settings
        self.red = client if client is not None else make_client(settings)
        self.key_prefix = f"{settings.key_prefix}:{DEFAULT_KEY_PREFIX}" if settings.key_prefix else DEFAULT_KEY_PREFIX
        self._issue = self.red.register_script(scripts.ISSUE)
        self._snapshot = self.red.register_script(scripts.SNAPSHOT)
        self._release = self.red.register_script(scripts.RELEASE)
        self._replace = self.red.register_script(scripts.REPLACE)
        super().__init__()

    # --- plumbing -----------------------------------------------------------------------------------
    def key(self, conversation_id: str) -> str:
        """The Redis key of a conversation's ticket queue: a hash of the id, so no sender id sits in Redis."""
        return self.key_prefix + hashlib.sha256(conversation_id.encode()).hexdigest()

    @property
    def _retention_ms(self) -> int:
        return int(self.settings.retention * 1000)

    def _run(self, script: Any, conversation_id: str, *args: Any) -> Any:
        """Run one script on the conversation's key; a Redis failure becomes a LockError that says where."""
        try:
            return script(keys=[self.key(conversation_id)], args=list(args))
        except redis.RedisError as error:
            raise LockError(f"lock store unavailable: Redis at {self.settings.describe()} "
                            f"({type(error).__name__}: {error})") from error

    # --- the LockStore interface --------------------------------------------------------------------
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket for the conversation in one atomic step and return its number."""
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        return int(self._run(self._issue, conversation_id, lifetime_ms, self._retention_ms, uuid.uuid4().hex))

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's live tickets in number order, or None when there are none.

        Expiry times are moved from Redis's clock to this machine's, as `TicketLock` compares them with
        `time.time()`.
        """
        reply = self._run(self._snapshot, conversation_id)
        return self._lock_from_snapshot(conversation_id, reply)

    @staticmethod
    def _lock_from_snapshot(conversation_id: str, reply: Sequence[int]) -> TicketLock | None:
        now_redis, pairs = int(reply[0]), reply[1:]
        if not pairs:
            return None
        offset = time.time() - now_redis / 1000
        tickets = sorted((Ticket(int(number), int(expires) / 1000 + offset)
                          for number, expires in zip(pairs[::2], pairs[1::2], strict=True)),
                         key=lambda ticket: ticket.number)
        return TicketLock(conversation_id, deque(tickets))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the conversation's queue with `lock`'s tickets (for callers outside Rasa's lock flow)."""
        now = time.time()
        pairs: list[int] = []
        for ticket in lock.tickets:
            pairs += [int(ticket.number), int((ticket.expires - now) * 1000)]
        self._run(self._replace, lock.conversation_id, self._retention_ms, *pairs)

    def delete_lock(self, conversation_id: str) -> None:
        """Remove every ticket of the conversation (the ticket counter stays, so no number is reused)."""
        self._run(self._release, conversation_id, "clear", self._retention_ms, "")

    def update_lock(self, conversation_id: str) -> None:
        """Drop the conversation's expired tickets."""
        self._run(self._release, conversation_id, "purge", self._retention_ms, "")

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove one ticket; the queue is tidied in the same step."""
        self._run(self._release, conversation_id, "ticket", self._retention_ms, int(ticket_number))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish a ticket after its message was handled.

        Removing the ticket and tidying an empty queue is one step, so a ticket issued meanwhile by another
        replica is never deleted with it (Rasa's version checks and deletes in two). If Redis fails here the
        message has been handled already: the ticket is left to expire and the error is only logged.
        """
        try:
            self.finish_serving(conversation_id, ticket_number)
        except LockError as error:
            logger.warning("could not finish ticket %s of %s, it will expire by itself: %s", ticket_number,
                           conversation_label(conversation_id), error)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float | None = None) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, checking every `poll_interval` seconds (Rasa's 1 s adds up to a second per queued message)."""
        wait = self.settings.poll_interval if wait_time_in_seconds is None else wait_time_in_seconds
        async with super().lock(conversation_id, lock_lifetime, wait) as lock:
            yield lock

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Wait until `ticket` is first in the queue.

        Unlike Rasa's loop this stops as soon as the ticket itself has expired, instead of waiting until
        the whole queue is gone.
        """
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or all(t.number != ticket for t in lock.tickets):
                raise LockError(f"Could not acquire lock for {conversation_label(conversation_id)}: "
                                f"ticket {ticket} expired while waiting")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
