"""A WeCom 微信客服 customer handed to a 12345 agent, end to end: fake WeCom → a real Rasa with the channel → the
real action server (which queues the handoff) → the desk; the agent's replies back through the fake platform's
kf/send_msg, sent by the channel's delivery worker within the platform's rules.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from bot.console.handoff import CLOSED_TEXT, TAKEN_TEXT
from bot.edge import messages
from tests.channels.conftest import AGENT_NAME, HandoffStack
from tests.channels.fake_wecom import BOT, QUEUED, FakeWeCom

QUEUED_STATUS = re.compile(r"您的消息已转给人工坐席（排在第 \d+ 位），坐席接入后会在这里回复您，请稍候。")
ASKED = "已为您转接人工坐席"
SESSION_STATE_INVALID = 95018


def new_customer() -> tuple[str, str]:
    return "wk" + secrets.token_hex(12), "wm" + secrets.token_hex(14)


def contents(fake: FakeWeCom, user: str) -> list[str]:
    return [reply.content for reply in fake.replies_to(user)]


def say(fake: FakeWeCom, open_kfid: str, user: str, text: str) -> str:
    """The customer writes `text`; every reply after it, once the first came and no more followed for a second."""
    before = len(fake.replies_to(user))
    fake.customer_says(open_kfid, user, text)
    replies = fake.wait_for_replies(user, before + 1)
    while True:
        time.sleep(1.0)
        now = fake.replies_to(user)
        if len(now) == len(replies):
            return "\n".join(reply.content for reply in now[before:])
        replies = now


def wait_for(check: Callable[[], object], timeout: float = 30.0) -> object:
    """Poll `check` until it is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def handed_over(stack: HandoffStack, open_kfid: str, user: str) -> tuple[int, str]:
    """The customer asks for an agent; the ticket and what they were told."""
    said = say(stack.wecom, open_kfid, user, "转人工")
    ticket = stack.desk.open_ticket(f"wecom:{open_kfid}:{user}")
    assert ticket is not None, said
    return ticket.id, said


def test_a_wecom_customer_reaches_the_agent_and_the_agent_reaches_them(handoff_stack: HandoffStack) -> None:
    stack, fake = handoff_stack, handoff_stack.wecom
    open_kfid, user = new_customer()
    sender = f"wecom:{open_kfid}:{user}"
    ticket, asked = handed_over(stack, open_kfid, user)
    assert ASKED in asked
    assert stack.desk.open_ticket(sender).status == "queued"

    # paused: the message reaches the agent's desk and the customer hears where they stand, not silence
    waiting = say(fake, open_kfid, user, "我下周要出国，比较急")
    assert QUEUED_STATUS.fullmatch(waiting), waiting
    _, _, history = stack.desk.history(ticket)
    assert [m.text for m in history if m.who == "citizen"] == ["我下周要出国，比较急"]

    # the agent takes the ticket and answers: both arrive through kf/send_msg, in order
    before = len(fake.replies_to(user))
    stack.desk.agent_take(ticket, stack.agent)
    reply = "您好，我是李坐席。急用可以申请加急。"
    stack.desk.agent_reply(ticket, stack.agent, reply)
    fake.wait_for_replies(user, before + 2)
    assert contents(fake, user)[before:] == [TAKEN_TEXT.format(agent=AGENT_NAME), reply]
    assert say(fake, open_kfid, user, "好的，谢谢") == messages.HANDOFF_TAKEN

    stack.desk.close(ticket, stack.agent)
    fake.wait_for_replies(user, before + 4)
    assert contents(fake, user)[-1] == CLOSED_TEXT
    wait_for(lambda: stack.outbox.pending(sender) == 0)
    assert "\n".join(contents(fake, user)).count(ASKED) == 1  # the desk's queue notice is not sent twice
    assert not [refused for refused in fake.refused if refused.touser == user]


def test_a_refused_wecom_send_is_retried_and_delivered_once(handoff_stack: HandoffStack) -> None:
    stack, fake = handoff_stack, handoff_stack.wecom
    open_kfid, user = new_customer()
    sender = f"wecom:{open_kfid}:{user}"
    ticket, _ = handed_over(stack, open_kfid, user)
    stack.desk.agent_take(ticket, stack.agent)
    wait_for(lambda: TAKEN_TEXT.format(agent=AGENT_NAME) in contents(fake, user))
    before = len(fake.replies_to(user))

    fake.set_state(open_kfid, user, QUEUED)  # the session sits in WeCom's own queue: kf/send_msg answers 95018
    stack.desk.agent_reply(ticket, stack.agent, "请问您是哪个区的？")
    wait_for(lambda: len([r for r in fake.refused if r.touser == user]) >= 2)  # refused, and tried again
    assert contents(fake, user)[before:] == []
    fake.set_state(open_kfid, user, BOT)
    wait_for(lambda: stack.outbox.pending(sender) == 0)
    time.sleep(3.0)  # three retry periods: a duplicate would show up now
    assert contents(fake, user)[before:] == ["请问您是哪个区的？"]
    refused = [r for r in fake.refused if r.touser == user]
    assert {r.errcode for r in refused} == {SESSION_STATE_INVALID} and {r.content for r in refused} == {
        "请问您是哪个区的？"}
    stack.desk.close(ticket, stack.agent)
