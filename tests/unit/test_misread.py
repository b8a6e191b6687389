"""A reply to a situation question that the intent classifier read as a stop, a handoff, a case lookup, goodbye,
a question to the bot or an insult: the answer all the same, or what it was read as."""

from __future__ import annotations

import pytest

from bot.dialogue import misread
from bot.dialogue.turns import State, question_answered


@pytest.mark.parametrize("affair, answers, reply, intent", [
    ("id-card-reissue", {}, "满16了", "goodbye"),  # as 88了
    ("hukou-cancel-death", {}, "是出车祸走的", "goodbye"),  # as 我先走了
    ("housing-fund-withdrawal-purchase", {"purpose": "buy_new"}, "证早就下来了", "query_case_status"),
    ("property-new-house", {"apply_way": "self"}, "证上只写我一个人的名字", "bot_challenge"),  # as 你叫什么名字
    ("vehicle-purchase-tax", {}, "我个人买的", "human_handoff"),
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


@pytest.mark.parametrize("reply, intent", [("再见", "goodbye"), ("取消", "cancel"), ("你是机器人吗", "bot_challenge")])
def test_what_answers_nothing_stays_what_it_was_read_as(snapshot, reply, intent):
    assert not misread.answers_all_the_same(snapshot, State(affair="id-card-reissue", answers={}), reply, intent)


def test_an_intent_without_examples_leaves_every_reply_to_its_rule(snapshot):
    state = State(affair="id-card-reissue", answers={})
    assert question_answered(snapshot, state, "满16了") is not None
    assert not misread.answers_all_the_same(snapshot, state, "满16了", "an_intent_nobody_trained")
