"""The handoff queue over HTTP and from Python, on SQLite and PostgreSQL: lifecycle, positions, restart, polling,
out-of-hours messages with encrypted callback numbers, and the deliveries outbox for messaging channels (with the
messages too old to send set aside, and a database of an older release upgraded)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

import pytest
from console_helpers import ConsoleFactory
from sqlalchemy import Column, MetaData, Table, create_engine, insert, inspect, select, update

from bot.console import store
from bot.console.deliveries import Deliveries
from bot.console.errors import BadInput
from bot.console.handoff import CLOSED_TEXT, HANDED_BACK_TEXT
from bot.console.hours import parse_hours
from bot.sharedsql import shared_engine

SUMMARY = {
    "affair": "id-card-reissue", "affair_name": "居民身份证补领（遗失）", "answers": ["已满16周岁", "浙江户口"],
    "district": "杭州市西湖区", "answered": "已给出补领身份证的材料清单。",
    "last_turns": [{"who": "user", "text": "我的身份证号是33010619900101123X，丢了怎么办"},
                   {"who": "bot", "text": "好的，您要办的是【居民身份证补领（遗失）】。"},
                   {"who": "user", "text": "我要找人工，电话13812345678"}],
}


def test_lifecycle_positions_and_polling(db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url)
    desk = console.services.desk
    first = desk.request_handoff("web-aaa", "web", SUMMARY, "群众要求转人工")
    second = desk.request_handoff("web-bbb", "web", {"affair": "passport", "affair_name": "护照办理"}, "多次没听懂")
    assert (first.position, second.position, first.in_service_hours) == (1, 2, True)
    again = desk.request_handoff("web-aaa", "web", SUMMARY, "群众要求转人工")
    assert again.id == first.id and again.position == 1  # idempotent while open

    queue = console.agent.get("/api/queue").json()
    assert [t["id"] for t in queue["tickets"]] == [first.id, second.id] and queue["queued"] == 2
    assert [t["position"] for t in queue["tickets"]] == [1, 2]
    assert "web-aaa" not in str(queue)  # agents see a tag, not the sender id

    history = console.agent.get(f"/api/tickets/{first.id}").json()
    stored = history["summary"]
    assert "33010619900101123X" not in str(stored) and "13812345678" not in str(stored)
    assert "330106************" in stored["last_turns"][0]["text"] and stored["answers"] == ["已满16周岁", "浙江户口"]

    taken = console.agent.post(f"/api/tickets/{first.id}/take")
    assert taken.status_code == 200 and taken.json()["ticket"]["status"] == "taken"
    assert console.agent2.post(f"/api/tickets/{first.id}/take").status_code == 409
    assert console.agent2.post(f"/api/tickets/{first.id}/reply", {"text": "我来"}).status_code == 403
    assert console.agent.post(f"/api/tickets/{second.id}/reply", {"text": "还没接入"}).status_code == 409
    assert console.agent.post(f"/api/tickets/{first.id}/reply", {"text": "  "}).status_code == 400
    assert desk.request_handoff("web-bbb", "web", None, "").position == 1  # moved up once the first was taken

    citizen = desk.citizen_message("web-aaa", "我的手机是13812345678，麻烦回电")
    assert citizen is not None and "13812345678" not in citizen.text
    assert desk.citizen_message("web-nobody", "你好") is None
    replied = console.agent.post(f"/api/tickets/{first.id}/reply", {"text": "您好，请带上户口簿到西湖区政务服务中心。"})
    assert replied.status_code == 200 and replied.json()["message"]["who"] == "agent"

    updates = desk.updates_for("web-aaa", 0)
    assert [(m.who, m.event) for m in updates] == [("system", "queued"), ("system", "taken"), ("agent", None)]
    assert updates[0].position == 1 and "第 1 位" in updates[0].text
    assert "王芳" in updates[1].text and updates[1].agent == "王芳" and "agent1" not in updates[1].text
    assert desk.updates_for("web-aaa", updates[-1].seq) == []

    closed = console.agent.post(f"/api/tickets/{first.id}/close").json()["ticket"]
    assert closed["status"] == "closed" and desk.open_ticket("web-aaa") is None
    after = desk.updates_for("web-aaa", updates[-1].seq)
    assert [(m.event, m.text) for m in after] == [("closed", CLOSED_TEXT)]
    assert console.agent.post(f"/api/tickets/{first.id}/reply", {"text": "还在吗"}).status_code == 409
    assert desk.citizen_message("web-aaa", "谢谢") is None

    # a supervisor may hand back a ticket another agent holds; an agent may not
    console.agent2.post(f"/api/tickets/{second.id}/take")
    assert console.agent.post(f"/api/tickets/{second.id}/hand-back").status_code == 403
    handed = console.supervisor.post(f"/api/tickets/{second.id}/hand-back")
    assert handed.status_code == 200 and handed.json()["ticket"]["status"] == "handed_back"
    assert desk.updates_for("web-bbb", 0)[-1].text == HANDED_BACK_TEXT
    full = console.agent.get(f"/api/tickets/{first.id}").json()["messages"]
    assert [m["who"] for m in full] == ["system", "system", "citizen", "agent", "system"]
    assert console.agent.get("/api/tickets/99999").status_code == 404

    # a new handoff for the same sender is a new ticket, its messages numbered on
    new = desk.request_handoff("web-aaa", "web", SUMMARY, "再次转人工")
    assert new.id != first.id and desk.updates_for("web-aaa", after[-1].seq)[0].event == "queued"


def test_queue_and_messages_survive_a_restart(db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url)
    ticket = console.services.desk.request_handoff("wx:app:openid-1", "wechat", SUMMARY, "转人工")
    console.agent.post(f"/api/tickets/{ticket.id}/take")
    console.agent.post(f"/api/tickets/{ticket.id}/reply", {"text": "您好，我是坐席王芳。"})
    console.served.stop()
    shared_engine.cache_clear()  # a new process: new engine, same database

    restarted = start_console(db_url)
    again = restarted.agent.login("agent1")  # users are in the database too
    queue = again.get("/api/queue").json()["tickets"]
    assert [(t["id"], t["status"], t["mine"]) for t in queue] == [(ticket.id, "taken", True)]
    messages = again.get(f"/api/tickets/{ticket.id}").json()["messages"]
    assert [m["text"] for m in messages][-1] == "您好，我是坐席王芳。"
    assert [m.event for m in restarted.services.desk.updates_for("wx:app:openid-1", 0)] == ["queued", "taken", None]
    assert again.post(f"/api/tickets/{ticket.id}/close").status_code == 200


def test_deliveries_outbox_for_messaging_channels(db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url)
    desk = console.services.desk
    wx = desk.request_handoff("wx:appid:openid-9", "wechat", SUMMARY, "转人工")
    desk.request_handoff("web-page", "web", SUMMARY, "转人工")
    console.agent.post(f"/api/tickets/{wx.id}/take")
    console.agent.post(f"/api/tickets/{wx.id}/reply", {"text": "第一条"})
    outbox = Deliveries(console.services.engine)
    assert outbox.pending("wecom:") == 0 and outbox.pending() == 3  # web senders poll instead

    seen = []
    for _ in range(4):  # one message per sender at a time, in order
        batch = outbox.claim("wx:", "worker-a")
        assert len(batch) <= 1
        if not batch:
            break
        assert outbox.claim("wx:", "worker-b") == []  # leased, and the next one waits for it
        if len(seen) == 1 and batch[0].attempts == 1:
            outbox.fail(batch[0].id, "worker-a", "platform busy", retry_in=0)
            continue
        seen.append(batch[0].text)
        assert outbox.ack(batch[0].id, "worker-a")
    assert seen[0].startswith("已为您转接") and "王芳" in seen[1] and seen[2] == "第一条"
    assert outbox.pending("wx:") == 0


def test_an_outbox_message_too_old_to_send_is_set_aside_and_frees_the_next(db_url: str,
                                                                             start_console: ConsoleFactory) -> None:
    console = start_console(db_url)
    desk = console.services.desk
    wx = desk.request_handoff("wx:appid:openid-old", "wechat", SUMMARY, "转人工")
    other = desk.request_handoff("wx:appid:openid-new", "wechat", SUMMARY, "转人工")
    now = [time.time() + 1]
    outbox = Deliveries(console.services.engine, clock=lambda: now[0])
    with console.services.engine.begin() as conn:  # the first citizen's notice was written two days ago
        conn.execute(update(store.deliveries).where(store.deliveries.c.handoff_id == wx.id)
                     .values(created_at=now[0] - 50 * 3600))
    leased = outbox.claim("wx:", "worker-a")
    assert {d.sender for d in leased} == {"wx:appid:openid-old", "wx:appid:openid-new"}
    old = next(d for d in leased if d.sender.endswith("old"))
    outbox.fail(old.id, "worker-a", "WeChatClientException 45015", retry_in=0)
    assert outbox.give_up("wx:", 48 * 3600) == [replace(old, last_error="WeChatClientException 45015")]
    assert outbox.give_up("wx:", 48 * 3600) == []  # once
    assert outbox.pending("wx:appid:openid-old") == 0 and outbox.pending("wx:appid:openid-new") == 1

    console.agent.post(f"/api/tickets/{wx.id}/take")  # a later message to the same citizen is no longer held back
    now[0] = time.time() + 1
    taken = outbox.claim("wx:appid:openid-old", "worker-a")
    assert len(taken) == 1 and taken[0].text.startswith("坐席") and "王芳" in taken[0].text
    assert outbox.claim("wx:appid:openid-new", "worker-b") == []  # still leased by worker-a
    now[0] += 49 * 3600
    assert outbox.give_up("wx:appid:openid-new", 48 * 3600)[0].ticket == other.id

    desk.note_undelivered(wx.id, "wx:appid:openid-old", old.text, old.attempts, "WeChatClientException 45015", 48)
    history = console.agent.get(f"/api/tickets/{wx.id}").json()["messages"]
    assert history[-1]["who"] == "note" and "48 小时" in history[-1]["text"] and "45015" in history[-1]["text"]
    assert [m.who for m in desk.updates_for("wx:appid:openid-old", 0)] == ["system", "system"]  # not the note
    assert outbox.pending("wx:appid:openid-old") == 1  # the note is not sent to the citizen either


def test_a_database_of_an_older_release_gains_the_new_nullable_columns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = MetaData()
    Table("console_deliveries", old, *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                                       for c in store.deliveries.columns if c.name != "gave_up_at"])
    engine = create_engine(url, future=True)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(old.tables["console_deliveries"]).values(
            sender="wx:a:b", handoff_id=1, seq=1, text="早先的消息", created_at=0.0, attempts=0, next_attempt_at=0.0,
            lease_until=0.0))
    engine.dispose()

    upgraded = store.engine_for(url)
    assert "gave_up_at" in {c["name"] for c in inspect(upgraded).get_columns("console_deliveries")}
    assert Deliveries(upgraded).pending("wx:") == 1  # the old row is kept and still waits
    assert [d.text for d in Deliveries(upgraded).give_up("wx:", 60)] == ["早先的消息"]


def test_out_of_hours_message_with_encrypted_callback(db_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(db_url, service_hours="mon-fri 08:30-17:30")
    desk = console.services.desk
    saturday_noon = dt.datetime(2026, 11, 28, 12, 0, tzinfo=desk.hours.zone).timestamp()
    desk.clock = lambda: saturday_noon
    ticket = desk.request_handoff("web-late", "web", SUMMARY, "转人工")
    assert (ticket.id, ticket.in_service_hours) == (None, False)
    assert console.agent.get("/api/queue").json()["tickets"] == []

    with pytest.raises(BadInput):
        desk.leave_message("web-late", "请回电", "12345")
    message_id = desk.leave_message("web-late", "想问补办身份证，身份证号33010619900101123X", "138-1234-5678",
                                    summary=SUMMARY)
    with console.services.engine.connect() as conn:
        raw = " ".join(str(v) for v in conn.execute(select(store.left_messages)).one())
    assert "13812345678" not in raw and "33010619900101123X" not in raw and "138****5678" in raw

    listed = console.agent.get("/api/left-messages").json()["messages"]
    assert [(m["id"], m["phone"]) for m in listed] == [(message_id, "138****5678")]
    assert console.agent.post(f"/api/left-messages/{message_id}/reveal").status_code == 403
    revealed = console.supervisor.post(f"/api/left-messages/{message_id}/reveal")
    assert revealed.status_code == 200 and revealed.json()["phone"] == "13812345678"
    audit = console.supervisor.get("/api/audit", action="reveal_phone").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in audit] == [("super1", "revealed")]
    assert "13812345678" not in str(audit) and f"#{message_id}" in audit[0]["target"]

    assert console.agent.post(f"/api/left-messages/{message_id}/done").status_code == 200
    assert console.agent.get("/api/left-messages").json()["messages"] == []
    assert console.agent.get("/api/left-messages", status="done").json()["messages"][0]["handled_by"] == "agent1"


def test_service_hours_parsing() -> None:
    hours = parse_hours("mon-fri 08:30-12:00,13:30-17:30; sat 09:00-12:00", closed_days=("2026-10-01",))
    at = lambda *args: dt.datetime(*args, tzinfo=hours.zone)  # noqa: E731
    assert hours.open_at(at(2026, 11, 30, 8, 30)) and not hours.open_at(at(2026, 11, 30, 8, 29))
    assert not hours.open_at(at(2026, 11, 30, 12, 30)) and hours.open_at(at(2026, 11, 30, 17, 29))
    assert hours.open_at(at(2026, 11, 28, 9, 0)) and not hours.open_at(at(2026, 11, 29, 10, 0))
    assert not hours.open_at(at(2026, 10, 1, 10, 0))  # a Thursday, but a holiday
    utc = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanghai
    assert hours.open_at(utc)
    assert parse_hours("always").open_at(at(2026, 11, 29, 3, 0))
    for bad in ("weekdays 9-5", "mon-fri", "mon 18:00-09:00", ""):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_bad_requests_get_clear_answers(sqlite_url: str, start_console: ConsoleFactory) -> None:
    console = start_console(sqlite_url)
    desk = console.services.desk
    for sender in ("", None, "x" * 300):
        with pytest.raises(BadInput):
            desk.request_handoff(sender, "web", SUMMARY, "转人工")  # type: ignore[arg-type]
    with pytest.raises(BadInput):
        desk.request_handoff("web-x", "web", {"last_turns": "not a list"}, "转人工")
    ticket = desk.request_handoff("web-x", "web", None, "转人工")
    console.agent.post(f"/api/tickets/{ticket.id}/take")
    not_json = console.agent.call("POST", f"/api/tickets/{ticket.id}/reply", json=None)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    too_long = console.agent.post(f"/api/tickets/{ticket.id}/reply", {"text": "字" * 1001})
    assert too_long.status_code == 400 and "1000" in too_long.json()["error"]
    assert console.agent.get("/api/nothing-here").status_code == 404
    assert console.agent.call("DELETE", "/api/queue").status_code == 405
