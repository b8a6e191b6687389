"""The affair actions with a real Tracker, CollectingDispatcher and catalog."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.fernet import Fernet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.affairs import (
    ActionAnswerAffair,
    ActionAnswerDetail,
    ActionAskSituationAnswer,
    ActionCancel,
    ActionGoodbye,
    ActionResolveAffair,
    ValidateSituationForm,
)
from actions.session import ActionSessionStart
from actions.state import loop_when_spoken
from bot.dialogue import turns
from tests.actions.conftest import slot_events, tracker


def test_resolve_sets_the_affair_and_prefills_the_situation(catalog_provider, dispatcher: CollectingDispatcher):
    said = tracker("我老婆是安徽户口，想把户口迁到杭州来，夫妻投靠")
    events = asyncio.run(ActionResolveAffair().run(dispatcher, said, {}))
    slots = slot_events(events)
    assert slots["affair"] == "hukou-move-in"
    assert slots["affair_state"] == "resolved"
    assert slots["answers"] == {"move_reason": "spouse"}
    assert slots["district"] == "330100"
    assert dispatcher.messages == []  # nothing left to ask: the full guide comes next and names the affair


def test_an_affair_with_questions_left_is_named_first(catalog_provider, dispatcher: CollectingDispatcher):
    asyncio.run(ActionResolveAffair().run(dispatcher, tracker("身份证丢了怎么补办"), {}))
    [named] = dispatcher.messages
    assert named["text"].startswith("好的，您要办的是【居民身份证补领（遗失）】")
    assert named["buttons"] == [{"title": "不是这个", "payload": "/deny"}]


def test_resolve_offers_choices_with_buttons(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(asyncio.run(ActionResolveAffair().run(dispatcher, tracker("身份证怎么办"), {})))
    assert slots["affair_state"] == "clarify"
    assert {"id-card-first", "id-card-renew", "id-card-reissue"} <= set(slots["clarify_options"])
    buttons = dispatcher.messages[0]["buttons"]
    assert buttons[-1]["title"] == "都不是"
    assert len(buttons) <= 6


def test_typed_pick_from_the_choices(catalog_provider, dispatcher: CollectingDispatcher):
    options = ["id-card-first", "id-card-renew", "id-card-reissue"]
    state = {"affair_state": "clarify", "clarify_options": options}
    said = tracker("第三个", "choose_affair", state)
    slots = slot_events(asyncio.run(ActionResolveAffair().run(dispatcher, said, {})))
    assert slots["affair"] == "id-card-reissue"
    assert slots["affair_state"] == "resolved"


@pytest.fixture()
def desk_open(tmp_path):
    """A 12345 desk on its own SQLite file, with agents on duty or not."""
    from zoneinfo import ZoneInfo

    from bot.console import handoff
    from bot.console.hours import ServiceHours
    from bot.console.phones import PhoneBox
    from bot.console.store import engine_for

    def make(on_duty: bool) -> handoff.Desk:
        hours = ServiceHours(windows=((),) * 7, zone=ZoneInfo("Asia/Shanghai"), always=on_duty)
        desk = handoff.Desk(engine_for(f"sqlite:///{tmp_path / 'console.db'}"), hours,
                            PhoneBox(Fernet.generate_key()))
        handoff.set_default_desk(desk)
        return desk

    yield make
    handoff.set_default_desk(None)


def test_two_misses_in_a_row_hand_over_to_an_agent_with_the_story(catalog_provider, desk_open):
    desk = desk_open(True)
    state = {"affair_state": "clarify", "clarify_options": ["id-card-first", "id-card-renew"],
             "clarify_failures": 1}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResolveAffair().run(dispatcher, tracker("都不是", "deny", state, sender="s-miss"),
                                                   {}))
    assert slot_events(events)["clarify_failures"] == 0  # handed over: a later miss starts a new count
    assert [e["event"] for e in events][-2:] == ["pause", "action"]
    texts = [m["text"] for m in dispatcher.messages]
    assert texts[0] == "抱歉，我还是没能帮上您，这就为您转接人工坐席。"
    assert texts[1].startswith("已为您转接人工坐席，您现在排在第 1 位")
    [ticket] = desk.queue()
    assert ticket.reason == "misses" and desk.open_ticket("s-miss") is not None


def test_two_misses_outside_the_service_hours_offer_a_message_and_the_hotline(catalog_provider, desk_open):
    desk = desk_open(False)
    state = {"affair_state": "clarify", "clarify_options": ["id-card-first", "id-card-renew"],
             "clarify_failures": 1}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResolveAffair().run(dispatcher, tracker("都不是", "deny", state), {}))
    assert "pause" not in [e["event"] for e in events]
    assert "现在不是人工坐席的服务时间" in dispatcher.messages[1]["text"]
    assert dispatcher.messages[1]["custom"]["status"] == "closed"
    assert desk.queue() == []
    assert slot_events(events)["clarify_failures"] == 0

    again = CollectingDispatcher()  # the next miss is the first of a new pair: an answer, not the same message
    after = {**state, **slot_events(events)}
    asyncio.run(ActionResolveAffair().run(again, tracker("帮我订一张去北京的机票", "out_of_scope", after), {}))
    assert [m.get("text", "")[:2] for m in again.messages] == ["抱歉"]
    assert "人工坐席" not in again.messages[0]["text"]


def test_out_of_scope_text_gets_a_polite_answer(catalog_provider, dispatcher: CollectingDispatcher):
    slots = slot_events(asyncio.run(ActionResolveAffair().run(dispatcher, tracker("帮我订一张去北京的机票"), {})))
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
    result = ValidateSituationForm().validate_situation_answer("蓝色的那种", dispatcher, tracker(slots=slots), {})
    assert "answers" not in result or result["answers"] == {}
    assert "没听明白" in dispatcher.messages[0]["text"]
    unsure = CollectingDispatcher()  # not knowing: how to find out
    result = ValidateSituationForm().validate_situation_answer("我也不清楚", unsure, tracker(slots=slots), {})
    assert ("answers" not in result or result["answers"] == {}) and unsure.messages[0]["text"].startswith("没关系。")


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


def test_the_second_need_of_the_first_message_follows_the_guide(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"affair": "id-card-reissue", "answers": {"applicant_age": "adult", "hukou_place": "local"},
             "district": "330110", "also_affair": "driving-license-reissue"}
    events = slot_events(ActionAnswerAffair().run(dispatcher, tracker(slots=slots), {}))
    guide, offer, rating = dispatcher.messages  # the rating question still comes last
    assert rating["text"].startswith("这次的解答对您有帮助吗")
    assert "居民身份证补领" in guide["text"] and "驾驶证" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ['/choose_affair{"affair_choice":"driving-license-reissue"}']
    assert events["also_affair"] is None


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
    assert slot_events(events)["also_affair"] is None


def test_cancelling_a_lookup_that_broke_into_the_situation_questions_resumes_them(catalog_provider,
                                                                                 dispatcher: CollectingDispatcher):
    half = {"affair": "id-card-reissue", "affair_state": turns.RESOLVED, "answers": {"hukou_place": "local"},
            "case_number": "ZJ2026330106000101"}
    events = ActionCancel().run(dispatcher, tracker("取消", "cancel", half, active_loop="case_form"), {})
    slots = slot_events(events)
    assert slots["affair_state"] == turns.RESOLVED and slots["case_number"] is None and "answers" not in slots
    assert all(e["event"] != "followup" for e in events)  # a form resumed now would read 取消 as its answer
    assert [m["text"] for m in dispatcher.messages] == [
        "好的，已取消查询。", "刚才的【居民身份证补领（遗失）】还没说完，我们接着来。", "补证的人是否已满16周岁？"]
    # the same 取消 in the situation questions themselves, or in a lookup with nothing half-answered, ends it all
    for active, slots_before in (("situation_form", half), ("case_form", {"affair_state": turns.DONE})):
        said = CollectingDispatcher()
        events = ActionCancel().run(said, tracker("取消", "cancel", slots_before, active_loop=active), {})
        assert slot_events(events)["affair_state"] == turns.DONE and said.messages[0]["response"] == "utter_cancelled"
        assert all(e["event"] != "followup" for e in events)
    # and forgets the answers given: the same affair asked for again starts from its first question
    forgotten = slot_events(ActionCancel().run(CollectingDispatcher(), tracker("取消", "cancel", half,
                                                                                 active_loop="situation_form"), {}))
    assert forgotten["answers"] == {} and forgotten["clarify_answers"] == {} and "affair" not in forgotten


CHOOSING_A_LICENCE = {"affair_state": turns.CLARIFY,
                      "clarify_options": ["driving-license-renew", "driving-license-reissue"]}


def test_a_pick_read_as_a_stop_goes_to_the_resolver(catalog_provider, dispatcher: CollectingDispatcher):
    events = ActionCancel().run(dispatcher, tracker("找不着了", "cancel", CHOOSING_A_LICENCE), {})
    assert [(e["event"], e.get("name")) for e in events] == [("followup", "action_resolve_affair")]
    assert dispatcher.messages == []  # nothing cancelled, nothing said: the resolver takes the pick
    picked = slot_events(asyncio.run(ActionResolveAffair().run(
        dispatcher, tracker("找不着了", "cancel", CHOOSING_A_LICENCE), {})))
    assert picked["affair"] == "driving-license-reissue"


def test_a_stop_said_to_a_choice_cancels(catalog_provider, dispatcher: CollectingDispatcher):
    events = ActionCancel().run(dispatcher, tracker("算了不办了", "cancel", CHOOSING_A_LICENCE), {})
    assert slot_events(events)["affair_state"] == turns.DONE
    assert dispatcher.messages[0]["response"] == "utter_cancelled"


def test_goodbye_unless_it_picks_a_choice(catalog_provider, dispatcher: CollectingDispatcher):
    hukou = {"affair_state": turns.CLARIFY, "clarify_options": ["hukou-cancel-death", "hukou-newborn"]}
    events = ActionGoodbye().run(dispatcher, tracker("人走了", "goodbye", hukou), {})
    assert [(e["event"], e.get("name")) for e in events] == [("followup", "action_resolve_affair")]
    assert dispatcher.messages == []
    for text, slots in (("我先走了", hukou), ("人走了", {})):  # a farewell; no choice open
        said = CollectingDispatcher()
        assert ActionGoodbye().run(said, tracker(text, "goodbye", slots), {}) == []
        assert said.messages[0]["response"] == "utter_goodbye"


def test_a_pick_read_as_a_stop_inside_a_form_is_a_stop(catalog_provider, dispatcher: CollectingDispatcher):
    events = ActionCancel().run(dispatcher, tracker("找不着了", "cancel", CHOOSING_A_LICENCE, active_loop="case_form"),
                                {})
    assert dispatcher.messages[0]["response"] == "utter_cancelled"
    assert all(e["event"] != "followup" for e in events)


def test_new_session_keeps_the_district_only(catalog_provider, dispatcher: CollectingDispatcher):
    slots = {"district": "330110", "affair": "passport", "answers": {"applicant_age": "adult"}}
    events = ActionSessionStart().run(dispatcher, tracker(slots=slots), {})
    assert slot_events(events) == {"district": "330110"}
    assert events[0]["event"] == "session_started"


def _asked(text: str, intent: str, answers: dict[str, str]):
    """A tracker in the situation form, asking the id card reissue's next question, whose reply the mapping left
    unset (its intent is one the form leaves to the rules)."""
    slots = {"affair": "id-card-reissue", "answers": answers, "requested_slot": "situation_answer"}
    return tracker(text, intent=intent, slots=slots, active_loop="situation_form")


def test_an_answer_read_as_goodbye_is_taken_as_the_answer(catalog_provider, dispatcher: CollectingDispatcher):
    domain = {"forms": {"situation_form": {"required_slots": ["situation_answer", "district"]}}}
    events = asyncio.run(ValidateSituationForm().run(dispatcher, _asked("满16了", "goodbye", {}), domain))
    assert slot_events(events)["answers"] == {"applicant_age": "adult"}


def test_a_real_goodbye_is_left_to_its_rule(catalog_provider, dispatcher: CollectingDispatcher):
    domain = {"forms": {"situation_form": {"required_slots": ["situation_answer", "district"]}}}
    events = asyncio.run(ValidateSituationForm().run(dispatcher, _asked("好的再见", "goodbye", {}), domain))
    assert "answers" not in slot_events(events) and "situation_answer" not in slot_events(events)
    assert dispatcher.messages == []


def test_the_form_running_when_the_person_spoke_is_known_after_it_stopped():
    spoke = [{"event": "active_loop", "name": "case_form"}, {"event": "user", "text": "教师资格认定要什么材料"},
             {"event": "active_loop", "name": None}]
    assert loop_when_spoken(Tracker("u", {}, {}, spoke, False, None, {}, "action_listen")) == "case_form"
    later = [*spoke, {"event": "user", "text": "好的"}]
    assert loop_when_spoken(Tracker("u", {}, {}, later, False, None, {}, "action_listen")) is None


def test_a_phone_tail_while_lookups_are_paused_is_told_they_still_are(catalog_provider):
    import time as clock

    paused = {"case_locked_until": clock.time() + 600}
    said = CollectingDispatcher()
    events = asyncio.run(ActionResolveAffair().run(said, tracker("2481", "inform", paused), {}))
    assert slot_events(events) == {"affair_state": turns.DONE}  # no miss counted; the conversation waits
    assert said.messages[0]["text"].startswith("查询还在暂停中，约 ")  # minutes left, then where else
    over = CollectingDispatcher()  # once the pause is over, the same digits are no affair of ours
    asyncio.run(ActionResolveAffair().run(over, tracker("2481", "inform", {"case_locked_until": clock.time() - 1}), {}))
    assert "暂停" not in over.messages[0]["text"]
