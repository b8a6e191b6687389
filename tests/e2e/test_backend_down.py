"""With the case-status backend stopped, the person still gets an answer within 3 seconds."""

from __future__ import annotations

import time

from tests.conftest import Stack


def test_backend_down_answers_fast_and_the_conversation_goes_on(stack: Stack) -> None:
    stack.backend.stop()
    try:
        chat = stack.chat()
        chat.say("我的业务办到哪一步了")
        chat.say("ZJ2026330106000101")
        started = time.monotonic()
        answer = chat.text("2481")
        elapsed = time.monotonic() - started
        assert elapsed < 3.0, f"answered after {elapsed:.1f} s"
        assert "12345" in answer and "浙里办" in answer
        assert "Traceback" not in answer and "Error" not in answer
        reply = chat.say("我想办护照")
        texts = [m.get("text", "") for m in reply]
        assert any("【普通护照签发】" in t for t in texts), f"the conversation did not go on after the fault: {texts}"
        assert "？" in texts[-1], texts  # and asks what it needs next
    finally:
        stack.backend.start()
    chat = stack.chat()
    chat.say("查一下办件进度")
    chat.say("ZJ2026330106000101")
    deadline = time.monotonic() + 10
    answer = chat.text("2481")
    while "已受理" not in answer and time.monotonic() < deadline:
        time.sleep(1)
        chat.say("查一下办件进度")
        chat.say("ZJ2026330106000101")
        answer = chat.text("2481")
    assert "已受理" in answer, answer
