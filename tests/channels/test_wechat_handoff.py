"""A WeChat citizen handed to a 12345 agent, end to end: fake WeChat → a real Rasa with the channel → the real
action server (which queues the handoff) → the desk; the agent's replies back through the fake platform's
customer-service API, sent by the channel's delivery worker.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from bot.console.handoff import CLOSED_TEXT, TAKEN_TEXT
from bot.edge import messages
from tests.channels.conftest import AGENT_NAME, HANDOFF_APPID, HandoffStack
from tests.channels.fake_wechat import FakeWeChat

QUEUED_STATUS = re.compile(r"您的消息已转给人工坐席（排在第 \d+ 位），坐席接入后会在这里回复您，请稍候。")
ASKED = "已为您转接人工坐席"


def new_openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def sender_of(openid: str) -> str:
    return f"wx:{HANDOFF_APPID}:{openid}"


def answer(fake: FakeWeChat, openid: str, content: str, expect: str, timeout: float = 60.0) -> str:
    """The citizen writes; what they see once `expect` shows (fails when it does not within `timeout` seconds)."""
    before = len(fake.sent_to(openid))
    return fake.seen_after(openid, fake.text(openid, content), before, expect, timeout)


def wait_for(check: Callable[[], object], timeout: float = 30.0) -> object:
    """Poll `check` until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def handed_over(stack: HandoffStack, openid: str) -> tuple[int, str]:
    """The citizen asks for an agent; the ticket and what they were told."""
    said = answer(stack.wechat, openid, "转人工", ASKED)
    ticket = stack.desk.open_ticket(sender_of(openid))
    assert ticket is not None, said
    return ticket.id, said


def test_a_wechat_citizen_reaches_the_agent_and_the_agent_reaches_them(handoff_stack: HandoffStack) -> None:
    stack, fake = handoff_stack, handoff_stack.wechat
    openid = new_openid()
    sender = sender_of(openid)
    ticket, asked = handed_over(stack, openid)
    assert ASKED in asked
    assert stack.desk.open_ticket(sender).status == "queued"

    # paused: the message reaches the agent's desk and the citizen hears where they stand, not silence
    waiting = answer(fake, openid, "我下周要出国，比较急", "人工坐席")
    assert QUEUED_STATUS.fullmatch(waiting), waiting
    _, _, history = stack.desk.history(ticket)
    assert [m.text for m in history if m.who == "citizen"] == ["我下周要出国，比较急"]

    # the agent takes the ticket and answers: both arrive through the customer-service API, in order
    before = len(fake.sent_to(openid))
    stack.desk.agent_take(ticket, stack.agent)
    stack.desk.agent_reply(ticket, stack.agent, "您好，我是李坐席。急用可以申请加急，请带上身份证。")
    sent = fake.wait_sent(openid, before + 2)[before:]
    assert sent == [TAKEN_TEXT.format(agent=AGENT_NAME), "您好，我是李坐席。急用可以申请加急，请带上身份证。"]
    assert answer(fake, openid, "好的，谢谢", "人工坐席") == messages.HANDOFF_TAKEN
    assert [m.text for m in stack.desk.history(ticket)[2] if m.who == "citizen"][-1] == "好的，谢谢"

    stack.desk.close(ticket, stack.agent)
    assert fake.wait_sent(openid, before + 3)[before + 2:] == [CLOSED_TEXT]
    wait_for(lambda: stack.outbox.pending(sender) == 0)
    everything = asked + "\n".join(fake.sent_to(openid))
    assert everything.count(ASKED) == 1  # the desk's own queue notice is not sent on top of the bot's reply


def test_a_wechat_platform_failure_is_retried_and_delivered_once(handoff_stack: HandoffStack) -> None:
    stack, fake = handoff_stack, handoff_stack.wechat
    openid = new_openid()
    sender = sender_of(openid)
    ticket, _ = handed_over(stack, openid)
    stack.desk.agent_take(ticket, stack.agent)
    wait_for(lambda: TAKEN_TEXT.format(agent=AGENT_NAME) in fake.sent_to(openid))
    before = len(fake.sent_to(openid))
    busy = fake.send_errors.count(-1)

    fake.fail_next_sends(2)  # WeChat is busy for the next two calls
    stack.desk.agent_reply(ticket, stack.agent, "请问您是哪个区的？")
    stack.desk.agent_reply(ticket, stack.agent, "西湖区的话可以去市民中心办理。")
    wait_for(lambda: len(fake.sent_to(openid)) >= before + 2)
    wait_for(lambda: stack.outbox.pending(sender) == 0)
    time.sleep(3.0)  # three retry periods: a duplicate would show up now
    assert fake.send_errors.count(-1) == busy + 2
    assert fake.sent_to(openid)[before:] == ["请问您是哪个区的？", "西湖区的话可以去市民中心办理。"]
    stack.desk.close(ticket, stack.agent)
