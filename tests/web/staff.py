"""The console service for the staff pages' browser tests: started on the session stack, with users made by the CLI,
its knowledge folder the stack's copy and its regression file in tmp; and small helpers for the pages."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests
from playwright.sync_api import Page, expect

from tests.conftest import Stack
from tests.e2e.stack import ROOT, Service, console_server, wait_until_warm

PASSWORD = "staff-pass-1"
T = TypeVar("T")


@dataclass
class Desk:
    """A running console service and where it is."""

    service: Service

    @property
    def url(self) -> str:
        return self.service.ready_url.rsplit("/api/", 1)[0]

    def token(self, name: str) -> str:
        login = requests.post(self.url + "/api/login", json={"name": name, "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, login.text
        return login.json()["token"]

    def get(self, name: str, path: str, **params: Any) -> Any:
        """GET an API path as user `name`."""
        found = requests.get(self.url + path, params=params, timeout=30,
                             headers={"Authorization": f"Bearer {self.token(name)}"})
        assert found.status_code == 200, found.text
        return found.json()


def add_user(stack: Stack, name: str, role: str, display_name: str) -> None:
    """`python -m bot.console add-user` on the stack's database (replacing an earlier run's user of that name)."""
    env = {**stack.env, "CONSOLE_PASSWORD": PASSWORD}
    made = subprocess.run([sys.executable, "-m", "bot.console", "add-user", name, "--role", role, "--display-name",
                           display_name, "--replace"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stdout + made.stderr


def start_desk(stack: Stack, workdir: Path, users: dict[str, tuple[str, str]]) -> Desk:
    """The console service on the stack; the maintainers' loop edits the stack's knowledge copy only."""
    for name, (role, display_name) in users.items():
        add_user(stack, name, role, display_name)
    env = {**stack.env, "KNOWLEDGE_DIR": str(stack.knowledge),
           "CONSOLE_REGRESSION_FILE": str(workdir / "maintainers.tsv")}
    service = console_server(workdir, env, stack.rasa_url)
    service.start(timeout=120)
    wait_until_warm(service)
    return Desk(service)


def log_in(page: Page, url: str, name: str) -> None:
    """Open a staff page and log in with the form."""
    page.goto(url)
    page.get_by_label("登录名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#who")).to_be_visible()


def until(check: Callable[[], T | None], timeout: float = 30.0, pause: float = 0.5) -> T:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(pause)
    raise AssertionError("timed out")
