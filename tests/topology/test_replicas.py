"""Two real Rasa servers sharing one tracker store and the atomic Redis lock store (config/endpoints.production.yml).

The tracker store is PostgreSQL when scripts/with_postgres.sh gives one (CATALOG_TEST_POSTGRES_URL names its
server), else SQLite. The action server and backend are the session stack's (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from topology_helpers import NO_REDIS, REDIS_SERVER, RedisServer

from tests.conftest import Stack
from tests.e2e.stack import MODEL, VENV_BIN, Service, free_port

PRODUCTION_ENDPOINTS = "config/endpoints.production.yml"
# distinct messages, each answered with at least one bot message whatever came before
MESSAGES = ["你好", "身份证丢了怎么补办", "谢谢", "结婚登记要带什么", "你是机器人吗", "居住证怎么办",
            "今天天气怎么样", "护照怎么办", "再见", "公积金怎么取"]


@dataclass
class Replicas:
    """Two Rasa servers, their Redis and their tracker store."""

    urls: list[str]
    services: list[Service]
    redis: RedisServer
    tracker_url: str


def tracker_database(workdir: Path) -> Iterator[str]:
    """A fresh tracker database: on the test PostgreSQL server if there is one, else SQLite."""
    server = os.environ.get("CATALOG_TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite:///{workdir / 'tracker.db'}"
        return
    name = f"tracker_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rasa_replica(workdir: Path, env: dict[str, str], index: int) -> Service:
    """`rasa run` (through bot.rasa_runtime) with the production endpoints file, on its own loopback port."""
    port = free_port()
    command = [str(VENV_BIN / "python"), "-m", "bot.rasa_runtime", "run", "-i", "127.0.0.1", "-p", str(port),
               "-m", str(MODEL),
               "--credentials", "credentials.yml", "--endpoints", PRODUCTION_ENDPOINTS,
               "--logging-config-file", "config/logging.yml"]
    return Service(f"rasa replica {index}", command, f"http://127.0.0.1:{port}/", env,
                   workdir / f"rasa-replica-{index}.log")


@pytest.fixture(scope="module")
def replicas(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    if not REDIS_SERVER:
        pytest.skip(NO_REDIS)
    workdir = tmp_path_factory.mktemp("replicas")
    redis_server = RedisServer(workdir / "redis").start()
    databases = tracker_database(workdir)
    tracker_url = next(databases)
    env = {**stack.env, "TRACKER_STORE_URL": tracker_url, "REDIS_HOST": "127.0.0.1",
           "REDIS_PORT": str(redis_server.port), "REDIS_PASSWORD": "",
           "ACTION_ENDPOINT_URL": stack.actions.ready_url.replace("/health", "/webhook")}
    services = [rasa_replica(workdir, env, index) for index in (1, 2)]
    try:
        with ThreadPoolExecutor(2) as pool:  # both load their model at the same time
            for started in [pool.submit(service.start) for service in services]:
                started.result()
        yield Replicas([s.ready_url.rstrip("/") for s in services], services, redis_server, tracker_url)
    finally:
        for service in services:
            service.stop()
        redis_server.stop()
        databases.close()


def say(url: str, sender: str, message: str) -> tuple[int, list[dict]]:
    reply = requests.post(url + "/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=120)
    return reply.status_code, reply.json() if reply.status_code == 200 else []


def tracker_events(tracker_url: str, sender: str) -> list[dict]:
    """The sender's events as stored, in the order they were written."""
    engine = create_engine(tracker_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                                      {"sender": sender}).all()
    finally:
        engine.dispose()
    return [json.loads(row.data) for row in rows]


def turns(events: list[dict]) -> list[list[dict]]:
    """The events cut into turns, each starting at a user message (what came before the first is dropped)."""
    result: list[list[dict]] = []
    for event in events:
        if event["event"] == "user":
            result.append([event])
        elif result:
            result[-1].append(event)
    return result


def test_one_senders_messages_to_both_replicas_are_handled_one_at_a_time(replicas: Replicas) -> None:
    sender = f"topology-{uuid.uuid4().hex[:10]}"
    barrier = threading.Barrier(len(MESSAGES))
    outcome: dict[str, tuple[int, list[dict], float, float]] = {}

    def send(index: int, message: str) -> None:
        barrier.wait(timeout=30)
        started = time.monotonic()
        status, replies = say(replicas.urls[index % 2], sender, message)  # alternately to both replicas
        outcome[message] = (status, replies, started, time.monotonic())

    with ThreadPoolExecutor(len(MESSAGES)) as pool:
        for done in [pool.submit(send, index, message) for index, message in enumerate(MESSAGES)]:
            done.result()

    assert all(status == 200 and replies for status, replies, _, _ in outcome.values()), outcome
    spans = sorted((start, end) for _, _, start, end in outcome.values())
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)), \
        "the requests never overlapped: the test did not exercise the lock"

    stored = turns(tracker_events(replicas.tracker_url, sender))
    assert sorted(turn[0]["text"] for turn in stored) == sorted(MESSAGES)  # none lost, none doubled
    for turn in stored:
        message = turn[0]["text"]
        assert all(event["event"] != "user" for event in turn[1:])
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", \
            f"the turn of {message!r} did not finish before the next message began: {turn}"
        bot_texts = [event.get("text") for event in turn if event["event"] == "bot"]
        assert bot_texts == [reply.get("text") for reply in outcome[message][1]], \
            f"the replies stored after {message!r} are not the ones its request received"


def test_without_redis_a_message_fails_cleanly_and_service_resumes(replicas: Replicas) -> None:
    """What a client gets while the lock store is down: HTTP 200 with no messages, and nothing is stored."""
    sender = f"topology-{uuid.uuid4().hex[:10]}"
    log = replicas.services[0].log
    replicas.redis.stop()
    try:
        status, replies = say(replicas.urls[0], sender, "你好")
    finally:
        replicas.redis.start()  # same port, empty
    assert (status, replies) == (200, [])
    assert f"lock store unavailable: Redis at 127.0.0.1:{replicas.redis.port}/1" in log.read_text(errors="replace")
    assert tracker_events(replicas.tracker_url, sender) == []
    status, replies = say(replicas.urls[0], sender, "你好")
    assert status == 200 and replies, "the replica did not recover when Redis came back"
