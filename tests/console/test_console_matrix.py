"""Authorisation over every endpoint: anonymous → 401, a role without the right → 403, a role with it → 2xx.

The table below is written out by hand (not read from the code), and must name every route the application
has, so a new endpoint without a decision about its roles fails here.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from console_helpers import Api, Catalog, ConsoleFactory

from backend.seed import SAMPLE_CASES
from backend.testing import running_server
from bot.cases import CaseApiConfig, CaseClient
from bot.cases.attempts import AttemptLimiter
from bot.catalog.db import engine_for as catalog_engine_for
from bot.config import PROJECT_ROOT
from bot.console.api import describe

A, S, M = "agent", "supervisor", "maintainer"
PUBLIC = None
ALL = {A, S, M}
EXPECTED: dict[tuple[str, str], set[str] | None] = {
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/login"): PUBLIC,
    ("POST", "/api/logout"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/openapi.json"): ALL,
    ("GET", "/api/queue"): {A, S},
    ("GET", "/api/tickets/{id}"): {A, S},
    ("POST", "/api/tickets/{id}/take"): {A, S},
    ("POST", "/api/tickets/{id}/reply"): {A, S},
    ("POST", "/api/tickets/{id}/hand-back"): {A, S},
    ("POST", "/api/tickets/{id}/close"): {A, S},
    ("GET", "/api/left-messages"): {A, S},
    ("POST", "/api/left-messages/{id}/done"): {A, S},
    ("POST", "/api/left-messages/{id}/reveal"): {S},
    ("GET", "/api/affairs"): {A, S, M},
    ("POST", "/api/guide"): {A, S},
    ("POST", "/api/cases/lookup"): {A, S},
    ("GET", "/api/audit"): {S},
    ("GET", "/api/ratings"): {S, M},
    ("GET", "/api/analytics/daily"): {S, M},
    ("GET", "/api/analytics/questions"): {S, M},
    ("POST", "/api/analytics/refresh"): {S, M},
    ("GET", "/api/maintain/topics"): {M},
    ("POST", "/api/maintain/assign"): {M},
    ("GET", "/api/maintain/umbrellas"): {M},
    ("POST", "/api/maintain/umbrella"): {M},
    ("POST", "/api/maintain/two-affairs"): {M},
    ("POST", "/api/maintain/out-of-scope"): {M},
}
ROLE_USERS = {A: "agent1", S: "super1", M: "maint1"}
counter = itertools.count(1)


def test_the_table_names_every_route() -> None:
    routes = {(e["method"], e["path"]) for e in describe()["endpoints"]}
    assert routes == set(EXPECTED)
    declared = {(e["method"], e["path"]): None if e["roles"] is None else set(e["roles"])
                for e in describe()["endpoints"]}
    assert declared == EXPECTED


@pytest.fixture
def console(tmp_path: Path, catalog: Catalog, start_console: ConsoleFactory):
    knowledge = tmp_path / "knowledge-copy"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    limiter = AttemptLimiter(catalog_engine_for(f"sqlite:///{tmp_path / 'attempts.db'}"), b"matrix-secret")
    with running_server(tmp_path / "backend", token="matrix-token") as backend:
        client = CaseClient(CaseApiConfig(base_url=backend.url, token="matrix-token"))
        yield start_console(f"sqlite:///{tmp_path / 'console.db'}", catalog=catalog, case_client=lambda: client,
                            limiter=lambda: limiter, knowledge_dir=knowledge,
                            catalog_database_url=f"sqlite:///{tmp_path / 'matrix-catalog.db'}")
        client.close()


def _request(console, route: tuple[str, str], caller: Api) -> tuple[str, dict | None, str | None]:
    """A valid request for the route (path, body, token to use instead of the caller's)."""
    desk = console.services.desk
    method, path = route
    n = next(counter)
    token = None
    body: dict | None = {} if method == "POST" else None
    if "/api/tickets/" in path:
        ticket = desk.request_handoff(f"web-matrix-{n}", "web", None, "转人工").id
        if path.endswith("/reply") and caller.token:
            holder = caller if caller.user.get("roles") and set(caller.user["roles"]) & {A, S} else console.agent
            holder.post(f"/api/tickets/{ticket}/take")
            body = {"text": "您好"}
        path = path.replace("{id}", str(ticket))
    elif "/api/left-messages/" in path:
        path = path.replace("{id}", str(desk.leave_message(f"web-matrix-{n}", "请回电", "13900001111")))
    elif path == "/api/login":
        body = {"name": "agent1", "password": "correct horse battery"}
    elif path == "/api/logout" and caller.token:
        token = console.api.login(caller.user["name"]).token  # keep the caller's own token alive
    elif path == "/api/affairs":
        path += "?q=身份证丢了"
    elif path == "/api/guide":
        body = {"affair": "id-card-reissue", "district": "330106", "answers": {}}
    elif path == "/api/cases/lookup":
        sample = SAMPLE_CASES[0]
        body = {"case_number": sample.case_number, "factor": sample.query_code}
    elif path == "/api/maintain/assign":
        body = {"question": f"矩阵测试问题第{n}号护照怎么续", "affair": "passport"}
    elif path == "/api/maintain/umbrella":
        body = {"question": f"矩阵测试问题第{n}号户口迁移的事", "umbrella": "hukou-move"}
    elif path == "/api/maintain/two-affairs":
        body = {"question": f"矩阵测试问题第{n}号身份证驾照都丢了",
                "affairs": ["id-card-reissue", "driving-license-reissue"]}
    elif path == "/api/maintain/out-of-scope":
        body = {"question": f"矩阵测试问题第{n}号天气如何", "topic": "矩阵测试"}
    return path, body, token


def test_every_endpoint_for_every_role(console) -> None:
    callers: dict[str | None, Api] = {None: console.api, A: console.agent, S: console.supervisor,
                                      M: console.maintainer}
    failures = []
    for route, allowed in EXPECTED.items():
        for role, caller in callers.items():
            path, body, token = _request(console, route, caller)
            answer = caller.call(route[0], path, json=body, token=token)
            if allowed is PUBLIC:
                expected: Callable[[int], bool] = lambda s: 200 <= s < 300  # noqa: E731
                want = "2xx"
            elif role is None:
                expected, want = (lambda s: s == 401), "401"
            elif role in allowed:
                expected, want = (lambda s: 200 <= s < 300), "2xx"
            else:
                expected, want = (lambda s: s == 403), "403"
            if not expected(answer.status_code):
                failures.append(f"{route[0]} {route[1]} as {role}: {answer.status_code} (want {want}) "
                                f"{answer.text[:200]}")
    assert not failures, "\n".join(failures)
    assert console.api.call("GET", "/api/queue", token="forged").status_code == 401
