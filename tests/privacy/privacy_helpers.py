"""Helpers for the privacy tests: a vault on a real SQLite file under a real Fernet key, and a settable clock."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine

from bot.privacy.vault import Vault


class Clock:
    """A clock the test moves on (the vault reads the time through it)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def new_vault(folder: Path, clock: Clock | None = None) -> Vault:
    """A vault in ``folder``/vault.db with a fresh key."""
    engine = create_engine(f"sqlite:///{folder / 'vault.db'}", future=True)
    return Vault(engine, Fernet.generate_key(), clock=clock or Clock())
