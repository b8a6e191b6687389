"""Pulling and answering 微信客服 messages after a kf_msg_or_event callback, on the server's own event loop.

For each kf account (open_kfid) one drain runs at a time: it calls kf/sync_msg with the stored cursor and the
callback's Token, page after page while has_more, handles the page, and only then stores next_cursor. Every
message is claimed once by its msgid (`ChannelStore.first_time`), so a retried callback, a second process or a
restart that re-reads a page never handles a message twice.

Per customer, messages of a page are handled in order:
- customer texts (origin 3) become Rasa turns (sender ``wecom:{open_kfid}:{external_userid}``); a digit picks
  the numbered option last shown; personal data is masked by `bot.privacy.protect` before Rasa sees the text
  (if masking fails, the text is not passed on); texts over the edge's length limit get a polite answer;
- images, voice, files, locations ... get a polite answer that text works best;
- enter_session gets the welcome text through kf/send_msg_on_event; other events are only logged;
- nothing is answered while the session is queued for or served by a human agent (service state 2 or 3);
- the replies of all the customer's messages in the page are sent within the 48-hour / 5-message rule
  (`wecom_quota`), merged where needed; what cannot be sent is logged, ids masked, text never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import wecom_messages as say
from bot.channels.render import numbered_options, plain_messages, reply_for_digit, sender_id
from bot.channels.store import ChannelStore
from bot.channels.wecom_api import (
    BOT,
    COUNT_LIMIT,
    INVALID_MSG_TOKEN,
    NEW,
    TIME_LIMIT,
    WeComApi,
    WeComError,
    WeComUnavailable,
)
from bot.channels.wecom_callback import KfEvent
from bot.channels.wecom_quota import SendQuota, fit
from bot.channels.wecom_settings import WeComSettings
from bot.edge.handoff import left_by_chat

logger = logging.getLogger(__name__)

CHANNEL = "wecom"
CUSTOMER, SYSTEM = 3, 4  # message origins in kf/sync_msg
CLAIM_SECONDS = 4 * 24 * 3600  # sync_msg serves at most 3 days back
MAX_PAGES = 100  # per drain, a guard against a platform that always says has_more

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Protect = Callable[[str, str], str]


def masked(value: object) -> str:
    """An id shortened for logs: its first 3 and last 2 characters."""
    text = str(value or "")
    return f"{text[:3]}…{text[-2:]}" if len(text) > 8 else "…"


class KfWorker:
    """Syncs and answers the messages of the kf accounts of one WeCom application."""

    def __init__(self, settings: WeComSettings, store: ChannelStore, api: WeComApi, on_new_message: OnNewMessage,
                 protect: Protect | None = None):
        self.settings = settings
        self.store = store
        self.api = api
        self.on_new_message = on_new_message
        self.quota = SendQuota(store)
        self._protect = protect
        self._masker: ThreadPoolExecutor | None = None
        self._pending: dict[str, str] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    # --- scheduling ---------------------------------------------------------------------------------------
    def notify(self, event: KfEvent) -> None:
        """Schedule a drain of `event.open_kfid` on the running loop and return at once."""
        self._pending[event.open_kfid] = event.token
        if event.open_kfid not in self._running:
            self._running[event.open_kfid] = asyncio.get_running_loop().create_task(self._drain(event.open_kfid))

    async def _drain(self, open_kfid: str) -> None:
        try:
            while (token := self._pending.pop(open_kfid, None)) is not None:
                try:
                    await self.sync(open_kfid, token)
                except (WeComError, WeComUnavailable) as error:
                    logger.warning("kf sync of %s stopped: %s", masked(open_kfid), error)
                except Exception as error:  # never let one bad page kill the channel
                    logger.error("kf sync of %s failed: %s", masked(open_kfid), type(error).__name__)
        finally:
            self._running.pop(open_kfid, None)  # no await since the last check: no callback is lost

    # --- kf/sync_msg ----------------------------------------------------------------------------------------
    def cursor_key(self, open_kfid: str) -> str:
        return f"wecom:cursor:{self.settings.corp_id}:{open_kfid}"

    async def sync(self, open_kfid: str, token: str | None) -> int:
        """Pull and handle every new message of `open_kfid`; the number of messages handled."""
        key = self.cursor_key(open_kfid)
        cursor = await asyncio.to_thread(self.store.get_value, key)
        handled = 0
        for _ in range(MAX_PAGES):
            try:
                page = await self.api.sync_msg(open_kfid, cursor, token, self.settings.sync_limit)
            except WeComError as error:
                if error.errcode != INVALID_MSG_TOKEN or not token:
                    raise
                logger.info("callback token of %s no longer valid; syncing without it", masked(open_kfid))
                token = None
                continue
            handled += await self.handle_page(open_kfid, page.messages)
            if page.next_cursor:
                cursor = page.next_cursor
                await asyncio.to_thread(self.store.set_value, key, cursor)
            if not page.has_more:
                break
        return handled

    async def handle_page(self, open_kfid: str, messages: list[dict[str, Any]]) -> int:
        """Handle one page: each customer's messages in order, customers side by side."""
        by_user: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            by_user.setdefault(_user_of(message), []).append(message)
        results = await asyncio.gather(*(self._handle_user(open_kfid, user, batch) for user, batch in by_user.items()),
                                       return_exceptions=True)
        handled = 0
        for result in results:
            if isinstance(result, BaseException):
                logger.error("kf messages of %s not handled: %s", masked(open_kfid), type(result).__name__)
            else:
                handled += result
        return handled

    async def _claim(self, message: dict[str, Any]) -> bool:
        msgid = message.get("msgid")
        if not isinstance(msgid, str) or not msgid:
            return False
        return await asyncio.to_thread(self.store.first_time, f"wecom:msg:{msgid[:200]}", CLAIM_SECONDS)

    async def _handle_user(self, open_kfid: str, user: str, messages: list[dict[str, Any]]) -> int:
        fresh = [message for message in messages if await self._claim(message)]
        customer = []
        for message in fresh:
            if message.get("origin") == CUSTOMER and message.get("msgtype") != "event":
                customer.append(message)
            elif message.get("origin") == SYSTEM and message.get("msgtype") == "event":
                await self._handle_event(open_kfid, message.get("event") or {})
        if customer and user:
            await self._answer(open_kfid, user, customer)
        return len(fresh)

    # --- events ---------------------------------------------------------------------------------------------
    async def _handle_event(self, open_kfid: str, event: dict[str, Any]) -> None:
        kind = event.get("event_type")
        user = masked(event.get("external_userid"))
        if kind == "enter_session":
            code = event.get("welcome_code")
            if not code:
                return  # WeCom gives a code only when a welcome may be sent
            try:
                await self.api.send_welcome(str(code), say.WELCOME)
            except (WeComError, WeComUnavailable) as error:
                logger.warning("welcome to %s on %s not sent: %s", user, masked(open_kfid), error)
        elif kind == "msg_send_fail":
            logger.warning("WeCom could not deliver a message to %s on %s (fail_type %s)", user, masked(open_kfid),
                           event.get("fail_type"))
        elif kind == "session_status_change":
            logger.info("session of %s on %s changed (change_type %s)", user, masked(open_kfid),
                        event.get("change_type"))
        else:
            logger.debug("kf event %s ignored", str(kind)[:40])

    # --- customer messages ----------------------------------------------------------------------------------
    async def _answer(self, open_kfid: str, user: str, messages: list[dict[str, Any]]) -> None:
        if not await self._bot_may_answer(open_kfid, user):
            return
        latest = max(float(message.get("send_time") or 0) for message in messages)
        await asyncio.to_thread(self.quota.note_customer_message, open_kfid, user, latest)
        chunks: list[str] = []
        for message in messages:
            chunks.extend(await self._reply_chunks(open_kfid, user, message))
        await self._deliver(open_kfid, user, chunks)

    async def _bot_may_answer(self, open_kfid: str, user: str) -> bool:
        """False while the session is queued for, or served by, a human agent (or ended)."""
        try:
            state = await self.api.get_service_state(open_kfid, user)
        except (WeComError, WeComUnavailable) as error:
            logger.warning("service state of %s unknown (%s); answering anyway", masked(user), error)
            return True
        if state.state in (NEW, BOT):
            return True
        logger.info("%s on %s is in service state %s: the bot stays silent", masked(user), masked(open_kfid),
                    state.state)
        return False

    async def _reply_chunks(self, open_kfid: str, user: str, message: dict[str, Any]) -> list[str]:
        """The reply to one customer message, as text chunks within the byte limit."""
        if message.get("msgtype") != "text":
            return [say.NOT_TEXT]
        text = str((message.get("text") or {}).get("content") or "").strip()
        if not text:
            return [say.EMPTY]
        sender = sender_id(CHANNEL, open_kfid, user)
        options = await asyncio.to_thread(self.store.load_options, sender)
        turn_text = reply_for_digit(text, options)
        if turn_text is None:
            if len(text) > self.settings.max_message_chars:
                return [say.TOO_LONG.format(max_chars=self.settings.max_message_chars)]
            left = await left_by_chat(sender, text)  # outside the hours, after the offer to leave a message
            if left is not None:
                return [left]
            try:
                turn_text = await self._mask(text, sender)
            except Exception as error:  # masking failed: the unmasked text must not go on
                logger.error("masking failed (%s); message of %s not passed on", type(error).__name__, masked(user))
                return [say.CANNOT_PROCESS.format(hotline=self.settings.hotline)]
        collector = CollectingOutputChannel()
        try:
            turn = self.on_new_message(UserMessage(turn_text, collector, sender, input_channel=CHANNEL))
            await asyncio.wait_for(turn, self.settings.turn_seconds)
        except asyncio.TimeoutError:
            logger.warning("Rasa turn of %s took longer than %.0f s", masked(user), self.settings.turn_seconds)
            return [say.SLOW.format(hotline=self.settings.hotline)]
        except Exception as error:
            logger.error("Rasa turn of %s failed: %s", masked(user), type(error).__name__)
            return [say.CANNOT_PROCESS.format(hotline=self.settings.hotline)]
        await asyncio.to_thread(self.store.save_options, sender, numbered_options(collector.messages))
        return plain_messages(collector.messages, self.settings.text_max_bytes)

    async def _mask(self, text: str, sender: str) -> str:
        if self._protect is None:
            from bot.edge.privacy import load_protect

            self._protect = load_protect()
        if self._masker is None:
            self._masker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wecom-mask")
        return await asyncio.get_running_loop().run_in_executor(self._masker, self._protect, text, sender)

    async def _deliver(self, open_kfid: str, user: str, chunks: list[str]) -> int:
        """Send the chunks within the customer's remaining quota; the number of messages sent."""
        record = await asyncio.to_thread(self.quota.load, open_kfid, user)
        messages, dropped = fit(chunks, record.remaining(time.time()), self.settings.text_max_bytes, say.CUT_SHORT)
        sent = 0
        for text in messages:
            try:
                await self.api.send_text(open_kfid, user, text)
            except WeComError as error:
                if error.errcode in (COUNT_LIMIT, TIME_LIMIT):
                    await asyncio.to_thread(self.quota.exhaust, open_kfid, user)
                logger.warning("kf/send_msg to %s on %s refused (%s); %d of %d messages not sent", masked(user),
                               masked(open_kfid), error, len(messages) - sent, len(messages))
                break
            except WeComUnavailable as error:
                logger.warning("kf/send_msg to %s failed (%s); %d of %d messages not sent", masked(user), error,
                               len(messages) - sent, len(messages))
                break
            sent += 1
            await asyncio.to_thread(self.quota.note_sent, open_kfid, user)
        if dropped:
            logger.warning("48-hour/5-message rule: %d of %d reply parts to %s on %s could not be sent", dropped,
                           len(chunks), masked(user), masked(open_kfid))
        return sent

    def close(self) -> None:
        """Release the masking thread."""
        if self._masker is not None:
            self._masker.shutdown(wait=False)
            self._masker = None


def _user_of(message: dict[str, Any]) -> str:
    user = message.get("external_userid") or (message.get("event") or {}).get("external_userid") or ""
    return str(user)
