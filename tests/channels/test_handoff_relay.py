"""The messaging channels' handoff relay (`bot.handoff_relay`) on a real desk in a temporary SQLite database.

The Rasa turn is a small coroutine standing in for Rasa: it records what it was given and answers what the test
says, like a running conversation (answers) or a paused one (nothing); the desk, its database and the edge's
relay and status texts are the real ones.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sqlalchemy import text

from bot.console.auth import Auth, User
from bot.console.handoff import Desk
from bot.edge import messages
from bot.handoff_relay import relaying

QUEUED_STATUS = re.compile(r"您的消息已转给人工坐席（排在第 (\d+) 位），坐席接入后会在这里回复您，请稍候。")


class Rasa:
    """Stands in for a Rasa turn handler: records the messages, says `answer` (nothing while paused)."""

    def __init__(self, answer: str | None = None, fail: bool = False) -> None:
        self.answer, self.fail = answer, fail
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append((message.sender_id, message.text))
        if self.fail:
            raise RuntimeError("the turn failed")
        if self.answer:
            await message.output_channel.send_text_message(message.sender_id, self.answer)


@pytest.fixture()
def agent(desk: Desk) -> User:
    return Auth(desk.engine).add_user("relay-agent", "relay-password-1", ["agent"], "赵坐席")


def turn(handler: Rasa, sender: str, text: str) -> list[str]:
    """One message through the relaying handler; the texts the channel would send."""
    output = CollectingOutputChannel()
    asyncio.run(relaying(handler)(UserMessage(text, output, sender, input_channel="wechat")))
    return [m.get("text", "") for m in output.messages]


def new_sender() -> str:
    return f"wx:wxrelaytest:o{uuid.uuid4().hex}"


def test_without_a_ticket_rasa_answers_and_the_desk_hears_nothing(desk: Desk) -> None:
    sender = new_sender()
    rasa = Rasa(answer="请问您要办什么事？")
    assert turn(rasa, sender, "你好") == ["请问您要办什么事？"]
    assert rasa.seen == [(sender, "你好")]
    assert desk.open_ticket(sender) is None and desk.updates_for(sender) == []


def test_a_queued_citizen_reaches_the_desk_and_hears_the_queue(desk: Desk) -> None:
    ahead = new_sender()
    desk.request_handoff(ahead, "web", {}, "asked")
    sender = new_sender()
    ticket = desk.request_handoff(sender, "wechat", {}, "asked")
    paused = Rasa()
    said = turn(paused, sender, "我下周要出国，比较急")
    assert len(said) == 1 and (match := QUEUED_STATUS.fullmatch(said[0])), said
    assert match.group(1) == "2"  # behind the other person
    assert paused.seen == [(sender, "我下周要出国，比较急")]  # Rasa still logs it
    _, _, history = desk.history(ticket.id)
    assert [(m.who, m.text) for m in history if m.who == "citizen"] == [("citizen", "我下周要出国，比较急")]


def test_a_served_citizen_hears_that_the_agent_has_it(desk: Desk, agent: User) -> None:
    sender = new_sender()
    ticket = desk.request_handoff(sender, "wechat", {}, "asked")
    desk.agent_take(ticket.id, agent)
    assert turn(Rasa(), sender, "还在吗") == [messages.HANDOFF_TAKEN]
    assert any(m.who == "citizen" and m.text == "还在吗" for m in desk.history(ticket.id)[2])


def test_what_rasa_says_while_paused_is_not_replaced(desk: Desk) -> None:
    sender = new_sender()
    desk.request_handoff(sender, "wechat", {}, "asked")
    assert turn(Rasa(answer="好的，我们重新开始。"), sender, "/restart") == ["好的，我们重新开始。"]


def test_a_failed_turn_during_a_handoff_still_gets_the_status(desk: Desk) -> None:
    sender = new_sender()
    desk.request_handoff(sender, "wechat", {}, "asked")
    said = turn(Rasa(fail=True), sender, "在吗")
    assert len(said) == 1 and QUEUED_STATUS.fullmatch(said[0])


def test_a_failed_turn_without_a_handoff_is_the_channels_to_handle(desk: Desk) -> None:
    with pytest.raises(RuntimeError):
        turn(Rasa(fail=True), new_sender(), "你好")


def test_a_broken_desk_never_costs_the_message_to_rasa(desk: Desk) -> None:
    sender = new_sender()
    desk.request_handoff(sender, "wechat", {}, "asked")
    with desk.engine.begin() as conn:  # the desk's database loses its table: every desk call fails
        conn.execute(text("DROP TABLE console_handoffs"))
    rasa = Rasa(answer="请问您要办什么事？")
    assert turn(rasa, sender, "护照怎么办") == ["请问您要办什么事？"]
    assert rasa.seen == [(sender, "护照怎么办")]
