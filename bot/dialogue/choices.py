"""Understanding a person's pick from a list of affairs: 第二个, 丢了补办的那个, or the name."""

from __future__ import annotations

import re

from bot.resolver import Resolver
from bot.resolver.text import normalize

NONE_OF_THESE = "none"
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_ORDINAL = re.compile(r"(?:就|选|要|是)?第?([一二两三四五12345])(?:个|项|种|条|号)?(?:吧|啊|呀|那个)?")
_NONE_WORDS = ("都不是", "都不对", "都没有", "没有我要的", "不是这些", "以上都不是", "都不")


def pick(text: str, options: list[str], resolver: Resolver) -> str | None:
    """The chosen affair id, NONE_OF_THESE, or None when the text does not pick one."""
    if text.strip() in options:
        return text.strip()
    norm = normalize(text)
    if not norm:
        return None
    if any(w in norm for w in _NONE_WORDS):
        return NONE_OF_THESE
    if re.fullmatch(r"(?:就|选|要|是)?(?:最后一个|最后那个|最后一项)(?:吧|啊|呀)?", norm) and options:
        return options[-1]
    ordinal = _ORDINAL.fullmatch(norm)
    if ordinal:
        index = _ORDINALS[ordinal.group(1)] - 1
        if 0 <= index < len(options):
            return options[index]
    if asks_something_else(text, options, resolver):
        return None
    scores = {c.id: c.score for c in resolver.rank(text) if c.id in options}
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= 0.03:
        return ranked[0][0]
    return None


def asks_something_else(text: str, options: list[str], resolver: Resolver) -> bool:
    """Whether a message sent while choices are open is a new question rather than an answer: read alone its
    best affair is not offered (身份证丢了 among the driving licence's two), and read as said of what the
    offered affairs share it names none of them, not even as a choice or as its best-ranked affair; or read
    alone it names a topic of its own that holds none of them (身份证怎么办 among the withdrawals). A short
    answer that needs the choices to mean anything stays an answer: 过期了 alone is the ID card's renewal,
    驾驶证过期了 the licence's. With nothing shared there is no such reading, and the message stays an answer."""
    alone = resolver.resolve(text)
    best = alone.affair or (alone.clarify[0] if alone.clarify else None)
    if best is None or best in options:
        return False
    offered_alone = set(alone.clarify) & set(options)
    if alone.topic and not offered_alone and resolver.names_topic_beyond(text, alone.topic, options):
        return True  # it names a topic of its own, none of whose affairs is offered (身份证怎么办 among withdrawals)
    subject = resolver.shared_subject(options)
    if not subject:
        return False
    in_context = f"{subject} {text}"
    named = resolver.resolve(in_context)
    # words for two affairs (`each`): the second may come from nothing but the subject put before the message
    read = named.clarify[:1] if named.each else named.clarify
    ranked = resolver.rank(in_context, limit=1)
    return not {named.affair, *read, *(c.id for c in ranked)} & set(options)
