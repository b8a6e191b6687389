"""The citizen page outside the 12345 service hours: the handoff answer offers a small form to leave a message and a
number to call back; bad input is explained on the page, good input reaches the desk through the real edge."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.conftest import Stack
from tests.web.staff import Desk, start_desk, until

AGENT = "handoff-page-agent"
MESSAGE = "想问一下护照加急的事，麻烦回个电话"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def desk(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    found = start_desk(stack, tmp_path_factory.mktemp("handoff-page"), {AGENT: ("agent", "周坐席")})
    yield found
    found.service.stop()


def closed_desk(route: Route) -> None:
    """What the bot answers to 转人工 outside the service hours (the stack's desk is always on duty, so the
    chat reply alone is stood in for; the leave-message call still goes to the real edge and desk)."""
    sender = json.loads(route.request.post_data or "{}").get("sender", "")
    body = [{"recipient_id": sender, "text": "现在不在人工服务时间（工作日 8:30-17:30）。您可以留言和回电号码。"},
            {"recipient_id": sender, "custom": {"type": "onevisit.handoff", "status": "closed", "position": None,
                                                "ticket": None}}]
    route.fulfill(status=200, content_type="application/json", body=json.dumps(body, ensure_ascii=False))


@pytest.fixture()
def citizen(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN")
    yield context.new_page()
    context.close()


def test_outside_hours_a_message_and_number_are_left(citizen: Page, stack: Stack, desk: Desk) -> None:
    citizen.route("**/webhooks/rest/webhook", closed_desk)
    citizen.goto(stack.edge_url + "/")
    citizen.fill("#text", "转人工")
    citizen.click("#send")
    form = citizen.get_by_role("form", name="留言和回电号码")
    expect(form).to_be_visible()
    result = form.get_by_role("status")
    requests_seen: list[str] = []
    citizen.on("request", lambda r: requests_seen.append(r.url) if "leave_message" in r.url else None)

    form.get_by_role("button", name="提交留言").click()
    expect(result).to_have_text("请写下您想咨询的事（2 到 500 个字）。")
    form.get_by_label("留言内容").fill(MESSAGE)
    form.get_by_label("回电号码").fill("12345")
    form.get_by_role("button", name="提交留言").click()
    expect(result).to_have_text("请填写正确的手机号（11 位）或带区号的固定电话。")
    assert requests_seen == []  # nothing sent until the form is right

    form.get_by_label("回电号码").fill(PHONE)
    form.get_by_role("button", name="提交留言").click()
    expect(result).to_contain_text("留言已收到")
    expect(form.get_by_label("留言内容")).to_be_disabled()
    assert len(requests_seen) == 1

    def left() -> dict | None:
        found = desk.get(AGENT, "/api/left-messages", status="new")["messages"]
        return next((m for m in found if MESSAGE in m["text"]), None)
    message = until(left, timeout=15)
    assert message["phone"] == "138****5678"
