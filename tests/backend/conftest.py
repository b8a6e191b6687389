"""Fixtures: the reference server started as `python -m backend serve`, and the OpenAPI contract."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from aiohttp import web

from backend.testing import Contract, RunningServer, running_server

TOKEN = "test-token"
CASE_PATH = "/v1/cases/{case_number}"


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract.load()


@pytest.fixture(scope="session")
def backend_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Generous request limit; 5 failed verifications of a case lock that requester out of it."""
    env = {"BACKEND_RATE_LIMIT": "10000", "BACKEND_VERIFY_FAILURE_LIMIT": "5"}
    with running_server(tmp_path_factory.mktemp("backend"), token=TOKEN, env=env) as server:
        yield server


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Three requests per end user (or per client without X-End-User) per minute."""
    env = {"BACKEND_RATE_LIMIT": "3", "BACKEND_RATE_WINDOW": "60"}
    with running_server(tmp_path_factory.mktemp("limited"), token=TOKEN, env=env) as server:
        yield server


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


@contextmanager
def app_in_thread(app: web.Application) -> Iterator[str]:
    """Serve an aiohttp app on a free loopback port in a background thread; yield its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    ready = threading.Event()
    stopped: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
        except BaseException as exc:
            stopped.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="app-in-thread", daemon=True)
    thread.start()
    assert ready.wait(10), "app did not start"
    if stopped:
        raise stopped[0]
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def serve_app():
    """``with serve_app(app) as url:`` runs an in-process app on loopback."""
    return app_in_thread
