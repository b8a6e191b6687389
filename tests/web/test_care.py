"""关怀模式 (elderly-friendly mode) on the chat page: sizes, targets, persistence, reading aloud and voice input."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.web.fake_rasa import GUIDE
from tests.web.pagecheck import care_report, set_care, show_guide

# Speech cannot be heard or spoken in a headless browser: these stand in for the device, recording what the page
# asks of it. The page's own code is what is tested.
SPEECH_SPY = """window.spoken = [];
window.speechSynthesis.speak = (u) => { window.spoken.push({text: u.text, lang: u.lang}); window.utterance = u; };
window.speechSynthesis.cancel = () => {
  if (window.utterance) { window.utterance.onend(); window.utterance = null; }
};"""
NO_SPEECH = """Object.defineProperty(window, "speechSynthesis", {value: undefined, configurable: true});
Object.defineProperty(window, "SpeechRecognition", {value: undefined, configurable: true});
Object.defineProperty(window, "webkitSpeechRecognition", {value: undefined, configurable: true});"""
HEARD = "公积金怎么取"
FAKE_RECOGNITION = """window.SpeechRecognition = window.webkitSpeechRecognition = class {
  start() { window.listening = this.lang; setTimeout(() => {
    this.onresult({resultIndex: 0, results: [[{transcript: "HEARD"}]]}); this.onend(); }, 10); }
  stop() { this.onend(); }
};""".replace("HEARD", HEARD)


def assert_care_rules(page: Page, min_px: float) -> None:
    report = care_report(page, "main", min_px)
    assert report["texts"] > 20 and report["controls"] > 5, report
    assert not report["small"], f"text smaller than {min_px}px: {report['small']}"
    assert not report["tight"], f"line height under 1.3: {report['tight']}"
    assert not report["targets"], f"targets under 60x60: {report['targets']}"


def test_care_mode_sizes_targets_and_memory(page: Page, fake_edge: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(fake_edge)
    expect(page.locator("#care")).to_be_visible()
    expect(page.locator("#care-large")).to_be_hidden()
    before = care_report(page, "main", 24)
    assert before["small"], "normal mode should differ from 关怀模式 (the check must be able to fail)"

    set_care(page, "on")
    show_guide(page)
    page.locator(".guide .checklist label").first.click()
    assert_care_rules(page, 24)
    page.reload()
    expect(page.locator("#care")).to_have_attribute("aria-pressed", "true")
    show_guide(page)
    assert_care_rules(page, 24)

    set_care(page, "large")
    assert_care_rules(page, 40)
    page.reload()
    expect(page.locator("#care-large")).to_have_attribute("aria-pressed", "true")
    show_guide(page)
    assert_care_rules(page, 40)

    set_care(page, "off")
    page.reload()
    expect(page.locator("#care")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("html")).not_to_have_class("care")
    assert not dialogs and len(page.context.pages) == 1, "关怀模式 allows no pop-ups"


def test_every_answer_can_be_read_aloud(open_page: Callable[..., Page], fake_edge: str) -> None:
    page = open_page()
    page.add_init_script(SPEECH_SPY)
    page.goto(fake_edge)
    show_guide(page)
    items = page.locator("li.bot")
    expect(page.locator("li.bot .speak")).to_have_count(items.count())
    guide = page.locator("li.bot", has=page.locator("article.guide"))
    guide.locator(".speak").click()
    expect(guide.locator(".speak")).to_have_text("停止朗读")
    spoken = page.evaluate("window.spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN"
    for words in (GUIDE["affair"]["name"], GUIDE["materials"][0]["name"], GUIDE["office"]["name"]):
        assert words in spoken[0]["text"]
    assert "https://" not in spoken[0]["text"]  # a web address is no use read aloud
    guide.locator(".speak").click()
    expect(guide.locator(".speak")).to_have_text("朗读")

    silent = open_page()
    silent.add_init_script(NO_SPEECH)
    silent.goto(fake_edge)
    expect(silent.locator("li.bot")).to_have_count(1)
    expect(silent.locator(".speak")).to_have_count(0)
    expect(silent.locator("#voice")).to_be_hidden()


def test_voice_input_fills_the_box(page: Page, fake_edge: str) -> None:
    page.add_init_script(FAKE_RECOGNITION)
    page.goto(fake_edge)
    expect(page.locator("#voice")).to_be_visible()
    page.click("#voice")
    expect(page.locator("#text")).to_have_value(HEARD)
    assert page.evaluate("window.listening") == "zh-CN"
    expect(page.locator("#voice")).to_have_text("语音输入")
