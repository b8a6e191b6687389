"""Understanding a person's pick from a list of affairs: 第二个, 丢了补办的那个, or the name."""

from __future__ import annotations

import re

from bot.resolver import Resolver
from bot.resolver.text import normalize

NONE_OF_THESE = "none"
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
# what may come before a pick (好的，第二个 / 嗯那就选3 / 行，最后那个) and after it (第二个吧 / 第一个就行)
_LEAD = r"(?:好的?|好吧|嗯+|哦+|对|行|可以|ok|那)*就?(?:我?选|我?要|是)?"
_TAIL = r"(?:吧|啊|呀|那个|的那个|这个|就行|就好|就可以)?"
_ORDINAL = re.compile(_LEAD + r"第?([一二两三四五12345])(?:个|项|种|条|号)?" + _TAIL)
_LAST = re.compile(_LEAD + r"(?:最后一个|最后那个|最后一项|最后一种)" + _TAIL)
_MIDDLE = re.compile(_LEAD + r"中间(?:那|的|这)?(?:一?个|一?项|一?种)?" + _TAIL)
# the same typed in pinyin, without spaces (di er ge ba, wo yao di yi ge)
_PINYIN_ORDINALS = {"yi": 1, "er": 2, "liang": 2, "san": 3, "si": 4, "wu": 5}
_PINYIN_ORDINAL = re.compile(r"(?:haode?|en+|na|jiu|woyao|yao|woxuan|xuan)*di(yi|er|liang|san|si|wu)"
                             r"(?:ge|xiang|zhong|tiao)?(?:ba|a|ya)?")
_NONE_WORDS = ("都不是", "都不对", "都没有", "没有我要的", "不是这些", "以上都不是", "都不")


def _position(text: str, count: int) -> int | None:
    """The place in a list of `count` that a reply picks by position (第二个, 好的，选3, 最后那个, 中间那个 of
    three, di er ge): 1-based, 0 for a place the list does not have (第六个, 中间那个 of four), None for a reply
    that names no place."""
    norm = normalize(text)
    if not norm:
        return None
    if _LAST.fullmatch(norm):
        return count
    if _MIDDLE.fullmatch(norm):
        return 2 if count == 3 else 0
    ordinal = _ORDINAL.fullmatch(norm)
    pinyin = None if ordinal else _PINYIN_ORDINAL.fullmatch(re.sub(r"[^a-z]", "", text.lower()))
    if not ordinal and not pinyin:
        return None
    place = _ORDINALS[ordinal.group(1)] if ordinal else _PINYIN_ORDINALS[pinyin.group(1)]
    return place if place <= count else 0


def by_position(text: str, options: list[str]) -> str | None:
    """The option a reply picks by its place in the list (第二个, 最后那个), or None."""
    place = _position(text, len(options))
    return options[place - 1] if place else None


def pick(text: str, options: list[str], resolver: Resolver) -> str | None:
    """The chosen affair id, NONE_OF_THESE, or None when the text does not pick one."""
    if text.strip() in options:
        return text.strip()
    norm = normalize(text)
    if not norm:
        return None
    if any(w in norm for w in _NONE_WORDS):
        return NONE_OF_THESE
    place = _position(text, len(options))
    if place is not None:
        return options[place - 1] if place else None
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
    in_context = _in_context(text, subject)
    named = resolver.resolve(in_context)
    # words for two affairs (`each`): the second may come from nothing but the subject put before the message
    read = named.clarify[:1] if named.each else named.clarify
    ranked = resolver.rank(in_context, limit=1)
    return not {named.affair, *read, *(c.id for c in ranked)} & set(options)


def decided_in_context(text: str, options: list[str], resolver: Resolver) -> str | None:
    """The offered affair the resolver decides, with no choice left, when it reads the reply as said of what the
    offered affairs share (户口 人走了 is the death's cancellation), or None. Alone, without anything shared, the
    reply must decide it by itself; when the shared words alone decide it, the reply's own words do not."""
    subject = resolver.shared_subject(options)
    named = resolver.resolve(_in_context(text, subject))
    if named.affair not in options or subject and resolver.resolve(subject).affair == named.affair:
        return None  # none decided, or the shared words alone decide it: the reply's own words add nothing
    return named.affair


def _in_context(text: str, subject: str) -> str:
    """The reply after the name words the offered affairs share (驾驶证 过期了); the reply alone when they share
    none."""
    return f"{subject} {text}" if subject else text
