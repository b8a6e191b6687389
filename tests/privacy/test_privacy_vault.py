"""bot.privacy.vault: sealed factors are encrypted, read back once, by their sender only, before they expire."""

from __future__ import annotations

import os
import stat

import pytest
from privacy_helpers import Clock, new_vault
from sqlalchemy import select

from bot.entities import PHONE_LAST4, QUERY_CODE
from bot.privacy import vault as vault_module
from bot.privacy.placeholders import PLACEHOLDER_RE, find_placeholders
from bot.privacy.vault import DEFAULT_TTL, load_key, sealed_factors


def test_seal_and_unseal_round_trip(tmp_path):
    vault = new_vault(tmp_path)
    text = vault.seal("1234", PHONE_LAST4, "alice")
    assert PLACEHOLDER_RE.fullmatch(text) and text.startswith("〔已加密的手机尾号#")
    assert vault.unseal(text, "alice") == "1234"
    code = vault.seal("K7M3Q9TX", QUERY_CODE, "alice")
    assert code.startswith("〔已加密的查询码#")
    assert vault.unseal(find_placeholders(f"查询码{code}谢谢")[0].token, "alice") == "K7M3Q9TX"


def test_unseal_only_once(tmp_path):
    vault = new_vault(tmp_path)
    text = vault.seal("1234", PHONE_LAST4, "alice")
    assert vault.peek(text, "alice") == "1234"
    assert vault.peek(text, "alice") == "1234"
    assert vault.unseal(f"尾号{text}", "alice") == "1234"
    assert vault.unseal(text, "alice") is None
    assert vault.peek(text, "alice") is None


def test_another_sender_cannot_unseal_nor_burn_it(tmp_path):
    vault = new_vault(tmp_path)
    text = vault.seal("1234", PHONE_LAST4, "alice")
    assert vault.unseal(text, "mallory") is None
    assert vault.peek(text, "mallory") is None
    assert vault.unseal(text, "alice") == "1234"


def test_expired_values_are_gone_and_deleted(tmp_path):
    clock = Clock()
    vault = new_vault(tmp_path, clock)
    late = vault.seal("1234", PHONE_LAST4, "alice")
    clock.now += DEFAULT_TTL - 1
    soon = vault.seal("5678", PHONE_LAST4, "alice")
    clock.now += 2  # the first has expired, the second has not
    assert vault.unseal(late, "alice") is None
    with vault.engine.connect() as conn:
        tokens = set(conn.execute(select(sealed_factors.c.token)).scalars())
    assert tokens == {find_placeholders(soon)[0].token}  # the expired row was deleted by the unseal
    assert vault.unseal(soon, "alice") == "5678"
    vault.seal("2468", PHONE_LAST4, "bob", ttl=5)
    clock.now += 6
    assert vault.purge_expired() == 1


def test_the_database_holds_neither_value_nor_sender(tmp_path):
    vault = new_vault(tmp_path)
    vault.seal("K7M3Q9TX", QUERY_CODE, "alice-sender-id")
    raw = (tmp_path / "vault.db").read_bytes()
    assert b"K7M3Q9TX" not in raw and b"alice-sender-id" not in raw
    with vault.engine.connect() as conn:
        row = conn.execute(select(sealed_factors)).one()
    assert row.kind == QUERY_CODE and row.sender_hash == vault.sender_hash("alice-sender-id")


def test_another_key_cannot_read_it(tmp_path):
    first = new_vault(tmp_path)
    text = first.seal("1234", PHONE_LAST4, "alice")
    second = new_vault(tmp_path)  # same database, new key: the sender hash differs too
    assert second.unseal(text, "alice") is None
    assert first.unseal(text, "alice") == "1234"


def test_only_factor_kinds_are_sealed(tmp_path):
    with pytest.raises(ValueError, match="cannot seal"):
        new_vault(tmp_path).seal("ZJ2026330106000101", "case_number", "alice")


def test_unknown_or_malformed_tokens_read_as_nothing(tmp_path):
    vault = new_vault(tmp_path)
    assert vault.unseal("〔已加密的查询码#AAAAAAAAAAAA〕", "alice") is None
    assert vault.unseal("'; DROP TABLE sealed_factors; --", "alice") is None
    assert vault.unseal("", "alice") is None


def test_key_file_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "vault.key"
    key = load_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key(path) == key
    new_vault(tmp_path)  # the key is a real Fernet key
    vault_module.Vault(new_vault(tmp_path).engine, key)


def test_a_bad_key_is_refused_without_showing_it(tmp_path):
    with pytest.raises(ValueError) as error:
        vault_module.Vault(new_vault(tmp_path).engine, b"not-a-key-at-all")
    assert "not-a-key" not in str(error.value)


def test_default_vault_uses_the_catalog_database_and_the_key_from_the_environment(default_vault_env):
    text = vault_module.seal("1234", PHONE_LAST4, "alice")
    assert default_vault_env.exists()
    assert vault_module.unseal(text, "alice") == "1234"
    assert vault_module.unseal(text, "alice") is None
