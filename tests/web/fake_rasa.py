"""A loopback stand-in for Rasa's REST channel: canned replies in the real shape, and a record of what it was sent.

The real edge (`python -m bot.edge`) runs in front of it, so the pages meet the edge's checks, limits and errors.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.e2e.stack import free_port

WEBHOOK = "/webhooks/rest/webhook"
FOLLOW_UPS = [{"title": "要多少钱", "payload": "/ask_fee"}, {"title": "多久能办好", "payload": "/ask_time_limit"},
              {"title": "能网上办吗", "payload": "/ask_online"}, {"title": "在哪里办", "payload": "/ask_office"}]
MAP_URL = "https://uri.amap.com/marker?position=120.301234,30.421234&name=余杭区民生服务中心&coordinate=gaode"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"  # must show as text, never become markup

GUIDE: dict[str, Any] = {
    "type": "onevisit.guide", "version": 1,
    "affair": {"id": "id-card-reissue", "name": "居民身份证补领", "department": "公安"},
    "situation": "已满16周岁、本省户籍",
    "notices": ["补领期间原证件作废，找回的也不能再用"],
    "conditions": ["本省户籍居民", "身份证遗失或损坏"],
    "materials": [
        {"name": "居民户口簿", "form": "原件", "count": 1, "medium": "纸质", "notes": "", "needed_when": "", "for": ""},
        {"name": "居民身份证相片", "form": "原件", "count": 2, "medium": "纸质",
         "notes": "近 6 个月内白底正面免冠照片", "needed_when": "", "for": "身份证、社保卡"},
        {"name": "邮寄地址确认单", "form": "复印件", "count": 1, "medium": "纸质", "notes": HOSTILE,
         "needed_when": "领卡方式选“邮寄到家”时需要", "for": ""},
        {"name": "遗失情况说明", "form": "原件", "count": 1, "medium": "电子", "notes": "可在浙里办填写",
         "needed_when": "", "for": ""},
    ],
    "exempt": [{"name": "户籍信息核验", "reason": "窗口通过公安人口信息系统直接核验"}],
    "choices": [{"label": "领卡方式", "options": ["窗口领取", "邮寄到家"]}],
    "office": {
        "name": "余杭区民生服务中心", "address": "杭州市余杭区临平大道 1 号", "window": "户政窗口 12-15 号",
        "hours": "周一至周五 9:00-17:00", "phone": "0571-86990000、12345", "booking": "浙里办“预约办事”",
        "map_url": MAP_URL, "verified": False,
        "note": "以上大厅信息尚未核实，出发前请拨打 12345 确认地址和时间。",
    },
    "office_text": "办理地点：余杭区民生服务中心\n  地址：杭州市余杭区临平大道 1 号",
    "rows": [{"label": "办理时限", "value": "承诺20个工作日内办结（法定时限60个工作日）"},
             {"label": "收费", "value": "20元"}, {"label": "网上办理", "value": "可以在浙里办申请"},
             {"label": "跑动次数", "value": "最多跑一次"}, {"label": "是否本人到场", "value": "需要本人到场采集指纹"}],
    "notes": ["补领期间可申请临时居民身份证", "照片由窗口现场采集的，无需另带"],
    "bundle": ["出生医学证明", "户口登记"],
    "provenance": "提示：本指南尚未与官方办事指南逐项核对，出发前请在浙里办查看或拨打 12345 确认。",
}
GUIDE_TEXT = "【居民身份证补领】公安\n需要准备的材料：\n1. 居民户口簿：原件1份（纸质）\n办理地点：余杭区民生服务中心"

Reply = list[dict[str, Any]]
Script = Callable[[str, str], "Reply | int"]  # (sender, message) -> the messages, or an HTTP status to fail with


def guide_reply(sender: str, guide: dict[str, Any] | None = None) -> Reply:
    """The full guide as Rasa's REST channel sends it: the text with its buttons, then the structure."""
    return [{"recipient_id": sender, "text": GUIDE_TEXT, "buttons": FOLLOW_UPS},
            {"recipient_id": sender, "custom": guide or GUIDE}]


def question(sender: str, text: str, options: list[str]) -> Reply:
    """A situation question whose buttons send their label back as text (as the real bot's do)."""
    return [{"recipient_id": sender, "text": text, "buttons": [{"title": o, "payload": o} for o in options]}]


def canned(sender: str, message: str) -> Reply | int:
    """The conversation the tests walk through; unknown messages are echoed."""
    if message == "身份证丢了怎么补办":
        return question(sender, "请问您是否已满16周岁？", ["已满16周岁", "未满16周岁"])
    if message in ("已满16周岁", "未满16周岁"):
        return question(sender, "您在哪个市、区县办理？", ["杭州市余杭区", "宁波市海曙区"])
    if message in ("杭州市余杭区", "宁波市海曙区", "给我指南"):
        return guide_reply(sender)
    if message == "没有大厅的指南":
        return guide_reply(sender, {**GUIDE, "office": None,
                                    "office_text": "办理地点：暂未收录丽水市庆元县的办事大厅信息，请拨打 12345 咨询。"})
    if message == "新版本指南":
        return guide_reply(sender, {**GUIDE, "version": 2})
    if message in ("空回复", "/restart"):
        return []
    if message == "按钮会出错":
        return question(sender, "请选择：", ["坏按钮"])
    if message in ("服务出错", "坏按钮"):
        return 500
    if message == "慢一点":
        time.sleep(3)
    return [{"recipient_id": sender, "text": f"您说的是：{message}"}]


class FakeRasa:
    """A threaded loopback HTTP server answering POST /webhooks/rest/webhook from `script`."""

    def __init__(self, script: Script = canned):
        self.script = script
        self.port = free_port()
        self.received: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeRasa:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests(self) -> list[dict[str, str]]:
        """Copies of the request bodies received so far."""
        with self._lock:
            return list(self.received)

    def messages_from(self, sender: str) -> list[str]:
        return [r["message"] for r in self.requests() if r.get("sender") == sender]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path != WEBHOOK or not isinstance(body, dict):
                    self.send_error(404)
                    return
                with fake._lock:
                    fake.received.append(body)
                result = fake.script(str(body.get("sender")), str(body.get("message")))
                if isinstance(result, int):
                    self.send_error(result)
                    return
                data = json.dumps(result, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        return Handler
