"""A new session keeps the district but not the affair or situation answers.

The case lookup lockout needs no slot: it is counted per end user in the database (bot.cases.attempts).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

CARRIED_OVER = ("district",)


class ActionSessionStart(Action):
    """Start a session, carrying over only the slots in CARRIED_OVER."""

    def name(self) -> str:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        kept = [SlotSet(name, tracker.get_slot(name)) for name in CARRIED_OVER if tracker.get_slot(name)]
        return [SessionStarted(), *kept, ActionExecuted("action_listen")]
