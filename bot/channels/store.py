"""The channels' small shared state, safe for several processes: SQLite (WAL) by default, PostgreSQL by URL.

- `first_time`: message de-duplication (a platform retries the same MsgId);
- `remember_result` / `recall_result`: the reply given to a message, for a retry of it;
- `save_options` / `load_options`: the numbered options last shown to a sender;
- `get_value` / `set_value`: small named values (e.g. a sync cursor);
- `access_token`: one platform access token for all processes, refreshed by exactly one of them.

Tables are prefixed ``channel_`` and live in their own MetaData; the engine is created on first use.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.sharedsql import shared_engine

metadata = MetaData()

once_table = Table(
    "channel_once",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("expires_at", Float, nullable=False, index=True),
)

results_table = Table(
    "channel_results",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

options_table = Table(
    "channel_options",
    metadata,
    Column("sender", String(255), primary_key=True),
    Column("options", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

values_table = Table(
    "channel_values",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

tokens_table = Table(
    "channel_tokens",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("token", Text, nullable=True),
    Column("usable_until", Float, nullable=False, default=0.0),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=False, default=0.0),
)

TOKEN_MARGIN_SECONDS = 300.0


class TokenUnavailable(RuntimeError):
    """No access token could be stored or read in time (another process holds the refresh lease)."""


def engine_for(url: str) -> Engine:
    """One engine per URL, the channel tables created (see bot.sharedsql)."""
    return shared_engine(url, metadata)



class ChannelStore:
    """The channels' shared state in one SQL database (see the module docstring)."""

    def __init__(self, url: str, *, lease_seconds: float = 15.0, wait_seconds: float = 20.0) -> None:
        self.url = url
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds

    @classmethod
    def from_env(cls) -> ChannelStore:
        """The store at CHANNEL_DATABASE_URL, or else the project's database (DATABASE_URL)."""
        url = os.environ.get("CHANNEL_DATABASE_URL", "").strip()
        if not url:
            from bot.config import settings

            url = settings().database_url
        return cls(url)

    @property
    def engine(self) -> Engine:
        return engine_for(self.url)

    # --- de-duplication and cached replies -------------------------------------------------------

    def first_time(self, key: str, ttl_seconds: int) -> bool:
        """True only for the first caller with ``key`` within ``ttl_seconds`` (atomic across processes)."""
        now = time.time()
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(once_table).where(once_table.c.expires_at < now))
                conn.execute(insert(once_table).values(key=key, expires_at=now + ttl_seconds))
        except IntegrityError:
            return False
        return True

    def remember_result(self, key: str, value: str, ttl_seconds: int) -> None:
        """Keep ``value`` (e.g. the passive reply to a message) for ``ttl_seconds``."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(results_table).where(or_(results_table.c.expires_at < now, results_table.c.key == key)))
            conn.execute(insert(results_table).values(key=key, value=value, expires_at=now + ttl_seconds))

    def recall_result(self, key: str) -> str | None:
        """The value remembered for ``key`` while it has not expired."""
        query = select(results_table.c.value).where(
            results_table.c.key == key, results_table.c.expires_at >= time.time()
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    # --- numbered options per sender -------------------------------------------------------------

    def save_options(self, sender: str, options: list[dict[str, Any]]) -> None:
        """Remember the options last shown to ``sender``; an empty list clears them."""
        with self.engine.begin() as conn:
            conn.execute(delete(options_table).where(options_table.c.sender == sender))
            if options:
                payload = json.dumps(options, ensure_ascii=False)
                conn.execute(insert(options_table).values(sender=sender, options=payload, updated_at=time.time()))

    def load_options(self, sender: str) -> list[dict[str, Any]]:
        """The options last shown to ``sender`` ([] when none)."""
        with self.engine.connect() as conn:
            raw = conn.execute(select(options_table.c.options).where(options_table.c.sender == sender)).scalar()
        if not raw:
            return []
        try:
            options = json.loads(raw)
        except ValueError:
            return []
        return [option for option in options if isinstance(option, dict)] if isinstance(options, list) else []

    # --- named values ----------------------------------------------------------------------------

    def get_value(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(values_table.c.value).where(values_table.c.key == key)).scalar()

    def set_value(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing any earlier one)."""
        with self.engine.begin() as conn:
            changed = conn.execute(update(values_table).where(values_table.c.key == key).values(value=value))
            if changed.rowcount:
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(values_table).values(key=key, value=value))
        except IntegrityError:
            with self.engine.begin() as conn:
                conn.execute(update(values_table).where(values_table.c.key == key).values(value=value))

    # --- one access token for all processes ------------------------------------------------------

    def access_token(self, key: str, fetch: Callable[[], tuple[str, int]]) -> str:
        """A stored token still valid for a few minutes, or a new one fetched by exactly one process.

        The process that wins the lease row calls ``fetch()`` (returning the token and its lifetime in
        seconds) and stores the result; the others wait and read it. Errors of ``fetch`` reach the caller
        that called it; waiting callers raise `TokenUnavailable` after ``wait_seconds``.
        """
        self._ensure_token_row(key)
        owner = f"{os.getpid()}-{uuid.uuid4().hex[:16]}"
        deadline = time.monotonic() + self.wait_seconds
        pause = 0.05
        while True:
            token = self._valid_token(key)
            if token:
                return token
            if self._take_lease(key, owner):
                return self._refresh(key, owner, fetch)
            if time.monotonic() > deadline:
                raise TokenUnavailable(f"no access token for {key!r} in {self.wait_seconds:.0f} s")
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)

    def invalidate_token(self, key: str, token: str) -> None:
        """Forget ``token`` (the platform called it invalid or expired) unless a newer one replaced it."""
        with self.engine.begin() as conn:
            conn.execute(
                update(tokens_table)
                .where(tokens_table.c.key == key, tokens_table.c.token == token)
                .values(token=None, usable_until=0.0)
            )

    def _ensure_token_row(self, key: str) -> None:
        with self.engine.connect() as conn:
            exists = conn.execute(select(tokens_table.c.key).where(tokens_table.c.key == key)).first()
        if exists:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(tokens_table).values(key=key, token=None, usable_until=0.0, lease_until=0.0))
        except IntegrityError:
            pass

    def _valid_token(self, key: str) -> str | None:
        query = select(tokens_table.c.token).where(
            tokens_table.c.key == key, tokens_table.c.usable_until > time.time()
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def _take_lease(self, key: str, owner: str) -> bool:
        now = time.time()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(tokens_table)
                .where(tokens_table.c.key == key, tokens_table.c.lease_until < now)
                .values(lease_owner=owner, lease_until=now + self.lease_seconds)
            )
            return taken.rowcount == 1

    def _refresh(self, key: str, owner: str, fetch: Callable[[], tuple[str, int]]) -> str:
        try:
            token = self._valid_token(key)  # another process may have stored one just before our lease
            if token:
                return token
            token, expires_in = fetch()
            margin = min(TOKEN_MARGIN_SECONDS, max(float(expires_in), 0.0) / 2)
            usable_until = time.time() + float(expires_in) - margin
            with self.engine.begin() as conn:
                conn.execute(
                    update(tokens_table)
                    .where(tokens_table.c.key == key)
                    .values(token=token, usable_until=usable_until)
                )
            return token
        finally:
            with self.engine.begin() as conn:
                conn.execute(
                    update(tokens_table)
                    .where(tokens_table.c.key == key, tokens_table.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=0.0)
                )
