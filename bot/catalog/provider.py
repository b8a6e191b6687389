"""The current catalog and resolver, rebuilt when a load changes the database (hot reload)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy.engine import Engine

from bot.catalog.catalog import Catalog
from bot.catalog.db import engine_for
from bot.catalog.store import catalog_version
from bot.config import settings
from bot.process_wide import ProcessWide
from bot.resolver import Resolver, ResolverSettings
from bot.resolver.cache import ResolverCache, configured_cache

if TYPE_CHECKING:
    from bot.dialogue.example_answers import AnswerExamples

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A catalog and the resolver built over it."""

    catalog: Catalog
    resolver: Resolver

    @cached_property
    def answer_examples(self) -> AnswerExamples:
        """The replies people give to situation questions, read on first use."""
        from bot.dialogue.example_answers import AnswerExamples

        return AnswerExamples(self.catalog.affairs.values())


class CatalogProvider:
    """Hands out the newest snapshot, checking the database version at most every `interval` seconds.

    A load that only adds or removes phrasings (a maintainer placing a question) is served at once by a
    resolver that extends the current one (`Resolver(..., base=...)`, a fraction of a second); a full fit of
    the new catalog then runs in a background thread and replaces it when done. Any other change (a lexicon
    word, an umbrella topic, a new affair) is fitted in full in the background too, while the former catalog
    and its resolver, which agree with each other, keep answering: a turn never waits a whole fit for its reply.
    Only the first snapshot is fitted before it is served.
    """

    def __init__(self, engine: Engine, interval: float = 2.0, resolver_settings: ResolverSettings | None = None,
                 *, cache: ResolverCache | None | Literal["configured"] = "configured"):
        """`cache`: where full fits are kept and looked up; by default the configured one (RESOLVER_CACHE_DIR)."""
        self._engine = engine
        config = settings()
        self._cache = configured_cache(config.resolver_cache_dir, config.resolver_cache_keep) \
            if cache == "configured" else cache
        self._interval = interval
        self._resolver_settings = resolver_settings or ResolverSettings.from_env()
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._refit: threading.Thread | None = None
        # the newest catalog that reads differently from the one served, fitted in the background meanwhile
        self._awaited: Catalog | None = None

    def current(self) -> Snapshot:
        """The snapshot for the loaded catalog version."""
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked_at >= self._interval:
                self._checked_at = now
                version = catalog_version(self._engine)
                awaited = None if self._awaited is None else self._awaited.version
                if self._snapshot is None or version not in (self._snapshot.catalog.version, awaited):
                    self._snapshot = self._build(Catalog.from_engine(self._engine), self._snapshot)
            return self._snapshot

    def _build(self, catalog: Catalog, former: Snapshot | None) -> Snapshot:
        """The snapshot to serve for a new catalog: extended from the former one when only phrasings changed;
        the former one itself while a catalog that reads differently is fitted in the background."""
        inputs = catalog.resolver_inputs()
        if former is not None and inputs == former.catalog.resolver_inputs():
            self._awaited = None  # back to what the served resolver reads (an edit undone): no fit awaited
            return Snapshot(catalog, former.resolver)  # materials, fees or halls changed: understanding did not
        if former is None:
            return Snapshot(catalog, self._fit(catalog))
        if not catalog.differs_only_in_phrasings(former.catalog):
            if self._awaited is None or inputs != self._awaited.resolver_inputs():
                self._refit_later_in_thread(catalog)  # else the fit in flight reads as this catalog does
            self._awaited = catalog
            return former
        self._awaited = None
        quick = Snapshot(catalog, Resolver(catalog, self._resolver_settings, base=former.resolver))
        self._refit_later_in_thread(catalog)
        return quick

    def _refit_later_in_thread(self, catalog: Catalog) -> None:
        self._refit = threading.Thread(target=self._refit_later, args=(catalog,), name="catalog-refit", daemon=True)
        self._refit.start()

    def _fit(self, catalog: Catalog) -> Resolver:
        """A resolver fitted on the whole catalog, from the cache when it holds one."""
        if self._cache is None:
            return Resolver(catalog, self._resolver_settings)
        return self._cache.fitted(catalog, self._resolver_settings)

    def _refit_later(self, catalog: Catalog) -> None:
        """Fit a resolver on the whole new catalog and serve it, unless a newer catalog came meanwhile."""
        try:
            fitted = self._fit(catalog)
        except Exception:  # noqa: BLE001 - the resolver served keeps serving
            logger.exception("refitting the resolver failed; the one served keeps serving until the next load")
            return
        inputs = catalog.resolver_inputs()
        with self._lock:  # served with the newest catalog that reads as this one (a later material edit may have
            awaited, current = self._awaited, self._snapshot  # replaced the catalog but not the texts)
            if awaited is not None and awaited.resolver_inputs() == inputs:
                self._snapshot, self._awaited = Snapshot(awaited, fitted), None
            elif current is not None and current.catalog.resolver_inputs() == inputs:
                self._snapshot = Snapshot(current.catalog, fitted)

    def wait_for_refit(self, timeout: float | None = None) -> None:
        """Block until a background refit (if any) is done: for tools and tests."""
        if self._refit is not None:
            self._refit.join(timeout)


def _configured_provider() -> CatalogProvider:
    config = settings()
    return CatalogProvider(engine_for(config.database_url), config.reload_interval)


_default = ProcessWide(_configured_provider)


def default_provider() -> CatalogProvider:
    """The process-wide provider for the configured database, created on first use."""
    return _default.get()


def set_default_provider(provider: CatalogProvider | None) -> CatalogProvider | None:
    """Replace the process-wide provider (tests load the knowledge into their own database); None: rebuild
    from the environment on next use. Returns the provider it replaced."""
    return _default.replace(provider)


def snapshot_from_knowledge(root: Path) -> Snapshot:
    """A snapshot straight from the knowledge files (in-memory database), for tools and tests."""
    from bot.knowledge.load import load_knowledge

    engine = engine_for("sqlite://")
    load_knowledge(root, engine)
    return CatalogProvider(engine, interval=0).current()
