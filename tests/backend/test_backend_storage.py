"""Database, seeding, rate limiter, configuration and log masking of the reference server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.app import masked_path
from backend.config import PROJECT_ROOT, BackendConfig
from backend.db import CaseRow, MissingMaterialRow, StepRow, make_engine, mapper_registry
from backend.ratelimit import SlidingWindowLimiter
from backend.repository import CaseRepository, mask_name
from backend.seed import SAMPLE_CASES, seed

POSTGRES_URL = os.environ.get("BACKEND_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database: SQLite always; PostgreSQL when BACKEND_TEST_POSTGRES_URL names an empty one."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'cases.sqlite3'}")
    elif POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        mapper_registry.metadata.drop_all(engine)
    else:
        pytest.skip("set BACKEND_TEST_POSTGRES_URL to run the storage tests on PostgreSQL too")
    yield engine
    if request.param == "postgresql":
        mapper_registry.metadata.drop_all(engine)
    engine.dispose()


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine, future=True) as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (CaseRow, StepRow, MissingMaterialRow)
        )


def test_seed_is_idempotent(engine: Engine) -> None:
    first = seed(engine)
    after_first = counts(engine)
    second = seed(engine)
    assert (first.inserted, first.existing) == (len(SAMPLE_CASES), 0)
    assert (second.inserted, second.existing) == (0, len(SAMPLE_CASES))
    assert counts(engine) == after_first
    assert after_first[0] == len(SAMPLE_CASES)
    assert after_first[1] == sum(len(c.steps) for c in SAMPLE_CASES)


def test_seed_adds_only_missing_cases(engine: Engine) -> None:
    seed(engine, SAMPLE_CASES[:2])
    report = seed(engine)
    assert (report.inserted, report.existing) == (len(SAMPLE_CASES) - 2, 2)


def test_repository_find_and_verify(engine: Engine) -> None:
    seed(engine)
    repository = CaseRepository(engine)
    sample = SAMPLE_CASES[2]
    stored = repository.find(sample.case_number)
    assert stored is not None
    assert stored.payload["status"] == {"code": "needs_correction", "label": "需补正"}
    assert [m["name"] for m in stored.payload["missing_materials"]] == [m[0] for m in sample.missing]
    assert [s["done_on"] for s in stored.payload["steps"]] == [s[1] for s in sample.steps]
    assert stored.verify(sample.applicant_phone[-4:], None)
    assert stored.verify(None, sample.query_code)
    assert not stored.verify("0000", None)
    assert not stored.verify(None, "ZZZZZZZZ")
    assert not stored.verify(None, None)
    assert sample.applicant_phone[-4:] not in repr(stored)
    assert repository.find("ZJ2026330106999999") is None
    repository.ping()


def test_repository_lookup_verifies_and_loads(engine: Engine) -> None:
    seed(engine)
    repository = CaseRepository(engine)
    sample = SAMPLE_CASES[2]
    by_phone = repository.lookup(sample.case_number, sample.applicant_phone[-4:], None)
    by_code = repository.lookup(sample.case_number, None, sample.query_code)
    assert by_phone == by_code == repository.find(sample.case_number).payload  # type: ignore[union-attr]
    assert repository.lookup(sample.case_number, "0000", None) is None
    assert repository.lookup(sample.case_number, None, "ZZZZZZZZ") is None
    assert repository.lookup("ZJ2026330106999999", sample.applicant_phone[-4:], None) is None


def test_unknown_number_and_wrong_factor_do_the_same_work(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same statements and one constant-time comparison either way, so timing cannot tell them apart."""
    import backend.repository as repository_module

    seed(engine)
    repository = CaseRepository(engine)
    sample = SAMPLE_CASES[3]
    statements: list[str] = []
    comparisons: list[int] = []
    real_compare = repository_module.hmac.compare_digest

    def compare(a: bytes, b: bytes) -> bool:
        comparisons.append(len(b))
        return real_compare(a, b)

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    monkeypatch.setattr(repository_module.hmac, "compare_digest", compare)
    event.listen(engine, "before_cursor_execute", record)
    try:
        work = {}
        for label, number, phone, code in (
            ("wrong phone", sample.case_number, "0000", None),
            ("unknown, phone", "ZJ2026330106999999", "0000", None),
            ("wrong code", sample.case_number, None, "ZZZZZZZZ"),
            ("unknown, code", "ZJ2026330106999999", None, "ZZZZZZZZ"),
        ):
            statements.clear()
            comparisons.clear()
            assert repository.lookup(number, phone, code) is None
            work[label] = (list(statements), list(comparisons))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert work["wrong phone"] == work["unknown, phone"]
    assert work["wrong code"] == work["unknown, code"]
    assert work["wrong phone"][1] == [4]
    assert work["wrong code"][1] == [8]


