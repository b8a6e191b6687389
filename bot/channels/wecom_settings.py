"""The WeCom customer-service (微信客服) channel's settings: environment first, then credentials.yml, then defaults.

Every setting the channel reads is listed in `DEFAULTS` (environment name → default). In credentials.yml the
same names may be given in lower case without the ``WECOM_`` prefix (``corp_id``, ``secret``, ...). The
message length limit (MAX_MESSAGE_CHARS) and the hotline (HOTLINE) are the edge's, read from the same
environment variables.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.channels.config import setting_reader
from bot.edge.settings import DEFAULTS as EDGE_DEFAULTS

WECOM_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"

DEFAULTS: dict[str, str] = {
    "WECOM_CORP_ID": "",
    "WECOM_SECRET": "",  # the secret of the 微信客服 application (not of the whole corp)
    "WECOM_TOKEN": "",
    "WECOM_ENCODING_AES_KEY": "",
    "WECOM_API_BASE": WECOM_API_BASE,
    "WECOM_API_TIMEOUT": "5",  # each call to the WeCom API, seconds
    "WECOM_TURN_SECONDS": "60",  # longest wait for a Rasa turn before apologising
    "WECOM_TIMESTAMP_WINDOW": "300",  # accepted clock difference of a callback's timestamp, seconds
    "WECOM_TEXT_MAX_BYTES": "2048",  # the kf API's limit for one text message
    "WECOM_SYNC_LIMIT": "1000",  # messages per kf/sync_msg page (the API's maximum)
    "WECOM_MAX_BODY_BYTES": "65536",  # a callback body is a few hundred bytes; anything far larger is refused
}


@dataclass(frozen=True)
class WeComSettings:
    """Credentials of the WeCom kf application, where its API is, and the channel's time and size limits."""

    corp_id: str = ""
    secret: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    encoding_aes_key: str = field(default="", repr=False)
    api_base: str = WECOM_API_BASE
    api_timeout: float = 5.0
    turn_seconds: float = 60.0
    timestamp_window: int = 300
    text_max_bytes: int = 2048
    sync_limit: int = 1000
    max_body_bytes: int = 65536
    max_message_chars: int = int(EDGE_DEFAULTS["MAX_MESSAGE_CHARS"])
    hotline: str = EDGE_DEFAULTS["HOTLINE"]

    @property
    def problems(self) -> list[str]:
        """What is missing or wrong for the channel to work (names only, never values)."""
        missing = [name for name, value in (("WECOM_CORP_ID", self.corp_id), ("WECOM_SECRET", self.secret),
                                            ("WECOM_TOKEN", self.token),
                                            ("WECOM_ENCODING_AES_KEY", self.encoding_aes_key)) if not value]
        if self.encoding_aes_key and not valid_aes_key(self.encoding_aes_key):
            missing.append("WECOM_ENCODING_AES_KEY (must be the 43 characters from the admin console)")
        return missing

    @property
    def configured(self) -> bool:
        """True when the callback can be verified and the API used."""
        return not self.problems

    @property
    def token_key(self) -> str:
        """The ChannelStore key of this application's access token."""
        return f"wecom:{self.corp_id}:kf"


def valid_aes_key(key: str) -> bool:
    """An EncodingAESKey is 43 base64 characters that decode to 32 bytes."""
    if len(key) != 43:
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def load_wecom_settings(credentials: Mapping[str, Any] | None = None,
                        environ: Mapping[str, str] | None = None) -> WeComSettings:
    """The settings from `environ` (default: the process environment), then `credentials`, then DEFAULTS."""
    env = os.environ if environ is None else environ
    get = setting_reader("WECOM_", DEFAULTS, credentials, env)

    api_base = get("WECOM_API_BASE")
    return WeComSettings(
        corp_id=get("WECOM_CORP_ID"),
        secret=get("WECOM_SECRET"),
        token=get("WECOM_TOKEN"),
        encoding_aes_key=get("WECOM_ENCODING_AES_KEY"),
        api_base=api_base if api_base.endswith("/") else api_base + "/",
        api_timeout=float(get("WECOM_API_TIMEOUT")),
        turn_seconds=float(get("WECOM_TURN_SECONDS")),
        timestamp_window=int(get("WECOM_TIMESTAMP_WINDOW")),
        text_max_bytes=int(get("WECOM_TEXT_MAX_BYTES")),
        sync_limit=max(1, min(1000, int(get("WECOM_SYNC_LIMIT")))),
        max_body_bytes=int(get("WECOM_MAX_BODY_BYTES")),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS") or EDGE_DEFAULTS["MAX_MESSAGE_CHARS"]),
        hotline=env.get("HOTLINE") or EDGE_DEFAULTS["HOTLINE"],
    )
