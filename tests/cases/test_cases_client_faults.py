"""The client against a deliberately faulty loopback server: timeouts, errors, retries, breaker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from bot.cases import (
    BreakerState,
    CaseApiConfig,
    CaseClient,
    Found,
    NotFoundOrMismatch,
    PhoneLast4,
    QueryCode,
    RateLimited,
    Unavailable,
    UnavailableReason,
)

CASE = "ZJ2026330106000105"
PHONE = PhoneLast4("8125")

TOKEN = "test-token"
NOT_FOUND_OR_MISMATCH = b'{"error": "not_found_or_mismatch", "message": "", "request_id": "0123456789abcdef"}'
# What the API said before issue 11; a server that still tells the two apart gets the same one result.
LEGACY_NOT_FOUND = b'{"error": "case_not_found", "message": "", "request_id": "0123456789abcdef"}'
LEGACY_FORBIDDEN = b'{"error": "verification_failed", "message": "", "request_id": "0123456789abcdef"}'
END_USER = "u" + "5" * 32

# conftest.py provides the fixtures faulty (the server), reply (its Reply class), valid_case,
# refused_url, blackhole_url and make_config.


def unavailable(reason: UnavailableReason) -> Unavailable:
    return Unavailable(reason)


def test_slow_server_answers_within_three_seconds_with_default_timeouts(faulty, reply) -> None:
    faulty.script(reply(delay=10))
    client = CaseClient(CaseApiConfig(base_url=faulty.url, token=TOKEN))  # defaults: 1 s / 2 s / 3 s
    started = time.monotonic()
    result = client.lookup(CASE, PHONE)
    elapsed = time.monotonic() - started
    assert result == unavailable(UnavailableReason.TIMEOUT)
    assert 1.9 <= elapsed < 3.2
    assert len(faulty.requests) == 1  # a read timeout is not retried


def test_trickling_body_is_cut_at_the_deadline(faulty, reply, make_config) -> None:
    faulty.script(reply(trickle=0.2))
    client = CaseClient(make_config(faulty.url, deadline=1.0))
    started = time.monotonic()
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.TIMEOUT)
    assert time.monotonic() - started < 1.6


def test_server_error_500_is_not_retried(faulty, reply, make_config) -> None:
    faulty.script(reply(status=500, body=b'{"error": "internal_error"}'))
    assert CaseClient(make_config(faulty.url)).lookup(CASE, PHONE) == unavailable(
        UnavailableReason.SERVER_ERROR
    )
    assert len(faulty.requests) == 1


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


BREACHES: dict[str, Callable[[dict], dict]] = {
    "truncated-json": lambda c: {"body": _json(c)[:40]},
    "html": lambda c: {"body": b"<html>ok</html>", "content_type": "text/html"},
    "unknown-status": lambda c: {"body": _json({**c, "status": {"code": "lost", "label": "?"}})},
    "bad-date": lambda c: {"body": _json({**c, "submitted_on": "02/11/2026"})},
    "other-case": lambda c: {"body": _json({**c, "case_number": "ZJ2026330106000106"})},
    "missing-field": lambda c: {"body": _json({k: v for k, v in c.items() if k != "steps"})},
    "not-an-object": lambda c: {"body": _json([c])},
    "not-utf8": lambda c: {"body": b"\xff\xfe"},
    "too-large": lambda c: {"body": b" " * 300_000 + _json(c)},
    "204": lambda c: {"status": 204, "body": b""},
    "redirect": lambda c: {
        "status": 302,
        "body": b"",
        "headers": {"Location": "http://127.0.0.1:9/elsewhere"},
    },
    "404-not-from-contract": lambda c: {
        "status": 404,
        "body": b"<html>not here</html>",
        "content_type": "text/html",
    },
    "403-not-from-contract": lambda c: {"status": 403, "body": b'{"error": "forbidden"}'},
    "418": lambda c: {"status": 418, "body": b"{}"},
}


@pytest.mark.parametrize("breach", sorted(BREACHES))
def test_contract_breaches_are_bad_response(faulty, reply, valid_case, make_config, breach: str) -> None:
    faulty.script(reply(**BREACHES[breach](valid_case)))
    assert CaseClient(make_config(faulty.url)).lookup(CASE, PHONE) == unavailable(
        UnavailableReason.BAD_RESPONSE
    )
    assert len(faulty.requests) == 1


def test_contract_answers_are_typed(faulty, reply, make_config) -> None:
    client = CaseClient(make_config(faulty.url))
    faulty.script(reply())
    found = client.lookup(CASE, PHONE)
    assert isinstance(found, Found) and found.case.pickup is not None
    faulty.script(reply(status=404, body=NOT_FOUND_OR_MISMATCH))
    assert client.lookup(CASE, PHONE) == NotFoundOrMismatch(CASE)
    faulty.script(reply(status=404, body=LEGACY_NOT_FOUND))
    assert client.lookup(CASE, PHONE) == NotFoundOrMismatch(CASE)
    faulty.script(reply(status=403, body=LEGACY_FORBIDDEN))
    assert client.lookup(CASE, PHONE) == NotFoundOrMismatch(CASE)
    faulty.script(reply(status=403, body=NOT_FOUND_OR_MISMATCH))  # not from the contract
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.BAD_RESPONSE)
    faulty.script(reply(status=429, body=b'{"error": "rate_limited"}', headers={"Retry-After": "17"}))
    assert client.lookup(CASE, PHONE) == RateLimited(17)
    faulty.script(reply(status=429, body=b"{}", headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}))
    assert client.lookup(CASE, PHONE) == RateLimited(None)
    faulty.script(reply(status=401, body=b'{"error": "unauthorized"}'))
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.UNAUTHORIZED)
    faulty.script(reply(status=400, body=b'{"error": "bad_request"}'))
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.BAD_REQUEST)


def test_request_carries_token_factor_and_end_user_in_headers_only(faulty, reply, make_config) -> None:
    client = CaseClient(make_config(faulty.url))
    client.lookup("zj2026 3301 0600 0105", PHONE)
    client.lookup(CASE, QueryCode("R8GA4XLP"), END_USER)
    (path1, headers1), (path2, headers2) = faulty.requests
    assert path1 == path2 == f"/v1/cases/{CASE}"
    assert headers1["Authorization"] == f"Bearer {TOKEN}"
    assert headers1["X-Verify-Phone-Last4"] == "8125" and "X-Verify-Query-Code" not in headers1
    assert "X-End-User" not in headers1
    assert headers2["X-Verify-Query-Code"] == "R8GA4XLP" and "X-Verify-Phone-Last4" not in headers2
    assert headers2["X-End-User"] == END_USER


def test_a_raw_sender_id_is_never_sent(faulty, make_config) -> None:
    client = CaseClient(make_config(faulty.url))
    for raw in ("wx:appid:openid", "web-1234", ""):
        with pytest.raises(ValueError):
            client.lookup(CASE, PHONE, raw)
    assert faulty.requests == []


def test_connection_refused(refused_url: str, make_config) -> None:
    started = time.monotonic()
    result = CaseClient(make_config(refused_url)).lookup(CASE, PHONE)
    assert result == unavailable(UnavailableReason.CONNECTION)
    assert time.monotonic() - started < 1.0


def test_connect_timeouts_are_retried_within_the_deadline(blackhole_url: str, make_config) -> None:
    config = make_config(blackhole_url, connect_timeout=0.4, read_timeout=0.4, deadline=1.0, retries=5)
    started = time.monotonic()
    assert CaseClient(config).lookup(CASE, PHONE) == unavailable(UnavailableReason.TIMEOUT)
    assert 0.75 <= time.monotonic() - started < 1.5


def test_dropped_connection_is_retried(faulty, reply, make_config) -> None:
    faulty.script(reply(drop=True), reply())
    assert isinstance(CaseClient(make_config(faulty.url)).lookup(CASE, PHONE), Found)
    assert len(faulty.requests) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_then_recover(faulty, reply, make_config, status: int) -> None:
    faulty.script(reply(status=status, body=b"{}"), reply())
    assert isinstance(CaseClient(make_config(faulty.url)).lookup(CASE, PHONE), Found)
    assert len(faulty.requests) == 2


def test_retries_are_bounded(faulty, reply, make_config) -> None:
    faulty.script(reply(status=503, body=b"{}"))
    started = time.monotonic()
    assert CaseClient(make_config(faulty.url, retries=2)).lookup(CASE, PHONE) == unavailable(
        UnavailableReason.SERVER_ERROR
    )
    assert len(faulty.requests) == 3
    assert time.monotonic() - started < 1.0


def test_breaker_opens_then_closes_after_cooldown_on_success(faulty, reply, make_config) -> None:
    faulty.script(
        reply(status=503, body=b"{}"), reply(status=503, body=b"{}"), reply(status=503, body=b"{}"), reply()
    )
    client = CaseClient(make_config(faulty.url, retries=0, breaker_threshold=3, breaker_cooldown=0.5))
    for _ in range(3):
        assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.SERVER_ERROR)
    assert client.breaker.state is BreakerState.OPEN
    started = time.monotonic()
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.CIRCUIT_OPEN)
    assert time.monotonic() - started < 0.2  # the open breaker answers at once
    assert len(faulty.requests) == 3  # the open breaker sent nothing
    time.sleep(0.55)
    assert client.breaker.state is BreakerState.HALF_OPEN
    assert isinstance(client.lookup(CASE, PHONE), Found)  # the trial call succeeds
    assert client.breaker.state is BreakerState.CLOSED
    assert isinstance(client.lookup(CASE, PHONE), Found)
    assert len(faulty.requests) == 5


def test_failed_trial_reopens_the_breaker(faulty, reply, make_config) -> None:
    faulty.script(reply(status=500, body=b"{}"))
    client = CaseClient(make_config(faulty.url, retries=0, breaker_threshold=2, breaker_cooldown=0.3))
    client.lookup(CASE, PHONE)
    client.lookup(CASE, PHONE)
    assert client.breaker.state is BreakerState.OPEN
    time.sleep(0.35)
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.SERVER_ERROR)
    assert client.breaker.state is BreakerState.OPEN
    assert client.lookup(CASE, PHONE) == unavailable(UnavailableReason.CIRCUIT_OPEN)
    assert len(faulty.requests) == 3


def test_answers_about_cases_do_not_trip_the_breaker(faulty, reply, make_config) -> None:
    faulty.script(reply(status=404, body=NOT_FOUND_OR_MISMATCH))
    client = CaseClient(make_config(faulty.url, breaker_threshold=1))
    for _ in range(3):
        assert client.lookup(CASE, PHONE) == NotFoundOrMismatch(CASE)
    assert client.breaker.state is BreakerState.CLOSED
