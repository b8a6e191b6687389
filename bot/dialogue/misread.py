"""A reply to a situation question or to a choice of affairs that the intent classifier read as something else.

The situation form leaves some readings to their own replies (domain.yml, `not_intent` of `situation_answer`):
a stop (取消), a request for a person, a case lookup, goodbye, a question to the bot, an insult. The classifier
reads some answers so: 满16了 as goodbye (as 88了), 房产证上是我名字 as a question to the bot (你叫什么名字), 办好了
as a case lookup, 证还在，就是烂了 as an insult. Read alone, such a reply often names an option of the question
asked (`turns.question_answered`), but so do many real stops and lookups (查一下办件进度 names 一). So a reply
is the answer after all only when it also comes closer to the question's example replies than to the examples
the classifier learned its intent from, character by character, as `AnswerExamples` compares replies.

A reply to a choice of affairs fares the same: 找不着了 among the driving licence's renewal and reissue is read as a
stop, 人走了 among the hukou affairs as goodbye. `picks_all_the_same` finds the pick such a reply makes.
"""

from __future__ import annotations

import re
from functools import cache

from bot.catalog.provider import Snapshot
from bot.config import PROJECT_ROOT
from bot.dialogue.choices import by_position, decided_in_context, pick
from bot.dialogue.handoff import asks_for_a_person
from bot.dialogue.situations import prefill
from bot.dialogue.turns import (
    CLARIFY,
    FAREWELLS,
    PUTTING_OFF,
    STOP_WORDS,
    State,
    answers_the_affair_asked_about,
    question_answered,
)
from bot.knowledge.pinyin_examples import intent_examples, without_annotations

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
# 人走了, 我爸没了, 去世了: a death told, which the classifier may read as goodbye (as 我走了)
DEATH_WORDS = re.compile(r"(?:人|他|她|爸|妈|爷|奶|公|婆|老伴|老头|老太|父亲|母亲)[^，。,.!?？！]{0,2}(?:走了|没了)|"
                         r"去世|过世|病故|病逝|离世")
# readings of a reply to a choice of affairs that may hide a pick: 找不着了 read as cancel, 人走了 as goodbye
CHOICE_MISREADINGS = frozenset({"cancel", "goodbye"})


@cache
def _classifier_examples() -> dict[str, tuple[str, ...]]:
    """Every intent's examples as the classifier learns them (data/nlu/, typed pinyin included), read once."""
    return {intent: tuple(without_annotations(e) for e in examples)
            for intent, examples in intent_examples(NLU_DIR, with_pinyin=True).items()}


def answers_all_the_same(snap: Snapshot, state: State, text: str, intent: str) -> bool:
    """Whether a reply read as `intent`, one the situation form leaves to the rules, answers the situation question
    asked all the same. A reply read as a request for a person that asks for none in words is always left to the
    situation questions, which read a change of an earlier answer, another affair, or nothing."""
    if intent == "human_handoff" and not asks_for_a_person(text):
        return True  # 旅游（个人游或跟团）: the situation questions read it, whatever it says
    if intent == "goodbye" and DEATH_WORDS.search(text) and not FAREWELLS.search(text):
        return True  # 人走了: a death told, no farewell; the situation questions read it
    if intent == "cancel" and not any(words.search(text) for words in (PUTTING_OFF, FAREWELLS)) \
            and question_answered(snap, state, text, by_words=True) is not None:
        return True  # 找不着了: a lost card, in words the lexicon reads as an option's (遗失), and no word of stopping
    examples = _classifier_examples().get(intent)
    question = question_answered(snap, state, text) if examples else None
    if question is None:  # with no examples to weigh it against, a reading alone is too lenient to take
        return False
    if intent == "goodbye" and not FAREWELLS.search(text) and prefill([(question.id, question)], text):
        return True  # 生病走的: an option's own words (生病), and 走 no farewell
    replies = snap.answer_examples
    return replies.closeness(question, text) > replies.closeness_to(examples, text)


def answers_all_the_same_after_a_follow_up(snap: Snapshot, state: State, text: str, intent: str) -> bool:
    """Whether a reply read as goodbye, after a follow-up about an affair was answered (丧葬费去哪里领), answers its
    situation questions all the same in words that say no farewell (生病走的: 走 is the father's death)."""
    return intent == "goodbye" and not FAREWELLS.search(text) and answers_the_affair_asked_about(snap, state, text)


def picks_all_the_same(snap: Snapshot, state: State, text: str, intent: str) -> str | None:
    """The offered affair a reply to a choice picks all the same when the classifier read it as a stop or a
    farewell (找不着了 among the driving licence's renewal and reissue, 人走了 among the hukou affairs), or None.
    It picks by its place in the list (第二个), or by its words when it says no word of stopping, putting off or
    leaving (算了, 先不办, 等我问问, 下回见) and the resolver, reading it as said of what the offered affairs share,
    decides the same affair: 身份证 找不着了 is the reissue. A pick by ranking alone is too lenient: it finds an
    option in 这个先不办了 too. Words typed in pinyin pick by place only: xian bu ban le sounds like 补办."""
    if intent not in CHOICE_MISREADINGS or state.affair_state != CLARIFY or not state.clarify_options:
        return None
    options = list(state.clarify_options)
    placed = by_position(text, options)
    if placed or re.search(r"[a-z]", text, re.IGNORECASE):
        return placed  # in pinyin, only a place: xian bu ban le sounds like 补办
    if any(words.search(text) for words in (STOP_WORDS, PUTTING_OFF, FAREWELLS)) or "取消" in text:
        return None
    picked = pick(text, options, snap.resolver)
    return picked if picked in options and decided_in_context(text, options, snap.resolver) == picked else None
