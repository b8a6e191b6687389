"""The structured full guide ("onevisit.guide" custom message) on the chat page, through the real edge in front of
the fake Rasa: the card's content, copying, printing, and falling back to the text."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.web.fake_rasa import GUIDE, GUIDE_TEXT, HOSTILE, MAP_URL
from tests.web.pagecheck import say, show_guide


def test_the_card_shows_everything_in_the_payload(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    title = page.title()
    show_guide(page)
    item = page.locator("li.bot", has=page.locator("article.guide"))
    expect(item).to_have_count(1)
    card = item.locator("article.guide")
    expect(card.locator("h2")).to_have_text(GUIDE["affair"]["name"])
    expect(card).to_contain_text(GUIDE["situation"])
    expect(card.locator(".guide-notice")).to_have_text([f"请注意：{n}" for n in GUIDE["notices"]])
    # The card replaces the text bubble; the follow-up buttons stay with it.
    expect(page.locator("li.bot .bubble", has_text="【居民身份证补领】")).to_have_count(0)
    expect(item.locator(".buttons button")).to_have_text(["要多少钱", "多久能办好", "能网上办吗", "在哪里办"])

    materials = GUIDE["materials"]
    expect(card.locator(".checklist input[type=checkbox]")).to_have_count(len(materials))
    expect(card.locator(".checklist .material-name")).to_have_text([m["name"] for m in materials])
    photo = card.locator(".checklist li").nth(1)
    expect(photo.locator(".tag")).to_have_text(["原件", "2 份", "纸质"])
    expect(photo.locator(".material-for")).to_have_text("用于：身份证、社保卡")
    expect(card.locator(".checklist li").nth(2).locator(".material-when")).to_have_text(materials[2]["needed_when"])
    card.locator(".checklist label").first.click()
    expect(card.locator(".checklist input").first).to_be_checked()

    exempt = card.locator(".guide-exempt")
    expect(exempt.locator("h3")).to_have_text("无需提供")
    expect(exempt.locator("li")).to_have_count(len(GUIDE["exempt"]))
    expect(exempt.locator(".exempt-name")).to_have_text(GUIDE["exempt"][0]["name"])
    expect(card.locator(".guide-choices dt")).to_have_text("领卡方式")
    expect(card.locator(".guide-choices dd")).to_have_text("窗口领取 / 邮寄到家")

    office = card.locator(".office-card")
    hall = GUIDE["office"]
    expect(office.locator(".office-name")).to_have_text(hall["name"])
    facts = dict(zip(office.locator("dt").all_inner_texts(), office.locator("dd").all_inner_texts(), strict=True))
    assert facts["地址"] == hall["address"] and facts["办公时间"] == hall["hours"]
    assert facts["窗口"] == hall["window"] and facts["预约"] == hall["booking"]
    assert [a.get_attribute("href") for a in office.locator("a.tel").all()] == ["tel:057186990000", "tel:12345"]
    expect(office.locator("a.map-link")).to_have_attribute("href", MAP_URL)
    expect(office.locator("a.map-link")).to_have_attribute("rel", "noopener noreferrer")
    expect(office.locator(".office-note")).to_have_text(hall["note"])

    rows = card.locator(".guide-facts dl")
    expect(rows.locator("dt")).to_have_text([r["label"] for r in GUIDE["rows"]])
    expect(rows.locator("dd")).to_have_text([r["value"] for r in GUIDE["rows"]])
    expect(card.locator(".guide-notes li")).to_have_text(GUIDE["notes"])
    expect(card.locator(".guide-bundle li")).to_have_text(GUIDE["bundle"])
    expect(card.locator(".guide-provenance")).to_have_text(GUIDE["provenance"])

    # Text from the server is text: the hostile note shows as written and runs nothing.
    expect(card.locator(".material-notes", has_text="onerror")).to_have_text(HOSTILE)
    expect(page.locator("#messages img")).to_have_count(0)
    assert page.title() == title


def test_copy_puts_a_text_version_on_the_clipboard(open_page: Callable[..., Page], fake_edge: str) -> None:
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(fake_edge)
    show_guide(page)
    page.click("article.guide .guide-copy")
    expect(page.locator("article.guide .guide-feedback")).to_contain_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    expected = [GUIDE["affair"]["name"], "需要准备的材料（4 项）", "1. 居民户口簿（原件，1 份，纸质）",
                "2. 居民身份证相片（原件，2 份，纸质）：用于：身份证、社保卡；近 6 个月内白底正面免冠照片",
                "无需提供", "户籍信息核验", "领卡方式（任选其一）：窗口领取；邮寄到家", "办理地点：余杭区民生服务中心",
                "电话：0571-86990000、12345", "地图：" + MAP_URL, GUIDE["provenance"],
                *(f"请注意：{n}" for n in GUIDE["notices"])]
    expected += [f"{r['label']}：{r['value']}" for r in GUIDE["rows"]]
    missing = [line for line in expected if line not in copied]
    assert not missing, f"missing from the copied text: {missing}\n{copied}"


def test_printing_shows_only_the_chosen_guide(page: Page, fake_edge: str) -> None:
    # The print dialog cannot be driven in a headless browser: count the calls instead of opening it.
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    page.goto(fake_edge)
    show_guide(page)
    show_guide_again = page.locator("article.guide")
    say(page, "给我指南")
    expect(show_guide_again).to_have_count(2)
    first, second = show_guide_again.nth(0), show_guide_again.nth(1)
    page.emulate_media(media="print")
    expect(second).to_be_visible()  # the newest guide is printed by default
    expect(first).to_be_hidden()
    for other in ("header", "#composer", "footer", "li.user", ".buttons", ".speak", ".guide-actions"):
        expect(page.locator(other).first).to_be_hidden()
    expect(page.locator("li.bot", has_text="您好！").first).to_be_hidden()
    expect(second.locator(".checklist")).to_be_visible()
    page.emulate_media(media="screen")
    first.locator(".guide-print").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(first).to_be_visible()
    expect(second).to_be_hidden()


def test_a_guide_without_a_hall_shows_the_office_text(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    say(page, "没有大厅的指南")
    card = page.locator("article.guide")
    expect(card).to_be_visible()
    expect(card.locator(".office-card")).to_have_count(0)
    expect(card.locator(".office-text")).to_have_text("暂未收录丽水市庆元县的办事大厅信息，请拨打 12345 咨询。")


def test_an_unknown_guide_version_falls_back_to_the_text(page: Page, fake_edge: str) -> None:
    page.goto(fake_edge)
    say(page, "新版本指南")
    expect(page.locator("article.guide")).to_have_count(0)
    last = page.locator("li.bot").last
    expect(last.locator(".bubble")).to_have_text(GUIDE_TEXT)
    expect(last.locator(".buttons button")).to_have_count(4)
