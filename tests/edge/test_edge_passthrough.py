"""The edge forwards the WeChat and WeCom webhooks to Rasa unchanged: real edge, loopback upstream."""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
from aiohttp import web
from edge_helpers import Served, free_port

from bot.edge.app import create_app
from bot.edge.passthrough import MAX_BODY_BYTES, UPSTREAM_SECONDS
from bot.edge.settings import load_settings

PATHS = ["/webhooks/wechat/webhook", "/webhooks/wecom/webhook"]


@dataclass
class Upstream:
    """Stands in for Rasa's channel webhooks: records each request; `delay` makes it slow."""

    delay: float = 0.0
    seen: list[dict] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append({"method": request.method, "path": request.path, "query": request.rel_url.raw_query_string,
                          "body": body, "content_type": request.headers.get("Content-Type")})
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.method == "GET":
            return web.Response(text=request.query.get("echostr", ""), content_type="text/plain")
        return web.Response(body=b"<xml><Content><![CDATA[\xe5\xa5\xbd]]></Content></xml>", status=200,
                            content_type="application/xml", charset="utf-8")


@pytest.fixture()
def upstream() -> Iterator[tuple[Upstream, str]]:
    fake = Upstream()
    app = web.Application()
    for path in PATHS:
        app.router.add_route("*", path, fake.handle)
    served = Served(app).start()
    yield fake, served.url
    served.stop()


@pytest.fixture()
def edge(upstream: tuple[Upstream, str]) -> Iterator[str]:
    settings = load_settings({"RASA_URL": upstream[1], "EDGE_LOG_KEY": "test-key"})
    served = Served(create_app(settings)).start()
    yield served.url
    served.stop()


@pytest.mark.parametrize("path", PATHS)
def test_post_is_forwarded_with_query_body_and_content_type_intact(edge: str, upstream: tuple[Upstream, str],
                                                                  path: str) -> None:
    fake, _ = upstream
    query = "signature=abc&timestamp=1700000000&nonce=42&openid=o_x-Y&encrypt_type=aes&msg_signature=d%2Be"
    body = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[a+b/c==]]></Encrypt></xml>"
    answer = requests.post(f"{edge}{path}?{query}", data=body, headers={"Content-Type": "text/xml"}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    assert answer.content == b"<xml><Content><![CDATA[\xe5\xa5\xbd]]></Content></xml>"
    assert fake.seen == [{"method": "POST", "path": path, "query": query, "body": body,
                          "content_type": "text/xml"}]


@pytest.mark.parametrize("path", PATHS)
def test_get_verification_is_forwarded(edge: str, upstream: tuple[Upstream, str], path: str) -> None:
    query = "signature=s&timestamp=1&nonce=2&echostr=a%2Bb%2Fc%3D%3D%20x"  # WeCom's echostr is base64
    answer = requests.get(f"{edge}{path}?{query}", timeout=10)
    assert answer.status_code == 200 and answer.text == "a+b/c== x"
    assert upstream[0].seen[0]["query"] == query


def test_a_body_over_64_kb_is_refused_before_rasa(edge: str, upstream: tuple[Upstream, str]) -> None:
    fits = requests.post(edge + PATHS[0], data=b"a" * MAX_BODY_BYTES, timeout=10)
    assert fits.status_code == 200
    too_big = requests.post(edge + PATHS[0], data=b"a" * (MAX_BODY_BYTES + 1), timeout=10)
    assert too_big.status_code == 413 and "太大" in too_big.json()["error"]
    assert len(upstream[0].seen) == 1


def test_a_chunked_body_over_64_kb_is_refused(edge: str, upstream: tuple[Upstream, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(80):
            yield b"x" * 1024

    answer = requests.post(edge + PATHS[1], data=chunks(), timeout=10)
    assert answer.status_code == 413
    assert upstream[0].seen == []


def test_a_slow_rasa_gets_a_polite_504(edge: str, upstream: tuple[Upstream, str]) -> None:
    upstream[0].delay = UPSTREAM_SECONDS + 1
    answer = requests.post(edge + PATHS[0], data=b"<xml/>", timeout=30)
    assert answer.status_code == 504
    assert "稍后再试" in answer.json()["error"] and "Traceback" not in answer.text


def test_rasa_down_gets_a_polite_502() -> None:
    settings = load_settings({"RASA_URL": f"http://127.0.0.1:{free_port()}", "EDGE_LOG_KEY": "k"})
    served = Served(create_app(settings)).start()
    try:
        answer = requests.post(served.url + PATHS[0], data=b"<xml/>", timeout=10)
        assert answer.status_code == 502 and "稍后再试" in answer.json()["error"]
    finally:
        served.stop()


def test_other_methods_and_paths_are_not_forwarded(edge: str, upstream: tuple[Upstream, str]) -> None:
    assert requests.put(edge + PATHS[0], data=b"x", timeout=10).status_code == 405
    conn = http.client.HTTPConnection(edge.removeprefix("http://"), timeout=10)
    conn.request("POST", "/webhooks/other/webhook", body=b"x")
    assert conn.getresponse().status in (404, 405)
    assert upstream[0].seen == []
