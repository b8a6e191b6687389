"""Abandoning a fit early: a fit asked for in the background checks between its stages whether it is still wanted."""

from __future__ import annotations

from collections.abc import Callable

# Asked between the stages of a fit: True when the fit is no longer wanted and should stop.
Cancelled = Callable[[], bool]


class FitCancelled(Exception):
    """A fit stopped early because whoever asked for it no longer wants it (a newer catalog replaced its own)."""


def never_cancelled() -> bool:
    """The default: a fit is always wanted to the end."""
    return False


def stop_if_cancelled(cancelled: Cancelled, stage: str) -> None:
    """Raise FitCancelled, naming the stage the fit was about to begin, when `cancelled()` says so."""
    if cancelled():
        raise FitCancelled(stage)
