"""The console's HTTP API (aiohttp, JSON): ``python -m bot.console serve``, on 127.0.0.1:8070 by default.

Every endpoint but ``POST /api/login`` and ``GET /api/health`` needs ``Authorization: Bearer <token>`` (from the
login): without a valid token the answer is 401 (with ``WWW-Authenticate: Bearer``); with a valid token but
none of the endpoint's roles, 403. Errors are ``{"error": "<中文说明>"}``; 429 answers carry ``Retry-After``.
`ROUTES` below is the one list of endpoints, their roles and their shapes; ``GET /api/openapi.json`` serves it.
Roles: A = agent, S = supervisor, M = maintainer.

==========================================  =====  ==========================================================
method path                                 roles  request → response
==========================================  =====  ==========================================================
GET  /api/health                            -      → {status, warm, warm_failed}
POST /api/login                             -      {name, password} → {token, token_type, expires_at, user}
POST /api/logout                            any    → {ok}
GET  /api/me                                any    → {user: {name, display_name, roles}}
GET  /api/openapi.json                      any    → this table as JSON
GET  /api/queue                             A S    → {tickets: [ticket], queued}
GET  /api/tickets/{id}                      A S    → {ticket, summary, messages: [message]}
POST /api/tickets/{id}/take                 A S    → {ticket}
POST /api/tickets/{id}/reply                A S    {text} → {message}
POST /api/tickets/{id}/hand-back            A S    → {ticket}
POST /api/tickets/{id}/close                A S    → {ticket}
GET  /api/left-messages?status=new|done|all A S    → {messages: [{id, text, phone: "138****5678", ...}]}
POST /api/left-messages/{id}/done           A S    → {ok}
POST /api/left-messages/{id}/reveal         S      → {phone}  (audited)
GET  /api/affairs?q=                        A S M  → {query, decided, also, clarify, affairs: [{id, name, department}]}
POST /api/guide                             A S    {affair, district, answers} → {text, guide, pending, ...}
POST /api/cases/lookup                      A S    {case_number, factor} → {outcome, text, case, attempts_left}
GET  /api/audit?limit&before&action         S      → {rows: [{id, at, user, action, target, outcome}]}
GET  /api/ratings?since&until               S M    → {summary, recent, levels, reasons}
GET  /api/analytics/daily?since&until       S M    → {rows: [{day, affair, conversations, ...}], totals}
GET  /api/analytics/questions?kind&status   S M    → {questions: [{id, kind, text, count, status}]}
POST /api/analytics/refresh                 S M    → {report}
GET  /api/maintain/topics                   M      → {topics: [..]}
POST /api/maintain/assign                   M      {question, affair} → {ok, file, ...} | 422 {error, problems}
GET  /api/maintain/umbrellas                M      → {umbrellas: [{id, topic, affairs}]}
POST /api/maintain/umbrella                 M      {question, umbrella} → {ok, file, ...} | 422 {error, problems}
POST /api/maintain/two-affairs              M      {question, affairs: [id, ..]} → {ok, file, ...} | 422 {..}
POST /api/maintain/out-of-scope             M      {question, topic} → {ok, file, ...} | 422 {error, problems}
==========================================  =====  ==========================================================

ticket: {id, status: queued|taken|handed_back|closed, channel, citizen (a tag, never the sender id), affair,
affair_name, district, reason, position, created_at, taken_at, ended_at, waiting_seconds, agent, mine};
message: {seq, ticket, who: citizen|agent|system, event, text, agent, position, at}. Times are ISO 8601 in
Asia/Shanghai. Request bodies are JSON objects of at most 64 KB.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine

from bot.cases import CaseClient
from bot.cases.attempts import AttemptLimiter
from bot.catalog.provider import Snapshot
from bot.console import assist, store
from bot.console.analytics import Analytics
from bot.console.audit import Audit
from bot.console.auth import AGENT, MAINTAINER, ROLES, SUPERVISOR, Auth, User
from bot.console.errors import BadInput, ConsoleError
from bot.console.handoff import Desk
from bot.console.hooks import HookOutbox
from bot.console.maintain import Maintainer
from bot.console.pages import add_page_routes
from bot.console.ratings import LEVELS, REASONS, Ratings
from bot.console.settings import ConsoleSettings

log = logging.getLogger(__name__)
access = logging.getLogger("bot.console.access")

MAX_BODY = 64 * 1024
ANY = frozenset(ROLES)
STAFF = frozenset({AGENT, SUPERVISOR})
INSIGHT = frozenset({SUPERVISOR, MAINTAINER})
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
NOT_LOGGED_IN = "请先登录（缺少有效的登录令牌，或已过期）。"
NOT_ALLOWED = "您的账号没有这项权限。"
dumps = partial(json.dumps, ensure_ascii=False)


@dataclass
class Services:
    """Everything the handlers use; tests build it with their own databases, catalog and case API."""

    settings: ConsoleSettings
    engine: Engine
    auth: Auth
    desk: Desk
    ratings: Ratings
    analytics: Analytics
    maintainer: Maintainer
    audit: Audit
    hooks: HookOutbox
    snapshot: Callable[[], Snapshot]
    case_client: Callable[[], CaseClient]
    limiter: Callable[[], AttemptLimiter]


def build_services(settings: ConsoleSettings, *, snapshot: Callable[[], Snapshot] | None = None,
                   case_client: Callable[[], CaseClient] | None = None,
                   limiter: Callable[[], AttemptLimiter] | None = None, phone_key: bytes | None = None,
                   analytics_secret: bytes | None = None, clock: Callable[[], float] = time.time) -> Services:
    """The services for ``settings``; the defaults read the environment (catalog, case API, vault key)."""
    from bot.catalog.db import engine_for as catalog_engine_for
    from bot.console.analytics import analytics_secret as default_secret
    from bot.console.hours import parse_hours
    from bot.console.phones import PhoneBox, default_box

    engine = store.engine_for(settings.database_url)
    audit = Audit(engine, clock)
    hours = parse_hours(settings.service_hours, settings.timezone, settings.closed_days)
    box = PhoneBox(phone_key) if phone_key else default_box()
    if snapshot is None:
        from bot.catalog.provider import CatalogProvider

        provider = CatalogProvider(catalog_engine_for(settings.catalog_database_url), interval=2.0)
        snapshot = provider.current
    if case_client is None:
        from bot.cases import get_client

        case_client = get_client
    if limiter is None:
        from bot.cases.attempts import get_limiter

        limiter = get_limiter
    return Services(
        settings=settings, engine=engine, audit=audit,
        auth=Auth(engine, settings.token_hours, clock),
        desk=Desk(engine, hours, box, audit, clock, settings.timezone),
        ratings=Ratings(engine, clock, settings.timezone),
        analytics=Analytics(engine, settings.tracker_store_url, analytics_secret or default_secret(),
                            settings.hotline, settings.timezone, clock),
        maintainer=Maintainer(settings.knowledge_dir, lambda: catalog_engine_for(settings.catalog_database_url),
                              engine, settings.regression_file, audit, clock),
        hooks=HookOutbox(engine, settings.rasa_hook_url, settings.rasa_hook_token, settings.hook_timeout, clock),
        snapshot=snapshot, case_client=case_client, limiter=limiter,
    )


SERVICES = web.AppKey("services", Services)
WARMING = web.AppKey("warming", list)  # the start-up tasks that warm the resolver and the knowledge reader
Handler = Callable[[web.Request, User | None], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One endpoint: who may call it (None: anyone) and what it takes and gives."""

    method: str
    path: str
    roles: frozenset[str] | None
    handler: Handler
    summary: str
    request: str = ""
    response: str = ""


