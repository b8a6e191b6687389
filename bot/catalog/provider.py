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
from bot.resolver.cancellation import Cancelled, FitCancelled, never_cancelled

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
    the new catalog then runs in the background and replaces it when done. Any other change (a lexicon word, an
    umbrella topic, a new affair) is fitted in full in the background too, while the former catalog and its
    resolver, which agree with each other, keep answering: a turn never waits a whole fit for its reply.
    Only the first snapshot is fitted before it is served.

    Background fits run one at a time, in one thread. A load that needs a fit while one runs leaves its catalog
    pending (replacing any older pending one), fitted when the running fit ends if it is still wanted then: after
    several loads in a row only the newest is fitted. A running fit that is no longer wanted (a newer catalog
    that reads differently is awaited, or the served catalog went back to what the fit does not read) stops at
    its next stage (`FitCancelled`) and is neither served nor cached.
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
        # the newest catalog that reads differently from the one served, fitted in the background meanwhile
        self._awaited: Catalog | None = None
        # the thread that fits in the background, while it has a catalog to fit; it ends when it has none
        self._fitter: threading.Thread | None = None
        # the newest catalog to fit when the running fit ends (older ones are never fitted)
        self._pending: Catalog | None = None
        # notified when the fitting thread ends: nothing runs or waits in the background any more
        self._fitter_ended = threading.Condition(self._lock)

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
        if not catalog.affairs:
            logger.warning("the catalog holds no affair: every question is declined until the knowledge is loaded")
        inputs = catalog.resolver_inputs()
        if former is not None and inputs == former.catalog.resolver_inputs():
            self._awaited = None  # back to what the served resolver reads (an edit undone): no fit awaited
            return Snapshot(catalog, former.resolver)  # materials, fees or halls changed: understanding did not
        if former is None:
            return Snapshot(catalog, self._fit(catalog))
        if not catalog.differs_only_in_phrasings(former.catalog):
            if self._awaited is None or inputs != self._awaited.resolver_inputs():
                self._fit_in_background(catalog)  # else the fit running or pending reads as this catalog does
            self._awaited = catalog
            return former
        self._awaited = None
        quick = Snapshot(catalog, Resolver(catalog, self._resolver_settings, base=former.resolver))
        self._fit_in_background(catalog)
        return quick

    def _fit_in_background(self, catalog: Catalog) -> None:
        """Have the catalog fitted next in the background thread, started if none runs (the lock is held)."""
        self._pending = catalog
        if self._fitter is None:
            self._fitter = threading.Thread(target=self._fit_in_turn, name="catalog-refit", daemon=True)
            self._fitter.start()

    def _fit_in_turn(self) -> None:
        """The fitting thread: fit the pending catalog, one after another, while one is still wanted."""
        try:
            while (catalog := self._next_to_fit()) is not None:
                self._fit_and_serve(catalog)
        except BaseException:
            with self._lock:
                self._end_fitter()
            raise

    def _next_to_fit(self) -> Catalog | None:
        """The pending catalog, taken, if it is still wanted; else None, and the fitting thread is ended."""
        with self._lock:
            catalog, self._pending = self._pending, None
            if catalog is not None and self._wanted(catalog.resolver_inputs()):
                return catalog
            self._end_fitter()
            return None

    def _end_fitter(self) -> None:
        """Forget the fitting thread and the pending catalog, and wake those waiting for them (the lock is held)."""
        self._fitter, self._pending = None, None
        self._fitter_ended.notify_all()

    def _wanted(self, inputs: tuple) -> bool:
        """Whether a full fit of what a catalog reads (`Catalog.resolver_inputs`) would be served now (the lock is
        held)."""
        return self._catalog_served_with(inputs) is not None

    def _catalog_served_with(self, inputs: tuple) -> Catalog | None:
        """The catalog a full fit of these inputs would be served with now, or None when none would be (the lock is
        held): the awaited catalog if it reads so; with none awaited, the served one if it reads so and is served by
        an extended resolver (a full fit of it is not served yet)."""
        if self._awaited is not None:
            return self._awaited if self._awaited.resolver_inputs() == inputs else None
        served = self._snapshot
        if served is not None and served.resolver.extended and served.catalog.resolver_inputs() == inputs:
            return served.catalog
        return None

    def _fit(self, catalog: Catalog, cancelled: Cancelled = never_cancelled) -> Resolver:
        """A resolver fitted on the whole catalog, from the cache when it holds one; FitCancelled when
        `cancelled` answers True between the fit's stages."""
        if self._cache is None:
            return Resolver(catalog, self._resolver_settings, cancelled=cancelled)
        return self._cache.fitted(catalog, self._resolver_settings, cancelled=cancelled)

    def _fit_and_serve(self, catalog: Catalog) -> None:
        """Fit a resolver on the whole catalog and serve it if it is still wanted; abandon it once it is not."""
        inputs = catalog.resolver_inputs()
        try:
            fitted = self._fit(catalog, cancelled=self._unwanted_check(inputs))
        except FitCancelled as stage:
            logger.info("a background fit stopped before %s: its catalog is no longer the one awaited", stage)
            return
        except Exception:  # noqa: BLE001 - the resolver served keeps serving
            logger.exception("refitting the resolver failed; the one served keeps serving until the next load")
            return
        self._serve(inputs, fitted)

    def _unwanted_check(self, inputs: tuple) -> Cancelled:
        """The question a background fit asks between its stages: is a fit of these inputs no longer wanted?"""
        def unwanted() -> bool:
            with self._lock:
                return not self._wanted(inputs)
        return unwanted

    def _serve(self, inputs: tuple, fitted: Resolver) -> None:
        """Serve a full fit with the newest catalog that reads as it does (a later material edit may have replaced
        the catalog but not the texts), if one is still wanted."""
        with self._lock:
            catalog = self._catalog_served_with(inputs)
            if catalog is None:
                logger.debug("a background fit ended for a catalog no longer wanted: not served")
                return
            self._snapshot, self._awaited = Snapshot(catalog, fitted), None

    def wait_for_refit(self, timeout: float | None = None) -> None:
        """Block until no fit runs or waits in the background (or `timeout` seconds pass): for tools and tests."""
        with self._fitter_ended:
            self._fitter_ended.wait_for(lambda: self._fitter is None, timeout)


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
