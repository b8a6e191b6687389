"""`python -m bench`: resolver index build time, per-resolve latency and memory, against the targets."""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.busy import busy_cores, neighbours
from bench.live import LIVE_TARGET_S, Placement, measure_live
from bench.measure import (
    BuildFigures,
    LatencyFigures,
    index_shape,
    profile_build,
    profile_resolves,
    rank_and_resolve_ms,
    stage_times,
    time_build,
    time_resolves,
    traced_build,
)
from bench.queries import KIND_SHARES, Query, QueryGenerator
from bench.synthetic import synthetic_catalog
from bench.with_import import SAMPLE_EXPORT, merged_copy
from bot.catalog.catalog import Catalog
from bot.config import settings
from bot.resolver import Resolver

REAL_TARGET_MS = 10.0
SYNTHETIC_TARGET_MS = 30.0
REFRESH_EVERY = 25  # progress redraws happen between timed resolves, never during one


@dataclass
class Scenario:
    """One catalog's figures."""

    label: str
    affairs: int
    target_ms: float
    build: BuildFigures
    latency: LatencyFigures
    resolver: Resolver
    queries: list[Query]
    catalog: Catalog

    @property
    def met(self) -> bool:
        """Whether p95 is within the target."""
        return self.latency.percentile(95) <= self.target_ms


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--queries", type=int, default=500, help="timed queries per catalog (default 500)")
    parser.add_argument("--affairs", type=int, default=2000, help="affairs in the generated catalog (default 2000)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed warm-up queries (default 50)")
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"), help="knowledge folder")
    parser.add_argument("--seed", type=int, default=20260101, help="seed for queries and the generated catalog")
    parser.add_argument("--profile", action="store_true", help="profile even when the targets are met")
    parser.add_argument("--profile-build", action="store_true", help="also profile one index build per catalog")
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="skip the extra traced build that measures retained/peak memory")
    parser.add_argument("--no-busy", action="store_true",
                        help="skip timing the real catalog again while other processes keep the cores busy")
    parser.add_argument("--no-live", action="store_true",
                        help="skip the maintainers' loop (a placed question until the resolver decides it)")
    parser.add_argument("--with-import", type=Path, nargs="?", const=SAMPLE_EXPORT, default=None, metavar="FILE",
                        help="first import an official export (default: the invented sample) into a temporary "
                             "copy of the knowledge and measure that")
    args = parser.parse_args(argv)
    if args.queries < 1 or args.affairs < 1 or args.warmup < 0:
        parser.error("--queries and --affairs must be positive, --warmup not negative")
    return args


@contextmanager
def step(console: Console, description: str) -> Iterator[None]:
    """A spinner with elapsed time for a step that cannot report progress."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        progress.add_task(description, total=None)
        yield
    console.print(f"[dim]✓ {description}[/dim]")


def bar(console: Console, *, auto_refresh: bool = True) -> Progress:
    """A progress bar; with auto_refresh off the caller redraws (keeps the redraw thread out of timings)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, auto_refresh=auto_refresh, disable=not console.is_terminal)


def run_scenario(console: Console, label: str, catalog: Catalog, target_ms: float,
                 args: argparse.Namespace) -> Scenario:
    """Build the index, measure memory, then time the generated queries after a warm-up."""
    count = len(catalog.affairs)
    with step(console, f"{label}: building the resolver index over {count:,} affairs"):
        resolver, build = time_build(catalog)
    if not args.no_tracemalloc:
        with step(console, f"{label}: measuring memory (second build under tracemalloc)"):
            retained, peak = traced_build(catalog)
        build = BuildFigures(build.seconds, build.rss_delta_mb, retained, peak)
    generator = QueryGenerator(catalog, seed=args.seed)
    warmup = generator.generate(args.warmup)
    queries = generator.generate(args.queries)
    latency = time_with_progress(console, label, resolver, queries, warmup)
    console.print(f"[dim]✓ {label}: {len(queries):,} queries resolved after {len(warmup)} warm-up queries[/dim]")
    return Scenario(label, count, target_ms, build, latency, resolver, queries, catalog)


