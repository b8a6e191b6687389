"""The sentence of an affair's guide that a follow-up asks about, found by the rare character pairs they share.

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


@dataclass(frozen=True)
class _Index:
    """Every affair's guide sentences, and in how many sentences of all of them each pair occurs."""

    sentences: dict[str, tuple[str, ...]]
    pair_counts: Counter
    total: int


_indexes: dict[int, tuple[Catalog, _Index]] = {}


def _guide_texts(affair: Affair) -> list[str]:
    """What the guide says beyond its name: conditions, notes, materials, and the ways, times and fees."""
    return [*affair.conditions, *affair.notes, affair.in_person, str(affair.online.get("how") or ""),
            str(affair.time_limit.get("note") or ""), str(affair.fee.get("note") or ""),
            *(f"{m.name}：{m.notes}" if m.notes else m.name for m in affair.materials),
            *(m.exempt_reason for m in affair.materials if m.exempt_reason)]


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
    index = _Index(sentences, counts, sum(len(each) for each in sentences.values()))
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
