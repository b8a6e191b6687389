"""The intent guard: a case-status reading that names no case and asks nothing about one, and small talk that
asks a question, are affair questions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.config import PROJECT_ROOT
from bot.dialogue.cases import asks_about_a_case, asks_after_a_handed_in_application
from bot.rasa_runtime.intent_guard import IntentGuard, is_an_affair_question


def _classified(text: str, intent: str, entities: list[str] = ()) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8},
                                               {"name": "ask_materials", "confidence": 0.1},
                                               {"name": "greet", "confidence": 0.1}],
                            "entities": [{"entity": e, "value": "x", "start": 0, "end": 1} for e in entities]})
    return message


@pytest.mark.parametrize("text", ["我的护照办好了没", "查一下办件进度", "低保审批到哪个环节了", "社保卡寄出来了没有",
                                  "wo yao cha banjian jindu", "提交的材料有没有问题"])
def test_status_requests_ask_about_a_case(text):
    assert asks_about_a_case(text)


@pytest.mark.parametrize("text", ["公积金咋取出来用？", "高龄补贴是几岁开始发的？", "户口方面想咨询一下",
                                  "家里有辆车，低保是不是就批不下来了", "gongjijin zenme qu"])
def test_questions_about_how_ask_about_no_case(text):
    assert not asks_about_a_case(text)


def test_the_guard_turns_only_such_requests_into_affair_questions():
    guard = IntentGuard()
    how, status, reply, coded, other = (_classified("公积金咋取出来用？", "query_case_status"),
                                        _classified("我的护照办好了没", "query_case_status"),
                                        _classified("忘了", "query_case_status"),
                                        _classified("手机后四位不记得了 是4512吧", "query_case_status"),
                                        _classified("公积金咋取出来用？", "greet"))
    named = _classified("我要查我的那个件，麻烦你", "query_case_status", ["case_number"])
    guard.process([how, status, reply, coded, other, named])
    assert how.get("intent") == {"name": "ask_materials", "confidence": 0.8}
    assert [r["name"] for r in how.get("intent_ranking")] == ["ask_materials", "greet"]
    for unchanged, intent in ((status, "query_case_status"), (reply, "query_case_status"),
                              (coded, "query_case_status"), (other, "greet"), (named, "query_case_status")):
        assert unchanged.get("intent")["name"] == intent


def _examples(intent: str) -> list[str]:
    """The training examples of an intent without entity annotations."""
    examples = []
    for path in sorted(Path(PROJECT_ROOT, "data", "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if item.get("intent") == intent:
                examples += [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
    return [e for e in examples if "](" not in e]  # annotated ones give a case number, phone tail or query code


@pytest.mark.parametrize("intent", ["query_case_status", "thanks", "goodbye", "cancel", "human_handoff"])
def test_no_training_example_is_turned_away(intent):
    examples = _examples(intent)
    assert len(examples) > 20
    assert [e for e in examples if is_an_affair_question(_classified(e, intent))] == []


def test_small_talk_that_asks_a_question_is_an_affair_question():
    guard = IntentGuard()
    asking = _classified("想问下 杭州 居住证在哪办 要带啥吗 谢谢", "thanks")
    pinyin = _classified("jiazhao guoqi le zenme huan a xiexie", "goodbye")
    thanks, short = _classified("好的谢谢，那我明天就去办了", "thanks"), _classified("谢谢，能走了吗", "thanks")
    guard.process([asking, pinyin, thanks, short])
    assert asking.get("intent")["name"] == pinyin.get("intent")["name"] == "ask_materials"
    assert (thanks.get("intent")["name"], short.get("intent")["name"]) == ("thanks", "thanks")  # nothing asked; short


@pytest.mark.parametrize("text, stays", [("合伙人退出了 公司变更要去哪里办吗", False),
                                         ("股东退出了，要取消他的股东资格怎么办？", False),
                                         ("取消", True), ("怎么取消这个？", True),  # too short to be another question
                                         ("算了，这个不办了，怎么重新开始？", True),  # says it stops
                                         ("不想再回答问题了，取消掉这次咨询", True),  # asks nothing
                                         ("没必要问了，这个怎么结束？", True),
                                         ("这种情况有没有必要办居住证？", False)])  # 没必要 inside 有没有必要
def test_cancel_stays_unless_a_long_question_says_no_word_of_stopping(text, stays):
    message = _classified(text, "cancel")
    IntentGuard().process([message])
    assert message.get("intent")["name"] == ("cancel" if stays else "ask_materials")


@pytest.mark.parametrize("text, entities, intent", [("为什么没通过", [], "ask_materials"),
                                                    ("驳回的原因是什么", [], "ask_materials"),
                                                    ("为什么没通过 ZJ2026330402000107", ["case_number"],
                                                     "query_case_status"),
                                                    ("我的件通过了没", [], "query_case_status")])
def test_why_an_application_was_turned_down_is_no_new_lookup(text, entities, intent):
    message = _classified(text, "query_case_status", entities)
    IntentGuard().process([message])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("text, intent", [("继续", "affirm"), ("好，继续办护照", "affirm"), ("接着来吧", "affirm"),
                                          ("不继续了", "cancel"), ("算了，不用继续了", "cancel")])
def test_a_stop_reading_of_going_on_is_assent(text, intent):
    message = _classified(text, "cancel")
    IntentGuard().process([message])
    assert message.get("intent")["name"] == intent


def test_a_guarded_message_takes_the_likeliest_question_intent():
    message = Message(data={"text": "谢谢你，那需要本人去吗？", "intent": {"name": "thanks", "confidence": 0.6},
                            "intent_ranking": [{"name": "thanks", "confidence": 0.6},
                                               {"name": "ask_in_person", "confidence": 0.3},
                                               {"name": "ask_materials", "confidence": 0.1}], "entities": []})
    IntentGuard().process([message])
    assert message.get("intent") == {"name": "ask_in_person", "confidence": 0.6}
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_in_person", "ask_materials"]


@pytest.mark.parametrize("text, kept", [("驾照是2010年考的，快满十年了要换", False),
                                        ("gongjijin zenme qu chulai", False),
                                        ("驾照被扣了9分，交管12123上学习减分咋弄", False),
                                        ("12345一直占线，网上怎么反映问题", False),
                                        ("手机号后四位12345？不对，是2345", True),
                                        ("码是k7m3q9tx，帮我查", True), ("尾号是4512吧，你再查查", True)])
def test_a_year_a_pinyin_word_or_a_service_number_is_no_number_or_code(text, kept):
    """A case request kept for the lookup is one the guard does not turn into an affair question."""
    assert is_an_affair_question(_classified(text, "query_case_status")) is not kept


@pytest.mark.parametrize("text, stays", [("狂犬疫苗被猫抓了要打吗", False), ("带状疱疹疫苗适合多大年纪打？", False),
                                         ("转人工", True), ("能不能让工作人员跟我聊一下？", True),
                                         ("交警电话号码是多少啊？", True), ("12345 zenme da a", True),
                                         ("kefu dianhua duoshao a", True), ("帮我找个真人问问可以吗", True)])
def test_a_handoff_stays_unless_a_long_question_asks_for_no_person_or_number(text, stays):
    assert is_an_affair_question(_classified(text, "human_handoff")) is not stays


@pytest.mark.parametrize("text, intent", [
    ("我之前交的居住证申请办好了没", "ask_materials"),
    ("对了我之前交的居住证办好了没", "inform"),
    ("我上周提交的失业金申请批下来没有", "ask_time_limit"),
    ("上个月申请的生育津贴到账了没", "out_of_scope"),
])
def test_a_question_after_an_application_handed_in_is_a_case_request(text, intent):
    message = _classified(text, intent)
    IntentGuard().process([message])
    assert message.get("intent") == {"name": "query_case_status", "confidence": 0.8}
    assert [r["name"] for r in message.get("intent_ranking")] == ["query_case_status", "ask_materials", "greet"] \
        if intent != "ask_materials" else ["query_case_status", "greet"]


@pytest.mark.parametrize("text, intent", [
    ("居住证办好了要多久", "ask_time_limit"),  # nothing handed in yet
    ("之前办的身份证丢了怎么补", "ask_materials"),  # handed in once, but no progress asked
    ("我之前交的居住证申请办好了没", "cancel"),  # only a reading about an affair is changed
])
def test_a_question_about_how_or_another_reading_stays(text, intent):
    message = _classified(text, intent)
    IntentGuard().process([message])
    assert message.get("intent")["name"] == intent


@pytest.mark.parametrize("intent", ["ask_materials", "inform", "choose_affair", "out_of_scope", "ask_time_limit"])
def test_no_affair_example_is_made_a_case_request(intent):
    examples = _examples(intent)
    assert len(examples) > 10
    assert [e for e in examples if asks_after_a_handed_in_application(e)] == []


def test_a_question_with_a_case_number_is_a_case_request():
    message = _classified("ZJ2026330106000101 多久能办好", "ask_time_limit", ["case_number"])
    IntentGuard().process([message])
    assert message.get("intent")["name"] == "query_case_status"
    fee = _classified("护照要多少钱", "ask_fee")
    IntentGuard().process([fee])
    assert fee.get("intent")["name"] == "ask_fee"
