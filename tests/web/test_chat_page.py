"""The citizen chat page in headless Chromium (Debian's), driven by Playwright, against the real stack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import Stack
from tests.e2e.stack import ROOT, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files from web/, without request logs."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        return


@pytest.fixture(scope="module")
def web_url() -> Iterator[str]:
    """Serve web/ on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                 partial(QuietHandler, directory=str(ROOT / "web")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


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
    page.goto(f"{web_url}?server={stack.rasa_url}")
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


def test_server_down_shows_a_clear_message_and_keeps_the_text(page: Page, web_url: str) -> None:
    page.goto(f"{web_url}?server=http://127.0.0.1:{free_port()}")
    send(page, "公积金怎么取")
    expect(page.locator("#status")).to_be_visible(timeout=20000)
    expect(page.locator("#status")).to_contain_text("12345")
    assert page.input_value("#text") == "公积金怎么取"


def test_hotline_console_guides_a_call(page: Page, web_url: str, stack: Stack) -> None:
    page.goto(f"{web_url}console.html?server={stack.rasa_url}")
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
