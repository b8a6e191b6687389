"""Failed case verifications per end user, across conversations: who may try again, and when.

A conversation is no unit of protection: /restart, a new session or a new sender id would reset a
count kept in slots. The assistant therefore records every failed verification (a lookup answered
"not found or mismatch") in the catalog database, per end user and case number, and asks
`AttemptLimiter.allowed` before each lookup:

- 3 failures by one end user for one case number within 15 minutes lock that end user out of that
  case (until the oldest of them is 15 minutes old);
- 10 failures by one end user over all case numbers within an hour lock that end user out of every
  case lookup.

Only the end user who failed is locked: a stranger's guesses never lock the owner (the case-status
API does the same per end user, and a correct receipt query code always works there). But a new
sender id is cheap, and a phone's last four digits are only 10,000 guesses, so:

- 10 failures on one case number by anyone within an hour pause verifying that case by phone tail,
  for everyone, until the oldest of them is an hour old (`tail_allowed`); its 8-character receipt
  query code still works, so strangers cannot lock the owner out.

The end user is a pseudonym, `end_user_id(sender_id)`: an HMAC of the person's part of the channel's
sender id under a server-side secret, never the raw id. Channels namespace sender ids
(``wx:{appid}:{openid}``); a channel that gives one person several conversations appends
``#<conversation>`` (``wx:{appid}:{openid}#2``), and all of them are one end user. The same pseudonym
goes to the case-status API in ``X-End-User``. Case numbers are stored as HMACs too. The
secret comes from ``END_USER_SALT``; without it, from a key file (``END_USER_KEY_FILE``, default
``var/end_user.key``) created with a random key on first use. Several action servers must share it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Engine

from bot.config import PROJECT_ROOT, settings
from bot.keyfile import read_or_create
from bot.process_wide import ProcessWide

DEFAULT_KEY_FILE = PROJECT_ROOT / "var" / "end_user.key"

metadata = MetaData()

failures = Table(
    "case_verification_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("end_user", String(64), nullable=False),
    Column("case_key", String(64), nullable=False),
    Column("failed_at", Float, nullable=False),
    Index("ix_case_verification_failures_user", "end_user", "failed_at"),
    Index("ix_case_verification_failures_time", "failed_at"),
)

CASE = "case"
USER = "user"
CASE_TAIL = "case_tail"  # the case's phone-tail verification, for everyone


@dataclass(frozen=True)
class Limits:
    """How many failures lock, and within which sliding windows (seconds)."""

    per_case: int = 3
    per_case_window: float = 15 * 60
    per_user: int = 10
    per_user_window: float = 60 * 60
    per_case_tail: int = 10  # failures on a case by anyone that pause its phone-tail verification
    per_case_tail_window: float = 60 * 60

    def __post_init__(self) -> None:
        if min(self.per_case, self.per_user, self.per_case_tail) < 1 or \
                min(self.per_case_window, self.per_user_window, self.per_case_tail_window) <= 0:
            raise ValueError("limits must be at least 1 and windows positive")

    @property
    def longest_window(self) -> float:
        """How long a failure can still count."""
        return max(self.per_case_window, self.per_user_window, self.per_case_tail_window)


@dataclass(frozen=True)
class Decision:
    """Whether the end user may look the case up now.

    ``retry_after``: whole seconds until the lock ends (0 when allowed). ``attempts_left``: failures
    still possible before a lock (for this case, or overall when no case was named). ``scope``:
    which limit locks, ``"case"`` (this case number) or ``"user"`` (every case), or ``"case_tail"``
    (verifying this case by phone tail, for everyone), None when allowed.
    """

    allowed: bool
    retry_after: int
    attempts_left: int
    scope: str | None = None


class AttemptLimiter:
    """Counts failed verifications in a SQL table (created on first use); safe across processes."""

    def __init__(self, engine: Engine, secret: bytes, limits: Limits | None = None) -> None:
        if not secret:
            raise ValueError("the end-user secret must not be empty")
        self.engine = engine
        self.limits = limits or Limits()
        self._secret = secret
        self._ready = False
        self._ready_lock = threading.Lock()

    def end_user(self, sender_id: str) -> str:
        """The pseudonym of a channel's sender id (see `end_user_id`)."""
        return end_user_id(sender_id, self._secret)

    def allowed(self, case_number: str | None, end_user: str, now: float) -> Decision:
        """May ``end_user`` try to verify ``case_number`` now? With no case number: any case."""
        case_times, user_times = self._failures(case_number, end_user, now)
        limits = self.limits
        waits: list[tuple[float, str]] = []
        if case_number is not None and len(case_times) >= limits.per_case:
            waits.append((case_times[len(case_times) - limits.per_case] + limits.per_case_window - now, CASE))
        if len(user_times) >= limits.per_user:
            waits.append((user_times[len(user_times) - limits.per_user] + limits.per_user_window - now, USER))
        if waits:
            wait, scope = max(waits)
            return Decision(False, max(1, math.ceil(wait)), 0, scope)
        left = limits.per_user - len(user_times)
        if case_number is not None:
            left = min(left, limits.per_case - len(case_times))
        return Decision(True, 0, left)

    def tail_allowed(self, case_number: str, now: float) -> Decision:
        """May anyone verify ``case_number`` by phone tail now? Not after `Limits.per_case_tail` failures on it
        by all end users together within its window (the query code is never paused so)."""
        self._ensure_table()
        since = now - self.limits.per_case_tail_window
        query = (select(failures.c.failed_at)
                 .where(failures.c.case_key == self._case_key(case_number), failures.c.failed_at > since,
                        failures.c.failed_at <= now)
                 .order_by(failures.c.failed_at))
        with self.engine.connect() as conn:
            times = conn.execute(query).scalars().all()
        limit = self.limits.per_case_tail
        if len(times) < limit:
            return Decision(True, 0, limit - len(times))
        wait = times[len(times) - limit] + self.limits.per_case_tail_window - now
        return Decision(False, max(1, math.ceil(wait)), 0, CASE_TAIL)

    def record_failure(self, case_number: str, end_user: str, now: float) -> Decision:
        """Count one failed verification; the decision for the next try."""
        self._ensure_table()
        horizon = now - self.limits.longest_window
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.failed_at <= horizon))
            conn.execute(
                insert(failures).values(end_user=end_user, case_key=self._case_key(case_number), failed_at=now)
            )
        return self.allowed(case_number, end_user, now)

    def record_success(self, case_number: str, end_user: str) -> None:
        """The end user proved to own the case: forget their failures on it (not the overall count)."""
        self._ensure_table()
        with self.engine.begin() as conn:
            conn.execute(
                delete(failures).where(
                    failures.c.end_user == end_user, failures.c.case_key == self._case_key(case_number)
                )
            )

    def _failures(self, case_number: str | None, end_user: str, now: float) -> tuple[list[float], list[float]]:
        """Times of this end user's failures on the case (per-case window) and overall (per-user window)."""
        self._ensure_table()
        since = now - self.limits.longest_window
        query = (
            select(failures.c.case_key, failures.c.failed_at)
            .where(failures.c.end_user == end_user, failures.c.failed_at > since, failures.c.failed_at <= now)
            .order_by(failures.c.failed_at)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        case_key = None if case_number is None else self._case_key(case_number)
        case_since = now - self.limits.per_case_window
        user_since = now - self.limits.per_user_window
        case_times = [r.failed_at for r in rows if r.case_key == case_key and r.failed_at > case_since]
        user_times = [r.failed_at for r in rows if r.failed_at > user_since]
        return case_times, user_times

    def _case_key(self, case_number: str) -> str:
        return hmac.new(self._secret, b"case\0" + case_number.encode(), hashlib.sha256).hexdigest()[:32]

    def _ensure_table(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                metadata.create_all(self.engine, checkfirst=True)
                self._ready = True


CONVERSATION_SEPARATOR = "#"


def end_user_id(sender_id: str, secret: bytes) -> str:
    """A stable pseudonym for the person behind a channel's sender id: ``u`` + 32 hex digits of an
    HMAC-SHA256 of the part before ``#`` (a conversation suffix is ignored), surrounding spaces removed.

    Matches the case-status API's ``X-End-User`` pattern; the raw id cannot be read back from it
    without the secret.
    """
    person = sender_id.split(CONVERSATION_SEPARATOR, 1)[0].strip()
    digest = hmac.new(secret, b"end-user\0" + person.encode("utf-8"), hashlib.sha256).hexdigest()
    return "u" + digest[:32]


def end_user_secret(environ: Mapping[str, str] | None = None) -> bytes:
    """The server-side secret: ``END_USER_SALT``, else the key file (created on first use)."""
    env = os.environ if environ is None else environ
    salt = env.get("END_USER_SALT", "").strip()
    if salt:
        return salt.encode("utf-8")
    return _key_file_secret(Path(env.get("END_USER_KEY_FILE") or DEFAULT_KEY_FILE))


def _key_file_secret(path: Path) -> bytes:
    """Derive the secret from the key file (created on first use with a random key)."""
    key = read_or_create(path, lambda: secrets.token_hex(32).encode("ascii"))
    return hashlib.sha256(b"onevisit end-user key\0" + key).digest()


def _configured_limiter() -> AttemptLimiter:
    from bot.catalog.db import engine_for

    return AttemptLimiter(engine_for(settings().database_url), end_user_secret())


_default = ProcessWide(_configured_limiter)


def get_limiter() -> AttemptLimiter:
    """The process-wide limiter on the catalog database (``DATABASE_URL``), created on first use."""
    return _default.get()


def set_limiter(limiter: AttemptLimiter | None) -> None:
    """Replace the process-wide limiter (tests use a temporary database); None: rebuild from env."""
    _default.replace(limiter)
