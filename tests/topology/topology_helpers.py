"""Helpers for the topology tests: a real redis-server on a free loopback port, and worker functions that
play Rasa replicas in child processes (they live here so that spawned processes can import them)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.e2e.stack import free_port

REDIS_SERVER = shutil.which("redis-server")
NO_REDIS = "redis-server is not installed (`make services` installs it; `make test` runs that first)"


@dataclass
class RedisServer:
    """A throw-away redis-server: loopback only, no persistence, its own directory."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 20.0) -> RedisServer:
        """Start and wait until it answers PING."""
        assert REDIS_SERVER, NO_REDIS
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir), "--protected-mode", "yes"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.client().ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start: {(self.workdir / 'redis.log').read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, db: int = 1) -> redis.Redis:
        """A plain client with short timeouts."""
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=2, socket_connect_timeout=2)


def atomic_store(port: int, prefix: str = "test", **options: object):  # noqa: ANN201 (lazy import of Rasa)
    """An AtomicRedisLockStore on the test server (each call: a new client, like another replica)."""
    from bot.lockstore.settings import RedisSettings
    from bot.lockstore.store import AtomicRedisLockStore

    return AtomicRedisLockStore(settings=RedisSettings(host="127.0.0.1", port=port, key_prefix=prefix,
                                                       **options))  # type: ignore[arg-type]


def rasa_store(port: int, prefix: str = "test"):  # noqa: ANN201
    """Rasa's own RedisLockStore on the test server."""
    from rasa.core.lock_store import RedisLockStore

    return RedisLockStore(host="127.0.0.1", port=port, db=1, key_prefix=prefix)


def issue_many(kind: str, port: int, conversation: str, threads: int, per_thread: int,
               start_at: float) -> list[list[int]]:
    """One replica: `threads` threads each issue `per_thread` tickets; each thread's tickets in issue order.

    All replicas wait for the wall-clock moment `start_at`, then every thread passes one barrier, so the
    issuing really overlaps.
    """
    store = atomic_store(port) if kind == "atomic" else rasa_store(port)
    barrier = threading.Barrier(threads)
    results: list[list[int]] = [[] for _ in range(threads)]

    def work(index: int) -> None:
        barrier.wait(timeout=30)
        for _ in range(per_thread):
            results[index].append(store.issue_ticket(conversation, 120))

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    time.sleep(max(0.0, start_at - time.time()))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def serve_in_turn(port: int, conversation: str, tasks: int, log_key: str, start_at: float) -> int:
    """One replica: `tasks` concurrent messages of one conversation, each taking the lock and writing
    "enter <ticket>" and "exit <ticket>" to a shared Redis list while it holds it. Returns how many ran."""
    store = atomic_store(port)
    log = store.red

    async def message() -> None:
        async with store.lock(conversation, lock_lifetime=60, wait_time_in_seconds=0.005) as lock:
            ticket = lock.now_serving
            log.rpush(log_key, f"enter {ticket}")
            await asyncio.sleep(0.002)
            log.rpush(log_key, f"exit {ticket}")

    async def main() -> None:
        await asyncio.gather(*(message() for _ in range(tasks)))

    time.sleep(max(0.0, start_at - time.time()))
    asyncio.run(main())
    return tasks
