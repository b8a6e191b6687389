"""``python -m bot privacy purge [--days N] [--url URL]``: the retention run (see `bot.privacy.retention`)."""

from __future__ import annotations

import argparse
import sys

from bot.privacy.retention import purge_older_than, retention_days, safe_url, tracker_store_url


def run(args: argparse.Namespace) -> int:
    """Delete old conversation events, then expired sealed factors; print how many."""
    days = args.days if args.days is not None else retention_days()
    if not days > 0:
        print("--days 须为正数", file=sys.stderr)
        return 2
    url = args.url or tracker_store_url()
    conversations, events = purge_older_than(url, days)
    print(f"对话存储 {safe_url(url)}：删除了 {days:g} 天以前的 {events} 条事件，"
          f"其中 {conversations} 个对话已全部删除")
    print(f"conversations={conversations} events={events}")
    expired = _purge_vault()
    if expired is not None:
        print(f"验证信息保管库：删除了 {expired} 条已过期的加密验证信息")
    return 0


def _purge_vault() -> int | None:
    """Expired sealed factors deleted from the catalog database; None when it has no vault table."""
    from sqlalchemy import create_engine, inspect

    from bot.config import settings
    from bot.privacy.vault import purge_expired, sealed_factors

    engine = create_engine(settings().database_url, future=True)
    try:
        if not inspect(engine).has_table(sealed_factors.name):
            return None
        return purge_expired(engine)
    finally:
        engine.dispose()
