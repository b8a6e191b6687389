"""The locust user: one simulated citizen at a time, each conversation under a fresh sender id.

Run by bench.load.runner as `locust --headless -f bench/load/locustfile.py ...` in its own process (locust
patches the standard library with gevent). Read from the environment:
  LOAD_RECORDS          file the turn records are appended to (JSON lines, bench.load.records)
  LOAD_THINK_MIN/MAX    pause between two turns, seconds (0 and 0: no pause, the throughput phase)
  LOAD_REQUEST_TIMEOUT  client timeout of one turn, seconds
Each task run is one turn, so stopping waits at most for the turn in flight (--stop-timeout).
"""

from __future__ import annotations

import os
import random
import time
import uuid

from locust import FastHttpUser, between, task

from bench.load import records
from bench.load.scripts import Conversation, new_conversation

WEBHOOK = "/webhooks/rest/webhook"
_stream = None


def _records():  # noqa: ANN202 (a text file)
    """The shared record file of this process, opened on first use."""
    global _stream
    if _stream is None:
        _stream = open(os.environ["LOAD_RECORDS"], "a", encoding="utf-8")  # noqa: SIM115 (lives with the process)
    return _stream


class Citizen(FastHttpUser):
    """Holds one scripted conversation after another through the edge's REST channel."""

    wait_time = between(float(os.environ.get("LOAD_THINK_MIN", "0")), float(os.environ.get("LOAD_THINK_MAX", "0")))
    network_timeout = float(os.environ.get("LOAD_REQUEST_TIMEOUT", "45"))
    connection_timeout = 5.0
    max_retries = 0  # a turn is sent once: a retry could process the same message twice

    def on_start(self) -> None:
        self.rng = random.Random()
        self._begin()

    def _begin(self) -> None:
        self.sender = f"load-{uuid.uuid4().hex[:16]}"
        self.conversation: Conversation = new_conversation(self.rng)
        self.replies: list[dict] = []

    @task
    def turn(self) -> None:
        """Send the conversation's next message (or start a new conversation when it is over)."""
        message = self.conversation.next_message(self.replies)
        if message is None:
            self._begin()
            message = self.conversation.next_message([])
            assert message is not None
        seq = len(self.conversation.sent) - 1
        started = time.time()
        status, body = 0, None
        try:
            with self.client.post(WEBHOOK, json={"sender": self.sender, "message": message},
                                  name=WEBHOOK, catch_response=True) as response:
                status = response.status_code or 0
                if status:
                    try:
                        body = response.json()
                    except ValueError:
                        body = response.text
                outcome, detail = records.classify(status, body) if status else (
                    records.CONNECTION_ERROR, type(response.error).__name__ if response.error else "no response")
                if outcome == records.OK:
                    response.success()
                else:
                    response.failure(outcome)
        except Exception as error:  # noqa: BLE001 (recorded, never raised into locust)
            outcome, detail = records.CONNECTION_ERROR, type(error).__name__
        latency = time.time() - started
        records.write(_records(), records.Turn(self.sender, seq, message, status, started, latency, outcome, detail))
        self.replies = body if outcome == records.OK and isinstance(body, list) else []
        if outcome != records.OK:
            self._begin()  # a person whose message failed starts over (as the page asks them to)
