"""The console service's settings: every environment variable it reads and its default, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PROJECT_ROOT

DEFAULT_PORT = 8070
DEFAULT_HOURS = "mon-fri 08:30-17:30"
HOOK_TOKEN_HEADER = "X-Console-Token"


@dataclass(frozen=True)
class ConsoleSettings:
    """Where the console keeps its tables, what it listens on, and the services it talks to.

    - ``database_url``: ``CONSOLE_DATABASE_URL``, else ``DATABASE_URL`` (the catalog database; tables ``console_*``);
    - ``host``/``port``: ``CONSOLE_HOST`` (127.0.0.1) / ``CONSOLE_PORT`` (8070);
    - ``service_hours``/``closed_days``/``timezone``: ``CONSOLE_SERVICE_HOURS`` (``mon-fri 08:30-17:30``,
      ``always``), ``CONSOLE_CLOSED_DAYS`` (``2026-10-01,2026-10-02``), ``CONSOLE_TIMEZONE`` (Asia/Shanghai);
    - ``token_hours``: ``CONSOLE_TOKEN_HOURS`` (12), how long a login lasts;
    - ``rasa_hook_url``/``rasa_hook_token``/``hook_timeout``: ``CONSOLE_RASA_HOOK_URL`` (empty: not sent, kept in
      the outbox), ``CONSOLE_RASA_HOOK_TOKEN`` (sent in ``X-Console-Token``), ``CONSOLE_HOOK_TIMEOUT`` (5 s);
    - ``tracker_store_url``: ``TRACKER_STORE_URL``, read by the analytics;
    - ``knowledge_dir``/``catalog_database_url``: ``KNOWLEDGE_DIR`` / ``DATABASE_URL``, for the maintainers' loop;
    - ``regression_file``: ``CONSOLE_REGRESSION_FILE`` (eval/regression/maintainers.tsv);
    - ``allowed_origins``: ``CONSOLE_ALLOWED_ORIGINS``, comma-separated origins allowed to call the API from a
      browser (CORS); empty: same origin only;
    - ``hotline``: ``HOTLINE`` (12345).
    """

    database_url: str
    catalog_database_url: str
    tracker_store_url: str
    knowledge_dir: Path
    regression_file: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    service_hours: str = DEFAULT_HOURS
    closed_days: tuple[str, ...] = ()
    timezone: str = "Asia/Shanghai"
    token_hours: float = 12.0
    rasa_hook_url: str = ""
    rasa_hook_token: str = field(default="", repr=False)
    hook_timeout: float = 5.0
    allowed_origins: tuple[str, ...] = ()
    hotline: str = "12345"


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def load_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    """Read the settings from the environment (or ``environ``); called at start-up, never at import."""
    env = os.environ if environ is None else environ
    catalog_url = env.get("DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'onevisit.db'}"
    hook_url = (env.get("CONSOLE_RASA_HOOK_URL") or "").strip()
    if hook_url and not hook_url.startswith(("http://", "https://")):
        raise ValueError("CONSOLE_RASA_HOOK_URL must start with http:// or https://")
    return ConsoleSettings(
        database_url=env.get("CONSOLE_DATABASE_URL") or catalog_url,
        catalog_database_url=catalog_url,
        tracker_store_url=env.get("TRACKER_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}",
        knowledge_dir=Path(env.get("KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge"),
        regression_file=Path(env.get("CONSOLE_REGRESSION_FILE")
                             or PROJECT_ROOT / "eval" / "regression" / "maintainers.tsv"),
        host=env.get("CONSOLE_HOST") or "127.0.0.1",
        port=int(env.get("CONSOLE_PORT") or DEFAULT_PORT),
        service_hours=env.get("CONSOLE_SERVICE_HOURS") or DEFAULT_HOURS,
        closed_days=_list(env.get("CONSOLE_CLOSED_DAYS")),
        timezone=env.get("CONSOLE_TIMEZONE") or "Asia/Shanghai",
        token_hours=_positive(env, "CONSOLE_TOKEN_HOURS", 12.0),
        rasa_hook_url=hook_url,
        rasa_hook_token=env.get("CONSOLE_RASA_HOOK_TOKEN") or "",
        hook_timeout=_positive(env, "CONSOLE_HOOK_TIMEOUT", 5.0),
        allowed_origins=_list(env.get("CONSOLE_ALLOWED_ORIGINS")),
        hotline=env.get("HOTLINE") or "12345",
    )
