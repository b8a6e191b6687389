"""The console's tables (prefixed ``console_``) and its database engine: SQLite by default, PostgreSQL by URL.

Tables are created on first use of an engine (`engine_for`), never at import. Everything the service knows
lives here, so the queue, the messages and the outboxes survive a restart and are shared by several processes.
Times are Unix seconds (float). Texts from citizens are stored masked (`bot.privacy`), callback phone numbers
encrypted (`bot.console.secrets`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Engine

from bot.sharedsql import create_tables as shared_create_tables
from bot.sharedsql import shared_engine

metadata = MetaData()

users = Table(
    "console_users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("roles", String(100), nullable=False),  # comma-separated: agent,supervisor,maintainer
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "console_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the bearer token, never the token
    Column("user_id", Integer, nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

login_failures = Table(
    "console_login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("name_key", String(64), nullable=False),  # sha256 of the lower-cased login name
    Column("failed_at", Float, nullable=False),
    Index("ix_console_login_failures_name", "name_key", "failed_at"),
)

handoffs = Table(
    "console_handoffs", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", String(255), nullable=False, index=True),
    # the sender while the ticket is open (queued or taken), NULL afterwards: one open ticket per sender
    Column("open_sender", String(255), nullable=True, unique=True),
    Column("channel", String(40), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # queued | taken | handed_back | closed
    Column("reason", String(200), nullable=False),
    Column("summary", JSON, nullable=False),  # masked, see bot.console.handoff.clean_summary
    Column("affair", String(80), nullable=False, default=""),
    Column("agent_id", Integer, nullable=True),
    Column("agent_name", String(64), nullable=True),
    Column("created_at", Float, nullable=False, index=True),
    Column("taken_at", Float, nullable=True),
    Column("ended_at", Float, nullable=True),
)

messages = Table(
    "console_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, nullable=False, index=True),
    Column("sender", String(255), nullable=False),
    Column("seq", Integer, nullable=False),  # per sender, 1, 2, 3 ...: what the citizen's channel polls after
    Column("who", String(10), nullable=False),  # citizen | agent | system | note (agents only)
    Column("event", String(20), nullable=True),  # system messages: queued | taken | handed_back | closed
    Column("text", Text, nullable=False),
    Column("agent_name", String(64), nullable=True),
    Column("position", Integer, nullable=True),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("sender", "seq", name="uq_console_messages_sender_seq"),
)

left_messages = Table(
    "console_left_messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", String(255), nullable=False, index=True),
    Column("channel", String(40), nullable=False),
    Column("text", Text, nullable=False),  # masked
    Column("phone_cipher", Text, nullable=False),  # Fernet token of the callback number
    Column("phone_masked", String(24), nullable=False),  # 138****5678
    Column("summary", JSON, nullable=True),
    Column("status", String(10), nullable=False, default="new", index=True),  # new | done
    Column("handled_by", String(64), nullable=True),
    Column("handled_at", Float, nullable=True),
    Column("created_at", Float, nullable=False, index=True),
)

# An offer to leave a message made outside the service hours to a chat without a form (WeChat, WeCom, a plain REST
# client): the person's next messages until ``expires_at`` are kept (masked) until one gives a callback number.
leave_offers = Table(
    "console_leave_offers", metadata,
    Column("sender", String(255), primary_key=True),
    Column("channel", String(40), nullable=False),
    Column("summary", JSON, nullable=True),  # masked, as for a ticket
    Column("texts", JSON, nullable=False),  # the masked messages sent since the offer, before the number
    Column("expires_at", Float, nullable=False, index=True),
)

hook_outbox = Table(
    "console_hook_outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", String(255), nullable=False),
    Column("event", String(20), nullable=False),  # resumed | closed
    Column("handoff_id", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float, nullable=False, default=0.0),
    Column("delivered_at", Float, nullable=True),
    Column("last_error", String(200), nullable=True),
    Index("ix_console_hook_outbox_due", "delivered_at", "next_attempt_at"),
)

deliveries = Table(
    "console_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", String(255), nullable=False, index=True),
    Column("handoff_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, default=0.0),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", Float, nullable=False, default=0.0),
    Column("delivered_at", Float, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("gave_up_at", Float, nullable=True),  # not sent within the give-up age; the agent was told
    Index("ix_console_deliveries_due", "delivered_at", "next_attempt_at"),
)

audit = Table(
    "console_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False, index=True),
    Column("user_name", String(64), nullable=False),
    Column("action", String(40), nullable=False, index=True),
    Column("target", String(200), nullable=False),  # masked: ZJ20************01, message #12
    Column("outcome", String(60), nullable=False),
    Column("detail", Text, nullable=True),
)

ratings = Table(
    "console_ratings", metadata,
    Column("answer_id", String(128), primary_key=True),
    Column("level", Integer, nullable=False),
    Column("affair", String(80), nullable=False, default=""),
    Column("channel", String(40), nullable=False, default=""),
    Column("district", String(40), nullable=False, default=""),
    Column("reasons", JSON, nullable=False),
    Column("text", Text, nullable=True),  # masked
    Column("question", Text, nullable=True),  # masked
    Column("created_at", Float, nullable=False, index=True),
)

questions = Table(
    "console_questions", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # unresolved | low_rated
    Column("text_key", String(64), nullable=False),
    Column("text", Text, nullable=False),  # masked
    Column("affair", String(80), nullable=False, default=""),  # low_rated: the affair that was rated
    Column("count", Integer, nullable=False, default=0),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    # open | assigned | umbrella (a topic several affairs share) | out_of_scope
    Column("status", String(20), nullable=False, default="open", index=True),
    Column("resolution", String(120), nullable=True),  # the affair id, the shared topic's id, or the out-of-scope topic
    Column("handled_by", String(64), nullable=True),
    Column("handled_at", Float, nullable=True),
    UniqueConstraint("kind", "text_key", name="uq_console_questions_kind_text"),
)

sessions = Table(
    "console_analytics_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_key", String(64), nullable=False),  # keyed hash of the tracker's sender id
    Column("started_at", Float, nullable=False),
    Column("day", String(10), nullable=False, index=True),
    Column("affair", String(80), nullable=False, default=""),  # the first affair the conversation settled on
    Column("user_turns", Integer, nullable=False, default=0),
    Column("guide_turns", Integer, nullable=True),  # user turns before the first full guide
    Column("resolved", Boolean, nullable=False, default=False),
    Column("clarified", Boolean, nullable=False, default=False),
    Column("abstained", Boolean, nullable=False, default=False),
    Column("last_user_text", Text, nullable=True),  # masked; dropped when the session is finished
    Column("pending_clarify", Text, nullable=True),  # masked; the question whose choices are unanswered
    Column("last_event_at", Float, nullable=False),
    Column("finished", Boolean, nullable=False, default=False),
    Index("ix_console_analytics_sessions_open", "finished", "sender_key"),
)

daily = Table(
    "console_analytics_daily", metadata,
    Column("day", String(10), primary_key=True),
    Column("affair", String(80), primary_key=True),  # "" for conversations that named no affair
    Column("conversations", Integer, nullable=False, default=0),
    Column("resolved", Integer, nullable=False, default=0),
    Column("clarified", Integer, nullable=False, default=0),
    Column("abstained", Integer, nullable=False, default=0),
    Column("handed_off", Integer, nullable=False, default=0),
    Column("guided", Integer, nullable=False, default=0),  # conversations that reached a full guide
    Column("guide_turns", Integer, nullable=False, default=0),  # their user turns before it, summed
    Column("ratings", Integer, nullable=False, default=0),
    Column("satisfied", Integer, nullable=False, default=0),
)

state = Table(
    "console_state", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def engine_for(url: str) -> Engine:
    """One engine per URL, the console tables created (see bot.sharedsql)."""
    return shared_engine(url, metadata)


def create_tables(engine: Engine) -> None:
    """Create the missing console tables."""
    shared_create_tables(engine, metadata)



def sender_tag(sender: str) -> str:
    """A short, stable tag for a sender id in logs and lists: the channel prefix and a hash, never the id."""
    prefix = sender.split(":", 1)[0] if ":" in sender else "web"
    return f"{prefix[:8]}#{hashlib.sha256(sender.encode()).hexdigest()[:8]}"


def iso(ts: float | None, zone: str = "Asia/Shanghai") -> str | None:
    """A Unix time as ISO 8601 in the service's time zone (seconds), or None."""
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, tz=ZoneInfo(zone)).isoformat(timespec="seconds")


def local_day(ts: float, zone: str = "Asia/Shanghai") -> str:
    """The calendar day (YYYY-MM-DD) of a Unix time in the service's time zone."""
    return dt.datetime.fromtimestamp(ts, tz=ZoneInfo(zone)).date().isoformat()
