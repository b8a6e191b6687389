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
from bot.cases.numbers import CASE_NUMBER_RE, END_USER_RE, PHONE_LAST4_RE, QUERY_CODE_RE, mask_case_number

log = logging.getLogger("backend")
access_log = logging.getLogger("backend.access")

PHONE_HEADER = "X-Verify-Phone-Last4"
QUERY_CODE_HEADER = "X-Verify-Query-Code"
END_USER_HEADER = "X-End-User"
DB_RETRY_AFTER = 5


class Repository(Protocol):
    """What the handlers need from storage (blocking calls; run in a worker thread)."""

    def lookup(self, case_number: str, phone_last4: str | None, query_code: str | None) -> dict[str, Any] | None:
        """The case's JSON when the number exists and the factor matches, else None (either way)."""
        ...

    def ping(self) -> None: ...


CONFIG = web.AppKey("config", BackendConfig)
REPOSITORY = web.AppKey("repository", Repository)
CLIENT_LIMITER = web.AppKey("client_limiter", SlidingWindowLimiter)
FAILURE_LIMITER = web.AppKey("failure_limiter", SlidingWindowLimiter)
PHONE_FAILURE_LIMITER = web.AppKey("phone_failure_limiter", SlidingWindowLimiter)

_dumps = functools.partial(json.dumps, ensure_ascii=False)
_SAFE_SEGMENTS = frozenset({"v1"})
_CLIENT_REQUESTER = "client"


def create_app(config: BackendConfig, repository: Repository) -> web.Application:
    """Build the application; no I/O happens here."""
    app = web.Application(middlewares=[_middleware], client_max_size=4096)
    app[CONFIG] = config
    app[REPOSITORY] = repository
    app[CLIENT_LIMITER] = SlidingWindowLimiter(config.rate_limit, config.rate_window)
    app[FAILURE_LIMITER] = SlidingWindowLimiter(config.verify_failure_limit, config.verify_failure_window)
    app[PHONE_FAILURE_LIMITER] = SlidingWindowLimiter(
        config.case_phone_failure_limit, config.verify_failure_window
    )
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
    """GET /v1/cases/{case_number}: token, requester's rate limit, input, lockout, lookup and verification.

    Unknown numbers and wrong factors get the same answer (404 ``not_found_or_mismatch``) by the same
    path, so case numbers cannot be enumerated. Failures lock the requester (the end user the client
    names) out of that case only; a correct receipt query code always gets through.
    """
    app = request.app
    config = app[CONFIG]
    if not _authorised(request, config.token):
        return error_response(
            request,
            401,
            "unauthorized",
            "Missing or wrong bearer token.",
            headers={"WWW-Authenticate": 'Bearer realm="case-status"'},
        )
    end_user = request.headers.get(END_USER_HEADER)
    if end_user is not None and not END_USER_RE.fullmatch(end_user):
        return error_response(
            request, 400, "bad_request", f"{END_USER_HEADER} must be 16-64 characters from A-Z, a-z, 0-9, _ and -."
        )
    requester = f"user:{end_user}" if end_user else _CLIENT_REQUESTER
    wait = app[CLIENT_LIMITER].hit(requester)
    if wait is not None:
        return error_response(
            request, 429, "rate_limited", "Too many requests from this end user or client.", retry_after=wait
        )
    case_number = request.match_info["case_number"]
    if not CASE_NUMBER_RE.fullmatch(case_number):
        return error_response(request, 400, "bad_request", "Malformed case number.")
    phone = request.headers.get(PHONE_HEADER)
    code = request.headers.get(QUERY_CODE_HEADER)
    problem = _factor_problem(phone, code)
    if problem:
        return error_response(request, 400, "bad_request", problem)
    failure_key = f"{case_number}|{requester}"
    # Phone digits are guessable: refused outright while locked. A query code is not: it is checked
    # even then, and a correct one always works, so nobody's guesses can lock the owner out.
    locked_before = _lock_wait(app, failure_key, case_number, phone is not None)
    if locked_before is not None and phone is not None:
        return _locked(request, locked_before)
    try:
        payload = await asyncio.to_thread(app[REPOSITORY].lookup, case_number, phone, code)
    except SQLAlchemyError as exc:
        log.error("database error while reading a case: %s", type(exc).__name__)
        return error_response(
            request, 503, "unavailable", "The case database is unavailable.", retry_after=DB_RETRY_AFTER
        )
    if phone is not None:  # again: concurrent guesses may have locked it meanwhile
        wait = _lock_wait(app, failure_key, case_number, True)
        if wait is not None:
            return _locked(request, wait)
    if payload is not None:
        app[FAILURE_LIMITER].clear(failure_key)
        return web.json_response(payload, headers={"Cache-Control": "no-store"}, dumps=_dumps)
    if locked_before is not None:  # a wrong query code while locked: still locked, nothing more to count
        return _locked(request, locked_before)
    app[FAILURE_LIMITER].add(failure_key)
    if phone is not None:
        app[PHONE_FAILURE_LIMITER].add(case_number)
    return error_response(
        request, 404, "not_found_or_mismatch", "No case matches this number and verification factor."
    )


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


def _lock_wait(app: web.Application, failure_key: str, case_number: str, phone: bool) -> int | None:
    """Seconds until this requester may try this case again (with phone digits: also until the case's
    phone checks resume), or None when not locked."""
    waits = [app[FAILURE_LIMITER].retry_after(failure_key)]
    if phone:
        waits.append(app[PHONE_FAILURE_LIMITER].retry_after(case_number))
    known = [w for w in waits if w is not None]
    return max(known) if known else None


def _locked(request: web.Request, wait: int) -> web.Response:
    """The 429 answer while verifications of a case are locked after too many failures."""
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
