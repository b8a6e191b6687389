"""bot.privacy.retention: old events deleted from Rasa's own SQL tracker store, recent ones kept."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.privacy.retention import DAY, purge_older_than, retention_days

ROOT = Path(__file__).resolve().parents[2]


def _store(path: Path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))


def _save(store, sender: str, timestamps: list[float]) -> None:
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [SessionStarted(timestamp=timestamps[0])]
    for when in timestamps:
        events += [UserUttered("办身份证", {"name": "ask_materials"}, timestamp=when),
                   ActionExecuted("action_listen", timestamp=when + 1)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def _counts(path: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return {sender: count for sender, count in rows}


@pytest.fixture
def tracker_db(tmp_path: Path) -> Path:
    """A tracker store made by Rasa: one old conversation, one old and recent, one recent."""
    now = time.time()
    path = tmp_path / "tracker.db"
    store = _store(path)
    _save(store, "old", [now - 40 * DAY, now - 39 * DAY])  # 5 events, all old
    _save(store, "mixed", [now - 35 * DAY, now - 2 * DAY])  # 1 + 2 old, 2 recent
    _save(store, "recent", [now - 1 * DAY])  # 3 recent
    store.engine.dispose()
    return path


def test_purge_removes_only_old_events(tracker_db):
    assert _counts(tracker_db) == {"old": 5, "mixed": 5, "recent": 3}
    conversations, events = purge_older_than(f"sqlite:///{tracker_db}", 30)
    assert (conversations, events) == (1, 8)
    assert _counts(tracker_db) == {"mixed": 2, "recent": 3}
    assert purge_older_than(f"sqlite:///{tracker_db}", 30) == (0, 0)


def test_rasa_still_reads_what_is_left(tracker_db):
    purge_older_than(f"sqlite:///{tracker_db}", 30)
    store = _store(tracker_db)
    tracker = asyncio.run(store.retrieve_full_tracker("mixed"))
    assert tracker is not None and [e.text for e in tracker.events if hasattr(e, "text")] == ["办身份证"]
    assert asyncio.run(store.retrieve("old")) is None
    store.engine.dispose()


def test_no_tracker_store_yet(tmp_path):
    missing = tmp_path / "none.db"
    assert purge_older_than(f"sqlite:///{missing}", 30) == (0, 0)
    assert not missing.exists()


def test_retention_days_from_the_environment(monkeypatch):
    monkeypatch.delenv("CONVERSATION_RETENTION_DAYS", raising=False)
    assert retention_days() == 30
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    assert retention_days() == 7
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "0")
    with pytest.raises(ValueError):
        retention_days()


def test_the_command_line(tracker_db, tmp_path):
    env = {**os.environ, "TRACKER_STORE_URL": f"sqlite:///{tracker_db}", "CONVERSATION_RETENTION_DAYS": "39.5",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "privacy", "purge"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "conversations=0 events=3" in result.stdout  # 39.5 days: the first three events of "old"
    result = subprocess.run([sys.executable, "-m", "bot", "privacy", "purge", "--days", "30"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "conversations=1 events=5" in result.stdout
    assert _counts(tracker_db) == {"mixed": 2, "recent": 3}
