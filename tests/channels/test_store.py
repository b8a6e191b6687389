"""The channels' shared store on real SQLite files (several processes at once) and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from bot.channels.store import ChannelStore, TokenUnavailable, engine_for
from tests.channels.fake_wechat import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("CATALOG_TEST_POSTGRES_URL")
PROCESSES = 6


def store_urls() -> list[pytest.param]:
    urls = [pytest.param("sqlite", id="sqlite")]
    urls.append(pytest.param("postgres", id="postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="set CATALOG_TEST_POSTGRES_URL to run against PostgreSQL")))
    return urls


@pytest.fixture(params=store_urls())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'channels.db'}"
        return
    assert POSTGRES_URL
    with engine_for(POSTGRES_URL).begin() as conn:
        for table in ("channel_once", "channel_results", "channel_options", "channel_values", "channel_tokens"):
            conn.execute(text(f"DELETE FROM {table}"))
    yield POSTGRES_URL


@pytest.fixture()
def fake() -> Iterator[FakeWeChat]:
    platform = FakeWeChat(token="t", appid="wxstoretest", secret="s3cret").start()
    yield platform
    platform.stop()


def run_processes(script: str, *args: str) -> list[str]:
    """Start PROCESSES Python processes that begin the same work at the same moment; return their outputs."""
    start_at = str(time.time() + 4)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    children = [subprocess.Popen([sys.executable, "-c", script, start_at, *args], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(PROCESSES)]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err[-2000:]
        outputs.append(out.strip())
    return outputs


FIRST_TIME_SCRIPT = """
import sys, time
from bot.channels.store import ChannelStore
store = ChannelStore(sys.argv[2])
store.first_time("warm-up", 60)
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(store.first_time("msg:1234567890", 60))
"""

TOKEN_SCRIPT = """
import sys, time, requests
from bot.channels.store import ChannelStore
store = ChannelStore(sys.argv[2])
def fetch():
    answer = requests.get(sys.argv[3], params={"grant_type": "client_credential", "appid": "wxstoretest",
                                              "secret": "s3cret"}, timeout=10).json()
    return answer["access_token"], answer["expires_in"]
