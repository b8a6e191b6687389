"""Starting the real processes (reference backend, action server, Rasa server, edge) on free loopback ports."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.ports import free_port_block

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "onevisit.tar.gz"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now, outside the ephemeral range (see bot.ports)."""
    return free_port_block()


@dataclass
class Service:
    """A child process with its log file and the URL that says it is ready."""

    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 240.0) -> None:
        """Start and wait until `ready_url` answers 200; fail with the log's tail otherwise."""
        handle = self.log.open("ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=handle,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.ready_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        tail = self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not start; log tail:\n{tail}")

    def stop(self) -> None:
        """Stop the process group."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def base_env(workdir: Path) -> dict[str, str]:
    """Environment for the child processes: temporary databases, no telemetry."""
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{workdir / 'catalog.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
        "BACKEND_DATABASE_URL": f"sqlite:///{workdir / 'backend.db'}",
        "CASE_API_TOKEN": "e2e-token",
        "CATALOG_RELOAD_SECONDS": "1",
        "CASE_API_BREAKER_COOLDOWN": "2",
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        # the 12345 desk: always on duty in tests, and the secret its hand-back hook sends to Rasa
        "CONSOLE_SERVICE_HOURS": "always",
        "CONSOLE_RASA_HOOK_TOKEN": secrets.token_urlsafe(24),
    })
    return env


def backend(workdir: Path, env: dict[str, str]) -> Service:
    """The reference case-status server."""
    port = free_port()
    env = {**env, "BACKEND_HOST": "127.0.0.1", "BACKEND_PORT": str(port)}
    return Service("backend", [str(VENV_BIN / "python"), "-m", "backend", "serve"],
                   f"http://127.0.0.1:{port}/v1/health", env, workdir / "backend.log")


def action_server(workdir: Path, env: dict[str, str], case_api_url: str) -> Service:
    """The action server (loopback, shared secret) with the catalog and case API of this test run."""
    port = free_port()
    env = {**env, "CASE_API_URL": case_api_url, "ACTION_PORT": str(port)}
    return Service("action server", [str(VENV_BIN / "python"), "-m", "actions.server"],
                   f"http://127.0.0.1:{port}/health", env, workdir / "actions.log")


def rasa_server(workdir: Path, env: dict[str, str], actions: Service) -> Service:
    """`rasa run` with the REST and socket.io channels, the SQL tracker store and the trained model."""
    port = free_port()
    action_url = actions.ready_url.replace("/health", "/webhook")
    env = {**env, "ACTION_ENDPOINT_URL": action_url}
    command = [str(VENV_BIN / "python"), "-m", "bot.rasa_runtime", "run", "-i", "127.0.0.1", "-p", str(port),
               "-m", str(MODEL), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
               "--logging-config-file", "config/logging.yml"]
    return Service("rasa", command, f"http://127.0.0.1:{port}/", env, workdir / "rasa.log")


def console_server(workdir: Path, env: dict[str, str], rasa_url: str) -> Service:
    """`python -m bot.console serve`: the 12345 desk, handing conversations back to the Rasa at `rasa_url`."""
    port = free_port()
    env = {**env, "CONSOLE_HOST": "127.0.0.1", "CONSOLE_PORT": str(port),
           "CONSOLE_RASA_HOOK_URL": rasa_url.rstrip("/") + "/webhooks/handoff_hook/webhook"}
    return Service("console", [str(VENV_BIN / "python"), "-m", "bot.console", "serve"],
                   f"http://127.0.0.1:{port}/api/health", env, workdir / "console.log")


def wait_until_warm(console: Service, timeout: float = 300.0) -> None:
    """Wait until the console's health says its resolver and knowledge reader are built (as after any start,
    in use): a first search otherwise waits for the fit, longer than a page's expectations wait."""
    deadline = time.monotonic() + timeout
    while not (health := requests.get(console.ready_url, timeout=10).json()).get("warm"):
        assert time.monotonic() < deadline, "the console did not finish warming up"
        time.sleep(0.5)
    assert health["warm_failed"] is False, f"the console's start-up work failed: see {console.log}"


def edge_server(workdir: Path, env: dict[str, str], rasa_url: str, name: str = "edge") -> Service:
    """`python -m bot.edge`: the pages and the checked chat webhook, in front of the Rasa at `rasa_url`."""
    port = free_port()
    env = {**env, "EDGE_HOST": "127.0.0.1", "WEB_PORT": str(port), "RASA_URL": rasa_url}
    return Service(name, [str(VENV_BIN / "python"), "-m", "bot.edge"], f"http://127.0.0.1:{port}/", env,
                   workdir / f"{name}.log")


class Chat:
    """A conversation through the REST channel."""

    def __init__(self, rasa_url: str, sender: str):
        self.url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: str, timeout: float = 30.0) -> list[dict]:
        """Send a message; return the bot's messages."""
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=timeout)
        assert response.status_code == 200, response.text
        return response.json()

    def text(self, text: str) -> str:
        """Send a message; return the bot's texts joined."""
        return "\n".join(m.get("text", "") for m in self.say(text))
