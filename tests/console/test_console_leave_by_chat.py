"""Leaving a message by chat outside the service hours, on the desk (SQLite, then PostgreSQL when available).

A handoff asked for outside the hours opens an offer for the sender; their messages until a callback number
comes are kept (masked) and left together with the number, the handoff's summary and channel; the offer is then
used up. An offer expires; none is made while agents are on duty.
"""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.console import store
from bot.console.handoff import LEAVE_OFFER_SECONDS, Desk
from bot.console.hours import ServiceHours
from bot.console.phones import PhoneBox

SENDER = "wx:wxleavetest:o-leave-by-chat"
SUMMARY = {"affair": "housing-fund-withdrawal-leave", "affair_name": "住房公积金提取（退休、离职、出境定居）",
           "answers": [], "district": "杭州市西湖区", "answered": "", "last_turns": [{"who": "user", "text": "转人工"}]}


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


def desk_for(db_url: str, clock: Clock, on_duty: bool) -> Desk:
    hours = ServiceHours(windows=((),) * 7, zone=ZoneInfo("Asia/Shanghai"), always=on_duty)
    return Desk(store.engine_for(db_url), hours, PhoneBox(Fernet.generate_key()), clock=clock)


def left_rows(desk: Desk) -> list[dict]:
    with desk.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(store.left_messages)).mappings()]


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_messages_after_the_offer_are_left_with_the_number_summary_and_channel(db_url: str, clock: Clock) -> None:
    desk = desk_for(db_url, clock, on_duty=False)
    assert desk.leave_offer(SENDER) is None
    ticket = desk.request_handoff(SENDER, "wechat", SUMMARY, "asked")
    assert ticket.id is None and not ticket.in_service_hours
    assert desk.keep_for_the_message(SENDER, "明天上午打给我，是公积金提取的事，身份证33010619900101123X")
    left = desk.leave_message_by_chat(SENDER, "电话13905712345", "13905712345")
    assert left is not None
    [row] = left_rows(desk)
    assert row["channel"] == "wechat" and row["phone_masked"] == "139****2345"
    assert desk.box.open(row["phone_cipher"]) == "13905712345"
    assert row["text"].startswith("明天上午打给我，是公积金提取的事")
    assert "13905712345" not in row["text"] and "33010619900101123X" not in row["text"]  # masked at rest
    assert "139" in row["text"].splitlines()[1]  # the number's message is there, masked
    assert row["summary"]["affair"] == SUMMARY["affair"] and row["summary"]["district"] == "杭州市西湖区"
    assert desk.leave_offer(SENDER) is None  # used up: a later number is no message
    assert desk.leave_message_by_chat(SENDER, "13905712345", "13905712345") is None
    assert not desk.keep_for_the_message(SENDER, "还有一件事")


def test_only_the_last_few_messages_are_kept(db_url: str, clock: Clock) -> None:
    desk = desk_for(db_url, clock, on_duty=False)
    desk.request_handoff(SENDER, "web", SUMMARY, "asked")
    for n in range(8):
        desk.keep_for_the_message(SENDER, f"第{n}句")
    assert desk.leave_offer(SENDER).texts == [f"第{n}句" for n in range(3, 8)]


def test_an_offer_expires_and_is_renewed_by_asking_again(db_url: str, clock: Clock) -> None:
    desk = desk_for(db_url, clock, on_duty=False)
    desk.request_handoff(SENDER, "web", SUMMARY, "asked")
    desk.keep_for_the_message(SENDER, "上一次说的")
    clock.now += LEAVE_OFFER_SECONDS + 1
    assert desk.leave_offer(SENDER) is None
    assert desk.leave_message_by_chat(SENDER, "13905712345", "13905712345") is None
    desk.request_handoff(SENDER, "web", SUMMARY, "asked")
    assert desk.leave_offer(SENDER).texts == []  # a new offer starts empty


def test_no_offer_while_agents_are_on_duty(db_url: str, clock: Clock) -> None:
    desk = desk_for(db_url, clock, on_duty=True)
    ticket = desk.request_handoff(SENDER, "web", SUMMARY, "asked")
    assert ticket.id is not None and desk.leave_offer(SENDER) is None


def test_the_web_form_uses_the_offer_and_its_summary(db_url: str, clock: Clock) -> None:
    desk = desk_for(db_url, clock, on_duty=False)
    desk.request_handoff(SENDER, "web", SUMMARY, "asked")
    desk.leave_message(SENDER, "请回电", "0571-88886666", "web")
    [row] = left_rows(desk)
    assert row["summary"]["affair_name"] == SUMMARY["affair_name"] and row["phone_masked"] == "0571****6666"
    assert desk.leave_offer(SENDER) is None
