"""好差评: one rating per answer, five levels, reasons to pick from, no personal data.

Levels (the national 好差评 scale), as the Rasa side shows them as buttons::

    1 非常满意   2 满意   3 基本满意   4 不满意   5 非常不满意

Levels 1-3 count as satisfied (satisfaction % = levels 1-3 over all ratings); 4-5 are low ratings, and the
question they answered (when the Rasa side passes it) is listed for the maintainers. Reasons, for levels 4-5
(any level may carry them): `REASONS`. Free text and the question are masked with `bot.privacy` before they are
stored; an answer can be rated once (a second rating is refused with `AlreadyRated`).

From the Rasa side::

    from bot.console.ratings import LEVELS, REASONS, record_rating, AlreadyRated
    record_rating(answer_id, 4, affair="id-card-reissue", channel="web", district="330106",
                  reasons=["材料说得不清楚"], text=None, question="身份证丢了怎么补办")
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.console import store
from bot.console.errors import BadInput, Conflict
from bot.privacy.logfilter import mask_for_log
from bot.process_wide import ProcessWide
from bot.resolver.text import normalize

LEVELS: dict[int, str] = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
SATISFIED = frozenset({1, 2, 3})
LOW = frozenset({4, 5})
REASONS: tuple[str, ...] = ("材料说得不清楚", "地点或时间不对", "没听懂我的问题", "办事太麻烦", "其他")
UNRESOLVED, LOW_RATED = "unresolved", "low_rated"
MAX_TEXT = 500


class AlreadyRated(Conflict):
    """The answer was rated before: one rating per answer."""


@dataclass(frozen=True)
class Rating:
    """A stored rating."""

    answer_id: str
    level: int
    label: str
    affair: str
    channel: str
    district: str
    reasons: tuple[str, ...]
    text: str | None
    created_at: float


def level_label(level: int) -> str:
    """非常满意 .. 非常不满意."""
    return LEVELS[level]


def text_key(text: str) -> str:
    """The key under which equal questions (after normalisation) are counted together."""
    return hashlib.sha256(normalize(text).encode()).hexdigest()


def count_question(conn: Connection, kind: str, text: str, now: float, affair: str = "", times: int = 1) -> None:
    """Count a masked question of ``kind`` (unresolved or low_rated) once more."""
    table = store.questions
    key = text_key(text)
    changed = conn.execute(update(table).where(table.c.kind == kind, table.c.text_key == key).values(
        count=table.c.count + times, last_seen=now)).rowcount
    if not changed:
        conn.execute(insert(table).values(kind=kind, text_key=key, text=text[:300], affair=affair[:80],
                                          count=times, first_seen=now, last_seen=now, status="open"))


def _short(value: Any, limit: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{what} 需要是一段文字。")
    return value.strip()[:limit]


class Ratings:
    """Ratings in the console database."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time, zone: str = "Asia/Shanghai") -> None:
        self.engine = engine
        self.clock = clock
        self.zone = zone

    def record(self, answer_id: str, level: int, affair: str | None, channel: str | None, district: str | None,
               reasons: list[str] | None = None, text: str | None = None, question: str | None = None) -> Rating:
        """Store one rating for ``answer_id``; `AlreadyRated` for a second one, BadInput for a bad value."""
        if not isinstance(answer_id, str) or not answer_id.strip() or len(answer_id) > 128:
            raise BadInput("answer_id 需要是 1 到 128 个字符。")
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise BadInput("评价等级需要是 1（非常满意）到 5（非常不满意）之间的整数。")
        chosen = list(reasons or [])
        if not all(isinstance(r, str) for r in chosen) or set(chosen) - set(REASONS):
            raise BadInput("原因只能从这几项中选：" + "、".join(REASONS) + "。")
        chosen = list(dict.fromkeys(chosen))
        comment = mask_for_log(_short(text, MAX_TEXT, "text")) or None
        asked = mask_for_log(" ".join(_short(question, 300, "question").split())) or None
        now = self.clock()
        row = {"answer_id": answer_id.strip(), "level": level, "affair": _short(affair, 80, "affair"),
               "channel": _short(channel, 40, "channel"), "district": _short(district, 40, "district"),
               "reasons": chosen, "text": comment, "question": asked, "created_at": now}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(store.ratings).values(**row))
                if level in LOW and asked:
                    count_question(conn, LOW_RATED, asked, now, row["affair"])
        except IntegrityError:
            raise AlreadyRated("这条答复已经评价过了，感谢您的反馈。") from None
        return Rating(row["answer_id"], level, LEVELS[level], row["affair"], row["channel"], row["district"],
                      tuple(chosen), comment, now)

    def summary(self, since: str | None = None, until: str | None = None) -> dict[str, Any]:
        """Counts per level and reason and the satisfaction % for the days ``since``..``until`` (inclusive)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(store.ratings.c.level, store.ratings.c.reasons, store.ratings.c.created_at)
                                ).all()
        levels = dict.fromkeys(LEVELS, 0)
        reasons = dict.fromkeys(REASONS, 0)
        for level, chosen, created in rows:
            day = store.local_day(created, self.zone)
            if (since and day < since) or (until and day > until):
                continue
            levels[level] += 1
            for reason in chosen or []:
                if reason in reasons:
                    reasons[reason] += 1
        total = sum(levels.values())
        satisfied = sum(levels[level] for level in SATISFIED)
        return {"total": total, "satisfaction": round(100 * satisfied / total, 1) if total else None,
                "levels": [{"level": k, "label": LEVELS[k], "count": v} for k, v in levels.items()],
                "reasons": [{"reason": k, "count": v} for k, v in reasons.items()]}

    def recent(self, limit: int = 50, low_only: bool = False) -> list[dict[str, Any]]:
        """The newest ratings, newest first (only the low ones, 不满意 and 非常不满意, with ``low_only``)."""
        table = store.ratings
        query = select(table).order_by(table.c.created_at.desc()).limit(max(1, min(limit, 500)))
        if low_only:
            query = query.where(table.c.level.in_(sorted(LOW)))
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().all()
        return [{"answer_id": r["answer_id"], "level": r["level"], "label": LEVELS[r["level"]], "affair": r["affair"],
                 "channel": r["channel"], "district": r["district"], "reasons": r["reasons"], "text": r["text"],
                 "question": r["question"], "at": store.iso(r["created_at"], self.zone)} for r in found]


def _configured_ratings() -> Ratings:
    from bot.console.settings import load_settings

    config = load_settings()
    return Ratings(store.engine_for(config.database_url), zone=config.timezone)


_default = ProcessWide(_configured_ratings)


def default_ratings() -> Ratings:
    """Ratings in the configured console database, created on first use."""
    return _default.get()


def record_rating(answer_id: str, level: int, affair: str | None, channel: str | None, district: str | None,
                  reasons: list[str] | None = None, text: str | None = None, question: str | None = None) -> Rating:
    """`Ratings.record` on the default store."""
    return default_ratings().record(answer_id, level, affair, channel, district, reasons, text, question)
