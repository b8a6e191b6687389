"""Every page, in normal and 关怀 modes, after a structured answer: no serious or critical axe-core violations, and
at 360 px and 1280 px wide no horizontal scrolling and nothing cut off (screenshots kept in tmp_path). The staff
pages (console, maintainers' page) are checked on the console service, logged in, with a ticket and a guide open."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Frame, Page, expect

from tests.conftest import Stack
from tests.web.pagecheck import (
    assert_accessible_at_widths,
    assert_fits,
    axe_violations,
    open_widget,
    set_care,
    show_guide,
)
from tests.web.servers import HostSite
from tests.web.staff import Desk, log_in, start_desk, until

WIDTHS = (360, 1280)
CASES = [("chat", "off"), ("chat", "on"), ("chat", "large"), ("widget", "off"), ("widget", "on"),
         ("widget", "large")]
STAFF_PAGES = ("console", "maintain")
AGENT, MAINTAINER = "axe-agent", "axe-maintainer"


def prepare(page: Page, where: str, level: str, fake_edge: str, host_site: HostSite) -> list[Page | Frame]:
    """Open the page, set the mode, show a structured answer; return the documents to check."""
    if where == "widget":
        frame = open_widget(page, host_site.url)
        set_care(frame, level)
        show_guide(frame)
        return [page, frame]
    page.goto(fake_edge)
    set_care(page, level)
    show_guide(page)
    return [page]


@pytest.mark.parametrize(("where", "level"), CASES, ids=[f"{w}-{c}" for w, c in CASES])
def test_accessible_and_fits_small_and_large_screens(open_page: Callable[..., Page], fake_edge: str,
                                                     host_site: HostSite, tmp_path: Path, where: str,
                                                     level: str) -> None:
    # bypass_csp lets add_script_tag inject axe-core into the pages, whose policy forbids inline scripts;
    # it does not lift frame-ancestors (the widget's tests check that the iframe really loads).
    page = open_page(bypass_csp=True, viewport={"width": WIDTHS[-1], "height": 900})
    documents = prepare(page, where, level, fake_edge, host_site)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for document in documents:
            label = f"{where} ({level}) at {width}px, {document.url}"
            violations = axe_violations(document)
            assert not violations, f"{label}: {violations}"
            assert_fits(document, label)
        page.screenshot(path=str(tmp_path / f"{where}-{level}-{width}.png"), full_page=True)


@pytest.fixture(scope="module")
def desk(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The console service on the real stack, with an agent and a maintainer."""
    found = start_desk(stack, tmp_path_factory.mktemp("axe-desk"),
                       {AGENT: ("agent", "赵坐席"), MAINTAINER: ("maintainer", "维护员")})
    yield found
    found.service.stop()


def open_ticket(page: Page, stack: Stack, desk: Desk) -> None:
    """A citizen asks for a person through the edge; the agent opens that ticket and a guide in the side panel."""
    sender = f"axe-{uuid.uuid4().hex[:10]}"
    for text in ("我的护照过期了要换一本", "转人工"):
        said = requests.post(stack.edge_url + "/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=60)
        assert said.status_code == 200, said.text
    log_in(page, desk.url + "/console.html", AGENT)

    def newest() -> int | None:
        tickets = desk.get(AGENT, "/api/queue")["tickets"]
        return max((t["id"] for t in tickets if t["status"] == "queued"), default=None)
    ticket = until(newest, timeout=20)
    page.get_by_role("button", name=f"打开工单 {ticket}", exact=True).click()
    expect(page.locator("#turns")).to_contain_text("护照过期了")
    page.get_by_label("事项名称或群众的说法").fill("护照")
    page.get_by_role("button", name="搜索事项").click()
    page.locator("#affairs .pick-affair").first.click()
    expect(page.locator("#guide-result .copy-script")).to_be_visible()
    expect(page.locator("#guide-questions select").first).to_be_visible()


@pytest.mark.parametrize("where", STAFF_PAGES)
def test_staff_pages_accessible_and_fit(open_page: Callable[..., Page], stack: Stack, desk: Desk, tmp_path: Path,
                                        where: str) -> None:
    page = open_page(bypass_csp=True, viewport={"width": WIDTHS[-1], "height": 900})
    if where == "console":
        open_ticket(page, stack, desk)
    else:  # a question the assistant does not understand, so that the page shows its placing controls
        said = requests.post(stack.edge_url + "/webhooks/rest/webhook", timeout=60,
                             json={"sender": f"axe-{uuid.uuid4().hex[:10]}", "message": "怎么注销手机号"})
        assert said.status_code == 200, said.text
        log_in(page, desk.url + "/maintain.html", MAINTAINER)
        page.get_by_role("button", name="刷新统计").click()
        expect(page.locator("#refresh-status")).to_contain_text("已刷新", timeout=30000)
        expect(page.locator("#levels tbody tr")).to_have_count(5)
        expect(page.locator("#unresolved .assign").first).to_be_visible()
    assert_accessible_at_widths(page, WIDTHS, where, tmp_path)
