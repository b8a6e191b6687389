"""The chat webhook through the real edge: request shape, length, rate limits, client address, upstream failures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from edge_helpers import EdgeFactory, FakeRasa, free_port

WEBHOOK = "/webhooks/rest/webhook"
CJK = re.compile(r"[\u4e00-\u9fff]")


def post(edge: str, body: object, **headers: str) -> requests.Response:
    """POST a JSON body (or raw bytes/str as given) to the edge's webhook."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return requests.post(edge + WEBHOOK, data=data, timeout=10,
                         headers={"Content-Type": "application/json", **headers})


def say(edge: str, sender: str, message: str, **headers: str) -> requests.Response:
    return post(edge, {"sender": sender, "message": message}, **headers)


def assert_polite_error(response: requests.Response, status: int) -> str:
    """The status, a JSON object with a Chinese `error` and nothing else (no stack trace)."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert CJK.search(body["error"]), body
    assert "Traceback" not in response.text
    return body["error"]


BAD_BODIES = {
    "invalid JSON": b"{\"sender\": \"a\", ",
    "empty body": b"",
    "a list": b"[]",
    "a string": "\"你好\"".encode(),
    "null": b"null",
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "NaN as the message": b"{\"sender\": \"web-1\", \"message\": NaN}",
    "-Infinity inside": b"{\"sender\": \"web-1\", \"message\": \"hi\", \"x\": -Infinity}",
    "a number message": b"{\"sender\": \"web-1\", \"message\": 5}",
    "a null message": b"{\"sender\": \"web-1\", \"message\": null}",
    "a list message": b"{\"sender\": \"web-1\", \"message\": [\"hi\"]}",
    "no message": b"{\"sender\": \"web-1\"}",
    "no sender": "{\"message\": \"你好\"}".encode(),
    "null sender": "{\"sender\": null, \"message\": \"你好\"}".encode(),
    "number sender": "{\"sender\": 12, \"message\": \"你好\"}".encode(),
    "empty sender": "{\"sender\": \"\", \"message\": \"你好\"}".encode(),
    "sender with a space": "{\"sender\": \"web 1\", \"message\": \"你好\"}".encode(),
    "sender with a newline": "{\"sender\": \"web1\\n\", \"message\": \"你好\"}".encode(),
    "Chinese sender": "{\"sender\": \"张三\", \"message\": \"你好\"}".encode(),
    "129-char sender": json.dumps({"sender": "a" * 129, "message": "你好"}).encode(),
    "not UTF-8": b"{\"sender\": \"web-1\", \"message\": \"\xff\xfe\"}",
    "deep nesting": b"[" * 5000 + b"]" * 5000,
    "huge body": json.dumps({"sender": "web-1", "message": "a" * 9000}).encode(),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_are_refused_before_rasa(edge: str, rasa: FakeRasa, body: bytes) -> None:
    assert_polite_error(post(edge, body), 400)
    assert rasa.received == []


def test_a_body_that_is_not_declared_as_json_is_refused(edge: str, rasa: FakeRasa) -> None:
    body = json.dumps({"sender": "web-1", "message": "你好"})
    response = requests.post(edge + WEBHOOK, data=body, headers={"Content-Type": "text/plain"}, timeout=10)
    assert_polite_error(response, 400)
    assert rasa.received == []


def test_only_post_reaches_the_webhook(edge: str, rasa: FakeRasa) -> None:
    assert_polite_error(requests.get(edge + WEBHOOK, timeout=10), 404)  # GET means a page: there is none
    assert_polite_error(requests.put(edge + WEBHOOK, json={"sender": "a", "message": "b"}, timeout=10), 405)
    assert rasa.received == []


def test_a_100000_character_message_is_refused_politely_without_rasa(edge: str, rasa: FakeRasa) -> None:
    error = assert_polite_error(say(edge, "web-1", "办" * 100_000), 400)
    assert "太长" in error and "分几句" in error
    assert rasa.received == []


def test_a_message_over_the_limit_gets_a_reply_shaped_like_rasas(edge: str, rasa: FakeRasa) -> None:
    response = say(edge, "web-long", "身份证" * 200)
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "web-long", "text": response.json()[0]["text"]}]
    assert "超过500字" in response.json()[0]["text"] and "分几句" in response.json()[0]["text"]
    assert rasa.received == []


def test_the_limit_counts_characters_after_stripping(edge: str, rasa: FakeRasa) -> None:
    message = "办" * 500
    assert say(edge, "web-edge", f"  \n{message}\t ").status_code == 200
    assert rasa.received == [{"sender": "web-edge", "message": message}]


def test_an_empty_message_gets_a_prompt(edge: str, rasa: FakeRasa) -> None:
    response = say(edge, "web-empty", "  \n ")
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == "web-empty" and "想办什么事" in reply["text"]
    assert rasa.received == []


def test_a_normal_message_is_forwarded_with_the_same_sender(edge: str, rasa: FakeRasa) -> None:
    body = {"sender": "web-abc:1_2.x@y", "message": " 身份证丢了怎么补办 ", "metadata": {"x": 1}}
    response = post(edge, body)
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "web-abc:1_2.x@y", "text": "好的，请问您在哪个区县？"}]
    assert rasa.received == [{"sender": "web-abc:1_2.x@y", "message": "身份证丢了怎么补办"}]


def test_button_payloads_pass(edge: str, rasa: FakeRasa) -> None:
    assert say(edge, "hotline-1", "/ask_fee").status_code == 200
    assert rasa.received == [{"sender": "hotline-1", "message": "/ask_fee"}]


def test_per_sender_limit(start_edge: EdgeFactory, rasa: FakeRasa) -> None:
    edge = start_edge(EDGE_RATE_PER_SENDER="3/minute")
    assert [say(edge, "web-chatty", f"第{i}句").status_code for i in range(3)] == [200, 200, 200]
    refused = say(edge, "web-chatty", "第4句")
    assert_polite_error(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert say(edge, "web-quiet", "你好").status_code == 200
    assert [body["message"] for body in rasa.received] == ["第0句", "第1句", "第2句", "你好"]


def test_per_client_limit_across_senders(start_edge: EdgeFactory, rasa: FakeRasa) -> None:
    edge = start_edge(EDGE_RATE_PER_CLIENT="3/minute")
    assert [say(edge, f"web-{i}", "你好").status_code for i in range(3)] == [200, 200, 200]
    refused = say(edge, "web-new", "你好")
    assert_polite_error(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(rasa.received) == 3


def test_bad_requests_count_against_the_client_too(start_edge: EdgeFactory, rasa: FakeRasa) -> None:
    edge = start_edge(EDGE_RATE_PER_CLIENT="2/minute")
    assert post(edge, b"[]").status_code == 400
    assert post(edge, b"null").status_code == 400
    assert say(edge, "web-1", "你好").status_code == 429
    assert rasa.received == []


def test_forwarded_for_is_ignored_from_an_untrusted_peer(start_edge: EdgeFactory, rasa: FakeRasa) -> None:
    edge = start_edge(EDGE_RATE_PER_CLIENT="2/minute")
    statuses = [say(edge, f"web-{i}", "你好", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(3)]
    assert statuses == [200, 200, 429]


def test_forwarded_for_is_honoured_from_a_trusted_proxy(start_edge: EdgeFactory, rasa: FakeRasa) -> None:
    edge = start_edge(EDGE_RATE_PER_CLIENT="2/minute", TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    statuses = [say(edge, f"web-{i}", "你好", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 200]
    # The right-most untrusted address is the client: what the client wrote to the left does not help it.
    spoofed = [say(edge, f"web-s{i}", "你好", **{"X-Forwarded-For": f"198.51.100.{i}, 192.0.2.7, 10.1.2.3"})
               for i in range(3)]
    assert [r.status_code for r in spoofed] == [200, 200, 429]


def test_rasa_down_is_503(start_edge: EdgeFactory) -> None:
    edge = start_edge(RASA_URL=f"http://127.0.0.1:{free_port()}")
    error = assert_polite_error(say(edge, "web-1", "公积金怎么取"), 503)
    assert "12345" in error


@pytest.mark.parametrize("mode", ["error", "garbage", "slow"])
def test_rasa_failing_is_503(start_edge: EdgeFactory, rasa: FakeRasa, mode: str) -> None:
    rasa.mode = mode
    edge = start_edge(EDGE_UPSTREAM_TIMEOUT="0.5")
    assert_polite_error(say(edge, "web-1", "公积金怎么取"), 503)
    assert rasa.received == [{"sender": "web-1", "message": "公积金怎么取"}]


def test_no_answer_from_rasa_becomes_a_request_to_send_again(edge: str, rasa: FakeRasa) -> None:
    rasa.mode = "silent"  # Rasa's REST channel answers 200 [] when the turn failed inside (lock or tracker store)
    error = assert_polite_error(say(edge, "web-silent", "公积金怎么取"), 503)  # a failed turn, said clearly
    assert "请再发一次" in error and "12345" in error
    assert rasa.received == [{"sender": "web-silent", "message": "公积金怎么取"}]
    for command in ("/restart", "/session_start"):  # answered with nothing by design: nothing added
        assert say(edge, "web-silent", command).json() == []


def test_personal_data_is_masked_before_rasa(edge: str, rasa: FakeRasa) -> None:
    pytest.importorskip("bot.privacy", reason="bot.privacy is not written yet")
    text = "我的身份证号是11010519491231002X，手机13812345678"
    assert say(edge, "web-pii", text).status_code == 200
    [forwarded] = rasa.received
    assert forwarded["sender"] == "web-pii"
    assert "11010519491231002X" not in forwarded["message"] and "13812345678" not in forwarded["message"]
    assert forwarded["message"].startswith("我的身份证号是")


def test_verification_factors_are_sealed_before_rasa(start_edge: EdgeFactory, rasa: FakeRasa,
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("bot.privacy", reason="bot.privacy is not written yet")
    from cryptography.fernet import Fernet

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")  # the vault's database
    monkeypatch.setenv("ONEVISIT_VAULT_KEY", Fernet.generate_key().decode())
    edge = start_edge()
    assert say(edge, "web-factor", "受理编号ZJ2026330106000105，手机尾号5803").status_code == 200
    [forwarded] = rasa.received
    assert "5803" not in forwarded["message"] and "ZJ2026330106000105" in forwarded["message"]
