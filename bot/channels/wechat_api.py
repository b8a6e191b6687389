"""The WeChat API calls the channel makes: the access token (shared by all processes) and customer-service text.

Built on wechatpy's `WeChatClient` with the API base overridable (tests point it to a fake platform) and a
timeout on every request. The token comes from `ChannelStore.access_token`, so N processes fetch it once;
a token WeChat calls invalid (40001, 40014, 42001) is dropped from the store and the call tried once more.
These calls block: the channel runs them in a worker thread.
"""

from __future__ import annotations

import logging
import threading

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.channels.store import ChannelStore
from bot.channels.wechat_settings import WeChatSettings

logger = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}


class StoreBackedClient(WeChatClient):
    """A wechatpy client whose access token lives in the `ChannelStore` instead of process memory."""

    def __init__(self, settings: WeChatSettings, store: ChannelStore) -> None:
        super().__init__(settings.appid, settings.appsecret, timeout=settings.api_timeout, auto_retry=False)
        self.API_BASE_URL = settings.api_base
        self.store = store

    @property
    def token_key(self) -> str:
        return f"wechat:{self.appid}"

    @property
    def access_token(self) -> str:  # type: ignore[override]
        """The account's access token, fetched by one process and shared through the store."""
        return self.store.access_token(self.token_key, self.fetch_token)

    def fetch_token(self) -> tuple[str, int]:
        """GET {api_base}token: a new token and its lifetime; WeChatClientException on an error code."""
        logger.info("wechat: fetching a new access token")
        response = self._http.get(
            self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise WeChatClientException(errcode=None, errmsg=f"HTTP {response.status_code}")
        result = self._handle_result(response)  # raises WeChatClientException for a non-zero errcode
        if not isinstance(result, dict) or not result.get("access_token"):
            raise WeChatClientException(errcode=None, errmsg="no access_token in the answer")
        return str(result["access_token"]), int(result.get("expires_in") or 7200)

    def fetch_access_token(self) -> dict[str, object]:
        """wechatpy's hook, kept consistent with the store."""
        token, expires_in = self.fetch_token()
        return {"access_token": token, "expires_in": expires_in}


class WeChatApi:
    """Customer-service messages for one Official Account (one client per worker thread)."""

    def __init__(self, settings: WeChatSettings, store: ChannelStore) -> None:
        self.settings = settings
        self.store = store
        self._local = threading.local()

    def client(self) -> StoreBackedClient:
        """This thread's wechatpy client."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = StoreBackedClient(self.settings, self.store)
            self._local.client = client
        return client

    def send_text(self, openid: str, content: str) -> None:
        """POST message/custom/send with a text; a rejected token is replaced once."""
        client = self.client()
        data = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in (1, 2):
            token = client.access_token
            try:
                client.post("message/custom/send", params={"access_token": token}, data=data)
                return
            except WeChatClientException as error:
                if error.errcode in TOKEN_ERRORS and attempt == 1:
                    logger.info("wechat: access token rejected (%s), fetching a new one", error.errcode)
                    self.store.invalidate_token(client.token_key, token)
                    continue
                raise
