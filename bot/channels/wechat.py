"""The WeChat Official Account channel: a Rasa input channel at ``/webhooks/wechat/webhook``.

GET answers WeChat's URL verification; POST receives messages and events in plain or safe (AES) mode.
Each text runs one Rasa turn on the server's event loop. WeChat waits five seconds for a passive reply and
then retries, so a turn that ends within ``WECHAT_PASSIVE_SECONDS`` is answered passively (its first chunk;
further chunks follow through the customer-service message API), and a slower one is answered "success"
at once and delivered through the API when it ends. Retries of a message (same MsgId) never start a second
turn: they get the reply already given, or "success". Texts are checked for length and masked with
`bot.privacy.protect` exactly as the edge does before Rasa sees them. Logs carry no full openid and no text.

During a handoff to a 12345 agent the citizen's texts also go to the agent's desk and, while Rasa is paused,
the passive reply says where the person stands (`bot.handoff_relay`). The agents' messages are sent through
the customer-service API by a `DeliveryWorker` that runs on the server's loop from start to stop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import events, messages
from wechatpy.messages import BaseMessage

from bot.channels import wechat_protocol as protocol
from bot.channels import wechat_texts as texts
from bot.channels.delivery_worker import DeliveringChannel, DeliverySettings, DeliveryWorker, load_delivery_settings
from bot.channels.render import numbered_options, plain_messages, reply_for_digit, sender_id
from bot.channels.store import ChannelStore
from bot.channels.wechat_api import WeChatApi
from bot.channels.wechat_settings import WeChatSettings, load_wechat_settings
from bot.edge import messages as edge_messages
from bot.edge.handoff import left_by_chat
from bot.handoff_relay import relaying

if TYPE_CHECKING:
    from bot.console.deliveries import Delivery

logger = logging.getLogger(__name__)

T = TypeVar("T")
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

SUCCESS = "success"  # WeChat's "received, nothing to show"
DEDUP_SECONDS = 300
RETRY_POLL_SECONDS = 0.2
NOT_TEXT_TYPES = (messages.ImageMessage, messages.LocationMessage, messages.LinkMessage, messages.VideoMessage,
                  messages.ShortVideoMessage, messages.MiniProgramPageMessage)
WELCOME_EVENTS = (events.SubscribeEvent, events.SubscribeScanEvent)
# Events a person did not address to us: acknowledged without a word.
SILENT_EVENTS = (events.UnsubscribeEvent, events.LocationEvent, events.ViewEvent, events.ScanEvent,
                 events.MassSendJobFinishEvent, events.TemplateSendJobFinishEvent, events.KfCreateSessionEvent,
                 events.KfCloseSessionEvent, events.KfSwitchSessionEvent)


class WeChatInput(DeliveringChannel, InputChannel):
    """Rasa input channel for a WeChat Official Account (credentials.yml: ``bot.channels.wechat.WeChatInput:``)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        """Settings from the environment first, then the credentials.yml block."""
        return cls(load_wechat_settings(credentials), delivery=load_delivery_settings(credentials))

    def __init__(self, settings: WeChatSettings, store: ChannelStore | None = None,
                 delivery: DeliverySettings | None = None) -> None:
        self.settings = settings
        self.delivery = delivery or load_delivery_settings()
        self.deliveries: DeliveryWorker | None = None
        self.crypto = protocol.make_crypto(settings.token, settings.encoding_aes_key, settings.appid)
        self._store = store
        self._api: WeChatApi | None = None
        self._io: ThreadPoolExecutor | None = None
        self._masker: ThreadPoolExecutor | None = None
        self._sender: ThreadPoolExecutor | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # --- resources, created on first use ----------------------------------------------------------

    @property
    def store(self) -> ChannelStore:
        if self._store is None:
            self._store = ChannelStore.from_env()
        return self._store

    @property
    def api(self) -> WeChatApi:
        if self._api is None:
            self._api = WeChatApi(self.settings, self.store)
        return self._api

    async def _blocking(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking database call in the channel's worker threads."""
        if self._io is None:
            self._io = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wechat-db")
        return await asyncio.get_running_loop().run_in_executor(self._io, partial(function, *args))

    async def _call_api(self, function: Callable[..., T], *args: Any) -> T:
        """Run a blocking WeChat API call in threads of its own, so a slow API never delays incoming messages."""
        if self._sender is None:
            self._sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wechat-api")
        return await asyncio.get_running_loop().run_in_executor(self._sender, partial(function, *args))

    async def _protect(self, text: str, sender: str) -> str:
        """`bot.privacy.protect` in one worker thread, as the edge runs it."""
        from bot.privacy import protect

        if self._masker is None:
            self._masker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wechat-mask")
        return await asyncio.get_running_loop().run_in_executor(self._masker, protect, text, sender)

    # --- HTTP -----------------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)
        on_new_message = relaying(on_new_message)
        self.listen_for_server(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET", "POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            args = {name: request.args.get(name) or "" for name in
                    ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature")}
            if not protocol.authentic(self.settings.token, args, self.settings.timestamp_window):
                return response.text("", status=403)
            if request.method == "GET":
                return response.text(args["echostr"])
            try:
                return await self._receive(request.body, args, on_new_message, started)
            except PermissionError:
                return response.text("", status=403)
            except Exception as error:  # never a stack trace to WeChat; it would retry in vain
                logger.error("wechat: unexpected %s while handling a message", type(error).__name__)
                return response.text(SUCCESS)

        return webhook

    async def _receive(self, body: bytes, args: dict[str, str], on_new_message: OnNewMessage,
                       started: float) -> HTTPResponse:
        """Decrypt, parse, de-duplicate, answer."""
        safe_mode = args["encrypt_type"].lower() == "aes"
        try:
            xml = body.decode("utf-8")
            if safe_mode:
                if self.crypto is None:
                    logger.error("wechat: safe-mode message but WECHAT_ENCODING_AES_KEY is not set")
                    return response.text(SUCCESS)
                xml = protocol.open_envelope(self.crypto, xml, args)
            message, raw = protocol.parse(xml)
        except (UnicodeDecodeError, protocol.BadMessage) as error:
            logger.warning("wechat: unusable message (%s)", error if isinstance(error, protocol.BadMessage)
                           else "not UTF-8")
            return response.text(SUCCESS)

        key = protocol.dedup_key(self.settings.account, raw)
        if key and not await self._blocking(self.store.first_time, key, DEDUP_SECONDS):
            logger.info("wechat: retry of a message from %s", protocol.mask_user(message.source))
            reply = await self._recall(key, started)
            return self._respond(reply, args["nonce"], safe_mode)

        content = await self._answer(message, on_new_message, started)
        reply = protocol.text_reply(message, content) if content else SUCCESS
        if key:
            await self._blocking(self.store.remember_result, key, reply, DEDUP_SECONDS)
        return self._respond(reply, args["nonce"], safe_mode)

    def _respond(self, reply: str, nonce: str, safe_mode: bool) -> HTTPResponse:
        if reply == SUCCESS:
            return response.text(SUCCESS)
        if safe_mode and self.crypto is not None:
            reply = protocol.seal_envelope(self.crypto, reply, nonce)
        return response.text(reply, content_type="application/xml; charset=utf-8")

    async def _recall(self, key: str, started: float) -> str:
        """The reply given to the first delivery of a message; "success" when none comes in time."""
        deadline = started + self.settings.passive_seconds + 0.5
        while True:
            reply = await self._blocking(self.store.recall_result, key)
            if reply or time.monotonic() >= deadline:
                return reply or SUCCESS
            await asyncio.sleep(RETRY_POLL_SECONDS)

    # --- what to say ----------------------------------------------------------------------------

    async def _answer(self, message: BaseMessage, on_new_message: OnNewMessage, started: float) -> str | None:
        """The passive reply's text, or None for "success" (nothing, or an answer that comes later)."""
        if isinstance(message, messages.TextMessage):
            return await self._converse(message, message.content or "", on_new_message, started)
        if isinstance(message, messages.VoiceMessage):
            recognition = (message.recognition or "").strip()
            if not recognition:
                return texts.VOICE_UNCLEAR
            return await self._converse(message, recognition, on_new_message, started)
        if isinstance(message, WELCOME_EVENTS):
            return texts.WELCOME
        if isinstance(message, SILENT_EVENTS):
            return None
        if isinstance(message, NOT_TEXT_TYPES):
            return texts.NOT_TEXT
        logger.info("wechat: unsupported message type %s", type(message).__name__)
        return texts.UNKNOWN

    async def _converse(self, message: BaseMessage, text: str, on_new_message: OnNewMessage,
                        started: float) -> str | None:
        """Check, map a digit to its option, mask, and run the Rasa turn within the passive window."""
        openid = message.source
        sender = sender_id("wx", self.settings.account, openid)
        text = text.strip()
        if not text:
            return edge_messages.EMPTY_MESSAGE
        if len(text) > self.settings.max_message_chars:
            return edge_messages.MESSAGE_TOO_LONG.format(max_chars=self.settings.max_message_chars)
        options = await self._blocking(self.store.load_options, sender)
        text = reply_for_digit(text, options) or text
        left = await left_by_chat(sender, text)  # outside the hours, after the offer to leave a message
        if left is not None:
            return left
        try:
            masked = await self._protect(text, sender)
        except Exception as error:  # the unmasked text must not go on
            logger.error("wechat: masking failed (%s); message not forwarded", type(error).__name__)
            return self._failed()

        turn = asyncio.create_task(self._turn(on_new_message, masked, sender))
        remaining = max(0.0, started + self.settings.passive_seconds - time.monotonic())
        done, _ = await asyncio.wait({turn}, timeout=remaining)
        if not done:
            logger.info("wechat: slow turn for %s, answering through the customer-service API",
                        protocol.mask_user(openid))
            self._spawn(self._deliver_later(turn, openid))
            return None
        chunks = turn.result()
        if len(chunks) > 1:
            self._spawn(self._send(openid, chunks[1:], self.settings.follow_up_delay))
        return chunks[0] if chunks else None

    async def _turn(self, on_new_message: OnNewMessage, text: str, sender: str) -> list[str]:
        """One Rasa turn; the numbered options are saved; the answer comes back as text chunks."""
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
        except Exception as error:
            logger.error("wechat: the Rasa turn failed (%s)", type(error).__name__)
            return [self._failed()]
        await self._blocking(self.store.save_options, sender, numbered_options(collector.messages))
        return plain_messages(collector.messages, self.settings.text_max_bytes)

    def _failed(self) -> str:
        from bot.config import settings

        return texts.FAILED.format(hotline=settings().hotline)

    # --- delivery through the customer-service API ------------------------------------------------

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        """Run in the background on this loop, keeping a reference until done."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_later(self, turn: asyncio.Task[list[str]], openid: str) -> None:
        try:
            chunks = await asyncio.wait_for(asyncio.shield(turn), self.settings.turn_seconds)
        except asyncio.TimeoutError:
            logger.error("wechat: no answer within %.0f s for %s", self.settings.turn_seconds,
                         protocol.mask_user(openid))
            chunks = [self._failed()]
        await self._send(openid, chunks, 0.0)

    # --- the agents' messages (the deliveries outbox) ------------------------------------------------------

    @property
    def delivery_prefix(self) -> str:
        """The sender ids of this account: ``wx:{appid}:``."""
        return sender_id("wx", self.settings.account, "")

    not_delivering = "agents' messages are not sent: WECHAT_APPID and WECHAT_APPSECRET are not set"

    @property
    def can_deliver(self) -> bool:
        """Sending needs the AppID and AppSecret."""
        return self.settings.can_send

    async def send_delivery(self, item: Delivery) -> None:
        """One agent's message as customer-service texts, in order; raises when the platform refuses."""
        openid = item.sender[len(self.delivery_prefix):]
        if not item.sender.startswith(self.delivery_prefix) or not openid:
            raise ValueError("not a sender of this account")
        for chunk in plain_messages([{"text": item.text}], self.settings.text_max_bytes):
            await self._call_api(self.api.send_text, openid, chunk)

    async def _send(self, openid: str, chunks: list[str], delay: float) -> None:
        """Customer-service text messages, in order; failures are logged (without the openid or text)."""
        if not chunks:
            return
        if not self.settings.can_send:
            logger.warning("wechat: %d message(s) not delivered: WECHAT_APPID and WECHAT_APPSECRET are not set",
                           len(chunks))
            return
        if delay:
            await asyncio.sleep(delay)
        for number, chunk in enumerate(chunks, start=1):
            try:
                await self._call_api(self.api.send_text, openid, chunk)
            except Exception as error:
                code = getattr(error, "errcode", None)
                logger.error("wechat: customer-service message %d/%d to %s failed (%s%s)", number, len(chunks),
                             protocol.mask_user(openid), type(error).__name__, f" {code}" if code else "")
                return
