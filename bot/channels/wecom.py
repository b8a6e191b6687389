"""The Rasa input channel for WeCom customer service (企业微信 · 微信客服): ``bot.channels.wecom.WeComInput``.

Mounted at ``/webhooks/wecom/webhook`` (Rasa serves it on loopback; the edge passes it through):

- GET: WeCom's URL verification; the decrypted echostr is the answer (403 for a forged signature or a
  timestamp outside ±300 s, 400 for a malformed request);
- POST: an encrypted callback. A ``kf_msg_or_event`` is answered "success" at once and its messages are
  pulled and answered in the background on the server's event loop (`wecom_worker.KfWorker`); any other
  event is acknowledged and ignored.

Settings come from the environment first, then credentials.yml (`wecom_settings`). Without them Rasa still
starts and the webhook answers 503. The kf API client (`WeComApi`, ``get_service_state`` and
``trans_service_state`` for a human handoff) is `WeComInput.api`.

During a handoff to a 12345 agent the customer's texts also go to the agent's desk and, while Rasa is paused,
the reply says where the person stands (`bot.handoff_relay`). The agents' messages are sent with kf/send_msg
by a `DeliveryWorker` on the server's loop, within the 48-hour / 5-message rule (`wecom_quota`): a message
the rule does not allow now waits in the outbox until the customer writes again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import wecom_messages as say
from bot.channels.delivery_worker import DeliveringChannel, DeliverySettings, DeliveryWorker, load_delivery_settings
from bot.channels.render import plain_messages
from bot.channels.store import ChannelStore
from bot.channels.wecom_api import COUNT_LIMIT, TIME_LIMIT, WeComApi, WeComError
from bot.channels.wecom_callback import CallbackCrypto, CallbackRejected, kf_event
from bot.channels.wecom_quota import SendQuota
from bot.channels.wecom_settings import WeComSettings, load_wecom_settings
from bot.channels.wecom_worker import CHANNEL, KfWorker
from bot.handoff_relay import relaying

if TYPE_CHECKING:
    from bot.console.deliveries import Delivery

logger = logging.getLogger(__name__)

DELIVERY_PREFIX = f"{CHANNEL}:"  # sender ids wecom:{open_kfid}:{external_userid}


class QuotaUsed(Exception):
    """The 48-hour / 5-message rule allows no (or too few) messages to this customer until they write again."""


class WeComInput(DeliveringChannel, InputChannel):
    """WeCom 微信客服 as a Rasa input channel (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(load_wecom_settings(credentials), delivery=load_delivery_settings(credentials))

    def __init__(self, settings: WeComSettings, store: ChannelStore | None = None,
                 delivery: DeliverySettings | None = None):
        self.settings = settings
        self.delivery = delivery or load_delivery_settings()
        self._store = store
        self._api: WeComApi | None = None
        self._crypto: CallbackCrypto | None = None
        self.worker: KfWorker | None = None
        self.deliveries: DeliveryWorker | None = None
        if not settings.configured:
            logger.warning("WeCom channel not configured (%s): /webhooks/wecom/webhook answers 503",
                           ", ".join(settings.problems))

    @property
    def store(self) -> ChannelStore:
        """The shared channel store (opened on first use)."""
        if self._store is None:
            self._store = ChannelStore.from_env()
        return self._store

    @property
    def api(self) -> WeComApi:
        """The kf API client of this application."""
        if self._api is None:
            self._api = WeComApi(self.settings, self.store)
        return self._api

    @property
    def crypto(self) -> CallbackCrypto:
        if self._crypto is None:
            self._crypto = CallbackCrypto(self.settings)
        return self._crypto

    def worker_for(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> KfWorker:
        """The background worker (one per channel object)."""
        if self.worker is None:
            self.worker = KfWorker(self.settings, self.store, self.api, relaying(on_new_message))
        return self.worker

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wecom_webhook", __name__)
        self.listen_for_server(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.configured else "not configured"})

        @hook.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings.configured:
                return response.text(say.NOT_CONFIGURED, status=503)
            query = {name: str(request.args.get(name) or "") for name in
                     ("msg_signature", "timestamp", "nonce", "echostr")}
            try:
                if request.method == "GET":
                    return response.text(self.crypto.verify_url(query))
                body = request.body or b""
                if len(body) > self.settings.max_body_bytes:
                    return response.text(say.TOO_LARGE, status=413)
                event = kf_event(self.crypto.decrypt(query, body))
            except CallbackRejected as error:
                logger.info("WeCom callback refused (%s): %s", error.status, error.reason)
                return response.text(say.REFUSED if error.status == 403 else say.MALFORMED, status=error.status)
            if event is not None:
                self.worker_for(on_new_message).notify(event)
            return response.text("success")

        return hook

    # --- the agents' messages (the deliveries outbox) ------------------------------------------------------

    delivery_prefix = DELIVERY_PREFIX
    not_delivering = "agents' messages are not sent: the channel is not configured"

    @property
    def can_deliver(self) -> bool:
        """Sending needs the channel's settings."""
        return self.settings.configured

    async def send_delivery(self, item: Delivery) -> None:
        """One agent's message with kf/send_msg, within the customer's quota; raises when it cannot go now."""
        open_kfid, _, user = item.sender[len(DELIVERY_PREFIX):].partition(":")
        if not item.sender.startswith(DELIVERY_PREFIX) or not open_kfid or not user:
            raise ValueError("not a WeCom customer's sender id")
        chunks = plain_messages([{"text": item.text}], self.settings.text_max_bytes)
        quota = SendQuota(self.store)
        record = await asyncio.to_thread(quota.load, open_kfid, user)
        if record.remaining(time.time()) < len(chunks):
            raise QuotaUsed()
        for chunk in chunks:
            try:
                await self.api.send_text(open_kfid, user, chunk)
            except WeComError as error:
                if error.errcode in (COUNT_LIMIT, TIME_LIMIT):
                    await asyncio.to_thread(quota.exhaust, open_kfid, user)
                raise
            await asyncio.to_thread(quota.note_sent, open_kfid, user)
