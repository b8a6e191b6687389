"""Reading a reply by the example replies of each option (bot.dialogue.example_answers)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.catalog.domain import Option, Question
from bot.dialogue.example_answers import AnswerExamples

COOLING = Question(id="cooling", ask="离婚冷静期是否已满30天？", options=(
    Option("done", "已满30天",
           examples=("嗯嗯，过了", "冷静期已经过了", "三十天早就到了", "登记完已经一个多月了", "过了一个月了")),
    Option("waiting", "还没满30天", examples=("上周才去登记的", "还差十来天", "刚登记没几天", "还没到一个月")),
))
AGE = Question(id="age", ask="办证的人是否已满16周岁？", options=(
    Option("adult", "已满16周岁", examples=("早就成年了", "上班好几年了")),
    Option("minor", "未满16周岁", examples=("还在读小学", "才上初一")),
))
CERTIFICATE = Question(id="certificate", ask="房产证还在吗？", options=(
    Option("kept", "在", examples=("房产证在抽屉里放着", "证还在家里")),
    Option("lost", "不在了", examples=("房产证搬家弄丢了", "证找不到了")),
))
NO_EXAMPLES = Question(id="x", ask="？", options=(Option("a", "甲"), Option("b", "乙")))


def _examples(*questions: Question) -> AnswerExamples:
    return AnswerExamples([SimpleNamespace(situations=questions)])


@pytest.mark.parametrize("text, value", [("三十天已经过了", "done"), ("登记完都一个多月了", "done"),
                                         ("上周刚去登记", "waiting"), ("还差十几天", "waiting")])
def test_a_reply_close_to_one_option_s_examples_chooses_it(text, value):
    assert _examples(COOLING, AGE).choose(COOLING, text) == value


@pytest.mark.parametrize("text", ["我也不清楚过没过三十天", "明天下雨吗", "", "？？", "嗯嗯嗯"])
def test_an_unsure_or_unrelated_reply_chooses_nothing(text):
    assert _examples(COOLING, AGE).choose(COOLING, text) is None


def test_a_reply_closer_to_another_question_s_replies_chooses_nothing():
    examples = _examples(AGE, CERTIFICATE)
    assert examples.choose(AGE, "他早就成年了") == "adult"
    assert examples.choose(AGE, "房产证早就在家里了") is None  # reads like the certificate, not the age
    assert _examples(AGE).choose(AGE, "房产证早就在家里了") == "adult"  # with no other question, 早就 decides


def test_a_reply_as_close_to_two_options_chooses_nothing():
    both = Question(id="y", ask="？", options=(Option("a", "甲", examples=("刚满一个月啊",)),
                                              Option("b", "乙", examples=("刚满一个月呢",))))
    assert _examples(both).choose(both, "刚满一个月啊") == "a"  # the same words: clearly closest
    assert _examples(both).choose(both, "刚满一个月") is None  # as close to both


def test_questions_with_the_same_options_pool_their_replies():
    renew = Question(id="applicant", ask="本人去办吗？", options=(
        Option("self", "本人办理", examples=("我自己跑一趟",)),
        Option("agent", "委托他人办理", examples=("让我儿子去",))))
    reissue = Question(id="who", ask="是本人来办吗？", options=(
        Option("me", "本人办理", examples=("自己去窗口",)),
        Option("other", "委托他人办理", examples=("托朋友帮我办",))))
    examples = _examples(renew, reissue)
    assert examples.choose(renew, "托个朋友去办") == "agent"  # learned from the other question's replies
    assert examples.choose(reissue, "让我儿子跑一趟") == "other"  # and the value is the asked question's own


def test_a_question_without_examples_chooses_nothing():
    assert _examples(NO_EXAMPLES, COOLING).choose(NO_EXAMPLES, "甲") is None
    assert _examples().choose(COOLING, "三十天已经过了") is None


def test_a_reply_too_far_to_choose_may_still_suggest_the_closest_option():
    examples = _examples(AGE, CERTIFICATE)
    assert examples.choose(AGE, "房产证早就在家里了") is None  # closer to the certificate's replies: not chosen
    assert examples.suggest(AGE, "房产证早就在家里了") == "adult"  # but 早就 is worth asking about
    assert examples.suggest(AGE, "他早就成年了") == "adult"


@pytest.mark.parametrize("text", ["请问停车场怎么走", "我也不清楚过没过三十天", "嗯嗯嗯", ""])
def test_a_far_unsure_or_empty_reply_suggests_nothing(text):
    assert _examples(COOLING, AGE).suggest(COOLING, text) is None


def test_a_reply_as_close_to_two_options_suggests_neither():
    both = Question(id="y", ask="？", options=(Option("a", "甲", examples=("刚满一个月啊",)),
                                              Option("b", "乙", examples=("刚满一个月呢",))))
    assert _examples(both).suggest(both, "刚满一个月") is None
