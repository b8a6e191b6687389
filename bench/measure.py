"""Measurements: index build time, memory of a built resolver, per-resolve latency, profiles."""

from __future__ import annotations

import cProfile
import gc
import pstats
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.queries import Query
from bot.catalog.catalog import Catalog
from bot.resolver import Resolver
from bot.resolver.ranker import QueryFacts, shortlist

Advance = Callable[[int], None]


@dataclass(frozen=True)
class BuildFigures:
    """Index build time and memory of the built resolver."""

    seconds: float
    rss_delta_mb: float
    retained_mb: float | None = None
    peak_mb: float | None = None


@dataclass
class LatencyFigures:
    """Per-resolve latencies in milliseconds and what the resolver decided."""

    samples_ms: np.ndarray
    cpu_ms: np.ndarray
    by_kind: dict[str, np.ndarray] = field(default_factory=dict)
    outcomes: Counter = field(default_factory=Counter)

    def percentile(self, q: float, kind: str | None = None) -> float:
        """The q-th percentile in ms, over all queries or one kind."""
        values = self.samples_ms if kind is None else self.by_kind[kind]
        return float(np.percentile(values, q)) if len(values) else float("nan")

    def cpu_percentile(self, q: float) -> float:
        """The q-th percentile of thread CPU time per resolve, in ms."""
        return float(np.percentile(self.cpu_ms, q)) if len(self.cpu_ms) else float("nan")

    @property
    def max_ms(self) -> float:
        """The slowest resolve in ms."""
        return float(self.samples_ms.max()) if len(self.samples_ms) else float("nan")

    @property
    def mean_ms(self) -> float:
        """The mean resolve time in ms."""
        return float(self.samples_ms.mean()) if len(self.samples_ms) else float("nan")


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def time_build(catalog: Catalog) -> tuple[Resolver, BuildFigures]:
    """Build a resolver once; wall time and the growth of the process's peak RSS while building."""
    gc.collect()
    before = _rss_mb()
    start = time.perf_counter()
    resolver = Resolver(catalog)
    seconds = time.perf_counter() - start
    return resolver, BuildFigures(seconds=seconds, rss_delta_mb=_rss_mb() - before)


def traced_build(catalog: Catalog) -> tuple[float, float]:
    """Build another resolver under tracemalloc: (MB still held by it, MB peak while building)."""
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        resolver = Resolver(catalog)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del resolver
    return (current - base) / 2**20, (peak - base) / 2**20


def time_resolves(resolver: Resolver, queries: Sequence[Query], warmup: Sequence[Query],
                  advance: Advance | None = None) -> LatencyFigures:
    """Resolve the warm-up set untimed, then time each query's `resolve` on its own."""
    for query in warmup:
        resolver.resolve(query.text)
    samples = np.empty(len(queries))
    cpu = np.empty(len(queries))
    kinds: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    for i, query in enumerate(queries):
        cpu_start = time.thread_time_ns()
        start = time.perf_counter_ns()
        resolution = resolver.resolve(query.text)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        cpu[i] = (time.thread_time_ns() - cpu_start) / 1e6
        samples[i] = elapsed
        kinds[query.kind].append(elapsed)
        outcomes["sure" if resolution.affair else "clarify" if resolution.clarify else "none"] += 1
        if advance is not None:
            advance(1)
    return LatencyFigures(samples, cpu, {k: np.asarray(v) for k, v in kinds.items()}, outcomes)


def profile_resolves(resolver: Resolver, queries: Sequence[Query], limit: int = 14) -> tuple[list, dict[str, float]]:
    """cProfile over resolving all queries: top functions by own time, and own time per library."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        resolver.resolve(query.text)
    profiler.disable()
    return _summarise(profiler, limit)


def _summarise(profiler: cProfile.Profile, limit: int) -> tuple[list, dict[str, float]]:
    """Top functions by own time, and own time summed per library."""
    stats = pstats.Stats(profiler)
    rows = []
    by_area: dict[str, float] = defaultdict(float)
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[_area(filename)] += tottime
        rows.append((tottime, cumtime, calls, f"{_short(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    return rows[:limit], dict(sorted(by_area.items(), key=lambda kv: -kv[1]))


def _area(filename: str) -> str:
    """Which library a profiled function belongs to."""
    for marker, area in (("bot/resolver", "bot.resolver"), ("sklearn", "scikit-learn"), ("scipy", "scipy"),
                         ("numpy", "numpy"), ("jieba", "jieba"), ("pypinyin", "pypinyin")):
        if marker in filename:
            return area
    return "builtins/other" if filename.startswith("~") or "<" in filename else "other"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def stage_times(resolver: Resolver, queries: Sequence[Query]) -> dict[str, float]:
    """Mean ms per query of each step of `Resolver.resolve`, replayed from the resolver's own parts.

    Mirrors bot/resolver/resolver.py (it reads private attributes); returns {} if those have changed.
    """
    try:
        index, features, ranker = resolver.index, resolver._features, resolver.ranker
    except AttributeError:
        return {}
    totals: dict[str, float] = defaultdict(float)

    def timed(stage: str, step: Callable[[], object]) -> object:
        start = time.perf_counter_ns()
        value = step()
        totals[stage] += (time.perf_counter_ns() - start) / 1e6
        return value

    for query in queries:
        text = query.text
        timed("analyzer.words (jieba, lexicon)", lambda t=text: resolver.analyzer.words(t))
        vector = timed("index.transform (features, tf-idf)", lambda t=text: index.transform([t]))
        if vector.nnz == 0:
            continue
        sims = timed("index.similarities (examples, profiles, not-ours model, SVM)",
                     lambda v=vector: index.similarities(v))
        chosen = timed("shortlist", lambda s=sims: shortlist(s.best[0], s.profile[0], resolver.settings.shortlist,
                                                             s.margins[0]))
        facts = QueryFacts(resolver._query(text).together)
        rows = timed("candidate feature rows", lambda s=sims, c=chosen, f=facts: features.rows(s, 0, f, c))
        timed("ranker probabilities", lambda r=rows: ranker.probabilities(r))
    return {stage: total / max(1, len(queries)) for stage, total in totals.items()}


def rank_and_resolve_ms(resolver: Resolver, queries: Sequence[Query]) -> tuple[float, float]:
    """Mean thread-CPU ms of `rank` and of `resolve` (which adds its own work after ranking)."""
    totals = [0.0, 0.0]
    for query in queries:
        for slot, call in enumerate((resolver.rank, resolver.resolve)):
            start = time.thread_time_ns()
            call(query.text)
            totals[slot] += (time.thread_time_ns() - start) / 1e6
    count = max(1, len(queries))
    return totals[0] / count, totals[1] / count


def index_shape(resolver: Resolver) -> dict[str, str]:
    """Sizes of the resolver's index (private attributes; empty if they have changed)."""
    try:
        index = resolver.index
    except AttributeError:
        return {}
    return {
        "examples": f"{index.inside.shape[0]:,}",
        "out-of-scope questions": f"{index.outside.shape[0]:,}",
        "features": f"{index.inside.shape[1]:,}",
        "example nnz": f"{index.inside.nnz:,}",
        "profiles nnz": f"{index.profiles.nnz:,}",
    }


def profile_build(catalog: Catalog, limit: int = 10) -> tuple[list, dict[str, float]]:
    """cProfile over one Resolver(catalog) build: top functions by own time, and own time per library."""
    profiler = cProfile.Profile()
    profiler.enable()
    Resolver(catalog)
    profiler.disable()
    return _summarise(profiler, limit)
