"""Configuration of the case-status API client, read from environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_URL = "http://127.0.0.1:8090"
DEFAULT_TOKEN = "dev-token"


@dataclass(frozen=True)
class CaseApiConfig:
    """Where the API is, how to authenticate, and how long the assistant may wait.

    ``deadline`` bounds one lookup including retries and back-off, so the citizen gets an answer
    (possibly "the service is unavailable") within about three seconds.
    """

    base_url: str = DEFAULT_URL
    token: str = field(default=DEFAULT_TOKEN, repr=False)
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    deadline: float = 3.0
    retries: int = 2
    backoff: float = 0.1
    breaker_threshold: int = 3
    breaker_cooldown: float = 30.0
    max_body_bytes: int = 256 * 1024

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("CASE_API_URL must start with http:// or https://")
        for name in ("connect_timeout", "read_timeout", "deadline", "breaker_cooldown"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.retries < 0 or self.backoff < 0 or self.breaker_threshold < 1:
            raise ValueError("retries and backoff must be >= 0, breaker_threshold >= 1")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CaseApiConfig:
        """Build the configuration from ``CASE_API_*`` variables (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        return cls(
            base_url=env.get("CASE_API_URL", DEFAULT_URL).rstrip("/"),
            token=env.get("CASE_API_TOKEN", DEFAULT_TOKEN),
            connect_timeout=_float(env, "CASE_API_CONNECT_TIMEOUT", 1.0),
            read_timeout=_float(env, "CASE_API_READ_TIMEOUT", 2.0),
            deadline=_float(env, "CASE_API_DEADLINE", 3.0),
            retries=_int(env, "CASE_API_RETRIES", 2),
            backoff=_float(env, "CASE_API_BACKOFF", 0.1),
            breaker_threshold=_int(env, "CASE_API_BREAKER_THRESHOLD", 3),
            breaker_cooldown=_float(env, "CASE_API_BREAKER_COOLDOWN", 30.0),
        )


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc
