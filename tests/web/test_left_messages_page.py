"""The console page's 群众留言 and 查询记录 panels in Chromium, on the real console service: a citizen leaves a message
through the edge (as the chat page does outside the service hours); an agent sees it with the number masked and
marks it called back; a supervisor reveals the number (an audit row); the 查询记录 panel shows a supervisor who looked
up which case and who revealed which number, and an agent neither sees it nor may read it; axe-core finds nothing
serious in the panels and they fit 360 px and 1280 px."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, Page, expect

from backend.seed import SAMPLE_CASES
from bot.cases import mask_case_number
from tests.e2e.stack import ROOT, Service, backend, base_env, console_server, wait_until_warm
from tests.web.fake_rasa import FakeRasa
from tests.web.pagecheck import assert_accessible_at_widths
from tests.web.servers import start_edge
from tests.web.staff import PASSWORD, log_in

AGENT, SUPERVISOR = "left-agent", "left-super"
USERS = {AGENT: ("agent", "周坐席"), SUPERVISOR: ("supervisor", "吴班长")}
PHONE, MASKED = "13912345678", "139****5678"
SAMPLE = SAMPLE_CASES[0]


@dataclass
class Site:
    """The console service and the edge in front of the fake Rasa, sharing the console database and vault key."""

    console: Service
    edge: Service

    @property
    def url(self) -> str:
        return self.console.ready_url.rsplit("/api/", 1)[0]

    def leave_message(self, text: str, phone: str = "139 1234 5678") -> None:
        """What the chat page posts when a citizen leaves a message outside the service hours."""
        left = requests.post(self.edge.ready_url.rstrip("/") + "/webhooks/rest/leave_message", timeout=30,
                             json={"sender": f"left-{uuid.uuid4().hex[:10]}", "message": text, "phone": phone})
        assert left.status_code == 200, left.text

    def call(self, name: str, method: str, path: str) -> requests.Response:
        login = requests.post(self.url + "/api/login", json={"name": name, "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, login.text
        return requests.request(method, self.url + path, timeout=30,
                                headers={"Authorization": f"Bearer {login.json()['token']}"})

    def message_id(self, text: str) -> int:
        found = self.call(AGENT, "GET", "/api/left-messages?status=all").json()["messages"]
        return next(m["id"] for m in found if text in m["text"])


def add_user(env: dict[str, str], name: str, role: str, display_name: str) -> None:
    made = subprocess.run([sys.executable, "-m", "bot.console", "add-user", name, "--role", role, "--display-name",
                           display_name, "--replace"], cwd=ROOT, env={**env, "CONSOLE_PASSWORD": PASSWORD},
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stdout + made.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, fake_rasa: FakeRasa) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("left-messages")
    shared = {"ONEVISIT_VAULT_KEY": Fernet.generate_key().decode(),
              "CONSOLE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}"}
    env = {**base_env(workdir), **shared}
    started: list[Service] = []
    try:
        cases = backend(workdir, env)
        cases.start(timeout=120)
        started.append(cases)
        env["CASE_API_URL"] = cases.ready_url.rsplit("/v1/", 1)[0]
        for name, (role, display_name) in USERS.items():
            add_user(env, name, role, display_name)
        console = console_server(workdir, env, fake_rasa.url)
        console.start(timeout=120)
        started.append(console)
        wait_until_warm(console)  # while the console loads its resolver at start-up, a busy machine slows a lookup
        edge = start_edge(workdir / "edge", fake_rasa.url, "edge-left", **shared)
        started.append(edge)
        yield Site(console, edge)
    finally:
        for service in reversed(started):
            service.stop()


def new_page(browser: Browser) -> Page:
    return browser.new_context(locale="zh-CN").new_page()


def look_up(page: Page, case_number: str, factor: str) -> None:
    """The agent's 办件进度查询 form."""
    page.get_by_label("办件编号").fill(case_number)
    page.get_by_label("核验信息").fill(factor)
    result = page.locator("#case-result")
    page.get_by_role("button", name="查询进度").click()
    expect(result).not_to_have_text("正在查询……")
    expect(result).not_to_be_empty()


