"""The citizen chat page and the hotline console in headless Chromium (Debian's), driven by Playwright, served by
the real edge in front of the real stack (Rasa, action server, catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.conftest import Stack
from tests.e2e.stack import free_port
from tests.web.pagecheck import send, wait_for_reply
from tests.web.servers import start_edge


@pytest.fixture(scope="module")
def web_url(stack: Stack) -> str:
    """The pages as citizens get them: from the stack's edge, which forwards chat to the stack's Rasa.

    A question first warms the stack up (the edge's masking, Rasa and the action server's catalog load lazily), so
    that a busy machine does not push the page's first message past its 35-second limit.
    """
    stack.chat().say("身份证丢了怎么补办", timeout=180)  # straight to Rasa: no 30-second limit of the edge's
    warm = requests.post(f"{stack.edge_url}/webhooks/rest/webhook", timeout=180,
                         json={"sender": "web-warm-up", "message": "你好"})
    assert warm.status_code == 200, warm.text
    return stack.edge_url + "/"


@pytest.fixture()
def dead_upstream_url(tmp_path: Path) -> Iterator[str]:
    """A second edge whose Rasa is a free port with nothing listening."""
    edge = start_edge(tmp_path, f"http://127.0.0.1:{free_port()}", "edge-down")
    yield edge.ready_url
    edge.stop()


def test_a_conversation_ends_in_a_structured_guide(page: Page, web_url: str, stack: Stack, tmp_path: Path) -> None:
    page.goto(web_url)
    expect(page.locator("li.bot").first).to_contain_text("一次办")
    before = page.locator("li.bot").count()
    send(page, "身份证丢了怎么补办")
    wait_for_reply(page, before)
    for _ in range(6):
        if page.locator("li.bot", has_text="需要准备的材料").count():
            break
        last = page.locator("li.bot").last
        before = page.locator("li.bot").count()
        if "哪个市" in last.inner_text():
            send(page, "杭州市余杭区")
        else:
            last.locator(".buttons button").first.click()
        wait_for_reply(page, before)
    answer = page.locator("li.bot", has_text="需要准备的材料").last
    expect(answer).to_be_visible()
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    # The real bot sends the guide's structure after its text (onevisit.guide); the page shows it as a card.
    card = answer.locator("article.guide")
    assert card.count() == 1, "no structured guide: the stack sent the guide as text only (no onevisit.guide message)"
    expect(card.locator(".checklist .material-name", has_text="居民身份证相片")).to_have_count(1)
    assert card.locator(".checklist input[type=checkbox]").count() >= 1
    expect(card.locator(".guide-office")).to_contain_text("余杭")
    labels = card.locator(".guide-facts dt").all_inner_texts()
    assert "收费" in labels and "跑动次数" in labels, labels
    expect(answer.locator(".buttons button").first).to_be_enabled()
    assert page.locator("li.user").count() >= 2
    # The first question's buttons were retired once it was answered; the guide's follow-ups still work.
    first_question = page.locator("li.bot:has(button.reply-button)").first
    assert first_question.locator("button.reply-button").count() >= 1
    assert first_question.locator("button.reply-button:enabled").count() == 0


def test_server_down_shows_a_clear_message_and_keeps_the_text(page: Page, dead_upstream_url: str) -> None:
    page.goto(dead_upstream_url)
    send(page, "公积金怎么取")
    expect(page.locator("#status")).to_be_visible(timeout=20000)
    expect(page.locator("#status")).to_contain_text("暂时不可用")
    expect(page.locator("#status")).to_contain_text("12345")
    assert page.input_value("#text") == "公积金怎么取"
    expect(page.locator("li.bot").last).to_contain_text("没有发送成功")
