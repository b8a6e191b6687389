"""A reply to a situation question that the intent classifier read as something else.

The situation form leaves some readings to their own replies (domain.yml, `not_intent` of `situation_answer`):
a stop (取消), a request for a person, a case lookup, goodbye, a question to the bot, an insult. The classifier
reads some answers so: 满16了 as goodbye (as 88了), 房产证上是我名字 as a question to the bot (你叫什么名字), 办好了
as a case lookup, 证还在，就是烂了 as an insult. Read alone, such a reply often names an option of the question
asked (`turns.question_answered`), but so do many real stops and lookups (查一下办件进度 names 一). So a reply
is the answer after all only when it also comes closer to the question's example replies than to the examples
the classifier learned its intent from, character by character, as `AnswerExamples` compares replies.
"""

from __future__ import annotations

from functools import cache

from bot.catalog.provider import Snapshot
from bot.config import PROJECT_ROOT
from bot.dialogue.turns import State, question_answered
from bot.knowledge.pinyin_examples import intent_examples, without_annotations

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@cache
def _classifier_examples() -> dict[str, tuple[str, ...]]:
    """Every intent's examples as the classifier learns them (data/nlu/, typed pinyin included), read once."""
    return {intent: tuple(without_annotations(e) for e in examples)
            for intent, examples in intent_examples(NLU_DIR, with_pinyin=True).items()}


def answers_all_the_same(snap: Snapshot, state: State, text: str, intent: str) -> bool:
    """Whether a reply read as `intent`, one the situation form leaves to the rules, answers the situation question
    asked all the same."""
    examples = _classifier_examples().get(intent)
    question = question_answered(snap, state, text) if examples else None
    if question is None:  # with no examples to weigh it against, a reading alone is too lenient to take
        return False
    replies = snap.answer_examples
    return replies.closeness(question, text) > replies.closeness_to(examples, text)
