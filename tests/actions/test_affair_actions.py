"""The affair actions with a real Tracker, CollectingDispatcher and catalog."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions.affairs import (
    ActionAnswerAffair,
    ActionAnswerDetail,
    ActionAskSituationAnswer,
    ActionCancel,
    ActionResolveAffair,
    ValidateSituationForm,
)
from actions.session import ActionSessionStart
from bot.dialogue import turns
from tests.actions.conftest import slot_events, tracker


def test_resolve_sets_the_affair_and_prefills_the_situation(catalog_provider, dispatcher: CollectingDispatcher):
    events = ActionResolveAffair().run(dispatcher, tracker("我老婆是安徽户口，想把户口迁到杭州来，夫妻投靠"), {})
    slots = slot_events(events)
    assert slots["affair"] == "hukou-move-in"
    assert slots["affair_state"] == "resolved"
    assert slots["answers"] == {"move_reason": "spouse"}
    assert slots["district"] == "330100"
    assert dispatcher.messages == []  # nothing left to ask: the full guide comes next and names the affair


def test_an_affair_with_questions_left_is_named_first(catalog_provider, dispatcher: CollectingDispatcher):
    ActionResolveAffair().run(dispatcher, tracker("身份证丢了怎么补办"), {})
    [named] = dispatcher.messages
    assert named["text"].startswith("好的，您要办的是【居民身份证补领（遗失）】")
    assert named["buttons"] == [{"title": "不是这个", "payload": "/deny"}]


def test_resolve_offers_choices_with_buttons(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(ActionResolveAffair().run(dispatcher, tracker("身份证怎么办"), {}))
    assert slots["affair_state"] == "clarify"
    assert {"id-card-first", "id-card-renew", "id-card-reissue"} <= set(slots["clarify_options"])
    buttons = dispatcher.messages[0]["buttons"]
    assert buttons[-1]["title"] == "都不是"
    assert len(buttons) <= 6


def test_typed_pick_from_the_choices(catalog_provider, dispatcher: CollectingDispatcher):
    options = ["id-card-first", "id-card-renew", "id-card-reissue"]
    state = {"affair_state": "clarify", "clarify_options": options}
    slots = slot_events(ActionResolveAffair().run(dispatcher, tracker("第三个", "choose_affair", state), {}))
    assert slots["affair"] == "id-card-reissue"
    assert slots["affair_state"] == "resolved"


def test_two_misses_offer_the_hotline(catalog_provider):
    state = {"affair_state": "clarify", "clarify_options": ["id-card-first", "id-card-renew"],
             "clarify_failures": 1}
    dispatcher = CollectingDispatcher()
    slots = slot_events(ActionResolveAffair().run(dispatcher, tracker("都不是", "deny", state), {}))
    assert slots["clarify_failures"] == 2
    assert "12345" in dispatcher.messages[0]["text"]


def test_out_of_scope_text_gets_a_polite_answer(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(ActionResolveAffair().run(dispatcher, tracker("帮我订一张去北京的机票"), {}))
    assert slots["affair_state"] == "done"
    assert dispatcher.messages[0]["text"] == turns.not_mine_text("12345")


def test_form_asks_only_what_is_missing_then_the_district(catalog_provider):
    form = ValidateSituationForm()
    state = {"affair": "id-card-reissue", "answers": {"applicant_age": "adult"}}
    required = asyncio.run(form.required_slots([], CollectingDispatcher(), tracker(slots=state), {}))
    assert required == ["situation_answer", "district"]
    state = {"affair": "id-card-reissue", "answers": {"applicant_age": "adult", "hukou_place": "local"},
             "district": "330110"}
    assert asyncio.run(form.required_slots([], CollectingDispatcher(), tracker(slots=state), {})) == []


def test_ask_situation_shows_the_question_with_options(catalog_provider, dispatcher: CollectingDispatcher):
    ActionAskSituationAnswer().run(dispatcher, tracker(slots={"affair": "id-card-reissue", "answers": {}}), {})
    message = dispatcher.messages[0]
    assert "16" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["已满16周岁", "未满16周岁"]


def test_free_text_situation_answer_is_understood(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"affair": "id-card-reissue", "answers": {}}
    result = ValidateSituationForm().validate_situation_answer("孩子八岁", dispatcher, tracker(slots=slots), {})
    assert result["answers"] == {"applicant_age": "minor"}
    assert result["situation_answer"] is None


def test_unclear_situation_answer_asks_again(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"affair": "id-card-reissue", "answers": {}}
    result = ValidateSituationForm().validate_situation_answer("我也不清楚", dispatcher, tracker(slots=slots), {})
    assert "answers" not in result or result["answers"] == {}
    assert "没听明白" in dispatcher.messages[0]["text"]


def test_correction_inside_the_form_switches_affair(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"affair": "id-card-reissue", "answers": {}}
    result = ValidateSituationForm().validate_situation_answer("不是，我是说驾照到期换证", dispatcher,
                                                               tracker(slots=slots), {})
    assert result["affair"] == "driving-license-renew"


def test_full_answer_lists_materials_for_the_situation(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"affair": "id-card-reissue", "answers": {"applicant_age": "minor", "hukou_place": "local"},
             "district": "330110"}
    ActionAnswerAffair().run(dispatcher, tracker(slots=slots), {})
    text = dispatcher.messages[0]["text"]
    assert "监护人居民身份证" in text and "居民户口簿" in text
    assert "无需提供" in text and "户籍信息核验" in text
    assert "12345" in text  # the offices are not verified yet, so the answer says to confirm


def test_follow_up_fee_uses_the_current_affair(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(ActionAnswerDetail().run(dispatcher, tracker("要多少钱", "ask_fee",
                                                                     {"affair": "id-card-reissue"}), {}))
    assert "40元" in dispatcher.messages[0]["text"]
    assert slots["affair_state"] == "done"


def test_office_without_district_asks_for_it(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(ActionAnswerDetail().run(dispatcher, tracker("在哪里办", "ask_office",
                                                                     {"affair": "passport"}), {}))
    assert slots["pending_detail"] == "office"
    assert "哪个市" in dispatcher.messages[0]["text"]


def test_cancel_ends_the_form(catalog_provider, dispatcher: CollectingDispatcher):
    events = ActionCancel().run(dispatcher, tracker("算了", "cancel", active_loop="situation_form"), {})
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert dispatcher.messages[0]["response"] == "utter_cancelled"


def test_new_session_keeps_the_district_only(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"district": "330110", "affair": "passport", "answers": {"applicant_age": "adult"}}
    events = ActionSessionStart().run(dispatcher, tracker(slots=slots), {})
    assert slot_events(events) == {"district": "330110"}
    assert events[0]["event"] == "session_started"
