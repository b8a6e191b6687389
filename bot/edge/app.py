"""The edge application: static pages, the checked chat webhook, error and access-log middleware."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import aiohttp
from aiohttp import web

from bot.edge import messages
from bot.edge.accesslog import log_request
from bot.edge.clientip import client_address, rate_key
from bot.edge.handoff import add_handoff_routes, left_by_chat, relay, status_replies
from bot.edge.passthrough import add_passthrough_routes
from bot.edge.privacy import Protect, load_protect
from bot.edge.ratelimit import RateLimits
from bot.edge.settings import EdgeSettings
from bot.edge.static import static_handler
from bot.edge.upstream import UpstreamError, forward
from bot.edge.validation import BadRequest, ChatRequest, is_json_content_type, parse_chat_request

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
BODY_READ_SECONDS = 10.0
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY"}

SETTINGS = web.AppKey("settings", EdgeSettings)
LIMITS = web.AppKey("limits", RateLimits)
SESSION = web.AppKey("session", aiohttp.ClientSession)
PROTECT = web.AppKey("protect", Protect)
MASKER = web.AppKey("masker", ThreadPoolExecutor)  # one thread: masking may load spaCy and write the vault
SENDER = "edge_sender"  # request key: the validated sender, for the access log

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
dumps = partial(json.dumps, ensure_ascii=False)


def json_error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    """{"error": reason} with the given status."""
    return web.json_response({"error": reason}, status=status, headers=headers, dumps=dumps)


def bot_reply(sender: str, text: str) -> web.Response:
    """An answer shaped like Rasa's REST channel reply, given by the edge itself."""
    return web.json_response([{"recipient_id": sender, "text": text}], dumps=dumps)


def too_many(seconds: int) -> web.Response:
    """429 with Retry-After."""
    return json_error(429, messages.TOO_MANY.format(seconds=seconds), {"Retry-After": str(seconds)})


async def read_limited(request: web.Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to be longer than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while True:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            return None


def peer_address(request: web.Request) -> str | None:
    """The socket peer's IP address."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return peer[0] if isinstance(peer, (tuple, list)) and peer else None


async def read_chat(request: web.Request, settings: EdgeSettings) -> ChatRequest | web.Response:
    """The request's sender and message, or the 400 (or 408) that refuses it."""
    if not is_json_content_type(request.content_type):
        return json_error(400, messages.NOT_JSON)
    try:
        body = await asyncio.wait_for(read_limited(request, settings.max_body_bytes), BODY_READ_SECONDS)
    except asyncio.TimeoutError:
        return json_error(408, messages.SLOW_BODY)
    if body is None:
        return json_error(400, messages.BODY_TOO_LARGE.format(max_chars=settings.max_message_chars))
    try:
        return parse_chat_request(body)
    except BadRequest as error:
        return json_error(400, error.reason)


# commands that Rasa answers with nothing by design (the page's "start again")
SILENT_COMMANDS = frozenset({"/restart", "/session_start"})


async def webhook(request: web.Request) -> web.Response:
    """POST /webhooks/rest/webhook: limit per client, check the shape, limit per sender, check the length,
    mask personal data, forward to Rasa."""
    settings = request.app[SETTINGS]
    limits = request.app[LIMITS]
    client = client_address(peer_address(request), request.headers.getall("X-Forwarded-For", []),
                            settings.trusted_proxies)
    wait = await limits.client_wait(rate_key(client))
    if wait:
        return too_many(wait)
    chat = await read_chat(request, settings)
    if isinstance(chat, web.Response):
        return chat
    request[SENDER] = chat.sender
    wait = await limits.sender_wait(chat.sender)
    if wait:
        return too_many(wait)
    text = chat.message.strip()
    if not text:
        return bot_reply(chat.sender, messages.EMPTY_MESSAGE)
    if len(text) > settings.max_message_chars:
        return bot_reply(chat.sender, messages.MESSAGE_TOO_LONG.format(max_chars=settings.max_message_chars))
    left = await left_by_chat(chat.sender, text)  # outside the hours, after the offer to leave a message
    if left is not None:
        return bot_reply(chat.sender, left)
    try:
        masked = await asyncio.get_running_loop().run_in_executor(request.app[MASKER], request.app[PROTECT],
                                                                  text, chat.sender)
    except Exception as error:  # masking failed: the unmasked text must not go on
        logger.error("masking failed (%s); message not forwarded", type(error).__name__)
        return json_error(503, messages.INTERNAL.format(hotline=settings.hotline))
    handed_over = await relay(chat.sender, masked)  # also to the agent, when the person was handed over
    try:
        replies = await forward(request.app[SESSION], settings.webhook_url, chat.sender, masked)
    except UpstreamError as error:
        logger.warning("Rasa unavailable: %s", error)
        if handed_over is not None:  # the agent has the message: say so rather than fail
            return web.json_response(status_replies(chat.sender, handed_over), dumps=dumps)
        return json_error(503, messages.UPSTREAM_DOWN.format(hotline=settings.hotline))
    if handed_over is not None and not replies:  # Rasa is paused while the agent serves the person
        replies = status_replies(chat.sender, handed_over)
    elif not replies and masked.split("{", 1)[0] not in SILENT_COMMANDS:
        # Rasa failed inside the turn (its lock or tracker store): it answers 200 with nothing
        logger.warning("Rasa answered nothing; the person is asked to send the message again")
        return json_error(503, messages.NO_ANSWER.format(hotline=settings.hotline))
    return web.json_response(replies, dumps=dumps)


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Polite JSON for routing errors, no stack traces, security headers, one access-log line."""
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as error:
        reason = {404: messages.NOT_FOUND, 405: messages.METHOD_NOT_ALLOWED}.get(error.status)
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        response = json_error(error.status, reason or error.reason, allow)
    except Exception as error:
        logger.error("unexpected %s on %s %s", type(error).__name__, request.method, request.path[:200])
        response = json_error(500, messages.INTERNAL.format(hotline=request.app[SETTINGS].hotline))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    log_request(request.method, request.path, response.status, time.perf_counter() - started,
                request.get(SENDER), request.app[SETTINGS].log_key)
    return response


async def upstream_context(app: web.Application) -> AsyncIterator[None]:
    """Start-up and clean-up: the masking function and its thread, the HTTP client session to Rasa.

    Masking runs off the event loop in a single worker thread: it is CPU work (and a vault write when a
    verification factor is sealed), and one thread keeps bot.privacy's lazy first-use loading free of races.
    """
    settings = app[SETTINGS]
    app[PROTECT] = load_protect()
    app[MASKER] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edge-mask")
    app[SESSION] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.upstream_timeout))
    yield
    await app[SESSION].close()
    app[MASKER].shutdown(wait=False, cancel_futures=True)


def create_app(settings: EdgeSettings) -> web.Application:
    """The edge application for `settings` (bot.privacy is loaded when it starts)."""
    app = web.Application(middlewares=[edge_middleware])
    app[SETTINGS] = settings
    app[LIMITS] = RateLimits(settings.rate_per_sender, settings.rate_per_client, settings.rate_storage)
    app.cleanup_ctx.append(upstream_context)
    app.router.add_post(WEBHOOK_PATH, webhook)
    add_handoff_routes(app)
    add_passthrough_routes(app, settings.rasa_url)  # WeChat and WeCom webhooks, forwarded unchanged
    app.router.add_get("/{path:.*}", static_handler(settings.web_dir, settings.widget_origins))
    return app
