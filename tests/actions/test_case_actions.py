"""Case-status actions against the real reference backend on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.cases import ActionQueryCase, ValidateCaseForm
from backend.testing import running_server
from bot.cases import CaseApiConfig, CaseClient
from bot.cases.client import set_client
from tests.actions.conftest import slot_events, tracker
from tests.e2e.stack import free_port


@pytest.fixture(scope="module")
def backend_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with running_server(tmp_path_factory.mktemp("backend"), token="action-token") as server:
        yield server.url, server.token


def use_client(url: str, token: str) -> None:
    set_client(CaseClient(CaseApiConfig(base_url=url, token=token)))


@pytest.fixture()
def live(backend_url: tuple[str, str]) -> Iterator[None]:
    use_client(*backend_url)
    yield
    set_client(None)


def query(slots: dict) -> tuple[CollectingDispatcher, dict]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionQueryCase().run(dispatcher, tracker("", "query_case_status", slots), {}))
    return dispatcher, slot_events(events)


def test_found_case_is_described(catalog_provider, live) -> None:
    dispatcher, slots = query({"case_number": "ZJ2026330212000103", "case_factor": "5803"})
    text = dispatcher.messages[0]["text"]
    assert "需补正" in text and "还需要补充" in text
    assert slots["case_number"] is None and slots["case_factor"] is None


def test_ready_for_pickup_says_where_and_when(catalog_provider, live) -> None:
    dispatcher, _ = query({"case_number": "ZJ2026330106000105", "case_factor": "8125"})
    text = dispatcher.messages[0]["text"]
    assert "待领取" in text and "办公时间" in text


def test_three_failed_verifications_lock_lookups(catalog_provider, live) -> None:
    slots: dict = {"case_number": "ZJ2026330106000101", "case_factor": "0000", "case_failures": 0}
    for attempt in range(1, 4):
        dispatcher, changed = query(slots)
        slots.update({k: v for k, v in changed.items() if k.startswith("case_f") or k == "case_locked_until"})
        slots.update({"case_number": "ZJ2026330106000101", "case_factor": "0000"})
        if attempt < 3:
            assert f"还可以尝试 {3 - attempt} 次" in dispatcher.messages[0]["text"]
            assert "case_number" not in changed and changed["case_factor"] is None  # only the factor is asked again
    assert slots["case_locked_until"] > time.time() + 14 * 60
    slots["case_factor"] = "2481"  # even the right digits are refused while locked
    dispatcher, _ = query(slots)
    assert "暂停查询" in dispatcher.messages[0]["text"]
    required = asyncio.run(ValidateCaseForm().required_slots(["case_number", "case_factor"], CollectingDispatcher(),
                                                             tracker(slots=slots), {}))
    assert required == []


def test_malformed_case_number_gets_a_clear_message(catalog_provider) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateCaseForm().validate_case_number("12345", dispatcher, tracker(), {})
    assert result == {"case_number": None}
    assert "格式不对" in dispatcher.messages[0]["text"]
    ok = ValidateCaseForm().validate_case_number("受理号 zj2026-3301-0600-0101", CollectingDispatcher(), tracker(), {})
    assert ok == {"case_number": "ZJ2026330106000101"}


def test_backend_down_answers_within_three_seconds(catalog_provider, tmp_path: Path) -> None:
    use_client(f"http://127.0.0.1:{free_port()}", "x")
    try:
        started = time.monotonic()
        dispatcher, _ = query({"case_number": "ZJ2026330106000101", "case_factor": "2481"})
        assert time.monotonic() - started < 3.0
        text = dispatcher.messages[0]["text"]
        assert "12345" in text and "浙里办" in text
    finally:
        set_client(None)
