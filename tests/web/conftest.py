"""Fixtures for the browser tests: Debian's Chromium through Playwright, the real edge in front of a loopback fake
Rasa (or of the real stack), and a separate "site owner's" page that embeds the widget from another origin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.web.fake_rasa import FakeRasa
from tests.web.servers import CHROMIUM, CHROMIUM_ARGS, GENEROUS, HostSite, start_edge


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: make test installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (own storage), pages' security policies enforced."""
    context = browser.new_context(locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.fixture()
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages with context options (viewport, permissions, bypass_csp for injecting axe-core)."""
    contexts = []

    def make(**options: object) -> Page:
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[FakeRasa]:
    """The loopback stand-in for Rasa, with the canned conversation."""
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def fake_edge(tmp_path_factory: pytest.TempPathFactory, fake_rasa: FakeRasa) -> Iterator[str]:
    """The real edge in front of the fake Rasa (limits raised so that many tests can share it); URL ends in /."""
    edge = start_edge(tmp_path_factory.mktemp("edge"), fake_rasa.url, "edge-fake", **GENEROUS)
    yield edge.ready_url
    edge.stop()


@pytest.fixture(scope="module")
def host_site(fake_edge: str) -> Iterator[HostSite]:
    """The widget's test host page, embedding the widget from the fake edge."""
    site = HostSite(fake_edge)
    yield site
    site.stop()
