"""actions.server: the action server listens on loopback only and answers only callers with the secret."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.stack import ROOT, free_port

FORGED_CALL = {"next_action": "action_cancel", "sender_id": "someone-else",
               "tracker": {"sender_id": "someone-else", "slots": {}, "latest_message": {}, "events": [],
                           "paused": False, "followup_action": None, "active_loop": {},
                           "latest_action_name": None},
               "domain": {}, "version": "3.6.21"}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, str, int]]:
    token, port = secrets.token_urlsafe(24), free_port()
    env = {**os.environ, "ACTION_SERVER_TOKEN": token, "ACTION_PORT": str(port), "PYTHONPATH": str(ROOT),
           "DATABASE_URL": "sqlite://"}
    process = subprocess.Popen([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(url + "/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("action server did not start")
        yield url, token, port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def test_a_call_without_the_secret_is_refused(server):
    url, token, _ = server
    assert requests.post(url + "/webhook", json=FORGED_CALL, timeout=5).status_code == 401
    wrong = {"X-Action-Token": token[:-1] + ("x" if token[-1] != "x" else "y")}
    assert requests.post(url + "/webhook", json=FORGED_CALL, headers=wrong, timeout=5).status_code == 401
    assert requests.get(url + "/actions", timeout=5).status_code == 401


def test_the_secret_opens_the_door(server):
    url, token, _ = server
    reply = requests.post(url + "/webhook", json=FORGED_CALL, headers={"X-Action-Token": token}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json()["responses"][0]["response"] == "utter_cancelled"


def test_it_listens_on_loopback_only(server):
    *_, port = server
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in open(table).read().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    listening.append(local.rsplit(":", 1)[0])
    assert listening == ["0100007F"], listening  # 127.0.0.1, nothing else


def test_it_will_not_start_without_a_secret():
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "ACTION_SERVER_TOKEN" in result.stdout
