"""Faults injected while the load runs, each followed by the restart a supervisor would do, with the times
it took: fault → process back (a replica UP in HAProxy again, Redis answering PING, PostgreSQL accepting)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

from bench.load.topology import ProcessImage, Topology, kill_group, wait_http

WARM_UP = {"next_action": "action_answer_affair", "sender_id": "warm-up", "version": "3.6.21", "domain": {},
           "tracker": {"sender_id": "warm-up", "slots": {}, "latest_message": {"text": "", "intent": {},
                                                                               "entities": []},
                       "events": [], "paused": False, "followup_action": None, "active_loop": {},
                       "latest_action_name": None}}


@dataclass
class FaultEvent:
    """When a fault happened and how the topology came back (wall-clock times, time.time())."""

    fault: str
    target: str = ""
    at: float = 0.0
    down_at: float | None = None      # HAProxy marked the victim DOWN
    restarted_at: float | None = None  # the new process was started
    back_at: float | None = None      # back in service (see module docstring)
    notes: list[str] = field(default_factory=list)

    @property
    def back_seconds(self) -> float | None:
        return None if self.back_at is None else self.back_at - self.at


def _accepting(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> float | None:
    """Poll `condition` until true; the wall-clock time it became true, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return time.time()
        except Exception:  # noqa: BLE001 (a service still down answers with errors)
            pass
        time.sleep(step)
    return None


def kill_replica(topology: Topology, kind: str, timeout: float) -> FaultEvent:
    """kill -9 the first 'rasa' or 'actions' replica, start it again as up.sh does, and wait until it serves
    and HAProxy has it UP (HAProxy's view is polled throughout, so the moment it marked it DOWN is known)."""
    name = topology.replicas(kind)[0]
    port = int(name.rsplit("-", 1)[1])
    pid = topology.pids()[name]
    image = ProcessImage.of(name, pid)
    server = f"{kind}/{name}"
    event = FaultEvent(f"kill -9 {kind}", name, at=time.time())
    watcher = StatusWatcher(topology, server)
    watcher.start()
    try:
        kill_group(pid, signal.SIGKILL)
        _wait(lambda: not _accepting(port), 15, 0.05)
        event.restarted_at = time.time()
        image.start(topology)
        if kind == "actions":  # like up.sh: the first call builds the catalog, so make one before users do
            ready = wait_http(f"http://127.0.0.1:{port}/health", timeout) and wait_http(
                f"http://127.0.0.1:{port}/webhook", timeout, "POST", json=WARM_UP,
                headers={"X-Action-Token": image.env.get("ACTION_SERVER_TOKEN", "")})
        else:
            ready = wait_http(f"http://127.0.0.1:{port}/", timeout)
        if not ready:
            event.notes.append(f"{name} was not ready within {timeout:.0f} s")
        event.back_at = _wait(lambda: watcher.status == "UP", timeout, 0.05)
    finally:
        watcher.stop()
    event.down_at = watcher.first("DOWN")
    return event


class StatusWatcher(threading.Thread):
    """Polls HAProxy's status of one server and keeps every change (time, status)."""

    def __init__(self, topology: Topology, server: str, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.topology, self.server, self.every = topology, server, every
        self.changes: list[tuple[float, str]] = []
        self.status = ""
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                status = self.topology.haproxy_status().get(self.server, "")
            except Exception:  # noqa: BLE001 (HAProxy busy: try again)
                status = self.status
            if status != self.status:
                self.changes.append((time.time(), status))
                self.status = status
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def first(self, prefix: str) -> float | None:
        """When the status first started with `prefix` (e.g. DOWN)."""
        return next((at for at, status in self.changes if status.startswith(prefix)), None)


def restart_redis(topology: Topology, timeout: float) -> FaultEvent:
    """Stop Redis (SIGTERM) and start it again as up.sh does; its locks are gone (it keeps nothing)."""
    pid = topology.pids()["redis"]
    image = ProcessImage.of("redis", pid)
    # redis-server rewrites its command line ("redis-server 127.0.0.1:PORT"): start it as up.sh does
    image = ProcessImage("redis", [shutil.which("redis-server") or "redis-server", str(topology.up_dir / "redis.conf")],
                         image.env, image.cwd)
    event = FaultEvent("restart Redis", "redis", at=time.time())
    kill_group(pid, signal.SIGTERM)
    event.restarted_at = time.time()
    image.start(topology)
    password = topology.env.get("REDIS_PASSWORD") or topology.secrets()["UP_REDIS_PASSWORD"]
    client = redis.Redis(host="127.0.0.1", port=topology.port("REDIS_PORT"), password=password,
                         socket_timeout=1, socket_connect_timeout=1)
    event.back_at = _wait(lambda: bool(client.ping()), timeout, 0.05)
    return event


def restart_postgres(topology: Topology, timeout: float) -> FaultEvent:
    """`pg_ctl restart -m fast` on the topology's cluster (every open connection is cut)."""
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                             if x.isdigit()])[-1]
    as_postgres = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") and _is_root() else []
    command = [*as_postgres, str(pgbin / "pg_ctl"), "-D", str(topology.up_dir / "pg" / "data"), "-l",
               str(topology.log_file("postgres")), "-m", "fast", "-w", "-t", str(int(timeout)), "restart"]
    event = FaultEvent("restart PostgreSQL", "postgres", at=time.time())
    result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, timeout=timeout + 30)
    event.restarted_at = time.time()
    if result.returncode != 0:
        event.notes.append(f"pg_ctl restart failed: {result.stderr.strip()[:200]}")
    engine = create_engine(topology.tracker_url, future=True, pool_pre_ping=True)
    try:
        def answers() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("SELECT 1")).scalar() == 1
        event.back_at = _wait(answers, timeout)
    finally:
        engine.dispose()
    return event


def _is_root() -> bool:
    return os.geteuid() == 0


def inject(topology: Topology, fault: str, timeout: float) -> FaultEvent:
    """Inject one fault by name (bench.load.settings.FAULTS) and wait for the process to be back."""
    if fault in ("rasa", "actions"):
        return kill_replica(topology, fault, timeout)
    if fault == "redis":
        return restart_redis(topology, timeout)
    if fault == "postgres":
        return restart_postgres(topology, timeout)
    raise ValueError(f"unknown fault {fault!r}")