store.get_value("warm-up")
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(store.access_token("wechat:wxstoretest", fetch))
"""


def test_first_time_is_true_for_exactly_one_process(url: str) -> None:
    results = run_processes(FIRST_TIME_SCRIPT, url)
    assert sorted(results) == ["False"] * (PROCESSES - 1) + ["True"]


def test_one_token_fetch_serves_every_process(url: str, fake: FakeWeChat) -> None:
    fake.token_delay = 0.5  # a slow token endpoint widens the race
    tokens = run_processes(TOKEN_SCRIPT, url, fake.api_base + "token")
    assert fake.token_fetches == 1
    assert len(set(tokens)) == 1 and tokens[0].startswith("TOKEN1-")


def test_first_time_within_one_process_and_after_expiry(url: str) -> None:
    store = ChannelStore(url)
    key = f"msg:{uuid.uuid4().hex}"
    assert store.first_time(key, 60) is True
    assert store.first_time(key, 60) is False
    short = f"msg:{uuid.uuid4().hex}"
    assert store.first_time(short, 0) is True
    time.sleep(0.05)
    assert store.first_time(short, 60) is True  # the expired row was purged


def test_results_are_recalled_until_they_expire(url: str) -> None:
    store = ChannelStore(url)
    store.remember_result("r1", "<xml>答复</xml>", 60)
    store.remember_result("r2", "success", 0)
    time.sleep(0.05)
    assert store.recall_result("r1") == "<xml>答复</xml>"
    assert store.recall_result("r2") is None
    assert store.recall_result("never") is None
    store.remember_result("r1", "新的答复", 60)
    assert store.recall_result("r1") == "新的答复"


def test_options_are_kept_per_sender_and_cleared(url: str) -> None:
    store = ChannelStore(url)
    options = [{"title": "已满16周岁", "payload": "/inform{\"age\": \"adult\"}"},
               {"title": "都不是", "payload": "/deny"}]
    store.save_options("wx:app:o1", options)
    assert store.load_options("wx:app:o1") == options
    assert store.load_options("wx:app:o2") == []
    store.save_options("wx:app:o1", [])
    assert store.load_options("wx:app:o1") == []


def test_values_are_set_and_replaced(url: str) -> None:
    store = ChannelStore(url)
    assert store.get_value("cursor") is None
    store.set_value("cursor", "abc")
    store.set_value("cursor", "def")
    assert store.get_value("cursor") == "def"


def test_a_stored_token_is_reused_until_invalidated(url: str) -> None:
    store = ChannelStore(url)
    issued: list[str] = []

    def fetch() -> tuple[str, int]:
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1], 7200

    key = f"wechat:{uuid.uuid4().hex[:8]}"
    assert store.access_token(key, fetch) == "token-1"
    assert store.access_token(key, fetch) == "token-1"
    store.invalidate_token(key, "an-older-token")  # not the stored one: nothing happens
    assert store.access_token(key, fetch) == "token-1"
    store.invalidate_token(key, "token-1")
    assert store.access_token(key, fetch) == "token-2"
    assert issued == ["token-1", "token-2"]


def test_a_token_near_its_expiry_is_refreshed(url: str) -> None:
    store = ChannelStore(url)
    lifetimes = iter([2, 7200])  # the first token is usable for half its life only (safety margin)
    count = 0

    def fetch() -> tuple[str, int]:
        nonlocal count
        count += 1
        return f"t{count}", next(lifetimes)

    key = f"wechat:{uuid.uuid4().hex[:8]}"
    assert store.access_token(key, fetch) == "t1"
    time.sleep(1.2)
    assert store.access_token(key, fetch) == "t2"


def test_a_failed_fetch_reaches_the_caller_and_releases_the_lease(url: str, fake: FakeWeChat) -> None:
    store = ChannelStore(url)
    key = f"wechat:{uuid.uuid4().hex[:8]}"

    def wrong_secret() -> tuple[str, int]:
        answer = requests.get(fake.api_base + "token", timeout=5,
                              params={"grant_type": "client_credential", "appid": "wxstoretest", "secret": "x"})
        body = answer.json()
        if body.get("errcode"):
            raise RuntimeError(f"errcode {body['errcode']}")
        return body["access_token"], body["expires_in"]

    with pytest.raises(RuntimeError, match="40125"):
        store.access_token(key, wrong_secret)
    assert store.access_token(key, lambda: ("good", 7200)) == "good"  # no lease left behind


def test_waiters_give_up_while_another_holds_the_lease(url: str) -> None:
    holder = ChannelStore(url, lease_seconds=30)
    waiter = ChannelStore(url, wait_seconds=0.5)
    key = f"wechat:{uuid.uuid4().hex[:8]}"
    release = threading.Event()

    def slow_fetch() -> tuple[str, int]:
        release.wait(10)
        return "late", 7200

    thread = threading.Thread(target=holder.access_token, args=(key, slow_fetch))
    thread.start()
    try:
        time.sleep(0.3)
        with pytest.raises(TokenUnavailable):
            waiter.access_token(key, lambda: ("should-not-be-called", 7200))
    finally:
        release.set()
        thread.join(10)
    assert waiter.access_token(key, lambda: ("unused", 7200)) == "late"


def test_from_env_prefers_channel_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    monkeypatch.delenv("CHANNEL_DATABASE_URL", raising=False)
    assert ChannelStore.from_env().url.endswith("catalog.db")
    monkeypatch.setenv("CHANNEL_DATABASE_URL", f"sqlite:///{tmp_path / 'channels.db'}")
    assert ChannelStore.from_env().url.endswith("channels.db")


def test_creating_a_store_touches_no_database(tmp_path: Path) -> None:
    ChannelStore(f"sqlite:///{tmp_path / 'sub' / 'never.db'}")
    assert not (tmp_path / "sub").exists()
