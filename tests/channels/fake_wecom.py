"""A fake WeCom (企业微信) platform for the 微信客服 (kf) API, served on loopback for the channel's tests.

It behaves like the real platform where the channel depends on it:

- callbacks: `notify()` signs and encrypts a real `kf_msg_or_event` callback with wechatpy's WeChatCrypto
  (AES-256-CBC, corp id appended, SHA-1 ``msg_signature`` over token, timestamp, nonce and ciphertext) and
  POSTs it to the webhook; `verify_url()` does the GET URL verification with an encrypted ``echostr``;
- ``gettoken``: checks corpid and corpsecret, hands out access tokens (7200 s) and counts the fetches;
  every other call checks ``access_token`` (41001 missing, 40014 unknown, 42001 expired);
- ``kf/sync_msg``: one queue of messages and events per open_kfid, real opaque cursors, ``has_more`` and
  ``limit`` (1..1000), the callback Token (valid 10 minutes, 95007 otherwise); without a cursor the messages
  of the last 3 days; every request is recorded (`sync_requests`);
- ``kf/send_msg``: text only, at most 2048 bytes (45002), only while the session is in state 0 or 1
  (95018), only within 48 hours of the customer's last message (95002) and at most 5 messages after it
  (95001); accepted and refused sends are both recorded;
- ``kf/send_msg_on_event``: the welcome message after ``enter_session``, once per welcome_code, within
  20 seconds of the event;
- ``kf/service_state/get|trans``: the session state machine (0 new, 1 bot, 2 queued, 3 human, 4 ended);
  a customer message reopens an ended session (4 → 0).

The test drives the customer side with `customer_says`, `customer_sends` and `enter_session`. Time can be
moved with `advance` (the platform's clock only).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import string
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto  # wechatpy 1.x; 2.x calls the module `work`

TOKEN_SECONDS = 7200
CALLBACK_TOKEN_SECONDS = 600
WELCOME_CODE_SECONDS = 20
WINDOW_SECONDS = 48 * 3600
SENDS_PER_MESSAGE = 5
HISTORY_SECONDS = 3 * 24 * 3600
MAX_TEXT_BYTES = 2048
_ESCAPE = re.compile(rb"\\u[0-9a-fA-F]{4}")  # WeCom refuses JSON with \uXXXX escapes (40033)

# service states and the transitions kf/service_state/trans allows
NEW, BOT, QUEUED, HUMAN, ENDED = 0, 1, 2, 3, 4
TRANSITIONS = {NEW: {BOT, QUEUED, HUMAN, ENDED}, BOT: {QUEUED, HUMAN, ENDED}, QUEUED: {HUMAN, ENDED},
               HUMAN: {HUMAN, ENDED}, ENDED: set()}

ERRORS = {
    40001: "invalid secret", 40013: "invalid corpid", 40014: "invalid access_token",
    40058: "invalid parameter", 41001: "access_token missing", 42001: "access_token expired",
    40033: "invalid charset, \\uxxxx is not allowed", 45002: "content size out of limit",
    95000: "invalid open_kfid", 95001: "send msg count limit",
    95002: "send msg time limit", 95007: "invalid msg token", 95016: "invalid service state transition",
    95018: "send msg session status invalid",
}


def random_key() -> str:
    """An EncodingAESKey as the admin console makes them: 43 letters and digits."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(43))


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """WeCom's msg_signature: SHA-1 of the four strings sorted and concatenated (written out independently)."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


class ApiError(Exception):
    """A refusal with WeCom's errcode."""

    def __init__(self, errcode: int):
        super().__init__(errcode)
        self.errcode = errcode


@dataclass
class Session:
    """One customer's session with one kf account."""

    state: int = ENDED
    servicer: str = ""
    last_customer_at: float | None = None
    sent_since: int = 0


@dataclass
class Sent:
    """A message the platform accepted (or refused) from the enterprise."""

    open_kfid: str
    touser: str
    content: str
    at: float
    kind: str = "send_msg"
    errcode: int = 0


