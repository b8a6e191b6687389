"""Analytics from Rasa's SQL tracker store: per day and per affair, and the questions the assistant could not place.

`Analytics.refresh` (``python -m bot.console analytics refresh``) reads Rasa's ``events`` table
(``TRACKER_STORE_URL``; columns id, sender_id, type_name, timestamp, intent_name, action_name, data JSON)
incrementally, from the last event id it read (kept in ``console_state``), and follows each conversation
(a Rasa session: from ``action_session_start`` to the next one, or until it has been idle for an hour) in
``console_analytics_sessions``, keyed by an HMAC of the sender id, never the id. What it counts, per session:

Only sessions with at least one user message count as conversations.

- **resolved**: the ``affair`` slot was set (the session is attributed to the first affair it settled on; the
  affair ``""`` holds the sessions that named none);
- **clarified**: the ``affair_state`` slot was set to ``clarify`` (the person was asked to choose);
- **abstained**: the assistant said it does not handle this (`bot.dialogue.turns.not_mine_text`, or, in
  conversations recorded before the resolver answered the classifier's out_of_scope too, the
  ``utter_out_of_scope`` response);
- **turns to the guide**: user messages before the first full guide (a bot event whose ``data.custom.type`` is
  ``onevisit.guide``), averaged over the sessions that got one.

Unresolved questions, counted by their masked text: the user message just before a not-mine answer, and the one
that led to a choice (clarify) that was never answered (no affair settled before the session ended). Handoffs
per day and affair come from the console's own tickets, ratings and satisfaction (levels 1-3 of all) from
``console_ratings``; the daily table ``console_analytics_daily`` is rebuilt from these at every refresh.
Low-rated questions are counted as ratings arrive (`bot.console.ratings`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url

from bot.console import store
from bot.console.errors import Conflict
from bot.console.ratings import SATISFIED, UNRESOLVED, count_question
from bot.dialogue.guide import GUIDE_TYPE
from bot.dialogue.turns import not_mine_text
from bot.privacy.logfilter import mask_for_log

log = logging.getLogger(__name__)

LAST_EVENT_KEY = "analytics.last_event_id"
LEASE_KEY = "analytics.refresh_lease"
LEASE_SECONDS = 600.0
OUT_OF_SCOPE_UTTERANCE = "utter_out_of_scope"  # no longer in the domain; older tracker events still carry it
IDLE_SECONDS = 3600.0  # Rasa's session expiry in domain.yml (60 minutes)
METRICS = ("conversations", "resolved", "clarified", "abstained", "handed_off", "guided", "guide_turns", "ratings",
           "satisfied")

_tracker = MetaData()
events = Table(
    "events", _tracker,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
"""Rasa's ``events`` table (rasa/core/tracker_store.py), read only: never created here."""


@dataclass
class Session:
    """One conversation being followed (a row of ``console_analytics_sessions``)."""

    sender_key: str
    started_at: float
    day: str
    last_event_at: float
    id: int | None = None
    affair: str = ""
    user_turns: int = 0
    guide_turns: int | None = None
    resolved: bool = False
    clarified: bool = False
    abstained: bool = False
    last_user_text: str | None = None
    pending_clarify: str | None = None
    finished: bool = False

    def row(self) -> dict[str, Any]:
        return {"sender_key": self.sender_key, "started_at": self.started_at, "day": self.day,
                "affair": self.affair, "user_turns": self.user_turns, "guide_turns": self.guide_turns,
                "resolved": self.resolved, "clarified": self.clarified, "abstained": self.abstained,
                "last_user_text": self.last_user_text, "pending_clarify": self.pending_clarify,
                "last_event_at": self.last_event_at, "finished": self.finished}


@dataclass
class RefreshReport:
    """What one refresh read and found."""

    events: int = 0
    sessions_started: int = 0
    sessions_finished: int = 0
    unresolved: int = 0
    last_event_id: int = 0
    tracker_found: bool = True
    unresolved_texts: list[str] = field(default_factory=list, repr=False)


