"""The hook outbox: hand back and close reach the Rasa side's URL with the shared token, retried until accepted."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from console_helpers import ConsoleFactory, Served

from bot.console.hooks import HookOutbox


@dataclass
class FlakyRasa:
    """A loopback server that answers 500 to the first ``failures`` hooks, then 200; it records what came."""

    failures: int = 1
    received: list[tuple[dict, str | None]] = field(default_factory=list)

    async def hook(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get("X-Console-Token")))
        if len(self.received) <= self.failures:
            return web.json_response({"error": "busy"}, status=500)
        return web.json_response({"ok": True})

    def serve(self) -> Served:
        app = web.Application()
        app.router.add_post("/hooks/console", self.hook)
        return Served(app).start()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_failed_hook_is_kept_and_retried(db_url: str, start_console: ConsoleFactory,
                                         caplog: pytest.LogCaptureFixture) -> None:
    rasa = FlakyRasa(failures=2)
    served = rasa.serve()
    try:
        console = start_console(db_url)  # no hook URL: the service's own loop stays idle
        desk = console.services.desk
        ticket = desk.request_handoff("web-hook", "web", None, "转人工")
        console.agent.post(f"/api/tickets/{ticket.id}/take")
        console.agent.post(f"/api/tickets/{ticket.id}/hand-back")

        clock = Clock()
        outbox = HookOutbox(console.services.engine, served.url + "/hooks/console", "shared-secret", timeout=2.0,
                            clock=clock, base_backoff=2.0)

        async def deliver() -> int:
            async with aiohttp.ClientSession() as session:
                return await outbox.deliver_due(session)

        with caplog.at_level(logging.WARNING, logger="bot.console.hooks"):
            assert asyncio.run(deliver()) == 0  # 500: not delivered
        assert "HTTP 500" in caplog.text and "web#" in caplog.text and "web-hook" not in caplog.text
        row = outbox.rows()[0]
        assert (row["attempts"], row["last_error"], row["delivered_at"]) == (1, "HTTP 500", None)
        assert row["next_attempt_at"] == clock.now + 2.0
        assert asyncio.run(deliver()) == 0 and len(rasa.received) == 1  # not due yet: nothing sent
        clock.now += 2.0
        assert asyncio.run(deliver()) == 0 and outbox.rows()[0]["next_attempt_at"] == clock.now + 4.0  # backs off
        clock.now += 4.0
        assert asyncio.run(deliver()) == 1
        assert outbox.rows(undelivered_only=True) == []
        assert [body for body, _ in rasa.received] == [{"sender": "web-hook", "event": "resumed",
                                                       "ticket": ticket.id}] * 3
        assert {token for _, token in rasa.received} == {"shared-secret"}
        assert asyncio.run(deliver()) == 0 and len(rasa.received) == 3  # delivered once, never again
    finally:
        served.stop()


def test_unreachable_hook_is_never_lost(sqlite_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(sqlite_url)
    ticket = console.services.desk.request_handoff("web-gone", "web", None, "转人工")
    console.agent.post(f"/api/tickets/{ticket.id}/close")
    outbox = HookOutbox(console.services.engine, "http://127.0.0.1:9/unreachable", "t", timeout=1.0)

    async def deliver() -> int:
        async with aiohttp.ClientSession() as session:
            return await outbox.deliver_due(session)

    assert asyncio.run(deliver()) == 0
    row = outbox.rows()[0]
    assert row["event"] == "closed" and row["attempts"] == 1 and row["delivered_at"] is None
    assert row["last_error"] in ("ClientConnectorError", "ClientOSError", "timeout")


def test_the_running_service_delivers_by_itself(sqlite_url: str, start_console: ConsoleFactory) -> None:
    rasa = FlakyRasa(failures=0)
    served = rasa.serve()
    try:
        console = start_console(sqlite_url, rasa_hook_url=served.url + "/hooks/console", rasa_hook_token="tok")
        ticket = console.services.desk.request_handoff("web-live", "web", None, "转人工")
        console.agent.post(f"/api/tickets/{ticket.id}/take")
        assert console.agent.post(f"/api/tickets/{ticket.id}/close").status_code == 200
        deadline = time.monotonic() + 20
        while not rasa.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rasa.received == [({"sender": "web-live", "event": "closed", "ticket": ticket.id}, "tok")]
    finally:
        served.stop()
