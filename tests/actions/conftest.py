"""Action tests run the real actions against a real catalog database (SQLite in a temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import bot.catalog.provider as provider_module
from bot.catalog.db import engine_for
from bot.catalog.provider import CatalogProvider
from bot.knowledge.load import load_knowledge

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def catalog_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogProvider]:
    """The knowledge loaded into a temporary SQLite file, installed as the actions' provider."""
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.db'}"
    load_knowledge(ROOT / "knowledge", engine_for(url))
    provider = CatalogProvider(engine_for(url), interval=3600)
    saved = provider_module.set_default_provider(provider)
    yield provider
    provider_module.set_default_provider(saved)


def tracker(text: str = "", intent: str = "ask_materials", slots: dict[str, Any] | None = None,
            entities: list[dict[str, Any]] | None = None, active_loop: str | None = None,
            sender: str = "test-user") -> Tracker:
    """A tracker whose latest message is `text`, in a conversation of `sender`."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    return Tracker(sender, dict(slots or {}), message, [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """SlotSet events as a dict."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture()
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
