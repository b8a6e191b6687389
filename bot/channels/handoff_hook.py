"""The console's hook into Rasa: an agent handed a conversation back, or closed it; the bot takes over again.

Mounted by Rasa (credentials.yml: ``bot.channels.handoff_hook.HandoffHookInput:``) at
``/webhooks/handoff_hook/webhook`` on Rasa's loopback port, so only local processes reach it, and every call
must carry ``X-Console-Token: <CONSOLE_RASA_HOOK_TOKEN>`` (compared in constant time; without a configured
token every call is refused). The body is what `bot.console.hooks` sends: ``{"sender", "event", "ticket"}``.

Under the conversation's lock, the tracker gets ``ConversationResumed`` and then ``action_listen``: a paused
conversation answers nothing but /restart (rasa #8119), and without the listen the first prediction after
resuming starts from the action that paused it (rasa #5645). A closed conversation also forgets its affair
and situation, so the next question starts afresh.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, AllSlotsReset, ConversationResumed, Event
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.settings import HOOK_TOKEN_HEADER

logger = logging.getLogger(__name__)

TOKEN_ENV = "CONSOLE_RASA_HOOK_TOKEN"
RESUMED, CLOSED = "resumed", "closed"


def events_for(event: str) -> list[Event] | None:
    """The tracker events for a console event; None for an unknown one."""
    if event == RESUMED:
        return [ConversationResumed(), ActionExecuted(ACTION_LISTEN_NAME)]
    if event == CLOSED:
        return [ConversationResumed(), AllSlotsReset(), ActionExecuted(ACTION_LISTEN_NAME)]
    return None


class HandoffHookInput(InputChannel):
    """Receives the console's hand-back and close events (not a channel people talk through)."""

    @classmethod
    def name(cls) -> str:
        return "handoff_hook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(os.environ.get(TOKEN_ENV) or (credentials or {}).get("token") or "")

    def __init__(self, token: str) -> None:
        self.token = token

    def authorised(self, request: Request) -> bool:
        """The shared secret matches (never without one configured)."""
        given = request.headers.get(HOOK_TOKEN_HEADER, "")
        return bool(self.token) and hmac.compare_digest(given.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("handoff_hook_webhook", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own error type for a body that is not JSON
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("sender"), str) or not body["sender"]:
                return response.json({"error": "sender and event are required"}, status=400)
            new_events = events_for(str(body.get("event")))
            if new_events is None:
                return response.json({"error": "unknown event"}, status=400)
            agent = request.app.ctx.agent
            sender = body["sender"]
            async with agent.lock_store.lock(sender):
                tracker = await agent.processor.fetch_tracker_with_initial_session(sender)
                for event in new_events:
                    tracker.update(event, agent.domain)
                await agent.processor.save_tracker(tracker)
            logger.info("conversation %s by the console (ticket %s)", body["event"], body.get("ticket"))
            return response.json({"ok": True})

        return hook
