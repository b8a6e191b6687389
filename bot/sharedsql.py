"""SQL engines that several processes share: one per URL and table set, tables created, SQLite made safe for it."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError


@lru_cache(maxsize=16)
def shared_engine(url: str, metadata: MetaData) -> Engine:
    """One engine per URL and table set, with `metadata`'s tables created.

    SQLite gets WAL and a busy timeout so that the edge, Rasa's channels, the action server and the console can
    write to one file; PostgreSQL gets a connect timeout. The SQLite file's folder is created when missing.
    """
    parsed = make_url(url)
    is_sqlite = parsed.drivername.startswith("sqlite")
    if is_sqlite and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {}
    if is_sqlite:
        connect_args = {"timeout": 30, "check_same_thread": False}
    elif parsed.drivername.startswith("postgresql"):
        connect_args = {"connect_timeout": 10}
    engine = create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    create_tables(engine, metadata)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """Create the missing tables and add the nullable columns a newer release gave them; a second process
    racing on the same database just tries again."""
    for attempt in range(3):
        try:
            metadata.create_all(engine)
            add_missing_columns(engine, metadata)
            return
        except DBAPIError:
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


def add_missing_columns(engine: Engine, metadata: MetaData) -> None:
    """Add to existing tables the columns `metadata` has and the database lacks (a database made by an older
    release). Only a nullable column can be added so; any other is a change this cannot make, and says so."""
    inspector = inspect(engine)
    preparer = engine.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"table {table.name} lacks column {column.name}, which cannot be added "
                                   "without a value: migrate the database")
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {preparer.quote(table.name)} "
                                  f"ADD COLUMN {preparer.quote(column.name)} {kind}"))
