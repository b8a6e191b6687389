"""AtomicRedisLockStore on a real redis-server, and Rasa's own RedisLockStore under the same harness.

Replicas are separate processes (or store instances with their own Redis clients); nothing is mocked.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
import uuid
from collections import Counter

import pytest
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from topology_helpers import RedisServer, atomic_store, issue_many, rasa_store, serve_in_turn

from bot.lockstore import AtomicRedisLockStore
from bot.lockstore.settings import settings_from_options
from tests.e2e.stack import ROOT

REPLICAS, THREADS, PER_THREAD = 3, 6, 30


def conversation() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


def in_replicas(function, arguments: list[tuple]) -> list:  # noqa: ANN001
    """Run `function` once per argument tuple, each in its own (spawned) process."""
    with multiprocessing.get_context("spawn").Pool(len(arguments)) as pool:
        return pool.starmap(function, arguments)


def issue_from_replicas(kind: str, port: int, conv: str) -> list[list[int]]:
    """Every thread's tickets, in issue order, from REPLICAS processes x THREADS threads."""
    start_at = time.time() + 4  # after every process has imported Rasa
    per_replica = in_replicas(issue_many, [(kind, port, conv, THREADS, PER_THREAD, start_at)] * REPLICAS)
    return [thread for replica in per_replica for thread in replica]


# --- ticket issuance ----------------------------------------------------------------------------------

def test_tickets_issued_at_once_by_many_replicas_are_unique_and_increasing(redis_server: RedisServer) -> None:
    conv = conversation()
    threads = issue_from_replicas("atomic", redis_server.port, conv)
    tickets = [ticket for thread in threads for ticket in thread]
    total = REPLICAS * THREADS * PER_THREAD
    assert sorted(tickets) == list(range(1, total + 1))  # unique, none skipped
    assert all(a < b for thread in threads for a, b in zip(thread, thread[1:], strict=False))
    queue = atomic_store(redis_server.port).get_lock(conv)
    assert queue is not None and [t.number for t in queue.tickets] == list(range(1, total + 1))  # none lost


def test_rasa_redis_lock_store_hands_out_duplicates_under_the_same_harness(redis_server: RedisServer) -> None:
    """The bug the atomic store fixes (rasa #9213): GET, +1, SET from several replicas."""
    conv = conversation()
    threads = issue_from_replicas("rasa", redis_server.port, conv)
    tickets = [ticket for thread in threads for ticket in thread]
    duplicates = sum(count - 1 for count in Counter(tickets).values())
    stored = rasa_store(redis_server.port).get_lock(conv)
    print(f"Rasa's RedisLockStore: {len(tickets)} tickets issued, {duplicates} duplicates, "
          f"{len(stored.tickets) if stored else 0} left in the queue")
    assert duplicates > 0
    assert stored is not None and len(stored.tickets) < len(tickets)  # one replica's write erased another's


class ReadThenWait(RedisLockStore):
    """Rasa's store, pausing after it has read the lock until the other replica has read it too."""

    def __init__(self, port: int, barrier: threading.Barrier) -> None:
        super().__init__(host="127.0.0.1", port=port, db=1, key_prefix="test")
        self.barrier = barrier

    def get_lock(self, conversation_id: str):  # noqa: ANN201
        lock = super().get_lock(conversation_id)
        self.barrier.wait(timeout=10)
        return lock


