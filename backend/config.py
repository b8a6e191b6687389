"""Settings of the reference server, read from environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "backend.db"
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class BackendConfig:
    """Where to listen, the bearer token, the database, and the rate limits.

    ``rate_limit`` requests per requester per ``rate_window`` seconds, counted after the token check;
    the requester is the end user the trusted client names in ``X-End-User``, or the client itself
    when it names none. ``verify_failure_limit`` failed verifications per case number and requester
    per ``verify_failure_window`` seconds lock that requester out of that case (a stranger's guesses
    never lock the owner). ``case_phone_failure_limit`` failed verifications of one case number from
    all requesters together in the same window suspend checking phone digits for it (against
    guessers who rotate identities); the receipt's query code, a strong secret, always works.
    A limit of 0 turns that limiter off.
    """

    host: str = "127.0.0.1"
    port: int = 8090
    token: str = field(default="dev-token", repr=False)
    database_url: str = f"sqlite:///{DEFAULT_DATABASE_PATH}"
    rate_limit: int = 60
    rate_window: float = 60.0
    verify_failure_limit: int = 5
    verify_failure_window: float = 900.0
    case_phone_failure_limit: int = 20
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BackendConfig:
        """Read ``BACKEND_*`` and ``CASE_API_TOKEN`` (``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            host=env.get("BACKEND_HOST", defaults.host),
            port=_number(env, "BACKEND_PORT", defaults.port, int),
            token=env.get("CASE_API_TOKEN", defaults.token),
            database_url=env.get("BACKEND_DATABASE_URL", defaults.database_url),
            rate_limit=_number(env, "BACKEND_RATE_LIMIT", defaults.rate_limit, int),
            rate_window=_number(env, "BACKEND_RATE_WINDOW", defaults.rate_window, float),
            verify_failure_limit=_number(
                env, "BACKEND_VERIFY_FAILURE_LIMIT", defaults.verify_failure_limit, int
            ),
            verify_failure_window=_number(
                env, "BACKEND_VERIFY_FAILURE_WINDOW", defaults.verify_failure_window, float
            ),
            case_phone_failure_limit=_number(
                env, "BACKEND_CASE_PHONE_FAILURE_LIMIT", defaults.case_phone_failure_limit, int
            ),
            log_level=env.get("BACKEND_LOG_LEVEL", defaults.log_level).upper(),
        )


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N]) -> N:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value
