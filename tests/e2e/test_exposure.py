"""What the running stack exposes: Rasa's HTTP API is off, no origin is reflected, personal data never
reaches the tracker store or the logs."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
import requests

from tests.conftest import Stack

ID_NUMBER = "11010519491231002X"  # a valid GB 11643 checksum
MOBILE = "13812345678"
# the random identifiers Rasa and the actions write (message ids, model ids, answer ids): runs of 16 hex digits or more
RANDOM_IDS = re.compile(r"[0-9a-f]{16,}")


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/anyone/tracker"),  # read anyone's conversation
    ("POST", "/conversations/anyone/tracker/events"),  # reset a lockout
    ("PUT", "/model"),  # replace the model
    ("POST", "/model/parse"),
    ("GET", "/status"),
])
def test_rasa_http_api_is_off(stack: Stack, method: str, path: str) -> None:
    reply = requests.request(method, stack.rasa_url + path, json={}, timeout=10)
    assert reply.status_code in (404, 405), (path, reply.status_code, reply.text[:200])


def test_no_foreign_origin_is_reflected(stack: Stack) -> None:
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    for url in (stack.rasa_url + "/webhooks/rest/webhook", stack.edge_url + "/webhooks/rest/webhook"):
        preflight = requests.options(url, headers=evil, timeout=10)
        assert preflight.headers.get("Access-Control-Allow-Origin") in (None, ""), (url, preflight.headers)
        post = requests.post(url, json={"sender": "cors-probe", "message": "你好"},
                             headers={"Origin": "https://evil.example"}, timeout=30)
        assert post.headers.get("Access-Control-Allow-Origin") in (None, ""), (url, post.headers)


def test_personal_data_never_reaches_the_tracker_store_or_the_logs(stack: Stack) -> None:
    sender = "privacy-probe-1"
    text = f"我身份证号{ID_NUMBER}丢了，手机{MOBILE}，怎么补办"
    reply = requests.post(stack.edge_url + "/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=120)
    assert reply.status_code == 200 and reply.json()
    tracker_db = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(tracker_db) as db:
        events = [json.loads(row[0]) for row in db.execute("SELECT data FROM events WHERE sender_id = ?",
                                                           (sender,))]
    said = [e["text"] for e in events if e.get("event") == "user"]
    assert said and "身份证" in said[0]  # the message is kept ...
    stored = json.dumps(events, ensure_ascii=False)
    assert ID_NUMBER not in stored and MOBILE not in stored  # ... its numbers are not, anywhere
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in stack.workdir.glob("*.log"))
    assert ID_NUMBER not in logs and MOBILE not in logs and text not in logs


@pytest.mark.parametrize("sender, sent", [
    ("privacy-probe-tail", ["帮我查一下办件进度", "ZJ2026330106000101", "手机号是{}"]),
    ("privacy-probe-beside", ["帮我查一下办件进度", "ZJ2026330106000101 {}"]),
])
def test_a_whole_mobile_number_sent_for_its_last_four_digits_is_read_and_never_stored(stack: Stack, sender: str,
                                                                                       sent: list[str]) -> None:
    """Asked for the phone's last four digits, a person sends the whole number, alone or beside the case number:
    the lookup reads its tail, and neither the number nor the tail reaches the tracker store."""
    whole = "13900002481"  # the fake backend's case below was applied with …2481

    def say(text: str) -> str:
        reply = requests.post(stack.edge_url + "/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              timeout=120)
        assert reply.status_code == 200, reply.text
        return "\n".join(m.get("text", "") for m in reply.json())

    replies = [say(text.format(whole)) for text in sent]
    assert "受理编号" in replies[0] and "当前状态" in replies[-1], replies
    tracker_db = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(tracker_db) as db:
        stored = " ".join(row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)))
    readable = RANDOM_IDS.sub("#", stored)  # a message id may hold 2481 by chance (…e24817b2…)
    assert whole not in stored and "2481" not in readable