@pytest.mark.parametrize(
    ("name", "masked"), [("王小明", "王*明"), ("李娜", "李*"), ("欧阳娜娜", "欧**娜"), ("", None)]
)
def test_mask_name(name: str, masked: str | None) -> None:
    assert mask_name(name) == masked


def test_limiter_sliding_window() -> None:
    now = [100.0]
    limiter = SlidingWindowLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.hit("a") is None
    now[0] += 4
    assert limiter.hit("a") is None
    assert limiter.hit("a") == 6
    assert limiter.hit("b") is None
    now[0] += 6.01
    assert limiter.hit("a") is None
    assert limiter.hit("a") == 4


def test_limiter_disabled_and_bounded() -> None:
    assert SlidingWindowLimiter(0, 10.0).hit("a") is None
    limiter = SlidingWindowLimiter(1, 60.0, max_keys=3)
    for key in "abcde":
        assert limiter.hit(key) is None
    assert len(limiter._events) == 3
    assert limiter.hit("a") is None  # forgotten, least recently used
    assert limiter.hit("e") is not None
    limiter.clear("e")
    limiter.clear("never-seen")
    assert limiter.hit("e") is None


def test_config_from_env() -> None:
    config = BackendConfig.from_env(
        {
            "BACKEND_HOST": "0.0.0.0",
            "BACKEND_PORT": "9000",
            "CASE_API_TOKEN": "s3cret",
            "BACKEND_DATABASE_URL": "postgresql+psycopg2://u:p@db/cases",
            "BACKEND_RATE_LIMIT": "7",
            "BACKEND_RATE_WINDOW": "1.5",
            "BACKEND_CASE_PHONE_FAILURE_LIMIT": "9",
        }
    )
    assert config.case_phone_failure_limit == 9
    assert (config.host, config.port, config.token, config.rate_limit, config.rate_window) == (
        "0.0.0.0",
        9000,
        "s3cret",
        7,
        1.5,
    )
    assert "s3cret" not in repr(config)
    defaults = BackendConfig.from_env({})
    assert (defaults.host, defaults.port, defaults.token) == ("127.0.0.1", 8090, "dev-token")
    assert defaults.database_url.startswith("sqlite:///")
    assert (defaults.verify_failure_limit, defaults.case_phone_failure_limit) == (5, 20)
    with pytest.raises(ValueError, match="BACKEND_PORT"):
        BackendConfig.from_env({"BACKEND_PORT": "eighty"})


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/v1/cases/ZJ2026330106000101", "/v1/cases/ZJ20************01"),
        ("/v1/health", "/v1/health"),
        ("/v1/cases/1234", "/v1/cases/****"),
        ("/x/ZJ2026330106000101/K7M3Q9TX", "/x/ZJ20************01/********"),
    ],
)
def test_masked_path(path: str, masked: str) -> None:
    assert masked_path(path) == masked


def test_importing_does_no_work(tmp_path: Path) -> None:
    database = tmp_path / "db" / "cases.sqlite3"
    code = "import backend.__main__, backend.app, backend.server, backend.seed, backend.testing, bot.cases"
    env = {
        **os.environ,
        "BACKEND_DATABASE_URL": f"sqlite:///{database}",
        "CASE_API_URL": "http://127.0.0.1:9",
    }
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert not database.parent.exists()
    assert completed.stdout == ""
