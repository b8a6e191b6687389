"""Fuzzing the citizens' chat endpoint of the running stack: bad bodies, odd text, 100,000 characters.

At least 1,000 generated requests go through a dedicated edge (its per-client limit raised so that the
fuzzer is not simply rate-limited) in front of the stack's real Rasa and action server. Meanwhile another
citizen keeps chatting. Required: no 5xx response, every reply of the other citizen arrives (and none
waits for the fuzzer), and Rasa's memory stays bounded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Stack
from tests.e2e.stack import Service, edge_server

EXAMPLES = 1000
RASA_GROWTH_LIMIT_MB = 300  # a 100,000-character message once grew Rasa from 1 GB to 13.6 GB

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
senders = st.one_of(st.text(min_size=0, max_size=140), st.from_regex(r"[a-z0-9:_-]{1,40}", fullmatch=True),
                    json_values)
messages = st.one_of(st.text(max_size=600), st.text(alphabet="身份证丢了怎么补办公积金户口ZJ0123456789１２３ ",
                                                         max_size=120),
                     st.integers(min_value=100_000, max_value=120_000).map(lambda n: "长" * n), json_values)
bodies = st.one_of(
    st.builds(lambda s, m: json.dumps({"sender": s, "message": m}, ensure_ascii=False).encode(), senders,
              messages),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"[]", '"你好"'.encode(), b"null", b"NaN", b'{"sender": "a", "message": NaN}', b"",
                     b'{"message": "hi"}', b"{", b"\xff\xfe"]),
    st.binary(max_size=300),
)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def fuzz_edge(stack: Stack) -> Iterator[str]:
    env = {**stack.env, "EDGE_RATE_PER_CLIENT": "1000000/minute", "EDGE_RATE_PER_SENDER": "1000000/minute"}
    service: Service = edge_server(stack.workdir, env, stack.rasa_url, name="fuzz-edge")
    service.start()
    try:
        yield service.ready_url.rstrip("/") + "/webhooks/rest/webhook"
    finally:
        service.stop()


class OtherCitizen(threading.Thread):
    """Someone chatting normally through the stack's own edge while the fuzzer runs."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop_event = url, threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        turn = 0
        while not self.stop_event.is_set():
            turn += 1
            started = time.monotonic()
            try:
                # a new person each time, so the edge's per-sender limit never paces this thread
                reply = requests.post(self.url, json={"sender": f"other-citizen-{turn}", "message": "你好"},
                                      timeout=30)
                if reply.status_code != 200 or not reply.json():
                    self.failures.append(f"{reply.status_code} {reply.text[:200]}")
            except requests.RequestException as error:
                self.failures.append(type(error).__name__)
            self.latencies.append(time.monotonic() - started)
            self.stop_event.wait(1.0)  # inside the edge's 120 messages a minute per client


def test_no_input_breaks_the_chat_endpoint(stack: Stack, fuzz_edge: str) -> None:
    rasa_pid = stack.rasa.process.pid
    before = rss_mb(rasa_pid)
    other = OtherCitizen(stack.edge_url + "/webhooks/rest/webhook")
    other.start()
    statuses: dict[int, int] = {}
    sent = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(body=bodies)
    def post(body: bytes) -> None:
        nonlocal sent
        reply = requests.post(fuzz_edge, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        sent += 1
        statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1
        assert reply.status_code < 500, (reply.status_code, body[:200], reply.text[:300])
        assert "Traceback" not in reply.text
        if reply.status_code == 200:
            assert reply.json(), body[:200]  # never a silent empty reply

    try:
        post()
    finally:
        other.stop_event.set()
        other.join(timeout=60)
    after = rss_mb(rasa_pid)
    assert sent >= EXAMPLES, sent
    assert statuses.get(200, 0) > 50 and statuses.get(400, 0) > 50, statuses  # both paths were exercised
    assert not other.failures, other.failures
    # other people were answered throughout, each promptly (no stall behind the fuzzer)
    assert len(other.latencies) >= 3 and max(other.latencies) < 5, other.latencies
    assert after - before < RASA_GROWTH_LIMIT_MB, (before, after)


def test_a_hundred_thousand_characters_are_refused_before_rasa(stack: Stack, fuzz_edge: str) -> None:
    before = rss_mb(stack.rasa.process.pid)
    reply = requests.post(fuzz_edge, json={"sender": "big", "message": "我" * 100_000}, timeout=30)
    assert reply.status_code == 400 and "太长" in reply.json()["error"]
    assert rss_mb(stack.rasa.process.pid) - before < 50
