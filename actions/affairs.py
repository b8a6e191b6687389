"""Actions for finding an affair, asking the situation, and answering."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.cases import answered_on_the_case_shown
from actions.handoff import hand_over
from actions.rating import ask_for_rating, reason_pending, take_reason
from actions.state import apply, entity, latest_text, loop_when_spoken, say, state_of
from bot.catalog.provider import default_provider
from bot.config import settings
from bot.dialogue import cases, handoff, misread, turns


class ActionResolveAffair(Action):
    """Work out which affair the person means (or which of the offered ones they picked)."""

    def name(self) -> str:
        return "action_resolve_affair"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        on_the_case = answered_on_the_case_shown(dispatcher, tracker)  # 超时了怎么办, after a lookup
        if on_the_case is not None:
            return on_the_case
        before = state_of(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = latest_text(tracker)
        turn = turns.understand(default_provider().current(), before, text, intent,
                                entity(tracker, "affair_choice"), settings().hotline)
        if turns.is_miss(before, turn) and reason_pending(tracker):
            return await take_reason(dispatcher, tracker, None, text)  # words after 不满意: the reason
        if turns.is_miss(before, turn) and factor_while_locked(tracker, text):
            dispatcher.utter_message(text=cases.still_locked_text(float(tracker.get_slot("case_locked_until")),
                                                                  time.time(), settings().hotline))
            return [SlotSet("affair_state", turns.DONE)]  # the phone tail after the lookup was paused: no miss
        if turns.misses_reached(before, turn):  # handed over, the count starts again: a later miss is a new pair
            changes = {**turn.changes(before), "clarify_failures": 0}
            events = [SlotSet(name, value) for name, value in changes.items()]
            return events + await hand_over(dispatcher, tracker, handoff.REASON_MISSES, [handoff.misses_preface()])
        if not turns.is_miss(before, turn):
            say_lookup_set_aside(dispatcher, tracker)
        return apply(dispatcher, before, turn)


def say_lookup_set_aside(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """When an affair asked about stopped the case lookup: that it waits, and how to take it up again."""
    if loop_when_spoken(tracker) == "case_form" and not tracker.active_loop_name:
        dispatcher.utter_message(text=cases.set_aside_text(tracker.get_slot("case_number") is not None))


def factor_while_locked(tracker: Tracker, text: str) -> bool:
    """Whether the message gives a phone tail or query code while this person's lookups are paused."""
    until = tracker.get_slot("case_locked_until")
    return until is not None and cases.locked(float(until), time.time()) and \
        cases.read_factor(text, tracker.sender_id, consume=False) is not None


class ActionAnswerAffair(Action):
    """The full guide once the situation and district are known."""

    def name(self) -> str:
        return "action_answer_affair"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        before = state_of(tracker)
        turn = turns.full_answer(default_provider().current(), before, settings().hotline)
        events = apply(dispatcher, before, turn)
        return events + ask_for_rating(dispatcher) if turns.gave_full_answer(turn) else events


