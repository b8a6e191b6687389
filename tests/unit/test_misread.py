"""A reply to a situation question that the intent classifier read as a stop, a handoff, a case lookup, goodbye,
a question to the bot or an insult: the answer all the same, or what it was read as. A reply to a choice of affairs
read as a stop or goodbye: a pick all the same, or what it was read as."""

from __future__ import annotations

import pytest

from bot.dialogue import misread
from bot.dialogue.turns import CLARIFY, DONE, State, question_answered


@pytest.mark.parametrize("affair, answers, reply, intent", [
    ("id-card-reissue", {}, "满16了", "goodbye"),  # as 88了
    ("hukou-cancel-death", {}, "是出车祸走的", "goodbye"),  # as 我先走了
    ("funeral-allowance", {"insurance_type": "employee"}, "生病走的", "goodbye"),  # 生病 is the option's word
    ("funeral-allowance", {}, "人走了", "goodbye"),  # a death told: no farewell, whatever it answers
    ("hukou-cancel-death", {}, "我爸没了", "goodbye"),
    # another option of an earlier question, 个人 read as 人工: the situation questions read the change
    ("hk-macau-permit", {"apply_type": "first", "endorsement_type": "family"}, "旅游（个人游或跟团）",
     "human_handoff"),
    ("housing-fund-withdrawal-purchase", {"purpose": "buy_new"}, "证早就下来了", "query_case_status"),
    ("property-new-house", {"apply_way": "self"}, "证上只写我一个人的名字", "bot_challenge"),  # as 你叫什么名字
    ("vehicle-purchase-tax", {}, "我个人买的", "human_handoff"),
    ("social-security-card-reissue", {}, "找不着了", "cancel"),  # 找不着 reads 遗失: no stop
    ("social-security-card-reissue", {}, "寻不着了嘛", "cancel"),
])
def test_an_answer_read_as_something_else_is_the_answer(snapshot, affair, answers, reply, intent):
    assert misread.answers_all_the_same(snapshot, State(affair=affair, answers=answers), reply, intent)


@pytest.mark.parametrize("affair, reply, intent", [
    ("id-card-first", "查一下办件进度", "query_case_status"),  # 一 reads as an age
    ("hukou-cancel-death", "笨死了", "insult"),  # 死了, as in 淹死了
    ("vehicle-purchase-tax", "我要人工", "human_handoff"),  # 我, as in 我自己买的
])
def test_what_names_an_option_by_chance_stays_what_it_was_read_as(snapshot, affair, reply, intent):
    state = State(affair=affair, answers={})
    assert question_answered(snapshot, state, reply) is not None  # read alone, it names an option
    assert not misread.answers_all_the_same(snapshot, state, reply, intent)


@pytest.mark.parametrize("reply, intent", [("再见", "goodbye"), ("取消", "cancel"), ("你是机器人吗", "bot_challenge"),
                                          ("算了，丢了就丢了不弄了", "cancel")])
def test_what_answers_nothing_stays_what_it_was_read_as(snapshot, reply, intent):
    assert not misread.answers_all_the_same(snapshot, State(affair="id-card-reissue", answers={}), reply, intent)


def test_an_intent_without_examples_leaves_every_reply_to_its_rule(snapshot):
    state = State(affair="id-card-reissue", answers={})
    assert question_answered(snapshot, state, "满16了") is not None
    assert not misread.answers_all_the_same(snapshot, state, "满16了", "an_intent_nobody_trained")


DRIVING_LICENCE = ("driving-license-renew", "driving-license-reissue")
HUKOU = ("hukou-cancel-death", "hukou-newborn", "hukou-move-within", "hukou-move-in")
SOCIAL_SECURITY_CARD = ("social-security-card", "social-security-card-reissue")


def _choosing(options: tuple[str, ...]) -> State:
    return State(affair_state=CLARIFY, clarify_options=options)


@pytest.mark.parametrize("options, reply, intent, picked", [
    (DRIVING_LICENCE, "找不着了", "cancel", "driving-license-reissue"),
    (HUKOU, "人走了", "goodbye", "hukou-cancel-death"),  # as 我走了
    (HUKOU, "我爸走了", "goodbye", "hukou-cancel-death"),
    (SOCIAL_SECURITY_CARD, "不见了", "goodbye", "social-security-card-reissue"),
    (DRIVING_LICENCE, "好的第二个", "goodbye", "driving-license-reissue"),  # by its place
])
def test_a_reply_to_a_choice_read_as_a_stop_or_goodbye_is_a_pick(snapshot, options, reply, intent, picked):
    assert misread.picks_all_the_same(snapshot, _choosing(options), reply, intent) == picked


@pytest.mark.parametrize("options, reply, intent", [
    (DRIVING_LICENCE, "算了不办了", "cancel"),
    (DRIVING_LICENCE, "不整了", "cancel"),
    (HUKOU, "我先走了", "goodbye"),  # not 我爸走了
    (HUKOU, "走了", "goodbye"),
    (SOCIAL_SECURITY_CARD, "卡不见了就算了", "cancel"),
    (SOCIAL_SECURITY_CARD, "没必要了，不办", "cancel"),
    (DRIVING_LICENCE, "下回见", "goodbye"),
])
def test_a_stop_or_farewell_said_to_a_choice_stays_what_it_was_read_as(snapshot, options, reply, intent):
    assert misread.picks_all_the_same(snapshot, _choosing(options), reply, intent) is None


def test_a_pick_read_as_something_else_than_a_stop_or_farewell_is_left_to_its_rule(snapshot):
    assert misread.picks_all_the_same(snapshot, _choosing(DRIVING_LICENCE), "找不着了", "cancel") is not None
    assert misread.picks_all_the_same(snapshot, _choosing(DRIVING_LICENCE), "找不着了", "insult") is None


def test_with_no_choices_open_nothing_is_picked(snapshot):
    assert misread.picks_all_the_same(snapshot, State(affair="driving-license-reissue"), "找不着了", "cancel") is None


@pytest.mark.parametrize("reply, intent, answers", [
    ("生病走的", "goodbye", True),  # after 丧葬费去哪里领: the death's cause, not a farewell
    ("好的我先走了", "goodbye", False),  # a farewell in words
    ("拜拜", "goodbye", False),
    ("生病走的", "cancel", False),  # only a goodbye reading is weighed here
])
def test_a_reply_read_as_goodbye_after_a_follow_up_may_answer_the_affair(snapshot, reply, intent, answers):
    # 老爸退休了前几天刚走，丧葬费去哪里领: the hall asked about, his pension scheme told, the place to come
    asked_about = State(affair="funeral-allowance", affair_state=DONE, pending_detail="office",
                        answers={"insurance_type": "employee"})
    assert misread.answers_all_the_same_after_a_follow_up(snapshot, asked_about, reply, intent) is answers


def test_a_reply_read_as_goodbye_with_no_affair_asked_about_is_a_goodbye(snapshot):
    assert not misread.answers_all_the_same_after_a_follow_up(snapshot, State(), "生病走的", "goodbye")
    given = State(affair="funeral-allowance", affair_state=DONE, answers={"insurance_type": "employee",
                                                                         "death_cause": "non_work"})
    assert not misread.answers_all_the_same_after_a_follow_up(snapshot, given, "生病走的", "goodbye")  # all known


def test_no_goodbye_the_classifier_learns_tells_a_death():
    examples = misread._classifier_examples()["goodbye"]
    assert len(examples) > 20
    assert [e for e in examples if misread.DEATH_WORDS.search(e) and not misread.FAREWELLS.search(e)] == []