def _json(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _custom(data: dict[str, Any]) -> Any:
    """The custom payload of a bot event: ``data.data.custom`` as Rasa stores it (``data.custom`` also read)."""
    inner = data.get("data")
    if isinstance(inner, dict) and inner.get("custom") is not None:
        return inner.get("custom")
    return data.get("custom")


class Analytics:
    """Reads the tracker store into the console database and answers the console's analytics questions."""

    def __init__(self, engine: Engine, tracker_url: str, secret: bytes, hotline: str = "12345",
                 zone: str = "Asia/Shanghai", clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.tracker_url = tracker_url
        self._secret = secret
        self.not_mine = not_mine_text(hotline).strip()
        self.zone = zone
        self.clock = clock

    def sender_key(self, sender_id: str) -> str:
        """The keyed hash a conversation is followed under."""
        return hmac.new(self._secret, b"analytics\0" + sender_id.encode(), hashlib.sha256).hexdigest()[:40]

    # --- reading the tracker store ----------------------------------------------------------------------------

    def _tracker_engine(self) -> Engine | None:
        parsed = make_url(self.tracker_url)
        if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:") \
                and not Path(parsed.database).exists():
            return None  # no conversation stored yet (connecting would create an empty file)
        engine = create_engine(self.tracker_url, future=True)
        if not inspect(engine).has_table(events.name):
            engine.dispose()
            return None
        return engine

    def refresh(self, *, idle_seconds: float = IDLE_SECONDS, batch: int = 2000, now: float | None = None
                ) -> RefreshReport:
        """Read the new events, follow their conversations, count unresolved questions, rebuild the daily table."""
        now = self.clock() if now is None else now
        if not self._lease(now, take=True):
            raise Conflict("另一次统计刷新正在进行，请稍后再试。")
        try:
            return self._refresh(now, idle_seconds, batch)
        finally:
            self._lease(now, take=False)

    def _lease(self, now: float, *, take: bool) -> bool:
        """Take (or give back) the right to refresh: one refresh at a time over all processes (10-minute lease)."""
        with self.engine.begin() as conn:
            held = conn.execute(select(store.state.c.value).where(store.state.c.key == LEASE_KEY)).scalar()
            if take and held is not None and float(held) > now:
                return False
            _set_state(conn, LEASE_KEY, str(now + LEASE_SECONDS if take else 0.0))
        return True

    def _refresh(self, now: float, idle_seconds: float, batch: int) -> RefreshReport:
        report = RefreshReport()
        with self.engine.connect() as conn:
            last = int(conn.execute(select(store.state.c.value).where(store.state.c.key == LAST_EVENT_KEY)
                                    ).scalar() or 0)
            open_sessions = {s.sender_key: s for s in map(_session, conn.execute(
                select(store.sessions).where(store.sessions.c.finished.is_(False))).mappings())}
        report.last_event_id = last
        tracker = self._tracker_engine()
        report.tracker_found = tracker is not None
        if tracker is not None:
            try:
                while True:
                    with tracker.connect() as conn:
                        rows = conn.execute(select(events).where(events.c.id > report.last_event_id)
                                            .order_by(events.c.id).limit(batch)).all()
                    if not rows:
                        break
                    touched: dict[str, Session] = {}
                    unresolved: list[tuple[str, float]] = []
                    for row in rows:
                        self._follow(row, open_sessions, touched, unresolved, report)
                    report.last_event_id = rows[-1].id
                    report.events += len(rows)
                    self._save(touched, unresolved, report)
                    open_sessions = {k: s for k, s in open_sessions.items() if not s.finished}
                    if len(rows) < batch:
                        break
            finally:
                tracker.dispose()
        idle = {k: s for k, s in open_sessions.items() if s.last_event_at <= now - idle_seconds}
        unresolved = []
        for session in idle.values():
            self._finish(session, unresolved)
        if idle:
            self._save(idle, unresolved, report)
        report.sessions_finished += len(idle)
        self.rebuild_daily()
        return report

    def _follow(self, row: Any, open_sessions: dict[str, Session], touched: dict[str, Session],
                unresolved: list[tuple[str, float]], report: RefreshReport) -> None:
        """Apply one tracker event to its conversation."""
        key = self.sender_key(row.sender_id)
        ts = float(row.timestamp or 0.0)
        session = open_sessions.get(key)
        starts = row.type_name == "action" and row.action_name == "action_session_start"
        if session is not None and starts:
            self._finish(session, unresolved)
            touched[f"{key}#{session.started_at}"] = session
            report.sessions_finished += 1
            session = None
        if session is None:
            session = Session(key, ts, store.local_day(ts, self.zone), ts)
            open_sessions[key] = session
            report.sessions_started += 1
        touched[f"{key}#{session.started_at}"] = session
        session.last_event_at = max(session.last_event_at, ts)
        if starts:
            return
        data = _json(row.data)
        if row.type_name == "user":
            session.user_turns += 1
            text = str(data.get("text") or "").strip()
            if text and not text.startswith("/"):  # a button's payload is no question
                session.last_user_text = mask_for_log(" ".join(text.split()))[:300]
        elif row.type_name == "bot":
            custom = _custom(data)
            if isinstance(custom, dict) and custom.get("type") == GUIDE_TYPE and session.guide_turns is None:
                session.guide_turns = session.user_turns
            metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
            said = str(data.get("text") or "").strip()
            if said == self.not_mine or metadata.get("utter_action") == OUT_OF_SCOPE_UTTERANCE:
                session.abstained = True
                if session.last_user_text:
                    unresolved.append((session.last_user_text, ts))
        elif row.type_name == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "affair" and value:
                session.resolved = True
                session.affair = session.affair or str(value)[:80]
                session.pending_clarify = None
            elif name == "affair_state" and value == "clarify":
                session.clarified = True
                if session.pending_clarify and session.pending_clarify != session.last_user_text:
                    unresolved.append((session.pending_clarify, ts))  # asked to choose again: never answered
                session.pending_clarify = session.last_user_text

    @staticmethod
    def _finish(session: Session, unresolved: list[tuple[str, float]]) -> None:
        """The conversation is over: a choice still unanswered makes its question unresolved; texts are dropped."""
        if session.pending_clarify:
            unresolved.append((session.pending_clarify, session.last_event_at))
        session.pending_clarify = None
        session.last_user_text = None
        session.finished = True

    def _save(self, touched: dict[str, Session], unresolved: list[tuple[str, float]], report: RefreshReport) -> None:
        """Write the sessions, the counted questions and the last event id in one transaction."""
        with self.engine.begin() as conn:
            for session in touched.values():
                if session.id is None:
                    session.id = int(conn.execute(insert(store.sessions).values(**session.row())
                                                  ).inserted_primary_key[0])
                else:
                    conn.execute(update(store.sessions).where(store.sessions.c.id == session.id)
                                 .values(**session.row()))
            for text, ts in unresolved:
                count_question(conn, UNRESOLVED, text, ts)
            _set_state(conn, LAST_EVENT_KEY, str(report.last_event_id))
        report.unresolved += len(unresolved)
        report.unresolved_texts += [t for t, _ in unresolved]

    # --- the daily table ----------------------------------------------------------------------------------------

    def rebuild_daily(self) -> None:
        """Recompute ``console_analytics_daily`` from the sessions, the tickets and the ratings."""
        totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
        with self.engine.begin() as conn:
            for s in conn.execute(select(store.sessions.c.day, store.sessions.c.affair, store.sessions.c.resolved,
                                         store.sessions.c.clarified, store.sessions.c.abstained,
                                         store.sessions.c.guide_turns)
                                  .where(store.sessions.c.user_turns > 0)).all():  # a session nobody spoke in
                cell = totals[(s.day, s.affair or "")]
                cell["conversations"] += 1
                cell["resolved"] += bool(s.resolved)
                cell["clarified"] += bool(s.clarified)
                cell["abstained"] += bool(s.abstained)
                if s.guide_turns is not None:
                    cell["guided"] += 1
                    cell["guide_turns"] += int(s.guide_turns)
            for created, affair in conn.execute(select(store.handoffs.c.created_at, store.handoffs.c.affair)).all():
                totals[(store.local_day(created, self.zone), affair or "")]["handed_off"] += 1
            for created, affair, level in conn.execute(select(store.ratings.c.created_at, store.ratings.c.affair,
                                                              store.ratings.c.level)).all():
                cell = totals[(store.local_day(created, self.zone), affair or "")]
                cell["ratings"] += 1
                cell["satisfied"] += level in SATISFIED
            conn.execute(delete(store.daily))
            if totals:
                conn.execute(insert(store.daily), [{"day": d, "affair": a, **m} for (d, a), m in totals.items()])

    def daily(self, since: str | None = None, until: str | None = None, affair: str | None = None
              ) -> dict[str, Any]:
        """Rows per day and affair in ``since``..``until`` (inclusive), and the totals over them."""
        table = store.daily
        query = select(table).order_by(table.c.day, table.c.affair)
        if since:
            query = query.where(table.c.day >= since)
        if until:
            query = query.where(table.c.day <= until)
        if affair is not None:
            query = query.where(table.c.affair == affair)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        total = dict.fromkeys(METRICS, 0)
        for row in rows:
            for name in METRICS:
                total[name] += row[name]
        return {"rows": [{"day": r["day"], "affair": r["affair"], **_metrics(r)} for r in rows],
                "totals": _metrics(total)}

    def questions(self, kind: str | None = None, status: str | None = "open", limit: int = 100
                  ) -> list[dict[str, Any]]:
        """Unresolved and low-rated questions, the most frequent first."""
        table = store.questions
        query = select(table).order_by(table.c.count.desc(), table.c.last_seen.desc()).limit(max(1, min(limit, 500)))
        if kind:
            query = query.where(table.c.kind == kind)
        if status:
            query = query.where(table.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{"id": r["id"], "kind": r["kind"], "text": r["text"], "affair": r["affair"], "count": r["count"],
                 "first_seen": store.iso(r["first_seen"], self.zone), "last_seen": store.iso(r["last_seen"], self.zone),
                 "status": r["status"], "resolution": r["resolution"], "handled_by": r["handled_by"]} for r in rows]


def _metrics(row: Any) -> dict[str, Any]:
    """The shown metrics of a daily row (or of a sum of them)."""
    guided, ratings = row["guided"], row["ratings"]
    return {"conversations": row["conversations"], "resolved": row["resolved"], "clarified": row["clarified"],
            "abstained": row["abstained"], "handed_off": row["handed_off"], "guided": guided,
            "avg_turns_to_guide": round(row["guide_turns"] / guided, 2) if guided else None,
            "ratings": ratings, "satisfaction": round(100 * row["satisfied"] / ratings, 1) if ratings else None}


def _session(row: Any) -> Session:
    return Session(row["sender_key"], row["started_at"], row["day"], row["last_event_at"], row["id"], row["affair"],
                   row["user_turns"], row["guide_turns"], bool(row["resolved"]), bool(row["clarified"]),
                   bool(row["abstained"]), row["last_user_text"], row["pending_clarify"], bool(row["finished"]))


def _set_state(conn: Connection, key: str, value: str) -> None:
    if conn.execute(update(store.state).where(store.state.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(insert(store.state).values(key=key, value=value))


def analytics_secret() -> bytes:
    """The key of the sender hashes, derived from the vault key (``ONEVISIT_VAULT_KEY`` or var/vault.key)."""
    from bot.privacy.vault import vault_key

    return hashlib.sha256(b"onevisit console analytics\0" + vault_key()).digest()

