"""How the lock store reaches Redis: every option of the `lock_store` section of an endpoints file, parsed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_PORT = 6379
DEFAULT_DB = 1  # Rasa's RedisLockStore uses db 1 too
DEFAULT_TIMEOUT = 1.0  # seconds: a lock call blocks Rasa's event loop, so it must fail fast
DEFAULT_RETRIES = 1  # one more attempt after a dropped connection (every script is idempotent)
DEFAULT_POLL_INTERVAL = 0.1  # seconds between checks while a message waits for its turn (Rasa: 1 s)
DEFAULT_RETENTION = 600.0  # seconds a conversation's ticket counter outlives its last ticket

_NUMBERS = {"port": int, "db": int, "socket_timeout": float, "socket_connect_timeout": float,
            "retries": int, "poll_interval": float, "retention": float}
_FLAGS = ("use_ssl",)
_TEXTS = ("username", "password", "ssl_certfile", "ssl_keyfile", "ssl_ca_certs", "key_prefix")
KNOWN_OPTIONS = frozenset(_NUMBERS) | frozenset(_FLAGS) | frozenset(_TEXTS)


@dataclass(frozen=True)
class RedisSettings:
    """Where Redis is, how long to wait for it, and how the lock store names its keys."""

    host: str = "localhost"
    port: int = DEFAULT_PORT
    db: int = DEFAULT_DB
    url: str | None = None  # a full redis:// or rediss:// URL instead of host, port, db and password
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_ca_certs: str | None = None
    key_prefix: str | None = None
    socket_timeout: float = DEFAULT_TIMEOUT
    socket_connect_timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    poll_interval: float = DEFAULT_POLL_INTERVAL
    retention: float = DEFAULT_RETENTION

    def __post_init__(self) -> None:
        if self.key_prefix is not None and not self.key_prefix.isalnum():
            raise ValueError(f"lock store: key_prefix must be letters and digits only, not {self.key_prefix!r}")
        for name in ("socket_timeout", "socket_connect_timeout", "poll_interval", "retention"):
            if getattr(self, name) <= 0:
                raise ValueError(f"lock store: {name} must be positive")
        if self.retries < 0:
            raise ValueError("lock store: retries must be 0 or more")

    def describe(self) -> str:
        """Where Redis is, for error messages: never the password."""
        if self.url:
            parts = urlsplit(self.url)
            return f"{parts.scheme}://{parts.hostname}:{parts.port or DEFAULT_PORT}{parts.path or ''}"
        return f"{self.host}:{self.port}/{self.db}"


def _coerce(name: str, value: Any) -> Any:
    """A value from YAML (environment variables arrive as text) in the option's type; '' means unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name in _NUMBERS:
        try:
            return _NUMBERS[name](value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"lock store: {name} must be a number, not {value!r}") from error
    if name in _FLAGS:
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    return str(value)


def settings_from_options(url: str | None, options: Mapping[str, Any]) -> RedisSettings:
    """Settings from an endpoints file's `url` (a host name or a redis:// URL) and its other keys.

    Unknown keys are refused, so a misspelt option fails at start-up instead of being ignored.
    """
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        raise ValueError(f"lock store: unknown option(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(KNOWN_OPTIONS))}")
    values = {name: _coerce(name, value) for name, value in options.items()}
    values = {name: value for name, value in values.items() if value is not None}
    url = (url or "").strip()
    if "://" in url:
        if not url.startswith(("redis://", "rediss://")):
            raise ValueError("lock store: url must be a host name or a redis:// or rediss:// URL")
        values["url"] = url
    elif url:
        values["host"] = url
    return RedisSettings(**values)
