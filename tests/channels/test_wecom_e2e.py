"""WeCom 微信客服 end to end: fake WeCom platform → edge (pass-through) → a real Rasa with the channel → the
session's action server and case backend, and the replies back through the fake platform's kf API.

One Rasa for this module (started with WECOM_* pointing at the fake) and its own edge; the session stack's
Rasa (started without WECOM_* settings) shows that an unconfigured channel answers 503 and Rasa still starts.
Restarts are tested with new `WeComInput` objects in this process (their Rasa turns go to the session's Rasa
through its REST channel), which is much faster than restarting a Rasa server.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import requests
from rasa.core.channels.channel import UserMessage

from bot.channels.render import sender_id
from bot.channels.store import ChannelStore
from bot.channels.wecom import WeComInput
from bot.channels.wecom_settings import load_wecom_settings
from bot.channels.wecom_worker import masked
from bot.console.handoff import Desk
from tests.channels.fake_wecom import HUMAN, FakeWeCom, Sent, signature
from tests.conftest import Stack
from tests.e2e.stack import Service, edge_server, rasa_server

WEBHOOK = "/webhooks/wecom/webhook"


@dataclass
class WeComStack:
    """The fake platform, the Rasa running the channel, the edge in front of it, and the channel store."""

    fake: FakeWeCom
    rasa: Service
    edge: Service
    store_url: str
    workdir: Path

    @property
    def store(self) -> ChannelStore:
        return ChannelStore(self.store_url)

    def cursor(self, open_kfid: str) -> str | None:
        return self.store.get_value(f"wecom:cursor:{self.fake.corp_id}:{open_kfid}")

    def user_texts(self, sender: str) -> list[str]:
        """What Rasa's tracker store holds as the texts of `sender`'s messages."""
        with sqlite3.connect(self.workdir / "tracker.db") as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                              (sender,)).fetchall()
        return [json.loads(data).get("text") or "" for (data,) in rows]

    def log(self) -> str:
        return self.rasa.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until the Rasa log contains `needle` (the channel reports what it did not send there)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not in the Rasa log")


@pytest.fixture(scope="module")
def wecom(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeComStack]:
    """The fake WeCom, a Rasa with the channel configured for it (own tracker and channel store), an edge."""
    fake = FakeWeCom().start()
    workdir = tmp_path_factory.mktemp("wecom")
    store_url = f"sqlite:///{workdir / 'channels.db'}"
    env = {**stack.env, "WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret, "WECOM_TOKEN": fake.token,
           "WECOM_ENCODING_AES_KEY": fake.aes_key, "WECOM_API_BASE": fake.api_base,
           "CHANNEL_DATABASE_URL": store_url, "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
    rasa = rasa_server(workdir, env, stack.actions)
    rasa.start()
    edge = edge_server(workdir, env, rasa.ready_url.rstrip("/"), name="wecom-edge")
    try:
        edge.start()
        fake.webhook_url = edge.ready_url.rstrip("/") + WEBHOOK
        yield WeComStack(fake, rasa, edge, store_url, workdir)
    finally:
        edge.stop()
        rasa.stop()
        fake.stop()


def new_customer() -> tuple[str, str]:
    """A fresh kf account id and customer id, shaped like WeCom's."""
    return "wk" + secrets.token_hex(12), "wm" + secrets.token_hex(14)


def settle(fake: FakeWeCom, user: str, before: int, timeout: float = 60.0) -> list[Sent]:
    """The replies after the first `before`, once the first one arrived and no more followed for a second."""
    replies = fake.wait_for_replies(user, before + 1, timeout)
    while True:
        time.sleep(1.0)
        now = fake.replies_to(user)
        if len(now) == len(replies):
            return now[before:]
        replies = now


def say(fake: FakeWeCom, open_kfid: str, user: str, text: str) -> str:
    """The customer writes `text`; the bot's answer (all its messages joined)."""
    before = len(fake.replies_to(user))
    fake.customer_says(open_kfid, user, text)
    return "\n".join(reply.content for reply in settle(fake, user, before))


