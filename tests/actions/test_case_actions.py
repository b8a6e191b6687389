"""Case-status actions against the real reference backend on loopback."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine

from actions.affairs import ActionAnswerDetail, ActionResolveAffair
from actions.cases import ActionQueryCase, ValidateCaseForm
from backend.testing import running_server
from bot.cases import CaseApiConfig, CaseClient, NotFoundOrMismatch
from bot.cases.attempts import AttemptLimiter, set_limiter
from bot.cases.client import set_client
from tests.actions.conftest import slot_events, tracker
from tests.e2e.stack import free_port

NUMBER = "ZJ2026330106000101"


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


@pytest.fixture(autouse=True)
def limiter(tmp_path: Path) -> Iterator[AttemptLimiter]:
    """Failed verifications counted in a temporary database; a fresh secret makes every test's end
    users new to the (module-wide) backend too."""
    engine = create_engine(f"sqlite:///{tmp_path / 'attempts.db'}", future=True)
    limiter = AttemptLimiter(engine, secrets.token_bytes(16))
    set_limiter(limiter)
    yield limiter
    set_limiter(None)
    engine.dispose()


def query(slots: dict, sender: str = "test-user") -> tuple[CollectingDispatcher, dict]:
    dispatcher, events = query_events(slots, sender)
    return dispatcher, slot_events(events)


def query_events(slots: dict, sender: str = "test-user") -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionQueryCase().run(dispatcher, tracker("", "query_case_status", slots, sender=sender), {}))
    return dispatcher, events


def required(slots: dict, sender: str = "test-user") -> list[str]:
    return asyncio.run(ValidateCaseForm().required_slots(["case_number", "case_factor"], CollectingDispatcher(),
                                                         tracker(slots=slots, sender=sender), {}))


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
    for attempt in range(1, 4):  # each try as the form leaves it: the number kept, a new factor
        dispatcher, events = query_events({"case_number": NUMBER, "case_factor": "0000"})
        text, changed = dispatcher.messages[0]["text"], slot_events(events)
        if attempt < 3:
            assert f"还可以尝试 {3 - attempt} 次" in text and "受理编号或验证信息有误" in text
            assert "case_number" not in changed and changed["case_factor"] is None  # only the factor is asked again
            # the form is resumed (not re-activated, which would re-read the factor from the same message)
            assert [(e["event"], e.get("name")) for e in events if e["event"] in ("active_loop", "followup")] == [
                ("active_loop", "case_form"), ("followup", "case_form")]
        else:
            assert "暂停查询这个受理编号" in text and "约 15 分钟后" in text
            assert changed["case_number"] is None and changed["case_locked_until"] > time.time() + 14 * 60
    # even the right digits are refused while locked
    dispatcher, _ = query({"case_number": NUMBER, "case_factor": "2481"})
    assert "暂停查询" in dispatcher.messages[0]["text"]
    assert required({"case_number": NUMBER}) == []


def test_a_new_conversation_of_the_same_sender_is_still_locked(catalog_provider, live) -> None:
    """/restart or a new session starts with empty slots; the count is per end user, not in the slots."""
    for _ in range(3):
        query({"case_number": NUMBER, "case_factor": "0000"}, sender="wx:wx0123456789:oPerson")
    fresh = {"case_number": NUMBER, "case_factor": "2481"}  # the fourth try, no slot remembers anything
    dispatcher, _ = query(fresh, sender="wx:wx0123456789:oPerson")
    assert "暂停查询" in dispatcher.messages[0]["text"]
    dispatcher, _ = query(fresh, sender="wx:wx0123456789:oPerson#2")  # another conversation of the person
    assert "暂停查询" in dispatcher.messages[0]["text"]
    assert required({"case_number": NUMBER}, sender="wx:wx0123456789:oPerson") == []
    assert required({}, sender="wx:wx0123456789:oPerson") == ["case_number", "case_factor"]  # other cases: fine
    dispatcher, _ = query(fresh, sender="wx:wx0123456789:oOwner")  # the owner is not locked by a stranger
    assert "已受理" in dispatcher.messages[0]["text"]


def test_many_strangers_pause_the_phone_tail_but_not_the_query_code(catalog_provider, live,
                                                                    limiter: AttemptLimiter) -> None:
    """Ten failed guesses on a case, each from a new sender id, pause its phone-tail verification for everyone;
    the owner is asked for the receipt's query code instead (the case number is kept), which still works."""
    now = time.time()
    for n in range(10):
        limiter.record_failure(NUMBER, limiter.end_user(f"web-stranger-{n}"), now - 60 + n)
    dispatcher, events = query_events({"case_number": NUMBER, "case_factor": "2481"}, sender="web-owner")
    text, changed = dispatcher.messages[0]["text"], slot_events(events)
    assert "暂时不能用手机号后四位查询" in text and "8 位查询码" in text and "已受理" not in text, text
    assert "case_number" not in changed and changed["case_factor"] is None
    dispatcher, _ = query({"case_number": NUMBER, "case_factor": "K7M3Q9TX"}, sender="web-owner")
    assert "已受理" in dispatcher.messages[0]["text"]


