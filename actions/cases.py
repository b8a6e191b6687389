"""Actions for the case-status lookup: the form, the lookup and the lockout."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from bot.cases import VerificationFailed, get_client
from bot.catalog.catalog import Catalog
from bot.catalog.provider import default_provider
from bot.config import settings
from bot.dialogue import cases


def _locked_until(tracker: Tracker) -> float:
    return float(tracker.get_slot("case_locked_until") or 0)


def _catalog() -> Catalog | None:
    """The catalog, for naming the office where missing materials go; the answer works without it."""
    try:
        return default_provider().current().catalog
    except SQLAlchemyError:
        return None


class ValidateCaseForm(FormValidationAction):
    """Collects a well-formed case number and verification factor; nothing when lookups are locked."""

    def name(self) -> str:
        return "validate_case_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if cases.locked(_locked_until(tracker), time.time()):
            return []
        return domain_slots

    def validate_case_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        number = cases.read_case_number(str(value or ""))
        if number is None:
            dispatcher.utter_message(text=cases.bad_number_text())
        return {"case_number": number}

    def validate_case_factor(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        number = cases.read_case_number(text)
        if number is not None and number != tracker.get_slot("case_number"):
            return {"case_number": number, "case_factor": None}  # a new case number: its factor comes next
        factor = cases.read_factor(text)
        if factor is None:
            dispatcher.utter_message(text=cases.bad_factor_text())
            return {"case_factor": None}
        return {"case_factor": str(value)}


class ActionQueryCase(Action):
    """Looks the case up and answers in plain Chinese; counts failed verifications."""

    def name(self) -> str:
        return "action_query_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        hotline = settings().hotline
        now = time.time()
        reset = [SlotSet("case_number", None), SlotSet("case_factor", None)]
        if cases.locked(_locked_until(tracker), now):
            dispatcher.utter_message(text=cases.locked_text(_locked_until(tracker), now, hotline))
            return reset
        number = cases.read_case_number(tracker.get_slot("case_number") or "")
        factor = cases.read_factor(tracker.get_slot("case_factor") or "")
        if number is None or factor is None:
            dispatcher.utter_message(text=cases.bad_number_text() if number is None else cases.bad_factor_text())
            return reset
        result = await get_client().alookup(number, factor)
        failures = int(tracker.get_slot("case_failures") or 0)
        events = list(reset)
        if isinstance(result, VerificationFailed):
            failures += 1
            events.append(SlotSet("case_failures", failures))
            if failures >= cases.MAX_VERIFICATION_FAILURES:
                events += [SlotSet("case_locked_until", now + cases.LOCK_SECONDS), SlotSet("case_failures", 0)]
            else:  # same case, ask only for the factor again
                events = [SlotSet("case_factor", None), SlotSet("case_failures", failures),
                          FollowupAction("case_form")]
        left = cases.MAX_VERIFICATION_FAILURES - failures
        dispatcher.utter_message(text=cases.result_text(result, _catalog, left, hotline))
        return events
