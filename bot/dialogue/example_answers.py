"""Reading a reply in the person's own words by the replies people give: the option whose examples are closest.

The hints of an option are words that must appear in a reply (离过, 外省). People often say the same thing in
other words (三十天已经过了 for 冷静期已满, 刚查出来怀上了 for 正在怀孕): `knowledge/answers/` holds, for each option,
whole replies people give, and a reply the hints do not decide is compared with them, character by character.
It chooses an option only when that option's closest example is close, clearly closer than any other option's,
and no closer to a reply given to another question: a reply that reads like an answer to something else
(房产证上个月就拿到了, to an age question) chooses nothing, and the question is asked again, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.catalog.domain import Affair, Question
from bot.dialogue.situations import normalize

# A reply chooses an option when its closest example is at least this close (cosine of character n-grams)...
CLOSE_ENOUGH = 0.35
# ... closer by this much than the closest example of every other option, and no less close than the closest
# reply to another question.
AHEAD_BY = 0.1
# Characters and character pairs: longer n-grams made replies in other words (the point) look farther.
NGRAMS = (1, 2)
# A reply that says the person does not know chooses nothing (我也不清楚离没离过).
UNSURE = re.compile("不知道|不清楚|不确定|不记得|忘了|说不好|搞不清|不晓得")
# Nor does one made only of fillers (嗯嗯嗯, 啊哦): it says nothing, however many examples start with 嗯.
FILLERS = re.compile("[嗯啊哦噢呃额唔哈呀吧呢嘛]+")
# A reply that chooses nothing may still suggest the option it is closest to, to be confirmed (您是说“…”吗？):
# at least this close and ahead of every other option by more than this.
SUGGEST_AT = 0.2
SUGGEST_AHEAD_BY = 0.0


@dataclass(frozen=True)
class _Closeness:
    """How close a reply comes to the closest option of its question, to the next one and to other questions."""

    option: int  # the closest option's index
    first: float
    second: float
    elsewhere: float  # the closest reply to another question

    @property
    def lead(self) -> float:
        """How much closer the closest option is than the next."""
        return self.first - self.second


def _same_question(question: Question) -> tuple[str, ...]:
    """Questions with the same option labels (本人办理 / 委托他人办理) are one question: their replies are pooled."""
    return tuple(o.label for o in question.options)


class AnswerExamples:
    """The labels and example replies of every option of every situation question, in one vocabulary."""

    def __init__(self, affairs: Iterable[Affair]):
        groups: dict[tuple[str, ...], int] = {}
        texts, group_of, option_of = [], [], []
        for affair in affairs:
            for question in affair.situations:
                if not any(o.examples for o in question.options):
                    continue
                group = groups.setdefault(_same_question(question), len(groups))
                for k, option in enumerate(question.options):
                    for reply in dict.fromkeys((option.label, *option.examples)):
                        norm = normalize(reply)
                        if norm:
                            texts.append(norm)
                            group_of.append(group)
                            option_of.append(k)
        self._groups = groups
        self._group_of = np.asarray(group_of, dtype=np.int64)
        self._option_of = np.asarray(option_of, dtype=np.int64)
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True) if texts else None
        self._vectors = self._vectorizer.fit_transform(texts).T.tocsr() if self._vectorizer else None

    def _closest(self, question: Question, text: str) -> _Closeness | None:
        """How close the text comes to each option's examples and to the replies to other questions; None when
        the question has no examples or the text says nothing or that the person does not know."""
        group = self._groups.get(_same_question(question))
        norm = normalize(text)
        if group is None or not FILLERS.sub("", norm) or UNSURE.search(norm):
            return None
        closeness = (self._vectorizer.transform([norm]) @ self._vectors).toarray()[0]
        mine = self._group_of == group
        best = np.full(len(question.options), -1.0)
        np.maximum.at(best, self._option_of[mine], closeness[mine])
        order = np.argsort(-best)
        return _Closeness(option=int(order[0]), first=float(best[order[0]]),
                          second=float(best[order[1]]) if len(order) > 1 else 0.0,
                          elsewhere=float(closeness[~mine].max(initial=0.0)))

    def choose(self, question: Question, text: str) -> str | None:
        """The option value whose example replies the text is clearly closest to, or None."""
        near = self._closest(question, text)
        if near and near.first >= CLOSE_ENOUGH and near.lead >= AHEAD_BY and near.first >= near.elsewhere:
            return question.options[near.option].value
        return None

    def closeness(self, question: Question, text: str) -> float:
        """How close the text comes to the closest example reply of the question's options (0 when the question
        has no examples, or the text says nothing or that the person does not know)."""
        near = self._closest(question, text)
        return near.first if near else 0.0

    def closeness_to(self, texts: Sequence[str], text: str) -> float:
        """How close the text comes to the closest of `texts`, measured as replies are (0 for no texts)."""
        norm = normalize(text)
        if not texts or not norm or self._vectorizer is None:
            return 0.0
        others = self._vectorizer.transform([normalize(t) for t in texts])
        return float((others @ self._vectorizer.transform([norm]).T).toarray().max())

    def suggest(self, question: Question, text: str) -> str | None:
        """The option value worth asking about (您是说“…”吗？) when the text does not choose one: the option whose
        examples it is closest to, when that is somewhat close and closer than every other option's."""
        near = self._closest(question, text)
        if near and near.first >= SUGGEST_AT and near.lead > SUGGEST_AHEAD_BY:
            return question.options[near.option].value
        return None
