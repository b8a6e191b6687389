"""Database engines, created on demand (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from bot.catalog.tables import metadata


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL; the SQLite file's folder is created when missing; tables are created."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine
