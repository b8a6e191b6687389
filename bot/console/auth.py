"""Console users, roles, passwords and bearer tokens.

- Roles: ``agent`` (the queue, replies, guides, case lookups), ``supervisor`` (everything an agent may, plus
  revealing callback numbers, the audit log, ratings and analytics), ``maintainer`` (ratings, analytics and the
  maintainers' loop). A user may hold several.
- Passwords are hashed with scrypt (N=2^14, r=8, p=1, a 16-byte random salt), compared in constant time.
- A login gives an opaque random token (32 bytes, URL-safe); only its SHA-256 is stored, with an expiry
  (12 hours by default). Logout deletes it.
- Brute force: 5 failed logins for one name within 15 minutes refuse further logins for that name (even with the
  right password) until the oldest of them is 15 minutes old. Unknown names cost the same scrypt work as known
  ones, so timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.errors import BadInput, TooMany

AGENT, SUPERVISOR, MAINTAINER = "agent", "supervisor", "maintainer"
ROLES = (AGENT, SUPERVISOR, MAINTAINER)
NAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 10
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2 ** 14, 8, 1, 32
LOGIN_FAILURES = 5
LOGIN_WINDOW = 15 * 60.0
WRONG_LOGIN = "用户名或密码不正确。"


@dataclass(frozen=True)
class User:
    """A console user as the API sees it (no password hash)."""

    id: int
    name: str
    display_name: str
    roles: frozenset[str]

    def may(self, roles: Iterable[str]) -> bool:
        """True when the user holds at least one of ``roles``."""
        return bool(self.roles & set(roles))

    def as_json(self) -> dict:
        return {"name": self.name, "display_name": self.display_name, "roles": sorted(self.roles)}


@dataclass(frozen=True)
class Login:
    """A successful login: the bearer token (shown once), when it expires, and who it is."""

    token: str
    expires_at: float
    user: User


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64 parts)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _name_key(name: str) -> str:
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()


def parse_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles named, checked; BadInput for an unknown one or none."""
    chosen = frozenset(r.strip().lower() for r in roles if r.strip())
    unknown = chosen - set(ROLES)
    if unknown or not chosen:
        raise BadInput(f"角色只能是 {'、'.join(ROLES)}，至少一个。")
    return chosen


class Auth:
    """Users, logins and tokens in the console database."""

    def __init__(self, engine: Engine, token_hours: float = 12.0, clock: Callable[[], float] = time.time,
                 max_failures: int = LOGIN_FAILURES, window: float = LOGIN_WINDOW) -> None:
        self.engine = engine
        self.token_seconds = token_hours * 3600
        self.clock = clock
        self.max_failures = max_failures
        self.window = window

    def add_user(self, name: str, password: str, roles: Iterable[str], display_name: str | None = None,
                 *, replace: bool = False) -> User:
        """Create a user (or, with ``replace``, reset an existing one's password, roles and display name)."""
        if not NAME.match(name or ""):
            raise BadInput("用户名需为 2 到 64 个字母、数字或 _ . -。")
        if len(password or "") < MIN_PASSWORD:
            raise BadInput(f"密码至少 {MIN_PASSWORD} 个字符。")
        chosen = parse_roles(roles)
        shown = (display_name or name).strip()[:64] or name
        values = {"display_name": shown, "password_hash": hash_password(password),
                  "roles": ",".join(sorted(chosen)), "active": True}
        with self.engine.begin() as conn:
            existing = conn.execute(select(store.users.c.id).where(store.users.c.name == name)).scalar()
            if existing is not None and not replace:
                raise BadInput(f"用户 {name} 已存在；要重设密码和角色请加 --replace。")
            if existing is None:
                user_id = conn.execute(insert(store.users).values(name=name, created_at=self.clock(), **values)
                                       ).inserted_primary_key[0]
            else:
                user_id = existing
                conn.execute(update(store.users).where(store.users.c.id == existing).values(**values))
                conn.execute(delete(store.tokens).where(store.tokens.c.user_id == existing))
        return User(int(user_id), name, shown, chosen)

    def login(self, name: str, password: str) -> Login:
        """A token for the right password; TooMany while the name is locked; BadInput (401 at the API) otherwise."""
        now = self.clock()
        key = _name_key(name or "")
        wait = self._locked_for(key, now)
        if wait:
            raise TooMany(f"登录失败次数过多，请 {max(1, math.ceil(wait / 60))} 分钟后再试。", retry_after=wait)
        with self.engine.connect() as conn:
            row = conn.execute(select(store.users).where(store.users.c.name == (name or "").strip())).mappings().first()
        ok = verify_password(password or "", row["password_hash"] if row else _dummy_hash())
        if not ok or row is None or not row["active"]:
            with self.engine.begin() as conn:
                conn.execute(delete(store.login_failures).where(store.login_failures.c.failed_at <= now - self.window))
                conn.execute(insert(store.login_failures).values(name_key=key, failed_at=now))
            raise InvalidLogin(WRONG_LOGIN)
        token = secrets.token_urlsafe(32)
        expires = now + self.token_seconds
        with self.engine.begin() as conn:
            conn.execute(delete(store.tokens).where(store.tokens.c.expires_at <= now))
            conn.execute(delete(store.login_failures).where(store.login_failures.c.name_key == key))
            conn.execute(insert(store.tokens).values(token_hash=_token_hash(token), user_id=row["id"],
                                                     created_at=now, expires_at=expires))
        return Login(token, expires, _user(row))

    def _locked_for(self, key: str, now: float) -> int:
        """Seconds until the name may try again (0: now)."""
        table = store.login_failures
        with self.engine.connect() as conn:
            times = conn.execute(select(table.c.failed_at).where(table.c.name_key == key,
                                                                 table.c.failed_at > now - self.window)
                                 .order_by(table.c.failed_at.desc()).limit(self.max_failures)).scalars().all()
        if len(times) < self.max_failures:
            return 0
        return max(1, math.ceil(min(times) + self.window - now))

    def user_for_token(self, token: str) -> User | None:
        """The user a valid, unexpired token belongs to; None otherwise."""
        if not token or len(token) > 200:
            return None
        query = (select(store.users).join(store.tokens, store.tokens.c.user_id == store.users.c.id)
                 .where(store.tokens.c.token_hash == _token_hash(token), store.tokens.c.expires_at > self.clock(),
                        store.users.c.active.is_(True)))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _user(row) if row else None

    def logout(self, token: str) -> None:
        """Forget the token."""
        with self.engine.begin() as conn:
            conn.execute(delete(store.tokens).where(store.tokens.c.token_hash == _token_hash(token)))

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(store.users)).scalar_one())


class InvalidLogin(BadInput):
    """Wrong name or password (the API answers 401)."""

    status = 401


def _user(row) -> User:
    return User(int(row["id"]), row["name"], row["display_name"],
                frozenset(r for r in row["roles"].split(",") if r))
