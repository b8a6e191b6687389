"""The edge server's settings: every environment variable it reads and its default, in one place."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PROJECT_ROOT

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULTS: dict[str, str] = {
    "EDGE_HOST": "127.0.0.1",
    "WEB_PORT": "8080",
    "RASA_URL": "http://127.0.0.1:5005",
    "MAX_MESSAGE_CHARS": "500",
    "EDGE_MAX_BODY_BYTES": "8192",
    "EDGE_RATE_PER_SENDER": "20/minute",
    "EDGE_RATE_PER_CLIENT": "120/minute",
    "EDGE_RATE_STORAGE": "memory://",
    "TRUSTED_PROXIES": "",
    "EDGE_UPSTREAM_TIMEOUT": "30",
    "EDGE_WEB_DIR": str(PROJECT_ROOT / "web"),
    "EDGE_LOG_KEY": "",
    "HOTLINE": "12345",
    "WIDGET_ORIGINS": "*",
}


@dataclass(frozen=True)
class EdgeSettings:
    """What the edge listens on, where Rasa is, and the limits it enforces."""

    host: str = DEFAULTS["EDGE_HOST"]
    port: int = int(DEFAULTS["WEB_PORT"])
    rasa_url: str = DEFAULTS["RASA_URL"]
    max_message_chars: int = int(DEFAULTS["MAX_MESSAGE_CHARS"])
    max_body_bytes: int = int(DEFAULTS["EDGE_MAX_BODY_BYTES"])
    rate_per_sender: str = DEFAULTS["EDGE_RATE_PER_SENDER"]
    rate_per_client: str = DEFAULTS["EDGE_RATE_PER_CLIENT"]
    rate_storage: str = DEFAULTS["EDGE_RATE_STORAGE"]
    trusted_proxies: tuple[IPNetwork, ...] = ()
    upstream_timeout: float = float(DEFAULTS["EDGE_UPSTREAM_TIMEOUT"])
    web_dir: Path = Path(DEFAULTS["EDGE_WEB_DIR"])
    log_key: bytes = field(default=b"", repr=False)
    hotline: str = DEFAULTS["HOTLINE"]
    widget_origins: str = DEFAULTS["WIDGET_ORIGINS"]

    @property
    def webhook_url(self) -> str:
        """Rasa's REST channel."""
        return self.rasa_url.rstrip("/") + "/webhooks/rest/webhook"


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma-separated IP addresses or CIDR blocks; a bad entry raises ValueError naming it."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR block") from error
    return tuple(networks)


def load_settings(environ: Mapping[str, str] | None = None) -> EdgeSettings:
    """Read the settings from the environment (or `environ`); unset variables take DEFAULTS."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(name) or DEFAULTS[name]

    log_key = get("EDGE_LOG_KEY").encode() if env.get("EDGE_LOG_KEY") else secrets.token_bytes(16)
    return EdgeSettings(
        host=get("EDGE_HOST"),
        port=int(get("WEB_PORT")),
        rasa_url=get("RASA_URL"),
        max_message_chars=int(get("MAX_MESSAGE_CHARS")),
        max_body_bytes=int(get("EDGE_MAX_BODY_BYTES")),
        rate_per_sender=get("EDGE_RATE_PER_SENDER"),
        rate_per_client=get("EDGE_RATE_PER_CLIENT"),
        rate_storage=get("EDGE_RATE_STORAGE"),
        trusted_proxies=parse_networks(env.get("TRUSTED_PROXIES", DEFAULTS["TRUSTED_PROXIES"])),
        upstream_timeout=float(get("EDGE_UPSTREAM_TIMEOUT")),
        web_dir=Path(get("EDGE_WEB_DIR")),
        log_key=log_key,
        hotline=get("HOTLINE"),
        widget_origins=env.get("WIDGET_ORIGINS", DEFAULTS["WIDGET_ORIGINS"]),
    )
