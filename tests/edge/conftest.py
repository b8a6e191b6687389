"""Fixtures: the real edge application served on loopback, and a fake Rasa that records what reached it.

Both are real aiohttp servers on free loopback ports, each on its own event loop in a background thread, so
the tests talk to them over HTTP with `requests` (and `http.client` where the exact request line matters).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiohttp import web
from edge_helpers import EdgeFactory, FakeRasa, Served

from bot.edge.app import create_app
from bot.edge.settings import load_settings


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    """A fake Rasa on a free port."""
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", fake.webhook)
    fake.served = Served(app).start()
    yield fake
    fake.served.stop()



@pytest.fixture()
def start_edge(rasa: FakeRasa) -> Iterator[EdgeFactory]:
    """Start an edge with environment-style overrides (e.g. EDGE_RATE_PER_SENDER="3/minute"); returns its URL.

    Defaults point it at the fake Rasa with generous limits, so each test tightens only what it tests.
    """
    started: list[Served] = []

    def start(**env: str) -> str:
        settings = load_settings({"RASA_URL": rasa.url, "EDGE_RATE_PER_SENDER": "1000/minute",
                                  "EDGE_RATE_PER_CLIENT": "1000/minute", "EDGE_LOG_KEY": "test-key", **env})
        served = Served(create_app(settings)).start()
        started.append(served)
        return served.url

    yield start
    for served in started:
        served.stop()


@pytest.fixture()
def edge(start_edge: EdgeFactory) -> str:
    """An edge with the default test settings."""
    return start_edge()
