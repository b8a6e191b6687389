"""The `make up` topology the load runs against: started with scripts/up.sh on free loopback ports in its
own UP_DIR, stopped with scripts/down.sh, and its processes restarted the way up.sh starts them.

The ports and the environment given to up.sh are written to UP_DIR/load.env, so a later
`python -m bench.load run --up-dir DIR` (or a test) can find the same topology again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bot.config import PROJECT_ROOT
from bot.ports import free_port_block

SCRIPTS = PROJECT_ROOT / "scripts"
PORT_NAMES = ("WEB_PORT", "RASA_PORT", "ACTION_PORT", "BACKEND_PORT", "CONSOLE_PORT", "UP_PG_PORT", "REDIS_PORT",
              "HAPROXY_STATS_PORT")
# variables a developer's shell may carry that would point the topology elsewhere
INHERITED = ("DATABASE_URL", "TRACKER_STORE_URL", "BACKEND_DATABASE_URL", "RASA_URL", "ACTION_ENDPOINT_URL",
             "CASE_API_URL", "ACTION_SERVER_TOKEN", "REDIS_HOST", "REDIS_PASSWORD", "EDGE_HOST", "ONEVISIT_HOST",
             "CONSOLE_URL", "CONSOLE_RASA_HOOK_URL")
# the load comes from one address: the edge's per-client limit (120/minute) would refuse it
EDGE_LIMITS = {"EDGE_RATE_PER_CLIENT": "1000000/minute", "EDGE_RATE_PER_SENDER": "600/minute"}
HTTP_TIMEOUT = 5.0


def free_ports(replicas: int) -> dict[str, int]:
    """A block of free loopback ports: each frontend followed by room for its replicas."""
    base = free_port_block(2 * (replicas + 1) + len(PORT_NAMES))
    ports = {"RASA_PORT": base, "ACTION_PORT": base + replicas + 1}
    rest = base + 2 * (replicas + 1)
    for offset, name in enumerate(n for n in PORT_NAMES if n not in ports):
        ports[name] = rest + offset
    return ports


@dataclass
class Topology:
    """A started topology: its state directory and the environment it was started with."""

    up_dir: Path
    env: dict[str, str]

    @classmethod
    def create(cls, up_dir: Path, rasa_replicas: int, action_replicas: int) -> Topology:
        """Choose ports and secrets for a new topology in `up_dir` (not started yet)."""
        up_dir.mkdir(parents=True, exist_ok=True)
        up_dir.chmod(0o755)  # PostgreSQL runs as user postgres when this runs as root
        env = {key: value for key, value in os.environ.items() if key not in INHERITED}
        env.update({name: str(port) for name, port in free_ports(max(rasa_replicas, action_replicas)).items()})
        env.update(EDGE_LIMITS)
        env.update({"UP_DIR": str(up_dir), "UP_LOG_DIR": str(up_dir / "log"), "PYTHONPATH": str(PROJECT_ROOT),
                    "RASA_REPLICAS": str(rasa_replicas), "ACTION_REPLICAS": str(action_replicas),
                    "ACTION_SERVER_TOKEN": os.urandom(18).hex(), "CONSOLE_RASA_HOOK_TOKEN": os.urandom(18).hex()})
        topology = cls(up_dir, env)
        (up_dir / "load.env").write_text(json.dumps(env, ensure_ascii=False))
        (up_dir / "load.env").chmod(0o600)
        return topology

    @classmethod
    def open(cls, up_dir: Path) -> Topology:
        """A topology started earlier by `create` + `up`."""
        return cls(up_dir, json.loads((up_dir / "load.env").read_text()))

    def port(self, name: str) -> int:
        return int(self.env[name])

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.port('WEB_PORT')}"

    def up(self, timeout: float = 1200) -> subprocess.CompletedProcess:
        """scripts/up.sh; raises RuntimeError with its output when it fails."""
        result = subprocess.run([str(SCRIPTS / "up.sh")], cwd=PROJECT_ROOT, env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"scripts/up.sh failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def down(self, timeout: float = 300) -> subprocess.CompletedProcess:
        """scripts/down.sh."""
        return subprocess.run([str(SCRIPTS / "down.sh")], cwd=PROJECT_ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    # --- what the topology is made of ---
    def secrets(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in (self.up_dir / "secrets.env").read_text().splitlines() if "=" in line)
        return {key: value for key, value in pairs}

    @property
    def tracker_url(self) -> str:
        """The tracker store: as given to up.sh, else the topology's own PostgreSQL (as up.sh builds it)."""
        if self.env.get("TRACKER_STORE_URL"):
            return self.env["TRACKER_STORE_URL"]
        password = self.secrets()["UP_PG_PASSWORD"]
        return f"postgresql://onevisit:{password}@127.0.0.1:{self.port('UP_PG_PORT')}/tracker"

    def pids(self) -> dict[str, int]:
        """name → pid of every process in UP_DIR/pids."""
        return {path.stem: int(path.read_text().split()[0]) for path in (self.up_dir / "pids").glob("*.pid")}

    def replicas(self, kind: str) -> list[str]:
        """Names of the running 'rasa' or 'actions' replicas, e.g. rasa-5006."""
        return sorted(name for name in self.pids() if name.startswith(kind + "-"))

    def log_file(self, name: str) -> Path:
        return self.up_dir / "log" / f"{name}.log"

    def haproxy_status(self) -> dict[str, str]:
        """HAProxy's view: 'backend/server' → UP, DOWN, ... (from the stats page's CSV)."""
        reply = requests.get(f"http://127.0.0.1:{self.port('HAPROXY_STATS_PORT')}/;csv", timeout=HTTP_TIMEOUT)
        reply.raise_for_status()
        rows = csv.DictReader(io.StringIO(reply.text.lstrip("# ")))
        return {f"{row['pxname']}/{row['svname']}": row["status"] for row in rows
                if row["svname"] not in ("FRONTEND", "BACKEND")}


@dataclass(frozen=True)
class ProcessImage:
    """How a process of the topology was started: enough to start it again the same way."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str

    @classmethod
    def of(cls, name: str, pid: int) -> ProcessImage:
        """Read a running process's command line, environment and directory from /proc."""
        proc = Path(f"/proc/{pid}")
        argv = [part.decode() for part in proc.joinpath("cmdline").read_bytes().split(b"\0") if part]
        env = dict(item.decode().split("=", 1) for item in proc.joinpath("environ").read_bytes().split(b"\0")
                   if b"=" in item)
        return cls(name, argv, env, os.readlink(proc / "cwd"))

    def start(self, topology: Topology) -> int:
        """Start it as up.sh's `start` does: own session, appending to its log, pid file "PID NAME"."""
        with topology.log_file(self.name).open("ab") as log:
            process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        (topology.up_dir / "pids" / f"{self.name}.pid").write_text(f"{process.pid} {self.name}\n")
        return process.pid


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


def kill_group(pid: int, sig: int, wait: float = 30.0) -> None:
    """Signal the process group `pid` leads (up.sh starts each service in its own session) and wait for it."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)


def wait_http(url: str, timeout: float, method: str = "GET", **kwargs: object) -> bool:
    """Whether `url` answers 200 within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.request(method, url, timeout=HTTP_TIMEOUT, **kwargs).status_code == 200:  # type: ignore[arg-type]
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False