def ok(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=dumps)


def error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status, headers=headers, dumps=dumps)


async def body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent; BadInput when it is missing, too big or not an object."""
    if request.content_type != "application/json":
        raise BadInput("请以 JSON 格式发送（Content-Type: application/json）。")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadInput("请求内容太大了。")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise BadInput("请求内容太大了。")
    try:
        value = json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput("请求内容不是有效的 JSON。") from None
    if not isinstance(value, dict):
        raise BadInput("请求内容需要是一个 JSON 对象。")
    return value


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def run(function: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """Database work off the event loop."""
    return asyncio.to_thread(function, *args)


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _int(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise BadInput(f"参数 {name} 需要是正整数。")
    return int(raw)


def _day(request: web.Request, name: str) -> str | None:
    raw = request.query.get(name, "").strip()
    if raw and (len(raw) != 10 or raw[4] != "-" or raw[7] != "-" or not raw.replace("-", "").isdigit()):
        raise BadInput(f"参数 {name} 需要是日期，如 2026-11-30。")
    return raw or None


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# --- handlers --------------------------------------------------------------------------------------------------

async def health(request: web.Request, user: User | None) -> web.Response:
    try:
        await run(_ping, services(request).engine)
    except Exception as failure:  # the database is what the console needs
        log.error("health: database unavailable (%s)", type(failure).__name__)
        return error(503, "控制台数据库暂时不可用。")
    warming = request.app.get(WARMING, [])
    return ok({"status": "ok", "warm": all(task.done() for task in warming),
               "warm_failed": any(task.done() and _failed(task) for task in warming)})


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(sql_text("SELECT 1"))


async def login(request: web.Request, user: User | None) -> web.Response:
    data = await body(request)
    name, password = data.get("name"), data.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        raise BadInput("请填写用户名和密码。")
    found = await run(services(request).auth.login, name[:100], password[:200])
    zone = services(request).settings.timezone
    return ok({"token": found.token, "token_type": "Bearer", "expires_at": store.iso(found.expires_at, zone),
               "user": found.user.as_json()})


async def logout(request: web.Request, user: User | None) -> web.Response:
    await run(services(request).auth.logout, _bearer(request) or "")
    return ok({"ok": True})


async def me(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    return ok({"user": user.as_json()})


async def openapi(request: web.Request, user: User | None) -> web.Response:
    return ok(describe())


def _ticket(request: web.Request, view: Any, user: User | None) -> dict[str, Any]:
    return view.as_json(time.time(), services(request).settings.timezone, user)


async def queue(request: web.Request, user: User | None) -> web.Response:
    views = await run(services(request).desk.queue)
    return ok({"tickets": [_ticket(request, v, user) for v in views],
               "queued": sum(1 for v in views if v.status == "queued")})


async def ticket(request: web.Request, user: User | None) -> web.Response:
    view, summary, messages = await run(services(request).desk.history, _id(request))
    zone = services(request).settings.timezone
    return ok({"ticket": _ticket(request, view, user), "summary": summary,
               "messages": [m.as_json(zone) for m in messages]})


async def take(request: web.Request, user: User | None) -> web.Response:
    view = await run(services(request).desk.agent_take, _id(request), user)
    return ok({"ticket": _ticket(request, view, user)})


async def reply(request: web.Request, user: User | None) -> web.Response:
    data = await body(request)
    message = await run(services(request).desk.agent_reply, _id(request), user, data.get("text"))
    return ok({"message": message.as_json(services(request).settings.timezone)})


async def hand_back(request: web.Request, user: User | None) -> web.Response:
    view = await run(services(request).desk.hand_back, _id(request), user)
    services(request).hooks.kick.set()
    return ok({"ticket": _ticket(request, view, user)})


async def close(request: web.Request, user: User | None) -> web.Response:
    view = await run(services(request).desk.close, _id(request), user)
    services(request).hooks.kick.set()
    return ok({"ticket": _ticket(request, view, user)})


async def left_messages(request: web.Request, user: User | None) -> web.Response:
    status = request.query.get("status", "new")
    if status not in ("new", "done", "all"):
        raise BadInput("status 只能是 new、done 或 all。")
    found = await run(services(request).desk.left_messages, None if status == "all" else status,
                      _int(request, "limit", 100))
    return ok({"messages": found})


async def left_done(request: web.Request, user: User | None) -> web.Response:
    await run(services(request).desk.mark_done, _id(request), user)
    return ok({"ok": True})


async def reveal(request: web.Request, user: User | None) -> web.Response:
    phone = await run(services(request).desk.reveal_phone, _id(request), user)
    return ok({"phone": phone})


async def affairs(request: web.Request, user: User | None) -> web.Response:
    snapshot = await run(services(request).snapshot)
    return ok(await run(assist.search_affairs, snapshot, request.query.get("q", ""), _int(request, "limit", 10)))


async def guide(request: web.Request, user: User | None) -> web.Response:
    data = await body(request)
    snapshot = await run(services(request).snapshot)
    return ok(await run(assist.guide, snapshot, data.get("affair"), data.get("district"), data.get("answers"),
                        services(request).settings.hotline))


async def case_lookup(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    data = await body(request)
    found = services(request)

    def catalog() -> Any:
        try:
            return found.snapshot().catalog
        except Exception:  # the answer works without naming the office
            return None

    client, limiter = await run(found.case_client), await run(found.limiter)
    return ok(await assist.lookup_case(client, limiter, found.audit, user, data.get("case_number"),
                                       data.get("factor"), found.settings.hotline, catalog))


async def audit_rows(request: web.Request, user: User | None) -> web.Response:
    before = request.query.get("before", "").strip()
    rows = await run(services(request).audit.rows, _int(request, "limit", 100),
                     _int(request, "before", 0) if before else None, request.query.get("action") or None,
                     services(request).settings.timezone)
    return ok({"rows": rows})


async def ratings(request: web.Request, user: User | None) -> web.Response:
    found = services(request).ratings
    summary = await run(found.summary, _day(request, "since"), _day(request, "until"))
    recent = await run(found.recent, _int(request, "limit", 50), request.query.get("low") == "1")
    return ok({"summary": summary, "recent": recent,
               "levels": [{"level": k, "label": v} for k, v in LEVELS.items()], "reasons": list(REASONS)})


async def analytics_daily(request: web.Request, user: User | None) -> web.Response:
    result = await run(services(request).analytics.daily, _day(request, "since"), _day(request, "until"),
                       request.query.get("affair"))
    names = {}
    try:
        catalog = (await run(services(request).snapshot)).catalog
        names = {a.id: a.short_name for a in catalog.affairs.values()}
    except Exception:  # names are a convenience
        pass
    for row in result["rows"]:
        row["affair_name"] = names.get(row["affair"], row["affair"]) if row["affair"] else "（未识别事项）"
    return ok(result)


async def analytics_questions(request: web.Request, user: User | None) -> web.Response:
    kind = request.query.get("kind") or None
    status = request.query.get("status", "open")
    statuses = ("open", "assigned", "umbrella", "two_affairs", "out_of_scope", "all")
    if kind not in (None, "unresolved", "low_rated") or status not in statuses:
        raise BadInput("kind 只能是 unresolved 或 low_rated；"
                       "status 只能是 open、assigned、umbrella、two_affairs、out_of_scope 或 all。")
    found = await run(services(request).analytics.questions, kind, None if status == "all" else status,
                      _int(request, "limit", 100))
    return ok({"questions": found})


async def analytics_refresh(request: web.Request, user: User | None) -> web.Response:
    report = await run(services(request).analytics.refresh)
    return ok({"report": {"events": report.events, "sessions_started": report.sessions_started,
                          "sessions_finished": report.sessions_finished, "unresolved": report.unresolved,
                          "last_event_id": report.last_event_id, "tracker_found": report.tracker_found}})


async def topics(request: web.Request, user: User | None) -> web.Response:
    return ok({"topics": await run(services(request).maintainer.topics)})


def _loop_answer(outcome: Any) -> web.Response:
    if outcome.ok:
        return ok(outcome.as_json())
    return error(422, "知识库检查没有通过，改动已撤销：" + "；".join(
        f"{p['file']}:{p['line']}: {p['message']}" for p in outcome.problems[:5]), **outcome.as_json())


async def assign(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    data = await body(request)
    return _loop_answer(await run(services(request).maintainer.assign, data.get("question"), data.get("affair"),
                                  user.name))


async def umbrellas(request: web.Request, user: User | None) -> web.Response:
    return ok({"umbrellas": await run(services(request).maintainer.umbrellas)})


async def ask_between(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    data = await body(request)
    return _loop_answer(await run(services(request).maintainer.ask_between, data.get("question"),
                                  data.get("umbrella"), user.name))


async def two_affairs(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    data = await body(request)
    return _loop_answer(await run(services(request).maintainer.between_affairs, data.get("question"),
                                  data.get("affairs"), user.name))


async def out_of_scope(request: web.Request, user: User | None) -> web.Response:
    assert user is not None
    data = await body(request)
    return _loop_answer(await run(services(request).maintainer.mark_out_of_scope, data.get("question"),
                                  data.get("topic"), user.name))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/health", None, health, "服务是否可用", "", "{status, warm, warm_failed}"),
    Route("POST", "/api/login", None, login, "登录", "{name, password}", "{token, token_type, expires_at, user}"),
    Route("POST", "/api/logout", ANY, logout, "退出登录", "", "{ok}"),
    Route("GET", "/api/me", ANY, me, "当前用户", "", "{user}"),
    Route("GET", "/api/openapi.json", ANY, openapi, "接口说明", "", "{endpoints}"),
    Route("GET", "/api/queue", STAFF, queue, "等待和正在服务的工单", "", "{tickets, queued}"),
    Route("GET", "/api/tickets/{id:\\d+}", STAFF, ticket, "工单、摘要和全部消息", "", "{ticket, summary, messages}"),
    Route("POST", "/api/tickets/{id:\\d+}/take", STAFF, take, "接入工单", "", "{ticket}"),
    Route("POST", "/api/tickets/{id:\\d+}/reply", STAFF, reply, "回复群众", "{text}", "{message}"),
    Route("POST", "/api/tickets/{id:\\d+}/hand-back", STAFF, hand_back, "交还给智能助手", "", "{ticket}"),
    Route("POST", "/api/tickets/{id:\\d+}/close", STAFF, close, "结束服务", "", "{ticket}"),
    Route("GET", "/api/left-messages", STAFF, left_messages, "非服务时间的留言（号码遮蔽）", "?status=new|done|all",
          "{messages}"),
    Route("POST", "/api/left-messages/{id:\\d+}/done", STAFF, left_done, "留言已回电", "", "{ok}"),
    Route("POST", "/api/left-messages/{id:\\d+}/reveal", frozenset({SUPERVISOR}), reveal, "查看完整回电号码（记审计）",
          "", "{phone}"),
    Route("GET", "/api/affairs", STAFF | {MAINTAINER}, affairs, "事项搜索", "?q=",
          "{query, decided, also, clarify, affairs}"),
    Route("POST", "/api/guide", STAFF, guide, "办事指南（与助手相同）", "{affair, district, answers}",
          "{affair, district, answers, complete, text, guide, pending, answered}"),
    Route("POST", "/api/cases/lookup", STAFF, case_lookup, "为来电群众查办件进度（记审计）", "{case_number, factor}",
          "{outcome, text, case, attempts_left}"),
    Route("GET", "/api/audit", frozenset({SUPERVISOR}), audit_rows, "审计记录", "?limit&before&action", "{rows}"),
    Route("GET", "/api/ratings", INSIGHT, ratings, "好差评统计", "?since&until&limit&low=1",
          "{summary, recent, levels, reasons}"),
    Route("GET", "/api/analytics/daily", INSIGHT, analytics_daily, "按天、按事项的统计", "?since&until&affair",
          "{rows, totals}"),
    Route("GET", "/api/analytics/questions", INSIGHT, analytics_questions, "未解决和差评的问题",
          "?kind=unresolved|low_rated&status=open|assigned|umbrella|two_affairs|out_of_scope|all", "{questions}"),
    Route("POST", "/api/analytics/refresh", INSIGHT, analytics_refresh, "从对话存储刷新统计", "", "{report}"),
    Route("GET", "/api/maintain/topics", frozenset({MAINTAINER}), topics, "不归本助手办理的话题", "", "{topics}"),
    Route("POST", "/api/maintain/assign", frozenset({MAINTAINER}), assign, "把问题归到事项并载入知识库",
          "{question, affair}", "{ok, kind, question, target, file, problems, changed}"),
    Route("GET", "/api/maintain/umbrellas", frozenset({MAINTAINER}), umbrellas, "几个事项共有的话题", "",
          "{umbrellas}"),
    Route("POST", "/api/maintain/umbrella", frozenset({MAINTAINER}), ask_between,
          "把问题归到共有话题（助手会请群众选择）并载入", "{question, umbrella}",
          "{ok, kind, question, target, file, problems, changed}"),
    Route("POST", "/api/maintain/two-affairs", frozenset({MAINTAINER}), two_affairs,
          "把问题归为涉及几项事项（助手会请群众选择）并载入", "{question, affairs}",
          "{ok, kind, question, target, file, problems, changed}"),
    Route("POST", "/api/maintain/out-of-scope", frozenset({MAINTAINER}), out_of_scope, "把问题标为不归本助手办理并载入",
          "{question, topic}", "{ok, kind, question, target, file, problems, changed}"),
)


def describe() -> dict[str, Any]:
    """The endpoints as JSON (an OpenAPI-like summary)."""
    return {"title": "OneVisit 12345 坐席台接口", "auth": "Authorization: Bearer <token>（POST /api/login 获取）",
            "endpoints": [{"method": r.method, "path": r.path.replace("{id:\\d+}", "{id}"),
                           "roles": None if r.roles is None else sorted(r.roles), "summary": r.summary,
                           "request": r.request, "response": r.response} for r in ROUTES]}


def guarded(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler behind the token and role checks of its route."""
    async def handle(request: web.Request) -> web.StreamResponse:
        user = None
        if route.roles is not None:
            token = _bearer(request)
            user = await run(services(request).auth.user_for_token, token) if token else None
            if user is None:
                return error(401, NOT_LOGGED_IN, {"WWW-Authenticate": 'Bearer realm="console"'})
            request["user"] = user
            if not user.may(route.roles):
                return error(403, NOT_ALLOWED)
        return await route.handler(request, user)

    return handle


