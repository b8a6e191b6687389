"""Tracker-store failures cost no answered turn: reads and writes are retried, a read that keeps failing goes up
(no answer from an empty tracker). Real Rasa tracker stores on SQLite; the failures are injected because a
database cannot be made to fail on cue here (the PostgreSQL restart itself is in tests/topology/test_load_short.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_runtime import resilience

DOMAIN = Domain.from_yaml("version: '3.1'\nintents: [greet]\n")


class Flaky:
    """Wraps a tracker store: the next `failures` reads or writes raise, as a restarting database does."""

    def __init__(self, store: SQLTrackerStore, failures: int):
        self.store, self.failures, self.calls = store, failures, 0

    def __getattr__(self, name: str) -> object:  # domain, event broker ...: the wrapped store's
        return getattr(self.store, name)

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("server closed the connection unexpectedly")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        self._maybe_fail()
        return await self.store.retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._maybe_fail()
        await self.store.save(tracker)


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    resilience.install()
    monkeypatch.setenv("TRACKER_STORE_RETRIES", "3")
    monkeypatch.setenv("TRACKER_STORE_RETRY_DELAY", "0.01")


def sql_store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))


def tracker_with(sender: str, *texts: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [UserUttered(t, {"name": "greet"}) for t in texts])


def user_texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def fail_safe(primary: Flaky) -> FailSafeTrackerStore:
    return FailSafeTrackerStore(primary)  # type: ignore[arg-type]


def test_a_write_during_a_short_outage_reaches_the_database(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    flaky = Flaky(store, failures=2)
    asyncio.run(fail_safe(flaky).save(tracker_with("a", "你好")))
    assert flaky.calls == 3
    assert user_texts(asyncio.run(store.retrieve("a"))) == ["你好"]


def test_a_read_during_a_short_outage_gets_the_whole_conversation(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    asyncio.run(store.save(tracker_with("b", "身份证丢了", "杭州市西湖区")))
    found = asyncio.run(fail_safe(Flaky(store, failures=2)).retrieve("b"))
    assert user_texts(found) == ["身份证丢了", "杭州市西湖区"]


def test_a_read_that_keeps_failing_goes_up_instead_of_starting_over(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    asyncio.run(store.save(tracker_with("c", "身份证丢了")))
    flaky = Flaky(store, failures=10)
    with pytest.raises(ConnectionError):
        asyncio.run(fail_safe(flaky).retrieve("c"))
    assert flaky.calls == 3  # three attempts, then the error


def test_a_write_that_keeps_failing_falls_back_to_memory_as_in_rasa(tmp_path: Path) -> None:
    store = sql_store(tmp_path)
    safe = fail_safe(Flaky(store, failures=10))
    asyncio.run(safe.save(tracker_with("d", "你好")))
    assert isinstance(safe.fallback_tracker_store, InMemoryTrackerStore)
    assert user_texts(asyncio.run(safe.fallback_tracker_store.retrieve("d"))) == ["你好"]
    assert asyncio.run(store.retrieve("d")) is None


def test_bad_retry_settings_fall_back_to_the_defaults() -> None:
    assert resilience.retry_settings({"TRACKER_STORE_RETRIES": "x"}) == (3, 0.5)
    assert resilience.retry_settings({"TRACKER_STORE_RETRIES": "0", "TRACKER_STORE_RETRY_DELAY": "-1"}) == (1, 0.0)
