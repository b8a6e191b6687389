"""The chat page's conversation handling through the real edge: stale buttons, 新对话, and honest failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.web.fake_rasa import FakeRasa
from tests.web.pagecheck import say, send, wait_for_reply
from tests.web.servers import GENEROUS, start_edge

SENDER = "localStorage.getItem('onevisit-sender')"


@pytest.fixture(scope="module")
def strict_edge(tmp_path_factory: pytest.TempPathFactory, fake_rasa: FakeRasa) -> Iterator[str]:
    """An edge that lets each sender send two messages a minute."""
    edge = start_edge(tmp_path_factory.mktemp("strict"), fake_rasa.url, "edge-strict",
                      EDGE_RATE_PER_SENDER="2/minute", EDGE_RATE_PER_CLIENT="1000/minute")
    yield edge.ready_url
    edge.stop()


def last_bot(page: Page) -> Locator:
    """The bot message now last, pinned by its position (a plain .last would move on to later messages)."""
    return page.locator("li.bot").nth(page.locator("li.bot").count() - 1)


def test_earlier_buttons_cannot_answer_a_later_question(page: Page, fake_edge: str, fake_rasa: FakeRasa) -> None:
    page.goto(fake_edge)
    say(page, "身份证丢了怎么补办")
    first = last_bot(page).locator(".buttons button")
    expect(first).to_have_text(["已满16周岁", "未满16周岁"])
    for button in first.all():
        expect(button).to_be_enabled()
    before = page.locator("li.bot").count()
    first.first.click()
    wait_for_reply(page, before)
    second = last_bot(page).locator(".buttons button")
    expect(second).to_have_text(["杭州市余杭区", "宁波市海曙区"])
    for button in first.all():
        expect(button).to_be_disabled()
    expect(first.first).to_have_class("reply-button chosen")
    # Typing the answer to the second question retires its buttons too.
    say(page, "杭州市余杭区")
    expect(page.locator("article.guide")).to_be_visible()
    for button in second.all():
        expect(button).to_be_disabled()
    expect(page.locator("li.bot").last.locator(".buttons button").first).to_be_enabled()
    first.nth(1).click(force=True)  # a disabled button sends nothing
    second.nth(1).click(force=True)
    say(page, "再问一句")  # anything the disabled buttons had sent would have arrived before this
    sender = page.evaluate(SENDER)
    assert fake_rasa.messages_from(sender) == ["身份证丢了怎么补办", "已满16周岁", "杭州市余杭区", "再问一句"]
    expect(page.locator("li.user")).to_have_count(4)


def test_a_failed_button_press_can_be_pressed_again(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    say(page, "按钮会出错")
    button = last_bot(page).locator(".buttons button")
    before = page.locator("li.bot").count()
    button.click()
    wait_for_reply(page, before)
    expect(page.locator("li.bot.failure").last).to_contain_text("请稍后再点一次")
    expect(button).to_be_enabled()
    assert page.input_value("#text") == ""  # a button's payload is not the person's words


def test_new_conversation_starts_a_new_sender_and_clears_the_screen(page: Page, fake_edge: str,
                                                                   fake_rasa: FakeRasa) -> None:
    page.goto(fake_edge)
    say(page, "给我指南")
    old = page.evaluate(SENDER)
    page.fill("#text", "还没发出去的话")
    send(page, "慢一点")  # still on its way when 新对话 is pressed: its answer must not appear
    with page.expect_event("requestfailed"):
        page.click("#new-chat")
    new = page.evaluate(SENDER)
    assert new and new != old
    expect(page.locator("li.user")).to_have_count(0)
    expect(page.locator("article.guide")).to_have_count(0)
    expect(page.locator("li.bot")).to_have_count(1)  # the greeting only
    assert page.input_value("#text") == ""
    say(page, "新的问题")
    expect(page.locator("li.bot .bubble").last).to_have_text("您说的是：新的问题")
    expect(page.locator("li.bot", has_text="慢一点")).to_have_count(0)
    assert fake_rasa.messages_from(old)[-1] == "/restart"
    assert fake_rasa.messages_from(new) == ["新的问题"]


def failure_shown(page: Page, text: str, status_words: list[str], notice: str) -> None:
    """Send `text`; the status says what went wrong, a notice says so, and the text is back in the input."""
    before = page.locator("li.bot").count()
    send(page, text)
    wait_for_reply(page, before)
    status = page.locator("#status")
    expect(status).to_be_visible()
    for words in status_words:
        expect(status).to_contain_text(words)
    expect(page.locator("li.bot").last).to_contain_text(notice)
    assert page.input_value("#text") == text
    expect(page.locator("#send")).to_be_enabled()


def test_an_empty_reply_is_a_failure_not_an_answer(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    failure_shown(page, "空回复", ["请再发一次", "12345"], "没有发送成功")  # the edge's 503 for a failed turn
    expect(page.locator("li.bot", has_text="收到。您还可以继续提问。")).to_have_count(0)


def test_a_server_error_is_explained(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)  # the fake Rasa answers 500; the edge turns that into 503 with its explanation
    failure_shown(page, "服务出错", ["暂时不可用", "12345"], "没有发送成功")


def test_too_many_messages_says_how_long_to_wait(page: Page, strict_edge: str) -> None:
    page.goto(strict_edge)
    say(page, "第一句")
    say(page, "第二句")
    with page.expect_response(lambda r: r.url.endswith("/webhooks/rest/webhook")) as answer:
        failure_shown(page, "第三句", ["请稍等"], "没有发送成功")
    assert answer.value.status == 429
    seconds = answer.value.headers["retry-after"]
    expect(page.locator("#status")).to_contain_text(f"{seconds} 秒")


def test_a_message_too_large_for_a_proxy_is_explained(page: Page, fake_edge: str) -> None:
    # The edge itself answers 400 for oversized bodies; a 413 comes from a proxy in front of it (nginx's
    # client_max_body_size), which this test cannot put there: the answer is stood in for.
    def too_large(route: Route) -> None:
        route.fulfill(status=413, content_type="text/html", body="<html><body>413</body></html>")

    page.route("**/webhooks/rest/webhook", too_large)
    page.goto(fake_edge)
    failure_shown(page, "一段很长的话", ["太长", "分几句"], "没有发送成功")


def test_losing_the_connection_is_explained(page: Page, tmp_path: Path, fake_rasa: FakeRasa) -> None:
    edge = start_edge(tmp_path, fake_rasa.url, "edge-lost", **GENEROUS)
    try:
        page.goto(edge.ready_url)
    finally:
        edge.stop()
    failure_shown(page, "公积金怎么取", ["网络连接不上", "12345"], "没有发送成功")


def test_no_answer_in_time_is_explained(page: Page, fake_edge: str) -> None:
    page.clock.install()
    page.goto(fake_edge)
    before = page.locator("li.bot").count()
    with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook")):
        send(page, "慢一点")
    page.clock.run_for(36_000)  # past the page's 35-second limit, without waiting that long
    wait_for_reply(page, before)
    expect(page.locator("#status")).to_contain_text("等了很久")
    assert page.input_value("#text") == "慢一点"


def test_the_page_ignores_a_server_in_its_address(page: Page, fake_edge: str, fake_rasa: FakeRasa,
                                                  tmp_path: Path) -> None:
    decoy = FakeRasa().start()
    decoy_edge = start_edge(tmp_path, decoy.url, "edge-decoy", **GENEROUS)
    try:
        page.goto(f"{fake_edge}?server={decoy_edge.ready_url}&rasa={decoy.url}")
        say(page, "发往哪里")
        sender = page.evaluate(SENDER)
        assert fake_rasa.messages_from(sender) == ["发往哪里"]
        assert decoy.requests() == []
    finally:
        decoy_edge.stop()
        decoy.stop()


def test_request_bodies_carry_only_sender_and_message(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook")) as request:
        say(page, "你好")
    body = json.loads(request.value.post_data or "{}")
    assert set(body) == {"sender", "message"} and body["message"] == "你好"
    assert request.value.url == f"{fake_edge}webhooks/rest/webhook"
