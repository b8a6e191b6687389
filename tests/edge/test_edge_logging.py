"""What the edge logs: one line per request with method, path, status, duration and a hashed sender; no text."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from edge_helpers import EdgeFactory, FakeRasa, free_port

WEBHOOK = "/webhooks/rest/webhook"
SECRET_TEXTS = ["我的身份证号是33010619900101123X", "手机13812345678请回电",
                "查询码 QX7Z9K 受理编号 ZJ2026330106000105"]


def post(edge: str, body: bytes) -> int:
    return requests.post(edge + WEBHOOK, data=body, headers={"Content-Type": "application/json"},
                         timeout=10).status_code


def test_no_message_text_or_sender_in_the_logs(start_edge: EdgeFactory, rasa: FakeRasa,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    edge = start_edge(EDGE_RATE_PER_SENDER="2/minute")
    down = start_edge(RASA_URL=f"http://127.0.0.1:{free_port()}")
    sender = "web-private-sender-id"
    statuses = []
    for text in SECRET_TEXTS:  # the third is over the sender's rate
        statuses.append(post(edge, json.dumps({"sender": sender, "message": text}).encode()))
    statuses.append(post(down, json.dumps({"sender": "web-2", "message": SECRET_TEXTS[0]}).encode()))
    statuses.append(post(edge, json.dumps({"sender": "web-3", "message": SECRET_TEXTS[1] * 40}).encode()))
    statuses.append(post(edge, json.dumps({"sender": 7, "message": SECRET_TEXTS[2]}).encode()))
    statuses.append(post(edge, ("{\"sender\": \"web-4\", \"message\": \"" + SECRET_TEXTS[0]).encode()))
    assert statuses == [200, 200, 429, 503, 200, 400, 400]
    logged = caplog.text
    for text in SECRET_TEXTS:
        for fragment in (text, text[:6], "33010619900101123X", "13812345678", "QX7Z9K"):
            assert fragment not in logged
    assert sender not in logged
    access = [r.getMessage() for r in caplog.records if r.name == "bot.edge.access"]
    assert len(access) == len(statuses)
    assert access[0].startswith("POST /webhooks/rest/webhook 200 ") and "ms sender=" in access[0]
    hashed = access[0].rsplit("sender=", 1)[1]
    assert len(hashed) == 12 and access[1].endswith(hashed) and access[2].endswith(hashed)
    assert " 429 " in access[2] and " 503 " in access[3]


def test_static_requests_are_logged_too(edge: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    requests.get(edge + "/index.html?message=秘密", timeout=10)
    access = [r.getMessage() for r in caplog.records if r.name == "bot.edge.access"]
    assert access and access[0].startswith("GET /index.html 200 ") and access[0].endswith("sender=-")
    assert "秘密" not in caplog.text
