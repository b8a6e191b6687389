"""Handing a conversation to a 12345 agent: the story so far, and what the person hears.

The queue itself lives in the console service (`bot.console.handoff`); this module only decides what the
agent is told (the summary) and what the person is told (the replies), so both are testable without Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.catalog.catalog import Catalog
from bot.dialogue.answers import Reply, situation_summary
from bot.dialogue.places import place_label

HANDOFF_TYPE = "onevisit.handoff"
# 转人工 / 找客服, two misses in a row, and a low rating (when the person accepts the offer) hand over
REASON_ASKED, REASON_MISSES, REASON_LOW_RATING = "asked", "misses", "low_rating"
LAST_TURNS = 10
HANDOFF_BUTTON = ("转人工客服", "/human_handoff")
# Words of asking for a person (转人工, 找客服, 跟真人说, 工作人员, 打电话, typed in pinyin too). A reply the
# classifier reads as that without any of them (旅游（个人游或跟团）, 我是个人经营的: 个人 is no 人工) is no request.
_FOR_A_PERSON = re.compile(r"人工|客服|真人|工作人员|坐席|电话|热线|12345|接线|转接|机器人|换个人|找人|叫个?人|个人来|"
                           r"活人|领导|投诉|ren ?gong|ke ?fu|zhen ?ren|gong ?zuo ?ren ?yuan|dian ?hua|re ?xian|"
                           r"zhuan ?jie|jiao ?ge ?ren|ge ?ren ?lai", re.IGNORECASE)


def asks_for_a_person(text: str) -> bool:
    """Whether a message asks, in words, for a person (or is the handoff button's payload)."""
    return text.strip().startswith("/") or _FOR_A_PERSON.search(text) is not None


def summary(catalog: Catalog, affair_id: str | None, answers: dict[str, str], district: str | None,
            events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What the agent reads before taking over: the affair, the situation, the district, what the bot
    already said and the last turns (the console masks every text before storing it)."""
    affair = catalog.affair(affair_id)
    place = catalog.places.get(district or "")
    turns = [{"who": "user" if e.get("event") == "user" else "bot", "text": str(e.get("text") or "")}
             for e in events if e.get("event") in ("user", "bot") and (e.get("text") or "").strip()]
    said = [t["text"] for t in turns if t["who"] == "bot"]
    return {
        "affair": affair.id if affair else "",
        "affair_name": affair.name if affair else "",
        "answers": situation_summary(catalog, affair, answers).split("、") if affair and answers else [],
        "district": place_label(catalog, place) if place else "",
        "answered": said[-1].splitlines()[0] if said else "",
        "last_turns": turns[-LAST_TURNS:],
    }


def queued_reply(position: int | None, ticket: int | None) -> Reply:
    """The person is in the queue: where, and that the agent will answer here."""
    place = f"您现在排在第 {position} 位，" if position else ""
    text = f"已为您转接人工坐席，{place}请稍候。坐席接入后会在这里回复您，之前说过的情况坐席都能看到，不用再说一遍。"
    return Reply(text, data={"type": HANDOFF_TYPE, "status": "queued", "position": position, "ticket": ticket})


def closed_reply(hours: str, hotline: str) -> Reply:
    """Outside the service hours: leave a message and a number for a call back, or call the hotline."""
    text = (f"现在不是人工坐席的服务时间（{hours}）。您可以留言：把想说的事和回电号码直接发给我，"
            f"工作人员上班后会尽快联系您；着急的话请拨打 {hotline} 政务服务便民热线（24 小时）。")
    return Reply(text, data={"type": HANDOFF_TYPE, "status": "closed", "hours": hours})


def unavailable_reply(hotline: str) -> Reply:
    """The queue could not be reached: say so, and give the hotline."""
    return Reply(f"抱歉，人工坐席暂时无法接入。请拨打 {hotline} 政务服务便民热线，由人工为您解答。")


def misses_preface() -> Reply:
    """Before handing over after two misses in a row."""
    return Reply("抱歉，我还是没能帮上您，这就为您转接人工坐席。")


HOURS_WORDS = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六",
               "sun": "周日", "mon-fri": "工作日", "mon-sun": "每天", "always": "全天", "24x7": "全天", "24/7": "全天"}


def hours_label(spec: str) -> str:
    """"mon-fri 08:30-17:30" as 工作日 08:30-17:30 (several ranges joined with 、)."""
    words = [HOURS_WORDS.get(part.lower(), part) for part in spec.replace(",", " ").split()]
    return " ".join(words) or spec
