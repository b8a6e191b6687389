"""Printing a phase's figures and the summary table, and judging each phase."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from bench.load.records import CLEAR_FAILURE, CONNECTION_ERROR, EMPTY, HTTP_ERROR
from bench.load.runner import PhaseResult


def verdict(result: PhaseResult, zero_errors: bool = False) -> list[str]:
    """What is wrong with a phase (empty when it passed). Every phase: no lost, reordered or doubled turn.
    Fault phases: every error a clear message, a recovery measured. `zero_errors`: no error at all."""
    problems = []
    if not result.turns:
        problems.append("no turn was recorded")
    if not result.tracker.ok:
        problems.append("tracker store differs from the turns sent: " + "; ".join(result.tracker.examples))
    if zero_errors and result.figures.errors:
        problems.append(f"{result.figures.errors} errors (0 required)")
    if result.phase.fault:
        if result.figures.unclear:
            problems.append(f"{result.figures.unclear} turns failed without a clear message")
        if result.recovery is None:
            problems.append("no recovery to the normal rate within the phase")
        if result.fault is None or result.fault.back_at is None:
            problems.append("the restarted process was not back in time")
    return problems


def _ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def _s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.1f}"


def describe(result: PhaseResult) -> str:
    """Several lines on one phase."""
    f, t, phase = result.figures, result.tracker, result.phase
    lines = [f"== {phase.name}: {phase.users} users, {phase.seconds} s"
             + (f", pause {phase.think_min:g}–{phase.think_max:g} s" if phase.think_max else ", no pause"),
             f"   turns {f.turns}  answered {f.outcomes.get('ok', 0)}  {f.rate:.1f} turns/s  "
             f"p50 {_ms(f.p50)} ms  p95 {_ms(f.p95)} ms  p99 {_ms(f.p99)} ms",
             f"   errors {f.errors}: clear failure {f.outcomes.get(CLEAR_FAILURE, 0)}, empty reply "
             f"{f.outcomes.get(EMPTY, 0)}, other status {f.outcomes.get(HTTP_ERROR, 0)}, connection "
             f"{f.outcomes.get(CONNECTION_ERROR, 0)}",
             f"   tracker: {t.senders} senders, {t.answered} answered turns, {t.stored} stored; lost {t.lost}, "
             f"reordered {t.reordered}, duplicated {t.duplicated}, unexpected {t.unexpected}"]
    if result.fault:
        event = result.fault
        down = f"HAProxy DOWN after {event.down_at - event.at:.1f} s, " if event.down_at else ""
        lines.append(f"   fault {event.fault} ({event.target}): {down}back after "
                     f"{_s(event.back_seconds)} s; turns at the normal rate again after {_s(result.recovery)} s"
                     + ("; " + "; ".join(event.notes) if event.notes else ""))
    failing = [turn for turn in result.turns if turn.error][:3]
    for turn in failing:
        lines.append(f"   e.g. {turn.outcome} {turn.status}: {turn.detail[:70]!r}")
    return "\n".join(lines)


def summary(results: list[tuple[PhaseResult, list[str]]], console: Console | None = None) -> None:
    """The summary table of all phases."""
    table = Table(title="make load: summary")
    for column in ("phase", "users", "turns", "turns/s", "p50 ms", "p95 ms", "p99 ms", "errors", "of which clear",
                   "lost/reord./dup.", "back s", "recovery s", "verdict"):
        table.add_column(column, justify="left" if column in ("phase", "verdict") else "right")
    for result, problems in results:
        f, t = result.figures, result.tracker
        table.add_row(result.phase.name, str(result.phase.users), str(f.turns), f"{f.rate:.1f}", _ms(f.p50),
                      _ms(f.p95), _ms(f.p99), str(f.errors), str(f.outcomes.get(CLEAR_FAILURE, 0)),
                      f"{t.lost}/{t.reordered}/{t.duplicated + t.unexpected}",
                      _s(result.fault.back_seconds) if result.fault else "", _s(result.recovery),
                      "ok" if not problems else "FAIL")
    (console or Console(width=160)).print(table)
