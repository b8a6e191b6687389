"""The citizen chat page in headless Chromium (Debian's), driven by Playwright, served by the real edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import Stack
from tests.e2e.stack import base_env, edge_server, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def web_url(stack: Stack) -> str:
    """The pages as citizens get them: from the stack's edge, which forwards chat to the stack's Rasa."""
    return stack.edge_url + "/"


@pytest.fixture()
def dead_upstream_url(tmp_path: Path) -> Iterator[str]:
    """A second edge whose Rasa is a free port with nothing listening."""
    edge = edge_server(tmp_path, base_env(tmp_path), f"http://127.0.0.1:{free_port()}", name="edge-down")
    edge.start(timeout=60)
    yield edge.ready_url
    edge.stop()


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[Page]:
    """A fresh headless Chromium page."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: make test installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        yield context.new_page()
        browser.close()


def send(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def wait_for_reply(page: Page, before: int) -> None:
    """Wait until the bot has said something new."""
    expect(page.locator("li.bot")).not_to_have_count(before, timeout=30000)


def test_a_conversation_with_clickable_buttons(page: Page, web_url: str, stack: Stack, tmp_path: Path) -> None:
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
    guide = page.locator("li.bot", has_text="需要准备的材料").last.inner_text()
    for expected in ("居民身份证相片", "办理地点", "收费", "跑动次数"):
        assert expected in guide
    assert page.locator("li.user").count() >= 2
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)


def test_server_down_shows_a_clear_message_and_keeps_the_text(page: Page, dead_upstream_url: str) -> None:
    page.goto(dead_upstream_url)
    send(page, "公积金怎么取")
    expect(page.locator("#status")).to_be_visible(timeout=20000)
    expect(page.locator("#status")).to_contain_text("暂时不可用")
    expect(page.locator("#status")).to_contain_text("12345")
    assert page.input_value("#text") == "公积金怎么取"
    expect(page.locator("li.bot").last).to_contain_text("没有发送成功")


def test_hotline_console_guides_a_call(page: Page, web_url: str, stack: Stack) -> None:
    page.goto(f"{web_url}console.html")
    first_call = page.locator("#call-id").inner_text()
    before = page.locator("li.bot").count()
    page.select_option("#district", "宁波市")
    wait_for_reply(page, before)
    before = page.locator("li.bot").count()
    send(page, "补办驾驶证要多少钱")
    wait_for_reply(page, before)
    assert "收费" in page.locator("li.bot").last.inner_text()
    before = page.locator("li.bot").count()
    page.click(".quick button[data-payload='/ask_office']")
    wait_for_reply(page, before)
    office = page.locator("li.bot").last.inner_text()
    assert "宁波" in office and "办理地点" in office
    page.locator("li.bot").last.locator(".copy").click()
    expect(page.locator("li.bot").last.locator(".copy")).to_have_text("已复制")
    page.click("#new-call")
    assert page.locator("#call-id").inner_text() != first_call
    assert page.locator("li.user").count() == 0
