"""Settings read from environment variables, with defaults for a local embedded run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where the knowledge and the catalog database live, and how often to look for changes."""

    database_url: str
    knowledge_dir: Path
    reload_interval: float
    hotline: str
    resolver_cache_dir: str  # fitted resolvers (bot/resolver/cache.py); empty: fit at every start
    resolver_cache_keep: int  # how many of them are kept, the last used first


def settings() -> Settings:
    """Read the settings from the environment (called when needed, never at import time)."""
    default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'onevisit.db'}"
    return Settings(
        database_url=os.environ.get("DATABASE_URL", default_db),
        knowledge_dir=Path(os.environ.get("KNOWLEDGE_DIR", str(PROJECT_ROOT / "knowledge"))),
        reload_interval=float(os.environ.get("CATALOG_RELOAD_SECONDS", "2")),
        hotline=os.environ.get("HOTLINE", "12345"),
        resolver_cache_dir=os.environ.get("RESOLVER_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache" / "resolver")),
        resolver_cache_keep=int(os.environ.get("RESOLVER_CACHE_KEEP", "3")),
    )
