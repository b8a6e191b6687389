"""Fixtures for the privacy tests: real SQLite files, real Fernet keys, the default vault pointed at a temp database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.privacy import vault as vault_module


@pytest.fixture
def default_vault_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """DATABASE_URL and ONEVISIT_VAULT_KEY for a fresh default vault (what the edge and the action server use)."""
    database = tmp_path / "catalog.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv(vault_module.KEY_ENV, Fernet.generate_key().decode())
    vault_module._vault_for.cache_clear()
    yield database
    vault_module._vault_for.cache_clear()
