"""SQLAlchemy tables of the catalog (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, MetaData, String, Table, Text

metadata = MetaData()

affairs = Table(
    "affairs", metadata,
    Column("id", String(80), primary_key=True),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("short_name", String(40), nullable=False),
    Column("department", String(80), nullable=False),
    Column("record", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
)

places = Table(
    "places", metadata,
    Column("code", String(6), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("city_code", String(6), nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
)

offices = Table(
    "offices", metadata,
    Column("id", String(80), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("place", String(6), nullable=False, index=True),
    Column("record", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
)

lexicon = Table(
    "lexicon", metadata,
    Column("word", String(40), primary_key=True),
    Column("canonical", String(40), nullable=False),  # empty for a stopword, VAGUE for a vague word
)

# The lexicon's value for a word that stays itself but says nothing on its own (办证, 证件): a message with
# nothing else is asked to say more rather than matched to the affair whose texts use the word most.
VAGUE = "*"

phrasings = Table(
    "phrasings", metadata,
    Column("affair", String(80), primary_key=True),  # empty for questions that are no affair of ours
    Column("texts", JSON, nullable=False),
    Column("digest", String(64), nullable=False),
)

umbrellas = Table(
    "umbrellas", metadata,
    Column("id", String(80), primary_key=True),
    Column("record", JSON, nullable=False),  # topic, affairs and questions
    Column("digest", String(64), nullable=False),
)

two_affairs = Table(
    "two_affairs", metadata,
    Column("id", String(64), primary_key=True),  # the digest of the question
    Column("record", JSON, nullable=False),  # question and affairs
    Column("digest", String(64), nullable=False),
)

catalog_meta = Table(
    "catalog_meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
