"""`make up` for real: scripts/up.sh on free ports with its own state directory, a chat through the edge,
HAProxy spreading the load and surviving a dead replica, then scripts/down.sh stopping everything."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.ports import free_port_block
from tests.e2e.stack import MODEL, ROOT

TOOLS = ("redis-server", "redis-cli", "haproxy")
# variables a developer's shell may carry that would point the topology elsewhere
INHERITED = ("DATABASE_URL", "TRACKER_STORE_URL", "BACKEND_DATABASE_URL", "RASA_URL", "ACTION_ENDPOINT_URL",
             "CASE_API_URL", "ACTION_SERVER_TOKEN", "REDIS_HOST", "REDIS_PASSWORD", "EDGE_HOST", "ONEVISIT_HOST",
             "RASA_REPLICAS", "ACTION_REPLICAS")


def accepting(port: int) -> bool:
    """Whether something listens on the loopback port."""
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Topology:
    env: dict[str, str]
    up_dir: Path
    ports: dict[str, int]

    @property
    def edge(self) -> str:
        return f"http://127.0.0.1:{self.ports['WEB_PORT']}"

    def pids(self) -> dict[str, int]:
        return {path.stem: int(path.read_text().split()[0]) for path in (self.up_dir / "pids").glob("*.pid")}

    def log(self, name: str) -> str:
        return (self.up_dir / "log" / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def script(self, name: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / "scripts" / name)], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def listening(pids: set[int]) -> list[tuple[str, int]]:
    """(address, pid) of every listening TCP socket of these processes."""
    output = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in output.splitlines():
        for pid in map(int, re.findall(r"pid=(\d+)", line)):
            if pid in pids:
                found.append((line.split()[3], pid))
    return found


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (`make services` installs them; `make test` runs it)")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL is not installed (`make postgres`)")
    assert MODEL.exists(), "models/onevisit.tar.gz is missing: run `make train`"
    up_dir = Path(tempfile.mkdtemp(prefix="onevisit-up-"))
    up_dir.chmod(0o755)  # the PostgreSQL server runs as user postgres when the tests run as root
    taken: set[int] = set()
    ports = {"RASA_PORT": free_port_block(3, taken), "ACTION_PORT": free_port_block(3, taken)}
    for name in ("WEB_PORT", "BACKEND_PORT", "UP_PG_PORT", "REDIS_PORT", "HAPROXY_STATS_PORT"):
        ports[name] = free_port_block(1, taken)
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    env.update({name: str(port) for name, port in ports.items()})
    env.update({"UP_DIR": str(up_dir), "UP_LOG_DIR": str(up_dir / "log"), "PYTHONPATH": str(ROOT)})
    result = Topology(env, up_dir, ports)
    try:
        started = result.script("up.sh", timeout=900)
        assert started.returncode == 0, started.stdout + started.stderr
        assert "已就绪" in started.stdout
        yield result
    finally:
        result.script("down.sh", timeout=300)
        shutil.rmtree(up_dir, ignore_errors=True)


def ask(topology: Topology, message: str = "身份证丢了怎么补办") -> list[dict]:
    reply = requests.post(topology.edge + "/webhooks/rest/webhook", timeout=60,
                          json={"sender": f"up-{uuid.uuid4().hex[:10]}", "message": message})
    if reply.status_code != 200:
        pytest.fail(f"{reply.status_code} {reply.text}\n--- haproxy ---\n{topology.log('haproxy')[-2500:]}"
                    f"\n--- edge ---\n{topology.log('edge')[-1500:]}")
    return reply.json()


def served_by(topology: Topology, backend: str) -> set[str]:
    """Servers of a HAProxy backend that answered a POST, from HAProxy's log."""
    return set(re.findall(rf" {backend}/({backend}-\d+) .* POST ", topology.log("haproxy")))


def test_up_starts_every_process_on_loopback_and_answers_through_the_edge(topology: Topology) -> None:
    pids = topology.pids()
    rasa_port, action_port = topology.ports["RASA_PORT"], topology.ports["ACTION_PORT"]
    assert set(pids) == {"edge", "haproxy", "backend", "redis", f"rasa-{rasa_port + 1}", f"rasa-{rasa_port + 2}",
                         f"actions-{action_port + 1}", f"actions-{action_port + 2}"}
    assert all(alive(pid) for pid in pids.values())
    sockets = listening(set(pids.values()))
    assert {address for address, _ in sockets} >= {f"127.0.0.1:{port}" for port in topology.ports.values()
                                                   if port != topology.ports["UP_PG_PORT"]}
    assert all(address.startswith("127.0.0.1:") for address, _ in sockets), sockets
    postgres = subprocess.run(["ss", "-ltnH", f"sport = :{topology.ports['UP_PG_PORT']}"], capture_output=True,
                              text=True, check=True).stdout.split()
    assert postgres and postgres[3] == f"127.0.0.1:{topology.ports['UP_PG_PORT']}"

    # eight people at once: leastconn spreads turns that are in progress together over both Rasa servers
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: ask(topology), range(8)))
    for reply in replies:
        answer = "\n".join(message.get("text", "") for message in reply)
        assert "身份证" in answer, (answer, topology.log("haproxy")[-3000:])
    haproxy_log = "\n".join(line for line in topology.log("haproxy").splitlines() if " POST " not in line)[-3000:]
    assert len(served_by(topology, "rasa")) == 2, haproxy_log  # both Rasa servers took turns
    assert len(served_by(topology, "actions")) == 2, haproxy_log  # and both action servers (round robin)


def test_up_refuses_to_start_twice(topology: Topology) -> None:
    again = topology.script("up.sh", timeout=60)
    assert again.returncode != 0
    assert "make down" in again.stderr


def test_a_dead_rasa_replica_is_taken_out_of_rotation(topology: Topology) -> None:
    port = topology.ports["RASA_PORT"] + 1
    victim = f"rasa-{port}"
    pid = topology.pids()[victim]
    os.killpg(pid, signal.SIGKILL)  # a crash, not a shutdown
    deadline = time.monotonic() + 15
    while (alive(pid) or accepting(port)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not accepting(port)
    # a message the dying replica had already accepted is lost (the page asks to send it again); from now on
    # none may be: before the health check notices, refused connections go to the other replica
    for _ in range(3):
        assert ask(topology, "你好"), "a message was lost while one replica was down"
    deadline = time.monotonic() + 60
    while f"Server rasa/{victim} is DOWN" not in topology.log("haproxy") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert f"Server rasa/{victim} is DOWN" in topology.log("haproxy")
    for _ in range(3):  # after: it is out of rotation
        assert ask(topology, "你好"), "a message was lost while one replica was down"


def test_down_stops_everything(topology: Topology) -> None:
    pids = topology.pids()
    stopped = topology.script("down.sh", timeout=300)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "已停止 PostgreSQL" in stopped.stdout
    assert not any(alive(pid) for pid in pids.values())
    assert not any(accepting(port) for port in topology.ports.values())
    assert not list((topology.up_dir / "pids").glob("*.pid"))
