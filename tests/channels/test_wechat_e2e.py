"""The WeChat channel end to end: fake WeChat → real edge → real Rasa (with the channel) → real action server.

Two Rasa servers with the channel run against the session stack's backend and action server, each behind
its own edge: one with WeChat's usual passive window, one with a window so small that every answer goes
through the customer-service API. Both share one channel database, so they also share one access token.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.channels import wechat_texts
from bot.edge import messages as edge_messages
from tests.channels.fake_wechat import FakeWeChat, message_xml, new_aes_key
from tests.conftest import Stack
from tests.e2e.stack import Service, edge_server, rasa_server

TOKEN = "wechat-e2e-token"
APPID = "wx0e2e0onevisit01"
SECRET = "e2e-app-secret"
WEBHOOK = "/webhooks/wechat/webhook"
ID_NUMBER = "11010519491231002X"  # a valid GB 11643 checksum
OPTION_LINE = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


@dataclass
class WeChatStack:
    fake: FakeWeChat
    edge_url: str
    slow_edge_url: str
    workdirs: list[Path]
    trackers: list[Path]

    def use(self, edge_url: str) -> FakeWeChat:
        self.fake.webhook = edge_url + WEBHOOK
        return self.fake


def new_openid() -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "o" + "".join(secrets.choice(alphabet) for _ in range(27))


def start_all(services: list[Service]) -> None:
    """Start the services side by side; fail if one does not start."""
    with ThreadPoolExecutor(len(services)) as pool:
        for future in [pool.submit(service.start) for service in services]:
            future.result()


def stop_all(services: list[Service]) -> None:
    """Stop the services side by side."""
    if services:
        with ThreadPoolExecutor(len(services)) as pool:
            list(pool.map(Service.stop, services))


@pytest.fixture(scope="module")
def wechat(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeChatStack]:
    fake = FakeWeChat(TOKEN, APPID, SECRET, new_aes_key()).start()
    normal_dir, slow_dir = tmp_path_factory.mktemp("wechat"), tmp_path_factory.mktemp("wechat-slow")
    env = {**stack.env, "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_APPSECRET": SECRET,
           "WECHAT_ENCODING_AES_KEY": fake.aes_key, "WECHAT_API_BASE": fake.api_base,
           "WECHAT_FOLLOW_UP_DELAY": "0.2", "CHANNEL_DATABASE_URL": f"sqlite:///{normal_dir / 'channels.db'}"}
    normal_env = {**env, "TRACKER_STORE_URL": f"sqlite:///{normal_dir / 'tracker.db'}"}
    slow_env = {**env, "TRACKER_STORE_URL": f"sqlite:///{slow_dir / 'tracker.db'}", "WECHAT_PASSIVE_SECONDS": "0.01"}
    rasas = [rasa_server(normal_dir, normal_env, stack.actions), rasa_server(slow_dir, slow_env, stack.actions)]
    services: list[Service] = []
    try:
        services += rasas
        start_all(rasas)
        edges = [edge_server(normal_dir, normal_env, rasas[0].ready_url.rstrip("/")),
                 edge_server(slow_dir, slow_env, rasas[1].ready_url.rstrip("/"))]
        services += edges
        start_all(edges)
        result = WeChatStack(fake, edges[0].ready_url.rstrip("/"), edges[1].ready_url.rstrip("/"),
                             [normal_dir, slow_dir], [normal_dir / "tracker.db", slow_dir / "tracker.db"])
        # warm-up: the first masking loads its models, the first affair question builds the resolver's index
        warm = new_openid()
        first = result.use(result.edge_url).text(warm, "身份证丢了怎么补办")
        fake.seen_after(warm, first, 0, "回复数字选择", timeout=120)
        yield result
    finally:
        stop_all(services)
        fake.stop()


@pytest.fixture()
def fake(wechat: WeChatStack) -> FakeWeChat:
    """The fake platform sending to the normal edge."""
    return wechat.use(wechat.edge_url)


def say(fake: FakeWeChat, openid: str, content: str, expect: str | tuple[str, ...], safe: bool = False) -> str:
    before = len(fake.sent_to(openid))
    return fake.seen_after(openid, fake.text(openid, content, safe=safe), before, expect)


def option_number(reply: str, wanted: str) -> str:
    """The number shown before the option whose title contains ``wanted``."""
    options = {title: number for number, title in OPTION_LINE.findall(reply)}
    for title, number in options.items():
        if wanted in title:
            return number
    raise AssertionError(f"no option with {wanted!r} in {options}")


def user_texts(tracker: Path, sender: str) -> list[str]:
    with sqlite3.connect(tracker) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,))
        return [json.loads(row[0]).get("text") for row in rows]


# --- URL verification and request authentication ----------------------------------------------------

def test_url_verification_echoes_the_echostr(fake: FakeWeChat) -> None:
    answer = fake.verify_url("5838479218127813673")
    assert answer.status_code == 200 and answer.text == "5838479218127813673"


def test_a_forged_signature_is_refused(fake: FakeWeChat) -> None:
    query = fake.signed_query()
    forged = {**query, "signature": "0" * 40}
    assert requests.get(fake.webhook, params={**forged, "echostr": "x"}, timeout=10).status_code == 403
    body = message_xml(fake.fields(new_openid(), "text", Content="你好"))
    answer = requests.post(fake.webhook, params=forged, data=body.encode(), timeout=10)
    assert answer.status_code == 403 and answer.text == ""


def test_an_expired_timestamp_is_refused_even_when_signed(fake: FakeWeChat) -> None:
    old = fake.signed_query(timestamp=int(time.time()) - 3600)
    assert requests.get(fake.webhook, params={**old, "echostr": "x"}, timeout=10).status_code == 403
    body = message_xml(fake.fields(new_openid(), "text", Content="你好"))
    answer = requests.post(fake.webhook, params=old, data=body.encode(), timeout=10)
    assert answer.status_code == 403 and answer.text == ""


def test_a_wrong_msg_signature_in_safe_mode_is_refused(fake: FakeWeChat) -> None:
    delivery = fake.text(new_openid(), "你好", safe=True, query={"msg_signature": "f" * 40})
    assert delivery.status == 403 and delivery.attempts == 1


# --- conversations ------------------------------------------------------------------------------

def test_the_id_card_guide_by_digits_in_safe_mode(fake: FakeWeChat, wechat: WeChatStack) -> None:
    openid = new_openid()
    first = say(fake, openid, "身份证丢了怎么补办", "回复数字选择", safe=True)
    assert "16" in first and "回复数字选择：" in first
    second = say(fake, openid, option_number(first, "已满16"), "回复数字选择", safe=True)
    assert "户" in second, second
    answer = say(fake, openid, option_number(second, "浙江"), "区", safe=True)
    if "需要准备的材料" not in answer:
        answer = say(fake, openid, "杭州市西湖区", "跑动次数", safe=True)
    for expected in ("居民身份证补领", "需要准备的材料", "居民身份证相片", "办理地点", "办理时限", "40元", "跑动次数"):
        assert expected in answer, expected
    assert "监护人居民身份证" not in answer  # the digit chose the adult situation
    said = user_texts(wechat.trackers[0], f"wx:{APPID}:{openid}")
    assert "16" in said[1] and "浙江" in said[2], said  # Rasa saw the chosen options' payloads, not digits


def test_a_long_answer_is_split_within_wechat_limits(fake: FakeWeChat) -> None:
    openid = new_openid()
    before = len(fake.sent_to(openid))
    reply = say(fake, openid, "我在杭州市西湖区，想办护照", ("回复数字选择", "跑动次数"))
    for _ in range(4):
        if "需要准备的材料" in reply:
            break
        before = len(fake.sent_to(openid))
        delivery = fake.text(openid, "1")
        reply = fake.seen_after(openid, delivery, before, ("回复数字选择", "跑动次数"))
    assert "需要准备的材料" in reply and "跑动次数" in reply
    # every piece fitted (the fake refuses texts over 2048 bytes with errcode 45002)
    assert 45002 not in fake.send_errors
    assert all(len(text.encode()) <= 2048 for text in fake.sent_to(openid))
    print(f"answer of {len(reply.encode())} bytes in {len(fake.sent_to(openid)[before:]) + 1} message(s)")


def test_case_status_lookup(fake: FakeWeChat) -> None:
    openid = new_openid()
    assert "受理编号" in say(fake, openid, "我的业务办到哪一步了", "受理编号")
    assert "手机号后四位" in say(fake, openid, "ZJ2026330212000103", "手机号后四位")
    answer = say(fake, openid, "5803", "需补正")
    assert "需补正" in answer and "还需要补充" in answer


def test_slow_turns_arrive_through_the_customer_service_api(wechat: WeChatStack) -> None:
    fake = wechat.use(wechat.slow_edge_url)
    openid = new_openid()
    fetches = fake.token_fetches
    delivery = fake.text(openid, "身份证丢了怎么补办")
    assert delivery.status == 200 and delivery.body == "success" and delivery.attempts == 1
    first = fake.seen_after(openid, delivery, 0, "回复数字选择")
    assert "16" in first and "回复数字选择" in first
    count = len(fake.sent_to(openid))
    fake.revoke_token_on_next_send()  # the next send meets errcode 40001: a new token, then the message
    delivery = fake.text(openid, option_number(first, "已满16"))
    assert delivery.body == "success"
    second = fake.seen_after(openid, delivery, count, "户")
    assert "户" in second
    assert 40001 in fake.send_errors
    assert fake.token_fetches == fetches + 1  # exactly one refresh, whichever process noticed


def test_a_retried_msgid_gets_the_same_reply_without_a_second_turn(fake: FakeWeChat, wechat: WeChatStack) -> None:
    openid = new_openid()
    fields = fake.fields(openid, "text", Content="补办驾驶证要多少钱")
    first = fake.deliver(fields)
    again = fake.deliver(fields)  # WeChat's retry after a lost answer
    assert first.status == again.status == 200 and again.body == first.body  # the same passive reply (or "success")
    assert "驾驶证" in fake.seen_after(openid, first, 0, "驾驶证")
    together = fields | {"MsgId": fake.new_msg_id(), "Content": "护照怎么办"}
    with ThreadPoolExecutor(3) as pool:  # three deliveries in flight at once
        replies = list(pool.map(lambda _: fake.deliver(together), range(3)))
    assert all(reply.status == 200 and not reply.problems for reply in replies)
    said = user_texts(wechat.trackers[0], f"wx:{APPID}:{openid}")
    assert said.count("补办驾驶证要多少钱") == 1 and said.count("护照怎么办") == 1, said
    someone_else = new_openid()  # the same MsgId from another user is another message
    other = fake.deliver(fields | {"FromUserName": someone_else, "Content": "公积金怎么取"})
    assert "提取" in fake.seen_after(someone_else, other, 0, "提取")  # the withdrawals (or one of them)
    assert user_texts(wechat.trackers[0], f"wx:{APPID}:{someone_else}") == ["公积金怎么取"]


def test_personal_numbers_are_masked_before_rasa(fake: FakeWeChat, wechat: WeChatStack) -> None:
    openid = new_openid()
    say(fake, openid, f"我身份证号{ID_NUMBER}丢了，怎么补办", "回复数字选择")
    said = user_texts(wechat.trackers[0], f"wx:{APPID}:{openid}")
    assert said and "身份证" in said[0] and ID_NUMBER not in said[0]


# --- other messages and events ------------------------------------------------------------------

def test_subscribe_gets_the_welcome_and_unsubscribe_nothing(fake: FakeWeChat) -> None:
    openid = new_openid()
    welcome = fake.event(openid, "subscribe", safe=True)
    assert welcome.text == wechat_texts.WELCOME and not welcome.problems
    assert fake.event(openid, "unsubscribe").body == "success"


def test_voice_with_recognition_is_a_question(fake: FakeWeChat) -> None:
    openid = new_openid()
    fields = fake.fields(openid, "voice", MediaId="media-1", Format="amr", Recognition="身份证丢了怎么补办")
    answer = fake.seen_after(openid, fake.deliver(fields), 0, "回复数字选择")
    assert "16" in answer


def test_voice_without_recognition_asks_to_type(fake: FakeWeChat) -> None:
    delivery = fake.deliver(fake.fields(new_openid(), "voice", MediaId="media-2", Format="amr"))
    assert "请打字或重说一遍" in (delivery.text or "")


@pytest.mark.parametrize("msg_type, extra", [
    ("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m"}),
    ("location", {"Location_X": "30.27", "Location_Y": "120.15", "Scale": "15", "Label": "杭州市西湖区"}),
    ("link", {"Title": "链接", "Description": "d", "Url": "http://example.invalid/"}),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
])
def test_non_text_messages_get_a_polite_answer(fake: FakeWeChat, msg_type: str, extra: dict) -> None:
    delivery = fake.deliver(fake.fields(new_openid(), msg_type, **extra))
    assert delivery.text == wechat_texts.NOT_TEXT and not delivery.problems


def test_unknown_types_and_events_get_a_polite_answer(fake: FakeWeChat) -> None:
    assert fake.deliver(fake.fields(new_openid(), "hologram", Data="x")).text == wechat_texts.UNKNOWN
    assert fake.event(new_openid(), "brand_new_event").text == wechat_texts.UNKNOWN


@pytest.mark.parametrize("body", [b"<xml><ToUserName>", b"not xml at all", b"", b"<a><b/></a>",
                                  b"<xml><MsgType>text</MsgType></xml>", "\u00ff".encode("latin-1"),
                                  b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><xml>&e;</xml>'])
def test_malformed_bodies_get_success_and_no_trace(fake: FakeWeChat, body: bytes) -> None:
    answer = requests.post(fake.webhook, params=fake.signed_query(), data=body, timeout=10)
    assert answer.status_code == 200 and answer.text == "success"


def test_too_long_and_empty_texts_are_answered_by_the_channel(fake: FakeWeChat, wechat: WeChatStack) -> None:
    openid = new_openid()
    assert "超过500字" in (fake.text(openid, "办" * 501).text or "")
    assert fake.text(openid, "   ").text == edge_messages.EMPTY_MESSAGE
    assert user_texts(wechat.trackers[0], f"wx:{APPID}:{openid}") == []


def test_the_edge_refuses_an_oversized_body(fake: FakeWeChat) -> None:
    answer = requests.post(fake.webhook, params=fake.signed_query(), data=b"<xml>" + b"a" * 70000 + b"</xml>",
                           timeout=10)
    assert answer.status_code == 413


def test_logs_hold_no_openid_and_no_message_text(fake: FakeWeChat, wechat: WeChatStack) -> None:
    openid = new_openid()
    secret_question = "我想咨询一下宅基地审批需要什么手续谢谢"
    say(fake, openid, secret_question, "")
    fake.event(openid, "subscribe")
    fake.deliver(fake.fields(openid, "image", PicUrl="http://example.invalid/a.jpg", MediaId="m"))
    time.sleep(0.5)
    logs = "".join(path.read_text(encoding="utf-8", errors="replace")
                   for workdir in wechat.workdirs for path in workdir.glob("*.log"))
    assert "wechat" in logs  # the channel does log ...
    assert openid not in logs and secret_question not in logs  # ... but neither the user nor the text


def test_concurrent_users_each_get_their_own_answer(fake: FakeWeChat) -> None:
    questions = {new_openid(): question for question in ("护照怎么办", "公积金怎么取", "身份证丢了怎么补办")}
    results: dict[str, str] = {}

    def ask(openid: str) -> None:
        results[openid] = say(fake, openid, questions[openid], "回复数字选择")

    threads = [threading.Thread(target=ask, args=(openid,)) for openid in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert "护照" in results[next(iter(questions))]
    assert all("回复数字选择" in text for text in results.values()), results
