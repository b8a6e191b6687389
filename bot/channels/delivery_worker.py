"""Sending the 12345 agents' messages to WeChat and WeCom citizens: the deliveries outbox, polled by each channel.

The console writes every message a ``wx:...`` or ``wecom:...`` sender should see (agents' replies, status
changes) to the deliveries outbox (`bot.console.deliveries`). A channel starts one `DeliveryWorker` on the Rasa
server's event loop when the server starts, and stops it before the server stops. Every
``CHANNEL_DELIVERY_INTERVAL`` seconds the worker claims the oldest unsent message of each sender under its own
prefix (``wx:{appid}:`` or ``wecom:``), hands it to the channel's ``send`` (the platform's customer-service
API), and acknowledges it when sent; on an error or after ``CHANNEL_DELIVERY_TIMEOUT`` seconds it is given back
(`Deliveries.fail`) and tried again after ``CHANNEL_DELIVERY_RETRY`` seconds, until it is
``CHANNEL_DELIVERY_GIVE_UP`` seconds old: WeChat and WeCom take customer-service messages only within 48 hours
of the citizen's last message, so an older one is set aside (it no longer holds back the sender's later
messages) and the agents are told in the ticket's history (`Desk.note_undelivered`). Delivery is at least once: a
worker that dies mid-send loses its lease and the message is claimed again. A sender's messages go out in
order (the outbox leases only a sender's oldest unsent message), different senders' side by side. Database
calls run in worker threads.

The "queued" status is not sent: the citizen has just been told the same in the reply to the message that
asked for an agent (the web page shows it only once, too).

Settings (environment first, then the channel's credentials.yml block in lower case without ``CHANNEL_``):
``CHANNEL_DELIVERY_INTERVAL`` (1.0 s), ``CHANNEL_DELIVERY_RETRY`` (30 s), ``CHANNEL_DELIVERY_TIMEOUT``
(15 s, the whole send of one message), ``CHANNEL_DELIVERY_BATCH`` (20 senders per poll),
``CHANNEL_DELIVERY_GIVE_UP`` (172800 s, 48 hours).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.channels.config import setting_reader

if TYPE_CHECKING:
    from bot.console.deliveries import Deliveries, Delivery
    from bot.console.handoff import Desk

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, str] = {
    "CHANNEL_DELIVERY_INTERVAL": "1.0",  # seconds between two polls of the outbox
    "CHANNEL_DELIVERY_RETRY": "30",  # seconds before a message that could not be sent is tried again
    "CHANNEL_DELIVERY_TIMEOUT": "15",  # longest wait for the platform calls of one message
    "CHANNEL_DELIVERY_BATCH": "20",  # senders served per poll
    "CHANNEL_DELIVERY_GIVE_UP": "172800",  # age at which an unsent message is set aside: the platforms' 48 hours
}
MAX_BACKOFF = 30.0  # longest pause between polls while the outbox cannot be reached
SKIPPED_EVENTS = frozenset({"queued"})  # already said in the reply to the request for an agent

Send = Callable[["Delivery"], Awaitable[None]]


@dataclass(frozen=True)
class DeliverySettings:
    """How often the outbox is polled, when a failed message is tried again, how long one send may take."""

    interval: float = 1.0
    retry: float = 30.0
    timeout: float = 15.0
    batch: int = 20
    give_up: float = 172800.0

    @property
    def lease(self) -> float:
        """How long a claimed message stays with this worker: longer than any send may take."""
        return 2 * self.timeout + self.interval


def _positive(get: Callable[[str], str], name: str) -> float:
    raw = get(name)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value


def load_delivery_settings(credentials: Mapping[str, Any] | None = None,
                           environ: Mapping[str, str] | None = None) -> DeliverySettings:
    """The settings from `environ` (default: the process environment), then `credentials`, then DEFAULTS;
    ValueError names a setting that is not a positive number."""
    get = setting_reader("CHANNEL_", DEFAULTS, credentials, os.environ if environ is None else environ)
    batch = _positive(get, "CHANNEL_DELIVERY_BATCH")
    if batch != int(batch):
        raise ValueError(f"CHANNEL_DELIVERY_BATCH must be a whole number, not {get('CHANNEL_DELIVERY_BATCH')!r}")
    return DeliverySettings(interval=_positive(get, "CHANNEL_DELIVERY_INTERVAL"),
                            retry=_positive(get, "CHANNEL_DELIVERY_RETRY"),
                            timeout=_positive(get, "CHANNEL_DELIVERY_TIMEOUT"), batch=int(batch),
                            give_up=_positive(get, "CHANNEL_DELIVERY_GIVE_UP"))


def describe(error: BaseException) -> str:
    """An error for the outbox and the logs: its type and platform error code, never its message."""
    code = getattr(error, "errcode", None)
    return f"{type(error).__name__} {code}" if code not in (None, "") else type(error).__name__


class DeliveryWorker:
    """Claims, sends and acknowledges one channel's messages from the deliveries outbox (see the module doc)."""

    def __init__(self, channel: str, prefix: str, send: Send, settings: DeliverySettings,
                 outbox: Deliveries | None = None, desk: Desk | None = None) -> None:
        if not prefix:
            raise ValueError("a sender prefix such as 'wx:APPID:' is required")
        self.channel = channel
        self.prefix = prefix
        self.send = send
        self.settings = settings
        self.worker_id = f"{channel}-{socket.gethostname()[:24]}-{os.getpid()}-{secrets.token_hex(3)}"[:64]
        self._outbox = outbox
        self._desk = desk
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None

    # --- the outbox and the desk, opened on first use (in a worker thread) --------------------------------

    def outbox(self) -> Deliveries:
        if self._outbox is None:
            from bot.console.deliveries import default_deliveries

            self._outbox = default_deliveries()
        return self._outbox

    def desk(self) -> Desk:
        if self._desk is None:
            from bot.console.handoff import default_desk

            self._desk = default_desk()
        return self._desk

    # --- running ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start polling on the running event loop (a second call does nothing)."""
        if self.running:
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"{self.channel}-deliveries")
        logger.info("%s deliveries: started (every %.1f s)", self.channel, self.settings.interval)

    async def stop(self) -> None:
        """Let the current poll finish (its sends are bounded by the timeout), then stop; cancel if it hangs."""
        task, self._task = self._task, None
        if task is None:
            return
        if self._stopping is not None:
            self._stopping.set()
        done, _ = await asyncio.wait({task}, timeout=self.settings.timeout + 5.0)
        if not done:
            task.cancel()  # an unacknowledged message is claimed again when its lease ends
            await asyncio.gather(task, return_exceptions=True)
        logger.info("%s deliveries: stopped", self.channel)

    async def _run(self) -> None:
        assert self._stopping is not None
        pause = self.settings.interval
        while not self._stopping.is_set():
            try:
                claimed = await self.run_once()
                pause = 0.0 if claimed >= self.settings.batch else self.settings.interval
            except Exception as error:  # noqa: BLE001 - the outbox may come back; keep polling, more slowly
                pause = min(MAX_BACKOFF, max(pause, self.settings.interval) * 2)
                logger.warning("%s deliveries: outbox unavailable (%s); next try in %.0f s", self.channel,
                               describe(error), pause)
            if pause:
                try:
                    await asyncio.wait_for(self._stopping.wait(), pause)
                except asyncio.TimeoutError:
                    pass

    async def run_once(self) -> int:
        """Set aside the messages too old to send, then claim and deliver one round of messages (one per
        sender); how many were claimed."""
        for item in await asyncio.to_thread(self.outbox().give_up, self.prefix, self.settings.give_up):
            await self._tell_agents(item)
        claimed = await asyncio.to_thread(self.outbox().claim, self.prefix, self.worker_id, self.settings.batch,
                                          self.settings.lease)
        if claimed:
            results = await asyncio.gather(*(self._deliver(item) for item in claimed), return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    logger.error("%s deliveries: outbox update failed (%s)", self.channel, describe(result))
        return len(claimed)

    async def _deliver(self, item: Delivery) -> None:
        if await self._already_said(item):
            await asyncio.to_thread(self.outbox().ack, item.id, self.worker_id)
            return
        try:
            await asyncio.wait_for(self.send(item), self.settings.timeout)
        except Exception as error:  # noqa: BLE001 - any failure: give the message back, try again later
            reason = describe(error)
            logger.warning("%s deliveries: message %d of ticket %d not sent (attempt %d, %s); again in %.0f s",
                           self.channel, item.id, item.ticket, item.attempts, reason, self.settings.retry)
            await asyncio.to_thread(self.outbox().fail, item.id, self.worker_id, reason, self.settings.retry)
            return
        if not await asyncio.to_thread(self.outbox().ack, item.id, self.worker_id):
            logger.warning("%s deliveries: message %d was sent after its lease ended", self.channel, item.id)
        else:
            logger.info("%s deliveries: message %d of ticket %d sent", self.channel, item.id, item.ticket)

    async def _tell_agents(self, item: Delivery) -> None:
        """Note in the ticket's history that a message was given up (logged when the note cannot be written)."""
        logger.warning("%s deliveries: message %d of ticket %d given up after %d attempts (%s)", self.channel,
                       item.id, item.ticket, item.attempts, item.last_error or "never tried")
        try:
            await asyncio.to_thread(self.desk().note_undelivered, item.ticket, item.sender, item.text,
                                    item.attempts, item.last_error, self.settings.give_up / 3600)
        except Exception as error:  # noqa: BLE001 - the message is set aside either way; say the note is missing
            logger.error("%s deliveries: ticket %d not told of message %d (%s)", self.channel, item.ticket,
                         item.id, describe(error))

    async def _already_said(self, item: Delivery) -> bool:
        """True for a status change the citizen has already heard (see SKIPPED_EVENTS)."""
        try:
            found = await asyncio.to_thread(self.desk().updates_for, item.sender, item.seq - 1, 1)
        except Exception as error:  # noqa: BLE001 - when unsure, send
            logger.info("%s deliveries: message %d not looked up (%s)", self.channel, item.id, describe(error))
            return False
        return bool(found) and found[0].seq == item.seq and found[0].event in SKIPPED_EVENTS


class DeliveringChannel:
    """What a messaging channel needs to send the agents' messages: its worker, started and stopped with the
    Rasa server. The channel sets ``deliveries`` (None) and ``delivery`` (DeliverySettings) and gives
    `delivery_prefix`, `can_deliver`, `not_delivering` and `send_delivery`."""

    deliveries: DeliveryWorker | None
    delivery: DeliverySettings
    not_delivering = "agents' messages are not sent: the channel cannot send"  # logged once at start

    def name(self) -> str:  # provided by Rasa's InputChannel
        raise NotImplementedError

    @property
    def delivery_prefix(self) -> str:
        """The sender ids of this channel's account (``wx:{appid}:``, ``wecom:``)."""
        raise NotImplementedError

    @property
    def can_deliver(self) -> bool:
        """Whether the channel has what sending needs (credentials)."""
        raise NotImplementedError

    async def send_delivery(self, item: Delivery) -> None:
        """Send one agent's message; raises when the platform refuses."""
        raise NotImplementedError

    def delivery_worker(self, outbox: Deliveries | None = None, desk: Desk | None = None) -> DeliveryWorker | None:
        """The worker sending the agents' messages (None when the channel cannot send)."""
        if self.deliveries is None and self.can_deliver:
            self.deliveries = DeliveryWorker(self.name(), self.delivery_prefix, self.send_delivery, self.delivery,
                                             outbox, desk)
        return self.deliveries

    def start_deliveries(self) -> None:
        """Start sending the agents' messages on the running loop (the server's)."""
        worker = self.delivery_worker()
        if worker is None:
            logger.warning("%s: %s", self.name(), self.not_delivering)
            return
        worker.start()

    async def stop_deliveries(self) -> None:
        """Stop the worker (the round in progress finishes)."""
        if self.deliveries is not None:
            await self.deliveries.stop()

    def listen_for_server(self, blueprint: Any) -> None:
        """Start the worker after the server starts and stop it before the server stops."""

        @blueprint.listener("after_server_start")
        async def start_deliveries(*_: Any) -> None:
            self.start_deliveries()

        @blueprint.listener("before_server_stop")
        async def stop_deliveries(*_: Any) -> None:
            await self.stop_deliveries()
