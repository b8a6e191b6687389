"""Forwarding the messaging platforms' webhooks (WeChat, WeCom) to Rasa unchanged.

The platforms sign their requests and the channels in Rasa check those signatures, so the edge passes GET
and POST through as they are: query string and raw body intact, Content-Type preserved both ways. It only
bounds the request (body size, 413; reading time, 408) and the wait for Rasa (504), and answers those
refusals politely. Message texts are checked and masked by the channel itself (`bot.channels`), because
only it can read them (safe-mode bodies are encrypted).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from functools import partial

import aiohttp
from aiohttp import web
from yarl import URL

from bot.edge import messages

logger = logging.getLogger(__name__)

PATHS = ("/webhooks/wechat/webhook", "/webhooks/wecom/webhook")
MAX_BODY_BYTES = 64 * 1024
UPSTREAM_SECONDS = 10.0
BODY_READ_SECONDS = 10.0
PASSED_HEADERS = ("Content-Type",)

PASS_SESSION = web.AppKey("passthrough_session", aiohttp.ClientSession)
PASS_RASA_URL = web.AppKey("passthrough_rasa_url", str)


def _refusal(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status, dumps=partial(json.dumps, ensure_ascii=False))


async def _read_body(request: web.Request) -> bytes | None:
    """The raw body, or None as soon as it is longer than MAX_BODY_BYTES."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    body = await request.content.read(MAX_BODY_BYTES + 1)
    while len(body) <= MAX_BODY_BYTES:
        more = await request.content.read(MAX_BODY_BYTES + 1 - len(body))
        if not more:
            return body
        body += more
    return None


async def forward(request: web.Request) -> web.Response:
    """GET or POST /webhooks/{wechat,wecom}/webhook → the same path and query on Rasa."""
    try:
        body = await asyncio.wait_for(_read_body(request), BODY_READ_SECONDS)
    except asyncio.TimeoutError:
        return _refusal(408, messages.SLOW_BODY)
    if body is None:
        return _refusal(413, messages.WEBHOOK_TOO_LARGE)
    url = URL(request.app[PASS_RASA_URL] + request.rel_url.raw_path_qs, encoded=True)  # not re-encoded
    headers = {name: request.headers[name] for name in PASSED_HEADERS if name in request.headers}
    try:
        async with request.app[PASS_SESSION].request(request.method, url, data=body or None, headers=headers,
                                                     allow_redirects=False) as upstream:
            payload = await upstream.read()
            content_type = upstream.headers.get("Content-Type")
            status = upstream.status
    except asyncio.TimeoutError:
        logger.warning("Rasa did not answer %s in %.0f s", request.path, UPSTREAM_SECONDS)
        return _refusal(504, messages.WEBHOOK_UPSTREAM_SLOW)
    except aiohttp.ClientError as error:
        logger.warning("Rasa unavailable for %s: %s", request.path, type(error).__name__)
        return _refusal(502, messages.WEBHOOK_UPSTREAM_SLOW)
    answer = web.Response(status=status, body=payload)
    if content_type:
        answer.headers["Content-Type"] = content_type
    return answer


async def _session(app: web.Application) -> AsyncIterator[None]:
    app[PASS_SESSION] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPSTREAM_SECONDS))
    yield
    await app[PASS_SESSION].close()


def add_passthrough_routes(app: web.Application, rasa_url: str) -> None:
    """Register GET and POST for each platform webhook (before any catch-all route)."""
    app[PASS_RASA_URL] = rasa_url.rstrip("/")
    app.cleanup_ctx.append(_session)
    for path in PATHS:
        app.router.add_route("GET", path, forward)
        app.router.add_route("POST", path, forward)