def test_rasa_redis_lock_store_gives_two_replicas_one_ticket_number(redis_server: RedisServer) -> None:
    """The same race as a deterministic interleaving: both replicas read, then both write."""
    conv = conversation()
    barrier = threading.Barrier(2)
    got: list[int] = []

    def replica() -> None:
        got.append(ReadThenWait(redis_server.port, barrier).issue_ticket(conv))

    workers = [threading.Thread(target=replica) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    assert got == [0, 0]  # two messages, one ticket number: both would run at once
    assert len(rasa_store(redis_server.port).get_lock(conv).tickets) == 1


# --- serving in order ---------------------------------------------------------------------------------

def test_the_lock_is_held_by_one_message_at_a_time_in_ticket_order(redis_server: RedisServer) -> None:
    conv, log_key, per_replica = conversation(), f"log-{uuid.uuid4().hex}", 8
    start_at = time.time() + 4
    served = in_replicas(serve_in_turn, [(redis_server.port, conv, per_replica, log_key, start_at)] * REPLICAS)
    assert sum(served) == REPLICAS * per_replica
    log = [entry.decode() for entry in redis_server.client().lrange(log_key, 0, -1)]
    expected: list[str] = []
    for ticket in range(1, REPLICAS * per_replica + 1):
        expected += [f"enter {ticket}", f"exit {ticket}"]
    assert log == expected  # never two holders, every ticket served, in the order issued


class OtherReplicaArrivesDuringCleanup(RedisLockStore):
    """Rasa's store; while it decides whether to delete the lock, another replica issues a ticket."""

    def __init__(self, port: int, other: LockStore) -> None:
        super().__init__(host="127.0.0.1", port=port, db=1, key_prefix="test")
        self.other = other
        self.other_ticket: int | None = None

    def is_someone_waiting(self, conversation_id: str) -> bool:
        waiting = super().is_someone_waiting(conversation_id)
        self.other_ticket = self.other.issue_ticket(conversation_id)
        return waiting


def test_rasa_redis_lock_store_deletes_a_ticket_issued_during_cleanup(redis_server: RedisServer) -> None:
    """Rasa's cleanup checks for waiters and deletes the lock in two steps: the newcomer's ticket is lost."""
    conv = conversation()
    other = rasa_store(redis_server.port)
    first = OtherReplicaArrivesDuringCleanup(redis_server.port, other)
    ticket = first.issue_ticket(conv)
    first.cleanup(conv, ticket)
    assert first.other_ticket is not None
    assert other.get_lock(conv) is None
    with pytest.raises(LockError):
        asyncio.run(other._acquire_lock(conv, first.other_ticket, 0.01))


def test_a_ticket_issued_around_cleanup_survives_it(redis_server: RedisServer) -> None:
    conv = conversation()
    first, other = atomic_store(redis_server.port), atomic_store(redis_server.port)
    ticket = first.issue_ticket(conv)
    before = other.issue_ticket(conv)
    first.cleanup(conv, ticket)
    after = other.issue_ticket(conv)
    queue = other.get_lock(conv)
    assert queue is not None and [t.number for t in queue.tickets] == [before, after]
    assert not queue.is_locked(before)


# --- expiry -------------------------------------------------------------------------------------------

async def _enter(store: AtomicRedisLockStore, conv: str, lifetime: float) -> int:
    async with store.lock(conv, lock_lifetime=lifetime, wait_time_in_seconds=0.02) as lock:
        return lock.now_serving or 0


def test_an_abandoned_ticket_stops_blocking_when_it_expires(redis_server: RedisServer) -> None:
    conv = conversation()
    crashed, alive = atomic_store(redis_server.port), atomic_store(redis_server.port)
    abandoned = crashed.issue_ticket(conv, lock_lifetime=0.3)  # its replica died before finishing
    served = asyncio.run(asyncio.wait_for(_enter(alive, conv, 10), timeout=10))
    assert served == abandoned + 1
    assert alive.get_lock(conv) is None  # the served ticket was finished, the abandoned one purged


def test_a_waiter_whose_ticket_expires_gets_a_lock_error_at_once(redis_server: RedisServer) -> None:
    """Rasa's loop would keep waiting until the whole queue is gone; this one stops when its ticket is."""
    conv = conversation()
    holder = atomic_store(redis_server.port)
    holder.issue_ticket(conv, lock_lifetime=30)
    with pytest.raises(LockError, match="expired while waiting"):
        asyncio.run(asyncio.wait_for(_enter(atomic_store(redis_server.port), conv, 0.3), timeout=10))
    remaining = holder.get_lock(conv)
    assert remaining is not None and len(remaining.tickets) == 1


def test_an_abandoned_queue_leaves_redis_by_itself(redis_server: RedisServer) -> None:
    conv = conversation()
    store = atomic_store(redis_server.port, retention=0.3)
    store.issue_ticket(conv, lock_lifetime=0.3)
    client = redis_server.client()
    assert 0 < client.pttl(store.key(conv)) <= 600
    deadline = time.monotonic() + 10
    while client.exists(store.key(conv)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client.exists(store.key(conv))


def test_ticket_numbers_are_not_reused_after_the_queue_empties(redis_server: RedisServer) -> None:
    conv = conversation()
    store = atomic_store(redis_server.port)
    first = store.issue_ticket(conv)
    store.cleanup(conv, first)
    assert store.get_lock(conv) is None
    assert store.issue_ticket(conv) == first + 1


def test_a_retried_issue_returns_the_ticket_already_given(redis_server: RedisServer) -> None:
    """The connection may drop after Redis ran the script; the retry must not queue a second ticket."""
    conv = conversation()
    store = atomic_store(redis_server.port)
    request = uuid.uuid4().hex
    numbers = [store._issue(keys=[store.key(conv)], args=[60000, 600000, request]) for _ in range(2)]
    assert numbers[0] == numbers[1]
    assert [t.number for t in store.get_lock(conv).tickets] == [numbers[0]]


def test_save_and_delete_keep_the_queue_consistent(redis_server: RedisServer) -> None:
    conv = conversation()
    store = atomic_store(redis_server.port)
    for _ in range(3):
        store.issue_ticket(conv)
    lock = store.get_lock(conv)
    lock.remove_ticket_for(2)
    store.save_lock(lock)
    assert [t.number for t in store.get_lock(conv).tickets] == [1, 3]
    store.delete_lock(conv)
    assert store.get_lock(conv) is None
    assert store.issue_ticket(conv) == 4


# --- Redis unreachable ----------------------------------------------------------------------------------

def test_an_unreachable_redis_gives_a_clear_lock_error_without_the_password() -> None:
    from tests.e2e.stack import free_port

    port = free_port()  # nobody listens here
    store = AtomicRedisLockStore(settings=settings_from_options("127.0.0.1", {"port": port, "password": "s3cret"}))
    with pytest.raises(LockError) as raised:
        store.issue_ticket(conversation())
    assert f"Redis at 127.0.0.1:{port}/1" in str(raised.value)
    assert "s3cret" not in str(raised.value)

    async def handle() -> None:
        async with store.lock(conversation()):
            pytest.fail("the lock must not be granted without Redis")

    with pytest.raises(LockError, match="lock store unavailable"):
        asyncio.run(handle())


def test_a_redis_failure_after_the_message_only_leaves_the_ticket_to_expire(
        own_redis: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    conv = "wx:appid:openid-of-a-citizen"
    store = atomic_store(own_redis.port)
    ticket = store.issue_ticket(conv)
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="bot.lockstore.store"):
        store.cleanup(conv, ticket)  # must not turn a handled message into a failure
    assert "will expire by itself" in caplog.text
    assert "openid-of-a-citizen" not in caplog.text


def test_the_store_recovers_when_redis_comes_back(own_redis: RedisServer) -> None:
    conv = conversation()
    store = atomic_store(own_redis.port)
    store.issue_ticket(conv)
    own_redis.stop()
    with pytest.raises(LockError):
        store.issue_ticket(conv)
    own_redis.start()  # same port, empty (no persistence)
    assert store.issue_ticket(conv) == 1


# --- configuration --------------------------------------------------------------------------------------

def test_rasa_builds_the_store_from_the_production_endpoints_file(
        redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port), "REDIS_PASSWORD": "",
                        "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook", "ACTION_SERVER_TOKEN": "x" * 20,
                        "TRACKER_STORE_URL": "sqlite://"}.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "config" / "endpoints.production.yml"))
    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore)
    assert (store.settings.host, store.settings.port, store.settings.db) == ("127.0.0.1", redis_server.port, 1)
    assert store.settings.password is None
    assert store.key("wx:app:openid").startswith("onevisit:ticketlock:") and "openid" not in store.key("wx:app:openid")
    assert store.issue_ticket(conversation()) == 1
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(endpoints.lock_store) == 2  # Rasa sees a multi-worker-safe store


@pytest.mark.parametrize("options, message", [
    ({"prot": 6379}, "unknown option"),
    ({"port": "six"}, "port must be a number"),
    ({"key_prefix": "one-visit"}, "letters and digits"),
    ({"socket_timeout": 0}, "socket_timeout must be positive"),
])
def test_bad_options_fail_at_start_up_with_their_name(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings_from_options("127.0.0.1", options)


def test_a_redis_url_is_accepted_and_described_without_its_password() -> None:
    settings = settings_from_options("redis://:s3cret@cache.internal:6390/2", {})
    assert settings.url and settings.describe() == "redis://cache.internal:6390/2"
    with pytest.raises(ValueError, match="redis://"):
        settings_from_options("http://cache.internal", {})

