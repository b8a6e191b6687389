"""The edge's pure parts: settings from the environment, client address from X-Forwarded-For, body parsing."""

from __future__ import annotations

import ipaddress

import pytest

from bot.edge.clientip import client_address, rate_key
from bot.edge.settings import DEFAULTS, load_settings, parse_networks
from bot.edge.validation import BadRequest, ChatRequest, parse_chat_request

TRUSTED = parse_networks("127.0.0.1, 10.0.0.0/8, ::1")


def test_defaults() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port, settings.rasa_url) == ("127.0.0.1", 8080, "http://127.0.0.1:5005")
    assert settings.webhook_url == "http://127.0.0.1:5005/webhooks/rest/webhook"
    assert (settings.max_message_chars, settings.max_body_bytes, settings.upstream_timeout) == (500, 8192, 30.0)
    assert (settings.rate_per_sender, settings.rate_per_client) == ("20/minute", "120/minute")
    assert settings.trusted_proxies == () and settings.rate_storage == "memory://"
    assert settings.log_key and settings.log_key != load_settings({}).log_key  # random unless configured
    assert set(DEFAULTS) >= {"EDGE_HOST", "WEB_PORT", "RASA_URL", "MAX_MESSAGE_CHARS", "TRUSTED_PROXIES"}


def test_settings_from_the_environment() -> None:
    settings = load_settings({"EDGE_HOST": "0.0.0.0", "WEB_PORT": "9000", "RASA_URL": "http://r:1/",
                              "TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1", "EDGE_LOG_KEY": "k"})
    assert (settings.host, settings.port, settings.webhook_url) == ("0.0.0.0", 9000, "http://r:1/webhooks/rest/webhook")
    assert settings.trusted_proxies == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.1/32"))
    assert settings.log_key == b"k"


def test_a_bad_trusted_proxy_is_named() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        parse_networks("10.0.0.1, nonsense")


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),                      # untrusted peer: header ignored
    ("127.0.0.1", [], "127.0.0.1"),                                        # trusted, no header: the proxy
    ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
    ("127.0.0.1", ["1.1.1.1, 198.51.100.1"], "198.51.100.1"),              # right-most untrusted wins
    ("127.0.0.1", ["1.1.1.1, 198.51.100.1, 10.0.0.5"], "198.51.100.1"),   # skipping trusted hops
    ("127.0.0.1", ["1.1.1.1", "198.51.100.1, 10.0.0.5"], "198.51.100.1"),  # several headers
    ("127.0.0.1", ["10.0.0.7, 10.0.0.5"], "10.0.0.7"),                    # all trusted: the left-most
    ("127.0.0.1", ["1.1.1.1, garbage"], "127.0.0.1"),                      # malformed: stop at the proxy
    ("127.0.0.1", ["1.1.1.1, garbage, 10.0.0.5"], "10.0.0.5"),
    ("::ffff:127.0.0.1", ["198.51.100.1"], "198.51.100.1"),                # IPv4-mapped peer
    ("::1", ["2001:db8::1"], "2001:db8::1"),
    (None, ["198.51.100.1"], "unknown"),
])
def test_client_address(peer: str | None, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_forwarded_for_is_never_read_without_trusted_proxies() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


def test_ipv6_clients_are_counted_per_64() -> None:
    assert rate_key("2001:db8:1:2:aaaa::1") == rate_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert rate_key("198.51.100.1") == "198.51.100.1"


def test_a_good_body() -> None:
    assert parse_chat_request('{"sender": "web-1", "message": "你好", "x": 1}'.encode()) == ChatRequest("web-1", "你好")


@pytest.mark.parametrize("body", [b"NaN", b'{"sender": "a", "message": "b", "n": NaN}', b'{"sender": "a"}',
                                  b'{"sender": "a", "message": "b"} trailing', "\ufeff{}".encode()])
def test_bad_bodies(body: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_chat_request(body)
