"""Fixtures for the console tests: a console database (SQLite, and PostgreSQL when CATALOG_TEST_POSTGRES_URL is
set), the real console application on loopback, a loaded catalog copy with its resolver, users of every role.

The catalog and its resolver take a while to build, so one loaded copy of knowledge/ (its own folder and SQLite
database) is built per session; tests that edit knowledge make their own copy.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from console_helpers import PASSWORD, Api, Catalog, Console, ConsoleFactory, Served
from cryptography.fernet import Fernet

from bot.catalog.db import engine_for as catalog_engine_for
from bot.catalog.provider import CatalogProvider, Snapshot
from bot.config import PROJECT_ROOT
from bot.console import store
from bot.console.api import Services, build_services, create_app
from bot.console.settings import ConsoleSettings
from bot.knowledge.load import load_knowledge

PG_URL = os.environ.get("CATALOG_TEST_POSTGRES_URL")
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="set CATALOG_TEST_POSTGRES_URL to run against PostgreSQL"))]


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """knowledge/ copied and loaded into its own SQLite catalog; the resolver built once."""
    root = tmp_path_factory.mktemp("console-catalog")
    knowledge = root / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    url = f"sqlite:///{root / 'catalog.db'}"
    engine = catalog_engine_for(url)
    load_knowledge(knowledge, engine)
    provider = CatalogProvider(engine, interval=0)
    return Catalog(knowledge, url, provider, provider.current())


def fresh_database(kind: str, path: Path) -> str:
    """A console database URL with empty console tables."""
    if kind == "sqlite":
        return f"sqlite:///{path / 'console.db'}"
    assert PG_URL is not None
    engine = store.engine_for(PG_URL)
    store.metadata.drop_all(engine)
    store.create_tables(engine)
    return PG_URL


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The console database: SQLite, then PostgreSQL when available."""
    return fresh_database(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A console database on SQLite only (for tests whose subject is not the storage)."""
    return fresh_database("sqlite", tmp_path)


def settings_for(db_url: str, tmp_path: Path, catalog: Catalog | None = None, **overrides: object
                 ) -> ConsoleSettings:
    """Console settings for a test: always open, a tracker store and a regression file in tmp_path."""
    base = ConsoleSettings(
        database_url=db_url,
        catalog_database_url=catalog.url if catalog else f"sqlite:///{tmp_path / 'catalog.db'}",
        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        knowledge_dir=catalog.knowledge if catalog else tmp_path / "knowledge",
        regression_file=tmp_path / "regression" / "maintainers.tsv",
        service_hours="always",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


PHONE_KEY = Fernet.generate_key()


def add_users(services: Services) -> None:
    """One user per role (and a second agent), all with PASSWORD."""
    auth = services.auth
    auth.add_user("agent1", PASSWORD, ["agent"], "王芳")
    auth.add_user("agent2", PASSWORD, ["agent"], "李强")
    auth.add_user("super1", PASSWORD, ["supervisor"], "张班长")
    auth.add_user("maint1", PASSWORD, ["maintainer"], "维护员")


@pytest.fixture
def start_console(tmp_path: Path) -> Iterator[ConsoleFactory]:
    """Start consoles: ``start_console(db_url, catalog=..., case_client=..., limiter=..., **settings)``."""
    started: list[Served] = []

    def start(db_url: str, *, catalog: Catalog | None = None, users: bool = True, case_client=None, limiter=None,
              clock: Callable[[], float] = time.time, **overrides: object) -> Console:
        settings = settings_for(db_url, tmp_path, catalog, **overrides)
        snapshot = (lambda: catalog.provider.current()) if catalog else None
        found = build_services(settings, snapshot=snapshot or _no_catalog, phone_key=PHONE_KEY,
                               analytics_secret=b"console-test-secret", case_client=case_client or _no_cases,
                               limiter=limiter or _no_cases, clock=clock)
        if users and found.auth.count_users() == 0:
            add_users(found)
        served = Served(create_app(found)).start()
        started.append(served)
        api = Api(served.url)
        logins = [api.login(n) for n in ("agent1", "agent2", "super1", "maint1")] if users else [api] * 4
        return Console(found, served, api, *logins)

    yield start
    for served in started:
        served.stop()


def _no_catalog() -> Snapshot:
    raise RuntimeError("this test has no catalog")


def _no_cases():
    raise RuntimeError("this test has no case-status API")