def time_with_progress(console: Console, label: str, resolver: Resolver, queries: Sequence[Query],
                       warmup: Sequence[Query]) -> LatencyFigures:
    """`time_resolves` under a progress bar that is redrawn between timed resolves, never during one."""
    with bar(console, auto_refresh=False) as progress:
        task = progress.add_task(f"{label}: resolving", total=len(queries))
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            progress.advance(task, n)
            if done % REFRESH_EVERY == 0:
                progress.refresh()

        progress.refresh()
        return time_resolves(resolver, queries, warmup, advance)


def run_beside_busy(console: Console, scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The same queries on the same resolver again, while every core but one is kept busy by other processes."""
    count = neighbours()
    label = f"{scenario.label}, {count} busy process{'es' if count > 1 else ''} beside"
    warmup = QueryGenerator(scenario.catalog, seed=args.seed).generate(args.warmup)
    with busy_cores(count):
        latency = time_with_progress(console, label, scenario.resolver, scenario.queries, warmup)
    console.print(f"[dim]✓ {label}: {len(scenario.queries):,} queries resolved[/dim]")
    return Scenario(label, scenario.affairs, scenario.target_ms, scenario.build, latency, scenario.resolver,
                    scenario.queries, scenario.catalog)


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _mb(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.1f}"


def build_table(scenarios: Sequence[Scenario]) -> Table:
    """Index size, build time and memory per catalog."""
    table = Table(title="Resolver index: build time and memory")
    for column in ("catalog", "affairs", "examples", "out-of-scope", "features", "build s", "RSS Δ MB", "held MB",
                   "build peak MB"):
        table.add_column(column, justify="left" if column == "catalog" else "right")
    for s in scenarios:
        shape = index_shape(s.resolver)
        table.add_row(s.label, f"{s.affairs:,}", shape.get("examples", "–"), shape.get("out-of-scope questions", "–"),
                      shape.get("features", "–"), f"{s.build.seconds:.2f}", _mb(s.build.rss_delta_mb),
                      _mb(s.build.retained_mb), _mb(s.build.peak_mb))
    return table


def latency_table(scenarios: Sequence[Scenario]) -> Table:
    """Per-resolve latency percentiles per catalog."""
    table = Table(title="Per-resolve latency (ms, wall clock; cpu = thread CPU time)")
    for column in ("catalog", "queries", "p50", "p95", "p99", "max", "mean", "cpu p50", "cpu p95",
                   "sure/clarify/none"):
        table.add_column(column, justify="left" if column == "catalog" else "right")
    for s in scenarios:
        lat, out = s.latency, s.latency.outcomes
        table.add_row(s.label, f"{len(s.queries):,}", f"{lat.percentile(50):.2f}", f"{lat.percentile(95):.2f}",
                      f"{lat.percentile(99):.2f}", f"{lat.max_ms:.2f}", f"{lat.mean_ms:.2f}",
                      f"{lat.cpu_percentile(50):.2f}", f"{lat.cpu_percentile(95):.2f}",
                      f"{out['sure']}/{out['clarify']}/{out['none']}")
    return table


def kinds_table(scenarios: Sequence[Scenario]) -> Table:
    """p50/p95 per query kind, to see which phrasings are slow."""
    table = Table(title="Latency by query kind (p50 / p95 ms, count)")
    table.add_column("kind")
    for s in scenarios:
        table.add_column(s.label, justify="right")
    for kind in [*KIND_SHARES, "off-topic"]:
        cells = []
        for s in scenarios:
            values = s.latency.by_kind.get(kind)
            cells.append("–" if values is None else
                         f"{s.latency.percentile(50, kind):.2f} / {s.latency.percentile(95, kind):.2f} ({len(values)})")
        table.add_row(kind, *cells)
    return table


def targets_table(scenarios: Sequence[Scenario]) -> Table:
    """Each target and whether it is met (on wall-clock p95; CPU-time p95 alongside for noisy machines)."""
    table = Table(title="Targets (verdict on wall-clock p95)")
    for column in ("catalog", "target", "p95 ms", "result", "cpu p95 ms", "on CPU time"):
        table.add_column(column, justify="right" if column.endswith("ms") else "left")
    for s in scenarios:
        cpu_p95 = s.latency.cpu_percentile(95)
        table.add_row(s.label, f"p95 ≤ {s.target_ms:g} ms", f"{s.latency.percentile(95):.2f}", _verdict(s.met),
                      f"{cpu_p95:.2f}", _verdict(cpu_p95 <= s.target_ms))
    return table


def _verdict(met: bool) -> str:
    return "[green]met[/green]" if met else "[bold red]NOT met[/bold red]"


def live_table(placements: Sequence[Placement], interval: float) -> Table:
    """The maintainers' loop: seconds from a placed question until the polling resolver decides it."""
    table = Table(title=f"Maintainers' loop: a placed question until it is decided (reload every {interval:g} s)")
    for column in ("question", "affair", "decided before", "assign s", "live after s", "result"):
        table.add_column(column, justify="right" if column.endswith(" s") else "left")
    for p in placements:
        live = "never" if p.live is None else f"{p.live:.2f}"
        met = p.live is not None and p.live <= LIVE_TARGET_S
        table.add_row(p.question, p.affair, "yes" if p.decided_before else "no", f"{p.assign:.2f}", live,
                      f"{_verdict(met)} (≤ {LIVE_TARGET_S:g} s)")
    return table


def report_profile(console: Console, scenario: Scenario) -> None:
    """Where the time of one resolve goes: per stage of Resolver.resolve, per library, top functions."""
    console.rule(f"Profile: {scenario.label}")
    stages = stage_times(scenario.resolver, scenario.queries)
    if stages:
        table = Table(title="Mean ms per query, by step of Resolver.resolve (replayed)")
        table.add_column("step")
        table.add_column("ms", justify="right")
        table.add_column("share", justify="right")
        replayed = sum(stages.values())
        for name, ms in sorted(stages.items(), key=lambda kv: -kv[1]):
            table.add_row(name, f"{ms:.3f}", f"{ms / replayed:.0%}")
        console.print(table)
    rank_ms, resolve_ms = rank_and_resolve_ms(scenario.resolver, scenario.queries)
    console.print(f"  mean CPU ms: rank() {rank_ms:.3f}, resolve() {resolve_ms:.3f} "
                  f"(difference = resolve's own work after ranking: {resolve_ms - rank_ms:+.3f})")
    top, areas = profile_resolves(scenario.resolver, scenario.queries)
    print_profile(console, f"cProfile of {len(scenario.queries):,} resolves", top, areas)


def print_profile(console: Console, title: str, top: list, areas: dict[str, float]) -> None:
    """Own time per library and the top functions of one cProfile run."""
    total = sum(areas.values()) or 1.0
    area_table = Table(title=f"{title}: own time by library")
    area_table.add_column("library")
    area_table.add_column("s", justify="right")
    area_table.add_column("share", justify="right")
    for area, seconds in areas.items():
        area_table.add_row(area, f"{seconds:.3f}", f"{seconds / total:.0%}")
    console.print(area_table)
    top_table = Table(title=f"{title}: top functions by own time")
    for column in ("own s", "cum s", "calls", "function"):
        top_table.add_column(column, justify="left" if column == "function" else "right")
    for tottime, cumtime, calls, name in top:
        top_table.add_row(f"{tottime:.3f}", f"{cumtime:.3f}", f"{calls:,}", name)
    console.print(top_table)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both scenarios and print the figures; never fails on a missed target."""
    args = parse_args(argv)
    if args.with_import is not None:
        from bot.knowledge.importing.official import ExportError

        try:
            with merged_copy(args.knowledge, args.with_import) as (root, account):
                Console().print(f"[dim]{account}[/dim]")
                args.knowledge = root
                return _run(args)
        except ExportError as error:
            for problem in error.problems:
                Console().print(f"✗ {problem}", soft_wrap=True, markup=False, style="red")
            return 1
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Both scenarios on args.knowledge."""
    started = time.perf_counter()
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 130)
    console.print(f"[dim]{os.cpu_count()} CPUs, load average {_load()} at start; "
                  "other busy processes inflate wall-clock latencies (compare cpu p95)[/dim]")
    logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs every dictionary load at DEBUG

    from bot.catalog.provider import snapshot_from_knowledge

    with step(console, f"Loading the catalog snapshot from {args.knowledge}/"):
        load_start = time.perf_counter()
        snapshot = snapshot_from_knowledge(args.knowledge)
        load_seconds = time.perf_counter() - load_start
    console.print(f"[dim]  snapshot load (YAML → in-memory SQLite → catalog + first resolver): {load_seconds:.2f} s, "
                  f"{len(snapshot.catalog.affairs)} affairs, {len(snapshot.catalog.lexicon)} lexicon words[/dim]")

    scenarios = [run_scenario(console, "real catalog", snapshot.catalog, REAL_TARGET_MS, args)]
    beside_busy = [] if args.no_busy else [run_beside_busy(console, scenarios[0], args)]
    with bar(console) as progress:
        task = progress.add_task(f"generating {args.affairs:,} affairs", total=args.affairs)
        generated = synthetic_catalog(snapshot.catalog, args.affairs, seed=args.seed,
                                      advance=lambda n: progress.advance(task, n))
    console.print(f"[dim]✓ generated catalog: {len(generated.affairs):,} affairs "
                  f"({sum(a.is_bundle for a in generated.affairs.values())} bundles)[/dim]")
    scenarios.append(run_scenario(console, f"generated {args.affairs:,}", generated, SYNTHETIC_TARGET_MS, args))

    console.print()
    console.print(build_table(scenarios))
    console.print(latency_table(scenarios + beside_busy))
    console.print(kinds_table(scenarios + beside_busy))
    console.print(targets_table(scenarios + beside_busy))
    console.print("[dim]build s: one Resolver(catalog) call, including the jieba tokenizer it creates; RSS Δ: growth "
                  "of the process's peak RSS during that build; held / build peak: tracemalloc of a second build "
                  "(memory the resolver keeps / the most allocated while building). cpu: thread CPU time per "
                  "resolve, which other busy processes do not inflate. … busy process beside: the same queries on "
                  "the same resolver while other processes keep every core but one busy, as Rasa, the database or "
                  "a background fit can on the machine the action server shares.[/dim]")

    for scenario in scenarios + beside_busy:
        if args.profile or not scenario.met:
            report_profile(console, scenario)
        if args.profile_build and scenario not in beside_busy:
            with step(console, f"{scenario.label}: profiling one index build"):
                top, areas = profile_build(scenario.catalog)
            console.rule(f"Build profile: {scenario.label}")
            print_profile(console, "cProfile of one Resolver build", top, areas)
    if not args.no_live:
        interval = settings().reload_interval
        with step(console, "maintainers' loop: placing questions in a temporary knowledge copy"):
            placements = measure_live(args.knowledge, interval)
        console.print(live_table(placements, interval))
        console.print("[dim]assign: the console's edit, validation and load; live after: from the assignment to the "
                      "first resolve that names the affair, including the wait for the next reload poll "
                      "(CATALOG_RELOAD_SECONDS). Without HTTP and Rasa, which add a message's round trip.[/dim]")
    console.print(f"\nLoad average at the end: {_load()}")
    console.print(f"Total runtime: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
