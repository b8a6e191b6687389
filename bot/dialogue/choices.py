"""Understanding a person's pick from a list of affairs: 第二个, 丢了补办的那个, or the name."""

from __future__ import annotations

import re

from bot.resolver import Resolver
from bot.resolver.text import normalize

NONE_OF_THESE = "none"
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_NONE_WORDS = ("都不是", "都不对", "都没有", "没有我要的", "不是这些", "以上都不是", "都不")


def pick(text: str, options: list[str], resolver: Resolver) -> str | None:
    """The chosen affair id, NONE_OF_THESE, or None when the text does not pick one."""
    norm = normalize(text)
    if not norm:
        return None
    if any(w in norm for w in _NONE_WORDS):
        return NONE_OF_THESE
    if norm in options:
        return norm
    ordinal = re.search(r"(?:第|选|要)?([一二两三四五12345])(?:个|项|种|条|号)?", norm)
    if ("最后" in norm or "后一个" in norm) and options:
        return options[-1]
    if ordinal and (len(norm) <= 4 or norm.startswith("第")):
        index = _ORDINALS[ordinal.group(1)] - 1
        if 0 <= index < len(options):
            return options[index]
    scores = {c.id: c.score for c in resolver.rank(text) if c.id in options}
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= 0.03:
        return ranked[0][0]
    return None
