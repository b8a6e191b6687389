"""好差评: the rating prompt after a full answer, and the rating and its reason, stored by the console."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.state import entity, latest_text, say
from bot.console.errors import ConsoleError
from bot.console.ratings import AlreadyRated, record_rating
from bot.dialogue import rating

log = logging.getLogger(__name__)

STORE_ERRORS = (SQLAlchemyError, OSError, ConsoleError)
ANSWER_SLOT, LEVEL_SLOT = "rating_answer", "rating_level"


def ask_for_rating(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Send the rating question for the answer just given; the slot remembers which answer it is."""
    answer_id = rating.new_answer_id()
    say(dispatcher, [rating.prompt(answer_id)])
    return [SlotSet(ANSWER_SLOT, answer_id), SlotSet(LEVEL_SLOT, None)]


async def _store(tracker: Tracker, answer_id: str, level: int, reasons: list[str], text: str | None) -> str:
    """Store one rating; "ok", "again" (already rated) or "failed"."""
    try:
        await asyncio.to_thread(
            record_rating, answer_id, level, tracker.get_slot("affair"), tracker.get_latest_input_channel(),
            tracker.get_slot("district"), reasons, text, None)
    except AlreadyRated:
        return "again"
    except STORE_ERRORS as error:
        log.error("rating not stored: %s", type(error).__name__)
        return "failed"
    return "ok"


class ActionRate(Action):
    """A rating button (or 满意 / 不满意 typed after the prompt)."""

    def name(self) -> str:
        return "action_rate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        answer_id = entity(tracker, "answer_id") or tracker.get_slot(ANSWER_SLOT)
        level = rating.level_of(entity(tracker, "rating"), latest_text(tracker))
        if not answer_id or level is None:
            say(dispatcher, [rating.nothing_to_rate()])
            return []
        if rating.needs_reason(level):  # stored with its reason, or without one after 不说了
            say(dispatcher, [rating.ask_reason(level)])
            return [SlotSet(ANSWER_SLOT, answer_id), SlotSet(LEVEL_SLOT, float(level))]
        outcome = await _store(tracker, answer_id, level, [], None)
        say(dispatcher, [rating.already_rated() if outcome == "again" else rating.thanks(level)])
        return [SlotSet(ANSWER_SLOT, None), SlotSet(LEVEL_SLOT, None)]


async def take_reason(dispatcher: CollectingDispatcher, tracker: Tracker, picked: str | None,
                      typed: str) -> list[dict[str, Any]]:
    """Store the pending rating with the reason picked or typed; events to return."""
    answer_id, level = tracker.get_slot(ANSWER_SLOT), tracker.get_slot(LEVEL_SLOT)
    if not answer_id or level is None:
        say(dispatcher, [rating.nothing_to_rate()])
        return []
    level = int(level)
    reasons = [picked] if picked and picked != rating.SKIP_REASON else []
    outcome = await _store(tracker, answer_id, level, reasons, None if picked else (typed or None))
    say(dispatcher, [rating.already_rated() if outcome == "again" else rating.after_reason(level)])
    return [SlotSet(ANSWER_SLOT, None), SlotSet(LEVEL_SLOT, None)]


def reason_pending(tracker: Tracker) -> bool:
    """A rating below 满意 waits for its reason."""
    return tracker.get_slot(LEVEL_SLOT) is not None and bool(tracker.get_slot(ANSWER_SLOT))


class ActionRateReason(Action):
    """The reason for a rating below 满意: a reason button or 不说了."""

    def name(self) -> str:
        return "action_rate_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        return await take_reason(dispatcher, tracker, entity(tracker, "reason"), latest_text(tracker))