@web.middleware
async def console_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                             ) -> web.StreamResponse:
    """CORS for the allowed origins, polite JSON errors without stack traces, security headers, one log line."""
    started = time.perf_counter()
    origin = request.headers.get("Origin")
    allowed = origin is not None and origin in services(request).settings.allowed_origins
    try:
        if request.method == "OPTIONS" and allowed:
            response: web.StreamResponse = web.Response(status=204, headers={
                "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Max-Age": "600",
                "Access-Control-Allow-Headers": "Authorization, Content-Type"})
        else:
            response = await handler(request)
    except ConsoleError as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        response = error(refused.status, refused.message, headers)
    except web.HTTPException as failure:
        text = {404: "没有这个接口。", 405: "这个接口不支持这种请求方式。"}.get(failure.status, failure.reason)
        response = error(failure.status, text, {"Allow": failure.headers["Allow"]} if "Allow" in failure.headers
                         else None)
    except Exception as failure:
        log.error("unexpected %s on %s %s", type(failure).__name__, request.method, request.path[:200])
        hotline = services(request).settings.hotline
        response = error(500, f"处理请求时出了点问题，请稍后再试；着急的话请直接拨打 {hotline}。")
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin or ""
        response.headers["Vary"] = "Origin"
    user = request.get("user")
    access.info("%s %s %d %.1fms user=%s", request.method, request.path[:200], response.status,
                (time.perf_counter() - started) * 1000, user.name if user else "-")
    return response


