"""Actions for the case-status lookup: the form, the lookup, and the lockout per end user.

Failed verifications are counted by `bot.cases.attempts` in the database, per end user (a keyed hash
of the tracker's sender id) and case number, so neither /restart, a new session nor a new
conversation of the same sender resets them. The slots only carry the form's values (and, for
display, when a lock ends).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.rating import ask_for_rating
from actions.state import latest_text, messages_sent, say, state_of
from bot.cases import Found, NotFoundOrMismatch, PhoneLast4, Unavailable, UnavailableReason, get_client
from bot.cases.attempts import CASE, USER, AttemptLimiter, Decision, get_limiter
from bot.catalog.catalog import Catalog
from bot.catalog.provider import default_provider
from bot.config import settings
from bot.dialogue import cases, turns
from bot.dialogue.case_follow_ups import CaseShown, answer

log = logging.getLogger(__name__)

LIMITER_ERRORS = (SQLAlchemyError, OSError)
CASE_SHOWN = "case_shown"  # what the last lookup showed, for the follow-ups right after it


def _catalog() -> Catalog | None:
    """The catalog, for naming the office where missing materials go; the answer works without it."""
    try:
        return default_provider().current().catalog
    except SQLAlchemyError:
        return None


def _limiter_and_user(tracker: Tracker) -> tuple[AttemptLimiter, str]:
    """The attempt limiter and this conversation's end user (channels namespace their sender ids)."""
    limiter = get_limiter()
    return limiter, limiter.end_user(str(tracker.sender_id or ""))


async def _decision(tracker: Tracker, number: str | None, now: float) -> tuple[AttemptLimiter, str, Decision] | None:
    """May this end user look ``number`` up (any case when None)? None when the limiter is unavailable."""
    try:
        limiter, end_user = _limiter_and_user(tracker)
        decision = await asyncio.to_thread(limiter.allowed, number, end_user, now)
    except LIMITER_ERRORS as exc:
        log.error("case attempt limiter unavailable: %s", type(exc).__name__)
        return None
    return limiter, end_user, decision


async def _tail_paused(limiter: AttemptLimiter, number: str, now: float) -> int | None:
    """Seconds until ``number`` may be verified by phone tail again, or None when it may now. When the count
    cannot be read, the tail is paused too: guessing must stay limited."""
    try:
        decision = await asyncio.to_thread(limiter.tail_allowed, number, now)
    except LIMITER_ERRORS as exc:
        log.error("case attempt limiter unavailable: %s", type(exc).__name__)
        return 60
    return None if decision.allowed else decision.retry_after


