"""好差评: asking for a rating after a full answer, and reading the person's rating and reason.

The levels and reasons are the console's (`bot.console.ratings`), so what is asked is what is stored.
"""

from __future__ import annotations

import json
import re
import uuid

from bot.console.ratings import LEVELS, LOW, REASONS
from bot.dialogue.answers import Reply
from bot.dialogue.handoff import HANDOFF_BUTTON
from bot.resolver.text import normalize

RATE_INTENT = "rate"
REASON_INTENT = "rate_reason"
SKIP_REASON = "不说了"
# typed ratings, longest first so that 非常不满意 and 不太满意 are not read as 满意
TYPED_LEVELS = sorted({**{label: level for level, label in LEVELS.items()}, "很满意": 1, "挺满意": 2, "还行": 3,
                       "一般": 3, "不太满意": 4, "很不满意": 5, "太差": 5}.items(), key=lambda p: -len(p[0]))
DIGIT = re.compile(r"[1-5]")
BELOW_SATISFIED = 3  # 基本满意 and lower: ask why


def new_answer_id() -> str:
    """An opaque id for one answer, so that it is rated once."""
    return uuid.uuid4().hex[:16]


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def prompt(answer_id: str) -> Reply:
    """The rating question after a full answer: five buttons."""
    buttons = [(label, _payload(RATE_INTENT, rating=str(level), answer_id=answer_id))
               for level, label in LEVELS.items()]
    return Reply("这次的解答对您有帮助吗？欢迎给个评价：", buttons)


def level_of(entity: str | None, text: str) -> int | None:
    """The level from a button's entity, or from typed words (非常满意 … 非常不满意)."""
    if entity and DIGIT.fullmatch(entity.strip()):
        return int(entity)
    plain = normalize(text)
    for word, level in TYPED_LEVELS:
        if word in plain:
            return level
    return None


def thanks(level: int) -> Reply:
    """After a satisfied rating."""
    return Reply(f"感谢您的评价（{LEVELS[level]}）！还有其他想办的事，直接告诉我就好。")


def ask_reason(level: int) -> Reply:
    """Below 满意: ask why, with the reasons as buttons; typing is welcome too."""
    buttons = [(reason, _payload(REASON_INTENT, reason=reason)) for reason in REASONS]
    buttons.append((SKIP_REASON, _payload(REASON_INTENT, reason=SKIP_REASON)))
    return Reply(f"收到您的评价（{LEVELS[level]}）。能告诉我哪里没做好吗？可以点选，也可以直接写几句：", buttons)


def after_reason(level: int) -> Reply:
    """The reason is noted; a low rating is offered a person."""
    if level in LOW:
        return Reply("谢谢您告诉我们，我们会改进。需要的话，我可以为您转接人工坐席。", [HANDOFF_BUTTON])
    return Reply("谢谢您告诉我们，我们会改进。还有其他问题，直接告诉我就好。")


def already_rated() -> Reply:
    """A second rating of the same answer."""
    return Reply("这条解答您已经评价过了，谢谢！")


def nothing_to_rate() -> Reply:
    """A rating with no answer to rate (an old button, or typed out of the blue)."""
    return Reply("目前没有可以评价的解答。您想办什么事，直接告诉我就好。")


def needs_reason(level: int) -> bool:
    """Below 满意 (基本满意, 不满意, 非常不满意): ask why."""
    return level >= BELOW_SATISFIED
