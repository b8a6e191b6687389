"""The embeddable widget on a site owner's page (another origin): where it sends, how it opens and closes."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.fake_rasa import FakeRasa
from tests.web.pagecheck import open_widget, say, set_care, show_guide
from tests.web.servers import GENEROUS, HostSite, start_edge


def test_the_widget_sends_to_its_data_server_whatever_the_address_says(
        page: Page, host_site: HostSite, fake_edge: str, fake_rasa: FakeRasa, tmp_path: Path) -> None:
    decoy = FakeRasa().start()
    decoy_edge = start_edge(tmp_path, decoy.url, "edge-decoy", **GENEROUS)
    try:
        frame = open_widget(page, f"{host_site.url}?server={decoy_edge.ready_url}&data-server={decoy_edge.ready_url}")
        assert frame.url == f"{fake_edge}index.html"
        say(frame, "挂件里的问题")
        show_guide(frame)
        senders = {r["sender"] for r in fake_rasa.requests() if r["message"] == "挂件里的问题"}
        assert len(senders) == 1
        assert fake_rasa.messages_from(senders.pop()) == ["挂件里的问题", "给我指南"]
        assert decoy.requests() == []
    finally:
        decoy_edge.stop()
        decoy.stop()


def test_without_data_server_the_widget_uses_its_scripts_origin(page: Page, host_site: HostSite,
                                                               fake_edge: str) -> None:
    frame = open_widget(page, f"{host_site.url}default.html")
    assert frame.url == f"{fake_edge}index.html"


def test_the_launcher_opens_and_closes_the_panel(page: Page, host_site: HostSite) -> None:
    page.clock.install()
    page.goto(host_site.url)
    widget = page.locator("[data-onevisit-widget]")
    launcher = widget.locator("button.launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(widget.locator("iframe")).to_have_count(0)  # nothing loads until someone asks
    # The host page's own broad rules (9px yellow buttons) do not reach into the widget.
    assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "18px"
    box = launcher.bounding_box()
    assert box and box["width"] >= 60 and box["height"] >= 60
    frame = open_widget(page, host_site.url)
    launcher = widget.locator("button.launcher")
    expect(launcher).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    close = widget.locator("button.close")
    expect(close).to_be_focused()
    assert frame.title() == "一次办 · 浙江政务服务助手"
    page.clock.run_for(20_000)  # the page said it is there: no "did not open" notice, however long it stays
    expect(widget.locator(".notice")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(widget.locator(".panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    launcher.click()
    close.click()
    expect(widget.locator(".panel")).to_be_hidden()
    expect(widget.locator("iframe")).to_have_count(1)


def test_the_widget_remembers_care_mode_on_the_host_site(page: Page, host_site: HostSite) -> None:
    # The test browser, like a private window, gives the third-party iframe no storage: the host page keeps it.
    frame = open_widget(page, host_site.url)
    set_care(frame, "large")
    page.reload()
    frame = open_widget(page, host_site.url)
    expect(frame.locator("#care-large")).to_have_attribute("aria-pressed", "true")
    expect(frame.locator("html")).to_have_class(re.compile(r"(^|\s)care-large(\s|$)"))
    set_care(frame, "off")
    frame = open_widget(page, host_site.url)
    expect(frame.locator("#care")).to_have_attribute("aria-pressed", "false")


def test_a_panel_that_cannot_open_offers_another_way(page: Page, fake_rasa: FakeRasa, tmp_path: Path) -> None:
    # This edge allows no site to embed its chat page, so the iframe stays empty.
    edge = start_edge(tmp_path, fake_rasa.url, "edge-no-embedding", WIDGET_ORIGINS="", **GENEROUS)
    site = HostSite(edge.ready_url)
    try:
        page.clock.install()
        page.goto(site.url)
        widget = page.locator("[data-onevisit-widget]")
        widget.locator("button.launcher").click()
        notice = widget.locator(".notice")
        expect(notice).to_be_hidden()
        page.clock.run_for(20_000)
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("12345")
        expect(notice.locator("a")).to_have_attribute("href", f"{edge.ready_url}index.html")
    finally:
        site.stop()
        edge.stop()
