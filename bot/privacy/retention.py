"""Retention: conversation events older than N days deleted from Rasa's SQL tracker store.

Rasa's `SQLTrackerStore` keeps one row per event in the table ``events`` (``sender_id``, ``timestamp``
as a Unix time float, ``data`` as JSON; see rasa/core/tracker_store.py). `purge_older_than` deletes the
rows whose timestamp is older than the cut-off, in one transaction; a conversation whose every event is
that old is gone entirely. Sessions expire after 60 idle minutes (domain.yml), so the events deleted
belong to finished sessions unless a session has been going on for N days.

``python -m bot privacy purge [--days N]`` runs it on ``TRACKER_STORE_URL`` (default N:
``CONVERSATION_RETENTION_DAYS``, else 30); a scheduler (cron, a Kubernetes CronJob) calls that, or
`purge_older_than(url, days)` directly.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Final

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, delete, func, inspect, select
from sqlalchemy.engine import make_url

RETENTION_ENV: Final = "CONVERSATION_RETENTION_DAYS"
DEFAULT_DAYS: Final = 30.0
DAY: Final = 24 * 60 * 60
_CHUNK: Final = 500

_metadata = MetaData()
events = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("timestamp", Float),
)
"""The columns of Rasa's ``events`` table that retention reads (the table is Rasa's: never created here)."""


def retention_days() -> float:
    """``CONVERSATION_RETENTION_DAYS`` (default 30); a positive number of days."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    days = float(raw) if raw else DEFAULT_DAYS
    if not days > 0:
        raise ValueError(f"{RETENTION_ENV} must be a positive number of days, not {raw!r}")
    return days


def tracker_store_url() -> str:
    """``TRACKER_STORE_URL`` (default: the embedded SQLite file var/tracker.db)."""
    from bot.config import PROJECT_ROOT

    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"


def safe_url(url: str) -> str:
    """The URL with its password hidden, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def purge_older_than(url: str, days: float, now: float | None = None) -> tuple[int, int]:
    """Delete tracker-store events older than ``days`` days; (conversations removed entirely, events removed).

    A database without an ``events`` table (no conversation stored yet) has nothing to delete.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    cutoff = (time.time() if now is None else now) - days * DAY
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        return 0, 0  # no tracker store yet (and connecting would create an empty file)
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table(events.name):
            return 0, 0
        old = events.c.timestamp < cutoff
        with engine.begin() as conn:
            touched = list(conn.execute(select(events.c.sender_id).where(old).distinct()).scalars())
            removed = int(conn.execute(delete(events).where(old)).rowcount or 0)
            remaining = 0
            for start in range(0, len(touched), _CHUNK):
                chunk = touched[start:start + _CHUNK]
                remaining += int(conn.execute(select(func.count(func.distinct(events.c.sender_id)))
                                              .where(events.c.sender_id.in_(chunk))).scalar_one())
        return len(touched) - remaining, removed
    finally:
        engine.dispose()