def option_number(answer: str, wanted: str) -> str:
    """The number of the numbered option whose title contains `wanted`."""
    for number, title in re.findall(r"^(\d+)\. (.+)$", answer, re.MULTILINE):
        if wanted in title:
            return number
    raise AssertionError(f"no option with {wanted!r} in:\n{answer}")


# --- URL verification and refused callbacks -------------------------------------------------------------------

def test_url_verification_answers_the_decrypted_echo(wecom: WeComStack) -> None:
    response, plain = wecom.fake.verify_url()
    assert response.status_code == 200, response.text
    assert response.text == plain


def test_url_verification_refuses_forged_and_stale_requests(wecom: WeComStack) -> None:
    forged, _ = wecom.fake.verify_url(forge=True)
    assert forged.status_code == 403
    stale, _ = wecom.fake.verify_url(timestamp=int(time.time()) - 301)
    assert stale.status_code == 403
    future, _ = wecom.fake.verify_url(timestamp=int(time.time()) + 400)
    assert future.status_code == 403
    within, plain = wecom.fake.verify_url(timestamp=int(time.time()) - 250)
    assert within.status_code == 200 and within.text == plain


def test_bad_callbacks_are_refused_without_syncing(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, _ = new_customer()
    query, body = fake.signed_callback(fake.event_xml(open_kfid, "ENCsometoken"))
    forged = dict(query, msg_signature="0" * 40)
    assert fake.post_callback(forged, body).status_code == 403
    old_query, old_body = fake.signed_callback(fake.event_xml(open_kfid, "ENCsometoken"),
                                               timestamp=int(time.time()) - 3600)
    assert fake.post_callback(old_query, old_body).status_code == 403
    assert fake.post_callback(query, "<xml><Encrypt>not closed").status_code == 400
    assert fake.post_callback(query, "this is not xml").status_code == 400
    entity = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><xml><Encrypt>&e;</Encrypt></xml>')
    assert fake.post_callback(query, entity).status_code == 400
    missing = {"timestamp": query["timestamp"], "nonce": query["nonce"]}
    assert fake.post_callback(missing, body).status_code == 400
    # a correct signature over a ciphertext that is not WeCom's
    garbage = "QUJD" * 16
    signed = dict(query, msg_signature=signature(fake.token, query["timestamp"], query["nonce"], garbage))
    assert fake.post_callback(signed, f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>").status_code == 400
    too_large = fake.post_callback(query, "<xml>" + "x" * 70_000 + "</xml>")
    assert too_large.status_code == 413
    time.sleep(0.5)
    assert not [r for r in fake.sync_requests if r.get("open_kfid") == open_kfid]
    # and the real callback still works afterwards
    assert fake.post_callback(query, body).text == "success"


def test_other_callback_types_are_acknowledged_and_ignored(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, _ = new_customer()
    other = (f"<xml><ToUserName><![CDATA[{fake.corp_id}]]></ToUserName><CreateTime>{int(time.time())}</CreateTime>"
             "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>"
             f"<OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>")
    response = fake.post_callback(*fake.signed_callback(other))
    assert response.status_code == 200 and response.text == "success"
    text = (f"<xml><ToUserName><![CDATA[{fake.corp_id}]]></ToUserName><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[你好]]></Content></xml>")
    assert fake.post_callback(*fake.signed_callback(text)).text == "success"
    broken_event = fake.event_xml("bad kfid with spaces", "ENCtoken")
    assert fake.post_callback(*fake.signed_callback(broken_event)).status_code == 400
    time.sleep(0.5)
    assert not [r for r in fake.sync_requests if r.get("open_kfid") == open_kfid]


def test_unconfigured_channel_answers_503_and_rasa_still_runs(stack: Stack) -> None:
    response = requests.get(stack.rasa_url + WEBHOOK, params={"echostr": "x"}, timeout=10)
    assert response.status_code == 503
    assert "尚未配置" in response.text
    through_edge = requests.post(stack.edge_url + WEBHOOK, data=b"<xml/>", timeout=10)
    assert through_edge.status_code == 503
    assert requests.get(stack.rasa_url + "/", timeout=10).status_code == 200


# --- conversations ------------------------------------------------------------------------------------------------

def test_welcome_then_full_guide_by_digits(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    fake.enter_session(open_kfid, user)
    welcome = fake.wait_for_replies(user, 1)[0]
    assert welcome.kind == "welcome" and "政务服务" in welcome.content
    first = say(fake, open_kfid, user, "身份证丢了怎么补办")
    assert "回复数字选择" in first and "16" in first
    second = say(fake, open_kfid, user, option_number(first, "已满16"))
    assert "回复数字选择" in second, second
    third = say(fake, open_kfid, user, option_number(second, "浙江"))
    answer = third if "需要准备的材料" in third else say(fake, open_kfid, user, "杭州市西湖区")
    for expected in ("居民身份证补领", "需要准备的材料", "居民身份证相片", "办理地点", "西湖", "办理时限", "收费"):
        assert expected in answer, expected
    assert "监护人居民身份证" not in answer  # the adult's situation was chosen by digit
    assert all(len(reply.content.encode("utf-8")) <= 2048 for reply in fake.replies_to(user))
    assert not [r for r in fake.refused if r.touser == user]


def test_case_status_lookup(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    assert "受理编号" in say(fake, open_kfid, user, "我的业务办到哪一步了")
    assert "手机号后四位" in say(fake, open_kfid, user, "ZJ2026330212000103")
    answer = say(fake, open_kfid, user, "5803")
    assert "需补正" in answer and "还需要补充" in answer
    said = wecom.user_texts(sender_id("wecom", open_kfid, user))
    assert "ZJ2026330212000103" in said[-2]
    assert "5803" not in said[-1] and "〔" in said[-1]  # the factor was sealed before Rasa saw it


def test_personal_numbers_are_masked_before_rasa(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    say(fake, open_kfid, user, "我的手机号是13812345678，身份证丢了怎么补办")
    said = wecom.user_texts(sender_id("wecom", open_kfid, user))
    assert said and "身份证丢了" in said[-1] and "13812345678" not in said[-1]


def test_non_text_long_and_unknown_messages(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    before = len(fake.replies_to(user))
    fake.customer_sends(open_kfid, user, "image", {"media_id": "MEDIA_ID"})
    assert "文字" in settle(fake, user, before)[0].content
    long_text = "我想问一下" + "身份证补办的事情" * 80
    assert "超过500字" in say(fake, open_kfid, user, long_text)
    before = len(fake.replies_to(user))
    fake.customer_sends(open_kfid, user, "location", {"latitude": 30.27, "longitude": 120.15, "name": "西湖"})
    assert "文字" in settle(fake, user, before)[0].content
    # a system event nobody handles: synced, acknowledged, no reply
    before = len(fake.replies_to(user))
    syncs = len(fake.wait_for_syncs(open_kfid, 1))
    fake.system_event(open_kfid, {"event_type": "servicer_status_change", "servicer_userid": "agent01",
                                  "status": 1})
    fake.wait_for_syncs(open_kfid, syncs + 1)
    assert "政务服务助手" in say(fake, open_kfid, user, "你好")
    assert len(fake.replies_to(user)) == before + 1


# --- platform rules -----------------------------------------------------------------------------------------------

def test_token_expiry_is_recovered_with_one_refetch(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    assert "政务服务助手" in say(fake, open_kfid, user, "你好")
    fetches = fake.token_fetches
    fake.expire_access_tokens()
    assert "不客气" in say(fake, open_kfid, user, "谢谢")
    assert fake.token_fetches == fetches + 1


def test_quota_of_five_messages_is_never_exceeded(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    questions = ["你好", "谢谢", "你是机器人吗", "今天天气怎么样", "你好", "谢谢", "你是机器人吗"]
    for question in questions[:-1]:
        fake.customer_says(open_kfid, user, question, notify=False)
    fake.customer_says(open_kfid, user, questions[-1])  # one callback for all seven
    replies = settle(fake, user, 0)
    assert 1 <= len(replies) <= 5
    everything = "\n".join(reply.content for reply in replies)
    for expected in ("政务服务助手", "不客气", "不是真人", "政务"):
        assert expected in everything
    assert everything.count("不是真人") == 2  # the seventh answer was merged, not dropped
    assert not [r for r in fake.refused if r.touser == user]
    # a new message opens a new window
    assert "不客气" in say(fake, open_kfid, user, "谢谢")


def test_nothing_is_sent_after_the_48_hour_window(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    fake.customer_says(open_kfid, user, "你好", ago=49 * 3600)
    wecom.wait_for_log("could not be sent")
    wecom.wait_for_log(masked(user))
    time.sleep(0.5)
    assert not fake.replies_to(user)
    assert not [r for r in fake.refused if r.touser == user]


def test_human_agent_state_silences_the_bot(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    assert "政务服务助手" in say(fake, open_kfid, user, "你好")
    fake.set_state(open_kfid, user, HUMAN, "agent01")
    before = len(fake.replies_to(user))
    fake.customer_says(open_kfid, user, "身份证丢了怎么补办")
    wecom.wait_for_log(f"{masked(user)} on {masked(open_kfid)} is in service state 3")
    time.sleep(1.0)
    assert len(fake.replies_to(user)) == before
    assert not [r for r in fake.refused if r.touser == user]
    fake.set_state(open_kfid, user, 1)  # back to the bot
    assert "不客气" in say(fake, open_kfid, user, "谢谢")


# --- cursor and restart ---------------------------------------------------------------------------------------

def rest_turns(rasa_url: str) -> Callable[[UserMessage], Awaitable[None]]:
    """Rasa turns for a worker running in this test process: the real Rasa through its REST channel."""
    async def on_new_message(message: UserMessage) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(rasa_url + "/webhooks/rest/webhook",
                                    json={"sender": message.sender_id, "message": message.text}) as response:
                assert response.status == 200
                for reply in await response.json():
                    reply.pop("recipient_id", None)
                    await message.output_channel.send_response(message.sender_id, reply)
    return on_new_message


def test_pages_and_cursor_survive_a_new_channel_object(stack: Stack, wecom: WeComStack, tmp_path: Path,
                                                       desk: Desk) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    for text in ("你好", "谢谢", "你是机器人吗", "再见", "你好"):
        fake.customer_says(open_kfid, user, text, notify=False)
    settings = load_wecom_settings({}, {"WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret,
                                        "WECOM_TOKEN": fake.token, "WECOM_ENCODING_AES_KEY": fake.aes_key,
                                        "WECOM_API_BASE": fake.api_base, "WECOM_SYNC_LIMIT": "2"})
    store = ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}")

    async def sync_with_a_new_worker(token: str) -> int:
        """A new channel object (as after a restart) syncs once."""
        channel = WeComInput(settings, store)
        worker = channel.worker_for(rest_turns(stack.rasa_url))
        try:
            return await worker.sync(open_kfid, token)
        finally:
            worker.close()
            await channel.api.aclose()

    assert asyncio.run(sync_with_a_new_worker(fake.issue_token(open_kfid))) == 5
    pages = [r for r in fake.sync_requests if r["open_kfid"] == open_kfid]
    assert [r["limit"] for r in pages] == [2, 2, 2]
    assert [fake.cursors[r["cursor"]][1] for r in pages[1:]] == [2, 4]  # each page after the one before
    stored = store.get_value(f"wecom:cursor:{fake.corp_id}:{open_kfid}")
    assert fake.cursors[stored] == (open_kfid, 5)
    replies = fake.replies_to(user)
    everything = "\n".join(reply.content for reply in replies)
    assert len(replies) <= 5 and not [r for r in fake.refused if r.touser == user]
    for expected in ("政务服务助手", "不客气", "不是真人", "再见"):
        assert expected in everything

    fake.customer_says(open_kfid, user, "谢谢", notify=False)
    assert asyncio.run(sync_with_a_new_worker(fake.issue_token(open_kfid))) == 1
    resumed = [r for r in fake.sync_requests if r["open_kfid"] == open_kfid][len(pages)]
    assert resumed["cursor"] == stored
    assert "不客气" in fake.replies_to(user)[-1].content
    # an expired callback Token: the worker syncs once more without it and handles nothing twice
    assert asyncio.run(sync_with_a_new_worker("ENCexpired")) == 0
    last_two = [r for r in fake.sync_requests if r["open_kfid"] == open_kfid][-2:]
    assert last_two[0].get("token") == "ENCexpired" and "token" not in last_two[1]
    assert len(fake.replies_to(user)) == len(replies) + 1


def test_cursor_is_stored_and_a_page_read_again_is_not_answered_twice(wecom: WeComStack) -> None:
    fake = wecom.fake
    open_kfid, user = new_customer()
    assert "政务服务助手" in say(fake, open_kfid, user, "你好")
    first_cursor = wecom.cursor(open_kfid)
    assert "不客气" in say(fake, open_kfid, user, "谢谢")
    issued = [r for r in fake.sync_requests if r["open_kfid"] == open_kfid]
    assert issued[0].get("cursor") is None and issued[-1]["cursor"] == first_cursor  # the second sync resumed
    assert fake.cursors[wecom.cursor(open_kfid)] == (open_kfid, 2)
    answered = len(fake.replies_to(user))
    # the cursor is lost (a crash before it was stored): everything is read again, nothing answered twice
    wecom.store.set_value(f"wecom:cursor:{fake.corp_id}:{open_kfid}", "")
    assert "不是真人" in say(fake, open_kfid, user, "你是机器人吗")
    assert [r for r in fake.sync_requests if r["open_kfid"] == open_kfid][len(issued)].get("cursor") is None
    assert len(fake.replies_to(user)) == answered + 1
    assert fake.cursors[wecom.cursor(open_kfid)] == (open_kfid, 3)


# --- a message left by chat outside the service hours ---------------------------------------------------------

def test_outside_the_hours_a_message_and_a_number_are_left_for_a_call_back(stack: Stack, wecom: WeComStack,
                                                                           tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from bot.console import store as console_store
    from bot.console.handoff import set_default_desk
    from bot.console.hours import ServiceHours
    from bot.console.phones import PhoneBox

    fake = wecom.fake
    open_kfid, user = new_customer()
    sender = sender_id("wecom", open_kfid, user)
    closed = Desk(console_store.engine_for(f"sqlite:///{tmp_path / 'console.db'}"),
                  ServiceHours(windows=((),) * 7, zone=ZoneInfo("Asia/Shanghai"), always=False),
                  PhoneBox(Fernet.generate_key()))
    set_default_desk(closed)
    try:
        closed.request_handoff(sender, "wecom", {"affair": "", "last_turns": []}, "asked")  # as the action does
        fake.customer_says(open_kfid, user, "你好", notify=False)
        fake.customer_says(open_kfid, user, "请回电13905712345", notify=False)
        settings = load_wecom_settings({}, {"WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret,
                                            "WECOM_TOKEN": fake.token, "WECOM_ENCODING_AES_KEY": fake.aes_key,
                                            "WECOM_API_BASE": fake.api_base})

        to_rasa: list[str] = []
        turn = rest_turns(stack.rasa_url)

        async def recorded_turn(message: UserMessage) -> None:
            to_rasa.append(message.text or "")
            await turn(message)

        async def sync() -> int:
            channel = WeComInput(settings, ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}"))
            worker = channel.worker_for(recorded_turn)
            try:
                return await worker.sync(open_kfid, fake.issue_token(open_kfid))
            finally:
                worker.close()
                await channel.api.aclose()

        assert asyncio.run(sync()) == 2
        said = "\n".join(reply.content for reply in fake.replies_to(user))
        assert "政务服务助手" in said  # 你好 went to Rasa
        assert "留言已收到" in said and "139****2345" in said and "13905712345" not in said
        with closed.engine.connect() as conn:
            [row] = conn.execute(select(console_store.left_messages)).mappings().all()
        assert row["channel"] == "wecom" and row["text"].startswith("你好\n")
        assert closed.box.open(row["phone_cipher"]) == "13905712345"
        assert to_rasa == ["你好"]  # the message with the number never reached Rasa
    finally:
        set_default_desk(None)
