"""The sentence of an affair's guide that a follow-up asks about, found by the rare character pairs they share;
and whether a follow-up speaks of things the guide never mentions (口腔医院洗牙要多少钱, after an ID card's guide).

登报还要吗, after a lost property certificate's guide, shares 登报 with its note 无需自行登报，由登记机构……刊发遗失声明;
体检在哪做, after a driving licence's, shares 体检 with the material 身体条件证明（具有驾驶人体检资质的医疗机构……）.
A pair counts only when few sentences of all the guides hold it (办理, 可以 say nothing) and the affair's own names
do not (社保卡 in 社保卡在哪办 names the affair: where to go is the hall, not a sentence about the card).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.catalog.catalog import Catalog
from bot.catalog.domain import Affair

# where a guide's text is cut into sentences
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
# characters too common in questions and guides for a pair holding one to say what is asked about
_COMMON = frozenset("的了吗呢吧么啊呀嘛伐是要能可以不我你他她它伊们这那个些什怎样办在有和与或及还就都也会去来到给"
                    "让把被对从并等其该所如为于一二三四五六七八九十几多少")
# a shared pair held by at most this many sentences of all the guides is rare enough to go by
RARE_PAIR_SENTENCES = 15
SHORTEST_SENTENCE = 6
# the parts of speech that name a topic (nouns, names of things and organisations, nouns made of verbs)
TOPIC_TAGS = frozenset({"n", "ng", "nz", "nt", "ns", "vn"})
# a person's own life, which any follow-up may tell of (我儿子在外地上学, 下个月要用): no other topic
PERSONAL_WORDS = tuple(("儿子 女儿 闺女 孩子 小孩 宝宝 娃娃 老人 老婆 老公 丈夫 妻子 爱人 老伴 爸爸 妈妈 "
                        "父母 父亲 母亲 爷爷 奶奶 外公 外婆 姥姥 姥爷 哥哥 姐姐 弟弟 妹妹 亲戚 朋友 同事 "
                        "家人 家里 自己 本人 今天 明天 昨天 后天 上午 下午 今年 明年 去年 马上 现在 以后 "
                        "之前 已经 刚刚 着急 麻烦 谢谢 您好 请问 咨询 知道 清楚 明白 情况 时候 外地 老家 "
                        "上学 上班 工作 退休 出差 地方 东西 时间 事情 问题 办法 手续 过去 回来 身体 走不动 "
                        "腿脚 行动不便").split())


@dataclass(frozen=True)
class _Index:
    """Every affair's guide sentences, and in how many sentences of all of them each pair occurs."""

    sentences: dict[str, tuple[str, ...]]
    pair_counts: Counter
    total: int
    known: dict[str, str]  # each affair's words: its names, the questions people ask, its situations and guide
    places: tuple[str, ...]  # the places' names and aliases


_indexes: dict[int, tuple[Catalog, _Index]] = {}


def _guide_texts(affair: Affair) -> list[str]:
    """What the guide says beyond its name: conditions, notes, materials, and the ways, times and fees."""
    return [*affair.conditions, *affair.notes, affair.in_person, str(affair.online.get("how") or ""),
            str(affair.time_limit.get("note") or ""), str(affair.fee.get("note") or ""),
            *(f"{m.name}：{m.notes}" if m.notes else m.name for m in affair.materials),
            *(m.exempt_reason for m in affair.materials if m.exempt_reason)]


def _words_of(affair: Affair, phrasings: tuple[str, ...] | list[str]) -> list[str]:
    """Everything the knowledge says of the affair: its names, the questions people ask (`phrasings` too), its
    situations and its guide."""
    situations = [text for q in affair.situations for o in q.options
                  for text in (q.ask, o.label, *o.hints, *o.examples, o.notice)]
    return [affair.name, affair.short_name, affair.scope, *affair.aliases, *affair.keywords, *affair.questions,
            *phrasings, *situations, *(m.source for m in affair.materials), *_guide_texts(affair)]


def _sentences(affair: Affair) -> tuple[str, ...]:
    """The guide's sentences, each once."""
    cut = (s.strip(" ，,") for text in _guide_texts(affair) for s in _SENTENCE_END.split(text))
    return tuple(dict.fromkeys(s for s in cut if len(s) >= SHORTEST_SENTENCE))


def _pairs(text: str) -> set[str]:
    """The text's pairs of adjacent Chinese characters that hold no common character."""
    return {text[i:i + 2] for i in range(len(text) - 1)
            if all("\u4e00" <= c <= "\u9fff" and c not in _COMMON for c in text[i:i + 2])}


def _index(catalog: Catalog) -> _Index:
    """The index of the catalog's guides, built once per catalog."""
    cached = _indexes.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    sentences = {affair.id: _sentences(affair) for affair in catalog.affairs.values()}
    counts = Counter(pair for each in sentences.values() for sentence in each for pair in _pairs(sentence))
    known = {affair.id: "\n".join(_words_of(affair, catalog.phrasings.get(affair.id, ())))
             for affair in catalog.affairs.values()}
    places = tuple({name for place in catalog.places.values() for name in (place.name, *place.aliases)})
    index = _Index(sentences, counts, sum(len(each) for each in sentences.values()), known, places)
    _indexes.clear()  # one catalog at a time: a reload replaces it
    _indexes[id(catalog)] = (catalog, index)
    return index


def _named(catalog: Catalog, affair: Affair) -> set[str]:
    """The pairs of the affair's (and its parts') names and aliases."""
    owners = [affair, *catalog.parts_of(affair)]
    return {pair for owner in owners for name in (owner.name, owner.short_name, *owner.aliases)
            for pair in _pairs(name)}


def guide_passage(catalog: Catalog, affair: Affair, question: str) -> str | None:
    """The sentence of the affair's guide (or of its parts', for a bundle) that the question asks about, or None
    when no sentence shares a rare pair with it."""
    index = _index(catalog)
    asked = _pairs(question) - _named(catalog, affair)
    rare = {pair for pair in asked if index.pair_counts[pair] <= RARE_PAIR_SENTENCES}
    if not rare:
        return None
    owners = [affair, *catalog.parts_of(affair)]
    scored = [(sum(math.log(index.total / index.pair_counts[p]) for p in asked & _pairs(sentence)), sentence)
              for owner in owners for sentence in index.sentences.get(owner.id, ())
              if rare & _pairs(sentence)]
    return max(scored, key=lambda scored_sentence: (scored_sentence[0], len(scored_sentence[1])))[1] if scored else None


def unknown_to_the_guide(catalog: Catalog, affair: Affair, text: str) -> list[str]:
    """The nouns of `text` (of two characters or more, Chinese only) that nothing the knowledge says of the affair
    or of its parts holds, nor a place's name, a lexicon word for one it holds, or a person's own life: 口腔 and
    洗牙 in 口腔医院洗牙, after an ID card's guide. Verbs, numbers and function words (才能, 十几岁) say no topic."""
    from jieba import posseg  # its tables take a third of a second to load: on the first follow-up, not at import

    index = _index(catalog)
    known = "\n".join(index.known.get(owner.id, "") for owner in [affair, *catalog.parts_of(affair)])

    def is_known(word: str) -> bool:
        return word in known or word in PERSONAL_WORDS or any(word in name for name in index.places) or \
            catalog.lexicon.get(word, "\0") in known

    return [pair.word for pair in posseg.lcut(text) if pair.flag in TOPIC_TAGS and len(pair.word) >= 2 and
            all("\u4e00" <= c <= "\u9fff" for c in pair.word) and not is_known(pair.word)]
