"""Query sets generated from a catalog: real questions, colloquial alias phrasings, mixes and off-topic text."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog.catalog import Catalog
from bot.catalog.domain import Affair

PREFIXES = ("", "", "请问", "我想问下", "你好，", "麻烦问一下", "想咨询下", "我要", "我想", "帮我看看", "那个",
            "我在杭州，", "我在宁波", "老家在温州，想", "急！", "您好我想了解一下")
SUFFIXES = ("", "", "怎么办", "怎么弄", "去哪里办", "要带什么材料", "需要什么手续", "多久能好", "要钱吗",
            "网上能办吗", "咋整", "？", "啊", "的流程是什么", "，谢谢", "需要本人去吗")
OFF_TOPIC = (
    "今天天气怎么样", "帮我订一张去北京的机票", "附近有什么好吃的火锅店", "给我讲个笑话", "你是机器人吗",
    "明天股票会涨吗", "红烧肉怎么做才好吃", "世界杯冠军是哪个队", "我的快递到哪了", "推荐一部好看的电影",
    "手机屏幕碎了去哪里修", "高铁上能带充电宝吗", "西湖边上哪家酒店便宜", "孩子发烧了吃什么药",
    "帮我写一首关于春天的诗", "猫咪不吃东西怎么办", "周末去千岛湖玩需要几天", "电脑开不了机",
    "你好", "谢谢你", "哈哈哈", "asdfghjkl", "123456", "怎么减肥最快", "英语四级怎么复习",
)
# Shares of the query kinds (the rest is off-topic).
KIND_SHARES = {"question": 0.35, "alias": 0.25, "name": 0.10, "mix": 0.20}


@dataclass(frozen=True)
class Query:
    """A query text and the kind of generator that made it."""

    kind: str
    text: str


class QueryGenerator:
    """Deterministic query generator over a catalog's affairs and lexicon."""

    def __init__(self, catalog: Catalog, seed: int = 20260101):
        self._rng = random.Random(seed)
        self._affairs: list[Affair] = sorted(catalog.affairs.values(), key=lambda a: a.id)
        colloquial: dict[str, list[str]] = {}
        for word, canonical in catalog.lexicon.items():
            if canonical and word != canonical:
                colloquial.setdefault(canonical, []).append(word)
        self._colloquial = {c: sorted(ws) for c, ws in colloquial.items()}

    def generate(self, count: int) -> list[Query]:
        """`count` queries with the kinds mixed in KIND_SHARES proportions (off-topic fills the rest)."""
        if not self._affairs:
            return [Query("off-topic", self._rng.choice(OFF_TOPIC)) for _ in range(count)]
        makers = {"question": self._question, "alias": self._alias, "name": self._name, "mix": self._mix}
        queries: list[Query] = []
        for kind, share in KIND_SHARES.items():
            queries += [Query(kind, makers[kind]()) for _ in range(round(count * share))]
        while len(queries) < count:
            queries.append(Query("off-topic", self._off_topic()))
        queries = queries[:count]
        self._rng.shuffle(queries)
        return queries

    def _affair(self) -> Affair:
        return self._rng.choice(self._affairs)

    def _pick(self, items: Sequence[str], fallback: str) -> str:
        return self._rng.choice(items) if items else fallback

    def _dress(self, core: str) -> str:
        """Colloquial prefix and suffix, sometimes a colloquial synonym for a canonical word."""
        text = f"{self._rng.choice(PREFIXES)}{core}{self._rng.choice(SUFFIXES)}"
        return self._colloquialise(text) if self._rng.random() < 0.5 else text

    def _colloquialise(self, text: str) -> str:
        """Replace one canonical lexicon word in the text by one of its everyday words."""
        present = [c for c in self._colloquial if c in text]
        if not present:
            return text
        canonical = self._rng.choice(present)
        return text.replace(canonical, self._rng.choice(self._colloquial[canonical]), 1)

    def _question(self) -> str:
        affair = self._affair()
        text = self._pick(affair.questions, affair.name)
        return self._colloquialise(text) if self._rng.random() < 0.3 else text

    def _alias(self) -> str:
        affair = self._affair()
        return self._dress(self._pick(affair.aliases, affair.short_name))

    def _name(self) -> str:
        affair = self._affair()
        core = self._rng.choice([affair.name, affair.short_name, *affair.keywords])
        return self._dress(core)

    def _mix(self) -> str:
        """Pieces of two affairs in one sentence, or a keyword pair: ambiguous or compound requests."""
        first, second = self._affair(), self._affair()
        style = self._rng.randrange(3)
        if style == 0:
            core = f"{self._pick(first.keywords, first.short_name)}{self._pick(second.keywords, second.short_name)}"
        elif style == 1:
            core = f"{self._pick(first.aliases, first.name)}和{self._pick(second.aliases, second.name)}"
        else:
            question = self._pick(first.questions, first.name)
            core = f"{question[: max(2, len(question) // 2)]}{self._pick(second.keywords, second.short_name)}"
        return self._dress(core)

    def _off_topic(self) -> str:
        text = self._rng.choice(OFF_TOPIC)
        return f"{self._rng.choice(PREFIXES)}{text}" if self._rng.random() < 0.3 else text
