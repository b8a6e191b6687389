"""The current catalog and resolver, rebuilt when a load changes the database (hot reload)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.catalog.catalog import Catalog
from bot.catalog.db import engine_for
from bot.catalog.store import catalog_version
from bot.config import settings
from bot.resolver import Resolver, ResolverSettings


@dataclass(frozen=True)
class Snapshot:
    """A catalog and the resolver built over it."""

    catalog: Catalog
    resolver: Resolver


class CatalogProvider:
    """Hands out the newest snapshot, checking the database version at most every `interval` seconds."""

    def __init__(self, engine: Engine, interval: float = 2.0, resolver_settings: ResolverSettings | None = None):
        self._engine = engine
        self._interval = interval
        self._resolver_settings = resolver_settings or ResolverSettings.from_env()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0

    def current(self) -> Snapshot:
        """The snapshot for the loaded catalog version."""
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked_at >= self._interval:
                self._checked_at = now
                version = catalog_version(self._engine)
                if self._snapshot is None or version != self._snapshot.catalog.version:
                    catalog = Catalog.from_engine(self._engine)
                    self._snapshot = Snapshot(catalog, Resolver(catalog, self._resolver_settings))
            return self._snapshot


_default: CatalogProvider | None = None
_default_lock = threading.Lock()


def default_provider() -> CatalogProvider:
    """The process-wide provider for the configured database, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            config = settings()
            _default = CatalogProvider(engine_for(config.database_url), config.reload_interval)
        return _default


def snapshot_from_knowledge(root: Path) -> Snapshot:
    """A snapshot straight from the knowledge files (in-memory database), for tools and tests."""
    from bot.knowledge.load import load_knowledge

    engine = engine_for("sqlite://")
    load_knowledge(root, engine)
    return CatalogProvider(engine, interval=0).current()
