"""What the browser tests measure on a page: axe-core violations, layout overflow, 关怀模式 sizes; and small helpers
for driving the chat."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page, expect

from tests.e2e.stack import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"], iframes: false});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""

# Every visible element (open shadow roots included) must lie within the viewport horizontally.
LAYOUT = """() => {
  const width = window.innerWidth;
  const outside = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") continue;
      if (box.left < -1 || box.right > width + 1) {
        outside.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
      }
    }
  };
  visit(document);
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width, outside: outside.slice(0, 10)};
}"""

# 关怀模式: every visible piece of text in `root` at least `min` px with line height >= 1.3x; every control >= 60x60.
CARE = """([selector, min]) => {
  const root = document.querySelector(selector);
  const small = [], tight = [], targets = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const name = (el) => {
    const text = (el.textContent || el.value || "").trim().slice(0, 12);
    return `${el.tagName.toLowerCase()}.${el.className}「${text}」`;
  };
  let texts = 0;
  for (const el of root.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!(own || el.matches("input:not([type=checkbox]), button")) || !visible(el)) continue;
    texts += 1;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const line = style.lineHeight === "normal" ? size * 1.2 : parseFloat(style.lineHeight);
    if (size < min) small.push(`${name(el)} ${size}px`);
    if (line < size * 1.3 - 0.01) tight.push(`${name(el)} ${line}/${size}`);
  }
  let controls = 0;
  for (const el of root.querySelectorAll("button, a[href], input[type=text], input:not([type]), .checklist label")) {
    if (!visible(el)) continue;
    controls += 1;
    const box = el.getBoundingClientRect();
    const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
    if (box.width < 60 || box.height < 60) targets.push(`${name(el)} ${size}`);
  }
  return {texts, controls, small: small.slice(0, 10), tight: tight.slice(0, 10), targets: targets.slice(0, 10)};
}"""


def axe_violations(frame: Page | Frame) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations in this page or frame (axe injected with add_script_tag)."""
    assert AXE.exists(), "node_modules/axe-core is missing: run `make web-deps` (make test does it)"
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.add_script_tag(path=str(AXE))
    return [v for v in frame.evaluate(AXE_RUN) if v["impact"] in BLOCKING]


def layout(frame: Page | Frame) -> dict[str, Any]:
    """Horizontal scroll width, viewport width and the visible elements that stick out."""
    return frame.evaluate(LAYOUT)


def assert_fits(frame: Page | Frame, what: str) -> None:
    """No horizontal scrolling and nothing cut off at the sides."""
    result = layout(frame)
    assert result["scrollWidth"] <= result["innerWidth"], f"{what}: horizontal scroll {result}"
    assert not result["outside"], f"{what}: cut off at the sides: {result['outside']}"


def assert_accessible_at_widths(page: Page, widths: Iterable[int], what: str, shots: Path) -> None:
    """At each width: no serious axe violation, nothing cut off; a full-page screenshot into `shots`."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        label = f"{what} at {width}px"
        violations = axe_violations(page)
        assert not violations, f"{label}: {violations}"
        assert_fits(page, label)
        page.screenshot(path=str(shots / f"{what.replace(' ', '-')}-{width}.png"), full_page=True)


def care_report(frame: Page | Frame, selector: str, min_px: float) -> dict[str, Any]:
    """Text sizes, line heights and target sizes in `selector` measured against 关怀模式's rules."""
    return frame.evaluate(CARE, [selector, min_px])


def open_widget(page: Page, url: str) -> Frame:
    """Open the host page at `url`, press the widget's launcher and return the chat page inside its iframe."""
    page.goto(url)
    page.locator("[data-onevisit-widget] button.launcher").click()
    frame_element = page.locator("[data-onevisit-widget] iframe")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    assert not frame.url.startswith("chrome-error:"), (
        "the chat page did not load in the widget's iframe: the edge refuses to be framed (its "
        "Content-Security-Policy says frame-ancestors 'none' for index.html); see WIDGET_ORIGINS")
    expect(frame.locator("li.bot").first).to_be_visible()
    return frame


def send(frame: Page | Frame, text: str) -> None:
    """Type `text` and press 发送."""
    frame.fill("#text", text)
    frame.click("#send")


def wait_for_reply(frame: Page | Frame, before: int) -> None:
    """Wait until the bot has said something new."""
    expect(frame.locator("li.bot")).not_to_have_count(before, timeout=30000)


def say(frame: Page | Frame, text: str) -> None:
    """Send `text` and wait for the answer (or the failure notice)."""
    before = frame.locator("li.bot").count()
    send(frame, text)
    wait_for_reply(frame, before)


def show_guide(frame: Page | Frame) -> None:
    """Ask the fake Rasa for the full guide and wait for the card."""
    say(frame, "给我指南")
    expect(frame.locator("article.guide")).to_be_visible()


def set_care(frame: Page | Frame, level: str) -> None:
    """Switch 关怀模式 with the page's own buttons: "off", "on" or "large"."""
    toggle = frame.locator("#care")
    if (toggle.get_attribute("aria-pressed") == "true") != (level != "off"):
        toggle.click()
    larger = frame.locator("#care-large")
    if level != "off" and (larger.get_attribute("aria-pressed") == "true") != (level == "large"):
        larger.click()
    root = frame.locator("html")
    for name, wanted in (("care", level != "off"), ("care-large", level == "large")):
        pattern = re.compile(rf"(^|\s){name}(\s|$)")
        if wanted:
            expect(root).to_have_class(pattern)
        else:
            expect(root).not_to_have_class(pattern)


def screenshot(page: Page, path: Path) -> None:
    """A full-page picture for people to look at."""
    page.screenshot(path=str(path), full_page=True)