class ActionAnswerDetail(Action):
    """Fee, time limit, online option, office, hours, in person, visits or posting the result for the current affair."""

    def name(self) -> str:
        return "action_answer_detail"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        on_the_case = answered_on_the_case_shown(dispatcher, tracker)  # 什么时候能办好, after a lookup
        if on_the_case is not None:
            return on_the_case
        before = state_of(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        detail = turns.detail_for(intent, latest_text(tracker), before.pending_detail)
        turn = turns.answer_detail(default_provider().current(), before, latest_text(tracker), detail,
                                   settings().hotline)
        say_lookup_set_aside(dispatcher, tracker)  # 护照要多少钱, asked for the phone tail
        return apply(dispatcher, before, turn)


class ActionAskSituationAnswer(Action):
    """Ask the next situation question, with its options as buttons."""

    def name(self) -> str:
        return "action_ask_situation_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reply = turns.next_question(default_provider().current(), state_of(tracker))
        if reply is not None:
            say(dispatcher, [reply])
        return []


class ActionAskDistrict(Action):
    """Ask where the person will go."""

    def name(self) -> str:
        return "action_ask_district"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say(dispatcher, [turns.ask_district()])
        return []


class ValidateSituationForm(FormValidationAction):
    """Asks the affair's situation questions one at a time, then the district when unknown."""

    def name(self) -> str:
        return "validate_situation_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return turns.required_slots(default_provider().current(), state_of(tracker))

    async def extract_situation_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        """The reply as the answer when the form's mapping left it to the rules for its intent (满16了 read as
        goodbye) but it answers the question asked all the same (`bot.dialogue.misread`)."""
        asked = tracker.active_loop_name == self.form_name() and \
            tracker.get_slot("requested_slot") == "situation_answer"
        if not asked or tracker.get_slot("situation_answer") is not None:
            return {}  # nothing asked yet, or the mapping took the reply
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        text = latest_text(tracker)
        if text and misread.answers_all_the_same(default_provider().current(), state_of(tracker), text, intent):
            return {"situation_answer": text}
        return {}

    def validate_situation_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        before = state_of(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        turn = turns.take_situation_answer(default_provider().current(), before, str(value or ""), intent,
                                           settings().hotline)
        return {**form_slots(dispatcher, before, turn), "situation_answer": None}

    def validate_district(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        before = state_of(tracker)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        turn = turns.take_district(default_provider().current(), before, str(value or ""), intent,
                                   settings().hotline)
        return {**form_slots(dispatcher, before, turn), "district": turn.state.district}


def form_slots(dispatcher: CollectingDispatcher, before: turns.State, turn: turns.Turn) -> dict[str, Any]:
    """Send a form turn's replies and return the slots it changed (affair_state only when it did change, to keep
    the form's slot events minimal)."""
    slots = {e["name"]: e["value"] for e in apply(dispatcher, before, turn)}
    if slots.get("affair_state") == before.affair_state:
        del slots["affair_state"]
    return slots


def picks_a_choice(tracker: Tracker) -> bool:
    """Whether the person's reply, read as a stop or a farewell while affairs are offered and no form runs, picks
    one of them all the same (找不着了, 人走了: `bot.dialogue.misread`): then the resolver takes the pick."""
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    text = latest_text(tracker)
    return not tracker.active_loop_name and bool(text) and \
        misread.picks_all_the_same(default_provider().current(), state_of(tracker), text, intent) is not None


def answers_after_a_follow_up(tracker: Tracker) -> bool:
    """Whether the person's reply, read as goodbye after a follow-up about an affair was answered and no form runs,
    answers that affair's situation questions all the same (生病走的, after 丧葬费去哪里领: `bot.dialogue.misread`)."""
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    text = latest_text(tracker)
    return not tracker.active_loop_name and bool(text) and misread.answers_all_the_same_after_a_follow_up(
        default_provider().current(), state_of(tracker), text, intent)


class ActionGoodbye(Action):
    """Say goodbye, unless the reply picks one of the offered affairs all the same (人走了 among the hukou ones), or
    answers the questions of the affair just asked about (生病走的)."""

    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if picks_a_choice(tracker) or answers_after_a_follow_up(tracker):
            return [FollowupAction("action_resolve_affair")]
        dispatcher.utter_message(response="utter_goodbye")
        return []


class ActionCancel(Action):
    """Stop the form that is running. A case lookup that broke into the situation questions stops alone, and the
    questions resume; anything else also forgets the half-answered situation."""

    def name(self) -> str:
        return "action_cancel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if picks_a_choice(tracker):
            return [FollowupAction("action_resolve_affair")]
        before = state_of(tracker)
        in_lookup = (tracker.active_loop or {}).get("name") == "case_form"
        stopped = [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("situation_answer", None),
                   SlotSet("case_number", None), SlotSet("case_factor", None)]
        resumed = turns.cancelled(default_provider().current(), before, in_lookup)
        if resumed is not None:  # the question is asked again; its answer resumes the form, as after a lookup
            return [*stopped, *apply(dispatcher, before, resumed)]
        dispatcher.utter_message(response="utter_cancelled")
        forgotten = [SlotSet("answers", {}), SlotSet("also_affair", None), SlotSet("also_set_aside", False),
                     SlotSet("clarify_answers", {}), SlotSet("suggested_answer", None)]
        return [*stopped, SlotSet("affair_state", turns.DONE), *forgotten]  # the affair stays, for 要多少钱
