"""Leaving a message by chat through the real edge, with a fake Rasa and a real desk outside the service hours.

The offer is opened as the action server opens it (`request_handoff` outside the hours). Then a message with a
callback number is left with the messages before it and never reaches Rasa; the person is told, with the number
masked; a bare 留言 is told how; other messages still reach Rasa, masked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from cryptography.fernet import Fernet
from edge_helpers import FakeRasa
from sqlalchemy import select

from bot.console import store
from bot.console.handoff import Desk, set_default_desk
from bot.console.hours import ServiceHours
from bot.console.phones import PhoneBox
from bot.edge import messages

SUMMARY = {"affair": "", "affair_name": "", "answers": [], "district": "", "answered": "", "last_turns": []}


@pytest.fixture()
def closed_desk(tmp_path: Path) -> Iterator[Desk]:
    """A desk with no agents on duty, installed as the one the edge uses."""
    hours = ServiceHours(windows=((),) * 7, zone=ZoneInfo("Asia/Shanghai"), always=False)
    desk = Desk(store.engine_for(f"sqlite:///{tmp_path / 'console.db'}"), hours, PhoneBox(Fernet.generate_key()))
    set_default_desk(desk)
    yield desk
    set_default_desk(None)


def say(edge: str, sender: str, text: str) -> str:
    reply = requests.post(edge + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    assert reply.status_code == 200, reply.text
    return "\n".join(m.get("text", "") for m in reply.json())


def left_rows(desk: Desk) -> list[dict]:
    with desk.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(store.left_messages)).mappings()]


def test_a_message_and_a_number_after_the_offer_are_left_and_the_number_never_reaches_rasa(
        edge: str, rasa: FakeRasa, closed_desk: Desk) -> None:
    sender = f"web-{uuid.uuid4().hex[:10]}"
    closed_desk.request_handoff(sender, "web", SUMMARY, "asked")
    assert say(edge, sender, "留言") == messages.LEAVE_HOW
    assert say(edge, sender, "公积金提取要带什么") == "好的，请问您在哪个区县？"  # Rasa still answers
    assert say(edge, sender, "明天上午打给我") == messages.LEAVE_NUMBER  # the number is asked for
    reply = say(edge, sender, "我电话是139 0571 2345")
    assert reply.startswith("留言已收到") and "139****2345" in reply and "13905712345" not in reply
    assert [body["message"] for body in rasa.received] == ["公积金提取要带什么"]
    [row] = left_rows(closed_desk)
    assert closed_desk.box.open(row["phone_cipher"]) == "13905712345"
    assert row["text"].splitlines()[:2] == ["公积金提取要带什么", "明天上午打给我"] and row["channel"] == "web"
    # the offer is used up: the same number now goes to Rasa, masked
    say(edge, sender, "我电话是13905712345")
    assert "13905712345" not in rasa.received[-1]["message"] and len(left_rows(closed_desk)) == 1


def test_without_an_offer_a_number_goes_to_rasa_masked_and_nothing_is_left(
        edge: str, rasa: FakeRasa, closed_desk: Desk) -> None:
    sender = f"web-{uuid.uuid4().hex[:10]}"
    assert say(edge, sender, "留言") == "好的，请问您在哪个区县？"
    say(edge, sender, "我电话是13905712345")
    assert len(rasa.received) == 2 and "13905712345" not in rasa.received[1]["message"]
    assert left_rows(closed_desk) == []


def test_a_case_lookup_after_the_offer_is_no_message(edge: str, rasa: FakeRasa, closed_desk: Desk) -> None:
    sender = f"web-{uuid.uuid4().hex[:10]}"
    closed_desk.request_handoff(sender, "web", SUMMARY, "asked")
    say(edge, sender, "ZJ2026330106000101 13800002481")
    say(edge, sender, "帮我查一下进度，手机13800002481")
    assert len(rasa.received) == 2 and left_rows(closed_desk) == []
