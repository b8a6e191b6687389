"""Service hours of the human agents: ``mon-fri 08:30-17:30; sat 09:00-12:00``, ``always``, closed days.

A spec is one or more rules separated by ``;``. A rule is a day or day range (``mon``..``sun``, ranges may
wrap: ``sat-sun``) and one or more time ranges separated by ``,`` (``08:30-12:00,13:30-17:30``); the end is
exclusive. ``always`` (or ``24x7``) means agents are always there. Times are read in the configured time zone
(Asia/Shanghai); closed days (public holidays) are ISO dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = ("always", "24x7", "24/7")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class ServiceHours:
    """When agents answer: per weekday, a list of (start, end) minutes since midnight."""

    windows: tuple[tuple[tuple[int, int], ...], ...]  # indexed by weekday, Monday = 0
    zone: ZoneInfo
    closed: frozenset[dt.date] = frozenset()
    always: bool = False

    def open_at(self, when: dt.datetime) -> bool:
        """Whether agents answer at ``when`` (an aware datetime, or a naive one in the service's zone)."""
        local = when.astimezone(self.zone) if when.tzinfo else when.replace(tzinfo=self.zone)
        if local.date() in self.closed:
            return False
        if self.always:
            return True
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.windows[local.weekday()])

    def open_now(self, now: float) -> bool:
        """``open_at`` for a Unix time."""
        return self.open_at(dt.datetime.fromtimestamp(now, tz=self.zone))


def _day_range(text: str) -> list[int]:
    parts = text.split("-")
    if len(parts) > 2 or any(p not in DAYS for p in parts):
        raise ValueError(f"CONSOLE_SERVICE_HOURS: unknown day {text!r}; use mon, tue, wed, thu, fri, sat, sun")
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _time_range(text: str) -> tuple[int, int]:
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"CONSOLE_SERVICE_HOURS: bad time range {text!r}; write it like 08:30-17:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start or end > 24 * 60:
        raise ValueError(f"CONSOLE_SERVICE_HOURS: {text!r} must end after it starts, on the same day")
    return start, end


def parse_hours(spec: str, timezone: str = "Asia/Shanghai", closed_days: tuple[str, ...] = ()) -> ServiceHours:
    """The service hours of a spec (see the module docstring); ValueError names what is wrong."""
    zone = ZoneInfo(timezone)
    try:
        closed = frozenset(dt.date.fromisoformat(d) for d in closed_days)
    except ValueError:
        raise ValueError(f"CONSOLE_CLOSED_DAYS must be ISO dates like 2026-10-01, not {closed_days!r}") from None
    text = spec.strip().lower()
    if text in ALWAYS:
        return ServiceHours(tuple(() for _ in DAYS), zone, closed, always=True)
    windows: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    rules = [r.strip() for r in text.split(";") if r.strip()]
    if not rules:
        raise ValueError("CONSOLE_SERVICE_HOURS is empty; write e.g. 'mon-fri 08:30-17:30' or 'always'")
    for rule in rules:
        days, _, times = rule.partition(" ")
        ranges = [_time_range(t.strip()) for t in times.split(",") if t.strip()]
        if not ranges:
            raise ValueError(f"CONSOLE_SERVICE_HOURS: {rule!r} names no time range")
        for day in _day_range(days):
            windows[day] += ranges
    return ServiceHours(tuple(tuple(sorted(w)) for w in windows), zone, closed)
