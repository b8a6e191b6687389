"""Every page, in normal and 关怀 modes, after a structured answer: no serious or critical axe-core violations, and
at 360 px and 1280 px wide no horizontal scrolling and nothing cut off (screenshots kept in tmp_path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.web.pagecheck import assert_fits, axe_violations, open_widget, say, set_care, show_guide
from tests.web.servers import HostSite

WIDTHS = (360, 1280)
CASES = [("chat", "off"), ("chat", "on"), ("chat", "large"), ("widget", "off"), ("widget", "on"),
         ("widget", "large"), ("console", "off")]


def prepare(page: Page, where: str, level: str, fake_edge: str, host_site: HostSite) -> list[Page | Frame]:
    """Open the page, set the mode, show a structured answer; return the documents to check."""
    if where == "console":  # the console has no 关怀模式 and shows the guide as copyable text
        page.goto(f"{fake_edge}console.html")
        say(page, "给我指南")
        expect(page.locator("li.bot .copy")).to_have_count(1)
        return [page]
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
