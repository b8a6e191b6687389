"""A fake WeChat platform on loopback that speaks the Official Account protocol.

- As WeChat's callback sender it builds real message XML, signs it (``signature`` from the token, timestamp
  and nonce), encrypts it in safe mode with wechatpy's crypto (``encrypt_type=aes`` and ``msg_signature``),
  posts it to the webhook and, like WeChat, sends it again with the same MsgId when no answer comes within
  five seconds (at most three deliveries). It checks each passive reply as WeChat would: the envelope's
  signature, the decrypted XML, the swapped user names, the text limit of 2048 bytes.
- As WeChat's API it serves ``/cgi-bin/token`` (counts fetches; errcode 40013 for a wrong AppID, 40125 for a
  wrong secret) and ``/cgi-bin/message/custom/send`` (records the texts; 40001 for an unknown or revoked
  token, and can revoke the current token once to inject 40001; 45002 for a text over the limit; and, when
  told to, -1 "system error" for the next few sends, as when WeChat is busy; 45015 for a citizen whose last
  message is more than 48 hours old, which WeChat answers until the citizen writes again).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto

TEXT_LIMIT_BYTES = 2048
ACCOUNT = "gh_onevisit_test"


def wechat_signature(*parts: str) -> str:
    """WeChat's SHA-1 signature over the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def new_aes_key() -> str:
    """A random 43-character EncodingAESKey, as the Official Account settings page makes one."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def message_xml(fields: dict[str, Any]) -> str:
    """WeChat's message XML: strings in CDATA, numbers bare."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Delivery:
    """What happened to one message: how often it was sent, the last HTTP answer, the reply WeChat would show."""

    attempts: int
    status: int | None
    body: str
    reply: dict[str, Any] | None = None  # the decrypted, parsed passive reply (None for "success" or empty)
    problems: list[str] = field(default_factory=list)  # what WeChat would refuse about the reply

    @property
    def text(self) -> str | None:
        return self.reply.get("Content") if self.reply else None


