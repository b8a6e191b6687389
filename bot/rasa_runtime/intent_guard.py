"""The Rasa NLU component that sends to the resolver the questions the intent classifier gives to small talk
or to the case lookup.

In config.yml, after the entity extractor and before the FallbackClassifier::

    - name: bot.rasa_runtime.intent_guard.IntentGuard

The classifier sometimes reads a question about how to do something as a case-status request (公积金咋拿出来？,
高龄补贴是80岁还是90岁开始发): the person would be asked for a case number. It also reads a question that ends
in thanks as thanks (……网上能打印吗 谢谢): the person would get 不客气. Such a message is classified
`ask_materials` instead (or the question about one detail, such as `ask_fee`, that the classifier ranks higher),
with the same confidence, so the resolver reads it:
- `query_case_status` for a question that names no case (no case number, phone tail, query code or other number;
  a public service number such as 12123 is none of them) and says none of the words of a status request
  (`bot.dialogue.cases.asks_about_a_case`), or that asks why an application was turned down (为什么没通过: the
  reason was in the lookup's answer, and a new lookup would ask for the case number again);
- thanks or goodbye for a message long enough to say more, that asks a question;
- a request for a person (human_handoff) for such a message that names no person and no number to call: in
  狂犬疫苗被猫抓了要打吗, 打 is an injection, not a call;
- cancel for a long question that says no word of stopping: in 股东退出了，要取消他的股东资格怎么办？ 取消 is what
  the person wants done, not a command. 取消, 算了, 不办了 and every short message still cancel anywhere, except one
  that asks to go on (继续, 好，继续办护照: the classifier learned 不继续了 as a stop), which becomes assent.
The other way round, a question about how far an application already handed in has got (我之前交的居住证申请办好了
没) is read as the affair it names, and would start a new application: such a message, read as an affair question
or statement, is made a case-status request (`bot.dialogue.cases.asks_after_a_handed_in_application`), and so is
one that gives a case number (in a case lookup, a question about an affair sets the lookup aside).
It learns nothing from the training data.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.dialogue.cases import asks_about_a_case, asks_after_a_handed_in_application, asks_why_turned_down
from bot.dialogue.turns import DETAIL_INTENTS, STOP_WORDS, asks_something, says_to_go_on
from bot.entities import CASE_NUMBER, PHONE_LAST4, QUERY_CODE

CASE_REQUEST = "query_case_status"
SMALL_TALK = frozenset({"thanks", "goodbye"})  # a greeting that asks (有人在吗) is still a greeting
AFFAIR_QUESTION = "ask_materials"
CASE_ENTITIES = frozenset({CASE_NUMBER, PHONE_LAST4, QUERY_CODE})
# A reply in the case lookup (忘了, 4512吧, 是这个号) is short or carries a number or code; a question about how
# to do something is a sentence without either.
SHORTEST_QUESTION = 6
NUMBER_OR_CODE = re.compile(r"\d{4}(?![\d年])|(?<![a-z0-9])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8}(?![a-z0-9])",
                            re.IGNORECASE)  # not a year (2015年), not a pinyin word (shenfenzheng)
# The public service numbers and apps (12345, 12123 for traffic, 12306 for trains): named in a question, never a
# case number or a phone's last four digits (驾照被扣了9分，交管12123上学习减分咋弄).
SERVICE_NUMBER = re.compile(r"(?<!\d)12\d{3}(?!\d)")
# Small talk says more than thanks or a greeting from this length on, when it asks something.
LONGEST_SMALL_TALK = 10
HANDOFF = "human_handoff"
# Words that ask for a person or a number to call (转人工, 客服电话多少, 12345 zenme da). A handoff reading of a long
# question with none of them is a question about something else: in 狂犬疫苗被猫抓了要打吗, 打 is an injection.
PERSON_OR_PHONE = re.compile(r"人工|真人|客服|坐席|工作人员|接线|转接|电话|热线|号码|联系|找人|12345|"
                             r"rengong|zhenren|kefu|dianhua|rexian|haoma|lianxi", re.IGNORECASE)
CANCEL = "cancel"
# what a cancel reading of a message that asks to go on (继续, 好，继续办护照) becomes: assent, which the questions
# under way read as going on
GO_ON_INTENT = "affirm"
# A cancel reading this long that asks something and says no stop word is a question about an affair.
LONGEST_CANCEL = 12
# What such a message becomes: the likeliest of these in the classifier's ranking, else an affair question.
QUESTION_INTENTS = (AFFAIR_QUESTION, *DETAIL_INTENTS)
# The readings of a message about an affair that may ask after an application handed in instead.
AFFAIR_READINGS = frozenset({*QUESTION_INTENTS, "inform", "choose_affair", "out_of_scope"})


def names_no_case(message: Message) -> bool:
    """Whether a message classified as a case request is a question that gives no case, no number or code,
    and asks nothing about one."""
    text = message.get(TEXT) or ""
    entities = {e.get(ENTITY_ATTRIBUTE_TYPE) for e in message.get(ENTITIES, [])}
    return (len(text) >= SHORTEST_QUESTION and not entities & CASE_ENTITIES
            and not NUMBER_OR_CODE.search(SERVICE_NUMBER.sub(" ", text)) and not asks_about_a_case(text))


def asks_why_turned_down_with_no_case(message: Message) -> bool:
    """Whether a message read as a case request asks why an application was turned down (为什么没通过), giving no
    case number, phone tail or query code: a question answered where the assistant reads affairs, not a new lookup."""
    entities = {e.get(ENTITY_ATTRIBUTE_TYPE) for e in message.get(ENTITIES, [])}
    return asks_why_turned_down(message.get(TEXT) or "") and not entities & CASE_ENTITIES


def asks_beyond_small_talk(text: str) -> bool:
    """Whether a message read as thanks or goodbye is long and asks something (……网上能打印吗 谢谢)."""
    return len(text) >= LONGEST_SMALL_TALK and asks_something(text)


def asks_beyond_cancel(text: str) -> bool:
    """Whether a message read as cancel is a long question that says no word of stopping (股东退出了，要取消他的股东
    资格怎么办？)."""
    return len(text) >= LONGEST_CANCEL and asks_something(text) and not STOP_WORDS.search(text)


def asks_beyond_handoff(text: str) -> bool:
    """Whether a message read as a request for a person is a long question that asks for no person and no number
    to call (带状疱疹疫苗适合多大年纪打？)."""
    return len(text) >= LONGEST_SMALL_TALK and asks_something(text) and not PERSON_OR_PHONE.search(text)


def is_an_affair_question(message: Message) -> bool:
    """Whether the classifier's case lookup, small talk, handoff or cancel should be an affair question for the
    resolver."""
    intent = (message.get(INTENT) or {}).get("name")
    if intent == CASE_REQUEST:
        return names_no_case(message) or asks_why_turned_down_with_no_case(message)
    if intent == CANCEL:
        return asks_beyond_cancel(message.get(TEXT) or "")
    if intent == HANDOFF:
        return asks_beyond_handoff(message.get(TEXT) or "")
    return intent in SMALL_TALK and asks_beyond_small_talk(message.get(TEXT) or "")


def is_a_case_request(message: Message) -> bool:
    """Whether a message read as about an affair asks how far an application already handed in has got, or gives
    a case number with its question (ZJ2026330106000101 多久能办好)."""
    intent = (message.get(INTENT) or {}).get("name")
    numbered = CASE_NUMBER in {e.get(ENTITY_ATTRIBUTE_TYPE) for e in message.get(ENTITIES, [])}
    return intent in AFFAIR_READINGS and (numbered or asks_after_a_handed_in_application(message.get(TEXT) or ""))


def _reread(message: Message, instead: str) -> None:
    """Give the message the intent `instead`, with the confidence it had, in its ranking too."""
    intent = message.get(INTENT)
    ranking = [{**r, "name": instead} if r.get("name") == intent["name"] else r
               for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != instead]
    message.set(INTENT, {**intent, "name": instead}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentGuard(GraphComponent):
    """Reclassifies as an affair question a case request that names no case and asks nothing about one, and small
    talk, a handoff or cancel that asks a question; as a case request, an affair question that asks after an
    application handed in (see the module docstring for each)."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentGuard:
        """Nothing to load."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Change the intent of each such message; every other message is left as it is."""
        for message in messages:
            if (message.get(INTENT) or {}).get("name") == CANCEL and says_to_go_on(message.get(TEXT) or ""):
                _reread(message, GO_ON_INTENT)
            elif is_a_case_request(message):
                _reread(message, CASE_REQUEST)
            elif is_an_affair_question(message):
                ranking = message.get(INTENT_RANKING_KEY, [])
                _reread(message, next((r["name"] for r in ranking if r.get("name") in QUESTION_INTENTS),
                                      AFFAIR_QUESTION))
        return messages
