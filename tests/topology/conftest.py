"""Fixtures of the topology tests: real redis-server processes on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from topology_helpers import NO_REDIS, REDIS_SERVER, RedisServer


def _require_redis() -> None:
    if not REDIS_SERVER:
        pytest.skip(NO_REDIS)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis for the lock store tests (each test uses its own conversation ids)."""
    _require_redis()
    server = RedisServer(Path(tmp_path_factory.mktemp("redis"))).start()
    yield server
    server.stop()


@pytest.fixture()
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis this test may stop and start again."""
    _require_redis()
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