def test_a_supervisor_reveals_the_number_and_an_agent_marks_the_message_called_back(browser: Browser,
                                                                                    site: Site) -> None:
    said = f"下周一上午请给我回电，想问护照加急 {uuid.uuid4().hex[:6]}"
    site.leave_message(said)
    message_id = site.message_id(said)

    agent = new_page(browser)
    log_in(agent, site.url + "/console.html", AGENT)
    item = agent.locator(f"#left-{message_id}")
    expect(item).to_contain_text(said)
    expect(item).to_contain_text(MASKED)
    expect(item).to_contain_text("待回电")
    expect(item.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(item).not_to_contain_text(PHONE)
    expect(item).to_contain_text("完整号码请班长查看")
    expect(item.get_by_role("button", name="查看完整号码", exact=False)).to_have_count(0)  # agents may not
    expect(agent.locator("#left-count")).to_contain_text("等待回电")

    supervisor = new_page(browser)
    log_in(supervisor, site.url + "/console.html", SUPERVISOR)
    supervisor.get_by_role("button", name=f"查看完整号码：留言 {message_id}", exact=True).click()
    number = supervisor.locator(f"#left-phone-{message_id}")
    expect(number).to_have_text(PHONE)
    expect(number).to_have_attribute("href", f"tel:{PHONE}")
    expect(number).to_be_focused()
    expect(supervisor.locator("#left-said")).to_contain_text(f"已显示留言 {message_id} 的完整回电号码")
    reveal_row = supervisor.locator("#audit-rows tr", has_text="查看回电号码")
    expect(reveal_row).to_have_count(1)
    expect(reveal_row).to_contain_text(SUPERVISOR)
    expect(reveal_row).to_contain_text(f"留言 #{message_id}")
    expect(reveal_row).to_contain_text(MASKED)
    expect(reveal_row).not_to_contain_text(PHONE)
    rows = site.call(SUPERVISOR, "GET", "/api/audit?action=reveal_phone").json()["rows"]
    assert [(r["user"], r["outcome"]) for r in rows] == [(SUPERVISOR, "revealed")]

    agent.get_by_role("button", name=f"标记为已回电：留言 {message_id}", exact=True).click()
    expect(agent.locator("#left-said")).to_have_text(f"留言 {message_id} 已标记为已回电。")
    expect(agent.locator(f"#left-{message_id}")).to_have_count(0)
    expect(agent.locator("#left-title")).to_be_focused()
    assert all(m["id"] != message_id for m in site.call(AGENT, "GET", "/api/left-messages").json()["messages"])
    agent.get_by_label("显示").select_option("done")
    done = agent.locator(f"#left-{message_id}")
    expect(done).to_contain_text("已回电")
    expect(done).to_contain_text(f"已由 {AGENT}")
    expect(done.get_by_role("button")).to_have_count(0)
    agent.context.close()
    supervisor.context.close()


def test_only_a_supervisor_sees_who_looked_up_which_case(browser: Browser, site: Site) -> None:
    agent = new_page(browser)
    log_in(agent, site.url + "/console.html", AGENT)
    look_up(agent, SAMPLE.case_number, SAMPLE.query_code)
    look_up(agent, SAMPLE.case_number, "0000")
    expect(agent.locator("#audit-panel")).to_be_hidden()
    expect(agent.locator("#audit-rows tr")).to_have_count(0)
    assert site.call(AGENT, "GET", "/api/audit").status_code == 403
    agent.context.close()

    supervisor = new_page(browser)
    log_in(supervisor, site.url + "/console.html", SUPERVISOR)
    panel = supervisor.get_by_role("region", name="查询记录")
    expect(panel).to_be_visible()
    supervisor.get_by_label("记录类型").select_option("case_lookup")
    lookups = supervisor.locator("#audit-rows tr", has_text="办件进度查询")
    expect(lookups.filter(has_text=AGENT)).to_have_count(2)
    expect(lookups.first).to_contain_text(mask_case_number(SAMPLE.case_number))
    expect(lookups.first.locator("td").nth(4)).to_have_text("未查到或核验不符")  # newest first
    expect(lookups.nth(1).locator("td").nth(4)).to_have_text("查到")
    expect(supervisor.locator("#audit-rows")).not_to_contain_text(SAMPLE.case_number)
    expect(supervisor.locator("#audit-rows")).not_to_contain_text("查看回电号码")  # the filter holds

    look_up(supervisor, SAMPLE.case_number, SAMPLE.applicant_phone[-4:])  # the supervisor's own lookup appears too
    expect(supervisor.locator("#audit-rows tr").first).to_contain_text(SUPERVISOR)
    supervisor.context.close()


def test_the_panels_are_accessible_and_fit(open_page: Callable[..., Page], site: Site, tmp_path: Path) -> None:
    said = "周末打不通电话，麻烦工作日回电，问一下居住证办理"
    site.leave_message(said, phone="0571-8888 1234")
    message_id = site.message_id(said)
    for name in (AGENT, SUPERVISOR):
        page = open_page(bypass_csp=True, viewport={"width": 1280, "height": 900})
        log_in(page, site.url + "/console.html", name)
        expect(page.locator(f"#left-{message_id}")).to_contain_text("0571****1234")
        if name == SUPERVISOR:
            page.get_by_role("button", name=f"查看完整号码：留言 {message_id}", exact=True).click()
            expect(page.locator(f"#left-phone-{message_id}")).to_have_text("057188881234")
            expect(page.locator("#audit-rows tr").first).to_be_visible()
        assert_accessible_at_widths(page, (360, 1280), f"console as {name}", tmp_path)


def test_a_late_answer_for_the_unfiltered_records_does_not_replace_the_filtered_ones(browser: Browser,
                                                                                     site: Site) -> None:
    supervisor = new_page(browser)
    held: list = []  # the list asked for on logging in, answered only after the filter's answer is shown

    def hold_unfiltered(route) -> None:
        if "action=" in route.request.url:
            route.continue_()
        else:
            held.append(route)
    supervisor.route("**/api/audit*", hold_unfiltered)
    log_in(supervisor, site.url + "/console.html", SUPERVISOR)
    expect(supervisor.get_by_role("region", name="查询记录")).to_be_visible()
    supervisor.get_by_label("记录类型").select_option("reveal_phone")
    status = supervisor.locator("#audit-status")
    expect(status).not_to_be_empty()
    shown = status.text_content()
    assert held, "the unfiltered list was not asked for on logging in"
    with supervisor.expect_response(lambda r: "/api/audit" in r.url and "action=" not in r.url):
        held.pop().continue_()
    supervisor.wait_for_timeout(300)  # let the page handle the late answer
    expect(supervisor.locator("#audit-rows")).not_to_contain_text("新建或更新用户")  # the filter holds
    expect(status).to_have_text(shown)
    supervisor.context.close()
