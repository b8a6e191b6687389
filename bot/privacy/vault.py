"""The vault: verification factors (phone tails, query codes) kept encrypted, briefly, outside the conversation.

`bot.privacy.protect` seals a factor found in a citizen's message: the value is encrypted with Fernet
(AES-128-CBC and HMAC-SHA256) and stored with a keyed hash of the sender and an expiry (10 minutes by
default); the message goes on with a placeholder (``〔已加密的手机尾号#k3F9xQ2mZ7aB〕``, see
`bot.privacy.placeholders`) instead of the value. So the tracker store, an event broker and the logs
only ever see the placeholder.

The case lookup reads the value back with `unseal(token_or_text, sender)`: only the sender who sealed it
can, only once (the row is deleted as it is read), and only before it expires. Expired rows are
deleted whenever a value is sealed or read, and by ``python -m bot privacy purge``.

The table lives in the catalog database (``DATABASE_URL``) and is created on first use. The key comes
from ``ONEVISIT_VAULT_KEY`` (a Fernet key: ``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``), else from ``var/vault.key``, created on first use with mode
0600. Every process that seals or unseals (the edge, the action server) must see the same database
and key: on more than one machine, set ``ONEVISIT_VAULT_KEY``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Float, MetaData, String, Table, Text, delete, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.keyfile import read_or_create
from bot.privacy.placeholders import LABELS, find_placeholders, new_token, placeholder

log = logging.getLogger(__name__)

KEY_ENV: Final = "ONEVISIT_VAULT_KEY"
DEFAULT_TTL: Final = 10 * 60.0
"""Seconds a sealed value may wait for the lookup that needs it."""

metadata = MetaData()

sealed_factors = Table(
    "sealed_factors", metadata,
    Column("token", String(32), primary_key=True),
    Column("sender_hash", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ciphertext", Text, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)


@dataclass(frozen=True)
class Sealed:
    """A value read back from the vault, with its kind (the `bot.entities` kinds phone_last4, query_code)."""

    kind: str
    value: str

    def __repr__(self) -> str:  # never the value
        return f"Sealed({self.kind!r}, ***)"


class Vault:
    """Sealed factors in one database, under one key."""

    def __init__(self, engine: Engine, key: bytes | str, ttl: float = DEFAULT_TTL,
                 clock: Callable[[], float] = time.time) -> None:
        key_bytes = key.encode() if isinstance(key, str) else key
        try:
            self._fernet = Fernet(key_bytes)
        except ValueError:
            raise ValueError(f"the vault key is no Fernet key (32 url-safe base64-encoded bytes); "
                             f"check {KEY_ENV} or the key file") from None
        self._sender_key = hashlib.sha256(b"onevisit-vault-sender:" + key_bytes).digest()
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        metadata.create_all(engine)  # the table, when missing

    def sender_hash(self, sender: str) -> str:
        """The sender as stored: a keyed hash, so the table alone does not say whose factor it is."""
        return hmac.new(self._sender_key, sender.encode(), hashlib.sha256).hexdigest()

    def seal(self, value: str, kind: str, sender: str, ttl: float | None = None) -> str:
        """Store ``value`` encrypted for ``sender``; the placeholder that stands for it in the message."""
        if kind not in LABELS:
            raise ValueError(f"cannot seal a value of kind {kind!r}; sealed kinds: {', '.join(LABELS)}")
        now = self.clock()
        row = {"sender_hash": self.sender_hash(sender), "kind": kind,
               "ciphertext": self._fernet.encrypt(value.encode()).decode("ascii"),
               "expires_at": now + (self.ttl if ttl is None else ttl)}
        collisions = 0
        while True:
            token = new_token()
            try:
                with self.engine.begin() as conn:
                    conn.execute(delete(sealed_factors).where(sealed_factors.c.expires_at <= now))
                    conn.execute(sealed_factors.insert().values(token=token, **row))
                return placeholder(kind, token)
            except IntegrityError:  # the same random token twice: astronomically rare
                collisions += 1
                if collisions >= 3:
                    raise

    def open(self, token_or_text: str, sender: str, *, consume: bool = True) -> Sealed | None:
        """The kind and value sealed under a token (or the first placeholder in a text) for ``sender``.

        None when there is no such token, it has expired, or another sender sealed it (whose row is
        left alone). With ``consume`` (the default) the row is deleted: a value is read once.
        """
        token = _token_of(token_or_text)
        if token is None:
            return None
        now = self.clock()
        table = sealed_factors
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expires_at <= now))
            row = conn.execute(select(table.c.kind, table.c.ciphertext).where(
                table.c.token == token, table.c.sender_hash == self.sender_hash(sender),
                table.c.expires_at > now)).first()
            if row is None:
                return None
            if consume and conn.execute(delete(table).where(table.c.token == token)).rowcount != 1:
                return None  # a concurrent unseal read it first
        try:
            value = self._fernet.decrypt(row.ciphertext.encode("ascii")).decode()
        except InvalidToken:
            log.error("a sealed value could not be decrypted (was the vault key changed?)")
            return None
        return Sealed(row.kind, value)

    def unseal(self, token_or_text: str, sender: str) -> str | None:
        """The value sealed for ``sender``, once: the row is deleted. None when absent, expired or not theirs."""
        sealed = self.open(token_or_text, sender)
        return sealed.value if sealed else None

    def peek(self, token_or_text: str, sender: str) -> str | None:
        """Like `unseal`, but the value stays in the vault (for checking a form before the lookup)."""
        sealed = self.open(token_or_text, sender, consume=False)
        return sealed.value if sealed else None

    def purge_expired(self) -> int:
        """Delete the expired rows; how many there were."""
        return purge_expired(self.engine, self.clock())


def _token_of(token_or_text: str) -> str | None:
    """The token of the first placeholder in a text, or the text itself when it is a bare token."""
    found = find_placeholders(token_or_text)
    if found:
        return found[0].token
    token = token_or_text.strip()
    return token if token.isascii() and token.isalnum() and 0 < len(token) <= 32 else None


def purge_expired(engine: Engine, now: float | None = None) -> int:
    """Delete expired sealed values in the database of ``engine`` (none when it has no vault table)."""
    if not inspect(engine).has_table(sealed_factors.name):
        return 0
    with engine.begin() as conn:
        result = conn.execute(delete(sealed_factors).where(
            sealed_factors.c.expires_at <= (time.time() if now is None else now)))
    return int(result.rowcount or 0)


def default_key_file() -> Path:
    """``var/vault.key`` in the project."""
    from bot.config import PROJECT_ROOT

    return PROJECT_ROOT / "var" / "vault.key"


def load_key(path: Path) -> bytes:
    """The Fernet key in ``path``; a new one is written there first (mode 0600) when the file does not exist."""
    key = read_or_create(path, Fernet.generate_key)
    if len(key) != 44:
        raise ValueError(f"{path} holds no Fernet key")
    return key


def vault_key() -> bytes:
    """The key from ``ONEVISIT_VAULT_KEY``, else from (or newly written to) ``var/vault.key``."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    return from_env.encode() if from_env else _file_key(default_key_file())


@lru_cache(maxsize=4)
def _file_key(path: Path) -> bytes:
    return load_key(path)


def default_vault() -> Vault:
    """The vault of this process: the catalog database (``DATABASE_URL``) and `vault_key()`."""
    from bot.config import settings

    return _vault_for(settings().database_url, vault_key())


@lru_cache(maxsize=4)
def _vault_for(url: str, key: bytes) -> Vault:
    from bot.catalog.db import engine_for

    return Vault(engine_for(url), key)


def seal(value: str, kind: str, sender: str) -> str:
    """`Vault.seal` on the default vault."""
    return default_vault().seal(value, kind, sender)


def unseal(token_or_text: str, sender: str) -> str | None:
    """`Vault.unseal` on the default vault: the value once, deleting it (and every expired row)."""
    return default_vault().unseal(token_or_text, sender)
