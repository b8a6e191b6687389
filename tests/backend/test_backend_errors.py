"""Failures inside the server: a 500 with a JSON body and no stack trace, a 503 when the database is gone."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests

from backend.app import create_app
from backend.config import BackendConfig
from backend.db import make_engine
from backend.repository import CaseRepository
from backend.testing import Contract

TOKEN = "t0ken"
SECRET = "ZJ2026330106000101 phone 2481"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "X-Verify-Phone-Last4": "2481"}


class ExplodingRepository:
    """A repository with a bug: its error message even holds personal data."""

    def lookup(self, case_number: str, phone_last4: str | None, query_code: str | None) -> dict | None:
        raise RuntimeError(SECRET)

    def ping(self) -> None:
        raise RuntimeError(SECRET)


def test_unexpected_error_is_json_500_without_trace(
    serve_app, contract: Contract, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(BackendConfig(token=TOKEN), ExplodingRepository())
    with caplog.at_level(logging.ERROR, logger="backend"), serve_app(app) as url:
        response = requests.get(f"{url}/v1/cases/ZJ2026330106000101", headers=HEADERS, timeout=5)
        health = requests.get(f"{url}/v1/health", timeout=5)
    for answer, path in ((response, "/v1/cases/{case_number}"), (health, "/v1/health")):
        assert answer.status_code == 500
        assert answer.json()["error"] == "internal_error"
        assert "Traceback" not in answer.text and "RuntimeError" not in answer.text
        assert SECRET not in answer.text
        assert contract.problems(path, "get", answer.status_code, answer.headers, answer.content) == []
    assert "unhandled RuntimeError" in caplog.text
    assert SECRET not in caplog.text


def test_database_without_tables_is_503(serve_app, contract: Contract, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    app = create_app(BackendConfig(token=TOKEN), CaseRepository(engine))
    try:
        with serve_app(app) as url:
            response = requests.get(f"{url}/v1/cases/ZJ2026330106000101", headers=HEADERS, timeout=5)
            health = requests.get(f"{url}/v1/health", timeout=5)
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert "sqlite" not in response.text.lower()
    assert contract.problems("/v1/cases/{case_number}", "get", 503, response.headers, response.content) == []
    assert health.status_code == 503


def test_unreachable_database_is_503(serve_app) -> None:
    engine = make_engine("postgresql+psycopg2://nobody:secret@127.0.0.1:1/cases?connect_timeout=1")
    app = create_app(BackendConfig(token=TOKEN), CaseRepository(engine))
    try:
        with serve_app(app) as url:
            response = requests.get(f"{url}/v1/cases/ZJ2026330106000101", headers=HEADERS, timeout=5)
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert "secret" not in response.text


def test_serve_fails_cleanly_when_the_database_cannot_be_prepared(tmp_path: Path) -> None:
    import subprocess
    import sys

    from backend.config import PROJECT_ROOT

    completed = subprocess.run(
        [sys.executable, "-m", "backend", "serve", "--port", "0"],
        cwd=PROJECT_ROOT,
        env={
            "BACKEND_DATABASE_URL": "postgresql+psycopg2://nobody:secret@127.0.0.1:1/cases?connect_timeout=1",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 1
    assert "cannot prepare the database" in completed.stderr
    assert "secret" not in completed.stderr
    assert "Traceback" not in completed.stderr
