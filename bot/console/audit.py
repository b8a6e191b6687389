"""The audit log: who did what sensitive thing to which (masked) object, when, with which outcome."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.console import store
from bot.privacy.logfilter import mask_for_log

CASE_LOOKUP = "case_lookup"
REVEAL_PHONE = "reveal_phone"
ASSIGN_QUESTION = "assign_question"
OUT_OF_SCOPE = "mark_out_of_scope"
ASK_BETWEEN = "ask_between"
TWO_AFFAIRS = "two_affairs"
ADD_USER = "add_user"


class Audit:
    """Append-only rows in ``console_audit``."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    def write(self, user_name: str, action: str, target: str, outcome: str, detail: str | None = None) -> int:
        """Record one action; the target and detail are masked once more, whatever the caller did."""
        row = {"at": self.clock(), "user_name": user_name[:64], "action": action[:40],
               "target": mask_for_log(target)[:200], "outcome": outcome[:60],
               "detail": mask_for_log(detail)[:2000] if detail else None}
        with self.engine.begin() as conn:
            return int(conn.execute(insert(store.audit).values(**row)).inserted_primary_key[0])

    def rows(self, limit: int = 100, before: int | None = None, action: str | None = None,
             zone: str = "Asia/Shanghai") -> list[dict[str, Any]]:
        """The newest rows first; ``before`` (an id) pages back."""
        table = store.audit
        query = select(table).order_by(table.c.id.desc()).limit(max(1, min(limit, 500)))
        if before is not None:
            query = query.where(table.c.id < before)
        if action:
            query = query.where(table.c.action == action)
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().all()
        return [{"id": r["id"], "at": store.iso(r["at"], zone), "user": r["user_name"], "action": r["action"],
                 "target": r["target"], "outcome": r["outcome"], "detail": r["detail"]} for r in found]
