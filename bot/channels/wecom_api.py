"""The WeCom 微信客服 (kf) API client: one access token for all processes, typed errors, timeouts.

Calls: ``kf/sync_msg`` (pull messages and events), ``kf/send_msg`` (a text to a customer),
``kf/send_msg_on_event`` (the welcome text after enter_session), ``kf/service_state/get`` and
``kf/service_state/trans`` (who serves the customer: 0 new, 1 the bot, 2 queued, 3 a human agent, 4 ended).

The access token comes from ``gettoken?corpid&corpsecret`` through `ChannelStore.access_token`, so several
Rasa processes share one token; when the API calls it invalid or expired (40014, 42001, 40001) it is
invalidated and the call is made once more with a fresh token. Bodies are sent as UTF-8 JSON without
``\\uXXXX`` escapes (WeCom refuses those with 40033). Every request has a timeout.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import requests

from bot.channels.store import ChannelStore
from bot.channels.wecom_settings import WeComSettings, load_wecom_settings

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
NEW, BOT, QUEUED, HUMAN, ENDED = 0, 1, 2, 3, 4

# errcodes of the kf API the channel reacts to
COUNT_LIMIT = 95001  # five messages after the customer's last message were already sent
TIME_LIMIT = 95002  # more than 48 hours since the customer's last message
INVALID_MSG_TOKEN = 95007  # the callback Token expired (10 minutes) or belongs to another account
SESSION_STATE_INVALID = 95018  # the session is queued, with a human agent or ended


class WeComError(Exception):
    """The API answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"errcode {errcode}")
        self.errcode = errcode
        self.errmsg = errmsg[:200]


class WeComUnavailable(Exception):
    """The API could not be reached, timed out, or answered something that is not its JSON."""


@dataclass(frozen=True)
class SyncPage:
    """One page of kf/sync_msg."""

    messages: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class ServiceState:
    """Who serves a customer now (`state` 0..4) and, for state 3, which agent."""

    state: int
    servicer_userid: str = ""


@dataclass
class WeComApi:
    """The kf API of one WeCom application; the aiohttp session is opened on first use (in the running loop)."""

    settings: WeComSettings
    store: ChannelStore
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> WeComApi:
        """The client configured like the channel (WECOM_* variables, the ChannelStore of CHANNEL_DATABASE_URL)."""
        return cls(load_wecom_settings(), ChannelStore.from_env())

    # --- access token -------------------------------------------------------------------------------------
    def fetch_token(self) -> tuple[str, int]:
        """A new access token from gettoken (blocking; `ChannelStore.access_token` calls it in one process)."""
        try:
            response = requests.get(self.settings.api_base + "gettoken",
                                    params={"corpid": self.settings.corp_id, "corpsecret": self.settings.secret},
                                    timeout=self.settings.api_timeout)
            data = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError) as error:
            raise WeComUnavailable(f"gettoken failed: {type(error).__name__}") from error
        if not isinstance(data, dict):
            raise WeComUnavailable(f"gettoken answered HTTP {response.status_code}")
        if data.get("errcode", 0) != 0 or not data.get("access_token"):
            raise WeComError(int(data.get("errcode") or -1), str(data.get("errmsg", "")))
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    async def _token(self) -> str:
        return await asyncio.to_thread(self.store.access_token, self.settings.token_key, self.fetch_token)

    # --- calls ----------------------------------------------------------------------------------------------
    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST `payload` to `path` (e.g. "kf/sync_msg"); the JSON answer when errcode is 0."""
        for attempt in (1, 2):
            token = await self._token()
            data = await self._post(path, token, payload)
            errcode = int(data.get("errcode") or 0)
            if errcode in TOKEN_ERRORS and attempt == 1:
                await asyncio.to_thread(self.store.invalidate_token, self.settings.token_key, token)
                continue
            if errcode:
                raise WeComError(errcode, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post(self, path: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.api_timeout))
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            async with self._session.post(self.settings.api_base + path, params={"access_token": token}, data=body,
                                          headers={"Content-Type": "application/json; charset=utf-8"}) as response:
                if response.status != 200:
                    raise WeComUnavailable(f"{path} answered HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise WeComUnavailable(f"{path} failed: {type(error).__name__}") from error
        if not isinstance(data, dict):
            raise WeComUnavailable(f"{path} answered no JSON object")
        return data

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- kf messages ----------------------------------------------------------------------------------------
    async def sync_msg(self, open_kfid: str, cursor: str | None, token: str | None, limit: int) -> SyncPage:
        """One page of messages and events of `open_kfid` after `cursor` (all of the last 3 days without one)."""
        payload: dict[str, Any] = {"open_kfid": open_kfid, "limit": limit, "voice_format": 0}
        if cursor:
            payload["cursor"] = cursor
        if token:
            payload["token"] = token
        data = await self.call("kf/sync_msg", payload)
        messages = [m for m in data.get("msg_list") or [] if isinstance(m, dict)]
        return SyncPage(messages, str(data.get("next_cursor") or ""), bool(data.get("has_more")))

    async def send_text(self, open_kfid: str, external_userid: str, content: str) -> str:
        """Send a text to a customer; the platform's msgid."""
        data = await self.call("kf/send_msg", {"touser": external_userid, "open_kfid": open_kfid,
                                                "msgtype": "text", "text": {"content": content}})
        return str(data.get("msgid", ""))

    async def send_welcome(self, welcome_code: str, content: str) -> str:
        """The welcome text after enter_session (kf/send_msg_on_event, one message per code, within 20 s)."""
        data = await self.call("kf/send_msg_on_event", {"code": welcome_code, "msgtype": "text",
                                                         "text": {"content": content}})
        return str(data.get("msgid", ""))

    # --- service state --------------------------------------------------------------------------------------
    async def get_service_state(self, open_kfid: str, external_userid: str) -> ServiceState:
        """Who serves the customer now (kf/service_state/get)."""
        data = await self.call("kf/service_state/get", {"open_kfid": open_kfid, "external_userid": external_userid})
        return ServiceState(int(data.get("service_state", NEW)), str(data.get("servicer_userid") or ""))

    async def trans_service_state(self, open_kfid: str, external_userid: str, service_state: int,
                                  servicer_userid: str | None = None) -> str:
        """Move the customer's session to `service_state` (kf/service_state/trans); the msg_code if any.

        For state 3 (a human agent) `servicer_userid` names the agent; the msg_code answered for states 3
        and 4 lets one message be sent with kf/send_msg_on_event.
        """
        payload: dict[str, Any] = {"open_kfid": open_kfid, "external_userid": external_userid,
                                   "service_state": service_state}
        if servicer_userid:
            payload["servicer_userid"] = servicer_userid
        data = await self.call("kf/service_state/trans", payload)
        return str(data.get("msg_code") or "")

