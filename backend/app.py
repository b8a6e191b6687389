"""The aiohttp application: routes, checks in the documented order, JSON errors, masked access log."""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from backend.config import BackendConfig
from backend.ratelimit import SlidingWindowLimiter
from backend.repository import StoredCase
from bot.cases.numbers import CASE_NUMBER_RE, PHONE_LAST4_RE, QUERY_CODE_RE, mask_case_number

log = logging.getLogger("backend")
access_log = logging.getLogger("backend.access")

PHONE_HEADER = "X-Verify-Phone-Last4"
QUERY_CODE_HEADER = "X-Verify-Query-Code"
DB_RETRY_AFTER = 5


class Repository(Protocol):
    """What the handlers need from storage (blocking calls; run in a worker thread)."""

    def find(self, case_number: str) -> StoredCase | None: ...

    def ping(self) -> None: ...


CONFIG = web.AppKey("config", BackendConfig)
REPOSITORY = web.AppKey("repository", Repository)
CLIENT_LIMITER = web.AppKey("client_limiter", SlidingWindowLimiter)
FAILURE_LIMITER = web.AppKey("failure_limiter", SlidingWindowLimiter)

_dumps = functools.partial(json.dumps, ensure_ascii=False)
_SAFE_SEGMENTS = frozenset({"v1"})


def create_app(config: BackendConfig, repository: Repository) -> web.Application:
    """Build the application; no I/O happens here."""
    app = web.Application(middlewares=[_middleware], client_max_size=4096)
    app[CONFIG] = config
    app[REPOSITORY] = repository
    app[CLIENT_LIMITER] = SlidingWindowLimiter(config.rate_limit, config.rate_window)
    app[FAILURE_LIMITER] = SlidingWindowLimiter(config.verify_failure_limit, config.verify_failure_window)
    app.router.add_get("/v1/cases/{case_number}", get_case, allow_head=False)
    app.router.add_get("/v1/health", get_health, allow_head=False)
    return app


def error_response(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    *,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON ``Error`` body (backend/openapi.yml) with the request id."""
    body: dict[str, Any] = {"error": code, "message": message, "request_id": request.get("request_id", "")}
    extra = dict(headers or {})
    if retry_after is not None:
        body["retry_after"] = retry_after
        extra["Retry-After"] = str(retry_after)
    return web.json_response(body, status=status, headers=extra, dumps=_dumps)


async def get_case(request: web.Request) -> web.Response:
    """GET /v1/cases/{case_number}: rate limit, token, input, lockout, lookup, verification."""
    app = request.app
    config = app[CONFIG]
    wait = app[CLIENT_LIMITER].hit(request.remote or "unknown")
    if wait is not None:
        return error_response(
            request, 429, "rate_limited", "Too many requests from this client.", retry_after=wait
        )
    if not _authorised(request, config.token):
        return error_response(
            request,
            401,
            "unauthorized",
            "Missing or wrong bearer token.",
            headers={"WWW-Authenticate": 'Bearer realm="case-status"'},
        )
    case_number = request.match_info["case_number"]
    if not CASE_NUMBER_RE.fullmatch(case_number):
        return error_response(request, 400, "bad_request", "Malformed case number.")
    phone = request.headers.get(PHONE_HEADER)
    code = request.headers.get(QUERY_CODE_HEADER)
    problem = _factor_problem(phone, code)
    if problem:
        return error_response(request, 400, "bad_request", problem)
    failures = app[FAILURE_LIMITER]
    locked = _locked(request, failures, case_number)
    if locked is not None:
        return locked
    try:
        stored = await asyncio.to_thread(app[REPOSITORY].find, case_number)
    except SQLAlchemyError as exc:
        log.error("database error while reading a case: %s", type(exc).__name__)
        return error_response(
            request, 503, "unavailable", "The case database is unavailable.", retry_after=DB_RETRY_AFTER
        )
    if stored is None:
        return error_response(request, 404, "case_not_found", "No case has this number.")
    locked = _locked(request, failures, case_number)  # again: concurrent guesses may have locked it
    if locked is not None:
        return locked
    if not stored.verify(phone, code):
        failures.add(case_number)
        return error_response(request, 403, "verification_failed", "The verification factor does not match.")
    return web.json_response(stored.payload, headers={"Cache-Control": "no-store"}, dumps=_dumps)


async def get_health(request: web.Request) -> web.Response:
    """GET /v1/health: 200 when the database answers."""
    try:
        await asyncio.to_thread(request.app[REPOSITORY].ping)
    except SQLAlchemyError as exc:
        log.error("health check: database error %s", type(exc).__name__)
        return error_response(
            request, 503, "unavailable", "The case database is unavailable.", retry_after=DB_RETRY_AFTER
        )
    return web.json_response({"status": "ok"}, dumps=_dumps)


def _locked(request: web.Request, failures: SlidingWindowLimiter, case_number: str) -> web.Response | None:
    """The 429 answer while a case is locked after too many failed verifications."""
    wait = failures.retry_after(case_number)
    if wait is None:
        return None
    return error_response(
        request, 429, "rate_limited", "Too many failed verifications for this case.", retry_after=wait
    )


def _authorised(request: web.Request, token: str) -> bool:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return False
    return hmac.compare_digest(credentials.strip().encode(), token.encode())


def _factor_problem(phone: str | None, code: str | None) -> str | None:
    if phone is None and code is None:
        return f"Send one verification factor: {PHONE_HEADER} or {QUERY_CODE_HEADER}."
    if phone is not None and code is not None:
        return f"Send only one of {PHONE_HEADER} and {QUERY_CODE_HEADER}."
    if phone is not None and not PHONE_LAST4_RE.fullmatch(phone):
        return f"{PHONE_HEADER} must be exactly 4 digits."
    if code is not None and not QUERY_CODE_RE.fullmatch(code):
        return f"{QUERY_CODE_HEADER} must be 8 characters from A-Z and 2-9 without I and O."
    return None


_HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}


@web.middleware
async def _middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Request id, JSON errors (never a stack trace), and an access log without personal data."""
    request["request_id"] = uuid.uuid4().hex[:16]
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        code = _HTTP_ERROR_CODES.get(exc.status, "bad_request" if exc.status < 500 else "internal_error")
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        response = error_response(request, exc.status, code, exc.reason, headers=headers)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled %s in request %s\n%s", type(exc).__name__, request["request_id"], frames)
        response = error_response(request, 500, "internal_error", "Internal error.")
    response.headers["X-Request-Id"] = request["request_id"]
    access_log.info(
        "%s %s %d %.1fms id=%s",
        request.method,
        masked_path(request.path),
        response.status,
        (time.perf_counter() - started) * 1000,
        request["request_id"],
    )
    return response


def masked_path(path: str) -> str:
    """The path with every segment that holds a digit masked: case-number-long ones keep their first 4
    and last 2 characters, shorter ones (phone digits, query codes) are masked entirely."""
    return "/".join(_mask_segment(part) for part in path.split("/"))


def _mask_segment(part: str) -> str:
    if part in _SAFE_SEGMENTS or not any(ch.isdigit() for ch in part):
        return part
    return mask_case_number(part) if len(part) >= 12 else "*" * len(part)