def answered_on_the_case_shown(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """A follow-up on the case a lookup just showed (什么时候能办好, 去哪里拿, 为什么被驳回), answered from what it
    showed; None when the message asks nothing of it, or names an affair (身份证多久能办好 asks of ID cards)."""
    shown = CaseShown.from_slot(tracker.get_slot(CASE_SHOWN))
    now, said = messages_sent(tracker), latest_text(tracker)
    text = answer(shown, said, now, cases.province_today(), settings().hotline)
    if text is None:
        return None
    named = default_provider().current().resolver.resolve(said)
    if named.affair or named.clarify:
        return None
    dispatcher.utter_message(text=text)
    return [SlotSet(CASE_SHOWN, shown.later(now).as_slot()), SlotSet("affair_state", turns.DONE)]


def _locked_answer(decision: Decision, now: float, hotline: str) -> str:
    return cases.locked_text(now + decision.retry_after, now, hotline, every_case=decision.scope == USER)


class ValidateCaseForm(FormValidationAction):
    """Collects a well-formed case number and verification factor; nothing more while this end user is
    locked out (of every case, or of the case number just given)."""

    def name(self) -> str:
        return "validate_case_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        number = cases.read_case_number(tracker.get_slot("case_number") or "")
        checked = await _decision(tracker, number, time.time())
        if checked is not None and not checked[2].allowed:
            return []  # the form ends; action_query_case says why and until when
        return domain_slots

    def validate_case_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        number = cases.read_case_number(text)
        if number is None:  # the form asks for the number next
            dispatcher.utter_message(text=cases.where_to_find_the_number_text(settings().hotline)
                                     if cases.cannot_give(text) else cases.bad_number_text(asked_next=True))
        return {"case_number": number}

    def validate_case_factor(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        text = str(value or "")
        number = cases.read_case_number(text)
        if number is not None and number != tracker.get_slot("case_number"):
            return {"case_number": number, "case_factor": None}  # a new case number: its factor comes next
        factor = cases.read_factor(text, tracker.sender_id, consume=False)
        if factor is None:  # the form asks for the factor next
            dispatcher.utter_message(text=cases.other_ways_to_verify_text(settings().hotline)
                                     if cases.cannot_give(text) else cases.bad_factor_text(asked_next=True))
            return {"case_factor": None}
        return {"case_factor": str(value)}


class ActionQueryCase(Action):
    """Looks the case up and answers in plain Chinese; counts failed verifications per end user."""

    def name(self) -> str:
        return "action_query_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        hotline = settings().hotline
        now = time.time()
        reset = [SlotSet("case_number", None), SlotSet("case_factor", None)]
        number = cases.read_case_number(tracker.get_slot("case_number") or "")
        factor = cases.read_factor(tracker.get_slot("case_factor") or "", tracker.sender_id)
        checked = await _decision(tracker, number, now)
        if checked is None:  # without the count, no lookup: guessing must stay limited
            dispatcher.utter_message(
                text=cases.result_text(Unavailable(UnavailableReason.SERVER_ERROR), _catalog, 0, hotline))
            return reset
        limiter, end_user, decision = checked
        if not decision.allowed:
            dispatcher.utter_message(text=_locked_answer(decision, now, hotline))
            return [*reset, SlotSet("case_locked_until", now + decision.retry_after)]
        if number is None or factor is None:
            dispatcher.utter_message(text=cases.bad_number_text() if number is None else cases.bad_factor_text())
            return reset
        if isinstance(factor, PhoneLast4):
            paused = await _tail_paused(limiter, number, now)
            if paused is not None:  # too many guesses on this case by anyone: the query code still works
                dispatcher.utter_message(text=cases.tail_paused_text(now + paused, now, hotline))
                return [SlotSet("case_factor", None), ActiveLoop("case_form"), FollowupAction("case_form")]
        result = await get_client().alookup(number, factor, end_user)
        if isinstance(result, NotFoundOrMismatch):
            after = await self._record_failure(limiter, number, end_user, now, decision)
            if not after.allowed:
                dispatcher.utter_message(text=_locked_answer(after, now, hotline))
                return [*reset, SlotSet("case_locked_until", now + after.retry_after)]
            dispatcher.utter_message(text=cases.result_text(result, _catalog, after.attempts_left, hotline,
                                                            asked_next=True))
            # Same case: ask only the factor (the form's question follows this answer). The loop is set active
            # first, so that running the form is no re-activation, which would fill the factor again from this same
            # message (and fail 3 times at once).
            return [SlotSet("case_factor", None), ActiveLoop("case_form"), FollowupAction("case_form")]
        shown = None
        if isinstance(result, Found):
            try:
                await asyncio.to_thread(limiter.record_success, number, end_user)
            except LIMITER_ERRORS as exc:
                log.error("case attempt limiter could not record a success: %s", type(exc).__name__)
            shown = CaseShown.of(result.case, messages_sent(tracker)).as_slot()  # for 什么时候能办好 next
        reset.append(SlotSet(CASE_SHOWN, shown))
        dispatcher.utter_message(text=cases.result_text(result, _catalog, decision.attempts_left, hotline))
        unfinished = turns.unfinished(default_provider().current(), state_of(tracker))
        say(dispatcher, unfinished)  # the affair the lookup broke into goes on; its guide asks for the rating
        return reset + ask_for_rating(dispatcher) if isinstance(result, Found) and not unfinished else reset

    @staticmethod
    async def _record_failure(limiter: AttemptLimiter, number: str, end_user: str, now: float,
                              before: Decision) -> Decision:
        try:
            return await asyncio.to_thread(limiter.record_failure, number, end_user, now)
        except LIMITER_ERRORS as exc:
            log.error("case attempt limiter could not record a failure: %s", type(exc).__name__)
            left = max(0, before.attempts_left - 1)
            return Decision(left > 0, 0 if left else cases.LOCK_SECONDS, left, None if left else CASE)
