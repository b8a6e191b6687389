"""Helpers for the console tests: serving the real application on loopback, a small API client, users."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from aiohttp import web

from bot.catalog.provider import CatalogProvider, Snapshot
from bot.console.api import Services

PASSWORD = "correct horse battery"
ROLE_SETS: dict[str, tuple[str, ...]] = {
    "agent": ("agent",),
    "supervisor": ("supervisor",),
    "maintainer": ("maintainer",),
}


class Served:
    """An aiohttp application served on 127.0.0.1 (a free port) from a background thread."""

    def __init__(self, app: web.Application):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = web.AppRunner(app, access_log=None)
        self.port = 0

    def start(self) -> Served:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
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
        if self.loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class Api:
    """Calls one console over HTTP, with a bearer token when logged in."""

    url: str
    token: str | None = None
    user: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, path: str, json: Any = None, token: str | None = None, **params: Any
             ) -> requests.Response:
        headers = {}
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return requests.request(method, self.url + path, json=json, headers=headers, params=params or None,
                                timeout=60)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.call("GET", path, **params)

    def post(self, path: str, json: Any = None) -> requests.Response:
        return self.call("POST", path, json=json if json is not None else {})

    def login(self, name: str, password: str = PASSWORD) -> Api:
        """A client logged in as ``name``."""
        response = requests.post(self.url + "/api/login", json={"name": name, "password": password}, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        return Api(self.url, body["token"], body["user"])


@dataclass
class Catalog:
    """A loaded copy of the knowledge: its folder, database URL, provider and the snapshot first built."""

    knowledge: Path
    url: str
    provider: CatalogProvider
    snapshot: Snapshot


@dataclass
class Console:
    """A running console: its services, URL and a client per role (logged in)."""

    services: Services
    served: Served
    api: Api
    agent: Api
    agent2: Api
    supervisor: Api
    maintainer: Api

    @property
    def url(self) -> str:
        return self.served.url


ConsoleFactory = Callable[..., Console]