@dataclass
class FakeWeCom:
    """The platform's state and its HTTP server (start with `start`, stop with `stop`)."""

    corp_id: str = field(default_factory=lambda: "ww" + secrets.token_hex(8))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    aes_key: str = field(default_factory=lambda: random_key())
    webhook_url: str = ""
    offset: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    kf_accounts: set[str] = field(default_factory=set)
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    cursors: dict[str, tuple[str, int]] = field(default_factory=dict)
    callback_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)
    welcome_codes: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    sessions: dict[tuple[str, str], Session] = field(default_factory=lambda: defaultdict(Session))
    sent: list[Sent] = field(default_factory=list)
    refused: list[Sent] = field(default_factory=list)
    sync_requests: list[dict[str, Any]] = field(default_factory=list)
    token_fetches: int = 0
    server: ThreadingHTTPServer | None = field(default=None, repr=False)

    # --- the platform's clock -----------------------------------------------------------------------------
    def now(self) -> float:
        """The platform's time (real time plus `offset`)."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the platform's clock forward."""
        with self.lock:
            self.offset += seconds

    # --- server ------------------------------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        """The base URL the channel uses instead of https://qyapi.weixin.qq.com/cgi-bin/."""
        assert self.server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"

    def start(self) -> FakeWeCom:
        """Serve on a free loopback port in a background thread."""
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                platform._serve(self, None)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                platform._serve(self, self.rfile.read(length))

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (quiet)
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        url = urlsplit(handler.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        try:
            if body and _ESCAPE.search(body):
                raise ApiError(40033)  # WeCom refuses \uXXXX escapes in JSON bodies
            payload = json.loads(body) if body else {}
            result = self._dispatch(url.path, query, payload)
        except ApiError as error:
            result = {"errcode": error.errcode, "errmsg": ERRORS.get(error.errcode, "error")}
        except ValueError:
            result = {"errcode": 47001, "errmsg": "data format error"}
        except LookupError:
            handler.send_response(404)
            handler.end_headers()
            return
        data = json.dumps(result, ensure_ascii=False).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _dispatch(self, path: str, query: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
        if path == "/cgi-bin/gettoken":
            return self._gettoken(query)
        routes = {"/cgi-bin/kf/sync_msg": self._sync_msg, "/cgi-bin/kf/send_msg": self._send_msg,
                  "/cgi-bin/kf/send_msg_on_event": self._send_msg_on_event,
                  "/cgi-bin/kf/service_state/get": self._state_get,
                  "/cgi-bin/kf/service_state/trans": self._state_trans}
        route = routes.get(path)
        if route is None:
            raise LookupError(path)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        with self.lock:
            self._check_access_token(query.get("access_token"))
            return {"errcode": 0, "errmsg": "ok", **route(payload)}

    # --- access tokens -----------------------------------------------------------------------------------
    def _gettoken(self, query: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            if query.get("corpid") != self.corp_id:
                raise ApiError(40013)
            if query.get("corpsecret") != self.secret:
                raise ApiError(40001)
            self.token_fetches += 1
            token = secrets.token_urlsafe(32)
            self.access_tokens[token] = self.now() + TOKEN_SECONDS
            return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_SECONDS}

    def _check_access_token(self, token: str | None) -> None:
        if not token:
            raise ApiError(41001)
        expires = self.access_tokens.get(token)
        if expires is None:
            raise ApiError(40014)
        if expires <= self.now():
            raise ApiError(42001)

    def expire_access_tokens(self) -> None:
        """Let every access token handed out so far expire (the next use gets 42001)."""
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = self.now() - 1

    # --- kf/sync_msg --------------------------------------------------------------------------------------
    def _account(self, payload: dict[str, Any]) -> str:
        open_kfid = payload.get("open_kfid")
        if open_kfid not in self.kf_accounts:
            raise ApiError(95000)
        return open_kfid

    def _sync_msg(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.sync_requests.append(dict(payload))
        open_kfid = self._account(payload)
        token = payload.get("token")
        if token is not None:
            issued = self.callback_tokens.get(token)
            if issued is None or issued[0] != open_kfid or issued[1] <= self.now():
                raise ApiError(95007)
        limit = payload.get("limit", 1000)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ApiError(40058)
        queue = self.queues[open_kfid]
        cursor = payload.get("cursor")
        if cursor:
            position = self.cursors.get(cursor)
            if position is None or position[0] != open_kfid:
                raise ApiError(40058)
            start = position[1]
        else:
            oldest = self.now() - HISTORY_SECONDS
            start = next((i for i, message in enumerate(queue) if message["send_time"] >= oldest), len(queue))
        page = queue[start:start + limit]
        end = start + len(page)
        next_cursor = secrets.token_urlsafe(12)
        self.cursors[next_cursor] = (open_kfid, end)
        return {"next_cursor": next_cursor, "has_more": int(end < len(queue)), "msg_list": page}

    # --- the customer's side ------------------------------------------------------------------------------
    def _enqueue(self, open_kfid: str, message: dict[str, Any]) -> dict[str, Any]:
        self.kf_accounts.add(open_kfid)
        message = {"msgid": secrets.token_hex(16), "open_kfid": open_kfid, **message}
        self.queues[open_kfid].append(message)
        return message

    def customer_sends(self, open_kfid: str, user: str, msgtype: str, content: dict[str, Any], *,
                       notify: bool = True, ago: float = 0.0) -> str:
        """A customer message (origin 3) of any type; returns its msgid. `ago` dates it in the past."""
        with self.lock:
            last_reply = max((s.at for s in self.sent if s.open_kfid == open_kfid and s.touser == user),
                             default=0.0)
        # a person reads the answer before writing again: send_time (whole seconds) after the last reply
        while not ago and int(self.now()) <= last_reply:
            time.sleep(0.05)
        with self.lock:
            sent_at = self.now() - ago
            session = self.sessions[(open_kfid, user)]
            if session.state == ENDED:
                session.state = NEW
            if session.last_customer_at is None or sent_at >= session.last_customer_at:
                session.last_customer_at = sent_at
                session.sent_since = 0
            message = self._enqueue(open_kfid, {"external_userid": user, "send_time": int(sent_at), "origin": 3,
                                                "msgtype": msgtype, msgtype: content})
        if notify:
            self.notify(open_kfid)
        return message["msgid"]

    def customer_says(self, open_kfid: str, user: str, text: str, *, notify: bool = True, ago: float = 0.0) -> str:
        """A customer's text message; returns its msgid."""
        return self.customer_sends(open_kfid, user, "text", {"content": text}, notify=notify, ago=ago)

    def enter_session(self, open_kfid: str, user: str, *, notify: bool = True) -> str:
        """The customer opens the chat (event enter_session, origin 4); returns the welcome_code."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.welcome_codes[code] = (open_kfid, user, self.now() + WELCOME_CODE_SECONDS)
            self._enqueue(open_kfid, {"send_time": int(self.now()), "origin": 4, "msgtype": "event",
                                      "event": {"event_type": "enter_session", "open_kfid": open_kfid,
                                                "external_userid": user, "scene": "", "scene_param": "",
                                                "welcome_code": code}})
        if notify:
            self.notify(open_kfid)
        return code

    def system_event(self, open_kfid: str, event: dict[str, Any], *, notify: bool = True) -> None:
        """Any other event (origin 4), e.g. {"event_type": "servicer_status_change", ...}."""
        with self.lock:
            self._enqueue(open_kfid, {"send_time": int(self.now()), "origin": 4, "msgtype": "event",
                                      "event": {"open_kfid": open_kfid, **event}})
        if notify:
            self.notify(open_kfid)

    # --- callbacks to the webhook -------------------------------------------------------------------------
    def crypto(self) -> WeChatCrypto:
        """wechatpy's WeChatCrypto with this platform's token, key and corp id."""
        return WeChatCrypto(self.token, self.aes_key, self.corp_id)

    def signed_callback(self, plain_xml: str, *, timestamp: int | None = None,
                        nonce: str | None = None) -> tuple[dict[str, str], str]:
        """The query (msg_signature, timestamp, nonce) and body of an encrypted callback carrying `plain_xml`."""
        timestamp = int(self.now()) if timestamp is None else timestamp
        nonce = nonce or secrets.token_hex(5)
        reply = self.crypto().encrypt_message(plain_xml, nonce, str(timestamp))
        encrypt = reply.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
        query = {"msg_signature": signature(self.token, str(timestamp), nonce, encrypt),
                 "timestamp": str(timestamp), "nonce": nonce}
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID><![CDATA[]]></AgentID>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        return query, body

    def event_xml(self, open_kfid: str, token: str) -> str:
        """The decrypted kf_msg_or_event callback."""
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><CreateTime>{int(self.now())}"
                f"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
                f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>")

    def issue_token(self, open_kfid: str) -> str:
        """A fresh callback Token for `open_kfid` (valid 10 minutes), as a callback carries."""
        token = "ENC" + secrets.token_urlsafe(30)
        with self.lock:
            self.kf_accounts.add(open_kfid)
            self.callback_tokens[token] = (open_kfid, self.now() + CALLBACK_TOKEN_SECONDS)
        return token

    def notify(self, open_kfid: str) -> requests.Response:
        """POST a kf_msg_or_event callback with a fresh Token to the webhook, as the platform does."""
        query, body = self.signed_callback(self.event_xml(open_kfid, self.issue_token(open_kfid)))
        return self.post_callback(query, body)

    def post_callback(self, query: dict[str, str], body: str | bytes) -> requests.Response:
        """POST a (possibly hand-made) callback to the webhook."""
        assert self.webhook_url, "set webhook_url first"
        data = body.encode() if isinstance(body, str) else body
        return requests.post(f"{self.webhook_url}?{urlencode(query)}", data=data, timeout=10,
                             headers={"Content-Type": "text/xml"})

    def verify_url(self, *, timestamp: int | None = None, forge: bool = False) -> tuple[requests.Response, str]:
        """The GET URL verification; returns the response and the plain echo the webhook must answer."""
        plain = secrets.token_hex(10)
        timestamp = int(self.now()) if timestamp is None else timestamp
        nonce = secrets.token_hex(5)
        echostr = PrpCrypto(self.crypto().key).encrypt(plain, self.corp_id).decode()
        sign = signature(self.token, str(timestamp), nonce, echostr)
        if forge:
            sign = signature("not-the-token", str(timestamp), nonce, echostr)
        query = {"msg_signature": sign, "timestamp": str(timestamp), "nonce": nonce, "echostr": echostr}
        response = requests.get(f"{self.webhook_url}?{urlencode(query)}", timeout=10)
        return response, plain

    # --- sending --------------------------------------------------------------------------------------------
    def _text(self, payload: dict[str, Any]) -> str:
        if payload.get("msgtype") != "text":
            raise ApiError(40008)
        content = (payload.get("text") or {}).get("content")
        if not isinstance(content, str) or not content:
            raise ApiError(40058)
        if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
            raise ApiError(45002)
        return content

    def _send_msg(self, payload: dict[str, Any]) -> dict[str, Any]:
        open_kfid = self._account(payload)
        user = payload.get("touser")
        content = self._text(payload)
        session = self.sessions[(open_kfid, user)]
        errcode = 0
        if session.state not in (NEW, BOT):
            errcode = 95018
        elif session.last_customer_at is None or self.now() - session.last_customer_at > WINDOW_SECONDS:
            errcode = 95002
        elif session.sent_since >= SENDS_PER_MESSAGE:
            errcode = 95001
        record = Sent(open_kfid, user, content, self.now(), errcode=errcode)
        if errcode:
            self.refused.append(record)
            raise ApiError(errcode)
        session.sent_since += 1
        self.sent.append(record)
        return {"msgid": payload.get("msgid") or secrets.token_hex(16)}

    def _send_msg_on_event(self, payload: dict[str, Any]) -> dict[str, Any]:
        code = payload.get("code")
        content = self._text(payload)
        issued = self.welcome_codes.pop(code, None) if isinstance(code, str) else None
        if issued is None or issued[2] < self.now():
            self.refused.append(Sent("", "", content, self.now(), "welcome", 40058))
            raise ApiError(40058)
        self.sent.append(Sent(issued[0], issued[1], content, self.now(), "welcome"))
        return {"msgid": payload.get("msgid") or secrets.token_hex(16)}

    # --- service state ------------------------------------------------------------------------------------
    def _session_of(self, payload: dict[str, Any]) -> Session:
        open_kfid = self._account(payload)
        user = payload.get("external_userid")
        if not isinstance(user, str) or (open_kfid, user) not in self.sessions:
            raise ApiError(40058)
        return self.sessions[(open_kfid, user)]

    def _state_get(self, payload: dict[str, Any]) -> dict[str, Any]:
        session = self._session_of(payload)
        result: dict[str, Any] = {"service_state": session.state}
        if session.state == HUMAN:
            result["servicer_userid"] = session.servicer
        return result

    def _state_trans(self, payload: dict[str, Any]) -> dict[str, Any]:
        session = self._session_of(payload)
        target = payload.get("service_state")
        if target not in TRANSITIONS[session.state]:
            raise ApiError(95016)
        servicer = payload.get("servicer_userid") or ""
        if target == HUMAN and not servicer:
            raise ApiError(40058)
        session.state, session.servicer = target, servicer if target == HUMAN else ""
        return {"msg_code": secrets.token_urlsafe(12)} if target in (HUMAN, ENDED) else {}

    def set_state(self, open_kfid: str, user: str, state: int, servicer: str = "") -> None:
        """Set a session's state directly (as an agent's action in the WeCom client would)."""
        with self.lock:
            session = self.sessions[(open_kfid, user)]
            session.state, session.servicer = state, servicer

    # --- what the tests read ------------------------------------------------------------------------------
    def replies_to(self, user: str) -> list[Sent]:
        """Every accepted message to `user` (send_msg and welcome), in order."""
        with self.lock:
            return [s for s in self.sent if s.touser == user]

    def wait_for_replies(self, user: str, count: int, timeout: float = 60.0) -> list[Sent]:
        """Wait until `user` has at least `count` accepted messages; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.replies_to(user)
            if len(replies) >= count:
                return replies
            time.sleep(0.1)
        raise AssertionError(f"{user} got {len(self.replies_to(user))} replies, expected {count}")

    def wait_for_syncs(self, open_kfid: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until the webhook's owner has made `count` sync_msg requests for `open_kfid`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                requests_made = [r for r in self.sync_requests if r.get("open_kfid") == open_kfid]
            if len(requests_made) >= count:
                return requests_made
            time.sleep(0.05)
        raise AssertionError(f"only {len(requests_made)} sync_msg requests for {open_kfid}")