async def background(app: web.Application) -> AsyncIterator[None]:
    """Start-up: warm the catalog, resolver and knowledge reader, run the hook outbox; clean-up: stop it."""
    found = app[SERVICES]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(asyncio.to_thread(found.snapshot)),
             asyncio.create_task(asyncio.to_thread(found.maintainer.warm))]
    app[WARMING] = list(tasks)  # /api/health says "warm" once these are done, and "warm_failed" if one failed
    if found.settings.rasa_hook_url:
        tasks.append(asyncio.create_task(found.hooks.run(stop)))
    for task in tasks:
        task.add_done_callback(_log_failure)  # at once, not only when the console stops
    yield
    stop.set()
    for task in tasks:
        task.cancel()  # a done task is left as it is
    await asyncio.gather(*tasks, return_exceptions=True)


def _failed(task: asyncio.Task) -> bool:
    """Whether a done task ended with an error (a cancelled one did not)."""
    return not task.cancelled() and task.exception() is not None


def _log_failure(task: asyncio.Task) -> None:
    """Log a background task that failed, by the type of its error (its message may quote what a person typed)."""
    if _failed(task):
        log.error("background task failed: %s", type(task.exception()).__name__)


def create_app(found: Services, *, warm: bool = True) -> web.Application:
    """The console application over ``found`` (background work starts with the app unless ``warm`` is False)."""
    app = web.Application(middlewares=[console_middleware], client_max_size=MAX_BODY)
    app[SERVICES] = found
    if warm:
        app.cleanup_ctx.append(background)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, guarded(route))
    add_page_routes(app)  # the staff pages, same origin as the API
    return app
