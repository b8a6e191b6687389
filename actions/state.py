"""Reading the conversation state from the tracker and writing changes back as events."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.answers import Reply
from bot.dialogue.turns import State, Turn


def state_of(tracker: Tracker) -> State:
    """The dialogue state kept in slots."""
    return State(
        affair=tracker.get_slot("affair"),
        affair_state=tracker.get_slot("affair_state"),
        clarify_options=tuple(tracker.get_slot("clarify_options") or ()),
        clarify_failures=int(tracker.get_slot("clarify_failures") or 0),
        answers=dict(tracker.get_slot("answers") or {}),
        district=tracker.get_slot("district"),
        pending_detail=tracker.get_slot("pending_detail"),
        also_affair=tracker.get_slot("also_affair"),
        clarify_each=bool(tracker.get_slot("clarify_each")),
        suggested_answer=tracker.get_slot("suggested_answer"),
        clarify_answers=dict(tracker.get_slot("clarify_answers") or {}),
        also_set_aside=bool(tracker.get_slot("also_set_aside")),
    )


def loop_when_spoken(tracker: Tracker) -> str | None:
    """The form that was running when the person sent the latest message (it may have been stopped since)."""
    active = spoken = None
    for event in tracker.events:
        if event.get("event") == "active_loop":
            active = event.get("name")
        elif event.get("event") == "user":
            spoken = active
    return spoken


def latest_text(tracker: Tracker) -> str:
    """The person's last message as typed (button payloads count as empty)."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def messages_sent(tracker: Tracker) -> int:
    """How many messages the person has sent in this conversation (the one being answered included)."""
    return sum(1 for event in tracker.events if event.get("event") == "user")


def entity(tracker: Tracker, name: str) -> str | None:
    """The first value of an entity in the last message."""
    return next(tracker.get_latest_entity_values(name), None)


def say(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    """Send the replies."""
    for reply in replies:
        dispatcher.utter_message(**reply.as_rasa())


def apply(dispatcher: CollectingDispatcher, before: State, turn: Turn) -> list[dict[str, Any]]:
    """Send the turn's replies and return SlotSet events for what changed."""
    say(dispatcher, turn.replies)
    return [SlotSet(name, value) for name, value in turn.changes(before).items()]
