"""bot.cases.attempts: failed verifications per end user and case number, across conversations."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from bot.cases import END_USER_RE
from bot.cases.attempts import (
    CASE,
    CASE_TAIL,
    USER,
    AttemptLimiter,
    Decision,
    Limits,
    end_user_id,
    end_user_secret,
    failures,
)

SECRET = b"test-secret"
CASE_A = "ZJ2026330106000101"
CASE_B = "ZJ2026330102000102"
T0 = 1_800_000_000.0


POSTGRES_URL = os.environ.get("CATALOG_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The catalog database: SQLite always; PostgreSQL when CATALOG_TEST_POSTGRES_URL names one."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'catalog.db'}", future=True)
    elif POSTGRES_URL:
        engine = create_engine(POSTGRES_URL, future=True)
        failures.drop(engine, checkfirst=True)
    else:
        pytest.skip("set CATALOG_TEST_POSTGRES_URL to run the attempt limiter on PostgreSQL too")
    yield engine
    if request.param == "postgresql":
        failures.drop(engine, checkfirst=True)
    engine.dispose()


@pytest.fixture
def limiter(engine: Engine) -> AttemptLimiter:
    return AttemptLimiter(engine, SECRET)


def fail(limiter: AttemptLimiter, case: str, user: str, times: int, start: float = T0, step: float = 1.0) -> Decision:
    decision = Decision(True, 0, 0)
    for n in range(times):
        decision = limiter.record_failure(case, user, start + n * step)
    return decision


def test_end_user_is_a_keyed_pseudonym_of_the_sender() -> None:
    sender = "wx:wx1234567890:oAbCdEfGhIjK"
    user = end_user_id(sender, SECRET)
    assert END_USER_RE.fullmatch(user)
    assert "oAbCdEfGhIjK" not in user and "wx" not in user[1:]
    assert end_user_id(sender, SECRET) == user
    assert end_user_id(sender, b"another secret") != user
    assert end_user_id("wx:wx1234567890:someone-else", SECRET) != user


def test_two_sender_ids_of_one_end_user_are_counted_together(limiter: AttemptLimiter) -> None:
    first = limiter.end_user("wx:wx1234567890:oAbCdEfGhIjK#1")
    second = limiter.end_user("wx:wx1234567890:oAbCdEfGhIjK#2")
    assert first == second == limiter.end_user("wx:wx1234567890:oAbCdEfGhIjK")
    assert limiter.record_failure(CASE_A, first, T0).attempts_left == 2
    assert limiter.record_failure(CASE_A, second, T0 + 1).attempts_left == 1
    locked = limiter.record_failure(CASE_A, first, T0 + 2)
    assert not locked.allowed and locked.scope == CASE
    assert not limiter.allowed(CASE_A, second, T0 + 3).allowed


def test_three_failures_lock_that_case_for_that_user_only(limiter: AttemptLimiter) -> None:
    me, stranger = limiter.end_user("web-me"), limiter.end_user("web-stranger")
    assert limiter.allowed(CASE_A, me, T0) == Decision(True, 0, 3)
    decision = fail(limiter, CASE_A, stranger, 3)
    assert decision.allowed is False and decision.attempts_left == 0 and decision.scope == CASE
    assert decision.retry_after == 898  # until the first of the three (at T0) is 15 minutes old
    assert not limiter.allowed(CASE_A, stranger, T0 + 10).allowed
    assert limiter.allowed(CASE_A, me, T0 + 10) == Decision(True, 0, 3)  # the owner is not locked
    assert limiter.allowed(CASE_B, stranger, T0 + 10).allowed  # nor is the stranger for another case
    assert limiter.allowed(None, stranger, T0 + 10).allowed


def test_a_new_process_or_conversation_does_not_reset(engine: Engine) -> None:
    """The count lives in the database: a restarted action server (or /restart) sees it."""
    user = end_user_id("web-me", SECRET)
    fail(AttemptLimiter(engine, SECRET), CASE_A, user, 3)
    assert not AttemptLimiter(engine, SECRET).allowed(CASE_A, user, T0 + 60).allowed


def test_the_lock_expires(limiter: AttemptLimiter) -> None:
    user = limiter.end_user("web-me")
    fail(limiter, CASE_A, user, 3, step=60)  # at T0, T0+60, T0+120
    still = limiter.allowed(CASE_A, user, T0 + 899)
    assert not still.allowed and still.retry_after == 1
    after = limiter.allowed(CASE_A, user, T0 + 900)  # the first failure left the window
    assert after.allowed and after.attempts_left == 1
    assert limiter.allowed(CASE_A, user, T0 + 120 + 900) == Decision(True, 0, 3)


def test_ten_failures_over_several_cases_lock_every_case(limiter: AttemptLimiter) -> None:
    user = limiter.end_user("web-guesser")
    numbers = [f"ZJ2026330106{n:06d}" for n in range(5)]
    decision = Decision(True, 0, 0)
    for n in range(10):
        decision = limiter.record_failure(numbers[n % 5], user, T0 + n)
    assert not decision.allowed and decision.scope == USER
    assert 3590 <= decision.retry_after <= 3600
    fresh = "ZJ2026330106999999"
    assert limiter.allowed(fresh, user, T0 + 20).scope == USER
    assert limiter.allowed(None, user, T0 + 20).scope == USER
    assert limiter.allowed(fresh, limiter.end_user("web-someone-else"), T0 + 20).allowed
    assert limiter.allowed(fresh, user, T0 + 3600).allowed


def test_attempts_left_counts_down_with_the_overall_limit(limiter: AttemptLimiter) -> None:
    user = limiter.end_user("web-me")
    for n in range(8):
        limiter.record_failure(f"ZJ2026330106{n:06d}", user, T0 + n)
    assert limiter.allowed(CASE_A, user, T0 + 10).attempts_left == 2
    assert limiter.allowed(None, user, T0 + 10).attempts_left == 2


def test_success_forgets_the_failures_on_that_case(limiter: AttemptLimiter) -> None:
    user = limiter.end_user("web-me")
    fail(limiter, CASE_A, user, 2)
    fail(limiter, CASE_B, user, 1)
    limiter.record_success(CASE_A, user)
    assert limiter.allowed(CASE_A, user, T0 + 5) == Decision(True, 0, 3)
    assert limiter.allowed(CASE_B, user, T0 + 5).attempts_left == 2


def test_the_table_holds_no_raw_ids_and_old_rows_go(engine: Engine, limiter: AttemptLimiter) -> None:
    user = limiter.end_user("wx:wx1234567890:oAbCdEfGhIjK")
    limiter.record_failure(CASE_A, user, T0)
    limiter.record_failure(CASE_B, user, T0 + 7200)  # the first is older than every window by now
    with engine.connect() as conn:
        rows = conn.execute(select(failures)).all()
    assert len(rows) == 1
    dumped = repr(rows)
    assert "oAbCdEfGhIjK" not in dumped and CASE_B not in dumped and CASE_B[-6:] not in dumped


def test_many_strangers_pause_verifying_a_case_by_phone_tail_for_everyone(limiter: AttemptLimiter) -> None:
    """New sender ids are cheap: ten failures on one case by anyone pause its phone-tail verification for an
    hour, for everyone. No one is locked out as such (the query code still works), and other cases are free."""
    for n in range(9):
        fail(limiter, CASE_A, limiter.end_user(f"web-stranger-{n}"), 1, start=T0 + n)
    assert limiter.tail_allowed(CASE_A, T0 + 60) == Decision(True, 0, 1)
    fail(limiter, CASE_A, limiter.end_user("web-stranger-9"), 1, start=T0 + 9)
    paused = limiter.tail_allowed(CASE_A, T0 + 60)
    assert (paused.allowed, paused.scope, paused.retry_after) == (False, CASE_TAIL, 3600 - 60)
    owner = limiter.end_user("web-owner")
    assert limiter.allowed(CASE_A, owner, T0 + 60).allowed  # the owner is not locked out of the case
    assert limiter.tail_allowed(CASE_B, T0 + 60).allowed
    assert limiter.tail_allowed(CASE_A, T0 + 3600).allowed  # the oldest failure has left the window


def test_limits_are_configurable(engine: Engine) -> None:
    limiter = AttemptLimiter(engine, SECRET, Limits(per_case=1, per_case_window=10, per_user=2, per_user_window=20))
    user = limiter.end_user("web-me")
    assert not limiter.record_failure(CASE_A, user, T0).allowed
    assert limiter.allowed(CASE_A, user, T0 + 10).allowed
    with pytest.raises(ValueError):
        Limits(per_case=0)
    with pytest.raises(ValueError):
        Limits(per_case_tail_window=0)
    with pytest.raises(ValueError):
        AttemptLimiter(engine, b"")


def test_secret_from_the_environment_or_a_key_file(tmp_path: Path) -> None:
    assert end_user_secret({"END_USER_SALT": "from-env"}) == b"from-env"
    key_file = tmp_path / "var" / "end_user.key"
    first = end_user_secret({"END_USER_KEY_FILE": str(key_file)})
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    assert end_user_secret({"END_USER_KEY_FILE": str(key_file)}) == first  # stable across restarts
    assert end_user_secret({"END_USER_KEY_FILE": str(tmp_path / "other.key")}) != first
    assert list((tmp_path / "var").iterdir()) == [key_file]  # no temporary file left behind
    empty = tmp_path / "empty.key"
    empty.write_text("")
    with pytest.raises(OSError, match="empty"):
        end_user_secret({"END_USER_KEY_FILE": str(empty)})