def test_too_many_failures_over_several_cases_lock_every_lookup(catalog_provider, live,
                                                                 limiter: AttemptLimiter) -> None:
    user = limiter.end_user("test-user")
    now = time.time()
    for n in range(10):
        limiter.record_failure(f"ZJ2026330106{n:06d}", user, now - 60 + n)
    assert required({}) == []  # the form asks nothing
    dispatcher, changed = query({})
    assert "验证失败次数太多，暂停查询办件" in dispatcher.messages[0]["text"]
    assert changed["case_locked_until"] > now


class RecordingClient:
    """Stands in for the case-status client and remembers what the action asked."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def alookup(self, case_number: str, verification, end_user: str | None = None):
        self.calls.append((case_number, verification, end_user))
        return NotFoundOrMismatch(case_number)


def test_the_client_gets_the_end_user_not_the_sender(catalog_provider, limiter: AttemptLimiter) -> None:
    client = RecordingClient()
    set_client(client)  # type: ignore[arg-type]
    try:
        query({"case_number": NUMBER, "case_factor": "2481"}, sender="wx:wx0123456789:oPerson")
    finally:
        set_client(None)
    ((number, _, end_user),) = client.calls
    assert number == NUMBER and end_user == limiter.end_user("wx:wx0123456789:oPerson")
    assert "oPerson" not in end_user


def test_malformed_case_number_gets_a_clear_message(catalog_provider) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateCaseForm().validate_case_number("12345", dispatcher, tracker(), {})
    assert result == {"case_number": None}
    assert "格式不对" in dispatcher.messages[0]["text"]
    ok = ValidateCaseForm().validate_case_number("受理号 zj2026-3301-0600-0101", CollectingDispatcher(), tracker(), {})
    assert ok == {"case_number": "ZJ2026330106000101"}


def test_a_person_who_forgot_the_number_or_changed_phone_is_told_where_to_look(catalog_provider) -> None:
    dispatcher = CollectingDispatcher()
    assert ValidateCaseForm().validate_case_number("我忘了编号", dispatcher, tracker(), {}) == {"case_number": None}
    [told] = dispatcher.messages
    assert "我的办件" in told["text"] and "格式不对" not in told["text"]
    dispatcher = CollectingDispatcher()
    number = {"case_number": "ZJ2026330106000101"}
    result = ValidateCaseForm().validate_case_factor("手机号早就换了", dispatcher, tracker(slots=number), {})
    assert result == {"case_factor": None}
    [told] = dispatcher.messages
    assert "查询码" in told["text"] and "没能认出" not in told["text"]


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


def test_a_follow_up_right_after_a_result_is_answered_from_it(catalog_provider, live) -> None:
    """什么时候能办好 / 超时了怎么办 after the lookup: the promised date it showed, and what to do now it has passed;
    no new lookup, no "which affair". The slot keeps nothing that identifies the case or the person."""
    _, events = query_events({"case_number": NUMBER, "case_factor": "2481"})
    shown = slot_events(events)["case_shown"]
    assert shown and NUMBER not in shown and "2481" not in shown
    for action, text, intent in ((ActionAnswerDetail(), "什么时候能办好", "ask_time_limit"),
                                 (ActionResolveAffair(), "超时了怎么办", "out_of_scope")):
        dispatcher = CollectingDispatcher()
        result = action.run(dispatcher, tracker(text, intent, {"case_shown": shown}), {})
        later = slot_events(asyncio.run(result) if asyncio.iscoroutine(result) else result)
        answer = dispatcher.messages[0]["text"]
        assert "承诺 2026年11月25日 前办结" in answer and "承诺的日期已经过了" in answer, answer
        assert later["case_shown"]  # kept for the next follow-up
