"""The 12345 agents' console page on the console service, with the citizen's chat page in a second browser
context: handoff, summary, take, messages both ways, hand back; the staff pages' roles; the edge keeps them out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Stack
from tests.web.pagecheck import say
from tests.web.staff import Desk, log_in, start_desk, until

AGENT, MAINTAINER = "page-agent", "page-maintainer"
ASKED = "护照丢了想补办一本，要带什么"


@pytest.fixture(scope="module")
def desk(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    found = start_desk(stack, tmp_path_factory.mktemp("console-page"),
                       {AGENT: ("agent", "李坐席"), MAINTAINER: ("maintainer", "维护员")})
    yield found
    found.service.stop()


def new_page(browser: Browser) -> Page:
    return browser.new_context(locale="zh-CN").new_page()


def ticket_of(desk: Desk, words: str) -> int:
    """The newest open ticket whose conversation holds the citizen's words (other tests may leave tickets)."""
    def find() -> int | None:
        for ticket in sorted(desk.get(AGENT, "/api/queue")["tickets"], key=lambda t: -t["id"]):
            history = desk.get(AGENT, f"/api/tickets/{ticket['id']}")
            if any(words in t["text"] for t in history["summary"]["last_turns"]):
                return ticket["id"]
        return None
    return until(find, timeout=20)


def bot_answer(citizen: Page, text: str) -> str:
    """Send `text` on the chat page; the text of the bot's answer."""
    before = citizen.locator("li.bot").count()
    say(citizen, text)
    return "\n".join(citizen.locator("li.bot").nth(i).inner_text()
                     for i in range(before, citizen.locator("li.bot").count()))


def test_agent_and_citizen_through_a_handoff(browser: Browser, stack: Stack, desk: Desk) -> None:
    citizen = new_page(browser)
    citizen.goto(stack.edge_url + "/")
    assert "先问您几个问题" in bot_answer(citizen, ASKED)
    bot_answer(citizen, "转人工")
    status = citizen.locator(".handoff-status")
    expect(status).to_contain_text("转接人工坐席")

    agent = new_page(browser)
    log_in(agent, desk.url + "/console.html", AGENT)
    ticket = ticket_of(desk, ASKED)
    opener = agent.get_by_role("button", name=f"打开工单 {ticket}", exact=True)
    expect(opener).to_be_visible(timeout=15000)  # the queue refreshes itself
    expect(agent.locator(f".queue-item:has-text('工单 {ticket}')")).to_contain_text("护照")
    opener.click()
    expect(agent.locator("#ticket-title")).to_have_text(f"工单 {ticket}")
    expect(agent.locator("#summary")).to_contain_text("护照")
    expect(agent.locator("#turns")).to_contain_text(ASKED)
    expect(agent.locator("#reply-send")).to_be_disabled()  # not taken yet

    agent.get_by_role("button", name="接入", exact=True).click()
    expect(agent.locator("#ticket-state")).to_contain_text("服务中")
    expect(citizen.locator("li.handoff-event")).to_contain_text("李坐席", timeout=15000)
    expect(status).to_contain_text("已接入")

    agent.get_by_label("回复群众").fill("您好，我是李坐席。急用可以申请加急，请带上身份证。")
    agent.get_by_role("button", name="发送回复").click()
    bubble = citizen.locator("li.agent .bubble")
    expect(bubble).to_contain_text("急用可以申请加急", timeout=15000)
    expect(bubble.locator(".handoff-who")).to_have_text("人工坐席 李坐席")

    relayed = bot_answer(citizen, "我下周要出国，比较急")
    assert "人工坐席" in relayed
    expect(agent.locator("#history li.citizen")).to_contain_text("我下周要出国，比较急", timeout=15000)
    expect(agent.locator("#history li.agent")).to_contain_text("急用可以申请加急")

    agent.get_by_role("button", name="交还智能助手").click()
    expect(agent.locator("#ticket-state")).to_contain_text("已交还智能助手")
    expect(citizen.locator("li.handoff-event").last).to_contain_text("继续向智能助手提问", timeout=15000)

    def answered() -> str | None:  # the hand-back hook reaches Rasa within seconds; until then the bot is paused
        text = bot_answer(citizen, "公积金租房提取要什么材料")
        return text if "人工坐席" not in text else None
    assert "租房" in until(answered, timeout=40, pause=1)
    citizen.context.close()
    agent.context.close()


def test_a_maintainer_sees_no_queue_and_an_agent_no_statistics(browser: Browser, desk: Desk) -> None:
    maintainer = new_page(browser)
    log_in(maintainer, desk.url + "/console.html", MAINTAINER)
    expect(maintainer.locator("#notice")).to_contain_text("没有坐席权限")
    expect(maintainer.locator("#desk")).to_be_hidden()
    expect(maintainer.locator(".queue-item")).to_have_count(0)
    maintainer.context.close()

    agent = new_page(browser)
    log_in(agent, desk.url + "/maintain.html", AGENT)
    expect(agent.locator("#notice")).to_contain_text("没有查看统计和维护知识库的权限")
    expect(agent.locator("#board")).to_be_hidden()
    expect(agent.locator("#levels tbody tr")).to_have_count(0)
    agent.context.close()


def test_a_wrong_password_and_an_expired_login_go_back_to_the_form(browser: Browser, desk: Desk) -> None:
    page = new_page(browser)
    page.goto(desk.url + "/console.html")
    page.get_by_label("登录名").fill(AGENT)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#notice")).to_have_text("登录名或密码不对，请再试一次。")
    log_in(page, desk.url + "/console.html", AGENT)
    page.evaluate("sessionStorage.setItem('onevisit-console-token', 'no-such-token')")
    page.reload()  # the stored token is checked with /api/me; a 401 brings the form back
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#notice")).to_contain_text("登录已失效")
    page.context.close()


def test_staff_pages_are_served_by_the_console_only(stack: Stack, desk: Desk) -> None:
    for name in ("console.html", "console.js", "maintain.html", "maintain.js", "staff.js"):
        assert requests.get(f"{stack.edge_url}/{name}", timeout=10).status_code == 404, name
        served = requests.get(f"{desk.url}/{name}", timeout=10)
        assert served.status_code == 200, name
    page = requests.get(f"{desk.url}/console.html", timeout=10)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert requests.get(f"{desk.url}/vendor/chart.umd.min.js", timeout=10).status_code == 200
    assert requests.get(f"{desk.url}/index.html", timeout=10).status_code == 404
    assert requests.get(f"{stack.edge_url}/index.html", timeout=10).status_code == 200


def test_the_affair_search_marks_every_affair_the_callers_words_speak_for(browser: Browser, desk: Desk) -> None:
    agent = new_page(browser)
    log_in(agent, desk.url + "/console.html", AGENT)
    search = agent.get_by_label("事项名称或群众的说法")
    marked = agent.locator("#affairs li:has(.spoken-for)")
    search.fill("身份证丢了要补办，驾驶证也一起丢了")
    agent.get_by_role("button", name="搜索事项").click()
    expect(marked).to_have_count(2)
    expect(marked.first.locator(".spoken-for")).to_contain_text("来电人说的情况和这件有关")
    expect(agent.locator("#affairs")).to_contain_text("驾驶证")
    search.fill("护照丢了想补办一本")
    agent.get_by_role("button", name="搜索事项").click()
    expect(agent.locator("#affairs li").first).to_contain_text("护照")
    expect(marked).to_have_count(0)
    agent.context.close()
