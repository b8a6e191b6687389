"""What an agent on the phone needs from the assistant: finding the affair, the same guide the bot gives, a case.

- `search_affairs`: the catalog's names and aliases, then the resolver's candidates;
- `guide`: `bot.dialogue.answers.affair_answer` for an affair, district and situation answers, with the
  situation questions still open (and their options), so the agent sets answers directly;
- `lookup_case`: the case-status API through `bot.cases`, exactly as the assistant's action does it (verification
  factor, failed-attempt limits per requester from `bot.cases.attempts`, where the requester is the agent), and an
  audit row for every attempt.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.cases import (
    BadCaseNumber,
    CaseClient,
    Found,
    NotFoundOrMismatch,
    RateLimited,
    Unavailable,
    UnavailableReason,
    mask_case_number,
    parse_verification,
)
from bot.cases.attempts import USER, AttemptLimiter
from bot.catalog.catalog import Catalog, answer_key
from bot.catalog.domain import Affair, Question
from bot.catalog.provider import Snapshot
from bot.console.audit import CASE_LOOKUP, Audit
from bot.console.auth import User
from bot.console.errors import BadInput, NotFound, TooMany
from bot.dialogue import cases as case_texts
from bot.dialogue.answers import affair_answer
from bot.dialogue.places import find_place, place_label
from bot.entities.formats import compact
from bot.resolver.text import normalize

log = logging.getLogger(__name__)

LIMITER_ERRORS = (SQLAlchemyError, OSError)


def _affair_json(affair: Affair, score: float | None = None) -> dict[str, Any]:
    found = {"id": affair.id, "name": affair.name, "short_name": affair.short_name, "department": affair.department}
    if score is not None:
        found["score"] = round(score, 4)
    return found


def search_affairs(snapshot: Snapshot, query: str, limit: int = 10) -> dict[str, Any]:
    """Affairs for what the caller said: the one the assistant would decide on, or the ones it would ask between
    (`each`: the caller's words speak for every one of them), then names containing the words, then the resolver's
    other candidates."""
    text = (query or "").strip()
    if not text or len(text) > 200:
        raise BadInput("请输入 1 到 200 个字的事项名称或群众的说法。")
    catalog = snapshot.catalog
    result = snapshot.resolver.resolve(text)
    found: dict[str, float] = {}
    if result.affair:
        found[result.affair] = 1.0
    for affair_id in result.clarify:
        found.setdefault(affair_id, 0.9)
    wanted = normalize(text)
    for affair in sorted(catalog.affairs.values(), key=lambda a: a.id):
        names = (affair.name, affair.short_name, *affair.aliases)
        if wanted and any(wanted in normalize(n) for n in names):
            found.setdefault(affair.id, 0.8)
    for candidate in result.candidates:
        found.setdefault(candidate.id, candidate.score * 0.5)
    ranked = [(i, s) for i, s in found.items() if i in catalog.affairs][:max(1, min(limit, 50))]
    return {"query": text, "decided": result.affair, "each": result.each, "clarify": list(result.clarify),
            "affairs": [_affair_json(catalog.affairs[i], s) for i, s in ranked]}


def _questions(catalog: Catalog, affair: Affair) -> dict[str, tuple[str | None, Question]]:
    """Every situation question of the affair (and of a bundle's parts), by the key its answer is stored under."""
    keyed = {answer_key(None, q.id): (None, q) for q in affair.situations}
    for part in catalog.parts_of(affair):
        keyed.update({answer_key(part.id, q.id): (part.id, q) for q in part.situations})
    return keyed


def _answers(keyed: dict[str, tuple[str | None, Question]], given: Any) -> dict[str, str]:
    """The answers by option value (a label is accepted too); BadInput names the question or option that is wrong."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise BadInput("answers 需要是 {问题 key: 选项} 的对象。")
    clean = {}
    for key, value in given.items():
        if key not in keyed:
            raise BadInput(f"这个事项没有情形问题 {key}。可用的问题：{'、'.join(keyed) or '无'}。")
        question = keyed[key][1]
        option = next((o for o in question.options if str(value) in (o.value, o.label)), None)
        if option is None:
            options = "、".join(f"{o.value}（{o.label}）" for o in question.options)
            raise BadInput(f"“{question.ask}”的答案只能是：{options}。")
        clean[key] = option.value
    return clean


def guide(snapshot: Snapshot, affair_id: Any, district: Any, answers: Any, hotline: str) -> dict[str, Any]:
    """The guide the assistant would give, as text and structure, and the questions still open."""
    catalog = snapshot.catalog
    affair = catalog.affair(affair_id if isinstance(affair_id, str) else None)
    if affair is None:
        raise NotFound("没有找到这个事项，请先用事项搜索确认事项 id。")
    place = None
    if district not in (None, ""):
        if not isinstance(district, str):
            raise BadInput("district 需要是区县名称或行政区划代码。")
        place = catalog.places.get(district.strip()) or find_place(catalog, district)
        if place is None:
            raise BadInput("没有识别出地区，请写市和区县（如“杭州市西湖区”）或 6 位行政区划代码。")
    keyed = _questions(catalog, affair)
    chosen = _answers(keyed, answers)
    reply = affair_answer(catalog, affair, chosen, place, hotline)
    pending = catalog.pending_questions(affair, chosen)
    return {
        "affair": _affair_json(affair),
        "district": {"code": place.code, "name": place_label(catalog, place)} if place else None,
        "answers": chosen,
        "complete": not pending and place is not None,
        "text": reply.text,
        "guide": reply.data,
        "pending": [{"key": p.key, "part": p.part, "ask": p.question.ask,
                     "options": [{"value": o.value, "label": o.label} for o in p.question.options]}
                    for p in pending],
        "answered": [{"key": k, "ask": keyed[k][1].ask,
                      "label": next(o.label for o in keyed[k][1].options if o.value == v)} for k, v in chosen.items()],
    }


def _plain(value: Any) -> Any:
    """Dataclasses, dates and enums as JSON values."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _outcome(result: Any) -> str:
    if isinstance(result, Found):
        return "found"
    if isinstance(result, NotFoundOrMismatch):
        return "not_found_or_mismatch"
    if isinstance(result, RateLimited):
        return "rate_limited"
    if isinstance(result, BadCaseNumber):
        return "bad_number"
    if isinstance(result, Unavailable):
        return f"unavailable:{result.reason.value}"
    return "unknown"


async def lookup_case(client: CaseClient, limiter: AttemptLimiter, audit: Audit, user: User, case_number: Any,
                      factor: Any, hotline: str, catalog: Callable[[], Catalog | None]) -> dict[str, Any]:
    """Look a caller's case up for an agent; every attempt is audited (the case number masked)."""
    typed = case_number if isinstance(case_number, str) else ""
    number = case_texts.read_case_number(typed) if typed.strip() else None
    target = mask_case_number(number or compact(typed)[:40]) if (number or typed) else "-"

    async def write(outcome: str) -> None:
        await asyncio.to_thread(audit.write, user.name, CASE_LOOKUP, target, outcome)

    if number is None:
        await write("bad_number")
        raise BadInput(case_texts.bad_number_text())
    verification = parse_verification(factor) if isinstance(factor, str) else None
    if verification is None:
        await write("bad_factor")
        raise BadInput(case_texts.bad_factor_text())
    now = time.time()
    end_user = limiter.end_user(f"console:{user.name}")
    try:
        decision = await asyncio.to_thread(limiter.allowed, number, end_user, now)
    except LIMITER_ERRORS as error:  # without the count, no lookup: guessing must stay limited
        log.error("case attempt limiter unavailable: %s", type(error).__name__)
        await write("unavailable:limiter")
        return {"outcome": "unavailable", "case": None, "attempts_left": None,
                "text": case_texts.result_text(Unavailable(UnavailableReason.SERVER_ERROR), catalog, 0, hotline)}
    if not decision.allowed:
        await write("locked")
        raise TooMany(case_texts.locked_text(now + decision.retry_after, now, hotline,
                                             every_case=decision.scope == USER), retry_after=decision.retry_after)
    result = await client.alookup(number, verification, end_user)
    left = decision.attempts_left
    try:
        if isinstance(result, NotFoundOrMismatch):
            left = (await asyncio.to_thread(limiter.record_failure, number, end_user, now)).attempts_left
        elif isinstance(result, Found):
            await asyncio.to_thread(limiter.record_success, number, end_user)
    except LIMITER_ERRORS as error:
        log.error("case attempt limiter could not record the outcome: %s", type(error).__name__)
    outcome = _outcome(result)
    await write(outcome)
    return {"outcome": outcome.split(":")[0], "attempts_left": left,
            "case": _plain(result.case) if isinstance(result, Found) else None,
            "text": case_texts.result_text(result, catalog, left, hotline)}
