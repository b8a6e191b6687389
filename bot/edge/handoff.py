"""The citizen's side of a handoff to a 12345 agent, at the edge.

- While the sender has an open ticket (queued or taken), each message also goes to the agent's desk (masked,
  as Rasa gets it); Rasa, paused, answers nothing, so the edge says where the person stands instead.
- ``GET /webhooks/rest/updates?sender=…&after=N``: the agent's replies and status changes since ``N``, which the
  page polls while a handoff is open.
- ``POST /webhooks/rest/leave_message`` ``{"sender", "message", "phone"}``: outside the service hours, a message
  and a number to call back; the number goes straight to the console's encrypted store, never through Rasa.
- `left_by_chat`: the same by chat, for a person without the form (WeChat, WeCom, a plain REST client): after the
  offer, a message that gives a callback number is left, with the person's messages since the offer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from functools import partial
from typing import Any

from aiohttp import web

from bot.edge import messages

logger = logging.getLogger(__name__)

UPDATES_PATH = "/webhooks/rest/updates"
LEAVE_MESSAGE_PATH = "/webhooks/rest/leave_message"
HANDOFF_TYPE = "onevisit.handoff"
MAX_LEAVE_BODY = 4096
dumps = partial(json.dumps, ensure_ascii=False)


def _desk() -> Any:
    from bot.console.handoff import default_desk

    return default_desk()


async def _call(function: Any, *args: Any) -> Any:
    """Run a (blocking, database) desk call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))


async def relay(sender: str, masked: str) -> dict[str, Any] | None:
    """Pass the message to the agent when the sender is handed over; the ticket's state, else None."""
    try:
        desk = _desk()
        ticket = await _call(desk.open_ticket, sender)
        if ticket is None:
            return None
        await _call(desk.citizen_message, sender, masked)
    except Exception as error:  # noqa: BLE001 - a desk or database error must not cost the message to Rasa
        logger.error("handoff desk unavailable: %s", type(error).__name__)
        return None
    return {"status": ticket.status, "position": ticket.position, "agent": ticket.agent}


# a message that only asks to leave one (留言, 我要留言, 怎么留言): it is told how
_ASKS_TO_LEAVE_ONE = re.compile(r"(?:我要|我想|想|要|怎么|如何|可以|那就|那我)?留(?:个|一下|一个)?言"
                                r"(?:吧|呢|吗|啊)?[\s。.!！?？~]*")


# a message that asks about an application (帮我查一下进度，手机13900005803): a lookup, no message to leave
_ASKS_OF_A_CASE = re.compile(r"进度|办件|受理编号|查询码|帮我查|查一下|查查|办到哪|到哪一步")
# a message that asks to be called back (明天上午打给我, 请回电): the number is what it still needs
_ASKS_FOR_A_CALL = re.compile(r"打给我|打我电话|回电|回个电话|回我电话|联系我|给我打")


async def left_by_chat(sender: str, text: str) -> str | None:
    """A chat message (unmasked, before Rasa) after the offer to leave a message outside the service hours: one
    that gives a callback number is left, with the messages kept since the offer, and the reply says so; a bare
    留言 gets how to leave one; one that asks for a call without a number is kept and the number asked for; any
    other is kept for the message and goes on to Rasa (None), as do all messages when no offer is open. A desk or
    database error never costs the message: it goes on to Rasa."""
    from bot.config import settings
    from bot.console.phones import find_callback_number, mask_phone

    try:
        desk = _desk()
        if await _call(desk.leave_offer, sender) is None:
            return None
        phone = None if _ASKS_OF_A_CASE.search(text) else find_callback_number(text)
        if phone is not None:
            await _call(desk.leave_message_by_chat, sender, text, phone)
            return messages.LEFT_BY_CHAT.format(phone=mask_phone(phone), hotline=settings().hotline)
        if _ASKS_TO_LEAVE_ONE.fullmatch(text.strip()):
            return messages.LEAVE_HOW
        await _call(desk.keep_for_the_message, sender, text)
        if _ASKS_FOR_A_CALL.search(text):  # 明天上午打给我, without the number: it is asked for
            return messages.LEAVE_NUMBER
    except Exception as error:  # noqa: BLE001 - the message goes on to Rasa
        logger.error("left message not taken: %s", type(error).__name__)
    return None


def status_replies(sender: str, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """What a handed-over person hears for a message while Rasa is paused."""
    if ticket["status"] == "queued":
        place = f"（排在第 {ticket['position']} 位）" if ticket.get("position") else ""
        text = messages.HANDOFF_QUEUED.format(place=place)
    else:
        text = messages.HANDOFF_TAKEN
    return [{"recipient_id": sender, "text": text,
             "custom": {"type": HANDOFF_TYPE, "status": ticket["status"], "position": ticket.get("position")}}]


async def updates(request: web.Request) -> web.Response:
    """GET /webhooks/rest/updates: the agent's messages and status changes after ``after``."""
    from bot.console.errors import ConsoleError

    sender = request.query.get("sender", "")
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = -1
    if not sender or len(sender) > 255 or after < 0:
        return web.json_response({"error": messages.BAD_UPDATES}, status=400, dumps=dumps)
    try:
        found = await _call(_desk().updates_for, sender, after)
    except ConsoleError as error:
        return web.json_response({"error": str(error)}, status=400, dumps=dumps)
    return web.json_response([m.as_json() for m in found], dumps=dumps)


async def leave_message(request: web.Request) -> web.Response:
    """POST /webhooks/rest/leave_message: a message and a call-back number, outside the service hours."""
    from bot.console.errors import ConsoleError

    raw = await request.content.read(MAX_LEAVE_BODY + 1)
    try:
        body = json.loads(raw) if len(raw) <= MAX_LEAVE_BODY else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("sender", "message", "phone")):
        return web.json_response({"error": messages.BAD_LEAVE_MESSAGE}, status=400, dumps=dumps)
    try:
        await _call(_desk().leave_message, body["sender"], body["message"], body["phone"], "web")
    except ConsoleError as error:
        return web.json_response({"error": str(error)}, status=400, dumps=dumps)
    return web.json_response({"ok": True, "text": messages.LEFT_MESSAGE}, dumps=dumps)


def add_handoff_routes(app: web.Application) -> None:
    """Register the citizen's handoff routes."""
    app.router.add_get(UPDATES_PATH, updates)
    app.router.add_post(LEAVE_MESSAGE_PATH, leave_message)
