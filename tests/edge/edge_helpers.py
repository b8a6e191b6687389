"""Helpers for the edge tests: serving an aiohttp app on loopback from a thread, and a fake Rasa."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from tests.e2e.stack import free_port  # noqa: F401  (the edge tests take it from here)

EdgeFactory = Callable[..., str]


class Served:
    """An aiohttp application served on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, app: web.Application):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        # a connection still open at stop (a client sending a refused 300 kB body) is waited for this long, well
        # inside stop()'s own 10 s; aiohttp's default is 60 s
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        self.port = 0

    def start(self) -> Served:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class FakeRasa:
    """Stands in for Rasa's REST channel: records each JSON body; `mode` says how to answer."""

    mode: str = "ok"  # ok | error | slow | garbage | silent (200 with no message, as when a turn fails inside)
    received: list[dict] = field(default_factory=list)
    served: Served | None = None

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(body)
        if self.mode == "error":
            return web.json_response({"message": "boom"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(5)
        if self.mode == "garbage":
            return web.Response(text="<html>not json</html>")
        if self.mode == "silent":
            return web.json_response([])
        return web.json_response([{"recipient_id": body.get("sender"), "text": "好的，请问您在哪个区县？"}])

    @property
    def url(self) -> str:
        assert self.served is not None
        return self.served.url
