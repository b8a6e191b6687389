"""Handing the conversation to a 12345 agent: the queue entry with the story so far, then the bot pauses.

The queue is the console service's (`bot.console.handoff`); while the person waits or talks with the agent,
the conversation is paused (Rasa logs their messages and predicts nothing) until the agent hands it back
(`bot.channels.handoff_hook` resumes it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.state import latest_text, say, state_of
from bot.catalog.provider import default_provider
from bot.config import settings
from bot.console import handoff as desk
from bot.console.errors import ConsoleError
from bot.console.settings import load_settings
from bot.dialogue import handoff
from bot.dialogue.answers import Reply

log = logging.getLogger(__name__)

QUEUE_ERRORS = (SQLAlchemyError, OSError, ConsoleError, ValueError)


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
                    preface: list[Reply] = ()) -> list[dict[str, Any]]:
    """Queue the person for an agent with a summary; pause when queued. Events to return."""
    hotline = settings().hotline
    state = state_of(tracker)
    # a half-asked form would swallow the first question afterwards (the agent's hand back, or a new try)
    closed = [ActiveLoop(None), SlotSet("requested_slot", None)]
    try:
        catalog = default_provider().current().catalog
        story = handoff.summary(catalog, state.affair, state.answers, state.district, tracker.events)
        channel = tracker.get_latest_input_channel() or "web"
        ticket = await asyncio.to_thread(desk.request_handoff, str(tracker.sender_id), channel, story, reason)
        hours = load_settings().service_hours
    except QUEUE_ERRORS as error:
        log.error("handoff queue unavailable: %s", type(error).__name__)
        say(dispatcher, [*preface, handoff.unavailable_reply(hotline)])
        return closed
    if not ticket.in_service_hours or ticket.id is None:
        say(dispatcher, [*preface, handoff.closed_reply(handoff.hours_label(hours), hotline)])
        return closed
    say(dispatcher, [*preface, handoff.queued_reply(ticket.position, ticket.id)])
    # the listen the paused loop never reaches: without it the messages logged while paused follow the handoff
    # action itself, and /restart is mispredicted into running the handoff again (rasa #8119)
    return [*closed, ConversationPaused(), ActionExecuted("action_listen")]


class ActionHandoff(Action):
    """转人工 / 找客服 (or the button after a low rating)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        if text and not tracker.active_loop_name and not handoff.asks_for_a_person(text):
            return [FollowupAction("action_resolve_affair")]  # 我是个人经营的, read as 人工: no request
        return await hand_over(dispatcher, tracker, handoff.REASON_ASKED)
