"""The catalog on PostgreSQL: the same code with another URL. Runs when CATALOG_TEST_POSTGRES_URL names an
empty database (e.g. postgresql://user@127.0.0.1:5432/catalog_test); skipped otherwise."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from bot.catalog.catalog import Catalog
from bot.catalog.db import engine_for
from bot.config import PROJECT_ROOT
from bot.knowledge.load import load_knowledge

URL = os.environ.get("CATALOG_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set CATALOG_TEST_POSTGRES_URL to run against PostgreSQL")


def test_load_reload_and_read_on_postgresql() -> None:
    engine = engine_for(URL)
    with engine.begin() as conn:
        for table in ("affairs", "offices", "places", "lexicon", "catalog_meta"):
            conn.execute(text(f"DELETE FROM {table}"))
    first = load_knowledge(PROJECT_ROOT / "knowledge", engine)
    assert len(first.added["affairs"]) >= 64 and first.changed
    second = load_knowledge(PROJECT_ROOT / "knowledge", engine)
    assert not second.changed
    catalog = Catalog.from_engine(engine)
    reissue = catalog.affair("id-card-reissue")
    assert reissue is not None and reissue.fee["amount"] == 40
    assert len(catalog.places) == 101
    assert catalog.office_for(reissue, catalog.places["330110"]) is not None
    # the affairs of a question of two are stored whole, however long their ids together (more than 80 characters)
    assert catalog.two_affairs == Catalog.from_engine(_sqlite_copy()).two_affairs
    assert max(len("|".join(q.affairs)) for q in catalog.two_affairs) > 80


def _sqlite_copy():
    """The same knowledge loaded into an in-memory SQLite database."""
    sqlite = engine_for("sqlite://")
    load_knowledge(PROJECT_ROOT / "knowledge", sqlite)
    return sqlite
