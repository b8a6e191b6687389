"""Failed case verifications are counted per person, so /restart does not reset the lock (issue 11)."""

from __future__ import annotations

import uuid

from tests.conftest import Stack
from tests.e2e.stack import Chat


def test_the_lock_survives_restart_and_spares_the_owner(stack: Stack) -> None:
    sender = f"e2e-guesser-{uuid.uuid4().hex[:8]}"
    chat = Chat(stack.rasa_url, sender)
    chat.say("查一下办件进度")
    chat.say("ZJ2026330302000104")
    assert "还可以尝试 2 次" in chat.text("0000")
    assert "还可以尝试 1 次" in chat.text("0001")  # only the factor was asked again
    assert "暂停查询这个受理编号" in chat.text("0002")
    chat.say("/restart")
    chat.say("查一下办件进度")
    assert "暂停查询" in chat.text("ZJ2026330302000104")  # no factor is even asked for
    owner = Chat(stack.rasa_url, f"e2e-owner-{uuid.uuid4().hex[:8]}")
    owner.say("查一下办件进度")
    owner.say("ZJ2026330302000104")
    assert "已办结" in owner.text("7014")