class FakeWeChat:
    """The fake platform; `start()` serves the API, `webhook` must be set before messages are sent."""

    def __init__(self, token: str, appid: str, secret: str, aes_key: str = "", attempts: int = 3,
                 attempt_timeout: float = 5.0, expires_in: int = 7200) -> None:
        self.token, self.appid, self.secret, self.aes_key = token, appid, secret, aes_key
        self.attempts, self.attempt_timeout, self.expires_in = attempts, attempt_timeout, expires_in
        self.webhook = ""
        self.token_fetches = 0
        self.token_delay = 0.0
        self.sent: list[dict[str, Any]] = []
        self.send_errors: list[int] = []
        self._valid_tokens: set[str] = set()
        self._revoke_next_send = False
        self._busy_sends = 0
        self._out_of_window: set[str] = set()
        self._lock = threading.Lock()
        self._msg_ids = itertools.count(int(time.time() * 1000) * 1000)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- serving the API ------------------------------------------------------------------------

    def start(self) -> FakeWeChat:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        self._runner = web.AppRunner(app, access_log=None)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self

    async def _serve(self) -> None:
        assert self._runner is not None
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    @property
    def api_base(self) -> str:
        """What WECHAT_API_BASE must be set to."""
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if query.get("appid") != self.appid:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        with self._lock:
            self.token_fetches += 1
            token = f"TOKEN{self.token_fetches}-{secrets.token_hex(8)}"
            self._valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    async def _custom_send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        with self._lock:
            if self._revoke_next_send and token in self._valid_tokens:
                self._revoke_next_send = False
                self._valid_tokens.discard(token)
            if self._busy_sends > 0:
                self._busy_sends -= 1
                self.send_errors.append(-1)
                return web.json_response({"errcode": -1, "errmsg": "system error"})
            if token not in self._valid_tokens:
                self.send_errors.append(40001)
                return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
            if body.get("touser") in self._out_of_window:
                self.send_errors.append(45015)
                return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or "
                                                                      "subscription is canceled"})
            content = (body.get("text") or {}).get("content", "") if body.get("msgtype") == "text" else None
            if not body.get("touser") or content is None:
                self.send_errors.append(47001)
                return web.json_response({"errcode": 47001, "errmsg": "data format error"})
            if len(content.encode("utf-8")) > TEXT_LIMIT_BYTES:
                self.send_errors.append(45002)
                return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
            self.sent.append({"touser": body["touser"], "content": content, "at": time.monotonic()})
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def revoke_token_on_next_send(self) -> None:
        """The next customer-service call finds its token invalid (errcode 40001), as after a reset."""
        with self._lock:
            self._revoke_next_send = True

    def fail_next_sends(self, count: int) -> None:
        """The next ``count`` customer-service calls fail with errcode -1 (system busy) and send nothing."""
        with self._lock:
            self._busy_sends = count

    def close_window(self, openid: str) -> None:
        """The citizen's last message is older than 48 hours: every send to them fails with errcode 45015."""
        with self._lock:
            self._out_of_window.add(openid)

    def open_window(self, openid: str) -> None:
        """The citizen wrote again: sends to them are accepted once more."""
        with self._lock:
            self._out_of_window.discard(openid)

    def sent_to(self, openid: str) -> list[str]:
        """The customer-service texts sent to a user so far."""
        with self._lock:
            return [item["content"] for item in self.sent if item["touser"] == openid]

    def wait_sent(self, openid: str, count: int, timeout: float = 30.0) -> list[str]:
        """Wait until at least ``count`` customer-service texts reached the user; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.sent_to(openid)
            if len(texts) >= count:
                return texts
            time.sleep(0.1)
        return self.sent_to(openid)

    def seen_after(self, openid: str, delivery: Delivery, before: int, expect: str | tuple[str, ...],
                   timeout: float = 30.0) -> str:
        """What the user sees for one message: its passive reply and the customer-service texts after the first
        ``before``, once one of ``expect`` is among them; fails when none is within ``timeout`` seconds."""
        wanted = (expect,) if isinstance(expect, str) else expect
        assert delivery.status == 200 and not delivery.problems, (delivery.status, delivery.problems, delivery.body)
        deadline = time.monotonic() + timeout
        while True:
            seen = "\n".join(([delivery.text] if delivery.text else []) + self.sent_to(openid)[before:])
            if any(word in seen for word in wanted):
                return seen
            assert time.monotonic() < deadline, f"none of {wanted} within {timeout:g} s: {seen!r}"
            time.sleep(0.1)

    # --- sending callbacks like WeChat ----------------------------------------------------------

    def signed_query(self, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
        """signature, timestamp and nonce as WeChat puts them in every callback URL."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**9))
        return {"signature": wechat_signature(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}

    def verify_url(self, echostr: str, **query: str) -> requests.Response:
        """WeChat's GET when the server URL is configured."""
        params = {**self.signed_query(), "echostr": echostr, **query}
        return requests.get(self.webhook, params=params, timeout=10)

    def fields(self, openid: str, msg_type: str, with_msg_id: bool = True, **extra: Any) -> dict[str, Any]:
        """The common fields of a message from ``openid`` to the account."""
        fields: dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()),
                                  "MsgType": msg_type, **extra}
        if with_msg_id:
            fields["MsgId"] = self.new_msg_id()
        return fields

    def new_msg_id(self) -> int:
        """A MsgId no other message of this platform has."""
        with self._lock:
            return next(self._msg_ids)

    def text(self, openid: str, content: str, safe: bool = False, **kwargs: Any) -> Delivery:
        return self.deliver(self.fields(openid, "text", Content=content), safe=safe, **kwargs)

    def event(self, openid: str, event: str, safe: bool = False, **extra: Any) -> Delivery:
        return self.deliver(self.fields(openid, "event", with_msg_id=False, Event=event, **extra), safe=safe)

    def deliver(self, fields: dict[str, Any], safe: bool = False, query: dict[str, str] | None = None,
                attempts: int | None = None) -> Delivery:
        """Send a message as WeChat does, with its retries; check and return the reply."""
        return self.post_xml(message_xml(fields), str(fields.get("FromUserName", "")), safe, query, attempts)

    def post_xml(self, xml: str, openid: str, safe: bool = False, query: dict[str, str] | None = None,
                 attempts: int | None = None) -> Delivery:
        """POST an XML body (encrypted first in safe mode), retrying on silence; return the checked reply."""
        params = self.signed_query()
        params["openid"] = openid
        body = xml
        if safe:
            body, params = self._encrypt(xml, params)
        params.update(query or {})
        last: requests.Response | None = None
        sent = 0
        while last is None and sent < (attempts or self.attempts):
            sent += 1
            try:
                last = requests.post(self.webhook, params=params, data=body.encode("utf-8"),
                                     headers={"Content-Type": "text/xml"}, timeout=self.attempt_timeout)
            except requests.Timeout:
                continue
        if last is None:
            return Delivery(sent, None, "", problems=["no answer within five seconds, every time"])
        delivery = Delivery(sent, last.status_code, last.text)
        if last.status_code == 200:
            self._check_reply(delivery, openid, safe)
        return delivery

    def _encrypt(self, xml: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
        crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
        envelope = xmltodict.parse(crypto.encrypt_message(xml, params["nonce"], params["timestamp"]))["xml"]
        encrypted = envelope["Encrypt"]
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        signature = wechat_signature(self.token, params["timestamp"], params["nonce"], encrypted)
        return body, {**params, "encrypt_type": "aes", "msg_signature": signature}

    def _check_reply(self, delivery: Delivery, openid: str, safe: bool) -> None:
        """Read the reply as WeChat would; what it would refuse goes to ``delivery.problems``."""
        body = delivery.body.strip()
        if body in ("", "success"):
            return
        try:
            document = xmltodict.parse(body)["xml"]
            if safe:
                expected = wechat_signature(self.token, document["TimeStamp"], document["Nonce"], document["Encrypt"])
                if expected != document["MsgSignature"]:
                    delivery.problems.append("reply MsgSignature is wrong")
                    return
                crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
                plain = crypto.decrypt_message(document, document["MsgSignature"], document["TimeStamp"],
                                               document["Nonce"])
                document = xmltodict.parse(plain)["xml"]
            elif "Encrypt" in document:
                delivery.problems.append("encrypted reply to a plain-mode message")
        except Exception as error:
            delivery.problems.append(f"reply is not valid: {type(error).__name__}")
            return
        delivery.reply = document
        if document.get("ToUserName") != openid or document.get("FromUserName") != ACCOUNT:
            delivery.problems.append("reply user names are not swapped")
        if document.get("MsgType") != "text":
            delivery.problems.append(f"reply type {document.get('MsgType')!r}")
        if len((document.get("Content") or "").encode("utf-8")) > TEXT_LIMIT_BYTES:
            delivery.problems.append("reply text over 2048 bytes")
