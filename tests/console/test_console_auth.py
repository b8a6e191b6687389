"""Users, passwords, tokens and login limits; the add-user command; the service on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from console_helpers import PASSWORD, Api, ConsoleFactory
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.console import store
from bot.console.auth import hash_password, verify_password
from bot.console.settings import load_settings
from tests.e2e.stack import free_port


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_password_hashes() -> None:
    stored = hash_password("s3cret-password")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_password("s3cret-password", stored) and not verify_password("s3cret-passworD", stored)
    assert hash_password("s3cret-password") != stored  # salted
    assert not verify_password("anything", "md5$abc") and not verify_password("anything", "garbage")


def test_login_me_logout_and_expiry(db_url: str, start_console: ConsoleFactory) -> None:
    clock = Clock()
    console = start_console(db_url, clock=clock)
    me = console.agent.get("/api/me")
    assert me.status_code == 200 and me.json()["user"] == {"name": "agent1", "display_name": "王芳", "roles": ["agent"]}
    with console.services.engine.connect() as conn:
        stored = conn.execute(select(store.tokens.c.token_hash)).scalars().all()
    assert console.agent.token not in stored and len(stored) == 4  # only hashes are kept

    for bad in ({"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YWdlbnQxOnB3"}, {}):
        answer = requests.get(console.url + "/api/me", headers=bad, timeout=10)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "登录" in answer.json()["error"]

    assert console.agent.post("/api/logout").status_code == 200
    assert console.agent.get("/api/me").status_code == 401
    clock.now += 12 * 3600 + 1  # tokens last 12 hours
    assert console.supervisor.get("/api/me").status_code == 401
    assert console.api.login("super1").get("/api/me").status_code == 200


def test_wrong_logins_are_limited_per_name(sqlite_url: str, start_console: ConsoleFactory) -> None:
    clock = Clock()
    console = start_console(sqlite_url, clock=clock)
    url = console.url + "/api/login"
    unknown = requests.post(url, json={"name": "nobody", "password": "whatever-long"}, timeout=30)
    wrong = requests.post(url, json={"name": "agent2", "password": "not the password"}, timeout=30)
    assert unknown.status_code == wrong.status_code == 401 and unknown.json() == wrong.json()
    for _ in range(4):
        assert requests.post(url, json={"name": "agent2", "password": "guess"}, timeout=30).status_code == 401
    locked = requests.post(url, json={"name": "agent2", "password": PASSWORD}, timeout=30)
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "分钟" in locked.json()["error"]
    assert requests.post(url, json={"name": "agent1", "password": PASSWORD}, timeout=30).status_code == 200
    clock.now += 15 * 60 + 1
    assert requests.post(url, json={"name": "agent2", "password": PASSWORD}, timeout=30).status_code == 200
    for body in ({"name": "agent1"}, {"name": 5, "password": "x"}, ["agent1", PASSWORD]):
        refused = requests.post(url, json=body, timeout=30)
        assert refused.status_code == 400 and refused.json()["error"]


def test_add_user_command_and_serve(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'console.db'}"
    port = free_port()
    env = {**os.environ, "CONSOLE_DATABASE_URL": database, "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
           "CONSOLE_PORT": str(port), "CONSOLE_PASSWORD": "a-long-enough-password", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("CONSOLE_HOST", None)

    def command(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.console", *args], cwd=PROJECT_ROOT, env={**env, **extra},
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    made = command("add-user", "ops", "--role", "agent", "--role", "supervisor", "--display-name", "赵")
    assert made.returncode == 0, made.stderr
    assert "ops" in made.stdout and "a-long-enough-password" not in made.stdout + made.stderr
    twice = command("add-user", "ops", "--role", "agent")
    assert twice.returncode == 2 and "--replace" in twice.stderr
    assert command("add-user", "short", "--role", "agent", CONSOLE_PASSWORD="short").returncode == 2
    assert command("add-user", "nopass", "--role", "agent", CONSOLE_PASSWORD="").returncode == 2
    assert command("add-user", "ops", "--role", "maintainer", "--replace").returncode == 0

    server = subprocess.Popen([sys.executable, "-m", "bot.console", "serve"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        user = Api(base).login("ops", "a-long-enough-password")
        assert user.user["roles"] == ["maintainer"] and user.user["display_name"] == "ops"
        assert user.get("/api/queue").status_code == 403
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "a-long-enough-password" not in errors


def test_defaults_bind_loopback() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8070)
    assert settings.service_hours == "mon-fri 08:30-17:30" and settings.token_hours == 12
