"""The delivery worker in this process: the real desk and outbox on a temporary SQLite database, the real channel
objects, and the protocol-faithful fake WeChat and WeCom platforms on loopback.

The worker runs on an event loop of the test (as it runs on the Rasa server's loop); the agents' side is the
desk called directly, as the console calls it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text, update

from bot.channels.delivery_worker import DeliverySettings, DeliveryWorker, load_delivery_settings
from bot.channels.store import ChannelStore
from bot.channels.wechat import WeChatInput
from bot.channels.wechat_settings import load_wechat_settings
from bot.channels.wecom import WeComInput
from bot.channels.wecom_quota import SendQuota
from bot.channels.wecom_settings import load_wecom_settings
from bot.console import store
from bot.console.auth import Auth, User
from bot.console.deliveries import Deliveries
from bot.console.handoff import CLOSED_TEXT, TAKEN_TEXT, Desk
from bot.console.hours import parse_hours
from bot.console.phones import PhoneBox
from tests.channels.fake_wechat import FakeWeChat
from tests.channels.fake_wecom import FakeWeCom

TOKEN, APPID, SECRET = "delivery-token", "wxdeliverytest001", "delivery-secret"
AGENT_NAME = "赵坐席"
FAST = DeliverySettings(interval=0.05, retry=0.2, timeout=5.0, batch=20)


@dataclass
class Bench:
    """The desk and outbox of one test, an agent, and the channel store."""

    desk: Desk
    outbox: Deliveries
    agent: User
    channels: ChannelStore

    def handoff(self, sender: str) -> int:
        """The sender asks for an agent and the agent takes the ticket; the ticket id."""
        ticket = self.desk.request_handoff(sender, "wechat", {}, "asked")
        assert ticket.id is not None
        self.desk.agent_take(ticket.id, self.agent)
        return ticket.id

    def written_together(self, sender: str) -> None:
        """Date every unsent message of the sender to the moment the first was written, so that they all
        grow too old in the same poll (however slowly the machine wrote them)."""
        table = store.deliveries
        mine = (table.c.sender == sender, table.c.delivered_at.is_(None))
        with self.desk.engine.begin() as conn:
            first = conn.execute(select(func.min(table.c.created_at)).where(*mine)).scalar_one()
            conn.execute(update(table).where(*mine).values(created_at=first))

    def row(self, sender: str, text_: str) -> dict:
        """The outbox row of one message."""
        table = store.deliveries
        with self.desk.engine.connect() as conn:
            return dict(conn.execute(select(table).where(table.c.sender == sender, table.c.text == text_))
                        .mappings().one())


@pytest.fixture(scope="module")
def wechat_fake() -> Iterator[FakeWeChat]:
    fake = FakeWeChat(TOKEN, APPID, SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def wecom_fake() -> Iterator[FakeWeCom]:
    fake = FakeWeCom().start()
    yield fake
    fake.stop()


@pytest.fixture()
def bench(tmp_path: Path) -> Bench:
    engine = store.engine_for(f"sqlite:///{tmp_path / 'console.db'}")
    agent = Auth(engine).add_user("delivery-agent", "delivery-password", ["agent"], AGENT_NAME)
    return Bench(Desk(engine, parse_hours("always"), PhoneBox(Fernet.generate_key())), Deliveries(engine), agent,
                 ChannelStore(f"sqlite:///{tmp_path / 'channels.db'}"))


def wechat_channel(fake: FakeWeChat, bench: Bench, delivery: DeliverySettings = FAST) -> WeChatInput:
    settings = load_wechat_settings({}, {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_APPSECRET": SECRET,
                                         "WECHAT_API_BASE": fake.api_base})
    return WeChatInput(settings, bench.channels, delivery)


def wecom_channel(fake: FakeWeCom, bench: Bench) -> WeComInput:
    settings = load_wecom_settings({}, {"WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret,
                                        "WECOM_TOKEN": fake.token, "WECOM_ENCODING_AES_KEY": fake.aes_key,
                                        "WECOM_API_BASE": fake.api_base})
    return WeComInput(settings, bench.channels, FAST)


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


async def until(check: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait (without blocking the loop) until `check()` is true."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def run(worker: DeliveryWorker | None, scenario: Callable[[DeliveryWorker], Awaitable[None]],
        cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
    """Start the worker on a new event loop, play the scenario, stop the worker."""
    assert worker is not None

    async def main() -> None:
        worker.start()
        try:
            await scenario(worker)
        finally:
            await worker.stop()
            if cleanup is not None:
                await cleanup()
        assert not worker.running

    asyncio.run(main())


# --- WeChat ---------------------------------------------------------------------------------------------------

def test_agents_messages_arrive_in_order_and_the_queue_notice_is_not_repeated(wechat_fake: FakeWeChat,
                                                                              bench: Bench) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    ticket = bench.handoff(sender)
    bench.desk.agent_reply(ticket, bench.agent, "您好，我是赵坐席。")
    bench.desk.agent_reply(ticket, bench.agent, "急用可以申请加急。")
    other_account = f"wx:wxsomeoneelse01:{openid}"  # another Official Account's citizen: not this worker's
    bench.desk.request_handoff(other_account, "wechat", {}, "asked")
    channel = wechat_channel(wechat_fake, bench)

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: len(wechat_fake.sent_to(openid)) >= 3)
        await until(lambda: bench.outbox.pending(sender) == 0)
        bench.desk.close(ticket, bench.agent)
        await until(lambda: len(wechat_fake.sent_to(openid)) >= 4)

    run(channel.delivery_worker(bench.outbox, bench.desk), scenario)
    assert wechat_fake.sent_to(openid) == [TAKEN_TEXT.format(agent=AGENT_NAME), "您好，我是赵坐席。",
                                           "急用可以申请加急。", CLOSED_TEXT]
    assert bench.outbox.pending(sender) == 0
    assert bench.outbox.pending(other_account) == 1  # its queue notice waits for its own account's worker
    assert bench.row(sender, TAKEN_TEXT.format(agent=AGENT_NAME))["attempts"] == 1


def test_a_busy_platform_gets_each_message_later_exactly_once(wechat_fake: FakeWeChat, bench: Bench) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    ticket = bench.handoff(sender)
    bench.desk.agent_reply(ticket, bench.agent, "第一条回复")
    bench.desk.agent_reply(ticket, bench.agent, "第二条回复")
    busy_before = wechat_fake.send_errors.count(-1)
    wechat_fake.fail_next_sends(3)
    expected = [TAKEN_TEXT.format(agent=AGENT_NAME), "第一条回复", "第二条回复"]

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: len(wechat_fake.sent_to(openid)) >= 3)
        await until(lambda: bench.outbox.pending(sender) == 0)
        await asyncio.sleep(5 * (FAST.retry + FAST.interval))  # time for any duplicate to show up

    run(wechat_channel(wechat_fake, bench).delivery_worker(bench.outbox, bench.desk), scenario)
    assert wechat_fake.send_errors.count(-1) == busy_before + 3
    assert wechat_fake.sent_to(openid) == expected  # each once, in order, although the first failed three times
    assert bench.row(sender, expected[0])["attempts"] == 4
    assert bench.row(sender, expected[1])["attempts"] == 1


def test_a_long_reply_is_split_within_the_platform_limit(wechat_fake: FakeWeChat, bench: Bench) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    ticket = bench.handoff(sender)
    reply = ("请带好身份证原件和户口簿，" * 80)[:1000]  # 3000 bytes: more than one WeChat text
    bench.desk.agent_reply(ticket, bench.agent, reply)

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: bench.outbox.pending(sender) == 0)

    run(wechat_channel(wechat_fake, bench).delivery_worker(bench.outbox, bench.desk), scenario)
    parts = wechat_fake.sent_to(openid)[1:]
    assert len(parts) == 2 and "".join(parts) == reply
    assert all(len(part.encode()) <= 2048 for part in parts)


def test_a_platform_that_does_not_answer_in_time_is_tried_again(wechat_fake: FakeWeChat, bench: Bench,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    ticket = bench.handoff(sender)
    bench.desk.agent_reply(ticket, bench.agent, "稍等，我查一下。")
    slow = DeliverySettings(interval=0.05, retry=0.2, timeout=0.3, batch=20)
    wechat_fake.token_delay = 1.0  # the channel store has no token yet: the first send waits for one
    caplog.set_level(logging.WARNING, logger="bot.channels.delivery_worker")

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: bench.outbox.pending(sender) == 0)

    try:
        run(wechat_channel(wechat_fake, bench, slow).delivery_worker(bench.outbox, bench.desk), scenario)
    finally:
        wechat_fake.token_delay = 0.0
    assert "TimeoutError" in caplog.text
    assert bench.row(sender, TAKEN_TEXT.format(agent=AGENT_NAME))["attempts"] >= 2
    assert "稍等，我查一下。" in wechat_fake.sent_to(openid)  # at least once (a timed-out send may still land)
    assert openid not in caplog.text


def test_messages_the_platform_refuses_past_the_window_are_given_up_and_the_agent_is_told(
        wechat_fake: FakeWeChat, bench: Bench, caplog: pytest.LogCaptureFixture) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    wechat_fake.close_window(openid)  # the citizen last wrote more than 48 hours ago: WeChat answers 45015
    ticket = bench.handoff(sender)
    bench.desk.agent_reply(ticket, bench.agent, "您要的材料清单如下：身份证原件、户口簿。")
    bench.written_together(sender)  # else a reply written a poll later is tried once when the notice is given up
    short_window = DeliverySettings(interval=0.05, retry=0.2, timeout=5.0, batch=20, give_up=1.0)
    caplog.set_level(logging.WARNING, logger="bot.channels.delivery_worker")

    def notes() -> list[str]:
        return [m.text for m in bench.desk.history(ticket)[2] if m.who == "note"]

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: len(notes()) == 2)  # the notice that the agent took over, and the reply
        assert bench.outbox.pending(sender) == 0
        wechat_fake.open_window(openid)  # the citizen writes again
        await asyncio.to_thread(bench.desk.agent_reply, ticket, bench.agent, "收到您的消息了。")
        await until(lambda: wechat_fake.sent_to(openid) == ["收到您的消息了。"])

    run(wechat_channel(wechat_fake, bench, short_window).delivery_worker(bench.outbox, bench.desk), scenario)
    refused = bench.row(sender, TAKEN_TEXT.format(agent=AGENT_NAME))
    waiting = bench.row(sender, "您要的材料清单如下：身份证原件、户口簿。")
    assert refused["delivered_at"] is None and refused["gave_up_at"] is not None and refused["attempts"] >= 1
    assert waiting["delivered_at"] is None and waiting["gave_up_at"] is not None and waiting["attempts"] == 0
    first, second = notes()
    assert "停止重试" in first and "45015" in first and f"共尝试 {refused['attempts']} 次" in first
    assert "您要的材料清单如下" in second and "一次也没有发出" in second
    assert [m.text for m in bench.desk.updates_for(sender, 0)][-1] == "收到您的消息了。"  # notes stay with agents
    assert "given up" in caplog.text and openid not in caplog.text


def test_stop_is_clean_and_a_restart_sends_what_waited(wechat_fake: FakeWeChat, bench: Bench) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    channel = wechat_channel(wechat_fake, bench)
    worker = channel.delivery_worker(bench.outbox, bench.desk)
    assert worker is not None

    async def main() -> None:
        await worker.stop()  # stopping a worker that never ran is harmless
        worker.start()
        worker.start()  # a second start does nothing
        await asyncio.sleep(0.2)
        assert worker.running
        await worker.stop()
        assert not worker.running
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        await asyncio.to_thread(bench.handoff, sender)
        await asyncio.sleep(10 * FAST.interval)
        assert wechat_fake.sent_to(openid) == [] and bench.outbox.pending(sender) == 2
        worker.start()  # as after a restart of the server
        await until(lambda: len(wechat_fake.sent_to(openid)) == 1)
        await worker.stop()

    asyncio.run(main())
    assert wechat_fake.sent_to(openid) == [TAKEN_TEXT.format(agent=AGENT_NAME)]


def test_the_worker_outlives_an_unreachable_outbox(wechat_fake: FakeWeChat, bench: Bench,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    openid = new_openid()
    sender = f"wx:{APPID}:{openid}"
    with bench.desk.engine.begin() as conn:
        conn.execute(text("DROP TABLE console_deliveries"))
    caplog.set_level(logging.WARNING, logger="bot.channels.delivery_worker")

    async def scenario(worker: DeliveryWorker) -> None:
        await until(lambda: "outbox unavailable" in caplog.text)
        assert worker.running
        await asyncio.to_thread(store.create_tables, bench.desk.engine)  # the database is back
        await asyncio.to_thread(bench.handoff, sender)
        await until(lambda: len(wechat_fake.sent_to(openid)) == 1, timeout=30)

    run(wechat_channel(wechat_fake, bench).delivery_worker(bench.outbox, bench.desk), scenario)
    assert wechat_fake.sent_to(openid) == [TAKEN_TEXT.format(agent=AGENT_NAME)]


def test_a_channel_without_credentials_starts_no_worker(bench: Bench) -> None:
    channel = WeChatInput(load_wechat_settings({}, {}), bench.channels, FAST)
    assert channel.delivery_worker(bench.outbox, bench.desk) is None
    assert WeComInput(load_wecom_settings({}, {}), bench.channels, FAST).delivery_worker() is None


# --- WeCom ----------------------------------------------------------------------------------------------------

def test_wecom_messages_keep_to_the_five_message_rule(wecom_fake: FakeWeCom, bench: Bench) -> None:
    open_kfid, user = "wk" + secrets.token_hex(12), "wm" + secrets.token_hex(14)
    sender = f"wecom:{open_kfid}:{user}"
    quota = SendQuota(bench.channels)

    def customer_writes(words: str) -> None:
        """The customer's message, as the platform records it and the channel notes it."""
        wecom_fake.customer_says(open_kfid, user, words, notify=False)
        quota.note_customer_message(open_kfid, user, wecom_fake.queues[open_kfid][-1]["send_time"])

    customer_writes("转人工")
    ticket = bench.handoff(sender)
    replies = [f"第{n}条回复" for n in range(1, 7)]
    for reply in replies:
        bench.desk.agent_reply(ticket, bench.agent, reply)
    channel = wecom_channel(wecom_fake, bench)

    def contents() -> list[str]:
        return [sent.content for sent in wecom_fake.replies_to(user)]

    async def scenario(_: DeliveryWorker) -> None:
        await until(lambda: len(contents()) >= 5)
        await asyncio.sleep(10 * (FAST.retry + FAST.interval))
        assert contents() == [TAKEN_TEXT.format(agent=AGENT_NAME), *replies[:4]]  # five after the message
        assert bench.outbox.pending(sender) == 2  # the rest waits in the outbox
        await asyncio.sleep(1.1)  # the customer reads the answers before writing again (send_time has whole seconds)
        await asyncio.to_thread(customer_writes, "好的")
        await until(lambda: len(contents()) >= 7)

    run(channel.delivery_worker(bench.outbox, bench.desk), scenario, channel.api.aclose)
    assert contents() == [TAKEN_TEXT.format(agent=AGENT_NAME), *replies]
    assert not [refused for refused in wecom_fake.refused if refused.touser == user]  # never over the limit
    assert bench.outbox.pending(sender) == 0


# --- settings -------------------------------------------------------------------------------------------------

def test_delivery_settings_come_from_the_environment_then_the_credentials() -> None:
    assert load_delivery_settings({}, {}) == DeliverySettings(interval=1.0, retry=30.0, timeout=15.0, batch=20,
                                                              give_up=48 * 3600.0)
    chosen = load_delivery_settings({"delivery_interval": "2.5", "delivery_retry": 5, "delivery_give_up": 3600},
                                    {"CHANNEL_DELIVERY_INTERVAL": "0.5"})
    assert (chosen.interval, chosen.retry, chosen.give_up) == (0.5, 5.0, 3600.0)
    assert chosen.lease > chosen.timeout


@pytest.mark.parametrize("name, value", [("CHANNEL_DELIVERY_INTERVAL", "0"), ("CHANNEL_DELIVERY_RETRY", "-1"),
                                         ("CHANNEL_DELIVERY_TIMEOUT", "soon"), ("CHANNEL_DELIVERY_BATCH", "2.5"),
                                         ("CHANNEL_DELIVERY_INTERVAL", "nan"), ("CHANNEL_DELIVERY_GIVE_UP", "0")])
def test_a_bad_delivery_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_delivery_settings({}, {name: value})
