"""The WeChat Official Account channel's settings: environment first, then credentials.yml, then defaults.

Every setting the channel reads is listed in `DEFAULTS` (environment name → default). In credentials.yml the
same names may be given in lower case without the ``WECHAT_`` prefix (``token``, ``appid``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.channels.config import setting_reader
from bot.edge.settings import DEFAULTS as EDGE_DEFAULTS

WECHAT_API_BASE = "https://api.weixin.qq.com/cgi-bin/"

DEFAULTS: dict[str, str] = {
    "WECHAT_TOKEN": "onevisit-dev",
    "WECHAT_APPID": "",
    "WECHAT_APPSECRET": "",
    "WECHAT_ENCODING_AES_KEY": "",
    "WECHAT_API_BASE": WECHAT_API_BASE,
    "WECHAT_PASSIVE_SECONDS": "4",  # WeChat waits 5 s for a passive reply, then retries
    "WECHAT_API_TIMEOUT": "5",  # each call to the WeChat API (token, customer-service message)
    "WECHAT_TURN_SECONDS": "60",  # longest wait for a Rasa turn before apologising
    "WECHAT_TIMESTAMP_WINDOW": "300",  # accepted clock difference of a request's timestamp, seconds
    "WECHAT_TEXT_MAX_BYTES": "2048",  # WeChat's limit for one text message (passive or customer-service)
    "WECHAT_FOLLOW_UP_DELAY": "0.5",  # pause before customer-service messages that follow a passive reply
}


@dataclass(frozen=True)
class WeChatSettings:
    """Credentials of the Official Account, where its API is, and the channel's time and size limits."""

    token: str = DEFAULTS["WECHAT_TOKEN"]
    appid: str = ""
    appsecret: str = field(default="", repr=False)
    encoding_aes_key: str = field(default="", repr=False)
    api_base: str = WECHAT_API_BASE
    passive_seconds: float = 4.0
    api_timeout: float = 5.0
    turn_seconds: float = 60.0
    timestamp_window: int = 300
    text_max_bytes: int = 2048
    follow_up_delay: float = 0.5
    max_message_chars: int = int(EDGE_DEFAULTS["MAX_MESSAGE_CHARS"])

    @property
    def can_send(self) -> bool:
        """True when the customer-service message API can be used (AppID and AppSecret are set)."""
        return bool(self.appid and self.appsecret)

    @property
    def account(self) -> str:
        """The account part of sender ids and store keys."""
        return self.appid or "dev"


def load_wechat_settings(credentials: Mapping[str, Any] | None = None,
                         environ: Mapping[str, str] | None = None) -> WeChatSettings:
    """The settings from `environ` (default: the process environment), then `credentials`, then DEFAULTS."""
    env = os.environ if environ is None else environ
    get = setting_reader("WECHAT_", DEFAULTS, credentials, env)

    api_base = get("WECHAT_API_BASE")
    max_chars = env.get("MAX_MESSAGE_CHARS") or EDGE_DEFAULTS["MAX_MESSAGE_CHARS"]
    return WeChatSettings(
        token=get("WECHAT_TOKEN"),
        appid=get("WECHAT_APPID"),
        appsecret=get("WECHAT_APPSECRET"),
        encoding_aes_key=get("WECHAT_ENCODING_AES_KEY"),
        api_base=api_base if api_base.endswith("/") else api_base + "/",
        passive_seconds=float(get("WECHAT_PASSIVE_SECONDS")),
        api_timeout=float(get("WECHAT_API_TIMEOUT")),
        turn_seconds=float(get("WECHAT_TURN_SECONDS")),
        timestamp_window=int(get("WECHAT_TIMESTAMP_WINDOW")),
        text_max_bytes=int(get("WECHAT_TEXT_MAX_BYTES")),
        follow_up_delay=float(get("WECHAT_FOLLOW_UP_DELAY")),
        max_message_chars=int(max_chars),
    )
